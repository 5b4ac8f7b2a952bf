"""Index updates, in Celery: a failure (the engine unreachable) is retried with backoff,
never a failure of the write that caused it."""

from celery import shared_task

from .backends import SearchUnavailable


@shared_task(
    autoretry_for=(SearchUnavailable, ConnectionError, OSError),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=12,
    acks_late=True,
)
def update_index(label: str, object_ids: list) -> None:
    """Index the records `object_ids` of model `label` as they are now: those that no
    longer exist leave the index."""
    from . import services

    services.update(label, object_ids)
