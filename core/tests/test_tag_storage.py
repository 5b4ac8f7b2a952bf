"""core.tagging.prefetch_tags: the tags of a page of records in one query."""

import pytest

from core.tagging import prefetch_tags
from tests.testapp.factories import GadgetFactory
from tests.testapp.models import Gadget

pytestmark = pytest.mark.django_db


@pytest.fixture
def gadgets():
    first, second, bare = GadgetFactory.create_batch(3)
    first.tags.set(["red", "Blue"])
    second.tags.set(["red"])
    return [first, second, bare]


def names(gadget):
    return sorted(tag.name for tag in gadget.tags.all())


def test_one_query_for_every_record(gadgets, django_assert_num_queries):
    loaded = list(Gadget.objects.filter(pk__in=[each.pk for each in gadgets]).order_by("pk"))
    with django_assert_num_queries(1):
        prefetch_tags(loaded)
    with django_assert_num_queries(0):
        assert [names(each) for each in loaded] == [["Blue", "red"], ["red"], []]
        # One instance per tag, shared by the records carrying it.
        red = {tag.name: tag for tag in loaded[0].tags.all()}["red"]
        assert red is loaded[1].tags.all()[0]


def test_records_already_loaded_are_left_alone(gadgets, django_assert_num_queries):
    loaded = list(Gadget.objects.filter(pk__in=[each.pk for each in gadgets]))
    prefetch_tags(loaded)
    with django_assert_num_queries(0):
        prefetch_tags(loaded)
        prefetch_tags([])


def test_a_change_of_tags_is_read_back(gadgets):
    (loaded,) = Gadget.objects.filter(pk=gadgets[0].pk)
    prefetch_tags([loaded])
    loaded.tags.set(["green"])
    assert names(loaded) == ["green"]
    loaded.tags.add("yellow")
    assert names(loaded) == ["green", "yellow"]
