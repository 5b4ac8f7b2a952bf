"""/api/v1/warehouses/: lists, filters, search and the audit rows, beyond the API
contract (test_contract.py: ordering, query counts, history access)."""

import pytest

from api.v1.base_models.organization.tests.factories import (
    RoleFactory,
    model_permissions,
)
from api.v1.features.inventory.models import Warehouse
from api.v1.features.inventory.tests.factories import WarehouseFactory
from audit.tests.helpers import last_id, rows_of, since

from .helpers import WAREHOUSES_URL, address_payload, ids, warehouse_payload, warehouse_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def warehouses(org, other_org):
    rotterdam = WarehouseFactory(
        organization=org,
        name="Rotterdam DC",
        code="RTM",
        warehouse_type="DISTRIBUTION_CENTER",
        address__city="Rotterdam",
        address__country="NL",
        address__postal_code="3011",
        tags=["cold", "bonded"],
    )
    store = WarehouseFactory(
        organization=org,
        name="Berlin Store",
        code="BER",
        warehouse_type="RETAIL_STORE",
        address__city="Berlin",
        address__country="DE",
        tags=["cold"],
    )
    virtual = WarehouseFactory(
        organization=org,
        name="Dropship",
        code="VIRT",
        warehouse_type="VIRTUAL_DROPSHIP",
        address=None,
        is_active=False,
    )
    outsider = WarehouseFactory(
        organization=other_org,
        name="Rotterdam Outsider",
        code="RTM",
        warehouse_type="DISTRIBUTION_CENTER",
        address__city="Rotterdam",
        address__country="NL",
        tags=["cold"],
    )
    return {"rotterdam": rotterdam, "store": store, "virtual": virtual, "outsider": outsider}


class TestList:
    def test_the_callers_organizations_only_ordered_by_name(self, manager_client, warehouses):
        assert ids(manager_client.get(WAREHOUSES_URL)) == [
            warehouses["store"].pk,
            warehouses["virtual"].pk,
            warehouses["rotterdam"].pk,
        ]

    def test_a_row(self, manager_client, warehouses, org):
        row = manager_client.get(warehouse_url(warehouses["rotterdam"])).json()

        assert row["organization"] == org.pk
        assert row["organization_name"] == "Acme"
        assert (row["name"], row["code"], row["warehouse_type"]) == (
            "Rotterdam DC",
            "RTM",
            "DISTRIBUTION_CENTER",
        )
        assert row["address"]["city"] == "Rotterdam"
        assert row["address"]["postal_code"] == "3011"
        assert row["tags"] == ["bonded", "cold"]
        assert row["is_active"] is True


class TestFilters:
    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ({"warehouse_type": "RETAIL_STORE"}, ["store"]),
            ({"warehouse_type": "DISTRIBUTION_CENTER"}, ["rotterdam", "outsider"]),
            ({"is_active": "false"}, ["virtual"]),
            ({"is_active": "true"}, ["rotterdam", "store", "outsider"]),
            ({"tags": "cold"}, ["rotterdam", "store", "outsider"]),
            ({"tags": "BONDED,nothing"}, ["rotterdam"]),
            ({"tags_all": "cold,bonded"}, ["rotterdam"]),
            ({"tags_all": "cold,nothing"}, []),
            ({"country": "nl"}, ["rotterdam", "outsider"]),
            ({"city": "berlin"}, ["store"]),
            ({"city": "Rotter"}, []),  # whole names, not a substring
            ({"is_active": ""}, ["rotterdam", "store", "virtual", "outsider"]),
        ],
    )
    def test_filters(self, superuser_client, warehouses, query, expected):
        listed = ids(superuser_client.get(WAREHOUSES_URL, query))
        assert sorted(listed) == sorted(warehouses[name].pk for name in expected)

    def test_organization(self, superuser_client, warehouses, other_org):
        listed = ids(superuser_client.get(WAREHOUSES_URL, {"organization": other_org.pk}))
        assert listed == [warehouses["outsider"].pk]

    def test_filters_do_not_reach_other_organizations(self, manager_client, warehouses, other_org):
        assert ids(manager_client.get(WAREHOUSES_URL, {"organization": other_org.pk})) == []
        assert warehouses["outsider"].pk not in ids(
            manager_client.get(WAREHOUSES_URL, {"tags": "cold"})
        )

    @pytest.mark.parametrize(
        "query",
        [
            {"warehouse_type": "CASTLE"},
            {"is_active": "perhaps"},
            {"organization": "acme"},
            {"tags": ",".join(f"t{n}" for n in range(21))},
        ],
    )
    def test_bad_filter_values_are_a_400(self, manager_client, warehouses, query):
        response = manager_client.get(WAREHOUSES_URL, query)
        assert response.status_code == 400
        assert next(iter(query)) in response.json()


class TestSearch:
    @pytest.mark.parametrize(
        ("term", "expected"),
        [
            ("rotterdam", ["rotterdam"]),  # name and city
            ("BER", ["store"]),
            ("3011", ["rotterdam"]),  # postal code
            ("drop", ["virtual"]),
            ("nowhere", []),
        ],
    )
    def test_search(self, manager_client, warehouses, term, expected):
        listed = ids(manager_client.get(WAREHOUSES_URL, {"search": term}))
        assert sorted(listed) == sorted(warehouses[name].pk for name in expected)


# ---------------------------------------------------------------------------- audit
class TestAudit:
    @pytest.fixture
    def auditor_role(self, db):
        return RoleFactory(
            permissions=[*model_permissions(Warehouse), "audit.view_auditlog"],
        )

    def test_changes_are_recorded_with_their_values(self, jwt_client, member, auditor_role, org):
        user = member(org, auditor_role)
        client = jwt_client(user)
        marker = last_id()

        created = client.post(
            WAREHOUSES_URL,
            warehouse_payload(org, address=address_payload(), tags=["cold"]),
            format="json",
        )
        assert created.status_code == 201, created.content
        warehouse = Warehouse.objects.get(pk=created.json()["id"])
        changed = client.patch(
            warehouse_url(warehouse), {"name": "Renamed", "is_active": False}, format="json"
        )
        assert changed.status_code == 200

        rows = list(rows_of(warehouse))
        # One row per request: the create with its tags, then the change.
        assert [row.action_type for row in rows] == ["CREATE", "UPDATE"]
        assert rows[0].changes["code"] == {"old": None, "new": "MAIN"}
        assert rows[0].changes["address"] == {"old": None, "new": warehouse.address_id}
        assert rows[0].changes["tags"] == {"added": ["cold"]}
        assert rows[1].changes == {
            "name": {"old": "Main Warehouse", "new": "Renamed"},
            "is_active": {"old": True, "new": False},
        }
        assert {row.organization_id for row in rows} == {org.pk}
        assert {row.user_id for row in rows} == {user.pk}
        assert rows[1].request_id == changed["X-Request-ID"]
        # The address is recorded too, as its own object.
        assert since(marker).filter(content_type__model="address").count() == 1

        history = client.get(warehouse_url(warehouse, "history"))
        assert history.status_code == 200
        assert [row["action_type"] for row in history.json()["results"]] == ["UPDATE", "CREATE"]

        assert client.delete(warehouse_url(warehouse)).status_code == 204
        assert rows_of(warehouse).last().action_type == "DELETE"
        history = client.get(warehouse_url(warehouse, "history"))
        assert history.json()["results"][0]["action_type"] == "DELETE"
