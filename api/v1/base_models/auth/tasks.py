from celery import shared_task
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken


@shared_task
def flush_expired_tokens() -> int:
    """Delete expired refresh tokens and their blacklist entries; returns how many tokens."""
    expired = OutstandingToken.objects.filter(expires_at__lte=timezone.now())
    count = expired.count()
    expired.delete()
    return count
