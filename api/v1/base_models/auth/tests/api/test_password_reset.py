"""Password reset by email: /api/v1/auth/password/reset/ and .../reset/confirm/."""

import re
from datetime import datetime, timedelta

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail

from api.v1.base_models.auth.emails import password_reset_uid
from api.v1.base_models.auth.models import AuthSession
from api.v1.base_models.auth.services import tokens_for
from api.v1.base_models.user.tests.factories import UserFactory
from audit.models import AuditLog

from ..helpers import (
    PASSWORD_RESET_CONFIRM_URL,
    PASSWORD_RESET_URL,
    REFRESH_URL,
)

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-brand-new-passphrase"


@pytest.fixture
def request_reset(api_client, django_capture_on_commit_callbacks):
    """request_reset(email) -> the response; the emails are sent (Celery, eager)."""

    def post(email, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return api_client.post(PASSWORD_RESET_URL, {"email": email}, **extra)

    return post


def link_of(message) -> dict:
    return {
        "uid": re.search(r"^uid: (\S+)$", message.body, re.M)[1],
        "token": re.search(r"^token: (\S+)$", message.body, re.M)[1],
    }


@pytest.fixture
def link(user, request_reset):
    assert request_reset(user.email).status_code == 202
    (message,) = mail.outbox
    mail.outbox.clear()
    return link_of(message)


@pytest.fixture
def confirm(api_client, django_capture_on_commit_callbacks):
    def post(link, password=NEW_PASSWORD, headers=None, **fields):
        with django_capture_on_commit_callbacks(execute=True):
            return api_client.post(
                PASSWORD_RESET_CONFIRM_URL,
                {**link, "new_password": password, **fields},
                headers=headers,
            )

    return post


class TestRequest:
    def test_an_existing_address_gets_an_email(self, user, request_reset):
        response = request_reset(user.email.upper())

        assert response.status_code == 202
        (message,) = mail.outbox
        assert message.to == [user.email]
        assert "reset" in message.subject.lower()
        assert user.username in message.body
        assert link_of(message)["token"]

    def test_the_answer_does_not_tell_whether_an_account_exists(self, user, request_reset):
        known = request_reset(user.email)
        unknown = request_reset("nobody@example.com")

        assert (known.status_code, known.data) == (unknown.status_code, unknown.data)
        assert len(mail.outbox) == 1

    @pytest.mark.parametrize(
        "change", [{"is_active": False}, {"password": "!unusable"}], ids=["inactive", "no-pw"]
    )
    def test_no_email_for_accounts_that_cannot_reset(self, user, request_reset, change):
        type(user).objects.filter(pk=user.pk).update(**change)

        assert request_reset(user.email).status_code == 202
        assert mail.outbox == []

    def test_every_active_account_of_the_address_gets_its_own_link(self, user, request_reset):
        other = UserFactory(email=user.email)

        request_reset(user.email)

        assert sorted(m.to[0] for m in mail.outbox) == [user.email, other.email]
        assert len({link_of(m)["uid"] for m in mail.outbox}) == 2

    def test_a_configured_link(self, user, request_reset, settings):
        settings.PASSWORD_RESET_URL = "https://app.example.com/reset/{uid}/{token}"

        request_reset(user.email)

        assert re.search(r"https://app\.example\.com/reset/\w+/[\w-]+", mail.outbox[0].body)

    def test_audited_with_the_request_context(self, user, request_reset):
        request_reset(user.email, HTTP_USER_AGENT="ResetAgent/1.0")
        request_reset("nobody@example.com")

        known, unknown = AuditLog.objects.filter(action_type="PASSWORD_RESET_REQUEST").order_by(
            "id"
        )
        assert known.user_id == user.pk
        assert known.context["user_agent"] == "ResetAgent/1.0"
        assert known.context["ip_address"] == "127.0.0.1"
        assert unknown.user_id is None
        assert unknown.context["email"] == "nobody@example.com"

    def test_an_invalid_address_is_a_400(self, request_reset):
        response = request_reset("not-an-address")

        assert response.status_code == 400
        assert "email" in response.data

    def test_throttled_per_address(self, user, request_reset, settings):
        for _ in range(3):  # "3/h"
            assert request_reset(user.email).status_code == 202

        response = request_reset(user.email)

        assert response.status_code == 429
        assert "Retry-After" in response
        assert len(mail.outbox) == 3
        # ...the same for an address with no account, and another address still works.
        for _ in range(3):
            request_reset("nobody@example.com")
        assert request_reset("nobody@example.com").status_code == 429
        assert request_reset("someone-else@example.com").status_code == 202

    def test_throttled_per_client(self, request_reset, settings):
        for number in range(20):  # "20/h"
            assert request_reset(f"person{number}@example.com").status_code == 202

        assert request_reset("one-more@example.com").status_code == 429
        other_client = request_reset("one-more@example.com", REMOTE_ADDR="10.0.0.9")
        assert other_client.status_code == 202


class TestConfirm:
    def test_sets_the_password(self, user, link, confirm, api_client):
        response = confirm(link)

        assert response.status_code == 200
        user.refresh_from_db()
        assert user.check_password(NEW_PASSWORD)
        login = api_client.post(
            "/api/v1/auth/token/", {"username": user.username, "password": NEW_PASSWORD}
        )
        assert set(login.data) == {"access", "refresh"}

    def test_the_token_works_once(self, user, link, confirm):
        assert confirm(link).status_code == 200

        response = confirm(link, password="yet-another-passphrase")

        assert response.status_code == 400
        assert "token" in response.data
        user.refresh_from_db()
        assert user.check_password(NEW_PASSWORD)

    def test_the_token_expires(self, user, link, confirm, settings, monkeypatch):
        later = datetime.now() + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 1)
        monkeypatch.setattr(default_token_generator, "_now", lambda: later)

        response = confirm(link)

        assert response.status_code == 400
        assert "token" in response.data

    def test_any_password_change_invalidates_the_token(self, user, link, confirm):
        user.set_password("changed-meanwhile-passphrase")
        user.save()

        assert confirm(link).status_code == 400

    def test_a_login_meanwhile_invalidates_the_token(self, user, link, confirm, login, password):
        assert login(user.username, password).status_code == 200

        assert confirm(link).status_code == 400

    def test_every_session_is_signed_out(self, user, link, confirm, api_client):
        pair = tokens_for(user)

        confirm(link)

        response = api_client.post(REFRESH_URL, {"refresh": pair["refresh"]})
        assert response.status_code == 401
        assert not AuthSession.objects.filter(user=user, revoked_at__isnull=True).exists()

    def test_audited_and_the_user_is_told(self, user, link, confirm):
        confirm(link, headers={"User-Agent": "ResetAgent/1.0"})

        entry = AuditLog.objects.get(action_type="PASSWORD_RESET")
        assert entry.user_id == user.pk
        assert entry.context["user_agent"] == "ResetAgent/1.0"
        (notice,) = mail.outbox
        assert notice.to == [user.email]
        assert "reset" in notice.body
        assert "ResetAgent/1.0" in notice.body

    def test_two_factor_still_applies(self, user, link, confirm, api_client, totp_device):
        confirm(link)

        response = api_client.post(
            "/api/v1/auth/token/", {"username": user.username, "password": NEW_PASSWORD}
        )

        assert response.data["two_factor_required"] is True
        assert "access" not in response.data

    def test_the_password_validators_apply(self, user, link, confirm):
        response = confirm(link, password=user.username)

        assert response.status_code == 400
        assert "new_password" in response.data
        user.refresh_from_db()
        assert not user.check_password(user.username)
        # ...and the link still works for a good password.
        assert confirm(link).status_code == 200

    def test_a_mismatched_confirmation(self, link, confirm):
        response = confirm(link, new_password_confirm="something-else-entirely")

        assert response.status_code == 400
        assert "new_password_confirm" in response.data

    @pytest.mark.parametrize(
        "bad",
        [
            {"uid": "garbage", "token": "garbage"},
            {"uid": "", "token": ""},
            {"uid": "OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5", "token": "abc-def"},
            {"uid": "\u00e9\u00e9", "token": "x"},
        ],
    )
    def test_garbage_links_are_a_400_on_token(self, confirm, bad):
        response = confirm(bad)

        assert response.status_code == 400
        assert "token" in response.data

    def test_another_users_token_does_not_work(self, user, link, confirm):
        other = UserFactory()

        response = confirm({"uid": password_reset_uid(other), "token": link["token"]})

        assert response.status_code == 400
        other.refresh_from_db()
        assert not other.check_password(NEW_PASSWORD)

    def test_failures_are_throttled(self, confirm, link):
        for _ in range(10):  # "10/h"
            assert confirm({"uid": "x", "token": "y"}).status_code == 400

        assert confirm(link).status_code == 429
