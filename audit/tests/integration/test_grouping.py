"""One audit row and one change event per record for a change made in several writes
(audit.grouping): a record saved with its tags, through the API or in a block."""

import pytest
from django.db import transaction

from api.v1.base_models.contact.tests.factories import ContactFactory
from audit.choices import AuditAction
from audit.grouping import merge_changes, one_row_per_record
from core import events
from tests.testapp.factories import GadgetFactory
from tests.testapp.models import Gadget

from ..helpers import last_id, rows_of, since

pytestmark = pytest.mark.django_db


class TestMergeChanges:
    def test_a_field_keeps_its_first_old_and_last_new_value(self):
        assert merge_changes(
            {"name": {"old": "a", "new": "b"}}, {"name": {"old": "b", "new": "c"}}
        ) == {"name": {"old": "a", "new": "c"}}

    def test_a_field_changed_back_is_no_change(self):
        assert (
            merge_changes({"name": {"old": "a", "new": "b"}}, {"name": {"old": "b", "new": "a"}})
            == {}
        )

    def test_created_then_changed(self):
        assert merge_changes(
            {"name": {"old": None, "new": "b"}}, {"name": {"old": "b", "new": "c"}}
        ) == {"name": {"old": None, "new": "c"}}

    def test_items_added_and_removed(self):
        assert merge_changes(
            {"tags": {"removed": ["old"]}, "name": {"old": "a", "new": "b"}},
            {"tags": {"added": ["new", "z"]}},
        ) == {"tags": {"added": ["new", "z"], "removed": ["old"]}, "name": {"old": "a", "new": "b"}}

    def test_an_item_added_then_removed_is_neither(self):
        assert merge_changes({"tags": {"added": ["x", "y"]}}, {"tags": {"removed": ["x"]}}) == {
            "tags": {"added": ["y"]}
        }
        assert merge_changes({"tags": {"added": ["x"]}}, {"tags": {"removed": ["x"]}}) == {}


class TestOneRowPerRecord:
    def test_a_create_with_its_tags(self, org_p, received, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True), one_row_per_record():
            gadget = Gadget.objects.create(organization=org_p, name="Lamp")
            gadget.tags.set(["blue", "Red"])

        (row,) = rows_of(gadget)
        assert row.action_type == AuditAction.CREATE
        assert row.changes == {
            "name": {"old": None, "new": "Lamp"},
            "organization": {"old": None, "new": org_p.pk},
            "tags": {"added": ["Red", "blue"]},
        }
        (event,) = [e for e in received if e.model == "testapp.gadget"]
        assert event.action == events.CREATE
        assert event.changes["tags"] == {"added": ["Red", "blue"]}
        assert event.after["name"] == "Lamp"

    def test_fields_and_tags_of_an_update(
        self, org_p, received, django_capture_on_commit_callbacks
    ):
        gadget = GadgetFactory(organization=org_p, name="Lamp")
        gadget.tags.set(["old", "kept"])
        marker = last_id()
        with django_capture_on_commit_callbacks(execute=True), one_row_per_record():
            gadget.name = "Desk lamp"
            gadget.save()
            gadget.tags.set(["kept", "new"])

        (row,) = since(marker)
        assert row.action_type == AuditAction.UPDATE
        assert row.changes == {
            "name": {"old": "Lamp", "new": "Desk lamp"},
            "tags": {"added": ["new"], "removed": ["old"]},
        }
        (event,) = [e for e in received if e.model == "testapp.gadget"]
        assert (event.before["name"], event.after["name"]) == ("Lamp", "Desk lamp")
        assert event.changes == row.changes

    def test_changes_that_cancel_out_leave_no_row(self, org_p):
        gadget = GadgetFactory(organization=org_p)
        marker = last_id()
        with one_row_per_record():
            gadget.tags.add("passing")
            gadget.tags.remove("passing")
        assert not since(marker).exists()

    def test_records_keep_their_own_rows_in_order(self, org_p):
        marker = last_id()
        with one_row_per_record():
            first = GadgetFactory(organization=org_p, name="First")
            second = GadgetFactory(organization=org_p, name="Second")
            second_pk = second.pk
            first.tags.add("one")
            second.delete()
        rows = list(since(marker).values_list("object_id", "action_type", "changes"))
        assert [(object_id, action) for object_id, action, _changes in rows] == [
            (str(first.pk), AuditAction.CREATE),
            (str(second_pk), AuditAction.CREATE),
            (str(second_pk), AuditAction.DELETE),
        ]
        assert rows[0][2]["tags"] == {"added": ["one"]}

    def test_a_failure_writes_nothing(self, org_p, received):
        def create_then_fail():
            with one_row_per_record():
                GadgetFactory(organization=org_p, name="Doomed").tags.add("x")
                raise RuntimeError

        marker = last_id()
        with pytest.raises(RuntimeError):
            create_then_fail()
        assert not Gadget.objects.filter(name="Doomed").exists()
        assert not since(marker).exists()
        assert received == []

    def test_nested_blocks_belong_to_the_outermost(self, org_p):
        marker = last_id()
        with one_row_per_record():
            with one_row_per_record():
                gadget = GadgetFactory(organization=org_p)
            gadget.tags.add("later")
        (row,) = since(marker)
        assert row.changes["tags"] == {"added": ["later"]}

    def test_in_a_transaction_of_its_own(self, org_p):
        with transaction.atomic():
            with one_row_per_record():
                gadget = GadgetFactory(organization=org_p)
            transaction.set_rollback(True)
        assert not rows_of(gadget).exists()


