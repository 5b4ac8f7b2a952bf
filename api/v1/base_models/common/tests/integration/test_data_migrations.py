"""The data migrations 0002-0006: what the migrated test database holds, and their
load/unload functions run again (idempotent, reversible)."""

import importlib
import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection

from api.v1.base_models.common.choices import JurisdictionType, UnitType
from api.v1.base_models.common.models import (
    Currency,
    Status,
    TaxCategory,
    TaxJurisdiction,
    UnitOfMeasure,
)

pytestmark = pytest.mark.django_db

DATA_DIR = Path(__file__).resolve().parents[2] / "migrations" / "data"
CURRENCIES = json.loads((DATA_DIR / "0002_currencies.json").read_text("utf-8"))["currencies"]
JURISDICTIONS = json.loads((DATA_DIR / "0006_tax_jurisdictions.json").read_text("utf-8"))

STATUS_SLUGS = {
    "draft",
    "active",
    "inactive",
    "archived",
    "pending",
    "pending_approval",
    "approved",
    "rejected",
    "completed",
    "cancelled",
    "discontinued",
}


def migration(name):
    return importlib.import_module(f"api.v1.base_models.common.migrations.{name}")


# The schema editor as RunPython hands it over: only its connection is used.
SCHEMA_EDITOR = SimpleNamespace(connection=connection)


def tree_snapshot():
    return list(
        TaxJurisdiction.objects.order_by("code").values_list(
            "code", "parent_id", "tree_id", "lft", "rght", "level"
        )
    )


def assert_tree_is_what_mptt_rebuilds():
    written = tree_snapshot()
    TaxJurisdiction.objects.rebuild()
    assert tree_snapshot() == written


class TestCurrencies:
    def test_exactly_the_currencies_of_the_data_file(self):
        assert len(CURRENCIES) == 178
        assert set(Currency.objects.values_list("code", flat=True)) == {
            row["code"] for row in CURRENCIES
        }

    def test_rows_match_the_data_file(self):
        stored = {
            c["code"]: c
            for c in Currency.objects.values(
                "code", "name", "numeric_code", "decimal_places", "symbol", "is_active"
            )
        }
        assert stored == {row["code"]: row for row in CURRENCIES}

    @pytest.mark.parametrize(
        ("code", "decimal_places"),
        [("EUR", 2), ("USD", 2), ("JPY", 0), ("KWD", 3), ("BHD", 3), ("CLF", 4)],
    )
    def test_minor_units(self, code, decimal_places):
        assert Currency.objects.get(code=code).decimal_places == decimal_places

    def test_well_known_rows(self):
        euro = Currency.objects.get(code="EUR")
        assert (euro.name, euro.numeric_code, euro.symbol) == ("Euro", "978", "€")
        assert Currency.objects.get(code="USD").numeric_code == "840"

    def test_testing_and_no_currency_codes_are_inactive(self):
        assert set(Currency.objects.filter(is_active=False).values_list("code", flat=True)) == {
            "XTS",
            "XXX",
        }

    def test_names_and_numeric_codes_are_unique_and_valid(self):
        names = list(Currency.objects.values_list("name", flat=True))
        assert len(names) == len(set(names))
        for currency in Currency.objects.all():
            currency.full_clean()


class TestStatuses:
    def test_the_common_statuses(self):
        assert set(Status.objects.values_list("slug", flat=True)) == STATUS_SLUGS

    def test_rows_are_valid(self):
        for status in Status.objects.all():
            status.full_clean()
        approved = Status.objects.get(slug="approved")
        assert (approved.name, approved.category, approved.color) == (
            "Approved",
            "Approval",
            "#4CAF50",
        )


class TestUnitsOfMeasure:
    def test_codes_by_type(self):
        by_type = {}
        for code, uom_type in UnitOfMeasure.objects.values_list("code", "uom_type"):
            by_type.setdefault(uom_type, set()).add(code)
        assert by_type == {
            UnitType.COUNT: {"EA", "BOX", "PK", "PR", "DZ", "SET"},
            UnitType.MASS: {"KG", "G", "MG", "T", "LB", "OZ"},
            UnitType.LENGTH: {"M", "CM", "MM", "KM", "FT", "IN", "YD", "MI"},
            UnitType.VOLUME: {"L", "ML", "M3", "GAL"},
            UnitType.AREA: {"M2", "CM2", "KM2", "FT2", "HA", "AC"},
            UnitType.TIME: {"S", "MIN", "H", "DAY", "WK", "MO", "YR"},
        }

    def test_rows_are_valid(self):
        for unit in UnitOfMeasure.objects.all():
            unit.full_clean()
        hectare = UnitOfMeasure.objects.get(code="HA")
        assert (hectare.name, hectare.symbol, hectare.is_active) == ("Hectare", "ha", True)


