"""What a row records: the initial values of a creation, the changed fields of an
update (and only those), as JSON; nothing for a save that changes nothing."""

import datetime
from decimal import Decimal

import pytest
from crum import impersonate
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.v1.base_models.common.tests.factories import AddressFactory, TaxRateFactory
from api.v1.base_models.contact.models import Contact
from api.v1.base_models.contact.tests.factories import (
    ContactFactory,
    ContactPhoneNumberFactory,
)
from api.v1.base_models.organization.models import Organization
from api.v1.base_models.organization.tests.factories import OrganizationFactory
from tests.testapp.models import NaturalKeyThing

from ..helpers import last_id, rows_of, since

pytestmark = pytest.mark.django_db


def changes_of_last_save(instance, marker):
    """The changes of the one row written since `marker` about `instance`."""
    rows = list(since(marker))
    assert len(rows) == 1, [(row.action_type, row.changes) for row in rows]
    assert rows[0].object_id == str(instance.pk)
    return rows[0].changes


def reloaded(instance):
    return type(instance).objects.get(pk=instance.pk)


class TestCreate:
    def test_initial_values_without_the_empty_ones(self, org_p, admin_p):
        marker = last_id()
        with impersonate(admin_p):
            contact = Contact.objects.create(organization=org_p, first_name="Ada", notes="")
        row = since(marker).get()
        assert row.action_type == "CREATE"
        # Empty strings, None and {} (custom_fields) are left out; so are created_by,
        # updated_by and the timestamps, set as they are.
        assert row.changes == {
            "organization": {"old": None, "new": org_p.pk},
            "first_name": {"old": None, "new": "Ada"},
            "contact_type": {"old": None, "new": "primary"},
            "status": {"old": None, "new": "active"},
        }
        assert contact.created_by == admin_p
        assert row.object_repr == "Ada"

    def test_a_natural_primary_key(self):
        marker = last_id()
        NaturalKeyThing.objects.create(code="ABC", name="Thing")
        NaturalKeyThing(code="XYZ", name="Other").save()
        rows = list(since(marker))
        assert [(row.action_type, row.object_id) for row in rows] == [
            ("CREATE", "ABC"),
            ("CREATE", "XYZ"),
        ]
        assert rows[1].changes == {"name": {"old": None, "new": "Other"}}


class TestUpdate:
    def test_only_the_changed_fields(self, org_p):
        contact = reloaded(ContactFactory(organization=org_p, title="Clerk", department="Ops"))
        marker = last_id()
        contact.title = "Director"
        contact.department = "Ops"  # assigned, not changed
        contact.save()
        assert changes_of_last_save(contact, marker) == {
            "title": {"old": "Clerk", "new": "Director"}
        }

    def test_a_save_that_changes_nothing_leaves_no_row(self, org_p, admin_p):
        contact = ContactFactory(organization=org_p)
        marker = last_id()
        contact.save()
        reloaded(contact).save()
        # Not even when the audit users and updated_at change.
        with impersonate(admin_p):
            loaded = reloaded(contact)
            loaded.save()
        assert reloaded(contact).updated_by == admin_p
        assert not since(marker).exists()

    def test_successive_saves_diff_against_the_last_save(self, org_p):
        contact = ContactFactory(organization=org_p, title="A")
        marker = last_id()
        for title in ("B", "C"):
            contact.title = title
            contact.save()
        assert [row.changes for row in since(marker)] == [
            {"title": {"old": "A", "new": "B"}},
            {"title": {"old": "B", "new": "C"}},
        ]

    def test_timestamps_and_audit_users_are_never_in_a_diff(self, org_p, admin_p, admin_q):
        with impersonate(admin_p):
            contact = ContactFactory(organization=org_p)
        marker = last_id()
        with impersonate(admin_q):
            contact.first_name = "Changed"
            contact.save()
        contact.refresh_from_db()
        assert contact.updated_by == admin_q
        assert changes_of_last_save(contact, marker).keys() == {"first_name"}

    def test_a_foreign_key_as_its_id(self, org_p, org_q):
        contact = ContactFactory(organization=org_p)
        marker = last_id()
        contact.linked_organization = org_q
        contact.save()
        assert changes_of_last_save(contact, marker) == {
            "linked_organization": {"old": None, "new": org_q.pk}
        }
        marker = last_id()
        contact.linked_organization_id = None
        contact.save()
        assert changes_of_last_save(contact, marker) == {
            "linked_organization": {"old": org_q.pk, "new": None}
        }

    def test_a_natural_key_foreign_key_and_dates(self, org_p):
        organization = reloaded(OrganizationFactory(parent=org_p))
        marker = last_id()
        organization.effective_date = datetime.date(2024, 1, 31)
        organization.end_date = datetime.date(2024, 12, 31)
        organization.organization_type_id = "Department"
        organization.save()
        assert changes_of_last_save(organization, marker) == {
            "effective_date": {"old": None, "new": "2024-01-31"},
            "end_date": {"old": None, "new": "2024-12-31"},
            "organization_type": {"old": "Company", "new": "Department"},
        }

    def test_decimals_as_strings(self):
        rate = TaxRateFactory(rate=Decimal("0.08250"))
        address = AddressFactory(latitude=Decimal("37.774900"))
        created = rows_of(rate).get().changes
        assert created["rate"] == {"old": None, "new": "0.0825"}
        assert rows_of(address).get().changes["latitude"] == {"old": None, "new": "37.7749"}
        marker = last_id()
        rate = reloaded(rate)
        rate.rate = Decimal("0.07000")
        rate.save()
        assert changes_of_last_save(rate, marker) == {"rate": {"old": "0.0825", "new": "0.07"}}

    def test_the_same_decimal_written_with_another_scale_is_no_change(self):
        rate = reloaded(TaxRateFactory(rate=Decimal("0.08250")))
        marker = last_id()
        rate.rate = Decimal("0.0825")
        rate.save()
        assert reloaded(rate).rate == Decimal("0.08250")
        assert not since(marker).exists()

    def test_a_phone_number_as_text(self, org_p):
        phone = ContactPhoneNumberFactory(
            contact=ContactFactory(organization=org_p), phone_number="+14155550100"
        )
        assert rows_of(phone).get().changes["phone_number"] == {
            "old": None,
            "new": "+14155550100",
        }


