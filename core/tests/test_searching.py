"""core.searching: what a search declaration accepts and how it reads a record."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from api.v1.features.products.models import Product
from core.searching import declaration_named, declaration_of, declare


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "needs fields"),
        ({"name": "E"}, "has weight 'E'"),
        ({"nope": "A"}, "no field 'nope'"),
        ({"description": "C"}, 'needs an "A" field'),
    ],
)
def test_a_declaration_is_checked_when_made(fields, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        declare(Product, fields=fields, route="api-v1:product-detail")
    # The app's own declaration stands.
    assert declaration_of(Product).fields == {"name": "A", "sku": "A", "description": "C"}


def test_declarations_are_found_by_type_or_label():
    assert declaration_named("product") is declaration_of(Product)
    assert declaration_named("products.product") is declaration_of(Product)
    assert declaration_named("spaceship") is None


def test_text_of_reads_choices_by_their_label_and_empty_values_as_nothing():
    declaration = declaration_of(Product)
    product = Product(name="Chair", sku="C-1", description=None, status="draft")
    assert declaration.text_of(product, "status") == "Draft"
    assert declaration.text_of(product, "description") == ""
    assert declaration.title_of(product) == "Chair"
    assert declaration.route_kwargs(Product(pk=7)) == {"pk": 7}
    assert declaration.title_hidden({"name"})
    assert not declaration.title_hidden({"description"})
