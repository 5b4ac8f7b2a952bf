"""/api/v1/warehouses/: creating, changing and deleting warehouses, and what is refused."""

import copy
from unittest import mock

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError

from api.v1.base_models.common.models import Address
from api.v1.base_models.organization.models import Organization
from api.v1.base_models.organization.tests.factories import (
    OrganizationFactory,
    RoleFactory,
    model_permissions,
)
from api.v1.features.inventory.models import Warehouse
from api.v1.features.inventory.tests.factories import StockLocationFactory, WarehouseFactory
from core.models import CustomFieldDefinition
from rbac.models import FieldPermission

from .helpers import (
    WAREHOUSES_URL,
    address_payload,
    counts,
    warehouse_payload,
    warehouse_url,
)

pytestmark = pytest.mark.django_db


# -------------------------------------------------------------------------- basics
class TestCreateAndRead:
    def test_a_manager_creates_a_warehouse_with_its_address_and_tags(
        self, manager_client, manager, org
    ):
        response = manager_client.post(
            WAREHOUSES_URL,
            warehouse_payload(
                org,
                is_active=False,
                address=address_payload(),
                tags=["cold", "Hazmat"],
                custom_fields={"dock_doors": 12},
            ),
            format="json",
        )

        assert response.status_code == 201, response.content
        body = response.json()
        warehouse = Warehouse.objects.get(pk=body["id"])
        assert (warehouse.organization, warehouse.name, warehouse.code) == (
            org,
            "Main Warehouse",
            "MAIN",
        )
        assert warehouse.warehouse_type == "DISTRIBUTION_CENTER"
        assert warehouse.is_active is False
        assert warehouse.custom_fields == {"dock_doors": 12}
        assert warehouse.created_by == warehouse.updated_by == manager
        assert (warehouse.address.city, warehouse.address.country.code) == ("Rotterdam", "NL")
        assert sorted(warehouse.tags.names(), key=str.casefold) == ["cold", "Hazmat"]
        assert body["organization"] == org.pk
        assert body["organization_name"] == "Acme"
        assert body["address"]["id"] == warehouse.address_id
        assert body["address"]["city"] == "Rotterdam"
        assert body["address"]["country"] == "NL"
        assert body["tags"] == ["cold", "Hazmat"]

    def test_defaults_of_a_minimal_payload(self, manager_client, org):
        response = manager_client.post(WAREHOUSES_URL, warehouse_payload(org), format="json")

        assert response.status_code == 201, response.content
        body = response.json()
        assert body["is_active"] is True
        assert body["address"] is None
        assert body["tags"] == []
        assert body["custom_fields"] == {}
        assert set(body) == {
            "id",
            "organization",
            "organization_name",
            "name",
            "code",
            "warehouse_type",
            "address",
            "is_active",
            "tags",
            "custom_fields",
            "created_at",
            "updated_at",
        }

    def test_a_put_keeps_the_address_and_a_delete_removes_it(self, manager_client, org):
        warehouse = WarehouseFactory(organization=org)
        address_id = warehouse.address_id

        # PUT of the read representation, one field changed.
        put = {**manager_client.get(warehouse_url(warehouse)).json(), "code": "PUT"}
        response = manager_client.put(warehouse_url(warehouse), put, format="json")
        assert response.status_code == 200, response.content
        warehouse.refresh_from_db()
        assert (warehouse.code, warehouse.address_id) == ("PUT", address_id)

        assert manager_client.delete(warehouse_url(warehouse)).status_code == 204
        assert not Address.objects.filter(pk=address_id).exists()

    def test_read_only_fields_are_ignored(self, manager_client, org):
        warehouse = WarehouseFactory(organization=org)

        response = manager_client.patch(
            warehouse_url(warehouse),
            {"id": 999999, "organization_name": "Other", "created_at": "2000-01-01T00:00:00Z"},
            format="json",
        )

        assert response.status_code == 200
        assert response.json()["id"] == warehouse.pk
        assert response.json()["organization_name"] == "Acme"

    def test_the_code_is_stored_without_surrounding_spaces(self, manager_client, org):
        response = manager_client.post(
            WAREHOUSES_URL, warehouse_payload(org, code="  SPACED "), format="json"
        )

        assert response.status_code == 201, response.content
        assert Warehouse.objects.get(pk=response.json()["id"]).code == "SPACED"


