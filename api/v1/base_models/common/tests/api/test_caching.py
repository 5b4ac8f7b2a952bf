"""Responses of the reference data endpoints are cached (core.cache.CachedReadMixin):
per full URL and per version of the model's data, which every save or delete moves on."""

from datetime import date

import pytest
from django.core.cache import cache

from api.v1.base_models.common.models import Currency, Status, TaxJurisdiction
from api.v1.base_models.common.tests.factories import (
    CurrencyFactory,
    TaxCategoryFactory,
    TaxRateFactory,
    UnitOfMeasureFactory,
)

from .helpers import detail_url, keys, list_url

pytestmark = pytest.mark.django_db

URL = list_url("currency")


@pytest.fixture
def tax_rate():
    return TaxRateFactory(jurisdiction=TaxJurisdiction.objects.get(code="FR"), name="FR VAT")


def test_a_repeated_list_request_runs_no_query(api_client, django_assert_num_queries):
    first = api_client.get(URL)

    with django_assert_num_queries(0):
        second = api_client.get(URL)

    assert second.status_code == 200
    assert second.data == first.data
    assert second.data["count"] == 176


def test_the_first_request_reads_the_database(api_client, django_assert_max_num_queries):
    cache.clear()

    with django_assert_max_num_queries(5) as queries:
        api_client.get(URL)

    assert len(queries) > 0


def test_a_repeated_detail_request_runs_no_query(api_client, django_assert_num_queries):
    first = api_client.get(detail_url("currency", "EUR"))

    with django_assert_num_queries(0):
        second = api_client.get(detail_url("currency", "EUR"))

    assert second.status_code == 200
    assert second.data == first.data
    assert second.data["decimal_places"] == 2


@pytest.mark.parametrize(
    ("basename", "key"),
    [
        ("status", "active"),
        ("uom", "KG"),
        ("tax-jurisdiction", "US-CA"),
        ("tax-category", "standard"),
        ("tax-rate", None),
    ],
)
def test_every_reference_endpoint_is_cached(
    api_client, django_assert_num_queries, tax_rate, basename, key
):
    key = tax_rate.pk if key is None else key
    api_client.get(list_url(basename))
    api_client.get(detail_url(basename, key))

    with django_assert_num_queries(0):
        list_response = api_client.get(list_url(basename))
        detail_response = api_client.get(detail_url(basename, key))

    assert list_response.status_code == detail_response.status_code == 200
    assert list_response.data["count"] > 0


def test_a_saved_change_shows_on_the_next_request(api_client):
    assert api_client.get(detail_url("currency", "EUR")).data["symbol"] == "€"
    assert keys(api_client.get(URL, {"search": "978"}), "name") == ["Euro"]

    euro = Currency.objects.get(code="EUR")
    euro.name = "Euro (changed)"
    euro.symbol = "E"
    euro.save()

    detail = api_client.get(detail_url("currency", "EUR"))
    listed = api_client.get(URL, {"search": "978"})
    assert detail.data["symbol"] == "E"
    assert detail.data["name"] == "Euro (changed)"
    assert keys(listed, "name") == ["Euro (changed)"]


def test_a_deactivated_currency_leaves_the_cached_list(api_client):
    assert "EUR" in keys(api_client.get(URL, {"search": "EU"}), "code")

    euro = Currency.objects.get(code="EUR")
    euro.is_active = False
    euro.save(update_fields=["is_active"])

    assert "EUR" not in keys(api_client.get(URL, {"search": "EU"}), "code")
    assert api_client.get(URL).data["count"] == 175


def test_created_and_deleted_rows_show_on_the_next_request(api_client):
    assert api_client.get(URL).data["count"] == 176

    currency = CurrencyFactory(code="QMA")
    assert api_client.get(URL).data["count"] == 177
    assert api_client.get(detail_url("currency", "QMA")).status_code == 200

    currency.delete()
    assert api_client.get(URL).data["count"] == 176
    assert api_client.get(detail_url("currency", "QMA")).status_code == 404


