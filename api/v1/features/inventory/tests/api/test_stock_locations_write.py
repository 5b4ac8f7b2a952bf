"""/api/v1/stock-locations/: creating, changing and deleting locations, the warehouse
and parent rules, and what is refused (the round trips of every endpoint are in the API
contract, test_contract.py)."""

from unittest import mock

import pytest
from django.contrib.contenttypes.models import ContentType

from api.v1.base_models.organization.tests.factories import RoleFactory, model_permissions
from api.v1.features.inventory.models import StockLocation, Warehouse
from api.v1.features.inventory.tests.factories import StockLocationFactory, WarehouseFactory
from core.models import CustomFieldDefinition
from rbac.models import FieldPermission

from .helpers import LOCATIONS_URL, counts, location_payload, location_url, tree_state

pytestmark = pytest.mark.django_db


@pytest.fixture
def warehouse(org):
    return WarehouseFactory(organization=org, code="WH1", name="Main")


@pytest.fixture
def zone(warehouse):
    return StockLocationFactory(warehouse=warehouse, name="Zone A", location_type="ZONE")


# -------------------------------------------------------------------------- basics
class TestCreateAndRead:
    def test_a_manager_creates_a_location(self, manager_client, manager, warehouse, org):
        response = manager_client.post(
            LOCATIONS_URL,
            location_payload(
                warehouse,
                barcode="BC-001",
                location_type="AISLE",
                is_active=False,
                custom_fields={"max_weight_kg": 500},
            ),
            format="json",
        )

        assert response.status_code == 201, response.content
        body = response.json()
        location = StockLocation.objects.get(pk=body["id"])
        assert location.warehouse == warehouse
        assert location.organization == org
        assert (location.name, location.barcode, location.location_type) == (
            "Aisle A",
            "BC-001",
            "AISLE",
        )
        assert location.is_active is False
        assert location.custom_fields == {"max_weight_kg": 500}
        assert location.created_by == location.updated_by == manager
        assert body == {
            "id": location.pk,
            "organization": org.pk,
            "warehouse": warehouse.pk,
            "warehouse_code": "WH1",
            "parent": None,
            "parent_name": None,
            "name": "Aisle A",
            "barcode": "BC-001",
            "location_type": "AISLE",
            "is_active": False,
            "level": 0,
            "custom_fields": {"max_weight_kg": 500},
            "created_at": body["created_at"],
            "updated_at": body["updated_at"],
        }

    def test_a_child_location(self, manager_client, zone):
        response = manager_client.post(
            LOCATIONS_URL, location_payload(zone.warehouse, parent=zone.pk), format="json"
        )

        assert response.status_code == 201, response.content
        body = response.json()
        assert (body["parent"], body["parent_name"], body["level"]) == (zone.pk, "Zone A", 1)
        zone.refresh_from_db()
        assert [child.pk for child in zone.get_children()] == [body["id"]]

    def test_the_organization_comes_from_the_warehouse_and_cannot_be_sent(
        self, jwt_client, manager, warehouse, org, other_org, inventory_role, member
    ):
        member(other_org, inventory_role, user=manager)

        response = jwt_client(manager).post(
            LOCATIONS_URL,
            location_payload(warehouse, organization=other_org.pk),
            format="json",
        )

        assert response.status_code == 201, response.content
        assert response.json()["organization"] == org.pk
        assert StockLocation.objects.get(pk=response.json()["id"]).organization == org

    def test_defaults_of_a_minimal_payload(self, manager_client, warehouse):
        response = manager_client.post(LOCATIONS_URL, location_payload(warehouse), format="json")

        assert response.status_code == 201, response.content
        body = response.json()
        assert (body["barcode"], body["location_type"], body["is_active"]) == ("", "", True)
        assert body["custom_fields"] == {}

    def test_read_only_fields_are_ignored(self, manager_client, zone):
        response = manager_client.patch(
            location_url(zone),
            {"level": 5, "warehouse_code": "X", "parent_name": "Y", "id": 0},
            format="json",
        )

        assert response.status_code == 200
        zone.refresh_from_db()
        assert zone.level == 0
        assert response.json()["warehouse_code"] == "WH1"


