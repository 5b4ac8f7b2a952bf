"""Fixtures of the inventory tests (the shared ones, `org`, `member`, `manager`, ...,
live in tests/plugin.py)."""

import pytest

from api.v1.base_models.organization.tests.factories import RoleFactory, model_permissions
from api.v1.features.inventory.models import StockLocation, Warehouse

INVENTORY_PERMS = model_permissions(Warehouse) + model_permissions(StockLocation)


@pytest.fixture
def inventory_role(db):
    """Everything on warehouses and stock locations."""
    return RoleFactory(name="Inventory manager", permissions=INVENTORY_PERMS)


@pytest.fixture
def manager_role(inventory_role):
    """The role of the plugin's `manager` in `org`."""
    return inventory_role


@pytest.fixture
def viewer_role(db):
    return RoleFactory(
        name="Inventory viewer",
        permissions=model_permissions(Warehouse, "view") + model_permissions(StockLocation, "view"),
    )