def test_each_model_has_its_own_cache_version(api_client, django_assert_num_queries):
    api_client.get(URL)

    # Saving rows of other models leaves the cached currencies in place.
    status = Status.objects.get(slug="active")
    status.save()
    UnitOfMeasureFactory()
    TaxCategoryFactory()
    with django_assert_num_queries(0):
        assert api_client.get(URL).status_code == 200

    Currency.objects.get(code="EUR").save()
    with django_assert_num_queries(1):  # the page, its count with it
        assert api_client.get(URL).status_code == 200


def test_a_rate_change_shows_on_the_next_request(api_client, tax_rate):
    url = detail_url("tax-rate", tax_rate.pk)
    assert api_client.get(url).data["valid_to"] is None
    assert api_client.get(list_url("tax-rate"), {"valid_on": "2030-01-01"}).data["count"] == 1

    tax_rate.valid_to = date(2029, 12, 31)
    tax_rate.save()

    assert api_client.get(url).data["valid_to"] == "2029-12-31"
    assert api_client.get(list_url("tax-rate"), {"valid_on": "2030-01-01"}).data["count"] == 0


def test_query_strings_are_cached_separately(api_client, django_assert_num_queries):
    euro = api_client.get(URL, {"search": "978"})
    yen = api_client.get(URL, {"search": "yen"})
    first_page = api_client.get(URL, {"page_size": 5})
    second_page = api_client.get(URL, {"page_size": 5, "page": 2})

    assert keys(euro, "code") == ["EUR"]
    assert keys(yen, "code") == ["JPY"]
    assert keys(first_page, "code") != keys(second_page, "code")
    with django_assert_num_queries(0):
        assert keys(api_client.get(URL, {"search": "yen"}), "code") == ["JPY"]
        assert keys(api_client.get(URL, {"search": "978"}), "code") == ["EUR"]
        assert keys(api_client.get(URL, {"page_size": 5, "page": 2}), "code") == keys(
            second_page, "code"
        )


def test_a_new_query_string_reads_the_database(api_client, django_assert_num_queries):
    api_client.get(URL, {"search": "dinar"})

    with django_assert_num_queries(1):  # the page, its count with it
        response = api_client.get(URL, {"search": "dinar", "ordering": "-code"})

    codes = keys(response, "code")
    assert "BHD" in codes
    assert codes == sorted(codes, reverse=True)


def test_the_list_and_details_are_cached_separately(api_client):
    api_client.get(URL)

    response = api_client.get(detail_url("currency", "JPY"))

    assert response.status_code == 200
    assert response.data["code"] == "JPY"
    assert response.data["decimal_places"] == 0


def test_errors_are_not_cached(api_client, django_assert_num_queries):
    assert api_client.get(detail_url("currency", "QZZ")).status_code == 404
    assert api_client.get(URL, {"page": 999}).status_code == 404
    assert api_client.get(list_url("tax-rate"), {"tax_type": "BAD"}).status_code == 400

    with django_assert_num_queries(1):
        assert api_client.get(detail_url("currency", "QZZ")).status_code == 404
    with django_assert_num_queries(1):
        assert api_client.get(URL, {"page": 999}).status_code == 404
    # Filter errors are found before any query; what matters is the same answer.
    response = api_client.get(list_url("tax-rate"), {"tax_type": "BAD"})
    assert response.status_code == 400
    assert "tax_type" in response.data


def test_a_cached_record_keeps_its_etag_and_answers_304(api_client, django_assert_num_queries):
    url = detail_url("currency", "JPY")
    first = api_client.get(url)
    etag = first.headers["ETag"]

    with django_assert_num_queries(0):
        cached = api_client.get(url)
        unchanged = api_client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert cached.headers["ETag"] == etag
    assert cached.data == first.data
    assert unchanged.status_code == 304
    assert unchanged.content == b""

    currency = Currency.objects.get(code="JPY")
    currency.name = "Yen (renamed)"
    currency.save()
    changed = api_client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
    assert changed.data["name"] == "Yen (renamed)"
