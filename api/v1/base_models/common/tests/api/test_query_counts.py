"""Every list runs a fixed number of queries, whatever the number of rows on the page
(no query per row: related objects come from joins or from the row's own columns)."""

import pytest

from api.v1.base_models.common.models import TaxCategory, TaxJurisdiction
from api.v1.base_models.common.tests.factories import (
    CategoryFactory,
    StatusFactory,
    TaxCategoryFactory,
    TaxJurisdictionFactory,
    TaxRateFactory,
    UnitOfMeasureFactory,
)

from .helpers import get_uncached, list_url

pytestmark = pytest.mark.django_db


def assert_constant_queries(client, basename, params=None):
    """Page sizes 5 and 50 give full pages with the same number of queries."""
    params = params or {}
    small, small_queries = get_uncached(client, list_url(basename), {**params, "page_size": 5})
    large, large_queries = get_uncached(client, list_url(basename), {**params, "page_size": 50})

    assert small.status_code == large.status_code == 200
    assert len(small.data["results"]) == 5
    assert len(large.data["results"]) == 50
    assert small_queries == large_queries
    return large


@pytest.fixture(params=["anonymous", "authenticated"])
def client(request, api_client, auth_client):
    return api_client if request.param == "anonymous" else auth_client


def test_currencies(client):
    assert_constant_queries(client, "currency")


def test_statuses(client):
    StatusFactory.create_batch(45)

    assert_constant_queries(client, "status")


def test_units_of_measure(client):
    UnitOfMeasureFactory.create_batch(20)

    assert_constant_queries(client, "uom")


def test_tax_jurisdictions_with_parents(client):
    response = assert_constant_queries(
        client, "tax-jurisdiction", {"jurisdiction_type": "STATE_PROVINCE"}
    )

    assert all(row["parent"] in ("US", "CA") for row in response.data["results"])


def test_tax_categories(client):
    TaxCategoryFactory.create_batch(50)

    assert_constant_queries(client, "tax-category")


def test_tax_rates_with_categories(client):
    categories = list(TaxCategory.objects.all())
    jurisdictions = [TaxJurisdictionFactory(), TaxJurisdiction.objects.get(code="US-CA")]
    for n in range(55):
        TaxRateFactory(
            jurisdiction=jurisdictions[n % 2], tax_category=categories[n % len(categories)]
        )

    response = assert_constant_queries(client, "tax-rate")

    assert all(row["tax_category"] for row in response.data["results"])


def test_categories_with_parents(client):
    for root in CategoryFactory.create_batch(5):
        for child in CategoryFactory.create_batch(5, parent=root):
            CategoryFactory(parent=child)

    response = assert_constant_queries(client, "category", {"is_root": "false"})

    assert all(row["parent_slug"] for row in response.data["results"])


def test_category_tree_is_one_query(api_client, django_assert_num_queries):
    for root in CategoryFactory.create_batch(10):
        CategoryFactory.create_batch(5, parent=root)

    with django_assert_num_queries(1):
        response = api_client.get(list_url("category") + "tree/PRODUCT/")

    assert len(response.data) == 10
