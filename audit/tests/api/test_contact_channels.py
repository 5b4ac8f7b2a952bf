"""A contact's channels written through the contact endpoint: each channel's row holds
its value before the request, whatever bulk steps the serializer takes in between."""

import pytest

from api.v1.base_models.contact.models import ContactEmailAddress
from api.v1.base_models.contact.tests.factories import ContactFactory
from audit.choices import AuditAction

from ..helpers import last_id, since

pytestmark = pytest.mark.django_db


@pytest.fixture
def contact(org_p):
    contact = ContactFactory(organization=org_p, first_name="Ada")
    first = ContactEmailAddress.objects.create(
        contact=contact, email="ada@example.com", email_type="work", is_primary=True
    )
    second = ContactEmailAddress.objects.create(
        contact=contact, email="lovelace@example.com", email_type="personal"
    )
    return contact, first, second


def channel_rows(marker):
    return list(since(marker).filter(content_type__model="contactemailaddress"))


def test_a_changed_email_is_recorded_with_its_old_value(jwt_client, admin_p, contact):
    record, first, second = contact
    marker = last_id()
    response = jwt_client(admin_p).patch(
        f"/api/v1/contacts/{record.pk}/",
        {
            "email_addresses": [
                {"id": first.pk, "email": "ada@work.example.com", "is_primary": True},
                {"id": second.pk, "is_primary": False},
            ]
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    rows = channel_rows(marker)
    assert [(row.action_type, row.object_id) for row in rows] == [
        (AuditAction.UPDATE, str(first.pk))
    ]
    assert rows[0].changes == {"email": {"old": "ada@example.com", "new": "ada@work.example.com"}}
    assert rows[0].organization_id == record.organization_id
    assert rows[0].user_id == admin_p.pk


def test_moving_the_primary_flag_records_both_channels(jwt_client, admin_p, contact):
    record, first, second = contact
    marker = last_id()
    response = jwt_client(admin_p).patch(
        f"/api/v1/contacts/{record.pk}/",
        {
            "email_addresses": [
                {"id": first.pk, "is_primary": False},
                {"id": second.pk, "is_primary": True},
            ]
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    changes = {row.object_id: row.changes for row in channel_rows(marker)}
    assert changes == {
        str(first.pk): {"is_primary": {"old": True, "new": False}},
        str(second.pk): {"is_primary": {"old": False, "new": True}},
    }


def test_a_left_out_channel_is_recorded_as_deleted(jwt_client, admin_p, contact):
    record, first, second = contact
    marker = last_id()
    response = jwt_client(admin_p).patch(
        f"/api/v1/contacts/{record.pk}/",
        {"email_addresses": [{"id": first.pk, "is_primary": True}]},
        format="json",
    )
    assert response.status_code == 200, response.content
    rows = channel_rows(marker)
    assert [(row.action_type, row.object_id) for row in rows] == [
        (AuditAction.DELETE, str(second.pk))
    ]
    assert rows[0].organization_id == record.organization_id
