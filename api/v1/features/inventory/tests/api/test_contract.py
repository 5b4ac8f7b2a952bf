"""The API contract (tests/contract.py) applied to /api/v1/warehouses/ and
/api/v1/stock-locations/.

A stock location's organization is its warehouse's: the contract's tests about the
`organization` field of a payload are replaced by their counterparts for the
`warehouse` (chosen among the warehouses the caller may see, fixed once created).
The world's roles also hold the view permission on warehouses, which choosing a
warehouse needs.
"""

from itertools import count

import pytest

from api.v1.base_models.organization.tests.factories import model_permissions, permissions_named
from api.v1.features.inventory.models import StockLocation, Warehouse
from api.v1.features.inventory.tests.factories import StockLocationFactory, WarehouseFactory
from tests.contract import ScopedEndpointContract
from tests.tenancy import SEES, USERS, TenancyWorld

from .helpers import address_payload, nested_url

serial = count(1)


def new_warehouse(organization, **fields):
    """A warehouse with values of its own in every searched field."""
    n = next(serial)
    return WarehouseFactory(
        organization=organization,
        name=f"Warehouse{n:05d}",
        code=f"WH{n:05d}",
        address__city=f"City{n:05d}",
        address__postal_code=f"P{n:05d}",
        **fields,
    )


class TestWarehouseAPI(ScopedEndpointContract):
    basename = "warehouse"
    factory = WarehouseFactory
    update_payload = {"name": "Changed"}
    restricted_field = "code"
    unique_payload_fields = ("code",)

    def create_payload(self, world, organization):
        return {
            "organization": organization.pk,
            "name": "New warehouse",
            "code": "NEW-1",
            "warehouse_type": "DISTRIBUTION_CENTER",
            "address": address_payload(),
            "tags": ["new"],
        }

    def search_term(self, record):
        return record.code

    def new_record(self, world, organization):
        return new_warehouse(organization)

    def ordering_records(self, world):
        return [new_warehouse(world.org_a, is_active=active) for active in (True, False, True)]


class TestStockLocationAPI(ScopedEndpointContract):
    basename = "stock-location"
    factory = StockLocationFactory
    update_payload = {"name": "Changed"}
    restricted_field = "barcode"
    target_field = "warehouse"  # a location's organization is its warehouse's
    # Unique among the locations under one parent (here: the warehouse's top level).
    unique_payload_fields = ("name",)

    @pytest.fixture
    def world(self, db):
        world = TenancyWorld(self)
        see_warehouses = permissions_named(*model_permissions(Warehouse, "view"))
        world.full_role.permissions.add(*see_warehouses)
        world.view_role.permissions.add(*see_warehouses)
        return world

    def make_record(self, world, organization):
        return StockLocationFactory(organization=organization)

    def create_payload(self, world, organization):
        return {"warehouse": WarehouseFactory(organization=organization).pk, "name": "New"}

    def search_term(self, record):
        return record.name

    def new_record(self, world, organization, **fields):
        n = next(serial)
        fields.setdefault("warehouse", new_warehouse(organization))
        return StockLocationFactory(name=f"Location{n:05d}", barcode=f"BC{n:05d}", **fields)

    def ordering_records(self, world):
        """Two trees in two warehouses, one three levels deep: tree ids, positions and
        levels differ."""
        root = self.new_record(world, world.org_a)
        child = self.new_record(world, world.org_a, parent=root, warehouse=root.warehouse)
        grandchild = self.new_record(world, world.org_a, parent=child, warehouse=root.warehouse)
        other_root = self.new_record(world, world.org_a)
        return [root, child, grandchild, other_root]

    def rich_record(self, world, organization):
        """A location under a parent (the list shows the parent's name)."""
        parent = self.new_record(world, organization)
        return self.new_record(world, organization, parent=parent, warehouse=parent.warehouse)

    def test_moving_to_another_organization_needs_the_permission_there(self, world):
        record = world.records["record_a"]
        warehouse_b = WarehouseFactory(organization=world.org_b)
        # The organization is read-only: sending it changes nothing.
        response = world.client("user_both").patch(
            self.detail_url(record), {"organization": world.org_b.pk}, format="json"
        )
        assert response.status_code == 200, response.content
        assert response.json()["organization"] == world.org_a.pk
        # The warehouse is fixed: another organization's is unknown to user_a, and
        # refused even to user_both, who may work in both.
        response = world.client("user_a").patch(
            self.detail_url(record), {"warehouse": warehouse_b.pk}, format="json"
        )
        assert response.status_code == 400
        assert "does not exist" in str(response.json()["warehouse"])
        response = world.client("user_both").patch(
            self.detail_url(record), {"warehouse": warehouse_b.pk}, format="json"
        )
        assert response.status_code == 400
        assert "cannot move" in str(response.json()["warehouse"])
        record.refresh_from_db()
        assert (record.organization_id, record.warehouse.organization_id) == (
            world.org_a.pk,
            world.org_a.pk,
        )

    # ------------------------------------------------------------ nested route
    @pytest.mark.parametrize("user", USERS)
    @pytest.mark.parametrize("record", ["record_a", "record_b"])
    def test_the_nested_list_is_404_outside_the_callers_organizations(self, world, user, record):
        location = world.records[record]

        response = world.client(user).get(nested_url(location.warehouse))

        if record in SEES[user]:
            assert response.status_code == 200
            assert [row["id"] for row in response.json()["results"]] == [location.pk]
        else:
            assert response.status_code == 404

    def test_a_nested_create_in_another_organizations_warehouse_is_404(self, world):
        warehouse_b = world.records["record_b"].warehouse
        before = StockLocation.objects.count()

        response = world.client("user_a").post(
            nested_url(warehouse_b), {"name": "Intruder"}, format="json"
        )

        assert response.status_code == 404
        assert StockLocation.objects.count() == before
