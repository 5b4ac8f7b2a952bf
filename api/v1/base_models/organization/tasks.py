from smtplib import SMTPException

from celery import shared_task

from . import services


@shared_task(
    autoretry_for=(SMTPException, OSError),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=5,
)
def send_invitation_email(invitation_id: int) -> bool:
    """Email an invitation with a fresh token; False when it is no longer pending."""
    return services.deliver_invitation(invitation_id)


@shared_task(acks_late=True)
def expire_invitations() -> int:
    """Mark the pending invitations past their expiry as expired; returns how many."""
    return services.expire_stale()
