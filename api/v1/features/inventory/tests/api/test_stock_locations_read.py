"""/api/v1/stock-locations/: lists, filters, search, the hierarchy actions, moving,
the nested route under a warehouse and its query counts (ordering, the plain list's
query counts and the history: the API contract, test_contract.py)."""

from unittest import mock

import pytest

from api.v1.base_models.organization.tests.factories import RoleFactory, model_permissions
from api.v1.features.inventory.models import StockLocation, Warehouse
from api.v1.features.inventory.tests.factories import StockLocationFactory, WarehouseFactory
from audit.tests.helpers import rows_of
from tests.contract import assert_constant_queries

from .helpers import (
    LOCATIONS_URL,
    counts,
    ids,
    location_url,
    nested_url,
    tree_state,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(org, other_org):
    """Warehouse B (code "B"): zone > (aisle-1 > (bin-1, bin-2), aisle-2); dock.
    Warehouse A (code "A"): receiving. Another organization: outsider."""
    warehouse_b = WarehouseFactory(organization=org, code="B", name="Second")
    warehouse_a = WarehouseFactory(organization=org, code="A", name="First")
    zone = StockLocationFactory(
        warehouse=warehouse_b, name="Zone", location_type="ZONE", barcode="Z-1"
    )
    aisle_1 = StockLocationFactory(parent=zone, name="Aisle 1", location_type="AISLE")
    aisle_2 = StockLocationFactory(
        parent=zone, name="Aisle 2", location_type="AISLE", is_active=False
    )
    bin_1 = StockLocationFactory(parent=aisle_1, name="Bin 1", location_type="BIN")
    bin_2 = StockLocationFactory(parent=aisle_1, name="Bin 2", location_type="BIN")
    dock = StockLocationFactory(warehouse=warehouse_b, name="Dock", location_type="DOCK")
    receiving = StockLocationFactory(
        warehouse=warehouse_a, name="Receiving", location_type="STAGING_AREA"
    )
    outsider = StockLocationFactory(organization=other_org, name="Zone", location_type="ZONE")
    found = {
        "warehouse_a": warehouse_a,
        "warehouse_b": warehouse_b,
        "zone": zone,
        "aisle_1": aisle_1,
        "aisle_2": aisle_2,
        "bin_1": bin_1,
        "bin_2": bin_2,
        "dock": dock,
        "receiving": receiving,
        "outsider": outsider,
    }
    for location in found.values():
        location.refresh_from_db()
    return found


def names(site, *keys):
    return [site[key].pk for key in keys]


class TestList:
    def test_by_warehouse_then_in_tree_order(self, manager_client, site):
        assert ids(manager_client.get(LOCATIONS_URL)) == names(
            site, "receiving", "dock", "zone", "aisle_1", "bin_1", "bin_2", "aisle_2"
        )

    def test_another_organizations_location_is_404(self, manager_client, site):
        outsider = site["outsider"]

        assert manager_client.get(location_url(outsider)).status_code == 404
        assert (
            manager_client.patch(location_url(outsider), {"name": "X"}, format="json").status_code
            == 404
        )
        assert manager_client.delete(location_url(outsider)).status_code == 404
        for action in ("descendants", "ancestors", "children"):
            assert manager_client.get(location_url(outsider, action)).status_code == 404
        response = manager_client.post(
            location_url(outsider, "move"), {"parent": None}, format="json"
        )
        assert response.status_code == 404


class TestFilters:
    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ({"location_type": "BIN"}, ["bin_1", "bin_2"]),
            ({"is_active": "false"}, ["aisle_2"]),
            ({"is_root": "true"}, ["receiving", "dock", "zone"]),
            ({"is_root": "false", "location_type": "AISLE"}, ["aisle_1", "aisle_2"]),
        ],
    )
    def test_filters(self, manager_client, site, query, expected):
        assert ids(manager_client.get(LOCATIONS_URL, query)) == names(site, *expected)

    def test_warehouse_and_parent(self, manager_client, site):
        by_warehouse = manager_client.get(LOCATIONS_URL, {"warehouse": site["warehouse_a"].pk})
        by_parent = manager_client.get(LOCATIONS_URL, {"parent": site["aisle_1"].pk})

        assert ids(by_warehouse) == names(site, "receiving")
        assert ids(by_parent) == names(site, "bin_1", "bin_2")

    def test_filters_do_not_reach_other_organizations(self, manager_client, site, other_org):
        outsider = site["outsider"]

        for query in (
            {"warehouse": outsider.warehouse_id},
            {"organization": other_org.pk},
            {"parent": outsider.pk},
            {"search": "Zone"},
        ):
            assert outsider.pk not in ids(manager_client.get(LOCATIONS_URL, query)), query

    @pytest.mark.parametrize(
        "query",
        [
            {"location_type": "CUPBOARD"},
            {"is_active": "perhaps"},
            {"is_root": "maybe"},
            {"warehouse": "main"},
            {"parent": "zone"},
        ],
    )
    def test_bad_filter_values_are_a_400(self, manager_client, site, query):
        response = manager_client.get(LOCATIONS_URL, query)

        assert response.status_code == 400
        assert next(iter(query)) in response.json()


