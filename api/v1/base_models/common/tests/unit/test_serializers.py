"""Serializers: AddressSerializer (for nested use), TaxRateSerializer's period, custom
fields."""

import datetime
from decimal import Decimal

import pytest
from rest_framework import serializers

from api.v1.base_models.common.models import Address, Currency, TaxRate
from api.v1.base_models.common.serializers import (
    AddressSerializer,
    CurrencySerializer,
    StatusSerializer,
    TaxRateSerializer,
)
from api.v1.base_models.common.tests.factories import AddressFactory, TaxRateFactory

pytestmark = pytest.mark.django_db

ADDRESS = {
    "street_address_1": "1600 Amphitheatre Parkway",
    "city": "Mountain View",
    "state_province": "CA",
    "postal_code": "94043",
    "country": "US",
    "latitude": "37.422000",
    "longitude": "-122.084000",
}


class TestAddressSerializer:
    def test_create(self):
        serializer = AddressSerializer(data=ADDRESS)
        assert serializer.is_valid(), serializer.errors
        address = serializer.save()
        address.refresh_from_db()
        assert address.country.code == "US"
        assert address.city == "Mountain View"
        assert address.latitude == Decimal("37.422000")
        assert address.status == "active"
        assert address.custom_fields == {}

    def test_output_country_is_the_code(self):
        data = AddressSerializer(AddressFactory(country="FR", latitude=None)).data
        assert data["country"] == "FR"
        assert data["latitude"] is None
        assert set(data) >= {"id", "created_at", "updated_at", "custom_fields"}

    def test_update(self):
        address = AddressFactory(country="US", city="Austin")
        serializer = AddressSerializer(
            address, data={"city": "Québec", "country": "CA"}, partial=True
        )
        assert serializer.is_valid(), serializer.errors
        serializer.save()
        address.refresh_from_db()
        assert (address.city, address.country.code) == ("Québec", "CA")
        assert Address.objects.count() == 1

    @pytest.mark.parametrize("country", ["ZZ", "XYZ", "Atlantis", ""])
    def test_invalid_country(self, country):
        serializer = AddressSerializer(data={**ADDRESS, "country": country})
        assert not serializer.is_valid()
        assert list(serializer.errors) == ["country"]

    @pytest.mark.parametrize(("given", "code"), [("fr", "FR"), ("FRA", "FR"), ("France", "FR")])
    def test_country_alpha3_and_names_are_read_as_the_code(self, given, code):
        serializer = AddressSerializer(data={**ADDRESS, "country": given})
        assert serializer.is_valid(), serializer.errors
        address = serializer.save()
        assert Address.objects.get(pk=address.pk).country.code == code
        assert AddressSerializer(address).data["country"] == code

    def test_country_is_required(self):
        data = {key: value for key, value in ADDRESS.items() if key != "country"}
        serializer = AddressSerializer(data=data)
        assert not serializer.is_valid()
        assert list(serializer.errors) == ["country"]

    def test_coordinates_out_of_range(self):
        serializer = AddressSerializer(data={**ADDRESS, "latitude": "90.5", "longitude": "-181"})
        assert not serializer.is_valid()
        assert set(serializer.errors) == {"latitude", "longitude"}
        assert not Address.objects.exists()

    def test_coordinates_on_the_bounds(self):
        serializer = AddressSerializer(data={**ADDRESS, "latitude": "-90", "longitude": "180"})
        assert serializer.is_valid(), serializer.errors

    def test_custom_fields_must_be_an_object(self):
        serializer = AddressSerializer(data={**ADDRESS, "custom_fields": ["a", "b"]})
        assert not serializer.is_valid()
        assert list(serializer.errors) == ["custom_fields"]

    def test_custom_fields_saved(self):
        serializer = AddressSerializer(data={**ADDRESS, "custom_fields": {"dock": "B"}})
        assert serializer.is_valid(), serializer.errors
        assert serializer.save().custom_fields == {"dock": "B"}

    def test_audit_fields_are_read_only(self):
        serializer = AddressSerializer(
            data={**ADDRESS, "created_at": "2000-01-01T00:00:00Z", "id": 999999}
        )
        assert serializer.is_valid(), serializer.errors
        address = serializer.save()
        assert address.created_at.year != 2000
        assert address.pk != 999999

    def test_nested_in_an_owner_serializer(self):
        """As the docstring shows: an owner's serializer validates, then create/update."""

        class WarehouseSerializer(serializers.Serializer):
            name = serializers.CharField()
            address = AddressSerializer()

        owner = WarehouseSerializer(data={"name": "Main", "address": ADDRESS})
        assert owner.is_valid(), owner.errors
        address = AddressSerializer().create(owner.validated_data["address"])
        assert Address.objects.get(pk=address.pk).country.code == "US"

        changed = WarehouseSerializer(
            data={"name": "Main", "address": {**ADDRESS, "postal_code": "94040"}}
        )
        assert changed.is_valid(), changed.errors
        AddressSerializer().update(address, changed.validated_data["address"])
        assert Address.objects.get(pk=address.pk).postal_code == "94040"

        invalid = WarehouseSerializer(
            data={"name": "Main", "address": {**ADDRESS, "country": "ZZ"}}
        )
        assert not invalid.is_valid()
        assert list(invalid.errors["address"]) == ["country"]


