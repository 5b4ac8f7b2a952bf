"""The reference data models: keys, constraints, validation, defaults, audit fields.

Category has its own module (test_category.py).
"""

import datetime
from decimal import Decimal

import pytest
from crum import impersonate
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from api.v1.base_models.common.choices import (
    AddressStatus,
    CategoryType,
    JurisdictionType,
    TaxType,
    UnitType,
)
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
from api.v1.base_models.common.tests.factories import (
    AddressFactory,
    CategoryFactory,
    CurrencyFactory,
    StatusFactory,
    TaxCategoryFactory,
    TaxJurisdictionFactory,
    TaxRateFactory,
    UnitOfMeasureFactory,
)
from api.v1.base_models.user.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ALL_FACTORIES = [
    CurrencyFactory,
    AddressFactory,
    StatusFactory,
    UnitOfMeasureFactory,
    CategoryFactory,
    TaxJurisdictionFactory,
    TaxCategoryFactory,
    TaxRateFactory,
]


def clean_errors(instance, **kwargs) -> dict:
    """The errors of instance.full_clean(), by field (which must raise)."""
    with pytest.raises(ValidationError) as excinfo:
        instance.full_clean(**kwargs)
    return excinfo.value.message_dict


def tree_snapshot():
    return list(
        TaxJurisdiction.objects.order_by("code").values_list(
            "code", "parent_id", "tree_id", "lft", "rght", "level"
        )
    )


# ------------------------------------------------------------------------ shared behaviour
class TestFactories:
    @pytest.mark.parametrize("factory", ALL_FACTORIES, ids=lambda f: f.__name__)
    def test_factory_rows_are_valid_and_saved(self, factory):
        instance = factory()
        instance.full_clean()
        assert type(instance).objects.filter(pk=instance.pk).exists()

    def test_factory_codes_do_not_collide_with_the_seeded_data(self):
        currencies = CurrencyFactory.create_batch(3)
        units = UnitOfMeasureFactory.create_batch(3)
        jurisdictions = TaxJurisdictionFactory.create_batch(3)
        assert all(c.name.startswith("Test Currency") for c in currencies)
        assert all(u.name.startswith("Test Unit") for u in units)
        assert all(j.name.startswith("Test Jurisdiction") for j in jurisdictions)
        assert Currency.objects.count() == 178 + 3
        assert UnitOfMeasure.objects.count() == 37 + 3

    def test_subcategory_takes_the_type_of_its_parent(self):
        parent = CategoryFactory(category_type=CategoryType.ASSET_TYPE)
        assert CategoryFactory(parent=parent).category_type == CategoryType.ASSET_TYPE

    def test_subdivision_factory_makes_a_state(self):
        country = TaxJurisdictionFactory()
        state = TaxJurisdictionFactory(parent=country)
        assert country.jurisdiction_type == JurisdictionType.COUNTRY
        assert state.jurisdiction_type == JurisdictionType.STATE_PROVINCE
        assert state.level == 1


class TestCustomFields:
    @pytest.mark.parametrize("factory", ALL_FACTORIES, ids=lambda f: f.__name__)
    def test_defaults_to_an_empty_object(self, factory):
        model = factory._meta.model
        assert model().custom_fields == {}
        assert model().custom_fields is not model().custom_fields  # not one shared dict
        instance = factory()
        type(instance).objects.filter(pk=instance.pk).update(custom_fields={})
        instance.refresh_from_db()
        assert instance.custom_fields == {}

    @pytest.mark.parametrize("factory", ALL_FACTORIES, ids=lambda f: f.__name__)
    @pytest.mark.parametrize("value", [[1, 2], "text", 42, True])
    def test_full_clean_refuses_a_value_that_is_not_an_object(self, factory, value):
        instance = factory()
        instance.custom_fields = value
        assert list(clean_errors(instance)) == ["custom_fields"]

    def test_full_clean_refuses_empty_keys(self):
        currency = CurrencyFactory()
        currency.custom_fields = {" ": 1}
        assert "custom_fields" in clean_errors(currency)

    def test_full_clean_turns_null_into_an_empty_object(self):
        status = StatusFactory()
        status.custom_fields = None
        status.full_clean()
        assert status.custom_fields == {}

    def test_an_object_is_stored_and_read_back(self):
        unit = UnitOfMeasureFactory(custom_fields={"gs1": "KGM", "nested": {"a": [1, 2]}})
        unit.full_clean()
        unit.refresh_from_db()
        assert unit.custom_fields == {"gs1": "KGM", "nested": {"a": [1, 2]}}


