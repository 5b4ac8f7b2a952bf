"""Warehouses and stock locations: fields, defaults, constraints, model validation,
deletion rules and the factories."""

import pytest
from crum import impersonate
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from api.v1.base_models.common.models import Address
from api.v1.base_models.common.tests.factories import AddressFactory
from api.v1.base_models.organization.models import Organization
from api.v1.base_models.organization.tests.factories import OrganizationFactory
from api.v1.base_models.user.tests.factories import UserFactory
from api.v1.features.inventory import services
from api.v1.features.inventory.choices import LocationType, WarehouseType
from api.v1.features.inventory.models import StockLocation, Warehouse
from api.v1.features.inventory.serializers import StockLocationSerializer
from api.v1.features.inventory.tests.factories import StockLocationFactory, WarehouseFactory

pytestmark = pytest.mark.django_db


# ----------------------------------------------------------------------- warehouse
class TestWarehouse:
    def test_created_with_the_required_fields_and_defaults(self, org):
        warehouse = Warehouse.objects.create(
            organization=org, name="Main", code="MAIN", warehouse_type=WarehouseType.RETAIL_STORE
        )

        warehouse.refresh_from_db()
        assert warehouse.is_active is True
        assert warehouse.custom_fields == {}
        assert warehouse.address is None
        assert list(warehouse.tags.names()) == []
        assert str(warehouse) == "Main (MAIN)"
        assert warehouse.created_at is not None
        assert warehouse.updated_at is not None

    def test_created_by_and_updated_by_come_from_the_current_user(self, org):
        user = UserFactory()
        with impersonate(user):
            warehouse = WarehouseFactory(organization=org)

        assert (warehouse.created_by, warehouse.updated_by) == (user, user)

    def test_tags(self, org):
        warehouse = WarehouseFactory(organization=org, tags=["cold", "hazmat"])

        assert sorted(warehouse.tags.names()) == ["cold", "hazmat"]

    @pytest.mark.parametrize("code", ["MAIN", "main", "Main"])
    def test_the_code_is_unique_per_organization_in_any_case(self, org, code):
        WarehouseFactory(organization=org, code="MAIN")

        with transaction.atomic(), pytest.raises(IntegrityError):
            WarehouseFactory(organization=org, code=code)

    def test_the_same_code_in_another_organization_is_fine(self, org, other_org):
        WarehouseFactory(organization=org, code="MAIN")

        assert WarehouseFactory(organization=other_org, code="main").pk

    def test_the_organization_is_protected(self, org):
        WarehouseFactory(organization=org)

        with pytest.raises(ProtectedError):
            org.delete()
        assert Organization.objects.filter(pk=org.pk).exists()

    def test_an_address_in_use_is_protected(self, org):
        warehouse = WarehouseFactory(organization=org)

        with pytest.raises(ProtectedError):
            warehouse.address.delete()

    def test_an_address_belongs_to_one_warehouse(self, org):
        first = WarehouseFactory(organization=org)

        with transaction.atomic(), pytest.raises(IntegrityError):
            WarehouseFactory(organization=org, address=first.address)

    def test_deleting_a_warehouse_deletes_its_address(self, org):
        warehouse = WarehouseFactory(organization=org)
        address_id = warehouse.address_id

        warehouse.delete()

        assert not Address.objects.filter(pk=address_id).exists()

    def test_an_address_used_elsewhere_too_is_kept(self, org):
        warehouse = WarehouseFactory(organization=org)
        Organization.objects.filter(pk=org.pk).update(primary_address=warehouse.address)

        warehouse.delete()

        org.refresh_from_db()
        assert org.primary_address_id == warehouse.address_id

    def test_a_warehouse_without_address_is_deleted(self, org):
        warehouse = WarehouseFactory(organization=org, address=None)

        warehouse.delete()

        assert not Warehouse.objects.filter(pk=warehouse.pk).exists()

    def test_a_warehouse_with_locations_is_protected(self, org):
        location = StockLocationFactory(organization=org)

        with pytest.raises(ProtectedError) as caught:
            location.warehouse.delete()

        assert set(caught.value.protected_objects) == {location}
        assert Warehouse.objects.filter(pk=location.warehouse_id).exists()
        assert Address.objects.filter(pk=location.warehouse.address_id).exists()