class TestTaxRateSerializer:
    @pytest.fixture
    def payload(self):
        return {
            "jurisdiction": "US-CA",
            "tax_category": "standard",
            "name": "California State Sales Tax",
            "rate": "0.07250",
            "tax_type": "SALES",
            "valid_from": "2024-01-01",
            "valid_to": "2024-12-31",
        }

    def test_valid(self, payload):
        serializer = TaxRateSerializer(data=payload)
        assert serializer.is_valid(), serializer.errors
        rate = serializer.save()
        assert rate.jurisdiction_id == "US-CA"
        assert rate.valid_to == datetime.date(2024, 12, 31)

    @pytest.mark.parametrize(
        ("valid_from", "valid_to"),
        [("2024-01-01", "2024-01-01"), ("2024-01-01", None), (None, "2024-01-01"), (None, None)],
    )
    def test_same_day_and_open_ends_are_valid(self, payload, valid_from, valid_to):
        serializer = TaxRateSerializer(
            data={**payload, "valid_from": valid_from, "valid_to": valid_to}
        )
        assert serializer.is_valid(), serializer.errors

    def test_valid_to_before_valid_from(self, payload):
        serializer = TaxRateSerializer(data={**payload, "valid_to": "2023-12-31"})
        assert not serializer.is_valid()
        assert list(serializer.errors) == ["valid_to"]
        assert not TaxRate.objects.exists()

    def test_partial_update_compares_with_the_stored_valid_from(self):
        rate = TaxRateFactory(valid_from=datetime.date(2024, 1, 1), valid_to=None)
        serializer = TaxRateSerializer(rate, data={"valid_to": "2023-12-31"}, partial=True)
        assert not serializer.is_valid()
        assert list(serializer.errors) == ["valid_to"]

        serializer = TaxRateSerializer(rate, data={"valid_to": "2024-06-30"}, partial=True)
        assert serializer.is_valid(), serializer.errors
        serializer.save()
        rate.refresh_from_db()
        assert rate.valid_to == datetime.date(2024, 6, 30)

    def test_partial_update_of_valid_from_compares_with_the_stored_valid_to(self):
        rate = TaxRateFactory(valid_from=None, valid_to=datetime.date(2024, 6, 30))
        serializer = TaxRateSerializer(rate, data={"valid_from": "2024-07-01"}, partial=True)
        assert not serializer.is_valid()
        assert list(serializer.errors) == ["valid_to"]

    def test_negative_rate(self, payload):
        serializer = TaxRateSerializer(data={**payload, "rate": "-0.01"})
        assert not serializer.is_valid()
        assert list(serializer.errors) == ["rate"]

    def test_unknown_jurisdiction(self, payload):
        serializer = TaxRateSerializer(data={**payload, "jurisdiction": "XX-NOPE"})
        assert not serializer.is_valid()
        assert list(serializer.errors) == ["jurisdiction"]


class TestCustomFieldsValidation:
    CURRENCY = {"code": "QMA", "name": "Test currency", "decimal_places": 2}

    @pytest.mark.parametrize("value", [["a"], "text", 3, {"": 1}, {"  ": 1}])
    def test_invalid(self, value):
        serializer = CurrencySerializer(data={**self.CURRENCY, "custom_fields": value})
        assert not serializer.is_valid()
        assert list(serializer.errors) == ["custom_fields"]

    def test_object_accepted_and_stored(self):
        serializer = CurrencySerializer(data={**self.CURRENCY, "custom_fields": {"erp_id": 7}})
        assert serializer.is_valid(), serializer.errors
        serializer.save()
        assert Currency.objects.get(code="QMA").custom_fields == {"erp_id": 7}

    def test_omitted_is_an_empty_object(self):
        serializer = StatusSerializer(data={"slug": "on_hold", "name": "On Hold"})
        assert serializer.is_valid(), serializer.errors
        assert serializer.save().custom_fields == {}

    def test_model_validators_apply(self):
        serializer = CurrencySerializer(data={"code": "eur", "name": "Euro", "numeric_code": "97"})
        assert not serializer.is_valid()
        assert set(serializer.errors) == {"code", "name", "numeric_code"}
