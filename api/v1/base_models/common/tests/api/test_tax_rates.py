"""GET /api/v1/tax-rates/: tax rates of the jurisdictions, public, by id."""

from datetime import date
from decimal import Decimal

import pytest

from api.v1.base_models.common.models import TaxCategory, TaxJurisdiction
from api.v1.base_models.common.tests.factories import TaxRateFactory

from .helpers import detail_url, keys, list_url

pytestmark = pytest.mark.django_db

URL = list_url("tax-rate")

TAX_RATE_FIELDS = {
    "id",
    "jurisdiction",
    "tax_category",
    "name",
    "rate",
    "tax_type",
    "is_compound",
    "priority",
    "valid_from",
    "valid_to",
    "is_active",
    "custom_fields",
    "created_at",
    "updated_at",
}


def jurisdiction(code: str) -> TaxJurisdiction:
    return TaxJurisdiction.objects.get(code=code)


def category(code: str) -> TaxCategory:
    return TaxCategory.objects.get(code=code)


def names(response) -> list[str]:
    return keys(response, "name")


@pytest.fixture
def rates():
    """Rates of California, Germany and Canada (and British Columbia)."""
    return {
        "ca": TaxRateFactory(
            jurisdiction=jurisdiction("US-CA"),
            name="California Sales Tax",
            rate=Decimal("0.07250"),
            tax_type="SALES",
            priority=0,
        ),
        "de": TaxRateFactory(
            jurisdiction=jurisdiction("DE"),
            tax_category=category("standard"),
            name="DE VAT",
            rate=Decimal("0.19000"),
            tax_type="VAT",
        ),
        "de_reduced": TaxRateFactory(
            jurisdiction=jurisdiction("DE"),
            tax_category=category("reduced"),
            name="DE VAT reduced",
            rate=Decimal("0.07000"),
            tax_type="VAT",
            priority=1,
        ),
        "gst": TaxRateFactory(
            jurisdiction=jurisdiction("CA"),
            name="Canada GST",
            rate=Decimal("0.05000"),
            tax_type="GST",
        ),
        "pst": TaxRateFactory(
            jurisdiction=jurisdiction("CA-BC"),
            name="BC PST",
            rate=Decimal("0.07000"),
            tax_type="OTHER",
            is_compound=True,
            priority=1,
        ),
    }


def test_list_is_public_and_paginated(api_client, rates):
    response = api_client.get(URL)

    assert response.status_code == 200
    assert set(response.data) == {"count", "next", "previous", "results"}
    assert response.data["count"] == 5
    assert response.data["next"] is None
    assert set(response.data["results"][0]) == TAX_RATE_FIELDS


def test_empty_list(api_client):
    response = api_client.get(URL)

    assert response.status_code == 200
    assert response.data == {"count": 0, "next": None, "previous": None, "results": []}


def test_list_is_ordered_by_jurisdiction_priority_and_latest_start(api_client):
    de = jurisdiction("DE")
    TaxRateFactory(jurisdiction=de, name="later, priority 1", priority=1)
    TaxRateFactory(jurisdiction=de, name="old", valid_from=date(2020, 1, 1))
    TaxRateFactory(jurisdiction=de, name="new", valid_from=date(2024, 1, 1))
    TaxRateFactory(jurisdiction=jurisdiction("AT"), name="Austria", priority=5)

    response = api_client.get(URL)

    assert names(response)[0] == "Austria"
    assert names(response)[-1] == "later, priority 1"
    assert names(response).index("new") < names(response).index("old")


def test_page_size_is_capped_at_100(api_client):
    TaxRateFactory.create_batch(101, jurisdiction=jurisdiction("FR"))

    response = api_client.get(URL, {"page_size": 101})

    assert response.data["count"] == 101
    assert len(response.data["results"]) == 100
    assert response.data["next"] is not None


