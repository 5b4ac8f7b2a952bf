"""Factories of the reference data models, for this app's tests and every later app's.

Codes are generated outside what the data migrations load (currencies QMA-QZZ, which
ISO 4217 reserves for private use; units "U0001"; jurisdictions "XJ-0001") so that
factories never collide with the seeded rows.
"""

import string
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from api.v1.base_models.common.choices import CategoryType, JurisdictionType, TaxType, UnitType
from api.v1.base_models.common.models import (
    Address,
    Category,
    Currency,
    Status,
    TaxCategory,
    TaxJurisdiction,
    TaxRate,
    UnitOfMeasure,
)


def private_currency_code(n: int) -> str:
    """0 -> "QMA", 1 -> "QMB", ..., 363 -> "QZZ", then around again."""
    second, third = divmod(n % (14 * 26), 26)
    return f"Q{string.ascii_uppercase[12 + second]}{string.ascii_uppercase[third]}"


class CurrencyFactory(DjangoModelFactory):
    """Currencies "QMA", "QMB", ... (private-use codes of ISO 4217)."""

    class Meta:
        model = Currency
        django_get_or_create = ("code",)

    code = factory.Sequence(private_currency_code)
    name = factory.LazyAttribute(lambda o: f"Test Currency {o.code}")
    symbol = "¤"
    numeric_code = None
    decimal_places = 2
    is_active = True
    custom_fields = factory.LazyFunction(dict)


class AddressFactory(DjangoModelFactory):
    class Meta:
        model = Address

    street_address_1 = factory.Faker("street_address")
    street_address_2 = ""
    city = factory.Faker("city")
    state_province = factory.Faker("state")
    postal_code = factory.Faker("postcode")
    country = "US"
    latitude = Decimal("37.774900")
    longitude = Decimal("-122.419400")
    custom_fields = factory.LazyFunction(dict)


class StatusFactory(DjangoModelFactory):
    class Meta:
        model = Status
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"test_status_{n}")
    name = factory.Sequence(lambda n: f"Test Status {n}")
    description = factory.Faker("sentence")
    category = factory.Iterator(["General", "Order", "User", ""])
    color = factory.Faker("hex_color")
    custom_fields = factory.LazyFunction(dict)


class UnitOfMeasureFactory(DjangoModelFactory):
    class Meta:
        model = UnitOfMeasure
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"U{n:04d}")
    name = factory.Sequence(lambda n: f"Test Unit {n}")
    uom_type = factory.Iterator(UnitType.values)
    symbol = factory.LazyAttribute(lambda o: o.code.lower())
    is_active = True
    custom_fields = factory.LazyFunction(dict)


class CategoryFactory(DjangoModelFactory):
    """A root category; pass `parent=` for a subcategory (it takes the parent's type)."""

    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Category {n}")
    parent = None
    category_type = factory.LazyAttribute(
        lambda o: o.parent.category_type if o.parent else CategoryType.PRODUCT
    )
    description = ""
    is_active = True
    custom_fields = factory.LazyFunction(dict)


class TaxJurisdictionFactory(DjangoModelFactory):
    """A country-level jurisdiction "XJ-0001", ...; pass `parent=` for a subdivision."""

    class Meta:
        model = TaxJurisdiction
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"XJ-{n:04d}")
    name = factory.Sequence(lambda n: f"Test Jurisdiction {n}")
    parent = None
    jurisdiction_type = factory.LazyAttribute(
        lambda o: JurisdictionType.STATE_PROVINCE if o.parent else JurisdictionType.COUNTRY
    )
    is_active = True
    custom_fields = factory.LazyFunction(dict)


class TaxCategoryFactory(DjangoModelFactory):
    class Meta:
        model = TaxCategory
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"test-category-{n}")
    name = factory.Sequence(lambda n: f"Test Tax Category {n}")
    description = ""
    is_active = True
    custom_fields = factory.LazyFunction(dict)


class TaxRateFactory(DjangoModelFactory):
    class Meta:
        model = TaxRate

    jurisdiction = factory.SubFactory(TaxJurisdictionFactory)
    tax_category = None
    name = factory.Sequence(lambda n: f"Tax Rate {n}")
    rate = Decimal("0.08250")
    tax_type = TaxType.SALES
    is_compound = False
    priority = 0
    valid_from = None
    valid_to = None
    is_active = True
    custom_fields = factory.LazyFunction(dict)