# ---------------------------------------------------------------------- warehouse
class TestWarehouse:
    def test_a_warehouse_of_another_organization_reads_as_unknown(self, manager_client, other_org):
        foreign = WarehouseFactory(organization=other_org)
        before = counts()

        foreign_answer = manager_client.post(
            LOCATIONS_URL, location_payload(foreign), format="json"
        )
        unknown_answer = manager_client.post(LOCATIONS_URL, location_payload(987654), format="json")

        assert foreign_answer.status_code == unknown_answer.status_code == 400
        assert list(foreign_answer.json()) == list(unknown_answer.json()) == ["warehouse"]
        assert foreign_answer.json()["warehouse"][0].replace(str(foreign.pk), "N") == (
            unknown_answer.json()["warehouse"][0].replace("987654", "N")
        )
        assert counts() == before

    def test_a_warehouse_the_role_cannot_view_reads_as_unknown(self, jwt_client, member, org):
        # May manage locations, may not see warehouses.
        user = member(org, RoleFactory(permissions=model_permissions(StockLocation)))
        warehouse = WarehouseFactory(organization=org)

        response = jwt_client(user).post(LOCATIONS_URL, location_payload(warehouse), format="json")

        assert response.status_code == 400
        assert "warehouse" in response.json()
        assert not StockLocation.objects.exists()

    def test_a_visible_warehouse_still_needs_the_add_permission_there(
        self, jwt_client, member, org, other_org, inventory_role
    ):
        # Adds locations in the other organization; only views in `org`.
        user = member(other_org, inventory_role)
        member(
            org,
            RoleFactory(
                permissions=model_permissions(Warehouse, "view")
                + model_permissions(StockLocation, "view")
            ),
            user=user,
        )
        warehouse = WarehouseFactory(organization=org)

        response = jwt_client(user).post(LOCATIONS_URL, location_payload(warehouse), format="json")

        assert response.status_code == 403
        assert "Acme" in response.json()["detail"]
        assert not StockLocation.objects.exists()

    def test_the_warehouse_is_required(self, manager_client):
        response = manager_client.post(LOCATIONS_URL, {"name": "Loose"}, format="json")

        assert response.status_code == 400
        assert "warehouse" in response.json()

    def test_the_warehouse_cannot_change(self, manager_client, zone, warehouse, org):
        other = WarehouseFactory(organization=org)

        response = manager_client.patch(
            location_url(zone), {"warehouse": other.pk, "name": "Moved"}, format="json"
        )

        assert response.status_code == 400
        assert "warehouse" in response.json()
        zone.refresh_from_db()
        assert (zone.warehouse_id, zone.name) == (warehouse.pk, "Zone A")

    def test_sending_the_current_warehouse_without_seeing_it_is_fine(
        self, jwt_client, member, org, zone
    ):
        user = member(org, RoleFactory(permissions=model_permissions(StockLocation)))
        client = jwt_client(user)
        body = client.get(location_url(zone)).json()

        response = client.put(location_url(zone), {**body, "name": "Renamed"}, format="json")

        assert response.status_code == 200, response.content
        zone.refresh_from_db()
        assert zone.name == "Renamed"


