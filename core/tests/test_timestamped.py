from datetime import timedelta

import pytest
from django.utils import timezone

from core.models import Timestamped
from tests.testapp.models import TimestampedThing

pytestmark = pytest.mark.django_db


def test_create_sets_both_timestamps_timezone_aware():
    before = timezone.now()
    thing = TimestampedThing.objects.create(name="a")
    after = timezone.now()

    assert timezone.is_aware(thing.created_at)
    assert before <= thing.created_at <= after
    assert abs(thing.updated_at - thing.created_at) < timedelta(milliseconds=50)


def test_update_moves_updated_at_only():
    thing = TimestampedThing.objects.create(name="a")
    created_at, updated_at = thing.created_at, thing.updated_at

    thing.name = "b"
    thing.save()
    thing.refresh_from_db()

    assert thing.created_at == created_at
    assert thing.updated_at > updated_at


def test_partial_save_still_moves_updated_at():
    thing = TimestampedThing.objects.create(name="a")
    updated_at = thing.updated_at

    thing.name = "b"
    thing.save(update_fields=["name"])
    thing.refresh_from_db()

    assert thing.name == "b"
    assert thing.updated_at > updated_at


def test_empty_update_fields_saves_nothing():
    thing = TimestampedThing.objects.create(name="a")
    updated_at = thing.updated_at

    thing.name = "b"
    thing.save(update_fields=[])
    thing.refresh_from_db()

    assert (thing.name, thing.updated_at) == ("a", updated_at)


def test_abstract_and_newest_first():
    assert Timestamped._meta.abstract
    first = TimestampedThing.objects.create(name="first")
    second = TimestampedThing.objects.create(name="second")
    assert list(TimestampedThing.objects.all()) == [second, first]
    field = TimestampedThing._meta.get_field("created_at")
    assert not field.editable
