"""The Django Admin of warehouses and stock locations: pages, validation, the draggable
tree, and organization scoping for staff whose only rights are their role."""

import pytest
from django.urls import reverse

from api.v1.base_models.common.models import Address
from api.v1.base_models.common.tests.factories import AddressFactory
from api.v1.base_models.organization.models import Organization
from api.v1.base_models.organization.tests.factories import (
    OrganizationMembershipFactory,
    RoleFactory,
    model_permissions,
)
from api.v1.base_models.user.tests.factories import UserFactory
from api.v1.features.inventory.models import StockLocation, Warehouse
from api.v1.features.inventory.tests.factories import StockLocationFactory, WarehouseFactory

from ..conftest import INVENTORY_PERMS

pytestmark = pytest.mark.django_db


def url(model, view, *args):
    return reverse(f"admin:inventory_{model._meta.model_name}_{view}", args=args)


def changelist(response):
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def form_errors(response):
    return dict(response.context["adminform"].form.errors)


def warehouse_form(organization, **fields):
    return {
        "organization": str(organization.pk),
        "code": "MAIN",
        "name": "Main",
        "warehouse_type": "DISTRIBUTION_CENTER",
        "is_active": "on",
        "address": "",
        "tags": "",
        "custom_fields": "{}",
        **fields,
    }


def location_form(warehouse=None, **fields):
    data = {
        "parent": "",
        "name": "Zone A",
        "barcode": "",
        "location_type": "ZONE",
        "is_active": "on",
        "custom_fields": "{}",
        **fields,
    }
    if warehouse is not None:
        data["warehouse"] = str(warehouse.pk)
    return data


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def warehouse(org):
    return WarehouseFactory(organization=org, code="WH1", name="Main")


# ------------------------------------------------------------------- warehouses
class TestWarehouseAdmin:
    def test_changelist_and_search(self, admin_client, warehouse, other_org):
        other = WarehouseFactory(organization=other_org, code="WH2", address__city="Lyon")

        assert set(changelist(admin_client.get(url(Warehouse, "changelist")))) == {
            warehouse,
            other,
        }
        assert changelist(admin_client.get(url(Warehouse, "changelist"), {"q": "lyon"})) == [other]

    def test_add_with_tags_and_an_unattached_address(self, admin_client, superuser, org):
        address = AddressFactory()
        assert admin_client.get(url(Warehouse, "add")).status_code == 200

        response = admin_client.post(
            url(Warehouse, "add"),
            warehouse_form(org, address=str(address.pk), tags="cold, bonded"),
        )

        assert response.status_code == 302, form_errors(response)
        created = Warehouse.objects.get(code="MAIN")
        assert created.address == address
        assert sorted(created.tags.names()) == ["bonded", "cold"]
        assert created.created_by == superuser

    def test_the_form_refuses_a_taken_code_and_another_records_address(
        self, admin_client, warehouse, org
    ):
        response = admin_client.post(
            url(Warehouse, "add"),
            warehouse_form(org, code="wh1", address=str(warehouse.address_id)),
        )

        assert response.status_code == 200
        assert {"code", "address"} <= set(form_errors(response))
        assert Warehouse.objects.count() == 1

    def test_change_page_keeps_the_current_address_and_shows_audit_fields(
        self, admin_client, warehouse, org
    ):
        page = admin_client.get(url(Warehouse, "change", warehouse.pk))
        assert page.status_code == 200
        assert "created_by" not in page.context["adminform"].form.fields

        response = admin_client.post(
            url(Warehouse, "change", warehouse.pk),
            warehouse_form(org, code="WH1", name="Renamed", address=str(warehouse.address_id)),
        )

        assert response.status_code == 302, form_errors(response)
        warehouse.refresh_from_db()
        assert warehouse.name == "Renamed"

    def test_replacing_the_address_discards_the_old_one(self, admin_client, warehouse, org):
        old, new = warehouse.address_id, AddressFactory()

        response = admin_client.post(
            url(Warehouse, "change", warehouse.pk),
            warehouse_form(org, code="WH1", address=str(new.pk)),
        )

        assert response.status_code == 302, form_errors(response)
        warehouse.refresh_from_db()
        assert warehouse.address == new
        assert not Address.objects.filter(pk=old).exists()

    def test_a_warehouse_with_locations_cannot_be_deleted(self, admin_client, warehouse):
        StockLocationFactory(warehouse=warehouse)

        page = admin_client.get(url(Warehouse, "delete", warehouse.pk))
        assert page.status_code == 200
        assert page.context["protected"]
        response = admin_client.post(url(Warehouse, "delete", warehouse.pk), {"post": "yes"})

        assert response.status_code == 200
        assert Warehouse.objects.filter(pk=warehouse.pk).exists()

    def test_moving_a_warehouse_with_locations_is_a_form_error(
        self, admin_client, warehouse, other_org
    ):
        StockLocationFactory(warehouse=warehouse)

        response = admin_client.post(
            url(Warehouse, "change", warehouse.pk),
            warehouse_form(other_org, code="WH1", address=str(warehouse.address_id)),
        )

        assert response.status_code == 200
        assert "organization" in form_errors(response)