# -------------------------------------------------------------------------- parent
class TestParent:
    def test_a_parent_in_another_warehouse_is_refused(self, manager_client, zone, org):
        other = WarehouseFactory(organization=org)
        before = counts()

        response = manager_client.post(
            LOCATIONS_URL, location_payload(other, parent=zone.pk), format="json"
        )

        assert response.status_code == 400
        assert list(response.json()) == ["parent"]
        assert counts() == before

    def test_a_parent_of_another_organization_reads_as_unknown(self, manager_client, warehouse):
        foreign = StockLocationFactory()

        response = manager_client.post(
            LOCATIONS_URL, location_payload(warehouse, parent=foreign.pk), format="json"
        )

        assert response.status_code == 400
        assert "does not exist" in response.json()["parent"][0]

    def test_the_parent_changes_within_the_warehouse(self, manager_client, zone, warehouse):
        aisle = StockLocationFactory(parent=zone, name="Aisle 1")
        bin_ = StockLocationFactory(parent=aisle, name="Bin 1")
        other_zone = StockLocationFactory(warehouse=warehouse, name="Zone B")

        response = manager_client.patch(
            location_url(aisle), {"parent": other_zone.pk}, format="json"
        )

        assert response.status_code == 200, response.content
        assert response.json()["parent"] == other_zone.pk
        bin_.refresh_from_db()
        other_zone.refresh_from_db()
        assert bin_.level == 2
        assert [node.pk for node in other_zone.get_descendants()] == [aisle.pk, bin_.pk]

    @pytest.mark.parametrize("target", ["self", "child", "grandchild"])
    def test_a_parent_under_the_location_is_refused(self, manager_client, zone, target):
        child = StockLocationFactory(parent=zone, name="Child")
        grandchild = StockLocationFactory(parent=child, name="Grandchild")
        parent = {"self": zone, "child": child, "grandchild": grandchild}[target]
        before = tree_state()

        response = manager_client.patch(location_url(zone), {"parent": parent.pk}, format="json")

        assert response.status_code == 400
        assert "parent" in response.json()
        assert tree_state() == before

    def test_null_makes_it_top_level(self, manager_client, zone):
        aisle = StockLocationFactory(parent=zone, name="Aisle 1")

        response = manager_client.patch(location_url(aisle), {"parent": None}, format="json")

        assert response.status_code == 200, response.content
        aisle.refresh_from_db()
        assert (aisle.parent, aisle.level) == (None, 0)


# ---------------------------------------------------------------------- uniqueness
class TestUniqueness:
    def test_a_name_taken_under_the_same_parent(self, manager_client, zone):
        StockLocationFactory(parent=zone, name="Aisle 1")
        before = counts()

        response = manager_client.post(
            LOCATIONS_URL,
            location_payload(zone.warehouse, parent=zone.pk, name="Aisle 1"),
            format="json",
        )

        assert response.status_code == 400
        assert list(response.json()) == ["name"]
        assert counts() == before

    def test_a_root_name_taken_in_the_warehouse(self, manager_client, zone):
        response = manager_client.post(
            LOCATIONS_URL, location_payload(zone.warehouse, name="Zone A"), format="json"
        )

        assert response.status_code == 400
        assert list(response.json()) == ["name"]

    def test_the_same_name_elsewhere_is_fine(self, manager_client, zone, org):
        under_zone = manager_client.post(
            LOCATIONS_URL,
            location_payload(zone.warehouse, parent=zone.pk, name="Zone A"),
            format="json",
        )
        other_warehouse = manager_client.post(
            LOCATIONS_URL,
            location_payload(WarehouseFactory(organization=org), name="Zone A"),
            format="json",
        )

        assert under_zone.status_code == other_warehouse.status_code == 201

    def test_moving_next_to_a_namesake_is_refused(self, manager_client, zone, warehouse):
        StockLocationFactory(warehouse=warehouse, name="Aisle 1")
        aisle = StockLocationFactory(parent=zone, name="Aisle 1")

        response = manager_client.patch(location_url(aisle), {"parent": None}, format="json")

        assert response.status_code == 400
        assert "name" in response.json()
        aisle.refresh_from_db()
        assert aisle.parent == zone

    def test_renaming_to_a_siblings_name_is_refused(self, manager_client, zone, warehouse):
        other = StockLocationFactory(warehouse=warehouse, name="Zone B")

        response = manager_client.patch(location_url(other), {"name": "Zone A"}, format="json")

        assert response.status_code == 400
        assert "name" in response.json()

    def test_a_barcode_taken_in_the_warehouse(self, manager_client, zone, org):
        StockLocationFactory(parent=zone, barcode="BC-1")
        before = counts()

        taken = manager_client.post(
            LOCATIONS_URL, location_payload(zone.warehouse, barcode="BC-1"), format="json"
        )
        elsewhere = manager_client.post(
            LOCATIONS_URL,
            location_payload(WarehouseFactory(organization=org), barcode="BC-1"),
            format="json",
        )

        assert taken.status_code == 400
        assert list(taken.json()) == ["barcode"]
        assert elsewhere.status_code == 201
        assert counts()["StockLocation"] == before["StockLocation"] + 1

    def test_blank_barcodes_never_clash(self, manager_client, zone):
        StockLocationFactory(parent=zone, barcode="")

        response = manager_client.post(
            LOCATIONS_URL,
            location_payload(zone.warehouse, parent=zone.pk, barcode="  "),
            format="json",
        )

        assert response.status_code == 201, response.content
        assert response.json()["barcode"] == ""

    def test_keeping_ones_own_barcode_and_name(self, manager_client, zone):
        zone.barcode = "Z"
        zone.save()

        response = manager_client.patch(
            location_url(zone), {"name": "Zone A", "barcode": "Z"}, format="json"
        )

        assert response.status_code == 200

    def test_a_concurrent_duplicate_is_a_400_not_a_500(self, manager_client, zone):
        before, tree = counts(), tree_state()

        with mock.patch(
            "api.v1.features.inventory.serializers.name_taken", side_effect=[False, True]
        ):
            response = manager_client.post(
                LOCATIONS_URL, location_payload(zone.warehouse, name="Zone A"), format="json"
            )

        assert response.status_code == 400, response.content
        assert list(response.json()) == ["name"]
        assert (counts(), tree_state()) == (before, tree)