class TestSearchAndOrdering:
    @pytest.mark.parametrize(
        ("term", "expected"),
        [
            ("bin", ["bin_1", "bin_2"]),
            ("Z-1", ["zone"]),  # barcode
            ("First", ["receiving"]),  # warehouse name
            ("nowhere", []),
        ],
    )
    def test_search(self, manager_client, site, term, expected):
        assert ids(manager_client.get(LOCATIONS_URL, {"search": term})) == names(site, *expected)

    def test_search_by_warehouse_code(self, manager_client, site):
        listed = ids(manager_client.get(LOCATIONS_URL, {"search": "A"}))
        assert site["receiving"].pk in listed


# --------------------------------------------------------------------- hierarchy
class TestHierarchyActions:
    def test_descendants_in_tree_order(self, manager_client, site):
        response = manager_client.get(location_url(site["zone"], "descendants"))

        assert ids(response) == names(site, "aisle_1", "bin_1", "bin_2", "aisle_2")
        assert ids(manager_client.get(location_url(site["bin_1"], "descendants"))) == []

    def test_ancestors_from_the_top(self, manager_client, site):
        response = manager_client.get(location_url(site["bin_2"], "ancestors"))

        assert ids(response) == names(site, "zone", "aisle_1")
        assert ids(manager_client.get(location_url(site["zone"], "ancestors"))) == []

    def test_children(self, manager_client, site):
        response = manager_client.get(location_url(site["zone"], "children"))

        assert ids(response) == names(site, "aisle_1", "aisle_2")

    def test_the_actions_are_paginated_and_filtered(self, manager_client, site):
        page = manager_client.get(location_url(site["zone"], "descendants"), {"page_size": 2})
        active = manager_client.get(
            location_url(site["zone"], "descendants"), {"is_active": "false"}
        )

        body = page.json()
        assert body["count"] == 4
        assert len(body["results"]) == 2
        assert body["next"] is not None
        assert ids(active) == names(site, "aisle_2")

    @pytest.mark.parametrize("action", ["descendants", "ancestors", "children", "move"])
    def test_a_malformed_id_is_404(self, manager_client, site, action):
        response = manager_client.generic(
            "POST" if action == "move" else "GET", f"{LOCATIONS_URL}abc/{action}/"
        )

        assert response.status_code == 404

    def test_the_rows_have_the_usual_shape(self, manager_client, site):
        row = manager_client.get(location_url(site["aisle_1"], "children")).json()["results"][0]

        assert row["name"] == "Bin 1"
        assert row["parent"] == site["aisle_1"].pk
        assert row["parent_name"] == "Aisle 1"
        assert row["warehouse_code"] == "B"
        assert row["level"] == 2


