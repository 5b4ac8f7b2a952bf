"""The Admin of API keys: staff create UserAPIKeys there; the key is shown once."""

import re
from datetime import timedelta

import pytest
from django.contrib import admin
from django.utils import timezone
from rest_framework_api_key.models import APIKey

from api.v1.base_models.auth.models import AuthSession, UserAPIKey
from api.v1.base_models.auth.services import tokens_for
from api.v1.base_models.user.tests.factories import UserFactory

from ..helpers import ME_URL, REFRESH_URL

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/authentication/userapikey/add/"
CHANGELIST_URL = "/admin/authentication/userapikey/"
KEY_IN_MESSAGE = re.compile(r"The API key for .+ is: (?P<key>\S+)\. ")


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def add_key(staff_client, user, name="ERP connector", expiry_date=None):
    return staff_client.post(
        ADD_URL,
        {
            "name": name,
            "user": user.pk,
            "expiry_date_0": expiry_date.strftime("%Y-%m-%d") if expiry_date else "",
            "expiry_date_1": expiry_date.strftime("%H:%M:%S") if expiry_date else "",
        },
        follow=True,
    )


def shown_key(response) -> str:
    """The key in the success message, as the page after the redirect shows it."""
    keys = KEY_IN_MESSAGE.findall(response.content.decode())
    assert len(keys) == 1, response.content.decode()
    return keys[0]


def test_the_add_form_renders(staff_client):
    response = staff_client.get(ADD_URL)

    assert response.status_code == 200
    assert b'name="user"' in response.content


def test_a_key_created_in_the_admin_works_on_the_api(staff_client, api_client):
    owner = UserFactory()

    response = add_key(staff_client, owner)

    assert response.status_code == 200
    api_key = UserAPIKey.objects.get()
    assert api_key.user == owner
    assert api_key.name == "ERP connector"
    key = shown_key(response)
    assert key.startswith(f"{api_key.prefix}.")
    assert api_key.is_valid(key)
    me = api_client.get(ME_URL, HTTP_X_API_KEY=key)
    assert me.status_code == 200
    assert me.data["user"]["id"] == owner.pk


def test_a_key_created_already_expired_is_refused_on_the_api(staff_client, api_client):
    owner = UserFactory()

    response = add_key(staff_client, owner, expiry_date=timezone.now() - timedelta(days=1))

    me = api_client.get(ME_URL, HTTP_X_API_KEY=shown_key(response))
    assert me.status_code == 401
    assert "expired" in str(me.data["detail"])


def test_revoking_in_the_admin_disables_the_key(staff_client, api_client, api_key_for):
    owner = UserFactory()
    api_key, key = api_key_for(owner)

    response = staff_client.post(
        f"/admin/authentication/userapikey/{api_key.pk}/change/",
        {"name": api_key.name, "user": owner.pk, "revoked": "on"},
    )

    assert response.status_code == 302
    api_key.refresh_from_db()
    assert api_key.revoked is True
    assert api_client.get(ME_URL, HTTP_X_API_KEY=key).status_code == 401


def test_the_changelist_shows_keys_and_their_users(staff_client, api_key_for):
    owner = UserFactory(username="integration-bot")
    api_key_for(owner, name="Nightly export")

    response = staff_client.get(CHANGELIST_URL, {"q": "integration-bot"})

    assert response.status_code == 200
    assert b"Nightly export" in response.content
    assert b"integration-bot" in response.content


def test_the_librarys_own_api_key_model_is_not_in_the_admin(staff_client):
    assert admin.site.is_registered(UserAPIKey)
    assert not admin.site.is_registered(APIKey)
    assert staff_client.get("/admin/rest_framework_api_key/apikey/").status_code == 404


def test_non_staff_cannot_reach_the_admin(client):
    client.force_login(UserFactory())

    response = client.get(ADD_URL)

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    assert not UserAPIKey.objects.exists()


class TestSessions:
    URL = "/admin/authentication/authsession/"

    def test_staff_see_and_sign_out_sessions(self, staff_client, user, api_client):
        pair = tokens_for(user)
        session = AuthSession.objects.get(user=user)

        assert staff_client.get(self.URL).status_code == 200
        assert staff_client.get(f"{self.URL}{session.pk}/change/").status_code == 200
        response = staff_client.post(
            self.URL, {"action": "sign_out", "_selected_action": [session.pk]}, follow=True
        )

        assert response.status_code == 200
        session.refresh_from_db()
        assert session.revoked_at is not None
        assert api_client.post(REFRESH_URL, {"refresh": pair["refresh"]}).status_code == 401

    def test_sessions_are_not_added_or_deleted_there(self, staff_client, user):
        tokens_for(user)
        session = AuthSession.objects.get(user=user)

        assert staff_client.get(f"{self.URL}add/").status_code == 403
        assert staff_client.get(f"{self.URL}{session.pk}/delete/").status_code == 403
        assert AuthSession.objects.filter(pk=session.pk).exists()
