"""The reference data endpoints are read-only for everyone: data is managed in the Admin."""

from decimal import Decimal

import pytest
from django.forms.models import model_to_dict

from api.v1.base_models.common.models import (
    Currency,
    Status,
    TaxCategory,
    TaxJurisdiction,
    TaxRate,
    UnitOfMeasure,
)
from api.v1.base_models.common.tests.factories import TaxRateFactory

from .helpers import detail_url, list_url

pytestmark = pytest.mark.django_db

# basename, model, key of an existing row (None: the tax rate created by the fixture)
ENDPOINTS = [
    ("currency", Currency, "EUR"),
    ("status", Status, "active"),
    ("uom", UnitOfMeasure, "KG"),
    ("tax-jurisdiction", TaxJurisdiction, "US-CA"),
    ("tax-category", TaxCategory, "standard"),
    ("tax-rate", TaxRate, None),
]
ENDPOINT_IDS = [basename for basename, _model, _key in ENDPOINTS]

PAYLOADS = {
    "currency": {"code": "QMA", "name": "Test", "decimal_places": 2},
    "status": {"slug": "new_status", "name": "New Status"},
    "uom": {"code": "NEW", "name": "New Unit", "uom_type": "Count"},
    "tax-jurisdiction": {"code": "XJ-1", "name": "New", "jurisdiction_type": "COUNTRY"},
    "tax-category": {"code": "new", "name": "New"},
    "tax-rate": {"jurisdiction": "US-CA", "name": "New", "rate": "0.1", "tax_type": "SALES"},
}


@pytest.fixture
def tax_rate():
    return TaxRateFactory(jurisdiction=TaxJurisdiction.objects.get(code="US-CA"), name="CA")


@pytest.fixture(params=["anonymous", "authenticated"])
def client(request, api_client, auth_client):
    return api_client if request.param == "anonymous" else auth_client


def snapshot(model) -> list[dict]:
    return [model_to_dict(row) for row in model.objects.order_by("pk")]


@pytest.mark.parametrize(("basename", "model", "key"), ENDPOINTS, ids=ENDPOINT_IDS)
def test_create_is_not_allowed(client, tax_rate, basename, model, key):
    before = snapshot(model)

    response = client.post(list_url(basename), PAYLOADS[basename])

    assert response.status_code == 405
    assert response.data["code"] == "method_not_allowed"
    assert snapshot(model) == before


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
@pytest.mark.parametrize(("basename", "model", "key"), ENDPOINTS, ids=ENDPOINT_IDS)
def test_change_and_delete_are_not_allowed(client, tax_rate, basename, model, key, method):
    key = tax_rate.pk if key is None else key
    before = snapshot(model)

    response = getattr(client, method)(detail_url(basename, key), {"name": "Changed"})

    assert response.status_code == 405
    assert response.data["code"] == "method_not_allowed"
    assert snapshot(model) == before


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
@pytest.mark.parametrize(("basename", "model", "key"), ENDPOINTS, ids=ENDPOINT_IDS)
def test_list_route_refuses_writes(api_client, basename, model, key, method):
    response = getattr(api_client, method)(list_url(basename), {})

    assert response.status_code == 405


@pytest.mark.parametrize(("basename", "model", "key"), ENDPOINTS, ids=ENDPOINT_IDS)
def test_allowed_methods_are_advertised(api_client, tax_rate, basename, model, key):
    key = tax_rate.pk if key is None else key

    list_response = api_client.options(list_url(basename))
    detail_response = api_client.options(detail_url(basename, key))

    assert list_response.status_code == 200
    assert set(list_response["Allow"].replace(" ", "").split(",")) == {"GET", "HEAD", "OPTIONS"}
    assert set(detail_response["Allow"].replace(" ", "").split(",")) == {
        "GET",
        "HEAD",
        "OPTIONS",
    }


@pytest.mark.parametrize(("basename", "model", "key"), ENDPOINTS, ids=ENDPOINT_IDS)
def test_reads_are_the_same_for_authenticated_users(
    api_client, auth_client, tax_rate, basename, model, key
):
    key = tax_rate.pk if key is None else key

    anonymous = api_client.get(detail_url(basename, key))
    authenticated = auth_client.get(detail_url(basename, key))

    assert anonymous.status_code == authenticated.status_code == 200
    assert anonymous.data == authenticated.data


def test_invalid_credentials_are_refused_even_on_public_endpoints(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")

    response = api_client.get(list_url("currency"))

    assert response.status_code == 401


def test_rate_values_are_untouched_by_a_refused_write(auth_client, tax_rate):
    response = auth_client.patch(detail_url("tax-rate", tax_rate.pk), {"rate": "0.5"})

    assert response.status_code == 405
    tax_rate.refresh_from_db()
    assert tax_rate.rate == Decimal("0.08250")
