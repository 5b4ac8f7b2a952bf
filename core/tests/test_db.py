"""core.db: `field__any` (one array parameter on PostgreSQL, `__in` elsewhere), the
PostgreSQL backend's timestamptz loader and the SQLite backend's cursor class."""

import datetime
import zoneinfo

import pytest
from django.db import connection
from django.db.models import Subquery
from django.db.models.functions import Lower
from django.test.utils import CaptureQueriesContext

from api.v1.base_models.common.tests.factories import CategoryFactory
from api.v1.features.products.models import Product
from api.v1.features.products.tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

POSTGRESQL = connection.vendor == "postgresql"


@pytest.fixture
def products():
    first, second = CategoryFactory.create_batch(2, category_type="PRODUCT")
    return [
        ProductFactory(sku="A-1", category=first),
        ProductFactory(sku="b-2", category=second),
        ProductFactory(sku="C-3", category=None),
    ]


def pks(queryset):
    return sorted(queryset.values_list("pk", flat=True))


@pytest.mark.parametrize(
    ("lookup", "values"),
    [
        ("pk", lambda ps: [ps[0].pk, ps[2].pk]),
        ("pk", lambda ps: {ps[0].pk, None}),
        ("pk", lambda ps: {ps[1].pk: "a dict's keys"}),
        ("pk", lambda ps: []),
        ("pk", lambda ps: [None]),
        ("sku", lambda ps: ["A-1", "C-3", "missing"]),
        ("category", lambda ps: [ps[0].category_id, ps[1].category_id]),
        ("category", lambda ps: [ps[0].category]),  # instances, as __in takes them
        ("category_id", lambda ps: (ps[1].category_id,)),
        ("pk", lambda ps: [str(ps[0].pk)]),  # prepared by the field, as __in does
    ],
)
def test_any_finds_what_in_finds(products, lookup, values):
    values = values(products)
    assert pks(Product.objects.filter(**{f"{lookup}__any": values})) == pks(
        Product.objects.filter(**{f"{lookup}__in": values})
    )


def test_any_of_an_annotation_and_of_a_subquery(products):
    lowered = Product.objects.annotate(key=Lower("sku"))
    assert pks(lowered.filter(key__any={"a-1", "b-2"})) == [products[0].pk, products[1].pk]
    subquery = Subquery(Product.objects.filter(sku="C-3").values("pk"))
    assert pks(Product.objects.filter(pk__any=subquery)) == [products[2].pk]


def test_any_is_one_array_parameter_on_postgresql(products):
    ids = [each.pk for each in products] + list(range(10**6, 10**6 + 500))
    with CaptureQueriesContext(connection) as queries:
        assert len(pks(Product.objects.filter(pk__any=ids))) == 3
        assert pks(Product.objects.filter(sku__any=["A-1"])) == [products[0].pk]
    (integers, texts) = (query["sql"] for query in queries.captured_queries)
    if POSTGRESQL:
        assert "= ANY('{" in integers
        assert "::bigint[]" in integers  # the primary key's type
        assert "= ANY(" in texts
        assert len(integers) < 8000  # not 503 placeholders with their values
    else:
        assert " IN (" in integers


@pytest.mark.skipif(not POSTGRESQL, reason="PostgreSQL's backend")
class TestTimestamptzLoader:
    VALUE = b"2026-03-29 01:30:00.123456+00"

    def loaders(self, zone):
        from django.db.backends.postgresql.psycopg_any import BaseTzLoader

        from core.db.postgresql.base import TIMESTAMPTZ, TimestamptzLoader

        connection.ensure_connection()
        ours = type("Ours", (TimestamptzLoader,), {"timezone": zone})
        djangos = type("Django", (BaseTzLoader,), {"timezone": zone})
        return (loader(TIMESTAMPTZ, connection.connection) for loader in (ours, djangos))

    @pytest.mark.parametrize(
        "zone", [datetime.UTC, None, zoneinfo.ZoneInfo("Europe/Paris")], ids=str
    )
    def test_it_loads_what_djangos_loader_loads(self, zone):
        ours, djangos = (loader.load(self.VALUE) for loader in self.loaders(zone))
        assert (ours.replace(tzinfo=None), ours.tzinfo) == (
            djangos.replace(tzinfo=None),
            djangos.tzinfo,
        )
        assert ours.tzinfo is zone

    def test_it_is_the_connections_and_reads_aware_values(self, products):
        from psycopg.pq import Format

        from core.db.postgresql.base import TIMESTAMPTZ, TimestamptzLoader

        connection.ensure_connection()
        loader = connection.connection.adapters.get_loader(TIMESTAMPTZ, Format.TEXT)
        assert issubclass(loader, TimestamptzLoader)
        assert loader.timezone is connection.timezone
        stored = datetime.datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=datetime.UTC)
        Product.objects.filter(pk=products[0].pk).update(created_at=stored)
        read = Product.objects.values_list("created_at", flat=True).get(pk=products[0].pk)
        assert read == stored
        assert read.tzinfo is datetime.UTC


def test_an_empty_json_object_is_read_as_a_dict_of_its_own_each_time(products):
    Product.objects.filter(pk=products[1].pk).update(custom_fields={"size": 3})
    first, second, third = Product.objects.order_by("pk").values_list("custom_fields", flat=True)
    assert (first, second, third) == ({}, {"size": 3}, {})
    first["changed"] = True
    assert third == {}
    assert Product.objects.get(pk=products[0].pk).custom_fields == {}


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's backend")
def test_sqlite_cursors_of_a_connection_share_one_metered_class():
    from django.db.backends.sqlite3.base import SQLiteCursorWrapper

    with connection.cursor() as first, connection.cursor() as second:
        assert type(first.cursor) is type(second.cursor)
        assert issubclass(type(first.cursor), SQLiteCursorWrapper)
        assert type(first.cursor).__qualname__.endswith(
            "ExportingCursorWrapper.<locals>.CursorWrapper"
        )
