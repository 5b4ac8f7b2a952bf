"""POST /api/v1/auth/token/refresh/ (rotation, blacklist) and /api/v1/auth/logout/."""

import pytest
from django.contrib.auth import user_logged_out
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from api.v1.base_models.auth.services import change_password, tokens_for

from ..helpers import LOGOUT_URL, ME_URL, REFRESH_URL, bearer

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(user):
    return tokens_for(user)


def jti(token: str) -> str:
    return RefreshToken(token, verify=False)["jti"]


class TestRefresh:
    def test_returns_a_new_pair(self, api_client, user, pair):
        response = api_client.post(REFRESH_URL, {"refresh": pair["refresh"]})

        assert response.status_code == 200
        assert set(response.data) == {"access", "refresh"}
        assert response.data["refresh"] != pair["refresh"]
        assert jti(response.data["refresh"]) != jti(pair["refresh"])
        assert bearer(response.data["access"]).get(ME_URL).data["user"]["id"] == user.pk

    def test_the_new_refresh_token_is_outstanding_and_the_old_one_blacklisted(
        self, api_client, user, pair
    ):
        new_refresh = api_client.post(REFRESH_URL, {"refresh": pair["refresh"]}).data["refresh"]

        assert BlacklistedToken.objects.filter(token__jti=jti(pair["refresh"])).exists()
        assert OutstandingToken.objects.filter(jti=jti(new_refresh), user=user).exists()
        assert not BlacklistedToken.objects.filter(token__jti=jti(new_refresh)).exists()

    def test_the_new_refresh_token_can_be_refreshed_in_turn(self, api_client, pair):
        new_refresh = api_client.post(REFRESH_URL, {"refresh": pair["refresh"]}).data["refresh"]

        response = api_client.post(REFRESH_URL, {"refresh": new_refresh})

        assert response.status_code == 200

    def test_reusing_the_old_refresh_token_is_refused(self, api_client, pair):
        assert api_client.post(REFRESH_URL, {"refresh": pair["refresh"]}).status_code == 200

        response = api_client.post(REFRESH_URL, {"refresh": pair["refresh"]})

        assert response.status_code == 401
        assert response.data["code"] == "token_not_valid"

    @pytest.mark.parametrize("token", ["garbage", "a.b.c", ""])
    def test_garbage_token(self, api_client, token):
        response = api_client.post(REFRESH_URL, {"refresh": token})

        # An empty string is a missing value for a CharField.
        assert response.status_code == (400 if token == "" else 401)

    def test_an_access_token_is_not_a_refresh_token(self, api_client, pair):
        response = api_client.post(REFRESH_URL, {"refresh": pair["access"]})

        assert response.status_code == 401

    def test_missing_token(self, api_client):
        response = api_client.post(REFRESH_URL, {})

        assert response.status_code == 400
        assert response.data["refresh"][0].code == "required"

    def test_deleted_user(self, api_client, user, pair):
        user.delete()

        response = api_client.post(REFRESH_URL, {"refresh": pair["refresh"]})

        assert response.status_code == 401
        assert response.data["detail"].code == "no_active_account"

    def test_inactive_user(self, api_client, user, pair):
        user.is_active = False
        user.save()

        response = api_client.post(REFRESH_URL, {"refresh": pair["refresh"]})

        assert response.status_code == 401
        assert response.data["detail"].code == "no_active_account"

    def test_token_issued_before_a_password_change(self, api_client, user, pair):
        change_password(user, "a-brand-new-passphrase")

        response = api_client.post(REFRESH_URL, {"refresh": pair["refresh"]})

        assert response.status_code == 401  # its session was signed out: blacklisted
        assert response.data["detail"].code == "token_not_valid"

    def test_token_issued_before_a_password_set_elsewhere(self, api_client, user, pair):
        # Staff setting the password in the Admin: the token's fingerprint is stale.
        user.set_password("a-brand-new-passphrase")
        user.save()

        response = api_client.post(REFRESH_URL, {"refresh": pair["refresh"]})

        assert response.status_code == 401
        assert response.data["detail"].code == "token_revoked"

    def test_a_stale_authorization_header_is_ignored(self, api_client, pair):
        api_client.credentials(HTTP_AUTHORIZATION="Bearer stale")

        assert api_client.post(REFRESH_URL, {"refresh": pair["refresh"]}).status_code == 200