# -------------------------------------------------------------- stock locations
class TestStockLocationAdmin:
    def test_changelist_is_the_draggable_tree(self, admin_client, warehouse):
        zone = StockLocationFactory(warehouse=warehouse, name="Zone")
        aisle = StockLocationFactory(parent=zone, name="Aisle")

        response = admin_client.get(url(StockLocation, "changelist"))

        assert changelist(response) == [zone, aisle]
        content = response.content.decode()
        assert "draggable-admin" in content
        assert "tree-node" in content
        assert 'text-indent:20px">Aisle<' in content

    def test_add_takes_the_warehouses_organization(self, admin_client, superuser, warehouse, org):
        assert admin_client.get(url(StockLocation, "add")).status_code == 200

        response = admin_client.post(url(StockLocation, "add"), location_form(warehouse))

        assert response.status_code == 302, form_errors(response)
        location = StockLocation.objects.get(name="Zone A")
        assert (location.warehouse, location.organization) == (warehouse, org)
        assert location.created_by == superuser

    def test_the_parent_must_be_in_the_same_warehouse(self, admin_client, warehouse, org):
        elsewhere = StockLocationFactory(organization=org)

        response = admin_client.post(
            url(StockLocation, "add"), location_form(warehouse, parent=str(elsewhere.pk))
        )

        assert response.status_code == 200
        assert "parent" in form_errors(response)
        assert not StockLocation.objects.filter(warehouse=warehouse).exists()

    def test_names_and_barcodes_are_checked(self, admin_client, warehouse):
        StockLocationFactory(warehouse=warehouse, name="Zone A", barcode="BC")

        response = admin_client.post(
            url(StockLocation, "add"), location_form(warehouse, barcode="BC")
        )

        assert response.status_code == 200
        assert {"name", "barcode"} <= set(form_errors(response))

    def test_the_warehouse_is_read_only_on_change_and_names_still_checked(
        self, admin_client, warehouse
    ):
        StockLocationFactory(warehouse=warehouse, name="Taken")
        location = StockLocationFactory(warehouse=warehouse, name="Zone A")

        page = admin_client.get(url(StockLocation, "change", location.pk))
        assert page.status_code == 200
        assert "warehouse" not in page.context["adminform"].form.fields

        clash = admin_client.post(
            url(StockLocation, "change", location.pk), location_form(name="Taken")
        )
        assert clash.status_code == 200
        assert "name" in form_errors(clash)

        other = WarehouseFactory(organization=warehouse.organization)
        response = admin_client.post(
            url(StockLocation, "change", location.pk),
            location_form(other, name="Renamed"),
        )
        assert response.status_code == 302, form_errors(response)
        location.refresh_from_db()
        assert (location.name, location.warehouse) == ("Renamed", warehouse)

    def test_a_parent_under_the_location_is_refused(self, admin_client, warehouse):
        zone = StockLocationFactory(warehouse=warehouse, name="Zone")
        aisle = StockLocationFactory(parent=zone, name="Aisle")

        response = admin_client.post(
            url(StockLocation, "change", zone.pk), location_form(name="Zone", parent=str(aisle.pk))
        )

        assert response.status_code == 200
        assert "parent" in form_errors(response)

    def drag(self, client, item, target, position="last-child"):
        return client.post(
            url(StockLocation, "changelist"),
            {"cmd": "move_node", "cut_item": item.pk, "pasted_on": target.pk, "position": position},
        )

    def test_dragging_within_the_warehouse_moves(self, admin_client, warehouse):
        zone = StockLocationFactory(warehouse=warehouse, name="Zone")
        dock = StockLocationFactory(warehouse=warehouse, name="Dock")

        response = self.drag(admin_client, dock, zone)

        assert response.content.startswith(b"OK")
        dock.refresh_from_db()
        assert (dock.parent, dock.level) == (zone, 1)

    def test_dragging_into_another_warehouse_is_refused(self, admin_client, warehouse, org):
        zone = StockLocationFactory(warehouse=warehouse, name="Zone")
        elsewhere = StockLocationFactory(organization=org, name="Elsewhere")

        response = self.drag(admin_client, zone, elsewhere)

        assert response.content == b"FAIL, invalid move."
        zone.refresh_from_db()
        assert (zone.parent, zone.warehouse) == (None, warehouse)

    def test_dragging_next_to_a_root_of_another_warehouse_makes_a_root(
        self, admin_client, warehouse, org
    ):
        zone = StockLocationFactory(warehouse=warehouse, name="Zone")
        aisle = StockLocationFactory(parent=zone, name="Aisle")
        elsewhere = StockLocationFactory(organization=org, name="Elsewhere")

        response = self.drag(admin_client, aisle, elsewhere, "right")

        assert response.content.startswith(b"OK")
        aisle.refresh_from_db()
        assert (aisle.parent, aisle.warehouse) == (None, warehouse)

    def test_dragging_next_to_a_namesake_is_refused(self, admin_client, warehouse):
        zone = StockLocationFactory(warehouse=warehouse, name="Zone")
        StockLocationFactory(parent=zone, name="Aisle")
        loose = StockLocationFactory(warehouse=warehouse, name="Aisle")

        response = self.drag(admin_client, loose, zone)

        assert response.content == b"FAIL, invalid move."
        loose.refresh_from_db()
        assert loose.parent is None

    def test_dragging_unknown_nodes_is_left_to_django_mptt(self, admin_client, warehouse):
        zone = StockLocationFactory(warehouse=warehouse)
        response = admin_client.post(
            url(StockLocation, "changelist"),
            {"cmd": "move_node", "cut_item": zone.pk, "pasted_on": "x", "position": "left"},
        )

        assert response.content.startswith(b"FAIL")

    def test_a_location_with_children_cannot_be_deleted(self, admin_client, warehouse):
        zone = StockLocationFactory(warehouse=warehouse, name="Zone")
        StockLocationFactory(parent=zone, name="Aisle")

        response = admin_client.post(url(StockLocation, "delete", zone.pk), {"post": "yes"})

        assert response.status_code == 200
        assert response.context["protected"]
        assert StockLocation.objects.filter(pk=zone.pk).exists()

    def test_deleting_selected_protected_locations_deletes_nothing(self, admin_client, warehouse):
        zone = StockLocationFactory(warehouse=warehouse, name="Zone")
        aisle = StockLocationFactory(parent=zone, name="Aisle")
        loose = StockLocationFactory(warehouse=warehouse, name="Loose")

        response = admin_client.post(
            url(StockLocation, "changelist"),
            {
                "action": "delete_selected",
                "_selected_action": [loose.pk, zone.pk],
                "post": "yes",
            },
        )

        assert response.status_code == 302
        assert set(StockLocation.objects.all()) == {zone, aisle, loose}

    def test_deleting_selected_leaves(self, admin_client, warehouse):
        zone = StockLocationFactory(warehouse=warehouse, name="Zone")
        aisle = StockLocationFactory(parent=zone, name="Aisle")

        response = admin_client.post(
            url(StockLocation, "changelist"),
            {"action": "delete_selected", "_selected_action": [aisle.pk], "post": "yes"},
        )

        assert response.status_code == 302
        assert list(StockLocation.objects.all()) == [zone]