def test_retrieve_by_id(api_client, rates):
    rate = TaxRateFactory(
        jurisdiction=jurisdiction("US-CA"),
        tax_category=category("standard"),
        name="CA District Tax",
        rate=Decimal("0.01250"),
        tax_type="SALES",
        is_compound=True,
        priority=3,
        valid_from=date(2024, 1, 1),
        valid_to=date(2024, 12, 31),
        custom_fields={"district": "SF"},
    )

    response = api_client.get(detail_url("tax-rate", rate.pk))

    assert response.status_code == 200
    assert set(response.data) == TAX_RATE_FIELDS
    assert response.data == {
        **response.data,
        "id": rate.pk,
        "jurisdiction": "US-CA",
        "tax_category": "standard",
        "name": "CA District Tax",
        "rate": "0.01250",
        "tax_type": "SALES",
        "is_compound": True,
        "priority": 3,
        "valid_from": "2024-01-01",
        "valid_to": "2024-12-31",
        "is_active": True,
        "custom_fields": {"district": "SF"},
    }


def test_retrieve_rate_without_category_or_period(api_client, rates):
    response = api_client.get(detail_url("tax-rate", rates["ca"].pk))

    assert response.data["tax_category"] is None
    assert response.data["valid_from"] is None
    assert response.data["valid_to"] is None
    assert response.data["rate"] == "0.07250"


@pytest.mark.parametrize("key", ["999999", "abc", "0"])
def test_retrieve_unknown_id_is_404(api_client, rates, key):
    assert api_client.get(detail_url("tax-rate", key)).status_code == 404


def test_inactive_rates_are_only_listed_on_request(api_client, rates):
    old = TaxRateFactory(jurisdiction=jurisdiction("DE"), name="DE VAT 2020", is_active=False)

    assert "DE VAT 2020" not in names(api_client.get(URL))
    assert names(api_client.get(URL, {"is_active": "false"})) == ["DE VAT 2020"]
    assert api_client.get(URL, {"is_active": "true"}).data["count"] == 5
    detail = api_client.get(detail_url("tax-rate", old.pk))
    assert detail.status_code == 200
    assert detail.data["is_active"] is False


# ------------------------------------------------------------------------------ filters
@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"jurisdiction": "DE"}, {"DE VAT", "DE VAT reduced"}),
        ({"jurisdiction": "US-CA"}, {"California Sales Tax"}),
        ({"jurisdiction": "US"}, set()),  # the state's rates are not the country's
        ({"tax_category": "standard"}, {"DE VAT"}),
        ({"tax_category": "exempt"}, set()),
        ({"tax_type": "VAT"}, {"DE VAT", "DE VAT reduced"}),
        ({"tax_type": "GST"}, {"Canada GST"}),
        ({"tax_type": "SALES"}, {"California Sales Tax"}),
        ({"is_compound": "true"}, {"BC PST"}),
        (
            {"is_compound": "false"},
            {"California Sales Tax", "DE VAT", "DE VAT reduced", "Canada GST"},
        ),
        ({"jurisdiction": "DE", "tax_category": "reduced"}, {"DE VAT reduced"}),
        ({"jurisdiction": "DE", "tax_type": "SALES"}, set()),
    ],
)
def test_filters(api_client, rates, params, expected):
    response = api_client.get(URL, params)

    assert response.status_code == 200
    assert set(names(response)) == expected
    assert response.data["count"] == len(expected)


@pytest.mark.parametrize(
    "params",
    [
        {"jurisdiction": "NOPE"},
        {"jurisdiction": "de"},
        {"tax_category": "nope"},
        {"tax_type": "BAD"},
        {"tax_type": "vat"},
    ],
)
def test_unknown_filter_values_are_400(api_client, rates, params):
    response = api_client.get(URL, params)

    assert response.status_code == 400
    assert set(response.data) == set(params)


# ----------------------------------------------------------------------------- valid_on
@pytest.fixture
def periods():
    """Rates of France valid over various periods."""
    fr = jurisdiction("FR")
    for name, valid_from, valid_to in [
        ("open", None, None),
        ("2024", date(2024, 1, 1), date(2024, 12, 31)),
        ("from 2025", date(2025, 1, 1), None),
        ("until 2023", None, date(2023, 12, 31)),
        ("one day", date(2024, 6, 15), date(2024, 6, 15)),
    ]:
        TaxRateFactory(jurisdiction=fr, name=name, valid_from=valid_from, valid_to=valid_to)


