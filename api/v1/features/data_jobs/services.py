"""Starting, running and ending import and export jobs.

A job is started by the export/import actions of a model's API view
(data_jobs.views.DataJobActionsMixin) and run by the `run_data_job` task. The task
rebuilds what the request had: the view (by its dotted path), the requester as the
user of a request carrying the list's query parameters, so that the export's records
and every row of an import pass the same checks as the API would make for that
person, in the job's organization.
"""

import gc
import hashlib
import logging
import tempfile
from contextlib import contextmanager
from datetime import timedelta
from urllib.parse import urlencode

from crum import impersonate
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connections, transaction
from django.db.models import F, Q
from django.db.models.sql import UpdateQuery
from django.db.models.sql.constants import NO_RESULTS
from django.http import HttpRequest, QueryDict
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.text import slugify
from django.utils.translation import gettext as _
from rest_framework.request import Request

from api.base.views import ScopedModelViewSet
from api.v1.base_models.files.models import FileStorage
from api.v1.base_models.files.services import stored
from core import registry
from core.db.pipeline import pipeline
from notifications.choices import NotificationLevel
from notifications.push import push_message
from notifications.services import send_notification

from . import exporter, formats
from .choices import FileFormat, FileRole, JobKind, JobStatus, OnError
from .importer import (
    FileRefused,
    Importer,
    JobCancelled,
    advance,
    cancelled,
    count_rows,
    record_failures,
)
from .models import DataJob, DataJobFile, DataJobRowError
from .resources import DataResource

logger = logging.getLogger(__name__)

NOTIFICATION_TYPE = "data_job_finished"
MIME_TYPES = {
    FileFormat.CSV: "text/csv",
    FileFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    FileFormat.PDF: "application/pdf",
}


def view_path(view_class) -> str:
    return f"{view_class.__module__}.{view_class.__qualname__}"


def job_request(job: DataJob) -> Request:
    """A request of the job's requester with the list's query parameters."""
    http = HttpRequest()
    http.method = "GET"
    http.GET = QueryDict(urlencode([tuple(pair) for pair in job.params.get("query", [])]))
    # The host the job was asked on (allowed then): for links a representation holds.
    http.META["HTTP_HOST"] = job.params.get("host") or "localhost"
    http.user = job.created_by
    request = Request(http)
    request.user = job.created_by
    return request


def job_view(job: DataJob, request: Request):
    view_class = import_string(job.view)
    if not (isinstance(view_class, type) and issubclass(view_class, ScopedModelViewSet)):
        raise ImproperlyConfigured(f"Data job {job.pk}: {job.view} is not a model's API view.")
    view = view_class(request=request, args=(), kwargs={}, format_kwarg=None, action="list")
    return view_class, view


def resource_of(job: DataJob, view_class, request) -> DataResource:
    resource_class = getattr(view_class, "data_resource", DataResource)
    return resource_class(view_class, request, job.organization)


def in_organization(queryset, organization_id):
    path = registry.organization_path(queryset.model)
    return queryset.filter(**{path: organization_id})


# Files ---------------------------------------------------------------------------------


def store_file(job: DataJob, fileobj, name: str, mime_type: str, role: str) -> FileStorage:
    """Keep a job's file in the file layer, private to the job (DataJobFile)."""
    fileobj.seek(0)
    digest, size = hashlib.sha256(), 0
    for chunk in iter(lambda: fileobj.read(1024 * 1024), b""):
        digest.update(chunk)
        size += len(chunk)
    fileobj.seek(0)
    with stored(File(fileobj, name=name), job.organization_id) as key, transaction.atomic():
        file = FileStorage.objects.create(
            organization_id=job.organization_id,
            file=key,
            original_name=name,
            mime_type=mime_type,
            size=size,
            checksum=digest.hexdigest(),
        )
        DataJobFile.objects.filter(job=job, role=role).delete()
        DataJobFile.objects.create(job=job, file=file, role=role)
    return file


def job_file(job: DataJob, role: str) -> FileStorage | None:
    link = DataJobFile.objects.filter(job=job, role=role).select_related("file").first()
    return link.file if link else None


@contextmanager
def opened(file: FileStorage):
    with default_storage.open(file.file.name, "rb") as fileobj:
        yield fileobj


