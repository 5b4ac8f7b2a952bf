from celery import shared_task

from . import services


@shared_task(acks_late=True)
def purge_audit_logs() -> dict:
    """Remove (or archive, per AUDIT["PURGE_MODE"]) the entries older than the retention."""
    return services.purge()
