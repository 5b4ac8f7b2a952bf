"""Fixtures of the organization API tests (the shared ones, `org_a`, `org_b`, `member`,
`superuser`, ..., live in tests/plugin.py)."""

import pytest

from api.v1.base_models.organization.models import Organization, OrganizationMembership
from api.v1.base_models.organization.tests.factories import RoleFactory, model_permissions

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
def admin_a(member, admin_role, org_a):
    """The administrator (default role) of organization A."""
    return member(org_a, admin_role)


@pytest.fixture
def client_a(jwt_client, admin_a):
    return jwt_client(admin_a)