@pytest.mark.parametrize(
    ("valid_on", "expected"),
    [
        ("1990-01-01", {"open", "until 2023"}),  # only the open start
        ("2023-12-31", {"open", "until 2023"}),  # last day of an open-start period
        ("2024-01-01", {"open", "2024"}),  # first day of a period
        ("2024-06-14", {"open", "2024"}),
        ("2024-06-15", {"open", "2024", "one day"}),  # from == to
        ("2024-06-16", {"open", "2024"}),
        ("2024-12-31", {"open", "2024"}),  # last day of a period
        ("2025-01-01", {"open", "from 2025"}),  # first day of an open-end period
        ("2099-12-31", {"open", "from 2025"}),  # only the open end
    ],
)
def test_valid_on(api_client, periods, valid_on, expected):
    response = api_client.get(URL, {"valid_on": valid_on})

    assert response.status_code == 200
    assert set(names(response)) == expected


def test_valid_on_with_other_filters(api_client, periods, rates):
    TaxRateFactory(
        jurisdiction=jurisdiction("FR"),
        name="2024, inactive",
        valid_from=date(2024, 1, 1),
        is_active=False,
    )

    response = api_client.get(URL, {"valid_on": "2024-03-01", "jurisdiction": "FR"})
    everywhere = api_client.get(URL, {"valid_on": "2024-03-01"})
    inactive = api_client.get(URL, {"valid_on": "2024-03-01", "is_active": "false"})

    assert set(names(response)) == {"open", "2024"}
    assert everywhere.data["count"] == 2 + len(rates)  # the rates fixture has open periods
    assert names(inactive) == ["2024, inactive"]


@pytest.mark.parametrize(
    "valid_on", ["2024-13-01", "2024-02-30", "yesterday", "20240101", "2024-06-15T00:00"]
)
def test_invalid_valid_on_is_400(api_client, periods, valid_on):
    response = api_client.get(URL, {"valid_on": valid_on})

    assert response.status_code == 400
    assert "valid_on" in response.data


def test_empty_valid_on_is_no_filter(api_client, periods):
    assert api_client.get(URL, {"valid_on": ""}).data["count"] == 5


# ------------------------------------------------------------------------ search, order
@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("GST", {"Canada GST"}),  # name
        ("de vat", {"DE VAT", "DE VAT reduced"}),  # name, any case
        ("US-CA", {"California Sales Tax"}),  # jurisdiction code
        ("british columbia", {"BC PST"}),  # jurisdiction name
        ("Germany", {"DE VAT", "DE VAT reduced"}),
    ],
)
def test_search(api_client, rates, search, expected):
    assert set(names(api_client.get(URL, {"search": search}))) == expected


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("rate,name", ["Canada GST", "BC PST", "DE VAT reduced", "California Sales Tax", "DE VAT"]),
        (
            "-rate,name",
            ["DE VAT", "California Sales Tax", "BC PST", "DE VAT reduced", "Canada GST"],
        ),
        ("name", ["BC PST", "California Sales Tax", "Canada GST", "DE VAT", "DE VAT reduced"]),
        (
            "-priority,name",
            ["BC PST", "DE VAT reduced", "California Sales Tax", "Canada GST", "DE VAT"],
        ),
        (
            "jurisdiction,name",
            ["Canada GST", "BC PST", "DE VAT", "DE VAT reduced", "California Sales Tax"],
        ),
    ],
)
def test_ordering(api_client, rates, ordering, expected):
    assert names(api_client.get(URL, {"ordering": ordering})) == expected


@pytest.mark.parametrize("ordering", ["valid_from", "-valid_to"])
def test_ordering_by_validity(api_client, periods, ordering):
    field = ordering.lstrip("-")

    response = api_client.get(URL, {"ordering": ordering, "valid_on": "2024-06-15"})

    # Where NULL sorts depends on the database: compare the bounded periods only.
    values = [row[field] for row in response.data["results"] if row[field] is not None]
    assert values == sorted(values, reverse=ordering.startswith("-"))
    assert len(values) == 2
