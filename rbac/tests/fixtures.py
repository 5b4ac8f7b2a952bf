"""Fixtures of the access-control tests (rbac and core): organizations, roles and members
made from real rows. Imported by the conftest of each test package."""

import pytest
from django.contrib.auth import get_user_model

from api.v1.base_models.organization.tests.factories import (
    OrganizationFactory,
    OrganizationMembershipFactory,
    RoleFactory,
    permissions_named,
)
from api.v1.base_models.user.tests.factories import UserFactory


@pytest.fixture
def org_a(db):
    return OrganizationFactory(name="Org A")


@pytest.fixture
def org_b(db):
    return OrganizationFactory(name="Org B")


@pytest.fixture
def member(db):
    """member(organization, *perms, user=None, active=True, **user_fields) -> the user,
    with a new role holding `perms` ("app.codename") in `organization`."""

    def make(organization, *perms, user=None, active=True, role=None, **user_fields):
        user = user or UserFactory(**user_fields)
        role = role or RoleFactory(permissions=list(perms))
        OrganizationMembershipFactory(
            user=user, organization=organization, role=role, is_active=active
        )
        return user

    return make


@pytest.fixture
def fresh():
    """fresh(user) -> the same user loaded anew from the database (empty caches)."""
    return lambda user: get_user_model().objects.get(pk=user.pk)


@pytest.fixture
def grant_global():
    """grant_global(user, *perms) -> the user reloaded with Django (global) permissions."""

    def grant(user, *perms):
        user.user_permissions.add(*permissions_named(*perms))
        return get_user_model().objects.get(pk=user.pk)

    return grant