# --------------------------------------------------- staff with an organization role
@pytest.fixture
def staff(org):
    """Staff without any global permission; every inventory permission in `org`."""
    user = UserFactory(username="staff", is_staff=True)
    OrganizationMembershipFactory(
        user=user, organization=org, role=RoleFactory(permissions=INVENTORY_PERMS)
    )
    return user


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


class TestOrganizationStaff:
    def test_the_index_shows_the_inventory_models(self, staff_client):
        response = staff_client.get(reverse("admin:index"))

        models = {
            model["object_name"] for app in response.context["app_list"] for model in app["models"]
        }
        assert {"Warehouse", "StockLocation"} <= models

    def test_sees_only_their_organizations_records(self, staff_client, warehouse, other_org):
        theirs = WarehouseFactory(organization=other_org)
        mine = StockLocationFactory(warehouse=warehouse)
        StockLocationFactory(warehouse=theirs)

        assert changelist(staff_client.get(url(Warehouse, "changelist"))) == [warehouse]
        response = staff_client.get(url(StockLocation, "changelist"))
        assert changelist(response) == [mine]
        # The filters offer only what is listed.
        filter_titles = response.content.decode()
        assert other_org.name not in filter_titles
        assert theirs.name not in filter_titles

    @pytest.mark.parametrize("view", ["change", "delete", "history"])
    def test_another_organizations_pages_are_out_of_reach(self, staff_client, other_org, view):
        theirs = StockLocationFactory(organization=other_org)

        for model, obj in ((Warehouse, theirs.warehouse), (StockLocation, theirs)):
            response = staff_client.get(url(model, view, obj.pk))
            assert response.status_code == 302
            assert response["Location"] == reverse("admin:index")

    def test_warehouse_organization_choices_are_limited(self, staff_client, org, other_org):
        response = staff_client.post(url(Warehouse, "add"), warehouse_form(other_org))

        assert response.status_code == 200
        assert "organization" in form_errors(response)
        assert not Warehouse.objects.exists()
        assert staff_client.post(url(Warehouse, "add"), warehouse_form(org)).status_code == 302

    def test_location_warehouse_and_parent_choices_are_limited(
        self, staff_client, warehouse, other_org
    ):
        theirs = StockLocationFactory(organization=other_org)

        foreign_warehouse = staff_client.post(
            url(StockLocation, "add"), location_form(theirs.warehouse)
        )
        foreign_parent = staff_client.post(
            url(StockLocation, "add"), location_form(warehouse, parent=str(theirs.pk))
        )

        assert "warehouse" in form_errors(foreign_warehouse)
        assert "parent" in form_errors(foreign_parent)
        assert list(StockLocation.objects.all()) == [theirs]
        response = staff_client.post(url(StockLocation, "add"), location_form(warehouse))
        assert response.status_code == 302, form_errors(response)

    def test_autocomplete_offers_only_their_warehouses(self, staff_client, warehouse, other_org):
        WarehouseFactory(organization=other_org, name="Main elsewhere")

        response = staff_client.get(
            reverse("admin:autocomplete"),
            {
                "app_label": "inventory",
                "model_name": "stocklocation",
                "field_name": "warehouse",
                "term": "Main",
            },
        )

        assert response.status_code == 200
        assert [row["id"] for row in response.json()["results"]] == [str(warehouse.pk)]

    def test_dragging_onto_another_organizations_location_finds_nothing(
        self, staff_client, warehouse, other_org
    ):
        mine = StockLocationFactory(warehouse=warehouse)
        theirs = StockLocationFactory(organization=other_org)

        response = staff_client.post(
            url(StockLocation, "changelist"),
            {"cmd": "move_node", "cut_item": mine.pk, "pasted_on": theirs.pk, "position": "left"},
        )

        assert response.content.startswith(b"FAIL")
        mine.refresh_from_db()
        assert mine.parent is None

    def test_a_view_only_role_cannot_change(self, client, org, warehouse):
        user = UserFactory(is_staff=True)
        OrganizationMembershipFactory(
            user=user,
            organization=org,
            role=RoleFactory(
                permissions=model_permissions(Warehouse, "view")
                + model_permissions(StockLocation, "view")
            ),
        )
        client.force_login(user)
        location = StockLocationFactory(warehouse=warehouse, name="Kept")

        assert client.get(url(StockLocation, "changelist")).status_code == 200
        assert client.get(url(StockLocation, "add")).status_code == 403
        response = client.post(url(StockLocation, "change", location.pk), location_form(name="X"))
        assert response.status_code == 403
        location.refresh_from_db()
        assert location.name == "Kept"
        response = client.post(
            url(StockLocation, "changelist"),
            {
                "cmd": "move_node",
                "cut_item": location.pk,
                "pasted_on": location.pk,
                "position": "left",
            },
        )
        assert response.content.startswith(b"FAIL")

    def test_staff_without_any_role_is_refused(self, client, warehouse):
        client.force_login(UserFactory(is_staff=True))

        assert client.get(url(Warehouse, "changelist")).status_code == 403
        assert client.get(url(StockLocation, "changelist")).status_code == 403


def test_deleting_an_organization_with_a_warehouse_is_refused_in_the_admin(
    admin_client, warehouse, org
):
    response = admin_client.post(
        reverse("admin:organization_organization_delete", args=[org.pk]), {"post": "yes"}
    )

    assert response.status_code == 200
    assert Organization.objects.filter(pk=org.pk).exists()
