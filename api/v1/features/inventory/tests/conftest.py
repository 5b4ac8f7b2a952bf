"""Fixtures of the inventory tests (the shared ones live in the root conftest.py)."""

import pytest

from api.v1.base_models.organization.tests.factories import (
    OrganizationFactory,
    OrganizationMembershipFactory,
    RoleFactory,
    model_permissions,
)
from api.v1.base_models.user.tests.factories import UserFactory
from api.v1.features.inventory.models import StockLocation, Warehouse

INVENTORY_PERMS = model_permissions(Warehouse) + model_permissions(StockLocation)


@pytest.fixture
def org(db):
    return OrganizationFactory(name="Acme", code="ACME")


@pytest.fixture
def other_org(db):
    """A second, unrelated organization (another tenant)."""
    return OrganizationFactory(name="Globex", code="GLOBEX")


@pytest.fixture
def inventory_role(db):
    """Everything on warehouses and stock locations."""
    return RoleFactory(name="Inventory manager", permissions=INVENTORY_PERMS)


@pytest.fixture
def viewer_role(db):
    return RoleFactory(
        name="Inventory viewer",
        permissions=model_permissions(Warehouse, "view") + model_permissions(StockLocation, "view"),
    )


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
def manager(org, inventory_role, member):
    """A user whose role in `org` holds every inventory permission (no global ones)."""
    return member(org, inventory_role, user=UserFactory(username="manager"))


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def manager_client(jwt_client, manager):
    return jwt_client(manager)


@pytest.fixture
def superuser_client(jwt_client, superuser):
    return jwt_client(superuser)
