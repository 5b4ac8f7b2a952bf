"""The OpenAPI schema documents every inventory endpoint, tagged "inventory", with its
request and response bodies."""

import json

import pytest

pytestmark = pytest.mark.django_db

OPERATIONS = {
    ("/api/v1/warehouses/", "get"),
    ("/api/v1/warehouses/", "post"),
    ("/api/v1/warehouses/{id}/", "get"),
    ("/api/v1/warehouses/{id}/", "put"),
    ("/api/v1/warehouses/{id}/", "patch"),
    ("/api/v1/warehouses/{id}/", "delete"),
    ("/api/v1/warehouses/{id}/history/", "get"),
    ("/api/v1/warehouses/{warehouse_pk}/stock-locations/", "get"),
    ("/api/v1/warehouses/{warehouse_pk}/stock-locations/", "post"),
    ("/api/v1/stock-locations/", "get"),
    ("/api/v1/stock-locations/", "post"),
    ("/api/v1/stock-locations/{id}/", "get"),
    ("/api/v1/stock-locations/{id}/", "put"),
    ("/api/v1/stock-locations/{id}/", "patch"),
    ("/api/v1/stock-locations/{id}/", "delete"),
    ("/api/v1/stock-locations/{id}/history/", "get"),
    ("/api/v1/stock-locations/{id}/descendants/", "get"),
    ("/api/v1/stock-locations/{id}/ancestors/", "get"),
    ("/api/v1/stock-locations/{id}/children/", "get"),
    ("/api/v1/stock-locations/{id}/move/", "post"),
    # Exports of both lists and imports of warehouses (data_jobs; stock locations are a
    # tree, placed one by one).
    ("/api/v1/warehouses/export/", "post"),
    ("/api/v1/warehouses/import/", "post"),
    ("/api/v1/stock-locations/export/", "post"),
}


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from rest_framework.test import APIClient

    with django_db_blocker.unblock():
        response = APIClient().get("/api/schema/?format=json")
    assert response.status_code == 200
    return json.loads(response.content)


def operation(schema, path, method):
    return schema["paths"][path][method]


def component(schema, ref):
    return schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]


def body_schema(content):
    return content["application/json"]["schema"]


def test_every_endpoint_is_documented_and_tagged_inventory(schema):
    documented = {
        (path, method)
        for path, operations in schema["paths"].items()
        for method in operations
        if path.startswith(("/api/v1/warehouses/", "/api/v1/stock-locations/"))
        # Their comments are the comments' (tagged so): api/v1/features/collaboration.
        and not path.endswith("/comments/")
    }
    assert documented == OPERATIONS
    for path, method in OPERATIONS:
        assert operation(schema, path, method)["tags"] == ["inventory"], (path, method)


def test_warehouse_bodies(schema):
    create = operation(schema, "/api/v1/warehouses/", "post")
    request = component(schema, body_schema(create["requestBody"]["content"])["$ref"])
    assert set(request["required"]) == {"organization", "name", "code", "warehouse_type"}
    assert "id" not in request["properties"]
    address = request["properties"]["address"]
    assert address["nullable"] is True
    assert address["allOf"][0]["$ref"].endswith("/AddressRequest")
    assert request["properties"]["tags"]["type"] == "array"

    response = component(schema, body_schema(create["responses"]["201"]["content"])["$ref"])
    assert {"id", "organization_name", "address", "tags", "created_at"} <= set(
        response["properties"]
    )
    listed = operation(schema, "/api/v1/warehouses/", "get")
    parameters = {parameter["name"] for parameter in listed["parameters"]}
    assert {
        "warehouse_type",
        "is_active",
        "tags",
        "tags_all",
        "country",
        "city",
        "search",
        "ordering",
        "page",
        "page_size",
    } <= parameters


def test_stock_location_bodies(schema):
    create = operation(schema, "/api/v1/stock-locations/", "post")
    request = component(schema, body_schema(create["requestBody"]["content"])["$ref"])
    assert set(request["required"]) == {"warehouse", "name"}
    assert "organization" not in request["properties"]
    assert request["properties"]["warehouse"]["type"] == "integer"
    assert request["properties"]["parent"]["nullable"] is True

    nested = operation(schema, "/api/v1/warehouses/{warehouse_pk}/stock-locations/", "post")
    nested_request = component(schema, body_schema(nested["requestBody"]["content"])["$ref"])
    assert nested_request.get("required") == ["name"]
    assert "warehouse" not in nested_request["properties"]
    path_parameters = {p["name"]: p for p in nested["parameters"] if p["in"] == "path"}
    assert path_parameters["warehouse_pk"]["schema"]["type"] == "integer"

    listed = operation(schema, "/api/v1/stock-locations/", "get")
    parameters = {parameter["name"] for parameter in listed["parameters"]}
    assert {"warehouse", "parent", "location_type", "is_active", "is_root"} <= parameters


def test_hierarchy_actions(schema):
    move = operation(schema, "/api/v1/stock-locations/{id}/move/", "post")
    request = component(schema, body_schema(move["requestBody"]["content"])["$ref"])
    assert request["required"] == ["parent"]
    assert body_schema(move["responses"]["200"]["content"])["$ref"].endswith("/StockLocation")
    for action in ("descendants", "ancestors", "children"):
        listed = operation(schema, f"/api/v1/stock-locations/{{id}}/{action}/", "get")
        assert body_schema(listed["responses"]["200"]["content"])["$ref"].endswith(
            "/PaginatedStockLocationList"
        )
    history = operation(schema, "/api/v1/warehouses/{id}/history/", "get")
    assert body_schema(history["responses"]["200"]["content"])["$ref"].endswith(
        "/PaginatedAuditLogList"
    )