# ------------------------------------------------------------------ bad input: 400
class TestValidation:
    @pytest.mark.parametrize("code", ["main", "MAIN", "Main", " main "])
    def test_a_duplicate_code_in_any_case_is_refused(self, manager_client, org, code):
        WarehouseFactory(organization=org, code="Main")
        before = counts()

        response = manager_client.post(
            WAREHOUSES_URL,
            warehouse_payload(org, code=code, address=address_payload()),
            format="json",
        )

        assert response.status_code == 400
        assert list(response.json()) == ["code"]
        assert counts() == before

    def test_the_same_code_in_another_organization_is_accepted(
        self, manager_client, org, other_org
    ):
        WarehouseFactory(organization=other_org, code="MAIN")

        response = manager_client.post(WAREHOUSES_URL, warehouse_payload(org), format="json")

        assert response.status_code == 201, response.content

    def test_a_duplicate_code_is_refused_on_update(self, manager_client, org):
        WarehouseFactory(organization=org, code="TAKEN")
        warehouse = WarehouseFactory(organization=org, code="MINE")

        response = manager_client.patch(warehouse_url(warehouse), {"code": "taken"}, format="json")

        assert response.status_code == 400
        assert "code" in response.json()
        warehouse.refresh_from_db()
        assert warehouse.code == "MINE"

    def test_recasing_ones_own_code_is_allowed(self, manager_client, org):
        warehouse = WarehouseFactory(organization=org, code="MINE")

        response = manager_client.patch(warehouse_url(warehouse), {"code": "Mine"}, format="json")

        assert response.status_code == 200, response.content
        warehouse.refresh_from_db()
        assert warehouse.code == "Mine"

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("name", ""),
            ("name", "x" * 256),
            ("code", ""),
            ("code", "X" * 51),
            ("code", None),
            ("warehouse_type", "CASTLE"),
            ("warehouse_type", None),
            ("is_active", "perhaps"),
            ("organization", 987654),
            ("organization", "acme"),
            ("tags", "cold"),
            ("tags", [{"a": 1}]),
            ("tags", ["a,b"]),
            ("tags", ["x" * 101]),
            ("custom_fields", [1, 2]),
            ("custom_fields", "text"),
            ("address", "1 Dock Road"),
            ("address", []),
        ],
    )
    def test_invalid_values_are_400_on_the_field(self, manager_client, org, field, value):
        before = counts()

        payload = {**warehouse_payload(org, address=address_payload()), field: value}

        response = manager_client.post(WAREHOUSES_URL, payload, format="json")

        assert response.status_code == 400, response.content
        assert field in response.json()
        assert counts() == before

    @pytest.mark.parametrize("field", ["organization", "name", "code", "warehouse_type"])
    def test_required_fields(self, manager_client, org, field):
        payload = warehouse_payload(org)
        del payload[field]

        response = manager_client.post(WAREHOUSES_URL, payload, format="json")

        assert response.status_code == 400
        assert field in response.json()

    @pytest.mark.parametrize("body", [[], ["a"], "text", 42])
    def test_a_body_that_is_not_an_object(self, manager_client, body):
        before = counts()

        response = manager_client.post(WAREHOUSES_URL, body, format="json")

        assert response.status_code == 400
        assert counts() == before

    def test_malformed_json(self, manager_client):
        response = manager_client.post(WAREHOUSES_URL, "{not json", content_type="application/json")

        assert response.status_code == 400

    def test_a_bad_update_changes_nothing(self, manager_client, org):
        warehouse = WarehouseFactory(organization=org, name="Kept", tags=["kept"])
        city = warehouse.address.city
        before = counts()

        response = manager_client.patch(
            warehouse_url(warehouse),
            {
                "name": "Changed",
                "tags": ["new"],
                "address": address_payload(city="Elsewhere", latitude="95"),
            },
            format="json",
        )

        assert response.status_code == 400
        assert "latitude" in response.json()["address"]
        warehouse.refresh_from_db()
        assert warehouse.name == "Kept"
        assert list(warehouse.tags.names()) == ["kept"]
        assert warehouse.address.city == city
        assert counts() == before

    def test_a_concurrent_duplicate_code_is_a_400_not_a_500(self, manager_client, org):
        # Validation found the code free; the row of a concurrent request is there when
        # this one is inserted.
        WarehouseFactory(organization=org, code="RACE")
        before = counts()

        with mock.patch(
            "api.v1.features.inventory.serializers.code_taken", side_effect=[False, True]
        ):
            response = manager_client.post(
                WAREHOUSES_URL,
                warehouse_payload(org, code="race", address=address_payload()),
                format="json",
            )

        assert response.status_code == 400, response.content
        assert list(response.json()) == ["code"]
        assert counts() == before

    def test_a_refusal_the_checks_cannot_explain_is_not_hidden(self, manager_client, org):
        WarehouseFactory(organization=org, code="RACE")

        with (
            mock.patch("api.v1.features.inventory.serializers.code_taken", return_value=False),
            pytest.raises(IntegrityError),
        ):
            manager_client.post(WAREHOUSES_URL, warehouse_payload(org, code="race"), format="json")


