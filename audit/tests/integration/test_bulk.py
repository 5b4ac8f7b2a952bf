"""audit.bulk: many records written with their tags, audit rows and change events, in
a constant number of queries."""

import pytest
from crum import impersonate
from taggit.models import Tag

from api.v1.features.inventory.models import StockLocation
from audit import bulk
from audit.choices import AuditAction
from core import events
from tests.testapp.factories import GadgetFactory
from tests.testapp.models import Gadget, Ticket

from ..helpers import last_id, since

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def known_tags():
    Tag.objects.bulk_create([Tag(name=name, slug=name) for name in ("red", "blue")])


def new_gadgets(organization, count):
    return [Gadget(organization=organization, name=f"Gadget {i}") for i in range(count)]


class TestBulkCreate:
    def test_records_tags_rows_and_events(
        self, org_p, superuser, received, django_capture_on_commit_callbacks
    ):
        marker = last_id()
        with impersonate(superuser), django_capture_on_commit_callbacks(execute=True):
            created = bulk.bulk_create(new_gadgets(org_p, 3), tags=[["red"], [], ["red", "blue"]])

        assert all(each.pk for each in created)
        assert [
            sorted(t.name for t in each.tags.all()) for each in Gadget.objects.order_by("pk")
        ] == [
            ["red"],
            [],
            ["blue", "red"],
        ]
        rows = list(since(marker))
        assert [(row.object_id, row.action_type) for row in rows] == [
            (str(each.pk), AuditAction.CREATE) for each in created
        ]
        assert rows[0].changes["name"] == {"old": None, "new": "Gadget 0"}
        assert rows[0].changes["tags"] == {"added": ["red"]}
        assert "tags" not in rows[1].changes
        assert {row.user_id for row in rows} == {superuser.pk}
        assert Gadget.objects.filter(created_by=superuser, updated_by=superuser).count() == 3
        assert [e.pk for e in received if e.model == "testapp.gadget"] == [
            str(each.pk) for each in created
        ]
        assert received[2].changes["tags"] == {"added": ["blue", "red"]}

    def test_queries_do_not_grow_with_the_records(self, org_p, django_assert_max_num_queries):
        def cost(count):
            with django_assert_max_num_queries(30) as queries:
                bulk.bulk_create(new_gadgets(org_p, count), tags=[["red", "blue"]] * count)
            return len(queries)

        cost(1)  # what the process caches (a content type another test made it forget)
        assert cost(2) == cost(40)

    def test_many_records_as_a_few(
        self, org_p, superuser, received, django_capture_on_commit_callbacks
    ):
        """From core.copying.COPY_FROM records on (COPY on PostgreSQL), the same."""
        from core import copying

        count = copying.COPY_FROM + 1
        marker = last_id()
        with impersonate(superuser), django_capture_on_commit_callbacks(execute=True):
            created = bulk.bulk_create(
                new_gadgets(org_p, count),
                tags=[["red", "blue"] if n % 2 else [] for n in range(count)],
            )

        stored = Gadget.objects.order_by("pk")
        assert [each.pk for each in stored] == [each.pk for each in created]
        assert [sorted(t.name for t in each.tags.all()) for each in stored[:2]] == [
            [],
            ["blue", "red"],
        ]
        assert stored.filter(tags__name="red").count() == count // 2
        rows = list(since(marker))
        assert len(rows) == count
        assert rows[1].changes["tags"] == {"added": ["blue", "red"]}
        assert rows[1].user_id == superuser.pk
        assert len([e for e in received if e.model == "testapp.gadget"]) == count

    @pytest.mark.parametrize("many", [False, True])
    def test_prepared_then_written(self, org_p, superuser, many):
        """prepare_create writes nothing (on PostgreSQL, from COPY_FROM records on, it
        reserves their keys); write() then writes what bulk_create writes, as the user
        who prepared them."""
        from core import copying

        count = copying.COPY_FROM + 1 if many else 2
        marker = last_id()
        with impersonate(superuser):
            creation = bulk.prepare_create(
                new_gadgets(org_p, count), tags=[["Red"]] + [[]] * (count - 1)
            )
        assert not Gadget.objects.exists()
        assert not since(marker).exists()
        reserved = [each.pk for each in creation.records]

        created = creation.write()

        stored = Gadget.objects.order_by("pk")
        assert [each.pk for each in stored] == [each.pk for each in created]
        if creation.copy is not None:
            assert reserved == [each.pk for each in created]
        assert set(stored.values_list("created_by", flat=True)) == {superuser.pk}
        rows = list(since(marker))
        assert [row.object_id for row in rows] == [str(each.pk) for each in created]
        assert rows[0].changes["tags"] == {"added": ["red"]}  # the tag's own name
        assert {row.user_id for row in rows} == {superuser.pk}

    def test_a_failure_writes_nothing(self, org_p):
        marker = last_id()
        with pytest.raises(ValueError, match="One list of tag names per record"):
            bulk.bulk_create(new_gadgets(org_p, 2), tags=[["red"]])
        assert not Gadget.objects.exists()
        assert not since(marker).exists()

    def test_what_it_refuses(self, org_p):
        with pytest.raises(ValueError, match="one model"):
            bulk.bulk_create([Gadget(organization=org_p), Ticket(organization=org_p)])
        with pytest.raises(ValueError, match="tree"):
            bulk.bulk_create([StockLocation(organization=org_p, name="x")])
        assert bulk.bulk_create([]) == []


