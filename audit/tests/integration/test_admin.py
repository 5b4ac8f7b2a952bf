"""The Admin of the audit log: read-only for everyone, superusers included."""

import json

import pytest
from django.contrib import admin as django_admin
from django.urls import reverse
from django.utils.html import escape

from api.v1.base_models.contact.tests.factories import ContactFactory
from api.v1.base_models.organization.tests.factories import permissions_named
from api.v1.base_models.user.tests.factories import UserFactory
from audit.models import AuditLog

from ..helpers import rows_of

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:audit_auditlog_changelist")


def change_url(row):
    return reverse("admin:audit_auditlog_change", args=[row.pk])


@pytest.fixture
def admin(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def contact_row(org_p):
    contact = ContactFactory(organization=org_p, first_name="Linked", last_name="Person")
    contact.title = "Chief <Auditor>"
    contact.save()
    return contact, rows_of(contact).last()


def test_the_changelist(admin, contact_row):
    _contact, row = contact_row
    response = admin.get(CHANGELIST)
    assert response.status_code == 200
    assert escape(row.object_repr) in response.content.decode()
    # No add button, no bulk delete.
    assert reverse("admin:audit_auditlog_add") not in response.content.decode()
    assert "delete_selected" not in response.content.decode()
    assert admin.get(CHANGELIST, {"q": row.request_id or row.object_repr}).status_code == 200
    assert admin.get(CHANGELIST, {"action_type__exact": "UPDATE"}).status_code == 200


def test_the_detail_page_is_read_only(admin, contact_row):
    contact, row = contact_row
    response = admin.get(change_url(row))
    assert response.status_code == 200
    content = response.content.decode()
    assert 'name="_save"' not in content
    assert 'name="_continue"' not in content
    assert response.context["adminform"].form.fields == {}
    # A link to the object while it exists, with its name.
    link = reverse("admin:contact_contact_change", args=[contact.pk])
    assert f'<a href="{link}">Linked Person</a>' in content
    # The changes as indented JSON, escaped.
    pretty = json.dumps(row.changes, indent=2, ensure_ascii=False)
    assert f"<pre>{escape(pretty)}</pre>" in content
    assert "Chief &lt;Auditor&gt;" in content


def test_a_deleted_object_is_named_not_linked(admin, contact_row):
    contact, _row = contact_row
    pk = contact.pk
    contact.delete()
    deletion = rows_of(type(contact), pk).last()
    assert deletion.action_type == "DELETE"
    content = admin.get(change_url(deletion)).content.decode()
    assert reverse("admin:contact_contact_change", args=[pk]) not in content
    assert "Linked Person" in content


def test_a_row_about_no_object(admin):
    row = AuditLog.objects.create(action_type="LOGIN_FAILED", context={"username_attempt": "x"})
    assert admin.get(change_url(row)).status_code == 200
    model_admin = django_admin.site._registry[AuditLog]
    assert model_admin.user_display(row) == "system"
    assert model_admin.object_link(row) == "-"
    assert model_admin.changes_display(row) == "-"


def test_no_add_no_delete_no_change(admin, contact_row):
    _contact, row = contact_row
    before = AuditLog.objects.count()
    assert admin.get(reverse("admin:audit_auditlog_add")).status_code == 403
    assert admin.post(reverse("admin:audit_auditlog_add"), {}).status_code == 403
    delete_url = reverse("admin:audit_auditlog_delete", args=[row.pk])
    assert admin.get(delete_url).status_code == 403
    assert admin.post(delete_url, {"post": "yes"}).status_code == 403
    assert admin.post(change_url(row), {"action_type": "DELETE"}).status_code == 403
    bulk = admin.post(
        CHANGELIST, {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"}
    )
    assert bulk.status_code in (200, 302)
    assert AuditLog.objects.count() >= before
    assert AuditLog.objects.filter(pk=row.pk).exists()
    assert AuditLog.objects.get(pk=row.pk).action_type == "UPDATE"


def test_staff_with_the_view_permission_read_it(client):
    staff = UserFactory(is_staff=True)
    staff.user_permissions.set(permissions_named("audit.view_auditlog"))
    client.force_login(staff)
    assert client.get(CHANGELIST).status_code == 200
    other = UserFactory(is_staff=True)
    client.force_login(other)
    assert client.get(CHANGELIST).status_code == 403


def test_the_changelist_counts_no_further_than_the_limit(admin, org_p, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.PAGINATION_COUNT_LIMIT = 5
    for index in range(8):
        ContactFactory(organization=org_p, first_name=f"Counted {index}")
    with CaptureQueriesContext(connection) as queries:
        response = admin.get(CHANGELIST)
    assert response.status_code == 200
    counts = [query["sql"] for query in queries if "COUNT(" in query["sql"].upper()]
    assert counts, "no count"
    assert all("LIMIT" in sql.upper() for sql in counts), counts
    # The rows past the limit are still reached, page by page.
    response = admin.get(CHANGELIST, {"p": 2})
    assert response.status_code == 200