# ------------------------------------------------------------------------- address
class TestAddress:
    def test_an_invalid_address_is_refused_and_nothing_is_written(self, manager_client, org):
        before = counts()

        response = manager_client.post(
            WAREHOUSES_URL,
            warehouse_payload(org, address=address_payload(country="XX")),
            format="json",
        )

        assert response.status_code == 400
        assert "country" in response.json()["address"]
        assert counts() == before

    def test_an_address_needs_its_country(self, manager_client, org):
        address = address_payload()
        del address["country"]

        response = manager_client.post(
            WAREHOUSES_URL, warehouse_payload(org, address=address), format="json"
        )

        assert response.status_code == 400
        assert "country" in response.json()["address"]

    def test_updated_in_place_on_patch(self, manager_client, org):
        warehouse = WarehouseFactory(organization=org, address__street_address_1="1 Old Road")
        address_id = warehouse.address_id

        response = manager_client.patch(
            warehouse_url(warehouse), {"address": {"city": "Antwerp"}}, format="json"
        )

        assert response.status_code == 200, response.content
        address = Address.objects.get(pk=address_id)
        assert address.city == "Antwerp"
        assert address.street_address_1 == "1 Old Road"
        assert response.json()["address"]["id"] == address_id
        assert response.json()["address"]["city"] == "Antwerp"

    def test_added_on_patch_when_there_was_none(self, manager_client, org):
        warehouse = WarehouseFactory(organization=org, address=None)

        response = manager_client.patch(
            warehouse_url(warehouse), {"address": address_payload()}, format="json"
        )

        assert response.status_code == 200, response.content
        warehouse.refresh_from_db()
        assert warehouse.address.city == "Rotterdam"

    def test_a_new_address_on_patch_still_needs_its_country(self, manager_client, org):
        warehouse = WarehouseFactory(organization=org, address=None)
        before = counts()

        response = manager_client.patch(
            warehouse_url(warehouse), {"address": {"city": "Antwerp"}}, format="json"
        )

        assert response.status_code == 400
        assert "country" in response.json()["address"]
        assert counts() == before

    def test_removed_with_null_and_the_address_row_deleted(self, manager_client, org):
        warehouse = WarehouseFactory(organization=org)
        address_id = warehouse.address_id

        response = manager_client.patch(warehouse_url(warehouse), {"address": None}, format="json")

        assert response.status_code == 200, response.content
        assert response.json()["address"] is None
        warehouse.refresh_from_db()
        assert warehouse.address is None
        assert not Address.objects.filter(pk=address_id).exists()

    def test_null_without_an_address_is_a_no_op(self, manager_client, org):
        warehouse = WarehouseFactory(organization=org, address=None)

        response = manager_client.patch(warehouse_url(warehouse), {"address": None}, format="json")

        assert response.status_code == 200
        assert response.json()["address"] is None


# ---------------------------------------------------------------------------- tags
class TestTags:
    def test_set_on_create_replaced_on_patch_and_kept_when_absent(self, manager_client, org):
        created = manager_client.post(
            WAREHOUSES_URL, warehouse_payload(org, tags=["cold", "bonded"]), format="json"
        )
        assert created.status_code == 201, created.content
        assert created.json()["tags"] == ["bonded", "cold"]
        warehouse = Warehouse.objects.get(pk=created.json()["id"])

        response = manager_client.patch(
            warehouse_url(warehouse), {"tags": ["ambient"]}, format="json"
        )
        assert response.status_code == 200
        assert response.json()["tags"] == ["ambient"]
        assert list(warehouse.tags.names()) == ["ambient"]

        response = manager_client.patch(warehouse_url(warehouse), {"name": "R"}, format="json")
        assert response.json()["tags"] == ["ambient"]

        response = manager_client.patch(warehouse_url(warehouse), {"tags": []}, format="json")
        assert response.status_code == 200
        assert list(warehouse.tags.names()) == []

    def test_the_same_tag_in_two_cases_counts_once(self, manager_client, org):
        response = manager_client.post(
            WAREHOUSES_URL, warehouse_payload(org, tags=["Cold", "cold", " cold "]), format="json"
        )

        assert response.status_code == 201, response.content
        assert response.json()["tags"] == ["Cold"]


