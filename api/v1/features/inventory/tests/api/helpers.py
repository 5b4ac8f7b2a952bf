"""URLs, payloads and small helpers of the inventory API tests."""

from django.urls import reverse

from api.v1.base_models.common.models import Address
from api.v1.features.inventory.models import StockLocation, Warehouse

WAREHOUSES_URL = reverse("api-v1:warehouse-list")
LOCATIONS_URL = reverse("api-v1:stock-location-list")


def warehouse_url(warehouse, action=None) -> str:
    pk = getattr(warehouse, "pk", warehouse)
    if action is None:
        return reverse("api-v1:warehouse-detail", args=[pk])
    return reverse(f"api-v1:warehouse-{action}", args=[pk])


def location_url(location, action=None) -> str:
    pk = getattr(location, "pk", location)
    if action is None:
        return reverse("api-v1:stock-location-detail", args=[pk])
    return reverse(f"api-v1:stock-location-{action}", args=[pk])


def nested_url(warehouse) -> str:
    pk = getattr(warehouse, "pk", warehouse)
    return reverse("api-v1:warehouse-stock-location-list", args=[pk])


def address_payload(**fields) -> dict:
    return {
        "street_address_1": "1 Dock Road",
        "city": "Rotterdam",
        "state_province": "South Holland",
        "postal_code": "3011",
        "country": "NL",
        **fields,
    }


def warehouse_payload(organization, **fields) -> dict:
    return {
        "organization": getattr(organization, "pk", organization),
        "name": "Main Warehouse",
        "code": "MAIN",
        "warehouse_type": "DISTRIBUTION_CENTER",
        **fields,
    }


def location_payload(warehouse, **fields) -> dict:
    return {"warehouse": getattr(warehouse, "pk", warehouse), "name": "Aisle A", **fields}


def counts() -> dict[str, int]:
    """Rows of every table a warehouse or location write touches."""
    return {model.__name__: model.objects.count() for model in (Warehouse, StockLocation, Address)}


def ids(response) -> list:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def tree_state():
    """Every location's place in its tree."""
    return sorted(
        StockLocation.objects.values_list(
            "pk", "warehouse_id", "parent_id", "tree_id", "lft", "rght", "level"
        )
    )