class TestMove:
    def move(self, client, location, parent):
        parent = getattr(parent, "pk", parent)
        return client.post(location_url(location, "move"), {"parent": parent}, format="json")

    def test_moving_re_parents_the_whole_subtree(self, manager_client, site):
        response = self.move(manager_client, site["aisle_1"], site["dock"])

        assert response.status_code == 200, response.content
        body = response.json()
        assert (body["parent"], body["parent_name"], body["level"]) == (site["dock"].pk, "Dock", 1)
        for key in ("aisle_1", "bin_1", "dock", "zone"):
            site[key].refresh_from_db()
        assert site["bin_1"].level == 2
        assert list(site["dock"].get_descendants()) == [
            site["aisle_1"],
            site["bin_1"],
            site["bin_2"],
        ]
        assert list(site["zone"].get_descendants()) == [site["aisle_2"]]

    def test_moving_to_the_top(self, manager_client, site):
        response = self.move(manager_client, site["bin_1"], None)

        assert response.status_code == 200, response.content
        site["bin_1"].refresh_from_db()
        assert (site["bin_1"].parent, site["bin_1"].level) == (None, 0)
        assert site["bin_1"].organization == site["zone"].organization

    def test_moving_to_the_current_parent_changes_nothing(self, manager_client, site):
        before = tree_state()

        response = self.move(manager_client, site["bin_1"], site["aisle_1"])

        assert response.status_code == 200
        assert tree_state() == before

    @pytest.mark.parametrize(
        ("location", "target"),
        [
            ("zone", "zone"),  # itself
            ("zone", "aisle_1"),  # a child
            ("zone", "bin_2"),  # a grandchild
            ("dock", "receiving"),  # another warehouse
            ("aisle_2", "outsider"),  # another organization: unknown
            ("aisle_2", 987654),  # unknown
        ],
    )
    def test_refused_moves_are_400_and_change_nothing(self, manager_client, site, location, target):
        before = tree_state()

        response = self.move(manager_client, site[location], site.get(target, target))

        assert response.status_code == 400
        assert list(response.json()) == ["parent"]
        assert tree_state() == before

    def test_a_name_clash_with_the_new_siblings_is_400(self, manager_client, site):
        StockLocationFactory(parent=site["dock"], name="Aisle 1")
        before = tree_state()

        response = self.move(manager_client, site["aisle_1"], site["dock"])

        assert response.status_code == 400
        assert "parent" in response.json()
        assert tree_state() == before

    def test_a_namesake_appearing_meanwhile_is_a_400_not_a_500(self, manager_client, site):
        StockLocationFactory(parent=site["dock"], name="Aisle 1")
        before = tree_state()

        with mock.patch("api.v1.features.inventory.views.name_taken", return_value=False):
            response = self.move(manager_client, site["aisle_1"], site["dock"])

        assert response.status_code == 400
        assert "parent" in response.json()
        assert tree_state() == before

    def test_a_superuser_moves_anything(self, superuser_client, site):
        response = self.move(superuser_client, site["bin_2"], site["aisle_2"])

        assert response.status_code == 200, response.content
        assert response.json()["parent"] == site["aisle_2"].pk

    def test_the_parent_is_required(self, manager_client, site):
        response = manager_client.post(location_url(site["bin_1"], "move"), {}, format="json")

        assert response.status_code == 400
        assert "parent" in response.json()

    def test_a_move_is_audited(self, jwt_client, member, site, org):
        role = RoleFactory(
            permissions=[*model_permissions(StockLocation), *model_permissions(Warehouse)]
        )
        user = member(org, role)

        response = self.move(jwt_client(user), site["bin_1"], site["aisle_2"])

        assert response.status_code == 200
        row = rows_of(site["bin_1"]).last()
        assert row.action_type == "UPDATE"
        assert row.changes == {"parent": {"old": site["aisle_1"].pk, "new": site["aisle_2"].pk}}
        assert (row.user_id, row.organization_id) == (user.pk, org.pk)


