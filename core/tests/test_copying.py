"""core.copying: many rows by COPY on PostgreSQL, by bulk_create elsewhere or for a few,
read back the same either way."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from taggit.models import Tag

from api.v1.base_models.organization.tests.factories import OrganizationFactory
from api.v1.features.products.models import Product
from core import copying

pytestmark = pytest.mark.django_db

TEXTS = [
    "plain",
    "tab\there",
    "new\nline",
    "back\\slash",
    "quote 'and' \"double\"",
    "Ünïcødé ✓",
    "",
]


@pytest.fixture
def copies(monkeypatch):
    """The tables written by COPY, in order."""
    tables = []
    copy = copying._copy
    monkeypatch.setattr(copying, "_copy", lambda *args: tables.append(args[1]) or copy(*args))
    return tables


def products(organization, count, prefix):
    return [
        Product(
            organization=organization,
            sku=f"{prefix}-{n}",
            name=TEXTS[n % len(TEXTS)] or "empty description",
            description=TEXTS[n % len(TEXTS)],
            product_type="SERVICE",
            base_uom_id="EA",
            custom_fields={"n": n, "text": TEXTS[n % len(TEXTS)], "nested": [1, {"x": None}]},
            attributes={"price": str(Decimal("1.10") * n)},
        )
        for n in range(count)
    ]


def stored(prefix):
    return [
        {
            key: value
            for key, value in row.items()
            if key not in ("id", "sku", "created_at", "updated_at")
        }
        for row in Product.objects.filter(sku__startswith=f"{prefix}-").order_by("pk").values()
    ]


def test_many_records_read_back_as_bulk_created_ones(copies, monkeypatch):
    organization = OrganizationFactory()
    count = copying.COPY_FROM
    copied = copying.insert(products(organization, count, "copy"))
    monkeypatch.setattr(copying, "COPY_FROM", 10**9)
    copying.insert(products(organization, count, "bulk"))

    assert stored("copy") == stored("bulk")
    assert len(stored("copy")) == count
    # Each instance has its primary key, is saved, and is the row stored under it.
    assert [each.pk for each in copied] == list(
        Product.objects.filter(sku__startswith="copy-").order_by("pk").values_list("pk", flat=True)
    )
    assert all(not each._state.adding and each._state.db == "default" for each in copied)
    first = Product.objects.get(pk=copied[0].pk)
    assert first.sku == "copy-0"
    assert first.created_at == copied[0].created_at
    assert isinstance(first.created_at, datetime.datetime)
    assert first.created_at.tzinfo is not None
    assert copies == (["products_product"] if connection.vendor == "postgresql" else [])


def test_the_sequence_goes_on_after_the_copied_records(copies):
    organization = OrganizationFactory()
    copied = copying.insert(products(organization, copying.COPY_FROM, "copy"))
    after = Product.objects.create(organization=organization, sku="after", base_uom_id="EA")

    assert after.pk > max(each.pk for each in copied)


def test_a_few_records_are_bulk_created(copies):
    organization = OrganizationFactory()
    few = copying.insert(products(organization, 3, "few"))

    assert all(each.pk for each in few)
    assert copies == []
    assert copying.insert([]) == []


def test_a_field_the_database_fills_in_is_left_to_bulk_create(copies, monkeypatch):
    organization = OrganizationFactory()
    field = Product._meta.get_field("description")
    monkeypatch.setattr(field, "db_default", "from the database")
    records = products(organization, copying.COPY_FROM, "dbdefault")

    assert copying._copyable(Product, Product._meta.concrete_fields, records) is False
    monkeypatch.undo()
    assert copying._copyable(Product, Product._meta.concrete_fields, records) is True
    before = Product.objects.count()
    monkeypatch.setattr(field, "db_default", "from the database")
    monkeypatch.setattr(copying, "_copyable", lambda *args: False)
    copying.insert(records)
    assert Product.objects.count() == before + len(records)
    assert copies == []


def test_rows_of_values(copies, monkeypatch):
    TaggedItem = Product._meta.get_field("tags").through
    organization = OrganizationFactory()
    tags = Tag.objects.bulk_create([Tag(name=f"t{n}", slug=f"t{n}") for n in range(2)])
    records = copying.insert(products(organization, copying.COPY_FROM, "tagged"))
    content_type_id = (
        TaggedItem._meta.get_field("content_type")
        .related_model.objects.get(app_label="products", model="product")
        .pk
    )
    rows = [[content_type_id, each.pk, tag.pk] for each in records for tag in tags]

    copying.insert_rows(TaggedItem, ["content_type_id", "object_id", "tag_id"], rows)

    assert TaggedItem.objects.filter(object_id__in=[each.pk for each in records]).count() == len(
        rows
    )
    assert sorted(tag.name for tag in Product.objects.get(pk=records[5].pk).tags.all()) == [
        "t0",
        "t1",
    ]
    expected = ["products_product", "taggit_taggeditem"]
    assert copies == (expected if connection.vendor == "postgresql" else [])

    monkeypatch.setattr(copying, "COPY_FROM", 10**9)
    copying.insert_rows(TaggedItem, ["content_type_id", "object_id", "tag_id"], [])
    copying.insert_rows(
        TaggedItem, ["content_type_id", "object_id", "tag_id"], [[content_type_id, 0, tags[0].pk]]
    )
    assert TaggedItem.objects.filter(object_id=0).count() == 1


def test_only_values_a_field_would_store_unchanged_skip_its_preparation():
    from django.db import models

    class Shouting(models.CharField):  # a subclass may change what it stores
        def get_prep_value(self, value):
            return super().get_prep_value(value).upper()

    def types(name):
        return copying._stored_as_is(Product._meta.get_field(name))

    assert types("sku") == {str, type(None)}
    assert types("organization") == {int, type(None)}  # by its target's key
    assert types("base_uom") == {str, type(None)}  # a unit's key is its code
    assert types("is_sellable") == {bool, type(None)}
    assert types("custom_fields") == frozenset()
    assert types("created_at") == frozenset()
    assert copying._stored_as_is(Shouting(max_length=5)) == frozenset()


def test_rows_of_values_without_copy_are_stored_as_a_save_stores_them(monkeypatch):
    from audit.models import AuditLog
    from audit.services import _FIELDS, insert_rows

    monkeypatch.setattr(copying, "COPY_FROM", 10**9)  # one INSERT, run for each row
    moment = datetime.datetime(
        2026, 5, 1, 14, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=2))
    )
    saved = AuditLog.objects.create(
        action_type="UPDATE",
        object_id="saved",
        changes={"name": {"old": TEXTS[1], "new": TEXTS[5]}},
    )
    row = AuditLog.objects.filter(pk=saved.pk).values(*(field.attname for field in _FIELDS)).get()

    insert_rows([{**row, "created_at": moment, "object_id": f"inserted-{n}"} for n in range(2)])

    # Found by their time in the database's own comparisons (an aware time in another
    # zone, stored as Django stores it), and read back as saved.
    minute = datetime.timedelta(minutes=1)
    found = AuditLog.objects.filter(created_at__gte=moment - minute, created_at__lt=moment + minute)
    assert sorted(each.object_id for each in found) == ["inserted-0", "inserted-1"]
    assert AuditLog.objects.filter(created_at=moment).count() == 2
    assert {each.created_at for each in found} == {moment}
    assert all(each.changes == saved.changes for each in found)
