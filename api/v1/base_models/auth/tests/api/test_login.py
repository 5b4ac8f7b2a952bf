"""POST /api/v1/auth/token/: password login, its signals and its failed-attempt throttle."""

import pytest
from django.contrib.auth import user_logged_in, user_login_failed
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from api.v1.base_models.user.tests.factories import UserFactory

from ..helpers import LOGIN_URL, ME_URL, bearer

pytestmark = pytest.mark.django_db

LOGIN_RATE = 10  # "login" rate: 10 failures per 15 minutes per IP and username


class TestLoginSuccess:
    def test_returns_a_jwt_pair_for_the_user(self, login, user, password):
        response = login(user.username, password)

        assert response.status_code == 200
        assert set(response.data) == {"access", "refresh"}
        assert AccessToken(response.data["access"])["user_id"] == str(user.pk)
        assert RefreshToken(response.data["refresh"])["user_id"] == str(user.pk)

    def test_the_access_token_authenticates_requests(self, login, user, password):
        access = login(user.username, password).data["access"]

        response = bearer(access).get(ME_URL)

        assert response.status_code == 200
        assert response.data["user"]["id"] == user.pk

    def test_the_refresh_token_is_recorded_as_outstanding(self, login, user, password):
        refresh = login(user.username, password).data["refresh"]

        jti = RefreshToken(refresh)["jti"]
        assert OutstandingToken.objects.filter(jti=jti, user=user).exists()

    def test_a_stale_authorization_header_is_ignored(self, api_client, user, password):
        api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")

        response = api_client.post(LOGIN_URL, {"username": user.username, "password": password})

        assert response.status_code == 200

    def test_form_encoded_body_is_accepted(self, api_client, user, password):
        response = api_client.post(
            LOGIN_URL, {"username": user.username, "password": password}, format="multipart"
        )

        assert response.status_code == 200
        assert "access" in response.data

    def test_sends_user_logged_in_and_updates_last_login(
        self, login, user, password, signal_receiver
    ):
        calls = signal_receiver(user_logged_in)
        assert user.last_login is None

        response = login(user.username, password)

        assert response.status_code == 200
        assert len(calls) == 1
        assert calls[0]["user"].pk == user.pk
        assert calls[0]["request"] is not None
        user.refresh_from_db()
        assert user.last_login is not None


class TestLoginFailure:
    def test_wrong_password(self, login, user):
        response = login(user.username, "not-the-password")

        assert response.status_code == 401
        assert response.data["detail"].code == "no_active_account"
        assert response["WWW-Authenticate"].startswith("Bearer")
        assert "access" not in response.data

    def test_unknown_user(self, login):
        response = login("nobody-by-this-name", "whatever-password")

        assert response.status_code == 401
        assert response.data["detail"]

    def test_inactive_user_with_the_right_password(self, login, password):
        inactive = UserFactory(is_active=False)

        response = login(inactive.username, password)

        assert response.status_code == 401
        assert response.data["detail"].code == "no_active_account"

    def test_sends_user_login_failed_without_the_password(self, login, user, signal_receiver):
        calls = signal_receiver(user_login_failed)
        logged_in = signal_receiver(user_logged_in)

        login(user.username, "not-the-password")

        assert len(calls) == 1
        assert calls[0]["credentials"]["username"] == user.username
        # Django masks the password in the signal's credentials.
        assert calls[0]["credentials"]["password"] != "not-the-password"
        assert logged_in == []
        user.refresh_from_db()
        assert user.last_login is None


class TestLoginValidation:
    @pytest.mark.parametrize(
        ("body", "missing"),
        [
            ({"password": "x"}, "username"),
            ({"username": "someone"}, "password"),
            ({}, "username"),
        ],
    )
    def test_missing_fields(self, api_client, body, missing):
        response = api_client.post(LOGIN_URL, body)

        assert response.status_code == 400
        assert response.data[missing][0].code == "required"

    @pytest.mark.parametrize(
        "body",
        [
            {"username": ["someone"], "password": "x"},
            {"username": "someone", "password": {"a": 1}},
            {"username": True, "password": "x"},
            {"username": None, "password": "x"},
        ],
    )
    def test_wrong_types(self, api_client, body):
        response = api_client.post(LOGIN_URL, body)

        assert response.status_code == 400

    def test_too_long_username(self, api_client):
        response = api_client.post(LOGIN_URL, {"username": "u" * 151, "password": "x"})

        assert response.status_code == 400
        assert "username" in response.data

    def test_malformed_json(self, api_client):
        response = api_client.post(
            LOGIN_URL, data='{"username": "a", "password":', content_type="application/json"
        )

        assert response.status_code == 400
        assert "JSON parse error" in str(response.data["detail"])

    @pytest.mark.parametrize("body", ["[]", '"text"', "42"])
    def test_json_that_is_not_an_object(self, api_client, body):
        response = api_client.post(LOGIN_URL, data=body, content_type="application/json")

        assert response.status_code == 400

    def test_only_post_is_allowed(self, api_client):
        assert api_client.get(LOGIN_URL).status_code == 405


class TestLoginThrottle:
    def fail(self, login, username, times, **extra):
        for _ in range(times):
            assert login(username, "wrong-password", **extra).status_code == 401

    def test_the_attempt_after_ten_failures_is_refused_even_with_the_right_password(
        self, login, user, password
    ):
        self.fail(login, user.username, LOGIN_RATE)

        response = login(user.username, password)

        assert response.status_code == 429
        assert 0 < int(response["Retry-After"]) <= 15 * 60
        assert "access" not in response.data

    def test_nine_failures_still_allow_a_login(self, login, user, password):
        self.fail(login, user.username, LOGIN_RATE - 1)

        assert login(user.username, password).status_code == 200

    def test_another_username_from_the_same_ip_is_unaffected(self, login, user, password):
        other = UserFactory()
        self.fail(login, user.username, LOGIN_RATE)

        assert login(other.username, password).status_code == 200

    def test_the_same_username_from_another_ip_is_unaffected(self, login, user, password):
        self.fail(login, user.username, LOGIN_RATE, REMOTE_ADDR="10.0.0.1")

        assert login(user.username, password, REMOTE_ADDR="10.0.0.1").status_code == 429
        assert login(user.username, password, REMOTE_ADDR="10.0.0.2").status_code == 200

    def test_a_client_supplied_forwarded_for_header_does_not_reset_the_count(
        self, login, user, password
    ):
        for attempt in range(LOGIN_RATE):
            response = login(
                user.username, "wrong-password", HTTP_X_FORWARDED_FOR=f"203.0.113.{attempt}"
            )
            assert response.status_code == 401

        response = login(user.username, password, HTTP_X_FORWARDED_FOR="198.51.100.7")

        assert response.status_code == 429

    def test_the_username_is_counted_case_insensitively(self, login, user, password):
        self.fail(login, user.username.upper(), LOGIN_RATE)

        assert login(user.username, password).status_code == 429

    def test_failures_for_unknown_users_are_throttled_too(self, login):
        self.fail(login, "ghost", LOGIN_RATE)

        assert login("ghost", "wrong-password").status_code == 429

    def test_successful_logins_are_never_throttled(self, login, user, password):
        statuses = [login(user.username, password).status_code for _ in range(15)]

        assert statuses == [200] * 15
