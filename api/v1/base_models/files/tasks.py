from celery import shared_task

from . import services


@shared_task(acks_late=True)
def remove_orphaned_files() -> dict:
    """Daily: stored bytes no file row references (see services)."""
    removed = services.remove_orphaned_files()
    return {"removed": len(removed), "names": removed}
