"""X-API-Key authentication on the API (UserAPIKey: a key that acts as its user)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from api.v1.base_models.user.tests.factories import UserFactory

from ..helpers import ME_URL

pytestmark = pytest.mark.django_db


def get_me(api_client, key):
    return api_client.get(ME_URL, HTTP_X_API_KEY=key)


def test_a_valid_key_acts_as_its_user(api_client, user, api_key_for):
    _api_key, key = api_key_for(user)

    response = get_me(api_client, key)

    assert response.status_code == 200
    assert response.data["user"]["id"] == user.pk


def test_a_key_acts_as_its_own_user_not_another(api_client, user, api_key_for):
    other = UserFactory()
    _api_key, key = api_key_for(other)

    assert get_me(api_client, key).data["user"]["id"] == other.pk


def test_a_key_with_a_future_expiry_date_works(api_client, user, api_key_for):
    _api_key, key = api_key_for(user, expiry_date=timezone.now() + timedelta(days=1))

    assert get_me(api_client, key).status_code == 200


def test_wrong_secret(api_client, user, api_key_for):
    api_key, key = api_key_for(user)
    _prefix, _dot, secret = key.partition(".")

    response = get_me(api_client, f"{api_key.prefix}.{secret[::-1]}")

    assert response.status_code == 401
    assert response.data["detail"].code == "invalid_api_key"


def test_unknown_prefix(api_client, user, api_key_for):
    _api_key, key = api_key_for(user)
    _prefix, _dot, secret = key.partition(".")

    response = get_me(api_client, f"unknown.{secret}")

    assert response.status_code == 401
    assert response.data["detail"].code == "invalid_api_key"


@pytest.mark.parametrize("key", ["no-dot-at-all", ".", "...."])
def test_malformed_key(api_client, key):
    response = get_me(api_client, key)

    assert response.status_code == 401


def test_expired_key(api_client, user, api_key_for):
    _api_key, key = api_key_for(user, expiry_date=timezone.now() - timedelta(seconds=1))

    response = get_me(api_client, key)

    assert response.status_code == 401
    assert "expired" in str(response.data["detail"])


def test_revoked_key(api_client, user, api_key_for):
    _api_key, key = api_key_for(user, revoked=True)

    response = get_me(api_client, key)

    assert response.status_code == 401
    assert "revoked" in str(response.data["detail"])


def test_key_revoked_after_creation(api_client, user, api_key_for):
    api_key, key = api_key_for(user)
    assert get_me(api_client, key).status_code == 200

    api_key.revoked = True
    api_key.save()

    assert get_me(api_client, key).status_code == 401


def test_inactive_user(api_client, api_key_for):
    inactive = UserFactory(is_active=False)
    _api_key, key = api_key_for(inactive)

    response = get_me(api_client, key)

    assert response.status_code == 401
    assert response.data["detail"].code == "user_inactive"


def test_an_empty_header_is_no_credential(api_client):
    response = get_me(api_client, "")

    assert response.status_code == 401
    assert response.data["detail"].code == "not_authenticated"


def test_the_key_is_stored_hashed(user, api_key_for):
    api_key, key = api_key_for(user)

    _prefix, _dot, secret = key.partition(".")
    assert api_key.prefix == key.split(".")[0]
    assert secret not in api_key.hashed_key
    assert api_key.is_valid(key)
