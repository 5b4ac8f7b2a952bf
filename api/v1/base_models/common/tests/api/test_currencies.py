"""GET /api/v1/currencies/: the ISO 4217 currencies loaded by migration, public, by code."""

import pytest

from api.v1.base_models.common.models import Currency
from api.v1.base_models.common.tests.factories import CurrencyFactory

from .helpers import detail_url, keys, list_url

pytestmark = pytest.mark.django_db

URL = list_url("currency")

CURRENCY_FIELDS = {
    "code",
    "name",
    "symbol",
    "numeric_code",
    "decimal_places",
    "is_active",
    "custom_fields",
    "created_at",
    "updated_at",
}


def test_list_is_public_and_paginated(api_client):
    response = api_client.get(URL)

    assert response.status_code == 200
    assert set(response.data) == {"count", "next", "previous", "results"}
    # 178 currencies are loaded; XTS and XXX (testing, no currency) are inactive.
    assert response.data["count"] == 176
    assert response.data["count"] == Currency.objects.filter(is_active=True).count()
    assert len(response.data["results"]) == 25
    assert response.data["previous"] is None
    assert "page=2" in response.data["next"]
    assert set(response.data["results"][0]) == CURRENCY_FIELDS


def test_list_is_ordered_by_code(api_client):
    codes = keys(api_client.get(URL, {"page_size": 100}), "code")

    assert codes == sorted(codes)
    assert codes[0] == "AED"


def test_second_page(api_client):
    first = keys(api_client.get(URL, {"page_size": 10}), "code")
    response = api_client.get(URL, {"page_size": 10, "page": 2})

    assert response.status_code == 200
    assert "page_size=10" in response.data["previous"]
    second = keys(response, "code")
    assert len(second) == 10
    assert not set(first) & set(second)
    assert first[-1] < second[0]


def test_last_page_has_no_next_link(api_client):
    response = api_client.get(URL, {"page_size": 100, "page": 2})

    assert response.status_code == 200
    assert len(response.data["results"]) == 76
    assert response.data["next"] is None


def test_page_out_of_range_is_404(api_client):
    assert api_client.get(URL, {"page": 999}).status_code == 404


@pytest.mark.parametrize(("page_size", "expected"), [(1, 1), (5, 5), (100, 100), (101, 100)])
def test_page_size(api_client, page_size, expected):
    response = api_client.get(URL, {"page_size": page_size})

    assert response.status_code == 200
    assert len(response.data["results"]) == expected


def test_page_size_is_capped_at_100(api_client):
    response = api_client.get(URL, {"page_size": 1000})

    assert response.status_code == 200
    assert len(response.data["results"]) == 100
    assert response.data["count"] == 176


@pytest.mark.parametrize(
    ("code", "name", "decimal_places", "numeric_code", "symbol"),
    [
        ("EUR", "Euro", 2, "978", "€"),
        ("JPY", "Yen", 0, "392", "¥"),
        ("BHD", "Bahraini Dinar", 3, "048", "د.ب."),
        ("USD", "US Dollar", 2, "840", "$"),
    ],
)
def test_retrieve_by_code(api_client, code, name, decimal_places, numeric_code, symbol):
    response = api_client.get(detail_url("currency", code))

    assert response.status_code == 200
    assert set(response.data) == CURRENCY_FIELDS
    assert response.data["code"] == code
    assert response.data["name"] == name
    assert response.data["decimal_places"] == decimal_places
    assert response.data["numeric_code"] == numeric_code
    assert response.data["symbol"] == symbol
    assert response.data["is_active"] is True
    assert response.data["custom_fields"] == {}


@pytest.mark.parametrize("code", ["ABC", "eur", "EURO"])
def test_retrieve_unknown_code_is_404(api_client, code):
    response = api_client.get(detail_url("currency", code))

    assert response.status_code == 404
    assert response.data["code"] == "not_found"


# --------------------------------------------------------------------------- is_active
def test_inactive_currencies_are_left_out_of_the_list_by_default(api_client):
    CurrencyFactory(code="QMA", is_active=False)
    CurrencyFactory(code="QMB", is_active=True)

    codes = keys(api_client.get(URL, {"page_size": 100, "search": "Test Currency"}), "code")

    assert codes == ["QMB"]


def test_inactive_currency_is_found_by_its_detail_route(api_client):
    response = api_client.get(detail_url("currency", "XTS"))

    assert response.status_code == 200
    assert response.data["is_active"] is False


def test_filter_inactive(api_client):
    response = api_client.get(URL, {"is_active": "false"})

    assert response.status_code == 200
    assert keys(response, "code") == ["XTS", "XXX"]


def test_filter_active(api_client):
    response = api_client.get(URL, {"is_active": "true", "page_size": 100, "page": 2})

    assert response.data["count"] == 176
    assert "XTS" not in keys(response, "code")


# ------------------------------------------------------------------------ search, order
@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("EUR", "EUR"),  # code
        ("euro", "EUR"),  # name, any case
        ("978", "EUR"),  # numeric code
        ("yen", "JPY"),
    ],
)
def test_search(api_client, search, expected):
    codes = keys(api_client.get(URL, {"search": search}), "code")

    assert expected in codes
    assert "USD" not in codes


def test_search_without_match_is_empty(api_client):
    response = api_client.get(URL, {"search": "no such currency"})

    assert response.status_code == 200
    assert response.data["count"] == 0
    assert response.data["results"] == []


def test_search_leaves_out_inactive_currencies(api_client):
    assert keys(api_client.get(URL, {"search": "XTS"}), "code") == []
    assert keys(api_client.get(URL, {"search": "XTS", "is_active": "false"}), "code") == ["XTS"]


def test_ordering_by_code_descending(api_client):
    codes = keys(api_client.get(URL, {"ordering": "-code", "page_size": 100}), "code")

    assert codes == sorted(codes, reverse=True)
    assert codes[0] > "Y"


def test_ordering_by_name(api_client):
    codes = keys(api_client.get(URL, {"ordering": "name", "page_size": 100}), "code")

    expected = list(
        Currency.objects.filter(is_active=True).order_by("name").values_list("code", flat=True)
    )[:100]
    assert codes == expected
    assert codes != sorted(codes)


def test_ordering_by_decimal_places_then_code(api_client):
    response = api_client.get(URL, {"ordering": "-decimal_places,code", "page_size": 5})

    rows = response.data["results"]
    assert [row["decimal_places"] for row in rows] == [4, 4, 3, 3, 3]
    assert [row["code"] for row in rows][:2] == sorted(row["code"] for row in rows[:2])


def test_ordering_by_numeric_code(api_client):
    numeric = keys(
        api_client.get(URL, {"ordering": "numeric_code", "page_size": 100}), "numeric_code"
    )

    assert numeric == sorted(numeric)


def test_ordering_by_a_field_not_offered_is_ignored(api_client):
    codes = keys(api_client.get(URL, {"ordering": "symbol", "page_size": 100}), "code")

    assert codes == sorted(codes)