def _file_name(job: DataJob, what: str, extension: str) -> str:
    """ "products-export-12.csv": the records, what the file is, the job."""
    model = job.content_type.model_class()
    records = slugify(str(model._meta.verbose_name_plural))
    return f"{records}-{what}-{job.pk}.{extension}"


# Running ---------------------------------------------------------------------------------


def claim(job_id: int, task_id: str) -> DataJob | None:
    """The job, marked RUNNING by this worker; None when another one runs it or it
    ended (a task delivered twice runs once)."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.DATA_JOB_STALLED_AFTER)
    claimable = Q(status=JobStatus.QUEUED) | Q(status=JobStatus.RUNNING, heartbeat_at__lt=stale)
    taken = DataJob.objects.filter(claimable, pk=job_id).update(
        status=JobStatus.RUNNING,
        heartbeat_at=now,
        attempts=F("attempts") + 1,
        task_id=task_id or "",
    )
    if not taken:
        return None
    job = DataJob.objects.select_related("organization", "created_by", "content_type").get(
        pk=job_id
    )
    if job.started_at is None:
        DataJob.objects.filter(pk=job_id).update(started_at=now)
    return job


def run(job: DataJob) -> None:
    """Run a claimed job to its end (status, files, notification), as its requester
    (the audit's actor of what it writes)."""
    with impersonate(job.created_by), _collected_apart():
        _run(job)


@contextmanager
def _collected_apart():
    """The objects alive before the job (the application's modules, settings, caches)
    out of the garbage collector's sight while it runs (gc.freeze): a job makes and
    drops thousands of objects per batch, and each full collection would otherwise walk
    the whole process again (a third of an import's time, measured with
    bench/data_jobs.py). What the job leaves is collected as usual."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _run(job: DataJob) -> None:
    try:
        if job.cancel_requested:
            raise JobCancelled()
        if job.kind == JobKind.EXPORT:
            _export(job)
        else:
            _import(job)
    except JobCancelled:
        finish(job, JobStatus.CANCELLED)
    except (formats.BadFile, FileRefused, exporter.TooManyRows) as exc:
        finish(job, JobStatus.FAILED, error=str(exc))
    except Exception:
        logger.exception("Data job %s failed", job.pk)
        finish(job, JobStatus.FAILED, error=_("The job stopped on an unexpected error."))


def _export(job: DataJob) -> None:
    request = job_request(job)
    view_class, view = job_view(job, request)
    resource = resource_of(job, view_class, request)
    queryset = in_organization(view.filter_queryset(view.get_queryset()), job.organization_id)
    details = [_("Organization: %(name)s") % {"name": job.organization.name}]
    query = [f"{name}={value}" for name, value in job.params.get("query", [])]
    if query:
        details.append(_("Filters: %(filters)s") % {"filters": ", ".join(query)})
    with tempfile.TemporaryFile() as output:
        exporter.export(job, resource, queryset, output, details)
        name = _file_name(job, "export", job.format)
        store_file(job, output, name, MIME_TYPES[job.format], FileRole.OUTPUT)
    finish(job, JobStatus.SUCCEEDED)


def _import(job: DataJob) -> None:
    request = job_request(job)
    view_class, _view = job_view(job, request)
    resource = resource_of(job, view_class, request)
    with (
        opened(job_file(job, FileRole.INPUT)) as fileobj,
        formats.open_table(fileobj, job.format) as table,
    ):
        importer = Importer(job, table, resource)
        warnings = importer.check_headers()
        if job.total_rows is None:
            DataJob.objects.filter(pk=job.pk).update(total_rows=table.count(), warnings=warnings)
        importer.remember_keys(job.cursor)
        all_or_nothing = not job.dry_run and job.on_error == OnError.ABORT
        if all_or_nothing and not job.failed_rows:
            _import_all_or_nothing(job, importer)
        else:  # a dry run, on_error=skip, or the rest of a refused file checked
            writes = not job.dry_run and job.on_error == OnError.SKIP
            _check_batches(job, importer, after=max(job.cursor, 1), writes=writes)
    job.refresh_from_db()
    if job.failed_rows:
        _error_report(job, table.headers)
    failed = job.failed_rows and job.on_error == OnError.ABORT and not job.dry_run
    finish(job, JobStatus.FAILED if failed else _succeeded(job))


def _check_batches(job: DataJob, importer: Importer, *, after: int, writes: bool) -> None:
    """The rows after `after`, batch by batch, each in a transaction of its own with the
    job's progress: checked, and written when `writes` (on_error=skip) or counted as a
    dry run counts them; unless they are the rest of a file an all-or-nothing import
    refused, which writes nothing. A batch is checked and prepared while the one before
    it is written (core.db.pipeline)."""
    counted = writes or job.dry_run
    with pipeline() as writer:
        for batch in importer.batches(after=after):
            if cancelled(job):
                raise JobCancelled()
            outcome = importer.check(batch)
            if writes:
                importer.prepare(outcome)
            writer.run(_commit_batch, job, importer, batch, outcome, writes, counted)


def _commit_batch(job, importer, batch, outcome, writes: bool, counted: bool) -> None:
    with transaction.atomic():
        if writes:
            importer.write(outcome)
        record_failures(job, outcome.failed)
        advance(
            job,
            cursor=batch[-1].number,
            done=len(batch),
            outcome=outcome if counted else None,
            failed=len(outcome.failed),
        )
    _push_progress(job)


def _succeeded(job: DataJob) -> str:
    return JobStatus.PARTIAL if job.failed_rows else JobStatus.SUCCEEDED


class _Refused(Exception):
    def __init__(self, batch, failed, done):
        self.batch, self.failed, self.done = batch, failed, done


def _import_all_or_nothing(job: DataJob, importer: Importer) -> None:
    """on_error=abort: every row checked and written in one transaction, in one pass; at
    the first batch with a failed row all of it is rolled back, and the rest of the file
    is only checked (_check_batches), so that every failed row is reported. A job taken
    up again after its worker died starts from the first row (nothing of it was
    committed). A batch is checked and prepared while the one before it is written
    (core.db.pipeline); the progress is seen while the transaction is open (_Progress)."""
    importer.seen.clear()
    DataJob.objects.filter(pk=job.pk).update(
        cursor=0, processed_rows=0, created_rows=0, updated_rows=0, unchanged_rows=0
    )
    totals = {"created_rows": 0, "updated_rows": 0, "unchanged_rows": 0}
    done = last = 0
    try:
        with pipeline() as writer, _Progress(job, writer) as progress, writer.atomic():
            for batch in importer.batches(after=1):
                if cancelled(job):
                    raise JobCancelled()
                outcome = importer.check(batch)
                if outcome.failed:
                    writer.wait()  # a batch before it refused by the database comes first
                    raise _Refused(batch, outcome.failed, done)
                importer.prepare(outcome)
                writer.run(_write_or_refuse, importer, batch, outcome, done)
                totals["created_rows"] += len(outcome.created)
                totals["updated_rows"] += len(outcome.updated)
                totals["unchanged_rows"] += outcome.unchanged
                done, last = done + len(batch), batch[-1].number
                progress.record(done)
    except _Refused as refused:
        with transaction.atomic():
            record_failures(job, refused.failed)
            DataJob.objects.filter(pk=job.pk).update(
                cursor=refused.batch[-1].number,
                processed_rows=refused.done + len(refused.batch),
                failed_rows=len(refused.failed),
                heartbeat_at=timezone.now(),
            )
        count_rows(job, refused.done + len(refused.batch))
        _push_progress(job)
        _check_batches(job, importer, after=refused.batch[-1].number, writes=False)
        return
    DataJob.objects.filter(pk=job.pk).update(
        cursor=last, processed_rows=done, heartbeat_at=timezone.now(), **totals
    )
    count_rows(job, done)


def _write_or_refuse(importer: Importer, batch: list, outcome, done: int) -> None:
    """Write a checked batch of an all-or-nothing import; _Refused when the database
    refuses one of its rows."""
    importer.write(outcome)
    if outcome.failed:
        raise _Refused(batch, outcome.failed, done)


class _Progress:
    """The progress of an import whose rows are written in one transaction, seen by
    others while it is open. Where the transaction is a pipeline's (core.db.pipeline),
    the job's own connection is outside it: each record is committed at once. Else on
    PostgreSQL, written by a database connection of its own (and read back through the
    job's connection, which sees what others committed). Where that cannot be (SQLite
    writes one transaction at a time; a job run inside a transaction of its caller's),
    written in the job's transaction, seen when it ends. Each record is pushed to the
    requester's sockets."""

    def __init__(self, job: DataJob, writer):
        self.job = job
        self.writer = writer
        self.side = None

    def __enter__(self):
        connection = transaction.get_connection()
        apart = connection.vendor == "postgresql" and not connection.in_atomic_block
        if apart and not self.writer.threaded:
            self.side = connections.create_connection(connection.alias)
        return self

    def record(self, done: int) -> None:
        values = {"processed_rows": done, "heartbeat_at": timezone.now()}
        if self.side is None:
            DataJob.objects.filter(pk=self.job.pk).update(**values)
        else:
            query = DataJob.objects.filter(pk=self.job.pk).query.chain(UpdateQuery)
            query.add_update_values(values)
            query.get_compiler(connection=self.side).execute_sql(NO_RESULTS)
        _push_progress(self.job)

    def __exit__(self, *exc_info):
        if self.side is not None:
            self.side.close()


def _error_report(job: DataJob, headers: list[str]) -> None:
    """The failed rows as a CSV file, with what is wrong in a last column, to fix and
    import again."""

    def rows():
        failures = DataJobRowError.objects.filter(job=job).order_by("row")
        for failure in failures.iterator(chunk_size=1000):
            yield [*failure.values, failure.summary]

    with tempfile.TemporaryFile() as output:
        formats.write_csv(output, [*headers, _("errors")], rows())
        name = _file_name(job, "failed-rows", FileFormat.CSV)
        store_file(job, output, name, MIME_TYPES[FileFormat.CSV], FileRole.ERRORS)


# Ending ----------------------------------------------------------------------------------


def job_message(job: DataJob) -> dict:
    """What the requester's open notification sockets are told of a job's progress."""
    return {
        "type": "data_job",
        "job": {
            "id": job.pk,
            "status": job.status,
            "total_rows": job.total_rows,
            "processed_rows": job.processed_rows,
            "failed_rows": job.failed_rows,
        },
    }


def _push_progress(job: DataJob) -> None:
    current = DataJob.objects.get(pk=job.pk)
    push_message(current.created_by_id, job_message(current))


def finish(job: DataJob, status: str, error: str = "") -> None:
    """End the job (audited: its status changes from the requester's hand), tell its
    requester."""
    job.refresh_from_db()
    job.status = status
    job.error = error
    job.finished_at = timezone.now()
    job.heartbeat_at = None
    job.save(update_fields=["status", "error", "finished_at", "heartbeat_at"])
    push_message(job.created_by_id, job_message(job))
    _notify(job)


def _notify(job: DataJob) -> None:
    levels = {
        JobStatus.SUCCEEDED: NotificationLevel.SUCCESS,
        JobStatus.PARTIAL: NotificationLevel.WARNING,
        JobStatus.FAILED: NotificationLevel.ERROR,
        JobStatus.CANCELLED: NotificationLevel.INFO,
    }
    model = job.content_type.model_class()
    what = _("%(kind)s of %(records)s") % {
        "kind": job.get_kind_display(),
        "records": model._meta.verbose_name_plural,
    }
    if job.dry_run:
        what = _("Dry run of the %(what)s") % {"what": what.lower()}
    title = _("%(what)s: %(status)s") % {"what": what, "status": job.get_status_display()}
    message = job.error or _("%(done)s of %(total)s rows; %(failed)s failed.") % {
        "done": job.processed_rows,
        "total": job.total_rows or 0,
        "failed": job.failed_rows,
    }
    send_notification(
        [job.created_by_id],
        NOTIFICATION_TYPE,
        title,
        message,
        level=levels[job.status],
        organization=job.organization,
        action_url=f"/api/v1/data-jobs/{job.pk}/",
        action_text=_("See the job"),
    )


def stalled_jobs():
    """Jobs whose worker gave no sign of life for DATA_JOB_STALLED_AFTER: running, or
    queued that long without a worker taking them."""
    stale = timezone.now() - timedelta(seconds=settings.DATA_JOB_STALLED_AFTER)
    return DataJob.objects.filter(
        Q(status=JobStatus.RUNNING, heartbeat_at__lt=stale)
        | Q(status=JobStatus.QUEUED, created_at__lt=stale)
    )
