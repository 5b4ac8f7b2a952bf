"""Fixtures shared by every test package."""

import pytest
from django.core.cache import cache
from django_otp.oath import TOTP
from rest_framework.test import APIClient

from api.v1.base_models.auth.models import UserAPIKey
from api.v1.base_models.auth.services import tokens_for
from api.v1.base_models.user.tests.factories import DEFAULT_PASSWORD, UserFactory


@pytest.fixture(autouse=True)
def _isolated_cache_and_media(settings, tmp_path):
    """Throttle counters and challenges live in the cache; uploads go to a temporary folder."""
    cache.clear()
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def password():
    return DEFAULT_PASSWORD


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def jwt_client():
    """jwt_client(user) -> an APIClient sending a real access token of that user."""

    def make(user):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens_for(user)['access']}")
        return client

    return make


@pytest.fixture
def auth_client(jwt_client, user):
    return jwt_client(user)


@pytest.fixture
def api_key_for(db):
    """api_key_for(user, **fields) -> (UserAPIKey, plaintext key)."""

    def make(user, **fields):
        fields.setdefault("name", "Test integration")
        return UserAPIKey.objects.create_key(user=user, **fields)

    return make


@pytest.fixture
def totp_code():
    """totp_code(device, steps=0) -> the code the authenticator app shows (steps ahead)."""

    def make(device, steps=0):
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        totp.time = totp.time + steps * device.step
        return f"{totp.token():0{device.digits}d}"

    return make
