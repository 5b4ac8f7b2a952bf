from smtplib import SMTPException

from celery import shared_task
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from . import emails

# Mail servers fail transiently; the message is sent again with growing pauses.
EMAIL_RETRY = {
    "autoretry_for": (SMTPException, OSError),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "max_retries": 5,
}


@shared_task(acks_late=True)
def flush_expired_tokens() -> int:
    """Delete expired refresh tokens and their blacklist entries; returns how many tokens."""
    expired = OutstandingToken.objects.filter(expires_at__lte=timezone.now())
    count = expired.count()
    expired.delete()
    return count


@shared_task(**EMAIL_RETRY)
def send_security_notice(user_id: int, action: str, details: dict) -> bool:
    """Tell a user by email about a security event of their account (notices.record);
    False when the user is gone or has no address."""
    return emails.send_security_notice(user_id, action, details)


@shared_task(**EMAIL_RETRY)
def send_password_reset_email(user_id: int) -> bool:
    """Email a password reset link to an active user; False when they cannot reset."""
    return emails.send_password_reset(user_id)
