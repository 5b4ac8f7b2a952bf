"""The catalog's examples (api.demo.apidocs.calls_catalog): they run on the demo data,
give every catalog operation an exchange, and leave the demo data as they found it."""

import pytest

from api.demo.apidocs.calls import LOGIN, PRODUCTS
from api.demo.apidocs.calls_catalog import CALLS
from api.demo.apidocs.capture import Scenario
from api.demo.apidocs.markdown import operation_of
from api.v1.base_models.common.models import Category
from api.v1.base_models.contact.models import Contact
from api.v1.features.inventory.models import StockLocation, Warehouse
from api.v1.features.products.models import Product

pytestmark = pytest.mark.django_db

CATALOG_OPERATIONS = {
    # reference data
    ("GET", "/api/v1/currencies/"),
    ("GET", "/api/v1/currencies/{code}/"),
    ("GET", "/api/v1/statuses/"),
    ("GET", "/api/v1/statuses/{slug}/"),
    ("GET", "/api/v1/uoms/"),
    ("GET", "/api/v1/uoms/{code}/"),
    ("GET", "/api/v1/tax-categories/"),
    ("GET", "/api/v1/tax-categories/{code}/"),
    ("GET", "/api/v1/tax-jurisdictions/"),
    ("GET", "/api/v1/tax-jurisdictions/{code}/"),
    ("GET", "/api/v1/tax-rates/"),
    ("GET", "/api/v1/tax-rates/{id}/"),
    # categories
    ("GET", "/api/v1/categories/"),
    ("POST", "/api/v1/categories/"),
    ("GET", "/api/v1/categories/{slug}/"),
    ("PUT", "/api/v1/categories/{slug}/"),
    ("PATCH", "/api/v1/categories/{slug}/"),
    ("DELETE", "/api/v1/categories/{slug}/"),
    ("GET", "/api/v1/categories/{slug}/history/"),
    ("GET", "/api/v1/categories/tree/{category_type}/"),
    # contacts
    ("GET", "/api/v1/contacts/"),
    ("POST", "/api/v1/contacts/"),
    ("GET", "/api/v1/contacts/{id}/"),
    ("PUT", "/api/v1/contacts/{id}/"),
    ("PATCH", "/api/v1/contacts/{id}/"),
    ("DELETE", "/api/v1/contacts/{id}/"),
    ("GET", "/api/v1/contacts/{id}/history/"),
    # warehouses
    ("GET", "/api/v1/warehouses/"),
    ("POST", "/api/v1/warehouses/"),
    ("GET", "/api/v1/warehouses/{id}/"),
    ("PUT", "/api/v1/warehouses/{id}/"),
    ("PATCH", "/api/v1/warehouses/{id}/"),
    ("DELETE", "/api/v1/warehouses/{id}/"),
    ("GET", "/api/v1/warehouses/{id}/history/"),
    ("GET", "/api/v1/warehouses/{warehouse_pk}/stock-locations/"),
    ("POST", "/api/v1/warehouses/{warehouse_pk}/stock-locations/"),
    # stock locations
    ("GET", "/api/v1/stock-locations/"),
    ("POST", "/api/v1/stock-locations/"),
    ("GET", "/api/v1/stock-locations/{id}/"),
    ("PUT", "/api/v1/stock-locations/{id}/"),
    ("PATCH", "/api/v1/stock-locations/{id}/"),
    ("DELETE", "/api/v1/stock-locations/{id}/"),
    ("GET", "/api/v1/stock-locations/{id}/ancestors/"),
    ("GET", "/api/v1/stock-locations/{id}/children/"),
    ("GET", "/api/v1/stock-locations/{id}/descendants/"),
    ("GET", "/api/v1/stock-locations/{id}/history/"),
    ("POST", "/api/v1/stock-locations/{id}/move/"),
    # products beyond calls.PRODUCTS
    ("PUT", "/api/v1/products/{id}/"),
    ("GET", "/api/v1/products/{id}/available-transitions/"),
    ("POST", "/api/v1/products/{id}/discontinue/"),
    ("POST", "/api/v1/products/{id}/reset-to-draft/"),
}

DEMO_MODELS = (Category, Contact, Warehouse, StockLocation, Product)


def _demo_records():
    return {
        model.__name__: sorted(model.objects.values_list("pk", flat=True)) for model in DEMO_MODELS
    }


def test_every_catalog_operation_is_in_the_schema(schema):
    missing = {
        (method, path)
        for method, path in CATALOG_OPERATIONS
        if method.lower() not in schema["paths"].get(path, {})
    }
    assert not missing


def test_every_catalog_operation_has_an_exchange(demo, schema):
    before = _demo_records()
    exchanges = Scenario().run([*LOGIN, *PRODUCTS, *CALLS])

    covered = {
        (each.call.method, operation_of(schema, each.call.method, each.path)) for each in exchanges
    }
    assert not CATALOG_OPERATIONS - covered
    # Each call of the catalog documents an operation of the schema.
    catalog = exchanges[-len(CALLS) :]
    assert all(operation_of(schema, each.call.method, each.path) for each in catalog)
    # What the catalog created it deleted; the demo data is as it was.
    assert _demo_records() == before


def test_the_catalog_chains_ids_and_reads_the_demo_data(demo):
    exchanges = {each.call.title: each for each in Scenario().run([*LOGIN, *PRODUCTS, *CALLS])}

    ancestors = exchanges["List the locations a location is in"].response["results"]
    assert [each["name"] for each in ancestors] == ["Zone A", "Aisle A1"]
    children = exchanges["List the sub-locations of a location"].response["results"]
    assert [each["name"] for each in children] == ["Aisle A1"]
    descendants = exchanges["List everything under a location"].response["results"]
    assert {each["name"] for each in descendants} == {"Aisle A1", "Bin A1-01", "Bin A1-02"}

    shop_floor = exchanges["Create a location in a warehouse"].response
    moved = exchanges["Move a location under another"].response
    assert moved["parent"] == shop_floor["id"]
    assert moved["name"] == "Shelf 1"

    transitions = exchanges["List the transitions you may run on a product"].response
    assert transitions["state"] == "draft"
    assert transitions["available_transitions"] == ["activate"]
    assert exchanges["Discontinue a product"].response["status"] == "discontinued"
    assert exchanges["Take a product back to draft"].response["status"] == "draft"

    contact = exchanges["Replace a contact (channels with an id are kept, the others added)"]
    emails = contact.response["email_addresses"]
    assert [each["email"] for each in emails] == ["margaret@example.com", "maggie@example.org"]
    assert emails[0]["id"] == contact.body["email_addresses"][0]["id"]