class TestAuditFields:
    @pytest.mark.parametrize("factory", ALL_FACTORIES, ids=lambda f: f.__name__)
    def test_created_and_updated_by_the_current_user(self, factory):
        creator, editor = UserFactory(), UserFactory()
        with impersonate(creator):
            instance = factory()
        instance.refresh_from_db()
        assert instance.created_by == creator
        assert instance.updated_by == creator
        assert instance.created_at is not None
        first_update = instance.updated_at

        with impersonate(editor):
            instance.save()
        instance.refresh_from_db()
        assert instance.created_by == creator
        assert instance.updated_by == editor
        assert instance.updated_at > first_update
        assert instance.created_at <= first_update

    def test_saves_outside_a_request_record_nobody(self):
        currency = CurrencyFactory()
        currency.refresh_from_db()
        assert currency.created_by is None
        assert currency.updated_by is None

    def test_natural_primary_key_is_a_creation(self):
        # Currency has its primary key before the first save: still recorded as created.
        user = UserFactory()
        with impersonate(user):
            Currency.objects.create(code="QZZ", name="Zed")
        assert Currency.objects.get(code="QZZ").created_by == user


# -------------------------------------------------------------------------------- currency
class TestCurrency:
    def test_code_is_the_primary_key(self):
        assert Currency._meta.pk.name == "code"
        currency = CurrencyFactory(code="QMA")
        assert currency.pk == "QMA"
        assert Currency.objects.get(pk="QMA") == currency

    def test_defaults(self):
        currency = Currency.objects.create(code="QMB", name="Bee")
        currency.refresh_from_db()
        assert currency.decimal_places == 2
        assert currency.is_active is True
        assert currency.symbol == ""
        assert currency.numeric_code is None
        assert currency.custom_fields == {}

    def test_str_is_the_code(self):
        assert str(Currency.objects.get(code="EUR")) == "EUR"

    def test_name_is_unique_in_the_database(self):
        with pytest.raises(IntegrityError), transaction.atomic():
            Currency.objects.create(code="QMC", name="Euro")

    def test_name_is_unique_for_full_clean(self):
        assert "name" in clean_errors(Currency(code="QMC", name="Euro"))

    def test_code_is_unique_for_full_clean(self):
        assert "code" in clean_errors(Currency(code="EUR", name="Another Euro"))

    def test_numeric_code_is_unique(self):
        assert "numeric_code" in clean_errors(Currency(code="QMC", name="C", numeric_code="978"))
        with pytest.raises(IntegrityError), transaction.atomic():
            Currency.objects.create(code="QMC", name="C", numeric_code="978")

    def test_blank_numeric_code_becomes_null_in_clean(self):
        first = Currency(code="QMD", name="Dee", numeric_code="")
        first.full_clean()
        assert first.numeric_code is None
        first.save()
        # A second currency without numeric code: NULLs never collide.
        second = Currency(code="QME", name="Eee", numeric_code="")
        second.full_clean()
        second.save()
        assert Currency.objects.filter(code__in=["QMD", "QME"], numeric_code=None).count() == 2

    @pytest.mark.parametrize("code", ["eur", "EU", "E1R", "EU-", "EURO"])
    def test_code_must_be_three_capital_letters(self, code):
        assert "code" in clean_errors(Currency(code=code, name="Bad code"))

    @pytest.mark.parametrize("numeric_code", ["97", "9780", "abc", "97a"])
    def test_numeric_code_must_be_three_digits(self, numeric_code):
        errors = clean_errors(Currency(code="QMF", name="Eff", numeric_code=numeric_code))
        assert "numeric_code" in errors

    def test_decimal_places_are_at_most_eight(self):
        Currency(code="QMG", name="Gee", decimal_places=8).full_clean()
        assert "decimal_places" in clean_errors(Currency(code="QMG", name="Gee", decimal_places=9))

    def test_ordered_by_code(self):
        for code in ["QNB", "QNA", "QNC"]:
            CurrencyFactory(code=code)
        codes = list(Currency.objects.filter(code__startswith="QN").values_list("code", flat=True))
        assert codes == ["QNA", "QNB", "QNC"]


