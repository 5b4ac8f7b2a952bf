"""Logins, failed logins and logouts over the API: one row each, with the client's
address, user agent and request id, never a password."""

import json
import re

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from audit.models import AuditLog

from ..helpers import last_id, since

pytestmark = pytest.mark.django_db

LOGIN_URL = "/api/v1/auth/token/"
LOGIN_2FA_URL = "/api/v1/auth/token/2fa/"
LOGOUT_URL = "/api/v1/auth/logout/"
CLIENT = {"REMOTE_ADDR": "203.0.113.7", "HTTP_USER_AGENT": "AuditTest/1.0 (pytest)"}
WRONG_PASSWORD = "Wrong-Secret-Passphrase-42"


def login(username, password, **extra):
    return APIClient().post(
        LOGIN_URL, {"username": username, "password": password}, **{**CLIENT, **extra}
    )


def only_row(marker, action_type):
    rows = list(since(marker).filter(action_type=action_type))
    assert len(rows) == 1, rows
    return rows[0]


def assert_request_context(row, response, path):
    assert row.context["ip_address"] == "203.0.113.7"
    assert row.context["user_agent"] == "AuditTest/1.0 (pytest)"
    assert row.context["method"] == "POST"
    assert row.context["path"] == path
    assert row.request_id == response["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", row.request_id)


def test_a_login(user, password):
    marker = last_id()
    response = login(user.username, password)
    assert response.status_code == 200
    row = only_row(marker, "LOGIN_SUCCESS")
    assert row.user_id == user.pk
    assert row.user_repr == user.username
    assert row.content_type.model_class() is type(user)
    assert row.object_id == str(user.pk)
    assert row.organization_id is None
    assert_request_context(row, response, LOGIN_URL)
    # Django's own last_login bookkeeping is no change of the user.
    assert not since(marker).filter(action_type="UPDATE").exists()


@pytest.mark.parametrize("known", [True, False])
def test_a_failed_login(user, known):
    username = user.username if known else "nobody-by-that-name"
    marker = last_id()
    response = login(username, WRONG_PASSWORD)
    assert response.status_code == 401
    row = only_row(marker, "LOGIN_FAILED")
    assert row.user_id is None
    assert row.user_repr == ""
    assert row.object_repr == username
    assert row.context["username_attempt"] == username
    assert_request_context(row, response, LOGIN_URL)
    assert WRONG_PASSWORD not in json.dumps([row.changes, row.context, row.object_repr])
    assert not since(marker).exclude(action_type="LOGIN_FAILED").exists()


def test_a_wrong_second_factor(user, password, totp_code):
    device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    accepted = {totp_code(device, steps) for steps in range(-2, 3)}
    wrong = next(code for code in ("000000", "111111", "222222") if code not in accepted)
    challenge = login(user.username, password).json()["challenge"]
    marker = last_id()
    response = APIClient().post(LOGIN_2FA_URL, {"challenge": challenge, "code": wrong}, **CLIENT)
    assert response.status_code == 401
    row = only_row(marker, "LOGIN_FAILED")
    assert row.context["username_attempt"] == user.username
    assert_request_context(row, response, LOGIN_2FA_URL)


def test_a_logout(user, password):
    refresh = login(user.username, password).json()["refresh"]
    marker = last_id()
    response = APIClient().post(LOGOUT_URL, {"refresh": refresh}, **CLIENT)
    assert response.status_code == 200
    row = only_row(marker, "LOGOUT")
    assert row.user_id == user.pk
    assert row.object_id == str(user.pk)
    assert_request_context(row, response, LOGOUT_URL)


def test_no_password_anywhere_in_the_log(user, password):
    login(user.username, password)
    login(user.username, WRONG_PASSWORD)
    login("someone-else", WRONG_PASSWORD)
    dumped = json.dumps(list(AuditLog.objects.values()), default=str)
    assert password not in dumped
    assert WRONG_PASSWORD not in dumped


class TestClientAddress:
    FORWARDED = {"REMOTE_ADDR": "10.1.2.3", "HTTP_X_FORWARDED_FOR": "198.51.100.1, 10.9.9.9"}

    def failed_login_ip(self, **meta):
        marker = last_id()
        APIClient().post(LOGIN_URL, {"username": "who", "password": WRONG_PASSWORD}, **meta)
        return only_row(marker, "LOGIN_FAILED").context["ip_address"]

    def test_behind_a_trusted_proxy_the_forwarded_client_is_recorded(self, settings, db):
        settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
        assert self.failed_login_ip(**self.FORWARDED) == "198.51.100.1"

    def test_without_trusted_proxies_the_header_is_ignored(self, settings, db):
        settings.TRUSTED_PROXIES = []
        assert self.failed_login_ip(**self.FORWARDED) == "10.1.2.3"

    def test_a_client_that_is_not_a_trusted_proxy_cannot_pose_as_another(self, settings, db):
        settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
        meta = {"REMOTE_ADDR": "203.0.113.9", "HTTP_X_FORWARDED_FOR": "198.51.100.1"}
        assert self.failed_login_ip(**meta) == "203.0.113.9"

    def test_an_address_spoofed_left_of_the_proxies_is_not_taken(self, settings, db):
        settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
        meta = {
            "REMOTE_ADDR": "10.1.2.3",
            "HTTP_X_FORWARDED_FOR": "1.2.3.4, 198.51.100.1, 10.9.9.9",
        }
        assert self.failed_login_ip(**meta) == "198.51.100.1"

    def test_only_trusted_proxies_in_the_chain(self, settings, db):
        settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
        meta = {"REMOTE_ADDR": "10.1.2.3", "HTTP_X_FORWARDED_FOR": "10.9.9.9"}
        assert self.failed_login_ip(**meta) == "10.1.2.3"


class TestRequestId:
    def test_a_valid_incoming_id_is_kept(self, user, password):
        marker = last_id()
        response = login(user.username, password, HTTP_X_REQUEST_ID="trace-0123456789:ab.c")
        assert response["X-Request-ID"] == "trace-0123456789:ab.c"
        assert only_row(marker, "LOGIN_SUCCESS").request_id == "trace-0123456789:ab.c"

    @pytest.mark.parametrize(
        "incoming", ["short", "has spaces in it", "x" * 65, "<script>alert(1)</script>"]
    )
    def test_an_invalid_incoming_id_is_replaced(self, user, password, incoming):
        marker = last_id()
        response = login(user.username, password, HTTP_X_REQUEST_ID=incoming)
        assert response["X-Request-ID"] != incoming
        assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])
        assert only_row(marker, "LOGIN_SUCCESS").request_id == response["X-Request-ID"]

    def test_every_response_has_a_new_id(self, db):
        first = APIClient().get("/api/v1/audit-logs/")
        second = APIClient().get("/api/v1/audit-logs/")
        assert first.status_code == second.status_code == 401
        assert first["X-Request-ID"] != second["X-Request-ID"]
