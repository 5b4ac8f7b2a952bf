"""JWT authentication (api.v1.base_models.auth.authentication.JWTAuthentication): the
token's user read by one statement written once per process, with simplejwt's own
checks and answers."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient
from rest_framework_simplejwt.authentication import JWTAuthentication as SimpleJWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken
from rest_framework_simplejwt.tokens import AccessToken

from api.v1.base_models.auth.authentication import JWTAuthentication
from api.v1.base_models.auth.services import tokens_for
from api.v1.base_models.user.tests.factories import UserFactory
from rbac.access import has_perm_in_org

pytestmark = pytest.mark.django_db


def user_of(token):
    return JWTAuthentication().get_user(JWTAuthentication().get_validated_token(str(token)))


def failure(token) -> str:
    with pytest.raises(AuthenticationFailed) as excinfo:
        user_of(token)
    return excinfo.value.detail["code"]


def test_the_user_of_the_token_as_the_orm_loads_it():
    user = UserFactory(first_name="Ada", is_staff=True)
    token = AccessToken.for_user(user)
    loaded = user_of(token)
    expected = SimpleJWTAuthentication().get_user(token)
    assert loaded.pk == user.pk
    assert not loaded._state.adding
    for field in type(user)._meta.concrete_fields:
        assert getattr(loaded, field.attname) == getattr(expected, field.attname), field.name


def test_one_statement_and_no_query_built():
    user = UserFactory()
    token = AccessToken.for_user(user)
    user_of(token)
    with CaptureQueriesContext(connection) as queries:
        user_of(token)
    assert len(queries) == 1
    assert queries.captured_queries[0]["sql"].startswith("SELECT ")


def test_the_users_access_comes_with_it(member_of, org_a, django_assert_num_queries):
    """The one statement also reads the memberships and global permissions: the checks
    that follow run no query."""
    user = member_of(org_a, "Organization Administrator")
    token = AccessToken.for_user(user)
    with django_assert_num_queries(1):
        loaded = user_of(token)
        assert has_perm_in_org(loaded, "contact.view_contact", org_a)
        assert not loaded.has_perm("contact.view_contact")  # no global permission


def test_simplejwt_answers_are_kept():
    gone = UserFactory()
    token = AccessToken.for_user(gone)
    gone.delete()
    assert failure(token) == "user_not_found"

    inactive = UserFactory()
    token = AccessToken.for_user(inactive)
    inactive.is_active = False
    inactive.save()
    assert failure(token) == "user_inactive"

    changed = UserFactory()
    token = AccessToken.for_user(changed)
    changed.set_password("another secret 123")
    changed.save()
    assert failure(token) == "password_changed"

    no_user = AccessToken.for_user(UserFactory())
    del no_user["user_id"]
    with pytest.raises(InvalidToken):
        user_of(no_user)


def test_a_request_is_authenticated_by_it():
    user = UserFactory()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens_for(user)['access']}")
    response = client.get("/api/v1/auth/2fa/totp/")
    assert response.status_code == 200, response.content[:300]
    user.is_active = False
    user.save()
    response = client.get("/api/v1/auth/2fa/totp/")
    assert response.status_code == 401
    assert response.json()["code"] == "user_inactive"
