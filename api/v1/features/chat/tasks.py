"""The chat's background work: notifying about messages (notify.py)."""

from celery import shared_task

from .notify import notify_message


@shared_task
def notify_chat_message(message_id: int, previous_content: str | None = None) -> None:
    notify_message(message_id, previous_content)