# --------------------------------------------------------------------------------- address
class TestAddress:
    def test_defaults(self):
        address = Address.objects.create(country="FR")
        address.refresh_from_db()
        assert address.status == AddressStatus.ACTIVE
        assert address.latitude is None
        assert address.longitude is None
        assert address.custom_fields == {}
        assert address.street_address_1 == ""

    def test_country_is_validated(self):
        assert "country" in clean_errors(AddressFactory.build(country="ZZ"))

    def test_country_is_required(self):
        assert "country" in clean_errors(AddressFactory.build(country=""))

    def test_country_object(self):
        address = AddressFactory(country="DE")
        address.refresh_from_db()
        assert address.country.code == "DE"
        assert address.country.name == "Germany"

    def test_status_choices(self):
        assert "status" in clean_errors(AddressFactory.build(status="deleted"))
        AddressFactory.build(status=AddressStatus.INACTIVE).full_clean()

    @pytest.mark.parametrize(
        ("latitude", "longitude"),
        [("90", "180"), ("-90", "-180"), ("0", "0"), ("48.856613", "2.352222")],
    )
    def test_coordinates_within_bounds(self, latitude, longitude):
        address = AddressFactory.build(latitude=Decimal(latitude), longitude=Decimal(longitude))
        address.full_clean()
        address.save()
        address.refresh_from_db()
        assert address.latitude == Decimal(latitude)
        assert address.longitude == Decimal(longitude)

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("latitude", "90.000001"),
            ("latitude", "-90.5"),
            ("latitude", "91"),
            ("longitude", "180.000001"),
            ("longitude", "-181"),
        ],
    )
    def test_coordinates_out_of_bounds_refused_by_full_clean(self, field, value):
        address = AddressFactory.build(**{field: Decimal(value)})
        assert list(clean_errors(address)) == [field]

    @pytest.mark.parametrize(
        ("field", "value"),
        [("latitude", "91"), ("latitude", "-90.5"), ("longitude", "181"), ("longitude", "-181")],
    )
    def test_coordinates_out_of_bounds_refused_by_the_database(self, field, value):
        address = AddressFactory.build(**{field: Decimal(value)})
        with pytest.raises(IntegrityError), transaction.atomic():
            address.save()
        assert not Address.objects.exists()

    def test_str_joins_the_parts_that_are_filled(self):
        address = AddressFactory.build(
            street_address_1="10 Rue de Rivoli",
            street_address_2="Bâtiment B",
            postal_code="75001",
            city="Paris",
            state_province="Île-de-France",
            country="FR",
        )
        assert str(address) == "10 Rue de Rivoli, Bâtiment B, 75001 Paris, Île-de-France, France"

    def test_str_without_optional_parts(self):
        address = Address(city="Ottawa", country="CA")
        assert str(address) == "Ottawa, Canada"
        assert str(Address(country="US")) == "United States of America"
        assert str(Address()) == ""

    def test_ordering(self):
        AddressFactory(country="US", city="Boston", street_address_1="2 B St")
        AddressFactory(country="FR", city="Paris", street_address_1="1 A St")
        AddressFactory(country="US", city="Austin", street_address_1="3 C St")
        AddressFactory(country="US", city="Austin", street_address_1="1 A St")
        rows = list(Address.objects.values_list("country", "city", "street_address_1"))
        assert rows == [
            ("FR", "Paris", "1 A St"),
            ("US", "Austin", "1 A St"),
            ("US", "Austin", "3 C St"),
            ("US", "Boston", "2 B St"),
        ]


