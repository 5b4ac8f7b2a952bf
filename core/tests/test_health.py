from unittest import mock

import pytest
from django.db import OperationalError
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_healthy(api_client):
    response = api_client.get(reverse("api-v1:health"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": True, "cache": True}


def test_needs_no_credentials_and_ignores_bad_ones(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    assert api_client.get(reverse("api-v1:health")).status_code == 200


def test_unreachable_cache_is_503(api_client, settings):
    # A real Redis client pointed at a port where nothing listens.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    response = api_client.get(reverse("api-v1:health"))
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": True, "cache": False}


def test_unreachable_database_is_503(api_client):
    with mock.patch("core.views.connection.cursor", side_effect=OperationalError("down")):
        response = api_client.get(reverse("api-v1:health"))
    assert response.status_code == 503
    assert response.json()["database"] is False
