"""Login sessions: /api/v1/auth/sessions/ lists, and revokes, the caller's logins."""

import uuid

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework_simplejwt.tokens import RefreshToken

from api.v1.base_models.auth.models import AuthSession
from api.v1.base_models.user.tests.factories import UserFactory
from audit.models import AuditLog

from ..helpers import (
    LOGIN_URL,
    LOGOUT_URL,
    PASSWORD_CHANGE_URL,
    REFRESH_URL,
    REVOKE_ALL_SESSIONS_URL,
    SESSIONS_URL,
    bearer,
    session_url,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def log_in(api_client, user, password):
    """log_in(agent=...) -> a JWT pair of a new login from that user agent."""

    def post(agent="Browser/1.0", address="10.1.2.3"):
        response = api_client.post(
            LOGIN_URL,
            {"username": user.username, "password": password},
            headers={"User-Agent": agent},
            REMOTE_ADDR=address,
        )
        assert response.status_code == 200
        return response.data

    return post


def refresh(api_client, pair, **extra):
    return api_client.post(REFRESH_URL, {"refresh": pair["refresh"]}, **extra)


def sid(pair) -> str:
    return RefreshToken(pair["refresh"], verify=False)["sid"]


class TestList:
    def test_each_login_is_a_session(self, log_in):
        laptop = log_in("Laptop/1.0", "10.0.0.1")
        log_in("Phone/2.0", "10.0.0.2")

        response = bearer(laptop["access"]).get(SESSIONS_URL)

        assert response.status_code == 200
        rows = {row["user_agent"]: row for row in response.data["results"]}
        assert set(rows) == {"Laptop/1.0", "Phone/2.0"}
        assert rows["Laptop/1.0"]["ip_address"] == "10.0.0.1"
        assert rows["Laptop/1.0"]["current"] is True
        assert rows["Phone/2.0"]["current"] is False
        assert rows["Laptop/1.0"]["id"] == sid(laptop)

    def test_a_refresh_stays_in_its_session(self, log_in, api_client):
        pair = log_in("Laptop/1.0")
        before = AuthSession.objects.get(pk=sid(pair))

        rotated = refresh(api_client, pair, headers={"User-Agent": "Laptop/1.1"}).data

        assert sid(rotated) == sid(pair)
        after = AuthSession.objects.get(pk=sid(pair))
        assert after.last_used_at >= before.last_used_at
        assert after.user_agent == "Laptop/1.1"
        assert after.refresh_jti == RefreshToken(rotated["refresh"], verify=False)["jti"]
        assert AuthSession.objects.count() == 1

    def test_only_the_callers_own(self, log_in, jwt_client):
        log_in()
        other = UserFactory()

        response = jwt_client(other).get(SESSIONS_URL)

        assert [row["user_agent"] for row in response.data["results"]] == [""]

    def test_logged_out_sessions_are_gone(self, log_in, api_client):
        gone, kept = log_in("Old/1.0"), log_in("New/1.0")

        assert api_client.post(LOGOUT_URL, {"refresh": gone["refresh"]}).status_code == 200

        response = bearer(kept["access"]).get(SESSIONS_URL)
        assert [row["user_agent"] for row in response.data["results"]] == ["New/1.0"]

    def test_a_constant_number_of_queries(self, log_in):
        client = bearer(log_in()["access"])
        with CaptureQueriesContext(connection) as one:
            client.get(SESSIONS_URL)
        for _ in range(5):
            log_in()
        with CaptureQueriesContext(connection) as six:
            response = client.get(SESSIONS_URL)

        assert response.data["count"] == 6
        assert len(six) == len(one)

    def test_api_keys_cannot(self, api_client, user, api_key_for):
        _api_key, key = api_key_for(user)

        assert api_client.get(SESSIONS_URL, HTTP_X_API_KEY=key).status_code == 403


class TestRevokeOne:
    def test_its_refresh_token_stops_working(
        self, log_in, api_client, user, django_capture_on_commit_callbacks
    ):
        stolen, mine = log_in("Stolen/1.0"), log_in("Mine/1.0")

        with django_capture_on_commit_callbacks(execute=True):
            response = bearer(mine["access"]).delete(session_url(sid(stolen)))

        assert response.status_code == 204
        assert refresh(api_client, stolen).status_code == 401
        assert refresh(api_client, mine).status_code == 200
        entry = AuditLog.objects.get(action_type="SESSION_REVOKE")
        assert (entry.user_id, entry.context["sessions"]) == (user.pk, 1)
        (notice,) = mail.outbox
        assert notice.to == [user.email]

    def test_another_users_session_is_a_404(self, log_in, jwt_client, api_client):
        theirs = log_in()
        intruder = jwt_client(UserFactory())

        assert intruder.get(session_url(sid(theirs))).status_code == 404
        assert intruder.delete(session_url(sid(theirs))).status_code == 404
        assert refresh(api_client, theirs).status_code == 200

    def test_unknown_ids(self, log_in):
        client = bearer(log_in()["access"])

        assert client.delete(session_url(uuid.uuid4())).status_code == 404
        assert client.get(session_url("not-a-uuid")).status_code == 404


class TestRevokeAll:
    def test_logs_out_everywhere(
        self, log_in, api_client, user, django_capture_on_commit_callbacks
    ):
        pairs = [log_in() for _ in range(3)]
        legacy = RefreshToken.for_user(user)  # a token from before sessions were tracked

        with django_capture_on_commit_callbacks(execute=True):
            response = bearer(pairs[0]["access"]).post(REVOKE_ALL_SESSIONS_URL)

        assert response.status_code == 200
        assert response.data["revoked"] == 3
        for pair in pairs:
            assert refresh(api_client, pair).status_code == 401
        assert refresh(api_client, {"refresh": str(legacy)}).status_code == 401
        assert AuditLog.objects.get(action_type="SESSION_REVOKE").context["sessions"] == 3
        assert len(mail.outbox) == 1

    def test_keep_current(self, log_in, api_client):
        current, other = log_in(), log_in()

        response = bearer(current["access"]).post(REVOKE_ALL_SESSIONS_URL, {"keep_current": True})

        assert response.data["revoked"] == 1
        assert refresh(api_client, other).status_code == 401
        assert refresh(api_client, current).status_code == 200

    def test_other_users_are_untouched(self, log_in, api_client, jwt_client):
        theirs = log_in()

        jwt_client(UserFactory()).post(REVOKE_ALL_SESSIONS_URL)

        assert refresh(api_client, theirs).status_code == 200

    def test_a_password_change_does_it(self, log_in, api_client, password):
        current, other = log_in(), log_in()

        response = bearer(current["access"]).post(
            PASSWORD_CHANGE_URL,
            {"old_password": password, "new_password": "a-brand-new-passphrase"},
        )

        assert response.status_code == 200
        assert refresh(api_client, other).status_code == 401
        assert refresh(api_client, current).status_code == 401
        fresh = bearer(response.data["access"]).get(SESSIONS_URL).data["results"]
        assert [row["current"] for row in fresh] == [True]
        assert refresh(api_client, response.data).status_code == 200
