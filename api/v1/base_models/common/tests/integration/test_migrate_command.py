"""The data migrations through the real `migrate` command, backwards and forwards."""

import pytest
from django.core.management import call_command

from api.v1.base_models.common.models import (
    Currency,
    Status,
    TaxCategory,
    TaxJurisdiction,
    UnitOfMeasure,
)

SEEDED = {
    Currency: 178,
    Status: 11,
    UnitOfMeasure: 37,
    TaxCategory: 5,
    TaxJurisdiction: 249 + 64,
}


def counts():
    return {model: model.objects.count() for model in SEEDED}


def tree_snapshot():
    return list(
        TaxJurisdiction.objects.order_by("code").values_list(
            "code", "parent_id", "tree_id", "lft", "rght", "level"
        )
    )


def migrate(*target):
    call_command("migrate", "common", *target, verbosity=0, interactive=False)


@pytest.mark.django_db(transaction=True)
def test_migrate_back_to_the_schema_and_forward_again():
    try:
        # Back then forward a first time: the data is there whatever the tests before
        # this one left (transactional tests end with a flush).
        migrate("0001")
        assert set(counts().values()) == {0}
        migrate()
        assert counts() == SEEDED

        migrate("0001")
        assert set(counts().values()) == {0}
    finally:
        # Every app back to its latest migration (going back on common also unapplied
        # the apps that depend on it) for the tests after this one.
        call_command("migrate", verbosity=0, interactive=False)

    assert counts() == SEEDED
    written = tree_snapshot()
    TaxJurisdiction.objects.rebuild()
    assert tree_snapshot() == written