# -------------------------------------------------------------------- custom fields
class TestCustomFields:
    @pytest.fixture
    def define(self, db):
        def make(key, **fields):
            return CustomFieldDefinition.objects.create(
                content_type=ContentType.objects.get_for_model(Warehouse), key=key, **fields
            )

        return make

    def test_without_definitions_any_object_is_accepted(self, manager_client, org):
        response = manager_client.post(
            WAREHOUSES_URL,
            warehouse_payload(org, custom_fields={"free": {"form": [1]}}),
            format="json",
        )

        assert response.status_code == 201
        assert response.json()["custom_fields"] == {"free": {"form": [1]}}

    def test_values_are_checked_against_the_definitions(self, manager_client, org, define):
        define("dock_doors", field_type="integer", min_value=0)
        define("climate", field_type="choice", choices=["ambient", "chilled"])

        valid = manager_client.post(
            WAREHOUSES_URL,
            warehouse_payload(org, custom_fields={"dock_doors": 4, "climate": "chilled"}),
            format="json",
        )
        unknown = manager_client.post(
            WAREHOUSES_URL,
            warehouse_payload(org, code="U", custom_fields={"colour": "red"}),
            format="json",
        )
        wrong = manager_client.post(
            WAREHOUSES_URL,
            warehouse_payload(org, code="W", custom_fields={"dock_doors": -1}),
            format="json",
        )

        assert valid.status_code == 201, valid.content
        assert Warehouse.objects.get(pk=valid.json()["id"]).custom_fields == {
            "dock_doors": 4,
            "climate": "chilled",
        }
        assert unknown.status_code == wrong.status_code == 400
        assert list(unknown.json()["custom_fields"]) == ["colour"]
        assert list(wrong.json()["custom_fields"]) == ["dock_doors"]
        assert not Warehouse.objects.filter(code__in=["U", "W"]).exists()

    def test_a_required_key_is_needed_even_when_left_out(self, manager_client, org, define):
        define("site_manager", field_type="text", required=True)

        response = manager_client.post(WAREHOUSES_URL, warehouse_payload(org), format="json")

        assert response.status_code == 400
        assert list(response.json()["custom_fields"]) == ["site_manager"]

    def test_the_organizations_definitions_apply(self, manager_client, org, other_org, define):
        define("grade", field_type="integer")
        define("grade", field_type="choice", choices=["gold"], organization=org)
        warehouse = WarehouseFactory(organization=org)

        own = manager_client.patch(
            warehouse_url(warehouse), {"custom_fields": {"grade": "gold"}}, format="json"
        )
        wrong = manager_client.patch(
            warehouse_url(warehouse), {"custom_fields": {"grade": 3}}, format="json"
        )

        assert own.status_code == 200, own.content
        assert wrong.status_code == 400


# ------------------------------------------------------------------------- deleting
class TestDeleting:
    def test_a_warehouse_with_locations_is_409_and_nothing_is_deleted(self, manager_client, org):
        warehouse = WarehouseFactory(organization=org)
        zone = StockLocationFactory(warehouse=warehouse, name="Zone")
        StockLocationFactory(parent=zone)
        before = counts()

        response = manager_client.delete(warehouse_url(warehouse))

        assert response.status_code == 409
        body = response.json()
        assert body["code"] == "conflict"
        assert "cannot be deleted" in body["detail"]
        assert "2 stock locations" in body["detail"].lower()
        assert counts() == before

    def test_an_organization_with_a_warehouse_is_409(self, jwt_client, superuser, org):
        WarehouseFactory(organization=org)

        response = jwt_client(superuser).delete(f"/api/v1/organizations/{org.pk}/")

        assert response.status_code == 409
        assert "1 warehouse" in response.json()["detail"].lower()
        assert Organization.objects.filter(pk=org.pk).exists()


# ------------------------------------------------------------------- organizations
class TestMovingToAnotherOrganization:
    @pytest.fixture
    def both(self, manager, other_org, inventory_role, member):
        member(other_org, inventory_role, user=manager)
        return manager

    def test_an_empty_warehouse_moves(self, jwt_client, both, org, other_org):
        warehouse = WarehouseFactory(organization=org, code="MOVE")

        response = jwt_client(both).patch(
            warehouse_url(warehouse), {"organization": other_org.pk}, format="json"
        )

        assert response.status_code == 200, response.content
        warehouse.refresh_from_db()
        assert warehouse.organization == other_org

    def test_a_warehouse_with_locations_stays(self, jwt_client, both, org, other_org):
        location = StockLocationFactory(organization=org)

        response = jwt_client(both).patch(
            warehouse_url(location.warehouse), {"organization": other_org.pk}, format="json"
        )

        assert response.status_code == 400
        assert "organization" in response.json()
        location.warehouse.refresh_from_db()
        assert location.warehouse.organization == org

    def test_the_code_must_be_free_in_the_new_organization(self, jwt_client, both, org, other_org):
        WarehouseFactory(organization=other_org, code="MAIN")
        warehouse = WarehouseFactory(organization=org, code="main")

        response = jwt_client(both).patch(
            warehouse_url(warehouse), {"organization": other_org.pk}, format="json"
        )

        assert response.status_code == 400
        assert "code" in response.json()


