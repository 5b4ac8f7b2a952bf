"""Fixtures of the contact tests (the shared ones live in the root conftest.py)."""

import pytest

from api.v1.base_models.contact.models import Contact
from api.v1.base_models.organization.tests.factories import (
    OrganizationFactory,
    OrganizationMembershipFactory,
    RoleFactory,
    model_permissions,
)
from api.v1.base_models.user.tests.factories import UserFactory


@pytest.fixture
def org(db):
    return OrganizationFactory(name="Acme")


@pytest.fixture
def other_org(db):
    """A second, unrelated organization (another tree)."""
    return OrganizationFactory(name="Globex")


@pytest.fixture
def contact_role(db):
    """A role holding the four contact permissions."""
    return RoleFactory(name="Contact manager", permissions=model_permissions(Contact))


@pytest.fixture
def manager(org, contact_role):
    """A user whose role in `org` holds the four contact permissions (no global ones)."""
    user = UserFactory(username="manager")
    OrganizationMembershipFactory(user=user, organization=org, role=contact_role)
    return user


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def manager_client(jwt_client, manager):
    return jwt_client(manager)


@pytest.fixture
def superuser_client(jwt_client, superuser):
    return jwt_client(superuser)
