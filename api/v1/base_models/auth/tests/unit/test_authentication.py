"""API key authentication and the permission that shuts API keys out of account settings."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.test import APIRequestFactory

from api.v1.base_models.auth.authentication import APIKeyAuthentication, authenticate_api_key
from api.v1.base_models.auth.permissions import IsUserSession
from api.v1.base_models.user.tests.factories import UserFactory
from rbac.access import has_perm_in_org

pytestmark = pytest.mark.django_db


def failure_code(key):
    with pytest.raises(AuthenticationFailed) as excinfo:
        authenticate_api_key(key)
    return excinfo.value.get_codes()


class TestAuthenticateAPIKey:
    def test_returns_the_user_and_the_key(self, user, api_key_for):
        api_key, key = api_key_for(user)

        assert authenticate_api_key(key) == (user, api_key)

    def test_the_users_access_comes_with_the_key(
        self, member_of, org_a, api_key_for, django_assert_num_queries
    ):
        """The key, then its user with their memberships and global permissions: the
        checks that follow run no query."""
        user = member_of(org_a, "Organization Administrator")
        _api_key, key = api_key_for(user)
        authenticate_api_key(key)  # records the first use
        with django_assert_num_queries(2):
            found, _found_key = authenticate_api_key(key)
            assert has_perm_in_org(found, "contact.view_contact", org_a)
            assert not found.has_perm("contact.view_contact")
        assert found == user

    def test_wrong_secret(self, user, api_key_for):
        api_key, _key = api_key_for(user)

        assert failure_code(f"{api_key.prefix}.wrong") == "invalid_api_key"

    def test_unknown_prefix(self):
        assert failure_code("unknown.secret") == "invalid_api_key"

    def test_a_prefix_alone(self, user, api_key_for):
        api_key, _key = api_key_for(user)

        assert failure_code(api_key.prefix) == "invalid_api_key"

    def test_revoked(self, user, api_key_for):
        _api_key, key = api_key_for(user, revoked=True)

        assert failure_code(key) == "api_key_revoked"

    def test_expired(self, user, api_key_for):
        _api_key, key = api_key_for(user, expiry_date=timezone.now() - timedelta(minutes=1))

        assert failure_code(key) == "api_key_expired"

    def test_an_invalid_secret_does_not_reveal_revocation(self, user, api_key_for):
        api_key, _key = api_key_for(user, revoked=True)

        assert failure_code(f"{api_key.prefix}.wrong") == "invalid_api_key"

    def test_inactive_user(self, api_key_for):
        _api_key, key = api_key_for(UserFactory(is_active=False))

        assert failure_code(key) == "user_inactive"


class TestAPIKeyAuthentication:
    def test_no_header_means_no_attempt(self):
        request = APIRequestFactory().get("/")

        assert APIKeyAuthentication().authenticate(request) is None

    def test_the_header(self, user, api_key_for):
        api_key, key = api_key_for(user)
        request = APIRequestFactory().get("/", HTTP_X_API_KEY=key)

        assert APIKeyAuthentication().authenticate(request) == (user, api_key)

    def test_the_challenge_names_the_header(self):
        assert APIKeyAuthentication().authenticate_header(None) == "X-API-Key"


class TestIsUserSession:
    def has_permission(self, user, auth):
        return IsUserSession().has_permission(SimpleNamespace(user=user, auth=auth), None)

    def test_a_jwt_user(self, user):
        assert self.has_permission(user, auth=object()) is True

    def test_an_api_key(self, user, api_key_for):
        api_key, _key = api_key_for(user)

        assert self.has_permission(user, auth=api_key) is False

    def test_anonymous(self):
        assert self.has_permission(AnonymousUser(), auth=None) is False

    def test_no_user(self):
        assert self.has_permission(None, auth=None) is False
