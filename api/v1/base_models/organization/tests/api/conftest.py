"""Fixtures of the organization API tests (the shared ones live in the root conftest.py)."""

import pytest

from api.v1.base_models.organization.models import Organization, OrganizationMembership
from api.v1.base_models.organization.tests.factories import (
    OrganizationFactory,
    OrganizationMembershipFactory,
    RoleFactory,
    model_permissions,
)
from api.v1.base_models.user.tests.factories import UserFactory

from .helpers import MEMBERSHIP_PERMS, ORGANIZATION_PERMS


@pytest.fixture
def admin_role(db):
    """Everything on organizations and memberships."""
    return RoleFactory(name="Test Org Admin", permissions=ORGANIZATION_PERMS + MEMBERSHIP_PERMS)


@pytest.fixture
def viewer_role(db):
    return RoleFactory(
        name="Test Org Viewer",
        permissions=model_permissions(Organization, "view")
        + model_permissions(OrganizationMembership, "view"),
    )


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


@pytest.fixture
def member(db):
    """member(organization, role, user=None, is_active=True) -> the user."""

    def make(organization, role, user=None, is_active=True):
        user = user or UserFactory()
        OrganizationMembershipFactory(
            user=user, organization=organization, role=role, is_active=is_active
        )
        return user

    return make


@pytest.fixture
def org_a(db):
    return OrganizationFactory(name="Acme", code="ACME")


@pytest.fixture
def org_b(db):
    return OrganizationFactory(name="Globex", code="GLOBEX")


@pytest.fixture
def admin_a(member, admin_role, org_a):
    """The administrator (default role) of organization A."""
    return member(org_a, admin_role)


@pytest.fixture
def client_a(jwt_client, admin_a):
    return jwt_client(admin_a)
