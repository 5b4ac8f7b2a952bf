"""GET /api/v1/tax-jurisdictions/: countries and their subdivisions, public, by code."""

import pytest

from api.v1.base_models.common.models import TaxJurisdiction
from api.v1.base_models.common.tests.factories import TaxJurisdictionFactory

from .helpers import detail_url, keys, list_url

pytestmark = pytest.mark.django_db

URL = list_url("tax-jurisdiction")

JURISDICTION_FIELDS = {
    "code",
    "name",
    "jurisdiction_type",
    "parent",
    "level",
    "is_active",
    "custom_fields",
    "created_at",
    "updated_at",
}

US_STATES = 51  # and DC
CA_PROVINCES = 13


def test_list_is_public_and_paginated(api_client):
    response = api_client.get(URL)

    assert response.status_code == 200
    assert set(response.data) == {"count", "next", "previous", "results"}
    assert response.data["count"] == 249 + US_STATES + CA_PROVINCES
    assert len(response.data["results"]) == 25
    assert set(response.data["results"][0]) == JURISDICTION_FIELDS


def test_list_is_in_tree_order(api_client):
    response = api_client.get(URL, {"search": "United States of America"})
    states = api_client.get(URL, {"parent": "US", "page_size": 3})

    assert keys(response, "code") == ["US"]
    # Subdivisions follow their country, by name.
    assert keys(states, "name") == ["Alabama", "Alaska", "Arizona"]


def test_page_size_is_capped_at_100(api_client):
    response = api_client.get(URL, {"page_size": 250})

    assert len(response.data["results"]) == 100
    assert response.data["count"] == 313


def test_retrieve_state(api_client):
    response = api_client.get(detail_url("tax-jurisdiction", "US-CA"))

    assert response.status_code == 200
    assert set(response.data) == JURISDICTION_FIELDS
    assert response.data["code"] == "US-CA"
    assert response.data["name"] == "California"
    assert response.data["jurisdiction_type"] == "STATE_PROVINCE"
    assert response.data["parent"] == "US"
    assert response.data["level"] == 1
    assert response.data["is_active"] is True


def test_retrieve_country(api_client):
    response = api_client.get(detail_url("tax-jurisdiction", "CA"))

    assert response.status_code == 200
    assert response.data["name"] == "Canada"
    assert response.data["jurisdiction_type"] == "COUNTRY"
    assert response.data["parent"] is None
    assert response.data["level"] == 0


@pytest.mark.parametrize("code", ["US-XX", "us-ca", "XX", "FR-75"])
def test_retrieve_unknown_code_is_404(api_client, code):
    assert api_client.get(detail_url("tax-jurisdiction", code)).status_code == 404


def test_a_county_under_a_state_has_level_2(api_client):
    TaxJurisdictionFactory(
        code="US-CA-SF",
        name="San Francisco",
        parent=TaxJurisdiction.objects.get(code="US-CA"),
        jurisdiction_type="COUNTY",
    )

    response = api_client.get(detail_url("tax-jurisdiction", "US-CA-SF"))

    assert response.data["parent"] == "US-CA"
    assert response.data["level"] == 2
    assert keys(api_client.get(URL, {"parent": "US-CA"}), "code") == ["US-CA-SF"]


# ------------------------------------------------------------------------------ filters
def test_filter_by_parent(api_client):
    response = api_client.get(URL, {"parent": "CA", "page_size": 100})

    assert response.status_code == 200
    assert response.data["count"] == CA_PROVINCES
    assert all(code.startswith("CA-") for code in keys(response, "code"))
    assert {row["parent"] for row in response.data["results"]} == {"CA"}


def test_filter_by_parent_without_children_is_empty(api_client):
    response = api_client.get(URL, {"parent": "FR"})

    assert response.status_code == 200
    assert response.data["count"] == 0


@pytest.mark.parametrize("parent", ["NOPE", "us"])
def test_filter_by_unknown_parent_is_400(api_client, parent):
    response = api_client.get(URL, {"parent": parent})

    assert response.status_code == 400
    assert "parent" in response.data


@pytest.mark.parametrize(
    ("jurisdiction_type", "count"),
    [("COUNTRY", 249), ("STATE_PROVINCE", US_STATES + CA_PROVINCES), ("CITY", 0)],
)
def test_filter_by_type(api_client, jurisdiction_type, count):
    response = api_client.get(URL, {"jurisdiction_type": jurisdiction_type, "page_size": 100})

    assert response.status_code == 200
    assert response.data["count"] == count
    assert {row["jurisdiction_type"] for row in response.data["results"]} <= {jurisdiction_type}


@pytest.mark.parametrize("jurisdiction_type", ["BAD", "country", "STATE"])
def test_filter_by_unknown_type_is_400(api_client, jurisdiction_type):
    response = api_client.get(URL, {"jurisdiction_type": jurisdiction_type})

    assert response.status_code == 400
    assert "jurisdiction_type" in response.data


def test_inactive_jurisdictions_are_only_listed_on_request(api_client):
    TaxJurisdiction.objects.filter(code="US-CA").update(is_active=False)

    default = keys(api_client.get(URL, {"parent": "US", "page_size": 100}), "code")
    inactive = api_client.get(URL, {"is_active": "false"})
    active = api_client.get(URL, {"is_active": "true"})
    detail = api_client.get(detail_url("tax-jurisdiction", "US-CA"))

    assert "US-CA" not in default
    assert len(default) == US_STATES - 1
    assert keys(inactive, "code") == ["US-CA"]
    assert active.data["count"] == 312
    assert detail.status_code == 200
    assert detail.data["is_active"] is False


def test_filters_combine(api_client):
    response = api_client.get(
        URL, {"parent": "US", "jurisdiction_type": "STATE_PROVINCE", "search": "new"}
    )

    assert keys(response, "code") == ["US-NH", "US-NJ", "US-NM", "US-NY"]


# ------------------------------------------------------------------------ search, order
@pytest.mark.parametrize(
    ("search", "expected"),
    [("california", ["US-CA"]), ("US-C", ["US-CA", "US-CO", "US-CT"]), ("Quebec", ["CA-QC"])],
)
def test_search(api_client, search, expected):
    assert keys(api_client.get(URL, {"search": search}), "code") == expected


@pytest.mark.parametrize("ordering", ["code", "-code", "name", "-name"])
def test_ordering(api_client, ordering):
    field = ordering.lstrip("-")

    values = keys(api_client.get(URL, {"ordering": ordering, "page_size": 50}), field)

    expected = list(TaxJurisdiction.objects.order_by(ordering).values_list(field, flat=True)[:50])
    assert values == expected


def test_ordering_by_type(api_client):
    rows = api_client.get(URL, {"ordering": "-jurisdiction_type,code", "page_size": 2}).data[
        "results"
    ]

    assert [row["code"] for row in rows] == ["CA-AB", "CA-BC"]