class TestWarehouseClean:
    def test_a_taken_code_is_a_code_error(self, org):
        WarehouseFactory(organization=org, code="MAIN")
        warehouse = WarehouseFactory.build(organization=org, code="main", address=None)

        with pytest.raises(ValidationError) as caught:
            warehouse.full_clean()

        assert "code" in caught.value.message_dict

    def test_a_warehouse_keeps_its_own_code(self, org):
        warehouse = WarehouseFactory(organization=org, code="MAIN")
        warehouse.code = "Main"

        warehouse.full_clean()

    def test_moving_a_warehouse_with_locations_to_another_organization(self, org, other_org):
        location = StockLocationFactory(organization=org)
        warehouse = location.warehouse
        warehouse.organization = other_org

        with pytest.raises(ValidationError) as caught:
            warehouse.full_clean()

        assert "organization" in caught.value.message_dict

    def test_moving_an_empty_warehouse_is_fine(self, org, other_org):
        warehouse = WarehouseFactory(organization=org)
        warehouse.organization = other_org

        warehouse.full_clean()


# ------------------------------------------------------------------ stock location
class TestStockLocation:
    def test_created_with_the_required_fields_and_defaults(self, org):
        warehouse = WarehouseFactory(organization=org, code="WH1")

        location = StockLocation.objects.create(warehouse=warehouse, name="Zone A")

        location.refresh_from_db()
        assert location.organization == org
        assert location.barcode == ""
        assert location.location_type == ""
        assert location.is_active is True
        assert location.custom_fields == {}
        assert location.parent is None
        assert (location.level, location.lft, location.rght) == (0, 1, 2)
        assert str(location) == "WH1 / Zone A"

    def test_the_organization_is_always_the_warehouses(self, org, other_org):
        warehouse = WarehouseFactory(organization=org)

        location = StockLocation.objects.create(
            warehouse=warehouse, organization=other_org, name="Zone A"
        )

        assert StockLocation.objects.get(pk=location.pk).organization_id == org.pk

    def test_a_hierarchy(self, org):
        zone = StockLocationFactory(organization=org, name="Zone", location_type=LocationType.ZONE)
        aisle = StockLocationFactory(parent=zone, name="Aisle")
        bin_ = StockLocationFactory(parent=aisle, name="Bin")
        zone.refresh_from_db()

        assert (aisle.warehouse, bin_.warehouse) == (zone.warehouse, zone.warehouse)
        assert bin_.organization == org
        assert [node.name for node in zone.get_descendants()] == ["Aisle", "Bin"]
        assert [node.name for node in bin_.get_ancestors()] == ["Zone", "Aisle"]
        assert bin_.level == 2

    def test_blank_barcodes_are_allowed_many_times(self, org):
        warehouse = WarehouseFactory(organization=org)
        StockLocationFactory(warehouse=warehouse, barcode="")

        assert StockLocationFactory(warehouse=warehouse, barcode="").pk

    def test_a_barcode_is_unique_per_warehouse(self, org):
        warehouse = WarehouseFactory(organization=org)
        StockLocationFactory(warehouse=warehouse, barcode="BC-1")

        with transaction.atomic(), pytest.raises(IntegrityError):
            StockLocationFactory(warehouse=warehouse, barcode="BC-1")
        assert StockLocationFactory(organization=org, barcode="BC-1").pk  # another warehouse

    def test_a_name_is_unique_under_the_same_parent(self, org):
        zone = StockLocationFactory(organization=org, name="Zone")
        StockLocationFactory(parent=zone, name="Aisle")

        with transaction.atomic(), pytest.raises(IntegrityError):
            StockLocationFactory(parent=zone, name="Aisle")
        other_zone = StockLocationFactory(warehouse=zone.warehouse, name="Zone 2")
        assert StockLocationFactory(parent=other_zone, name="Aisle").pk

    def test_a_root_name_is_unique_per_warehouse(self, org):
        warehouse = WarehouseFactory(organization=org)
        StockLocationFactory(warehouse=warehouse, name="Zone")

        with transaction.atomic(), pytest.raises(IntegrityError):
            StockLocationFactory(warehouse=warehouse, name="Zone")
        assert StockLocationFactory(organization=org, name="Zone").pk  # another warehouse

    def test_a_location_with_children_is_protected_and_the_tree_kept(self, org):
        zone = StockLocationFactory(organization=org, name="Zone")
        aisle = StockLocationFactory(parent=zone, name="Aisle")
        before = list(StockLocation.objects.values_list("pk", "tree_id", "lft", "rght", "level"))

        with pytest.raises(ProtectedError) as caught:
            zone.delete()

        assert set(caught.value.protected_objects) == {aisle}
        after = list(StockLocation.objects.values_list("pk", "tree_id", "lft", "rght", "level"))
        assert after == before

    def test_a_leaf_is_deleted_and_the_tree_closed(self, org):
        zone = StockLocationFactory(organization=org, name="Zone")
        aisle = StockLocationFactory(parent=zone, name="Aisle")

        aisle.delete()

        zone.refresh_from_db()
        assert (zone.lft, zone.rght) == (1, 2)


