"""The periodic task that flushes expired refresh tokens."""

from datetime import timedelta

import pytest
from celery.result import EagerResult
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from api.v1.base_models.auth.tasks import flush_expired_tokens

pytestmark = pytest.mark.django_db


@pytest.fixture
def tokens(user):
    """Two expired and two live refresh tokens; one of each blacklisted."""
    made = {name: RefreshToken.for_user(user) for name in ("old", "old_blacklisted", "live")}
    made["live_blacklisted"] = RefreshToken.for_user(user)
    made["old_blacklisted"].blacklist()
    made["live_blacklisted"].blacklist()
    OutstandingToken.objects.filter(
        jti__in=[made["old"]["jti"], made["old_blacklisted"]["jti"]]
    ).update(expires_at=timezone.now() - timedelta(seconds=1))
    return made


def remaining_jtis():
    return set(OutstandingToken.objects.values_list("jti", flat=True))


def test_deletes_only_expired_tokens_and_their_blacklist_entries(tokens):
    count = flush_expired_tokens()

    assert count == 2
    assert remaining_jtis() == {tokens["live"]["jti"], tokens["live_blacklisted"]["jti"]}
    assert list(BlacklistedToken.objects.values_list("token__jti", flat=True)) == [
        tokens["live_blacklisted"]["jti"]
    ]


def test_through_celery(tokens):
    result = flush_expired_tokens.delay()

    assert isinstance(result, EagerResult)  # CELERY_TASK_ALWAYS_EAGER in the test settings
    assert result.get() == 2
    assert len(remaining_jtis()) == 2


def test_nothing_to_flush(user):
    RefreshToken.for_user(user)

    assert flush_expired_tokens.delay().get() == 0
    assert OutstandingToken.objects.count() == 1


def test_a_second_run_finds_nothing(tokens):
    assert flush_expired_tokens() == 2
    assert flush_expired_tokens() == 0


def test_is_scheduled_daily(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE["flush-expired-jwt-tokens"]

    assert schedule["task"] == flush_expired_tokens.name
    assert schedule["schedule"] == timedelta(days=1)
