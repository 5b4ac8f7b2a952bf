"""The import and export jobs' background work."""

import logging

from celery import shared_task
from django.conf import settings
from django.utils.translation import gettext as _

from . import services
from .choices import JobStatus

logger = logging.getLogger(__name__)


# Acknowledged once done, and given back to the broker when the worker process dies:
# a job is never lost with its worker. A delivery to a second worker while the first
# still runs it is refused by `services.claim` (the job's heartbeat is recent).
@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True)
def run_data_job(self, job_id: int) -> str | None:
    """Run an import or export job (data_jobs.services.run); its final status."""
    job = services.claim(job_id, self.request.id)
    if job is None:
        return None
    services.run(job)
    job.refresh_from_db(fields=["status"])
    return job.status


@shared_task(acks_late=True)
def resume_stalled_jobs() -> dict:
    """Take up again the jobs whose worker stopped (killed, restarted): they continue
    after their last committed batch. A job that stalled DATA_JOB_MAX_ATTEMPTS times
    fails. Every minute (beat)."""
    resumed = failed = 0
    for job in services.stalled_jobs():
        if job.attempts >= settings.DATA_JOB_MAX_ATTEMPTS:
            services.finish(
                job,
                JobStatus.FAILED,
                error=_("The job's worker stopped %(count)s times: given up.")
                % {"count": job.attempts},
            )
            failed += 1
            continue
        logger.warning("Data job %s stalled: taken up again", job.pk)
        run_data_job.delay(job.pk)
        resumed += 1
    return {"resumed": resumed, "failed": failed}