# ---------------------------------------------------------------------------------- status
class TestStatus:
    def test_slug_is_the_primary_key(self):
        assert Status._meta.pk.name == "slug"
        StatusFactory(slug="on_hold", name="On Hold")
        assert Status.objects.get(pk="on_hold").name == "On Hold"

    def test_str_is_the_name(self):
        assert str(Status.objects.get(slug="pending_approval")) == "Pending Approval"

    def test_name_is_unique(self):
        assert "name" in clean_errors(Status(slug="draft_2", name="Draft"))
        with pytest.raises(IntegrityError), transaction.atomic():
            Status.objects.create(slug="draft_2", name="Draft")

    def test_slug_is_unique(self):
        assert "slug" in clean_errors(Status(slug="draft", name="Another draft"))

    def test_slug_must_be_a_slug(self):
        assert "slug" in clean_errors(Status(slug="on hold!", name="On Hold"))

    @pytest.mark.parametrize("color", ["#4CAF50", "#4caf50", "#000000", ""])
    def test_valid_colors(self, color):
        Status(slug="x", name="X", color=color).full_clean()

    @pytest.mark.parametrize("color", ["4CAF50", "#4CAF5", "#GGGGGG", "red", "#4CAF50 "])
    def test_invalid_colors(self, color):
        assert list(clean_errors(Status(slug="x", name="X", color=color))) == ["color"]

    def test_defaults(self):
        status = Status.objects.create(slug="x", name="X")
        status.refresh_from_db()
        assert (status.description, status.category, status.color) == ("", "", "")

    def test_ordered_by_category_then_name(self):
        StatusFactory(slug="t_b", name="ZZ B", category="ZZ1")
        StatusFactory(slug="t_a", name="ZZ A", category="ZZ2")
        StatusFactory(slug="t_c", name="ZZ C", category="ZZ1")
        slugs = list(Status.objects.filter(name__startswith="ZZ").values_list("slug", flat=True))
        assert slugs == ["t_b", "t_c", "t_a"]


# ------------------------------------------------------------------------- unit of measure
class TestUnitOfMeasure:
    def test_code_is_the_primary_key(self):
        assert UnitOfMeasure._meta.pk.name == "code"
        assert UnitOfMeasure.objects.get(pk="KG").name == "Kilogram"

    def test_str_is_the_name(self):
        assert str(UnitOfMeasure.objects.get(code="M2")) == "Square Meter"

    @pytest.mark.parametrize("code", ["KG", "BOX_12", "M3", "X"])
    def test_valid_codes(self, code):
        UnitOfMeasure(code=code, name=f"Unit {code} test", uom_type=UnitType.OTHER).full_clean(
            validate_unique=False
        )

    @pytest.mark.parametrize("code", ["kg", "BOX-12", "M²", "A B", ""])
    def test_invalid_codes(self, code):
        unit = UnitOfMeasure(code=code, name="Bad unit", uom_type=UnitType.OTHER)
        assert "code" in clean_errors(unit)

    def test_name_is_unique(self):
        assert "name" in clean_errors(
            UnitOfMeasure(code="KILO", name="Kilogram", uom_type=UnitType.MASS)
        )
        with pytest.raises(IntegrityError), transaction.atomic():
            UnitOfMeasure.objects.create(code="KILO", name="Kilogram", uom_type=UnitType.MASS)

    def test_type_is_one_of_the_choices(self):
        unit = UnitOfMeasure(code="KILO", name="Kilo", uom_type="Weight")
        assert list(clean_errors(unit)) == ["uom_type"]

    def test_defaults(self):
        unit = UnitOfMeasure.objects.create(code="KILO", name="Kilo", uom_type=UnitType.MASS)
        unit.refresh_from_db()
        assert unit.is_active is True
        assert unit.symbol == ""

    def test_ordered_by_type_then_name(self):
        UnitOfMeasureFactory(code="U_B", name="Zz B", uom_type=UnitType.MASS)
        UnitOfMeasureFactory(code="U_A", name="Zz A", uom_type=UnitType.TIME)
        UnitOfMeasureFactory(code="U_C", name="Zz C", uom_type=UnitType.MASS)
        codes = list(
            UnitOfMeasure.objects.filter(code__startswith="U_").values_list("code", flat=True)
        )
        assert codes == ["U_B", "U_C", "U_A"]


