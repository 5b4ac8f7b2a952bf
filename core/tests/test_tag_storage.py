"""core.tagging: the tags of a page of records in one query (prefetch_tags), the tags of
many records written in a constant number of queries (set_tags)."""

import threading

import pytest
from django.db import connection, transaction
from django.db.models.signals import m2m_changed
from taggit.models import Tag

from audit.grouping import one_row_per_record
from core.tagging import created_or_existing, prefetch_tags, set_tags
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


class TestSetTags:
    def test_each_record_gets_exactly_its_tags(self, gadgets):
        first, second, bare = gadgets
        set_tags({first: ["red", "green"], second: [], bare: ["Blue", "new one"]})
        reloaded = {each.pk: names(each) for each in Gadget.objects.all()}
        assert reloaded == {
            first.pk: ["green", "red"],
            second.pk: [],
            bare.pk: ["Blue", "new one"],
        }

    def test_a_name_matches_a_tag_whatever_its_case(self, gadgets):
        bare = gadgets[2]
        set_tags({bare: ["RED", "blue"]})
        assert names(Gadget.objects.get(pk=bare.pk)) == ["Blue", "red"]
        assert Tag.objects.filter(name__iexact="red").count() == 1

    def test_queries_do_not_grow_with_the_records(self, django_assert_max_num_queries):
        """Audit rows included, written together (one per record) at the block's end.
        (A name never used before costs its own INSERT, once.)"""
        Tag.objects.bulk_create(
            [Tag(name="existing", slug="existing"), Tag(name="fresh", slug="fresh")]
        )

        def cost(count):
            records = GadgetFactory.create_batch(count)
            for each in records[: count // 2]:
                each.tags.set(["existing", "stale"])
            with django_assert_max_num_queries(50) as queries, one_row_per_record():
                set_tags({each: ["existing", "fresh"] for each in records})
            return len(queries)

        assert cost(2) == cost(20)
        assert names(Gadget.objects.order_by("-pk").first()) == ["existing", "fresh"]

    def test_the_cache_holds_the_new_tags(self, gadgets, django_assert_num_queries):
        first = gadgets[0]
        set_tags({first: ["one", "two"]})
        with django_assert_num_queries(0):
            assert names(first) == ["one", "two"]

    def test_receivers_see_what_django_taggit_sends(self, gadgets):
        first = gadgets[0]  # holds red and Blue
        seen = []

        def receiver(sender, instance, action, pk_set, **kwargs):
            seen.append((action, {Tag.objects.get(pk=pk).name for pk in pk_set}, names(instance)))

        m2m_changed.connect(receiver, sender=Gadget.tags.through)
        try:
            set_tags({first: ["red", "green"]})
        finally:
            m2m_changed.disconnect(receiver, sender=Gadget.tags.through)
        assert seen == [
            ("pre_remove", {"Blue"}, ["Blue", "red"]),
            ("pre_add", {"green"}, ["Blue", "red"]),
            ("post_remove", {"Blue"}, ["Blue", "red"]),
            ("post_add", {"green"}, ["green", "red"]),
        ]


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite runs one writing transaction at a time: no concurrent inserts.",
)
@pytest.mark.django_db(transaction=True)
def test_a_tag_made_by_a_concurrent_request_is_used_not_a_server_error():
    """Two requests adding the same new tag at once: the second's insert fails on the
    unique name once the first commits; it takes that tag, and its own transaction
    goes on."""

    inside = threading.Event()
    release = threading.Event()

    def first():
        try:
            with transaction.atomic():
                Tag.objects.create(name="launch")
                inside.set()
                release.wait(5)
        finally:
            connection.close()

    thread = threading.Thread(target=first)
    thread.start()
    assert inside.wait(5)
    with transaction.atomic():
        threading.Timer(0.3, release.set).start()
        tag = created_or_existing(Tag, "launch")  # waits for the first's commit
        assert Tag.objects.filter(name="launch").count() == 1  # the transaction goes on
    thread.join()
    assert tag.pk == Tag.objects.get(name="launch").pk