class TestTaxCategories:
    def test_the_usual_categories(self):
        assert set(TaxCategory.objects.values_list("code", flat=True)) == {
            "standard",
            "reduced",
            "super-reduced",
            "zero",
            "exempt",
        }
        for category in TaxCategory.objects.all():
            category.full_clean()


class TestTaxJurisdictions:
    def test_every_country_is_a_root(self):
        countries = TaxJurisdiction.objects.filter(parent=None)
        assert {(c.code, c.name) for c in countries} == {
            (row["code"], row["name"]) for row in JURISDICTIONS["countries"]
        }
        assert len(JURISDICTIONS["countries"]) == 249
        assert {c.jurisdiction_type for c in countries} == {JurisdictionType.COUNTRY}
        assert {c.level for c in countries} == {0}

    def test_us_states_and_dc(self):
        states = TaxJurisdiction.objects.filter(parent_id="US")
        assert states.count() == 51
        assert states.filter(code="US-DC", name="District of Columbia").exists()
        assert set(states.values_list("jurisdiction_type", "level")) == {
            (JurisdictionType.STATE_PROVINCE, 1)
        }

    def test_canadian_provinces_and_territories(self):
        provinces = TaxJurisdiction.objects.filter(parent_id="CA")
        assert provinces.count() == 13
        assert set(provinces.values_list("code", flat=True)) >= {"CA-ON", "CA-QC", "CA-NU"}
        assert set(provinces.values_list("jurisdiction_type", "level")) == {
            (JurisdictionType.STATE_PROVINCE, 1)
        }

    def test_nothing_else(self):
        assert TaxJurisdiction.objects.count() == 249 + 64
        assert not TaxJurisdiction.objects.filter(level__gt=1).exists()
        assert set(TaxJurisdiction.objects.filter(level=1).values_list("parent_id", flat=True)) == {
            "US",
            "CA",
        }

    def test_tree_fields_are_what_mptt_rebuild_computes(self):
        snapshot = tree_snapshot()
        assert len({tree_id for _, _, tree_id, *_ in snapshot}) == 249
        assert_tree_is_what_mptt_rebuilds()

    def test_tree_queries_work(self):
        us = TaxJurisdiction.objects.get(code="US")
        assert us.get_descendant_count() == 51
        assert [c.name for c in us.get_children()][:3] == ["Alabama", "Alaska", "Arizona"]
        texas = TaxJurisdiction.objects.get(code="US-TX")
        assert list(texas.get_ancestors()) == [us]


