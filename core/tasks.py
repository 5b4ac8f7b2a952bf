from importlib import import_module

from celery import shared_task
from django.conf import settings


@shared_task(acks_late=True)
def clear_expired_sessions() -> None:
    """Delete expired Admin sessions, as `manage.py clearsessions` does."""
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
