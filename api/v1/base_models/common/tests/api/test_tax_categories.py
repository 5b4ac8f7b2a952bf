"""GET /api/v1/tax-categories/: classes of goods for taxation, public, by code."""

import pytest

from api.v1.base_models.common.tests.factories import TaxCategoryFactory

from .helpers import detail_url, keys, list_url

pytestmark = pytest.mark.django_db

URL = list_url("tax-category")

TAX_CATEGORY_FIELDS = {
    "code",
    "name",
    "description",
    "is_active",
    "custom_fields",
    "created_at",
    "updated_at",
}


def test_list_is_public_paginated_and_ordered_by_name(api_client):
    response = api_client.get(URL)

    assert response.status_code == 200
    assert set(response.data) == {"count", "next", "previous", "results"}
    assert response.data["count"] == 5
    assert response.data["next"] is None
    assert response.data["previous"] is None
    assert set(response.data["results"][0]) == TAX_CATEGORY_FIELDS
    assert keys(response, "name") == [
        "Exempt",
        "Reduced Rate",
        "Standard Rate",
        "Super-Reduced Rate",
        "Zero Rate",
    ]


def test_page_size_is_capped_at_100(api_client):
    TaxCategoryFactory.create_batch(100)

    response = api_client.get(URL, {"page_size": 200})

    assert response.data["count"] == 105
    assert len(response.data["results"]) == 100
    assert response.data["next"] is not None


def test_retrieve_by_code(api_client):
    response = api_client.get(detail_url("tax-category", "standard"))

    assert response.status_code == 200
    assert set(response.data) == TAX_CATEGORY_FIELDS
    assert response.data["code"] == "standard"
    assert response.data["name"] == "Standard Rate"
    assert response.data["description"] == "Goods and services taxed at the standard rate."
    assert response.data["is_active"] is True


def test_retrieve_code_with_hyphen(api_client):
    response = api_client.get(detail_url("tax-category", "super-reduced"))

    assert response.status_code == 200
    assert response.data["name"] == "Super-Reduced Rate"


@pytest.mark.parametrize("code", ["unknown", "Standard", "STANDARD"])
def test_retrieve_unknown_code_is_404(api_client, code):
    assert api_client.get(detail_url("tax-category", code)).status_code == 404


def test_inactive_categories_are_only_listed_on_request(api_client):
    TaxCategoryFactory(code="luxury", name="Luxury Rate", is_active=False)

    default = keys(api_client.get(URL), "code")
    inactive = keys(api_client.get(URL, {"is_active": "false"}), "code")
    active = keys(api_client.get(URL, {"is_active": "true"}), "code")
    detail = api_client.get(detail_url("tax-category", "luxury"))

    assert "luxury" not in default
    assert len(default) == 5
    assert inactive == ["luxury"]
    assert active == default
    assert detail.status_code == 200
    assert detail.data["is_active"] is False


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("zero", ["zero"]),  # code and name
        ("reduced", ["reduced", "super-reduced"]),
        ("deductible", ["exempt", "zero"]),  # description
        ("STANDARD", ["standard"]),  # any case
    ],
)
def test_search(api_client, search, expected):
    assert keys(api_client.get(URL, {"search": search}), "code") == expected


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("code", ["exempt", "reduced", "standard", "super-reduced", "zero"]),
        ("-code", ["zero", "super-reduced", "standard", "reduced", "exempt"]),
        ("-name", ["zero", "super-reduced", "standard", "reduced", "exempt"]),
    ],
)
def test_ordering(api_client, ordering, expected):
    assert keys(api_client.get(URL, {"ordering": ordering}), "code") == expected
