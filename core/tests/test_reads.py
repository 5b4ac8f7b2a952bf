"""core.db.reads.get_by_pk: a record by its key as the ORM loads it, by a statement
written once per process."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.v1.features.products.models import Product
from api.v1.features.products.tests.factories import ProductFactory
from core.db.reads import get_by_pk

pytestmark = pytest.mark.django_db


def test_the_record_as_the_orm_loads_it():
    """JSON, booleans, times and text come back as `objects.get` gives them (on SQLite
    too, where the database converters do the work)."""
    product = ProductFactory(
        custom_fields={"size": 3, "nested": {"a": [1, "b"]}},
        attributes={"colour": "blue"},
        is_sellable=False,
    )
    loaded = get_by_pk(Product, product.pk)
    expected = Product.objects.get(pk=product.pk)
    assert type(loaded) is Product
    assert not loaded._state.adding
    assert loaded._state.db == "default"
    for field in Product._meta.concrete_fields:
        assert getattr(loaded, field.attname) == getattr(expected, field.attname), field.name
        assert type(getattr(loaded, field.attname)) is type(getattr(expected, field.attname))


def test_missing_or_not_a_key():
    assert get_by_pk(Product, 987654321) is None
    assert get_by_pk(Product, "not a number") is None
    assert get_by_pk(Product, None) is None


def test_one_statement():
    product = ProductFactory()
    get_by_pk(Product, product.pk)
    with CaptureQueriesContext(connection) as queries:
        assert get_by_pk(Product, str(product.pk)).pk == product.pk
    assert len(queries) == 1