# ------------------------------------------------------------------ bad input: 400
class TestValidation:
    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("name", ""),
            ("name", None),
            ("name", "x" * 256),
            ("barcode", "x" * 101),
            ("barcode", None),
            ("location_type", "CUPBOARD"),
            ("is_active", "perhaps"),
            ("warehouse", "main"),
            ("warehouse", None),
            ("parent", "zone"),
            ("parent", 987654),
            ("custom_fields", [1]),
        ],
    )
    def test_invalid_values_are_400_on_the_field(self, manager_client, warehouse, field, value):
        before = counts()

        response = manager_client.post(
            LOCATIONS_URL, {**location_payload(warehouse), field: value}, format="json"
        )

        assert response.status_code == 400, response.content
        assert field in response.json()
        assert counts() == before

    @pytest.mark.parametrize("body", [[], ["a"], "text", 42])
    def test_a_body_that_is_not_an_object(self, manager_client, body):
        response = manager_client.post(LOCATIONS_URL, body, format="json")

        assert response.status_code == 400

    def test_custom_fields_follow_the_definitions_of_the_warehouses_organization(
        self, manager_client, warehouse, org
    ):
        content_type = ContentType.objects.get_for_model(StockLocation)
        CustomFieldDefinition.objects.create(
            content_type=content_type, key="temperature", field_type="integer"
        )
        CustomFieldDefinition.objects.create(
            content_type=content_type,
            key="temperature",
            field_type="choice",
            choices=["frozen", "chilled"],
            organization=org,
        )

        valid = manager_client.post(
            LOCATIONS_URL,
            location_payload(warehouse, custom_fields={"temperature": "frozen"}),
            format="json",
        )
        wrong = manager_client.post(
            LOCATIONS_URL,
            location_payload(warehouse, name="B", custom_fields={"temperature": -18}),
            format="json",
        )
        unknown = manager_client.post(
            LOCATIONS_URL,
            location_payload(warehouse, name="C", custom_fields={"colour": "red"}),
            format="json",
        )

        assert valid.status_code == 201, valid.content
        assert wrong.status_code == unknown.status_code == 400
        assert list(wrong.json()["custom_fields"]) == ["temperature"]
        assert list(unknown.json()["custom_fields"]) == ["colour"]