class TestJson:
    def test_an_in_place_change_of_custom_fields(self, org_p):
        contact = reloaded(ContactFactory(organization=org_p, custom_fields={"size": "M"}))
        marker = last_id()
        contact.custom_fields["size"] = "L"
        contact.custom_fields["vip"] = True
        contact.save()
        assert changes_of_last_save(contact, marker) == {
            "custom_fields": {"old": {"size": "M"}, "new": {"size": "L", "vip": True}}
        }

    def test_an_in_place_change_of_a_nested_value(self, org_p):
        organization = OrganizationFactory(parent=org_p, metadata={"erp": {"ids": [1]}})
        marker = last_id()
        organization.metadata["erp"]["ids"].append(2)
        organization.save()
        assert changes_of_last_save(organization, marker) == {
            "metadata": {"old": {"erp": {"ids": [1]}}, "new": {"erp": {"ids": [1, 2]}}}
        }

    def test_equal_values_are_no_change(self, org_p):
        organization = reloaded(OrganizationFactory(parent=org_p, metadata={"a": 1, "b": [2]}))
        marker = last_id()
        organization.metadata = {"b": [2], "a": 1}  # another object, another key order
        organization.save()
        assert not since(marker).exists()


class TestTree:
    def test_moving_an_organization_records_only_its_parent(self, org_p, org_q):
        child = OrganizationFactory(name="Mover", parent=org_p)
        OrganizationFactory(name="Sibling", parent=org_p)
        marker = last_id()
        child = reloaded(child)
        child.parent = org_q
        child.save()
        child.refresh_from_db()
        assert child.parent == org_q
        # lft/rght/tree_id/level changed for it and its neighbours: none of it is logged.
        rows = list(since(marker))
        assert [(row.action_type, row.object_id) for row in rows] == [("UPDATE", str(child.pk))]
        assert rows[0].changes == {"parent": {"old": org_p.pk, "new": org_q.pk}}
        # The moved organization's rows now belong to its new parent.
        assert rows[0].organization_id == org_q.pk

    def test_moving_over_the_api(self, org_p, org_q, jwt_client, superuser):
        child = OrganizationFactory(name="Mover", parent=org_p)
        marker = last_id()
        response = jwt_client(superuser).post(
            f"/api/v1/organizations/{child.pk}/move/", {"parent": org_q.pk}, format="json"
        )
        assert response.status_code == 200, response.content
        assert changes_of_last_save(child, marker) == {"parent": {"old": org_p.pk, "new": org_q.pk}}

    def test_adding_a_child_changes_nothing_of_the_parent(self, org_p):
        marker = last_id()
        child = OrganizationFactory(parent=org_p)
        assert [(row.action_type, row.object_id) for row in since(marker)] == [
            ("CREATE", str(child.pk))
        ]
        # A top-level organization's history is its own.
        assert rows_of(org_p).get().organization_id == org_p.pk
        assert rows_of(child).get().organization_id == org_p.pk

    def test_mptt_fields_are_not_initial_values(self, org_p):
        child = OrganizationFactory(parent=org_p)
        assert not {"lft", "rght", "tree_id", "level"} & rows_of(child).get().changes.keys()


class TestUpdateFields:
    def test_only_the_written_fields(self, org_p):
        contact = reloaded(ContactFactory(organization=org_p, first_name="A", last_name="B"))
        marker = last_id()
        contact.first_name = "A2"
        contact.last_name = "B2"
        contact.save(update_fields=["first_name"])
        assert changes_of_last_save(contact, marker) == {"first_name": {"old": "A", "new": "A2"}}
        # The last name was not written: a full save writes (and records) it.
        assert reloaded(contact).last_name == "B"
        marker = last_id()
        contact.save()
        assert changes_of_last_save(contact, marker) == {"last_name": {"old": "B", "new": "B2"}}

    def test_by_attname(self, org_p, org_q):
        contact = ContactFactory(organization=org_p)
        marker = last_id()
        contact.linked_organization_id = org_q.pk
        contact.save(update_fields=["linked_organization_id"])
        assert changes_of_last_save(contact, marker) == {
            "linked_organization": {"old": None, "new": org_q.pk}
        }

    def test_written_but_unchanged(self, org_p):
        contact = ContactFactory(organization=org_p)
        marker = last_id()
        contact.save(update_fields=["first_name", "title"])
        assert not since(marker).exists()