class TestLoadAgain:
    """The migrations' load() on a database that has the data: idempotent."""

    @pytest.mark.parametrize(
        ("name", "model", "count"),
        [
            ("0002_currencies", Currency, 178),
            ("0003_statuses", Status, 11),
            ("0007_discontinued_status", Status, 11),
            ("0004_units_of_measure", UnitOfMeasure, 37),
            ("0005_tax_categories", TaxCategory, 5),
            ("0006_tax_jurisdictions", TaxJurisdiction, 313),
        ],
    )
    def test_no_duplicates_no_error(self, name, model, count):
        assert model.objects.count() == count
        migration(name).load(apps, SCHEMA_EDITOR)
        assert model.objects.count() == count

    def test_edited_rows_are_left_untouched_and_deleted_rows_come_back(self):
        Currency.objects.filter(code="EUR").update(name="Euro (edited)", symbol="EUR")
        Currency.objects.get(code="USD").delete()
        UnitOfMeasure.objects.filter(code="KG").update(is_active=False)
        Status.objects.get(slug="draft").delete()

        migration("0002_currencies").load(apps, SCHEMA_EDITOR)
        migration("0003_statuses").load(apps, SCHEMA_EDITOR)
        migration("0004_units_of_measure").load(apps, SCHEMA_EDITOR)

        euro = Currency.objects.get(code="EUR")
        assert (euro.name, euro.symbol) == ("Euro (edited)", "EUR")
        usd = Currency.objects.get(code="USD")
        assert (usd.name, usd.decimal_places, usd.numeric_code) == ("US Dollar", 2, "840")
        assert Currency.objects.count() == 178
        assert UnitOfMeasure.objects.get(code="KG").is_active is False
        assert Status.objects.get(slug="draft").name == "Draft"

    def test_jurisdictions_edited_and_deleted(self):
        TaxJurisdiction.objects.filter(code="FR").update(name="République française")
        TaxJurisdiction.objects.get(code="US-WY").delete()
        TaxJurisdiction.objects.get(code="CA-YT").delete()

        migration("0006_tax_jurisdictions").load(apps, SCHEMA_EDITOR)

        assert TaxJurisdiction.objects.get(code="FR").name == "République française"
        wyoming = TaxJurisdiction.objects.get(code="US-WY")
        assert (wyoming.parent_id, wyoming.level, wyoming.name) == ("US", 1, "Wyoming")
        assert TaxJurisdiction.objects.get(code="CA-YT").parent_id == "CA"
        assert TaxJurisdiction.objects.count() == 313
        assert_tree_is_what_mptt_rebuilds()

    def test_jurisdictions_added_by_users_are_kept_in_the_tree(self):
        california = TaxJurisdiction.objects.get(code="US-CA")
        county = TaxJurisdiction.objects.create(
            code="US-CA-SF",
            name="San Francisco County",
            parent=california,
            jurisdiction_type=JurisdictionType.COUNTY,
        )
        TaxJurisdiction.objects.create(
            code="XK", name="Kosovo", jurisdiction_type=JurisdictionType.COUNTRY
        )
        migration("0006_tax_jurisdictions").load(apps, SCHEMA_EDITOR)
        county.refresh_from_db()
        assert county.level == 2
        assert county.get_ancestors().first().code == "US"
        assert_tree_is_what_mptt_rebuilds()


class TestUnloadAndLoad:
    """Reversed, each data migration deletes its rows; forward again, they come back."""

    @pytest.mark.parametrize(
        ("name", "model", "expected"),
        [
            ("0002_currencies", Currency, {row["code"] for row in CURRENCIES}),
            ("0003_statuses", Status, STATUS_SLUGS - {"discontinued"}),
            ("0007_discontinued_status", Status, {"discontinued"}),
            (
                "0004_units_of_measure",
                UnitOfMeasure,
                {row["code"] for row in migration("0004_units_of_measure").UNITS},
            ),
            (
                "0005_tax_categories",
                TaxCategory,
                {"standard", "reduced", "super-reduced", "zero", "exempt"},
            ),
        ],
    )
    def test_rows_go_and_come_back(self, name, model, expected):
        module = migration(name)
        others = set(model.objects.exclude(pk__in=expected).values_list("pk", flat=True))
        module.unload(apps, SCHEMA_EDITOR)
        assert set(model.objects.values_list("pk", flat=True)) == others
        module.load(apps, SCHEMA_EDITOR)
        assert set(model.objects.values_list("pk", flat=True)) == expected | others

    def test_unload_keeps_rows_it_did_not_create(self):
        Currency.objects.create(code="QMA", name="Private")
        migration("0002_currencies").unload(apps, SCHEMA_EDITOR)
        assert list(Currency.objects.values_list("code", flat=True)) == ["QMA"]

    def test_jurisdictions_go_and_come_back(self):
        before = tree_snapshot()
        module = migration("0006_tax_jurisdictions")
        module.unload(apps, SCHEMA_EDITOR)
        assert not TaxJurisdiction.objects.exists()
        module.load(apps, SCHEMA_EDITOR)
        assert tree_snapshot() == before
        assert_tree_is_what_mptt_rebuilds()

    def test_jurisdictions_unload_keeps_the_tree_of_the_others(self):
        TaxJurisdiction.objects.create(
            code="XK", name="Kosovo", jurisdiction_type=JurisdictionType.COUNTRY
        )
        migration("0006_tax_jurisdictions").unload(apps, SCHEMA_EDITOR)
        kosovo = TaxJurisdiction.objects.get()
        assert (kosovo.code, kosovo.tree_id, kosovo.lft, kosovo.rght) == ("XK", 1, 1, 2)