class TestLogout:
    def test_blacklists_the_refresh_token(self, api_client, pair):
        response = api_client.post(LOGOUT_URL, {"refresh": pair["refresh"]})

        assert response.status_code == 200
        assert response.data == {"detail": "Logged out."}
        assert BlacklistedToken.objects.filter(token__jti=jti(pair["refresh"])).exists()

    def test_the_refresh_token_can_no_longer_be_refreshed(self, api_client, pair):
        api_client.post(LOGOUT_URL, {"refresh": pair["refresh"]})

        response = api_client.post(REFRESH_URL, {"refresh": pair["refresh"]})

        assert response.status_code == 401

    def test_logging_out_twice_is_refused(self, api_client, pair):
        assert api_client.post(LOGOUT_URL, {"refresh": pair["refresh"]}).status_code == 200

        response = api_client.post(LOGOUT_URL, {"refresh": pair["refresh"]})

        assert response.status_code == 401
        assert response.data["code"] == "token_not_valid"

    @pytest.mark.parametrize("header", ["Bearer garbage", "Bearer ", "Basic dXNlcjpwYXNz"])
    def test_works_with_a_stale_or_garbage_authorization_header(self, api_client, pair, header):
        api_client.credentials(HTTP_AUTHORIZATION=header)

        response = api_client.post(LOGOUT_URL, {"refresh": pair["refresh"]})

        assert response.status_code == 200

    def test_works_with_the_access_token_of_another_session(self, user, pair):
        # Logging out uses the refresh token only; the access token sent is irrelevant.
        other_access = tokens_for(user)["access"]

        response = bearer(other_access).post(LOGOUT_URL, {"refresh": pair["refresh"]})

        assert response.status_code == 200

    def test_garbage_token(self, api_client):
        response = api_client.post(LOGOUT_URL, {"refresh": "garbage"})

        assert response.status_code == 401
        assert response.data["code"] == "token_not_valid"
        assert response["WWW-Authenticate"].startswith("Bearer")

    def test_an_access_token_is_refused(self, api_client, pair):
        response = api_client.post(LOGOUT_URL, {"refresh": pair["access"]})

        assert response.status_code == 401
        assert not BlacklistedToken.objects.exists()

    def test_missing_token(self, api_client):
        response = api_client.post(LOGOUT_URL, {})

        assert response.status_code == 400
        assert response.data["refresh"][0].code == "required"

    def test_the_access_token_keeps_working_until_it_expires(self, api_client, user, pair):
        api_client.post(LOGOUT_URL, {"refresh": pair["refresh"]})

        assert bearer(pair["access"]).get(ME_URL).status_code == 200

    def test_other_sessions_stay_logged_in(self, api_client, user, pair):
        other = tokens_for(user)

        api_client.post(LOGOUT_URL, {"refresh": pair["refresh"]})

        assert api_client.post(REFRESH_URL, {"refresh": other["refresh"]}).status_code == 200

    def test_sends_user_logged_out(self, api_client, user, pair, signal_receiver):
        calls = signal_receiver(user_logged_out)

        api_client.post(LOGOUT_URL, {"refresh": pair["refresh"]})

        assert len(calls) == 1
        assert calls[0]["user"].pk == user.pk
        assert calls[0]["request"] is not None

    def test_sends_no_signal_when_refused(self, api_client, signal_receiver):
        calls = signal_receiver(user_logged_out)

        api_client.post(LOGOUT_URL, {"refresh": "garbage"})

        assert calls == []

    def test_the_token_of_a_deleted_user_is_still_blacklisted(
        self, api_client, user, pair, signal_receiver
    ):
        calls = signal_receiver(user_logged_out)
        user.delete()

        response = api_client.post(LOGOUT_URL, {"refresh": pair["refresh"]})

        assert response.status_code == 200
        assert calls[0]["user"] is None
        assert BlacklistedToken.objects.filter(token__jti=jti(pair["refresh"])).exists()
