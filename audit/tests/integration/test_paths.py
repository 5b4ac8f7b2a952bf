"""Every way a record changes leaves a row: the Admin, the ORM in a shell (with and
without a current user), a Celery task."""

import pytest
from celery import shared_task
from crum import impersonate
from django.core import serializers
from django.urls import reverse

from api.v1.base_models.contact.models import Contact
from api.v1.base_models.contact.tests.factories import ContactFactory

from ..helpers import last_id, rows_of, since

pytestmark = pytest.mark.django_db


@shared_task
def retitle_contact(contact_id: int, title: str) -> None:
    """A task of the kind the project runs: loads a record and changes it."""
    contact = Contact.objects.get(pk=contact_id)
    contact.title = title
    contact.save()


def contact_form(contact, **changes):
    """POST data of the Admin's contact change form, with no channel rows."""
    data = {
        "organization": str(contact.organization_id),
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "title": contact.title,
        "department": contact.department,
        "contact_type": contact.contact_type,
        "status": contact.status,
        "source": contact.source,
        "tags": "",
        "linked_organization": "",
        "notes": contact.notes,
        "custom_fields": "{}",
        "_save": "Save",
    }
    for prefix in ("email_addresses", "phone_numbers", "addresses"):
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": "0",
                f"{prefix}-INITIAL_FORMS": "0",
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
    data.update(changes)
    return data


def test_the_admin_change_form(client, superuser, org_p):
    contact = ContactFactory(organization=org_p, title="Clerk", department="")
    client.force_login(superuser)
    marker = last_id()
    response = client.post(
        reverse("admin:contact_contact_change", args=[contact.pk]),
        contact_form(contact, title="Director", department="Board"),
        REMOTE_ADDR="192.0.2.10",
        HTTP_USER_AGENT="Browser/1.0",
    )
    assert response.status_code == 302, response.content
    rows = list(since(marker))
    assert [(row.action_type, row.object_id) for row in rows] == [("UPDATE", str(contact.pk))]
    row = rows[0]
    assert row.changes == {
        "title": {"old": "Clerk", "new": "Director"},
        "department": {"old": "", "new": "Board"},
    }
    assert row.user_id == superuser.pk
    assert row.user_repr == superuser.username
    assert row.organization_id == org_p.pk
    assert row.context["ip_address"] == "192.0.2.10"
    assert row.context["user_agent"] == "Browser/1.0"
    assert row.context["path"] == reverse("admin:contact_contact_change", args=[contact.pk])
    assert row.request_id == response["X-Request-ID"]


def test_the_admin_saving_an_unchanged_form_writes_nothing(client, superuser, org_p):
    contact = ContactFactory(organization=org_p)
    client.force_login(superuser)
    marker = last_id()
    response = client.post(
        reverse("admin:contact_contact_change", args=[contact.pk]), contact_form(contact)
    )
    assert response.status_code == 302
    assert not since(marker).exists()


def test_the_orm_with_a_current_user(admin_p, org_p):
    contact = ContactFactory(organization=org_p)
    pk = contact.pk
    with impersonate(admin_p):
        contact.notes = "Called back."
        contact.save()
        contact.delete()
    update, delete = rows_of(Contact, pk).exclude(action_type="CREATE")
    for row in (update, delete):
        assert row.user_id == admin_p.pk
        assert row.user_repr == admin_p.username
        assert row.context == {"source": "system"}
        assert row.request_id == ""
        assert row.organization_id == org_p.pk
    assert update.changes == {"notes": {"old": "", "new": "Called back."}}
    assert delete.action_type == "DELETE"


def test_the_orm_without_a_current_user(org_p):
    marker = last_id()
    contact = Contact.objects.create(organization=org_p, first_name="Shell")
    contact.first_name = "Shelly"
    contact.save()
    rows = list(since(marker))
    assert [row.action_type for row in rows] == ["CREATE", "UPDATE"]
    for row in rows:
        assert row.user_id is None
        assert row.user_repr == ""
        assert row.context == {"source": "system"}
        assert row.request_id == ""
    assert rows[1].changes == {"first_name": {"old": "Shell", "new": "Shelly"}}


def test_a_celery_task(org_p):
    contact = ContactFactory(organization=org_p, title="")
    marker = last_id()
    result = retitle_contact.delay(contact.pk, "Buyer")
    rows = list(since(marker))
    assert [row.action_type for row in rows] == ["UPDATE"]
    row = rows[0]
    assert row.changes == {"title": {"old": "", "new": "Buyer"}}
    assert row.context == {"source": "task", "task": retitle_contact.name}
    assert retitle_contact.name.endswith("test_paths.retitle_contact")
    assert row.request_id == result.id
    assert row.user_id is None
    assert row.organization_id == org_p.pk


def test_a_celery_task_run_for_a_user(admin_p, org_p):
    contact = ContactFactory(organization=org_p)
    marker = last_id()
    with impersonate(admin_p):
        retitle_contact.delay(contact.pk, "Manager")
    row = since(marker).get()
    assert row.user_id == admin_p.pk
    assert row.context["source"] == "task"


def test_fixtures_loaded_raw_leave_no_row(org_p):
    """loaddata saves raw (no audit: the data is the fixture's, not anyone's change)."""
    contact = ContactFactory(organization=org_p, title="Fixture")
    data = serializers.serialize("json", [contact])
    contact.title = "Changed"
    contact.save()
    marker = last_id()
    for deserialized in serializers.deserialize("json", data):
        deserialized.save()
    assert Contact.objects.get(pk=contact.pk).title == "Fixture"
    assert not since(marker).exists()