# ------------------------------------------------------------------------------------- tax
class TestTaxCategory:
    def test_code_is_the_primary_key(self):
        assert TaxCategory._meta.pk.name == "code"
        assert TaxCategory.objects.get(pk="standard").name == "Standard Rate"

    def test_str_is_the_name(self):
        assert str(TaxCategory.objects.get(code="exempt")) == "Exempt"

    def test_name_is_unique(self):
        assert "name" in clean_errors(TaxCategory(code="std", name="Standard Rate"))
        with pytest.raises(IntegrityError), transaction.atomic():
            TaxCategory.objects.create(code="std", name="Standard Rate")

    def test_code_must_be_a_slug(self):
        assert "code" in clean_errors(TaxCategory(code="not a slug", name="Whatever"))

    def test_ordered_by_name(self):
        TaxCategoryFactory(code="t-b", name="Zz B")
        TaxCategoryFactory(code="t-a", name="Zz C")
        TaxCategoryFactory(code="t-c", name="Zz A")
        codes = list(TaxCategory.objects.filter(code__startswith="t-").values_list("pk", flat=True))
        assert codes == ["t-c", "t-b", "t-a"]


class TestTaxJurisdiction:
    def test_code_is_the_primary_key(self):
        assert TaxJurisdiction._meta.pk.name == "code"
        assert TaxJurisdiction.objects.get(pk="US-CA").name == "California"

    def test_str_is_the_name(self):
        assert str(TaxJurisdiction.objects.get(code="CA-QC")) == "Quebec"

    def test_a_state_is_a_child_of_its_country(self):
        state = TaxJurisdiction.objects.get(code="US-TX")
        assert state.parent_id == "US"
        assert state.level == 1
        assert state.is_descendant_of(TaxJurisdiction.objects.get(code="US"))

    def test_children_are_kept_in_name_order(self):
        country = TaxJurisdictionFactory(code="XJ-C", name="Testland")
        for code, name in [("XJ-C-2", "Zeta"), ("XJ-C-1", "Alpha"), ("XJ-C-3", "Mid")]:
            TaxJurisdictionFactory(code=code, name=name, parent=country)
        country.refresh_from_db()
        assert [c.code for c in country.get_children()] == ["XJ-C-1", "XJ-C-3", "XJ-C-2"]
        assert country.rght - country.lft == 7

    def test_deleting_a_country_with_states_is_refused(self):
        country = TaxJurisdiction.objects.get(code="CA")
        with pytest.raises(ProtectedError):
            country.delete()
        assert TaxJurisdiction.objects.filter(parent_id="CA").count() == 13
        assert TaxJurisdiction.objects.filter(code="CA").exists()

    def test_a_refused_deletion_leaves_the_tree_intact(self):
        # django-mptt moves the nodes after the deleted one before Django checks PROTECT.
        county = TaxJurisdictionFactory(
            code="US-CA-LA",
            name="Los Angeles County",
            parent=TaxJurisdiction.objects.get(code="US-CA"),
            jurisdiction_type=JurisdictionType.COUNTY,
        )
        assert county.level == 2
        before = tree_snapshot()
        with pytest.raises(ProtectedError):
            TaxJurisdiction.objects.get(code="US-CA").delete()
        assert tree_snapshot() == before

    def test_deleting_a_leaf_keeps_a_valid_tree(self):
        TaxJurisdiction.objects.get(code="US-WY").delete()
        assert not TaxJurisdiction.objects.filter(code="US-WY").exists()
        after_delete = tree_snapshot()
        TaxJurisdiction.objects.rebuild()
        assert tree_snapshot() == after_delete

    def test_type_is_one_of_the_choices(self):
        jurisdiction = TaxJurisdiction(code="XJ-T", name="T", jurisdiction_type="PLANET")
        assert list(clean_errors(jurisdiction)) == ["jurisdiction_type"]


