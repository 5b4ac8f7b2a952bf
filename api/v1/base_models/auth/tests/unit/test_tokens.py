"""Access tokens verified once per process (api.v1.base_models.auth.tokens): the
signature of a token is checked the first time it is seen; its expiry and its user on
every request."""

from unittest import mock

import jwt
import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken as SimpleJWTAccessToken

from api.v1.base_models.auth import tokens
from api.v1.base_models.auth.services import tokens_for
from api.v1.base_models.user.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/auth/2fa/totp/"


@pytest.fixture(autouse=True)
def nothing_remembered():
    tokens.backend.forget()
    yield
    tokens.backend.forget()


@pytest.fixture
def signatures_checked():
    with mock.patch.object(jwt, "decode", wraps=jwt.decode) as decode:
        yield decode


def client_with(token) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def test_a_token_is_verified_once_then_remembered(signatures_checked):
    first, second = UserFactory(), UserFactory()
    client = client_with(tokens_for(first)["access"])
    for _ in range(3):
        assert client.get(URL).status_code == 200
    assert signatures_checked.call_count == 1
    assert client_with(tokens_for(second)["access"]).get(URL).status_code == 200
    assert signatures_checked.call_count == 2


def test_the_payload_given_is_a_copy():
    token = str(tokens.AccessToken.for_user(UserFactory()))
    tokens.AccessToken(token)["user_id"] = "changed"
    assert tokens.AccessToken(token)["user_id"] != "changed"


def test_a_remembered_token_expires_on_time():
    user = UserFactory()
    token = tokens.AccessToken.for_user(user)
    client = client_with(token)
    assert client.get(URL).status_code == 200
    later = token["exp"] + 1
    with mock.patch.object(tokens.time, "time", return_value=later):
        response = client.get(URL)
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_refused_tokens_are_not_remembered(signatures_checked):
    user = UserFactory()
    good = str(tokens.AccessToken.for_user(user))
    forged = good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB")
    client = client_with(forged)
    for _ in range(2):
        response = client.get(URL)
        assert response.status_code == 401
        assert response.json()["code"] == "token_not_valid"
    assert signatures_checked.call_count == 2

    expired = tokens.AccessToken.for_user(user)
    expired.set_exp(lifetime=-expired.lifetime)
    assert client_with(expired).get(URL).status_code == 401
    assert tokens.backend._verified.cache_info().currsize == 0


def test_the_user_is_still_checked_on_every_request():
    user = UserFactory()
    client = client_with(tokens_for(user)["access"])
    assert client.get(URL).status_code == 200
    user.set_password("another secret 123")
    user.save()
    response = client.get(URL)
    assert response.status_code == 401
    assert response.json()["code"] == "password_changed"


def test_a_refresh_token_is_no_access_token():
    refresh = tokens_for(UserFactory())["refresh"]
    response = client_with(refresh).get(URL)
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_tokens_of_simplejwt_are_accepted():
    token = SimpleJWTAccessToken.for_user(UserFactory())
    assert client_with(token).get(URL).status_code == 200
