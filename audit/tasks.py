from celery import shared_task

from . import services


@shared_task
def purge_audit_logs() -> dict:
    """Remove (or archive, per AUDIT["PURGE_MODE"]) the entries older than the retention."""
    return services.purge()