class TestTaxRate:
    @pytest.fixture
    def jurisdiction(self):
        return TaxJurisdiction.objects.get(code="US-CA")

    def test_defaults(self, jurisdiction):
        rate = TaxRate.objects.create(
            jurisdiction=jurisdiction, name="CA", rate=Decimal("0.0725"), tax_type=TaxType.SALES
        )
        rate.refresh_from_db()
        assert rate.rate == Decimal("0.07250")
        assert rate.is_compound is False
        assert rate.priority == 0
        assert rate.is_active is True
        assert rate.valid_from is None
        assert rate.valid_to is None
        assert rate.tax_category is None

    def test_str(self, jurisdiction):
        assert str(TaxRateFactory.build(name="CA State Sales Tax")) == "CA State Sales Tax"
        unnamed = TaxRate(jurisdiction=jurisdiction, name="", rate=Decimal("0.0825"))
        assert str(unnamed).startswith("US-CA 8.25")
        assert str(unnamed).endswith("%")

    def test_valid_to_before_valid_from_is_refused_by_clean(self, jurisdiction):
        rate = TaxRateFactory.build(
            jurisdiction=jurisdiction,
            valid_from=datetime.date(2024, 1, 1),
            valid_to=datetime.date(2023, 12, 31),
        )
        with pytest.raises(ValidationError) as excinfo:
            rate.clean()
        assert list(excinfo.value.message_dict) == ["valid_to"]
        assert "valid_to" in clean_errors(rate)

    @pytest.mark.parametrize(
        ("valid_from", "valid_to"),
        [
            (datetime.date(2024, 1, 1), datetime.date(2024, 1, 1)),
            (datetime.date(2024, 1, 1), datetime.date(2024, 12, 31)),
            (datetime.date(2024, 1, 1), None),
            (None, datetime.date(2024, 1, 1)),
            (None, None),
        ],
    )
    def test_valid_periods(self, jurisdiction, valid_from, valid_to):
        rate = TaxRateFactory.build(
            jurisdiction=jurisdiction, valid_from=valid_from, valid_to=valid_to
        )
        rate.full_clean()
        rate.save()
        assert TaxRate.objects.filter(pk=rate.pk, valid_to=valid_to).exists()

    def test_valid_to_before_valid_from_is_refused_by_the_database(self, jurisdiction):
        rate = TaxRateFactory.build(
            jurisdiction=jurisdiction,
            valid_from=datetime.date(2024, 1, 2),
            valid_to=datetime.date(2024, 1, 1),
        )
        with pytest.raises(IntegrityError), transaction.atomic():
            rate.save()
        assert not TaxRate.objects.exists()

    def test_negative_rate_is_refused(self, jurisdiction):
        rate = TaxRateFactory.build(jurisdiction=jurisdiction, rate=Decimal("-0.01"))
        assert list(clean_errors(rate)) == ["rate"]
        with pytest.raises(IntegrityError), transaction.atomic():
            rate.save()
        TaxRateFactory(jurisdiction=jurisdiction, rate=Decimal("0"))
        assert TaxRate.objects.get().rate == 0

    def test_tax_type_is_one_of_the_choices(self, jurisdiction):
        rate = TaxRateFactory.build(jurisdiction=jurisdiction, tax_type="INCOME")
        assert list(clean_errors(rate)) == ["tax_type"]

    def test_rate_precision(self, jurisdiction):
        rate = TaxRateFactory.build(jurisdiction=jurisdiction, rate=Decimal("0.123456"))
        assert "rate" in clean_errors(rate)

    def test_ordering(self, jurisdiction):
        other = TaxJurisdiction.objects.get(code="US-AL")
        older = TaxRateFactory(jurisdiction=jurisdiction, valid_from=datetime.date(2020, 1, 1))
        newer = TaxRateFactory(jurisdiction=jurisdiction, valid_from=datetime.date(2024, 1, 1))
        later_priority = TaxRateFactory(jurisdiction=jurisdiction, priority=1)
        alabama = TaxRateFactory(jurisdiction=other, priority=5)
        assert list(TaxRate.objects.all()) == [alabama, newer, older, later_priority]

    def test_deleted_with_its_jurisdiction_and_category(self):
        category = TaxCategoryFactory()
        jurisdiction = TaxJurisdictionFactory()
        TaxRateFactory(jurisdiction=jurisdiction)
        kept = TaxRateFactory()
        of_category = TaxRateFactory(tax_category=category)
        jurisdiction.delete()
        assert set(TaxRate.objects.all()) == {kept, of_category}
        category.delete()
        assert list(TaxRate.objects.all()) == [kept]


def test_category_type_choices_are_validated():
    category = Category(name="X", category_type="SPACESHIP")
    assert list(clean_errors(category)) == ["category_type"]