# ---------------------------------------------------------------------- permissions
class TestPermissions:
    def role_client(self, jwt_client, member, org, *verbs):
        role = RoleFactory(permissions=model_permissions(Warehouse, "view", *verbs))
        return jwt_client(member(org, role))

    def test_without_add_a_create_is_403(self, jwt_client, member, org):
        client = self.role_client(jwt_client, member, org, "change", "delete")

        response = client.post(WAREHOUSES_URL, warehouse_payload(org), format="json")

        assert response.status_code == 403
        assert not Warehouse.objects.exists()

    def test_add_in_another_organization_only_is_403_here(
        self, jwt_client, member, org, inventory_role, viewer_role
    ):
        # May add in `elsewhere`, may only view in `org`.
        user = member(OrganizationFactory(name="Elsewhere"), inventory_role)
        member(org, viewer_role, user=user)

        response = jwt_client(user).post(WAREHOUSES_URL, warehouse_payload(org), format="json")

        assert response.status_code == 403
        assert "Acme" in response.json()["detail"]
        assert not Warehouse.objects.exists()

    def test_without_change_an_update_is_403(self, jwt_client, member, org):
        warehouse = WarehouseFactory(organization=org, name="Kept")
        client = self.role_client(jwt_client, member, org, "add", "delete")

        response = client.patch(warehouse_url(warehouse), {"name": "X"}, format="json")

        assert response.status_code == 403
        warehouse.refresh_from_db()
        assert warehouse.name == "Kept"

    def test_without_delete_a_delete_is_403(self, jwt_client, member, org):
        warehouse = WarehouseFactory(organization=org)
        client = self.role_client(jwt_client, member, org, "add", "change")

        assert client.delete(warehouse_url(warehouse)).status_code == 403
        assert Warehouse.objects.filter(pk=warehouse.pk).exists()


class TestFieldPermissions:
    @pytest.fixture
    def rule(self, inventory_role):
        def make(field, **access):
            return FieldPermission.objects.create(
                role=inventory_role,
                content_type=ContentType.objects.get_for_model(Warehouse),
                field_name=field,
                **access,
            )

        return make

    def test_a_hidden_address_is_left_out_and_not_writable(self, manager_client, org, rule):
        rule("address", can_read=False, can_write=False)
        warehouse = WarehouseFactory(organization=org)

        body = manager_client.get(warehouse_url(warehouse)).json()
        assert "address" not in body
        listed = manager_client.get(WAREHOUSES_URL).json()["results"]
        assert all("address" not in row for row in listed)

        response = manager_client.patch(
            warehouse_url(warehouse), {"address": {"city": "Hidden"}}, format="json"
        )
        assert response.status_code == 403
        assert response.json()["fields"] == ["address"]
        warehouse.address.refresh_from_db()
        assert warehouse.address.city != "Hidden"

    def test_a_read_only_field_cannot_be_set_on_create(self, manager_client, org, rule):
        rule("tags", can_read=True, can_write=False)
        payload = warehouse_payload(org, tags=["cold"])

        response = manager_client.post(WAREHOUSES_URL, payload, format="json")

        assert response.status_code == 403
        assert response.json()["fields"] == ["tags"]
        assert not Warehouse.objects.exists()
        # Without the field it is fine.
        del payload["tags"]
        assert manager_client.post(WAREHOUSES_URL, payload, format="json").status_code == 201

    def test_a_put_of_the_representation_passes_a_read_only_field(self, manager_client, org, rule):
        rule("warehouse_type", can_read=True, can_write=False)
        warehouse = WarehouseFactory(organization=org)
        body = copy.deepcopy(manager_client.get(warehouse_url(warehouse)).json())

        response = manager_client.put(
            warehouse_url(warehouse), {**body, "name": "Renamed"}, format="json"
        )

        assert response.status_code == 200, response.content
        warehouse.refresh_from_db()
        assert warehouse.name == "Renamed"
