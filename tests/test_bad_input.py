"""A sweep of every write endpoint with malformed, mistyped and oversized bodies:
always a 4xx with a message, never a 500 and never a change."""

import pytest
from django.urls import reverse

from api.v1.base_models.user.models import UserProfile

pytestmark = pytest.mark.django_db

PUBLIC = ["token-obtain", "token-obtain-2fa", "token-refresh", "logout"]
AUTHENTICATED_POST = ["totp-setup", "totp-verify", "totp-disable", "password-change"]
BODY_ENDPOINTS = [name for name in PUBLIC + AUTHENTICATED_POST if name != "totp-setup"]


def _url(name):
    return reverse(f"api-v1:{name}")


@pytest.fixture
def client_for(api_client, auth_client):
    return lambda name: api_client if name in PUBLIC else auth_client


@pytest.mark.parametrize("name", BODY_ENDPOINTS)
def test_malformed_json(client_for, name):
    response = client_for(name).post(_url(name), "{not json", content_type="application/json")
    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]


@pytest.mark.parametrize("name", BODY_ENDPOINTS)
@pytest.mark.parametrize("body", [[], ["a"], "text", 42, None])
def test_body_not_an_object(client_for, name, body):
    response = client_for(name).post(_url(name), body, format="json")
    assert response.status_code in (400, 401)
    assert response.json()


@pytest.mark.parametrize("name", BODY_ENDPOINTS)
def test_missing_fields(client_for, name):
    response = client_for(name).post(_url(name), {}, format="json")
    assert response.status_code == 400
    assert all(isinstance(messages, list) for messages in response.json().values())


@pytest.mark.parametrize("name", BODY_ENDPOINTS)
def test_wrong_types(client_for, name):
    body = {
        field: {"nested": ["object"]}
        for field in (
            "username",
            "password",
            "challenge",
            "code",
            "refresh",
            "old_password",
            "new_password",
        )
    }
    response = client_for(name).post(_url(name), body, format="json")
    assert response.status_code == 400


@pytest.mark.parametrize("name", BODY_ENDPOINTS)
def test_oversized_body(client_for, name, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = client_for(name).post(_url(name), {"username": "x" * 20_000}, format="json")
    assert response.status_code == 413
    assert "too large" in response.json()["detail"]


@pytest.mark.parametrize(
    "body",
    [
        "{not json",
        '["a list"]',
        '{"timezone": 42}',
        '{"notification_preferences": "yes"}',
        '{"custom_fields": [1, 2]}',
        '{"manager": "abc"}',
        '{"phone_number": {"a": 1}}',
    ],
)
def test_profile_update_refuses_bad_bodies_without_writing(auth_client, user, body):
    before = UserProfile.objects.filter(user=user).values().get()
    response = auth_client.patch(
        reverse("api-v1:my-profile"), body, content_type="application/json"
    )
    assert response.status_code == 400
    assert UserProfile.objects.filter(user=user).values().get() == before


def test_unsupported_media_type(auth_client):
    response = auth_client.patch(
        reverse("api-v1:my-profile"), "<xml/>", content_type="application/xml"
    )
    assert response.status_code == 415