# --------------------------------------------------------------------------- nested
class TestNestedRoute:
    def test_lists_the_locations_of_the_warehouse(self, manager_client, site):
        response = manager_client.get(nested_url(site["warehouse_b"]))

        assert ids(response) == names(site, "dock", "zone", "aisle_1", "bin_1", "bin_2", "aisle_2")

    def test_filters_search_and_pagination_apply(self, manager_client, site):
        url = nested_url(site["warehouse_b"])

        assert ids(manager_client.get(url, {"location_type": "BIN"})) == names(
            site, "bin_1", "bin_2"
        )
        assert ids(manager_client.get(url, {"search": "Receiving"})) == []
        assert manager_client.get(url, {"page_size": 2}).json()["count"] == 6

    def test_another_organizations_warehouse_is_404(self, manager_client, site):
        url = nested_url(site["outsider"].warehouse)
        before = counts()

        assert manager_client.get(url).status_code == 404
        assert manager_client.post(url, {"name": "X"}, format="json").status_code == 404
        assert manager_client.get(nested_url(987654)).status_code == 404
        assert counts() == before

    def test_a_warehouse_the_role_cannot_see_is_404(self, jwt_client, member, org, site):
        user = member(org, RoleFactory(permissions=model_permissions(StockLocation)))

        assert jwt_client(user).get(nested_url(site["warehouse_a"])).status_code == 404

    def test_anonymous_is_401(self, api_client, site):
        assert api_client.get(nested_url(site["warehouse_a"])).status_code == 401

    def test_creates_in_the_warehouse_of_the_url(self, manager_client, site, org):
        response = manager_client.post(
            nested_url(site["warehouse_a"]),
            {"name": "Shelf", "parent": site["receiving"].pk, "warehouse": site["warehouse_b"].pk},
            format="json",
        )

        assert response.status_code == 201, response.content
        location = StockLocation.objects.get(pk=response.json()["id"])
        assert location.warehouse == site["warehouse_a"]
        assert location.organization == org
        assert response.json()["warehouse"] == site["warehouse_a"].pk

    def test_the_rules_apply_to_nested_creates(self, manager_client, site):
        before = counts()

        other_warehouse_parent = manager_client.post(
            nested_url(site["warehouse_a"]), {"name": "X", "parent": site["zone"].pk}, format="json"
        )
        duplicate = manager_client.post(
            nested_url(site["warehouse_a"]), {"name": "Receiving"}, format="json"
        )

        assert other_warehouse_parent.status_code == 400
        assert "parent" in other_warehouse_parent.json()
        assert duplicate.status_code == 400
        assert "name" in duplicate.json()
        assert counts() == before

    def test_a_nested_create_needs_the_add_permission(self, jwt_client, member, org, site):
        role = RoleFactory(
            permissions=model_permissions(Warehouse, "view")
            + model_permissions(StockLocation, "view", "change")
        )
        client = jwt_client(member(org, role))

        response = client.post(nested_url(site["warehouse_a"]), {"name": "X"}, format="json")

        assert response.status_code == 403


# ---------------------------------------------------------------------- queries
@pytest.mark.parametrize("who", ["superuser", "manager"])
@pytest.mark.parametrize("route", ["nested", "descendants"])
def test_lists_under_a_record_run_a_constant_number_of_queries(
    who, route, jwt_client, superuser, manager, org
):
    """The nested list and the tree actions (the plain list: the API contract)."""
    warehouse = WarehouseFactory(organization=org, code="BIG")
    zone = StockLocationFactory(warehouse=warehouse, name="Zone")
    url = {"nested": nested_url(warehouse), "descendants": location_url(zone, "descendants")}[route]

    def make_more(count):
        for n in range(count):
            StockLocationFactory(parent=zone, name=f"Bin {n:02d}")

    rows = assert_constant_queries(
        jwt_client({"superuser": superuser, "manager": manager}[who]),
        url,
        make_more,
        params={"is_root": "false"},
    )
    assert {(row["warehouse_code"], row["parent_name"]) for row in rows} == {("BIG", "Zone")}
