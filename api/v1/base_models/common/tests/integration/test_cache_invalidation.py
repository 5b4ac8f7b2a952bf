"""core.cache: the version of a watched model's cached data moves on with its rows."""

import pytest
from django.core.management import call_command

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
from core.cache import data_version, invalidate

pytestmark = pytest.mark.django_db

WATCHED = [
    (Currency, CurrencyFactory),
    (Status, StatusFactory),
    (UnitOfMeasure, UnitOfMeasureFactory),
    (TaxJurisdiction, TaxJurisdictionFactory),
    (TaxCategory, TaxCategoryFactory),
    (TaxRate, TaxRateFactory),
]


def test_version_is_stable_while_nothing_changes():
    version = data_version(Currency)
    assert data_version(Currency) == version
    list(Currency.objects.all())
    assert data_version(Currency) == version


def test_currency_save_moves_the_version_on():
    version = data_version(Currency)
    euro = Currency.objects.get(code="EUR")
    euro.symbol = "EUR"
    euro.save()
    assert data_version(Currency) != version


def test_currency_create_and_delete_move_the_version_on():
    version = data_version(Currency)
    currency = CurrencyFactory()
    after_create = data_version(Currency)
    assert after_create != version
    currency.delete()
    assert data_version(Currency) not in {version, after_create}


def test_saving_another_model_leaves_the_currency_version():
    currency_version = data_version(Currency)
    status_version = data_version(Status)
    StatusFactory()
    assert data_version(Status) != status_version
    assert data_version(Currency) == currency_version


@pytest.mark.parametrize(("model", "factory"), WATCHED, ids=lambda v: getattr(v, "__name__", v))
def test_every_watched_model(model, factory):
    versions = {other: data_version(other) for other, _ in WATCHED}
    instance = factory()
    assert data_version(model) != versions[model]
    if model is not TaxRate:  # a rate's factory also creates its jurisdiction
        changed = {other for other, version in versions.items() if data_version(other) != version}
        assert changed == {model}
    before_delete = data_version(model)
    instance.delete()
    assert data_version(model) != before_delete


@pytest.mark.parametrize("factory", [AddressFactory, CategoryFactory])
def test_models_without_a_cached_endpoint_are_not_watched(factory):
    versions = {model: data_version(model) for model in (Address, Category, Currency)}
    factory()
    assert {model: data_version(model) for model in versions} == versions


def test_invalidate():
    version = data_version(UnitOfMeasure)
    invalidate(UnitOfMeasure)
    assert data_version(UnitOfMeasure) != version


def test_migrate_invalidates_every_watched_model():
    versions = {model: data_version(model) for model, _ in WATCHED}
    call_command("migrate", verbosity=0, interactive=False)  # nothing to apply: post_migrate
    assert all(data_version(model) != version for model, version in versions.items())


def test_a_read_between_the_change_and_its_commit_is_not_served_after_it(
    django_capture_on_commit_callbacks,
):
    """Another process reading the row while the change is not yet committed sees the
    old row and caches it under the version the change set; the commit moves the
    version on again, so that stale entry is never served."""
    currency = CurrencyFactory()
    with django_capture_on_commit_callbacks() as on_commit:
        currency.name = "Renamed"
        currency.save()
        seen_before_commit = data_version(Currency)
    assert data_version(Currency) == seen_before_commit
    for callback in on_commit:
        callback()
    assert data_version(Currency) != seen_before_commit