# ------------------------------------------------------------------------- deleting
class TestDeleting:
    def test_a_location_with_sub_locations_is_409_and_nothing_changes(self, manager_client, zone):
        StockLocationFactory(parent=zone, name="Aisle 1")
        StockLocationFactory(parent=zone, name="Aisle 2")
        before = tree_state()

        response = manager_client.delete(location_url(zone))

        assert response.status_code == 409
        assert "2 stock locations" in response.json()["detail"].lower()
        assert tree_state() == before

    def test_deleting_leaves_first_empties_the_warehouse(self, manager_client, zone):
        aisle = StockLocationFactory(parent=zone, name="Aisle 1")

        assert manager_client.delete(location_url(aisle)).status_code == 204
        assert manager_client.delete(location_url(zone)).status_code == 204
        response = manager_client.delete(f"/api/v1/warehouses/{zone.warehouse_id}/")
        assert response.status_code == 204
        assert not Warehouse.objects.exists()


# ---------------------------------------------------------------------- permissions
class TestPermissions:
    @pytest.fixture
    def role_client(self, jwt_client, member, org):
        def make(*verbs):
            role = RoleFactory(
                permissions=model_permissions(Warehouse, "view")
                + model_permissions(StockLocation, "view", *verbs)
            )
            return jwt_client(member(org, role))

        return make

    def test_without_add(self, role_client, warehouse):
        response = role_client("change", "delete").post(
            LOCATIONS_URL, location_payload(warehouse), format="json"
        )

        assert response.status_code == 403
        assert not StockLocation.objects.exists()

    def test_without_change(self, role_client, zone):
        client = role_client("add", "delete")

        assert client.patch(location_url(zone), {"name": "X"}, format="json").status_code == 403
        assert (
            client.post(location_url(zone, "move"), {"parent": None}, format="json").status_code
            == 403
        )
        zone.refresh_from_db()
        assert zone.name == "Zone A"

    def test_without_delete(self, role_client, zone):
        assert role_client("add", "change").delete(location_url(zone)).status_code == 403
        assert StockLocation.objects.filter(pk=zone.pk).exists()

    def test_view_only_reads(self, role_client, zone):
        client = role_client()

        assert client.get(location_url(zone)).status_code == 200
        for action in ("descendants", "ancestors", "children"):
            assert client.get(location_url(zone, action)).status_code == 200


class TestFieldPermissions:
    @pytest.fixture
    def rule(self, inventory_role):
        def make(field, **access):
            return FieldPermission.objects.create(
                role=inventory_role,
                content_type=ContentType.objects.get_for_model(StockLocation),
                field_name=field,
                **access,
            )

        return make

    def test_a_hidden_barcode(self, manager_client, zone, rule):
        rule("barcode", can_read=False, can_write=False)

        assert "barcode" not in manager_client.get(location_url(zone)).json()
        response = manager_client.post(
            LOCATIONS_URL, location_payload(zone.warehouse, barcode="X"), format="json"
        )
        assert response.status_code == 403
        assert response.json()["fields"] == ["barcode"]

    def test_a_read_only_parent_cannot_be_moved_either(self, manager_client, zone, warehouse, rule):
        rule_target = StockLocationFactory(warehouse=warehouse, name="Zone B")
        aisle = StockLocationFactory(parent=zone, name="Aisle")
        rule("parent", can_read=True, can_write=False)

        patched = manager_client.patch(
            location_url(aisle), {"parent": rule_target.pk}, format="json"
        )
        moved = manager_client.post(
            location_url(aisle, "move"), {"parent": rule_target.pk}, format="json"
        )

        assert patched.status_code == moved.status_code == 403
        assert moved.json()["fields"] == ["parent"]
        aisle.refresh_from_db()
        assert aisle.parent == zone
