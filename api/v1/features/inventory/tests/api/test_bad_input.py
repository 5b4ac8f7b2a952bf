"""Every inventory write endpoint, with malformed, mistyped and oversized bodies: always
a 4xx with a message, never a 500 and never a change."""

import json

import pytest

from api.v1.features.inventory.tests.factories import StockLocationFactory, WarehouseFactory

from .helpers import (
    LOCATIONS_URL,
    WAREHOUSES_URL,
    counts,
    location_url,
    nested_url,
    tree_state,
    warehouse_url,
)

pytestmark = pytest.mark.django_db

ENDPOINTS = [
    ("post", "warehouses"),
    ("put", "warehouse"),
    ("patch", "warehouse"),
    ("post", "locations"),
    ("put", "location"),
    ("patch", "location"),
    ("post", "move"),
    ("post", "nested"),
]


@pytest.fixture
def urls(org):
    location = StockLocationFactory(warehouse=WarehouseFactory(organization=org), name="Kept")
    return {
        "warehouses": WAREHOUSES_URL,
        "warehouse": warehouse_url(location.warehouse),
        "locations": LOCATIONS_URL,
        "location": location_url(location),
        "move": location_url(location, "move"),
        "nested": nested_url(location.warehouse),
    }


def state():
    return counts(), tree_state()


@pytest.mark.parametrize(("method", "name"), ENDPOINTS)
def test_malformed_json(manager_client, urls, method, name):
    before = state()

    response = getattr(manager_client, method)(
        urls[name], "{not json", content_type="application/json"
    )

    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]
    assert state() == before


@pytest.mark.parametrize(("method", "name"), ENDPOINTS)
@pytest.mark.parametrize("body", [[], ["a"], "text", 42, None])
def test_body_not_an_object(manager_client, urls, method, name, body):
    before = state()

    response = getattr(manager_client, method)(
        urls[name], json.dumps(body), content_type="application/json"
    )

    assert response.status_code == 400, response.content
    assert response.json()
    assert state() == before


@pytest.mark.parametrize(("method", "name"), ENDPOINTS)
def test_wrong_types_everywhere(manager_client, urls, method, name):
    body = {
        field: {"nested": ["object"]}
        for field in (
            "organization",
            "name",
            "code",
            "warehouse_type",
            "is_active",
            "warehouse",
            "parent",
            "barcode",
            "location_type",
            "tags",
        )
    }
    before = state()

    response = getattr(manager_client, method)(urls[name], body, format="json")

    assert response.status_code == 400, response.content
    assert state() == before


@pytest.mark.parametrize(("method", "name"), ENDPOINTS)
def test_oversized_body(manager_client, urls, method, name, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    before = state()

    response = getattr(manager_client, method)(urls[name], {"name": "x" * 20_000}, format="json")

    assert response.status_code == 413
    assert state() == before


@pytest.mark.parametrize(("method", "name"), ENDPOINTS)
def test_unsupported_content_type(manager_client, urls, method, name):
    response = getattr(manager_client, method)(urls[name], "<a/>", content_type="text/xml")

    assert response.status_code == 415
