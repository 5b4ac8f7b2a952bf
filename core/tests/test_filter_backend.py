"""The django-filter backend's shortcuts: a request naming none of a view's filters is
answered without building a filter set, and the filter set of a view that names only
`filterset_fields` is built once, not per request."""

import pytest
from django.contrib.auth.models import Permission

from api.v1.base_models.common.models import Currency
from api.v1.features.products.tests.factories import ProductFactory
from core import filters
from core.filters import _auto_filterset, _hashable, _names_a_filter

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, False),
        ({"page": "2", "page_size": "10", "ordering": "name"}, False),
        ({"status": "ACTIVE"}, True),
        ({"created_after": "2026-01-01"}, True),  # a date range's suffixed part
        ({"price_min": "1"}, True),
        ({"tags_all": "a"}, True),
    ],
)
def test_which_query_parameters_name_a_filter(params, expected):
    assert _names_a_filter(params, {"status": 1, "created": 1, "price": 1, "tags_all": 1}) is (
        expected
    )


@pytest.fixture
def built(monkeypatch):
    """The filter sets constructed while the test runs."""
    made = []
    original = filters.FilterSet.__init__

    def spy(self, *args, **kwargs):
        made.append(type(self))
        original(self, *args, **kwargs)

    monkeypatch.setattr(filters.FilterSet, "__init__", spy)
    return made


def test_a_plain_page_builds_no_filter_set_and_a_filter_still_filters(
    jwt_client, member, org, built
):
    ProductFactory(organization=org, sku="A-1")
    ProductFactory(organization=org, sku="A-2").tags.add("red")
    client = jwt_client(member(org, "products.view_product"))

    response = client.get("/api/v1/products/", {"page_size": 10})
    assert response.status_code == 200
    assert response.json()["count"] == 2
    assert built == []

    response = client.get("/api/v1/products/", {"tags": "RED"})
    assert [row["sku"] for row in response.json()["results"]] == ["A-2"]
    assert len(built) == 1

    response = client.get("/api/v1/products/", {"status": "NOT-A-STATUS"})
    assert response.status_code == 400
    assert "status" in response.json()


def test_the_filter_set_of_filterset_fields_is_built_once(api_client):
    Currency.objects.filter(code="EUR").update(is_active=False)
    for _ in range(2):
        response = api_client.get("/api/v1/currencies/", {"is_active": "false"})
        assert response.status_code == 200
        codes = {row["code"] for row in response.json()["results"]}
        assert "EUR" in codes
        assert codes == set(Currency.objects.filter(is_active=False).values_list("code", flat=True))
    assert _auto_filterset.cache_info().currsize >= 1
    first = _auto_filterset(Currency, _hashable(["is_active"]))
    assert _auto_filterset(Currency, _hashable(["is_active"])) is first
    assert set(first.base_filters) == {"is_active"}


def test_filterset_fields_given_with_lookups():
    filterset = _auto_filterset(Permission, _hashable({"codename": ["exact", "icontains"]}))
    assert set(filterset.base_filters) == {"codename", "codename__icontains"}
    assert (
        filterset({"codename__icontains": "view_product"}, queryset=Permission.objects.all())
        .qs.filter(codename="view_product")
        .exists()
    )
