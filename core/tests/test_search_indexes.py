"""The indexes of the list searches (core 0003 and the apps' `search_indexes` migrations).

On PostgreSQL: pg_trgm is installed, every column a list's `search=` reaches on its own
table has a trigram GIN index on the expression Django's `icontains` compares
(`UPPER(col::text)`), and the plan of a search uses them (with sequential and plain index
scans disabled, a bitmap scan over those indexes is the only plan left: a condition no
index matches would fall back to a disabled plan). `custom_fields` has a GIN index that
containment uses. Without the right to create the extension, the migration logs and
succeeds, and the index migrations create no trigram index.

On SQLite: the migrations ran and created nothing; searching works as before."""

import importlib
import logging
import uuid

import pytest
from django.apps import apps
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.test.utils import CaptureQueriesContext

from api.v1.base_models.common.choices import CategoryType
from api.v1.base_models.common.tests.factories import CategoryFactory
from api.v1.base_models.contact.models import Contact
from api.v1.base_models.contact.views import ContactViewSet
from api.v1.base_models.organization.models import Organization
from api.v1.base_models.organization.views import OrganizationViewSet
from api.v1.features.inventory.models import StockLocation, Warehouse
from api.v1.features.inventory.views import StockLocationViewSet, WarehouseViewSet
from api.v1.features.products.models import Product
from api.v1.features.products.tests.factories import ProductFactory
from api.v1.features.products.views import ProductViewSet
from audit.views import AuditLogViewSet

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="trigram and jsonb GIN indexes: PostgreSQL only"
)

MIGRATIONS = [
    ("core", "0003_pg_trgm"),
    ("products", "0002_search_indexes"),
    ("contact", "0003_search_indexes"),
    ("inventory", "0002_search_indexes"),
    ("organization", "0004_search_indexes"),
    ("audit", "0006_search_indexes"),
]

# table -> the columns with a trigram index (`<table>_<column>_trgm`)
TRIGRAM = {
    "products_product": ["sku", "name", "description"],
    "contact_contact": ["first_name", "last_name", "title", "department", "notes"],
    "contact_contactemailaddress": ["email"],
    "inventory_warehouse": ["name", "code"],
    "inventory_stocklocation": ["name", "barcode"],
    "organization_organization": ["name", "code"],
    "audit_auditlog": ["object_repr", "user_repr", "object_id"],
}
# tables with a GIN index on custom_fields (`<table>_custom_fields_gin`)
CUSTOM_FIELDS = {
    "products_product": Product,
    "contact_contact": Contact,
    "inventory_warehouse": Warehouse,
    "inventory_stocklocation": StockLocation,
    "organization_organization": Organization,
}
# list endpoints -> (view, the table of its model)
VIEWS = {
    "products": (ProductViewSet, "products_product"),
    "contacts": (ContactViewSet, "contact_contact"),
    "warehouses": (WarehouseViewSet, "inventory_warehouse"),
    "stock-locations": (StockLocationViewSet, "inventory_stocklocation"),
    "organizations": (OrganizationViewSet, "organization_organization"),
    "audit-logs": (AuditLogViewSet, "audit_auditlog"),
}


def _index_definitions() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes")
        return dict(cursor.fetchall())


def _bitmap_only():
    """Only bitmap scans stay enabled (for the rest of the test's transaction)."""
    with connection.cursor() as cursor:
        for setting in ("enable_seqscan", "enable_indexscan", "enable_indexonlyscan"):
            cursor.execute(f"SET LOCAL {setting} = off")