class TestUnloadedInstances:
    """Instances built with the primary key of an existing row, never loaded."""

    def test_a_full_save(self, org_p):
        contact = ContactFactory(organization=org_p, first_name="Old", title="Clerk")
        marker = last_id()
        rebuilt = Contact(
            pk=contact.pk,
            organization=org_p,
            first_name="New",
            last_name=contact.last_name,
            title="Clerk",
            created_at=contact.created_at,
        )
        rebuilt.save()
        assert changes_of_last_save(contact, marker) == {"first_name": {"old": "Old", "new": "New"}}
        assert since(marker).get().organization_id == org_p.pk

    def test_update_fields(self, org_p):
        contact = ContactFactory(organization=org_p, first_name="Old")
        marker = last_id()
        Contact(pk=contact.pk, first_name="New").save(update_fields=["first_name"])
        assert reloaded(contact).first_name == "New"
        assert changes_of_last_save(contact, marker) == {"first_name": {"old": "Old", "new": "New"}}

    def test_update_fields_keeps_the_organization(self, org_p):
        contact = ContactFactory(organization=org_p)
        marker = last_id()
        Contact(pk=contact.pk, first_name="New").save(update_fields=["first_name"])
        assert since(marker).get().organization_id == org_p.pk

    def test_bulk_created_instances_saved_again(self, org_p):
        (contact,) = Contact.objects.bulk_create([Contact(organization=org_p, first_name="Bulk")])
        marker = last_id()
        contact.first_name = "Saved"
        contact.save()
        assert changes_of_last_save(contact, marker) == {
            "first_name": {"old": "Bulk", "new": "Saved"}
        }

    def test_a_new_pk_is_a_creation(self, org_p):
        marker = last_id()
        Organization(
            pk=987654, name="Chosen id", code="CHOSEN", organization_type_id="Company"
        ).save()
        row = since(marker).get()
        assert (row.action_type, row.object_id) == ("CREATE", "987654")


class TestReloadedAndDeferredFields:
    def test_a_save_after_refresh_from_db_records_only_its_own_changes(self, org_p):
        contact = reloaded(ContactFactory(organization=org_p, title="A"))
        # Changed elsewhere (a queryset update sends no signal, so leaves no row).
        Contact.objects.filter(pk=contact.pk).update(title="B")
        contact.refresh_from_db()
        marker = last_id()
        contact.save()
        assert not since(marker).exists()
        contact.title = "C"
        contact.save()
        assert changes_of_last_save(contact, marker) == {"title": {"old": "B", "new": "C"}}

    def test_refresh_of_some_fields(self, org_p):
        contact = reloaded(ContactFactory(organization=org_p, title="A"))
        Contact.objects.filter(pk=contact.pk).update(title="B")
        contact.refresh_from_db(fields=iter(["title"]))  # any iterable of names
        marker = last_id()
        contact.save()
        assert not since(marker).exists()
        contact.title = "C"
        contact.save()
        assert changes_of_last_save(contact, marker) == {"title": {"old": "B", "new": "C"}}

    def test_a_deferred_field_read_then_changed(self, org_p):
        pk = ContactFactory(organization=org_p, title="A").pk
        contact = Contact.objects.only("id", "first_name").get(pk=pk)
        assert contact.title == "A"  # loaded now
        contact.title = "X"
        marker = last_id()
        contact.save()
        assert changes_of_last_save(contact, marker) == {"title": {"old": "A", "new": "X"}}

    def test_a_deferred_field_changed_without_being_read(self, org_p):
        pk = ContactFactory(organization=org_p, title="A").pk
        contact = Contact.objects.only("id", "first_name").get(pk=pk)
        contact.title = "Y"
        marker = last_id()
        contact.save()
        assert changes_of_last_save(contact, marker) == {"title": {"old": "A", "new": "Y"}}
        assert since(marker).get().organization_id == org_p.pk

    def test_reads_cost_nothing_a_save_reads_the_stored_values_once(self, org_p):
        pk = ContactFactory(organization=org_p, title="Stored").pk
        # Loading copies nothing for the audit...
        contact = Contact.objects.get(pk=pk)
        assert "_audit_snapshot" not in contact.__dict__
        # ...a change made elsewhere since is not taken for this save's...
        Contact.objects.filter(pk=pk).update(title="Elsewhere")
        contact.title = "Quick"
        # ...and the save reads the stored values once, in its transaction.
        marker = last_id()
        with CaptureQueriesContext(connection) as queries:
            contact.save()
        selects = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith("SELECT")]
        assert len(selects) == 1, selects
        assert changes_of_last_save(contact, marker) == {
            "title": {"old": "Elsewhere", "new": "Quick"}
        }
