from datetime import timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from core.tasks import clear_expired_sessions

pytestmark = pytest.mark.django_db


def _session(expires_in: timedelta) -> str:
    store = SessionStore()
    store["k"] = "v"
    store.create()
    Session.objects.filter(pk=store.session_key).update(expire_date=timezone.now() + expires_in)
    return store.session_key


def test_clear_expired_sessions_keeps_live_ones():
    expired = _session(timedelta(days=-1))
    live = _session(timedelta(days=1))

    clear_expired_sessions.delay()

    assert set(Session.objects.values_list("pk", flat=True)) == {live}
    assert not Session.objects.filter(pk=expired).exists()


def test_beat_schedule_names_real_tasks(settings):
    from config.celery import app

    app.loader.import_default_modules()
    registered = set(app.tasks)
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in registered