class TestBulkUpdate:
    def test_rows_for_the_records_that_changed(
        self, org_p, superuser, received, django_capture_on_commit_callbacks
    ):
        first, second, third = GadgetFactory.create_batch(3, organization=org_p)
        second_name = second.name
        first.name, third.name = "Renamed", "Other"
        before = Gadget.objects.get(pk=first.pk).updated_at
        marker = last_id()
        with impersonate(superuser), django_capture_on_commit_callbacks(execute=True):
            bulk.bulk_update([first, second, third], ["name"], tags=[["red"], [], []])

        rows = {row.object_id: row for row in since(marker)}
        assert set(rows) == {str(first.pk), str(third.pk)}
        assert rows[str(first.pk)].changes["name"]["new"] == "Renamed"
        assert rows[str(first.pk)].changes["tags"] == {"added": ["red"]}
        assert "updated_at" not in rows[str(first.pk)].changes
        stored = Gadget.objects.get(pk=first.pk)
        assert (stored.name, stored.updated_by) == ("Renamed", superuser)
        assert stored.updated_at > before
        assert Gadget.objects.get(pk=second.pk).name == second_name
        changed = [e for e in received if e.model == "testapp.gadget"]
        assert {e.pk for e in changed} == {str(first.pk), str(third.pk)}
        assert all(e.action == events.UPDATE for e in changed)

    def test_queries_do_not_grow_with_the_records(self, org_p, django_assert_max_num_queries):
        def cost(count):
            records = GadgetFactory.create_batch(count, organization=org_p)
            for each in records:
                each.name += " changed"
            with django_assert_max_num_queries(30) as queries:
                bulk.bulk_update(records, ["name"], tags=[["blue"]] * count)
            return len(queries)

        cost(1)  # what the process caches (a content type another test made it forget)
        assert cost(2) == cost(40)


class TestManyRows:
    """insert_rows: many rows are COPYed on PostgreSQL, and read back exactly as rows
    written by INSERT."""

    TEXTS = ["plain", "tab\tand\nnewline", "back\\slash", "quote \" and '", "ümlaut ✓", ""]

    def rows(self, count, marker):
        from audit.services import audit_row

        rows = []
        for i in range(count):
            text = self.TEXTS[i % len(self.TEXTS)]
            row = audit_row(
                AuditAction.UPDATE,
                changes={"name": {"old": text, "new": None}, "n": i, "nested": [text, {"x": i}]},
                context={"note": text, "marker": marker},
            )
            row["object_id"], row["object_repr"] = str(i), text
            rows.append(row)
        return rows

    def test_copied_rows_read_back_as_inserted_rows(self, monkeypatch):
        from django.db import connection

        from audit import services
        from audit.models import AuditLog
        from core import copying

        copied = []
        copy = copying._copy
        monkeypatch.setattr(copying, "_copy", lambda *args: copied.append(args[1]) or copy(*args))
        count = copying.COPY_FROM
        services.insert_rows(self.rows(count, "copy"))
        monkeypatch.setattr(copying, "COPY_FROM", 10**9)
        services.insert_rows(self.rows(count, "insert"))

        def read(marker):
            return [
                {
                    key: value
                    for key, value in row.items()
                    if key not in ("id", "created_at", "updated_at")
                }
                | {"context": {k: v for k, v in row["context"].items() if k != "marker"}}
                for row in AuditLog.objects.filter(context__marker=marker).order_by("pk").values()
            ]

        assert len(read("copy")) == count
        assert read("copy") == read("insert")
        assert copied == (["audit_auditlog"] if connection.vendor == "postgresql" else [])
