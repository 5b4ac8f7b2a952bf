"""GET /api/v1/uoms/: units of measure, public, by code."""

import pytest

from api.v1.base_models.common.models import UnitOfMeasure
from api.v1.base_models.common.tests.factories import UnitOfMeasureFactory

from .helpers import detail_url, keys, list_url

pytestmark = pytest.mark.django_db

URL = list_url("uom")

UNIT_FIELDS = {
    "code",
    "name",
    "uom_type",
    "symbol",
    "is_active",
    "custom_fields",
    "created_at",
    "updated_at",
}


def test_list_is_public_and_paginated(api_client):
    response = api_client.get(URL)

    assert response.status_code == 200
    assert set(response.data) == {"count", "next", "previous", "results"}
    assert response.data["count"] == UnitOfMeasure.objects.count() == 37
    assert len(response.data["results"]) == 25
    assert "page=2" in response.data["next"]
    assert set(response.data["results"][0]) == UNIT_FIELDS


def test_list_is_ordered_by_type_then_name(api_client):
    rows = api_client.get(URL, {"page_size": 100}).data["results"]

    assert [(row["uom_type"], row["name"]) for row in rows][:3] == [
        ("Area", "Acre"),
        ("Area", "Hectare"),
        ("Area", "Square Centimeter"),
    ]
    types = [row["uom_type"] for row in rows]
    assert types == sorted(types)


def test_page_size_is_capped_at_100(api_client):
    UnitOfMeasureFactory.create_batch(70)

    response = api_client.get(URL, {"page_size": 101})

    assert response.data["count"] == 107
    assert len(response.data["results"]) == 100


def test_retrieve_by_code(api_client):
    response = api_client.get(detail_url("uom", "KG"))

    assert response.status_code == 200
    assert set(response.data) == UNIT_FIELDS
    assert response.data["code"] == "KG"
    assert response.data["name"] == "Kilogram"
    assert response.data["uom_type"] == "Mass"
    assert response.data["symbol"] == "kg"
    assert response.data["is_active"] is True


def test_retrieve_code_with_digit(api_client):
    response = api_client.get(detail_url("uom", "M3"))

    assert response.status_code == 200
    assert response.data["symbol"] == "m³"


@pytest.mark.parametrize("code", ["kg", "KILO", "XX"])
def test_retrieve_unknown_code_is_404(api_client, code):
    assert api_client.get(detail_url("uom", code)).status_code == 404


def test_inactive_unit_is_only_listed_on_request(api_client):
    UnitOfMeasureFactory(code="OLD", name="Old Unit", uom_type="Mass", is_active=False)

    default = keys(api_client.get(URL, {"uom_type": "Mass"}), "code")
    inactive = keys(api_client.get(URL, {"is_active": "false"}), "code")
    active = api_client.get(URL, {"is_active": "true"}).data["count"]

    assert "OLD" not in default
    assert inactive == ["OLD"]
    assert active == 37


def test_inactive_unit_is_found_by_its_detail_route(api_client):
    UnitOfMeasureFactory(code="OLD", is_active=False)

    response = api_client.get(detail_url("uom", "OLD"))

    assert response.status_code == 200
    assert response.data["is_active"] is False


@pytest.mark.parametrize(
    ("uom_type", "expected"),
    [
        ("Mass", ["G", "KG", "MG", "OZ", "LB", "T"]),
        ("Time", ["DAY", "H", "MIN", "MO", "S", "WK", "YR"]),
    ],
)
def test_filter_by_type(api_client, uom_type, expected):
    response = api_client.get(URL, {"uom_type": uom_type})

    assert response.status_code == 200
    assert keys(response, "code") == expected


def test_filter_by_type_and_active(api_client):
    UnitOfMeasureFactory(code="OLD", uom_type="Time", is_active=False)

    response = api_client.get(URL, {"uom_type": "Time", "is_active": "false"})

    assert keys(response, "code") == ["OLD"]


@pytest.mark.parametrize("uom_type", ["BAD", "mass", "MASS"])
def test_filter_by_unknown_type_is_400(api_client, uom_type):
    response = api_client.get(URL, {"uom_type": uom_type})

    assert response.status_code == 400
    assert "uom_type" in response.data


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("gram", {"G", "KG", "MG"}),  # names
        ("KM", {"KM", "KM2"}),  # codes and symbols
        ("ft²", {"FT2"}),  # symbol
        ("volume", {"GAL", "L", "M3", "ML"}),  # type, any case
    ],
)
def test_search(api_client, search, expected):
    response = api_client.get(URL, {"search": search})

    assert set(keys(response, "code")) == expected


@pytest.mark.parametrize("ordering", ["code", "-code", "name", "-name"])
def test_ordering(api_client, ordering):
    rows = api_client.get(URL, {"ordering": ordering, "page_size": 100}).data["results"]
    field = ordering.lstrip("-")

    expected = list(UnitOfMeasure.objects.order_by(ordering).values_list(field, flat=True))
    assert [row[field] for row in rows] == expected
    assert len(rows) == 37


def test_ordering_by_type_descending(api_client):
    rows = api_client.get(URL, {"ordering": "-uom_type,code", "page_size": 6}).data["results"]

    assert [(row["uom_type"], row["code"]) for row in rows] == [
        ("Volume", "GAL"),
        ("Volume", "L"),
        ("Volume", "M3"),
        ("Volume", "ML"),
        ("Time", "DAY"),
        ("Time", "H"),
    ]