class TestStockLocationClean:
    def test_a_parent_in_another_warehouse(self, org):
        zone = StockLocationFactory(organization=org)
        location = StockLocationFactory.build(
            warehouse=WarehouseFactory(organization=org), parent=zone
        )

        with pytest.raises(ValidationError) as caught:
            location.full_clean()

        assert "parent" in caught.value.message_dict

    @pytest.mark.parametrize("target", ["self", "child"])
    def test_a_parent_under_the_location(self, org, target):
        zone = StockLocationFactory(organization=org)
        child = StockLocationFactory(parent=zone)
        zone.parent = zone if target == "self" else child

        with pytest.raises(ValidationError) as caught:
            zone.full_clean()

        assert "parent" in caught.value.message_dict

    def test_the_warehouse_cannot_change(self, org):
        location = StockLocationFactory(organization=org)
        location.warehouse = WarehouseFactory(organization=org)

        with pytest.raises(ValidationError) as caught:
            location.full_clean()

        assert "warehouse" in caught.value.message_dict

    def test_names_and_barcodes_taken(self, org):
        existing = StockLocationFactory(organization=org, name="Zone", barcode="BC")
        location = StockLocationFactory.build(
            warehouse=existing.warehouse, name="Zone", barcode="BC"
        )

        with pytest.raises(ValidationError) as caught:
            location.full_clean()

        assert {"name", "barcode"} <= set(caught.value.message_dict)

    def test_a_valid_location(self, org):
        zone = StockLocationFactory(organization=org, name="Zone", barcode="Z")
        aisle = StockLocationFactory.build(
            warehouse=zone.warehouse, parent=zone, name="Zone", barcode=""
        )

        aisle.full_clean()  # the same name under another parent is fine
        assert aisle.organization == org

    def test_without_a_warehouse_only_the_field_error(self, org):
        location = StockLocation(name="Loose", parent=StockLocationFactory(organization=org))

        with pytest.raises(ValidationError) as caught:
            location.full_clean()

        assert set(caught.value.message_dict) == {"warehouse", "organization"}


# ------------------------------------------------------------------------- services
class TestAddresses:
    def test_unattached_addresses(self, org):
        free = AddressFactory()
        used = WarehouseFactory(organization=org).address
        primary = AddressFactory()
        Organization.objects.filter(pk=org.pk).update(primary_address=primary)

        found = set(services.unattached_addresses())

        assert free in found
        assert used not in found
        assert primary not in found

    def test_discard_address(self):
        address = AddressFactory()

        services.discard_address(None)
        services.discard_address(address.pk)

        assert not Address.objects.filter(pk=address.pk).exists()


# ------------------------------------------------------------------------ factories
class TestFactories:
    def test_warehouse_factory(self):
        warehouse = WarehouseFactory()

        assert warehouse.organization_id is not None
        assert warehouse.address.country.code == "US"
        assert warehouse.warehouse_type in WarehouseType.values

    def test_location_factory_with_an_organization(self):
        organization = OrganizationFactory()

        location = StockLocationFactory(organization=organization)

        assert location.organization == organization
        assert location.warehouse.organization == organization

    def test_location_factory_under_a_parent(self):
        parent = StockLocationFactory()

        child = StockLocationFactory(parent=parent)

        assert child.warehouse == parent.warehouse
        assert child.organization == parent.organization
        assert child.level == 1

    def test_location_factory_alone(self):
        location = StockLocationFactory()

        assert location.organization == location.warehouse.organization
        assert location.location_type in LocationType.values


# ---------------------------------------------------------------------- serializers
class TestSerializersWithoutRequest:
    """Outside a request (a script, a task) no warehouse or location is visible."""

    def test_ids_read_as_unknown(self, org):
        location = StockLocationFactory(organization=org)
        serializer = StockLocationSerializer(
            data={"warehouse": location.warehouse_id, "parent": location.pk, "name": "X"}
        )

        assert not serializer.is_valid()
        assert set(serializer.errors) == {"warehouse", "parent"}