def _explain(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


def _own_search_fields(view) -> list[str]:
    """The view's search fields on its model's own table."""
    return [field for field in view.search_fields if "__" not in field]


def _migration(label, name):
    """The module of migration `name` of the app labelled `label`."""
    return importlib.import_module(f"{apps.get_app_config(label).name}.migrations.{name}")


def _index_operation(label):
    """The SearchIndexes operation of the app's index migration."""
    (operation,) = _migration(label, dict(MIGRATIONS)[label]).Migration.operations
    return operation


class _SchemaEditor:
    """What the migrations' functions read of a schema editor."""

    connection = connection

    @staticmethod
    def execute(sql):
        with connection.cursor() as cursor:
            cursor.execute(sql)

    quote_name = staticmethod(connection.ops.quote_name)


# ------------------------------------------------------------------------- both databases
def test_the_migrations_ran():
    applied = MigrationRecorder(connection).applied_migrations()
    assert [item for item in MIGRATIONS if item not in applied] == []


def test_the_indexed_columns_are_those_the_lists_search():
    """A search field added on a list's own table needs its trigram index (a migration)."""
    for view, table in VIEWS.values():
        assert sorted(_own_search_fields(view)) == sorted(TRIGRAM[table]), view.__name__


def test_search_finds_products_by_their_columns_and_category(superuser_client):
    gadgets = CategoryFactory(name="Gadgets", category_type=CategoryType.PRODUCT)
    widget = ProductFactory(name="Blue Widget", sku="BW-1", description="", category=None)
    gizmo = ProductFactory(name="Gizmo", sku="GZ-1", description="A widget-like thing.")
    sprocket = ProductFactory(name="Sprocket", sku="SP-1", description="", category=gadgets)

    def found(term):
        response = superuser_client.get("/api/v1/products/", {"search": term})
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert found("WIDGET") == {widget.pk, gizmo.pk}
    assert found("gz-") == {gizmo.pk}
    assert found("gadg") == {sprocket.pk}


def test_search_through_a_to_many_relation_finds_a_record_once(superuser_client):
    from api.v1.base_models.contact.tests.factories import (
        ContactEmailAddressFactory,
        ContactFactory,
    )

    ada = ContactFactory(first_name="Ada", last_name="Lovelace", title="", notes="")
    ContactEmailAddressFactory(contact=ada, email="ada@engine.example")
    ContactEmailAddressFactory(contact=ada, email="countess@engine.example")
    grace = ContactFactory(first_name="Engine", last_name="Hopper", title="", notes="")
    ContactFactory(first_name="Other", last_name="Person", title="", notes="")

    response = superuser_client.get("/api/v1/contacts/", {"search": "engine"})
    assert response.status_code == 200, response.content
    assert sorted(row["id"] for row in response.json()["results"]) == [ada.pk, grace.pk]
    assert response.json()["count"] == 2
    # Every term must match (in any of the fields).
    response = superuser_client.get("/api/v1/contacts/", {"search": "engine lovelace"})
    assert [row["id"] for row in response.json()["results"]] == [ada.pk]


# --------------------------------------------------------------------------------- SQLite
@pytest.mark.skipif(connection.vendor != "sqlite", reason="what the migrations do on SQLite")
def test_on_sqlite_the_migrations_created_no_index():
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'index'")
        names = {name for (name,) in cursor.fetchall()}
    assert [name for name in names if name.endswith(("_trgm", "_custom_fields_gin"))] == []


# ----------------------------------------------------------------------------- PostgreSQL
@postgresql_only
def test_pg_trgm_is_installed():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        assert cursor.fetchone() == (1,)


@postgresql_only
@pytest.mark.parametrize(
    ("table", "column"),
    [(table, column) for table, columns in TRIGRAM.items() for column in columns],
)
def test_a_trigram_index_on_the_expression_of_icontains(table, column):
    definition = _index_definitions().get(f"{table}_{column}_trgm", "")
    assert f" ON public.{table} USING gin (upper(" in definition
    assert f"({column})::text) gin_trgm_ops)" in definition or (
        f"upper({column}) gin_trgm_ops)" in definition  # a text column: the cast is a no-op
    )


@postgresql_only
@pytest.mark.parametrize("table", CUSTOM_FIELDS)
def test_a_gin_index_on_custom_fields(table):
    definition = _index_definitions().get(f"{table}_custom_fields_gin", "")
    assert definition.endswith(f" ON public.{table} USING gin (custom_fields jsonb_path_ops)")


@postgresql_only
@pytest.mark.parametrize("endpoint", list(VIEWS))
def test_a_list_search_is_a_bitmap_scan_of_the_trigram_indexes(superuser_client, endpoint):
    """The SQL of a `search=` request: the columns of the list's own table through their
    trigram indexes, also where the search reaches related tables (category, e-mail
    addresses, address, warehouse), which core.filters.SearchFilter writes as
    `pk = ANY(ARRAY(...))` so that the OR does not span the join."""
    _view, table = VIEWS[endpoint]
    with CaptureQueriesContext(connection) as queries:
        response = superuser_client.get(f"/api/v1/{endpoint}/", {"search": "widget"})
    assert response.status_code == 200, response.content
    searches = [query["sql"] for query in queries if "LIKE UPPER(" in query["sql"]]
    assert searches
    _bitmap_only()
    for sql in searches:
        plan = _explain(sql)
        assert "BitmapOr" in plan, plan
        for column in TRIGRAM[table]:
            assert f"Bitmap Index Scan on {table}_{column}_trgm" in plan, plan


@postgresql_only
def test_contact_email_addresses_have_their_trigram_index():
    _bitmap_only()
    plan = Contact.objects.filter(email_addresses__email__icontains="widget").explain()
    assert "Bitmap Index Scan on contact_contactemailaddress_email_trgm" in plan, plan


@postgresql_only
@pytest.mark.parametrize(("table", "model"), CUSTOM_FIELDS.items())
def test_custom_fields_containment_uses_the_gin_index(table, model):
    _bitmap_only()
    plan = model.objects.filter(custom_fields__contains={"colour": "red", "size": 7}).explain()
    assert f"Bitmap Index Scan on {table}_custom_fields_gin" in plan, plan


@postgresql_only
@pytest.mark.parametrize(
    "condition",
    [
        {"field": "custom_fields__colour", "op": "eq", "value": "red"},
        {"field": "custom_fields__colour", "op": "in", "value": ["red", "blue"]},
        {"field": "custom_fields__fragile", "op": "eq", "value": True},
    ],
)
def test_a_filter_on_a_custom_field_text_uses_the_gin_index(superuser_client, condition):
    """`?filter=` equality on texts and true/false is JSON containment on PostgreSQL."""
    import json

    red = ProductFactory(custom_fields={"colour": "red", "fragile": True})
    ProductFactory(custom_fields={"colour": "green"})
    with CaptureQueriesContext(connection) as queries:
        response = superuser_client.get("/api/v1/products/", {"filter": json.dumps(condition)})
    assert response.status_code == 200, response.content
    assert [row["id"] for row in response.json()["results"]] == [red.pk]
    (sql,) = [query["sql"] for query in queries if "@>" in query["sql"] and "LIMIT" in query["sql"]]
    _bitmap_only()
    plan = _explain(sql)
    assert "Bitmap Index Scan on products_product_custom_fields_gin" in plan, plan


@postgresql_only
def test_without_the_right_to_create_pg_trgm_the_migrations_succeed_without_trigram_indexes(
    caplog,
):
    create_pg_trgm = _migration("core", "0003_pg_trgm").create_pg_trgm
    products = _index_operation("products")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user"
        )
        if not cursor.fetchone()[0]:
            pytest.skip("the test database's user may not create roles")
        # All in the test's transaction, rolled back after it (indexes included).
        cursor.execute("DROP EXTENSION pg_trgm CASCADE")
        role = f"search_indexes_{uuid.uuid4().hex[:12]}"
        cursor.execute(f"CREATE ROLE {role}")
        cursor.execute(f"SET LOCAL ROLE {role}")
    with caplog.at_level(logging.WARNING):
        create_pg_trgm(None, _SchemaEditor())
    assert "Could not create the pg_trgm extension" in caplog.text
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")  # The transaction is still usable.
        cursor.execute("SELECT count(*) FROM pg_extension WHERE extname = 'pg_trgm'")
        assert cursor.fetchone() == (0,)

    products.create(None, _SchemaEditor())
    indexes = _index_definitions()
    assert "products_product_name_trgm" not in indexes
    assert "products_product_custom_fields_gin" in indexes

    # Once an administrator may create it, running the migrations again creates both.
    create_pg_trgm(None, _SchemaEditor())
    products.create(None, _SchemaEditor())
    assert {f"products_product_{column}_trgm" for column in TRIGRAM["products_product"]} <= set(
        _index_definitions()
    )


@postgresql_only
@pytest.mark.parametrize("label", ["products", "contact", "inventory", "organization", "audit"])
def test_the_index_migrations_reverse_and_apply_again(label):
    operation = _index_operation(label)
    expected = set(operation.names())
    assert expected <= set(_index_definitions())
    operation.drop(None, _SchemaEditor())
    operation.drop(None, _SchemaEditor())  # IF EXISTS: again is harmless
    assert expected & set(_index_definitions()) == set()
    operation.create(None, _SchemaEditor())
    operation.create(None, _SchemaEditor())  # IF NOT EXISTS: again is harmless
    assert expected <= set(_index_definitions())
