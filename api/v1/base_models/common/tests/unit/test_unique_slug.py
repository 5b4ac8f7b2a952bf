"""core.utils.unique_slug, on the models of this app."""

import pytest

from api.v1.base_models.common.models import Category, TaxCategory
from api.v1.base_models.common.tests.factories import CategoryFactory, TaxCategoryFactory
from core.utils import unique_slug

pytestmark = pytest.mark.django_db


def test_slug_of_the_value():
    assert unique_slug(Category(), "Office Chairs & Desks") == "office-chairs-desks"


def test_numbered_while_taken():
    CategoryFactory(name="Chairs")
    assert unique_slug(Category(), "Chairs") == "chairs-2"
    CategoryFactory(name="Chairs", slug="chairs-2", category_type="OTHER")
    assert unique_slug(Category(), "Chairs") == "chairs-3"


def test_the_instance_does_not_collide_with_itself():
    chairs = CategoryFactory(name="Chairs")
    assert unique_slug(chairs, "Chairs") == "chairs"


@pytest.mark.parametrize("value", ["", "!!!", "---", "漢字"])
def test_fallback_when_nothing_is_sluggable(value):
    assert unique_slug(Category(), value) == "item"
    assert unique_slug(Category(), value, fallback="category") == "category"


def test_fallback_is_numbered_too():
    CategoryFactory(name="!!!")  # slug "category"
    assert unique_slug(Category(), "???", fallback="category") == "category-2"


def test_other_field_and_its_length():
    # TaxCategory.code: a SlugField of 50 characters; "standard" is seeded.
    assert unique_slug(TaxCategory(), "Standard", field="code") == "standard-2"
    assert unique_slug(TaxCategory(), "Standard Rate", field="code") == "standard-rate"
    long = unique_slug(TaxCategory(), "x" * 80, field="code")
    assert long == "x" * 50


def test_truncation_does_not_end_with_a_hyphen():
    # The 50th character is the hyphen between the words.
    assert unique_slug(TaxCategory(), "a" * 49 + " b", field="code") == "a" * 49


def test_suffix_fits_the_field():
    TaxCategoryFactory(code="a" * 47 + "-bc")
    slug = unique_slug(TaxCategory(), "a" * 47 + " bc", field="code")
    # "aaa…a-" cut for the suffix, its hyphen dropped: no "--".
    assert slug == "a" * 47 + "-2"
    TaxCategoryFactory(code="x" * 50)
    assert unique_slug(TaxCategory(), "x" * 60, field="code") == "x" * 48 + "-2"