class TestOutsideABlock:
    def test_every_write_is_its_own_row(self, org_p):
        gadget = GadgetFactory(organization=org_p)
        gadget.tags.add("x")
        assert [row.action_type for row in rows_of(gadget)] == [
            AuditAction.CREATE,
            AuditAction.UPDATE,
        ]

    def test_a_change_of_tags_is_a_change_event(
        self, org_p, received, django_capture_on_commit_callbacks
    ):
        contact = ContactFactory(organization=org_p)
        with django_capture_on_commit_callbacks(execute=True):
            contact.tags.add("vip")
        (event,) = [e for e in received if e.model == "contact.contact"]
        assert (event.action, event.changes) == (events.UPDATE, {"tags": {"added": ["vip"]}})
        assert event.before == event.after


class TestThroughTheAPI:
    def test_a_create_with_tags_is_one_row(self, jwt_client, superuser, org_p):
        response = jwt_client(superuser).post(
            "/api/v1/gadgets/", {"organization": org_p.pk, "name": "Lamp", "tags": ["a", "b"]}
        )
        assert response.status_code == 201, response.content
        (row,) = rows_of(Gadget, response.json()["id"])
        assert row.action_type == AuditAction.CREATE
        assert row.changes["tags"] == {"added": ["a", "b"]}

    def test_an_update_of_fields_and_tags_is_one_row(self, jwt_client, superuser, org_p):
        gadget = GadgetFactory(organization=org_p, name="Lamp")
        gadget.tags.add("a")
        marker = last_id()
        response = jwt_client(superuser).patch(
            f"/api/v1/gadgets/{gadget.pk}/", {"name": "Desk lamp", "tags": ["b"]}
        )
        assert response.status_code == 200, response.content
        (row,) = since(marker)
        assert row.changes == {
            "name": {"old": "Lamp", "new": "Desk lamp"},
            "tags": {"added": ["b"], "removed": ["a"]},
        }
        assert row.request_id == response["X-Request-ID"]


class TestThroughTheAdmin:
    def test_a_record_added_with_tags_is_one_row(self, client, superuser, org_p):
        from django.urls import reverse

        from api.v1.features.inventory.models import Warehouse

        client.force_login(superuser)
        response = client.post(
            reverse("admin:inventory_warehouse_add"),
            {
                "organization": org_p.pk,
                "name": "North",
                "code": "N1",
                "warehouse_type": "DISTRIBUTION_CENTER",
                "is_active": "on",
                "tags": "cold, bulk",
                "custom_fields": "{}",
                "_record_version": "",
            },
        )
        assert response.status_code == 302, response.content.decode()[:3000]
        warehouse = Warehouse.objects.get(code="N1")
        (row,) = rows_of(warehouse)
        assert row.action_type == AuditAction.CREATE
        assert row.changes["tags"] == {"added": ["bulk", "cold"]}
