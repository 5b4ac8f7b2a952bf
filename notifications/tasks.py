"""The notifications' background work: emails (each at once, with retries, or in
digests) and the purge of old notifications."""

from celery import shared_task
from django.conf import settings

from . import emails, services


# Given back to the broker if the worker dies: only unsent rows are sent, so a second
# delivery repeats at most the email that was being sent.
@shared_task(bind=True, max_retries=None, acks_late=True)
def send_notification_emails(self, ids: list[int]) -> dict:
    """Email these notifications (those still unsent). Those the mail server refused
    for now are tried again, alone, after a growing delay (NOTIFICATION_EMAIL_RETRY_DELAY
    seconds, doubled each time); after NOTIFICATION_EMAIL_MAX_RETRIES they are marked
    ERROR with the reason."""
    failed = emails.send(ids)
    if failed and self.request.retries < settings.NOTIFICATION_EMAIL_MAX_RETRIES:
        delay = settings.NOTIFICATION_EMAIL_RETRY_DELAY * 2**self.request.retries
        raise self.retry(args=[sorted(failed)], countdown=delay)
    emails.give_up(failed)
    return {"sent": len(ids) - len(failed), "failed": len(failed)}


@shared_task
def send_email_digests(frequency: str) -> dict:
    """Hourly and daily (beat): the digests of the users who chose that frequency."""
    return {"frequency": frequency, "sent": emails.send_digests(frequency)}


@shared_task(acks_late=True)
def purge_notifications() -> dict:
    """Daily (beat): notifications past their retention (see services.purge)."""
    return services.purge()
