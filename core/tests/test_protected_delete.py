"""core.exceptions: deleting a record that others still reference is a 409 saying what
references it (ProtectedError and RestrictedError), never a 500 or a partial delete; a
body that could not be read is a 400."""

import pytest
from django.db.models import ProtectedError, RestrictedError
from django.urls import reverse
from rest_framework.test import APIRequestFactory

from api.v1.base_models.contact.models import Contact
from api.v1.base_models.contact.tests.factories import ContactFactory
from api.v1.base_models.organization.models import Organization, OrganizationMembership
from api.v1.base_models.organization.tests.factories import OrganizationFactory
from core.exceptions import exception_handler

pytestmark = pytest.mark.django_db


def organization_url(organization):
    return reverse("api-v1:organization-detail", args=[organization.pk])


def test_an_organization_with_contacts_is_a_409(superuser_client, member):
    organization = OrganizationFactory()
    ContactFactory.create_batch(2, organization=organization)
    member(organization, "contact.view_contact")
    response = superuser_client.delete(organization_url(organization))
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "conflict"
    assert body["detail"].lower() == "it cannot be deleted: it is still referenced by 2 contacts."
    # Nothing deleted, not even what would have cascaded.
    assert Organization.objects.filter(pk=organization.pk).exists()
    assert Contact.objects.filter(organization=organization).count() == 2
    assert OrganizationMembership.objects.filter(organization=organization).count() == 1


def test_one_referencing_record_is_named_in_the_singular(superuser_client):
    organization = OrganizationFactory()
    ContactFactory(organization=organization)
    response = superuser_client.delete(organization_url(organization))
    assert response.status_code == 409
    assert response.json()["detail"].lower().endswith("referenced by 1 contact.")


def test_every_referencing_model_is_counted(superuser_client):
    parent = OrganizationFactory(name="Parent")
    OrganizationFactory(parent=parent, name="Child 1")
    OrganizationFactory(parent=parent, name="Child 2")
    ContactFactory.create_batch(3, organization=parent)
    response = superuser_client.delete(organization_url(parent))
    assert response.status_code == 409
    assert response.json()["detail"].lower() == (
        "it cannot be deleted: it is still referenced by 3 contacts, 2 organizations."
    )
    # The refused delete leaves the tree intact.
    parent.refresh_from_db()
    assert parent.get_descendant_count() == 2
    assert Organization.objects.filter(parent=parent).count() == 2


def test_once_nothing_references_it_the_delete_succeeds(superuser_client):
    organization = OrganizationFactory()
    contact = ContactFactory(organization=organization)
    assert superuser_client.delete(organization_url(organization)).status_code == 409
    contact.delete()
    assert superuser_client.delete(organization_url(organization)).status_code == 204
    assert not Organization.objects.filter(pk=organization.pk).exists()


def test_references_that_do_not_protect_do_not_block(superuser_client):
    # Contacts of another organization linked to this one (SET_NULL) are unlinked.
    organization = OrganizationFactory()
    other = OrganizationFactory()
    linked = ContactFactory(organization=other, linked_organization=None)
    Contact.objects.filter(pk=linked.pk).update(linked_organization=organization)
    assert superuser_client.delete(organization_url(organization)).status_code == 204
    linked.refresh_from_db()
    assert linked.linked_organization is None


def _handle(exc):
    request = APIRequestFactory().delete("/")
    return exception_handler(exc, {"request": request, "view": None})


def test_a_restricted_error_is_a_409_too():
    organization = OrganizationFactory()
    contacts = ContactFactory.create_batch(2, organization=organization)
    response = _handle(RestrictedError("restricted", set(contacts)))
    assert response.status_code == 409
    assert response.data["detail"].lower() == (
        "it cannot be deleted: it is still referenced by 2 contacts."
    )
    assert response.data["code"] == "conflict"


def test_the_message_lists_the_models_in_order():
    organization = OrganizationFactory()
    referencing = [
        organization,
        *ContactFactory.create_batch(2, organization=organization),
        OrganizationMembership(organization=organization),
    ]
    response = _handle(ProtectedError("protected", referencing))
    assert response.status_code == 409
    assert response.data["detail"].lower() == (
        "it cannot be deleted: it is still referenced by "
        "2 contacts, 1 organization, 1 organization membership."
    )


def test_a_body_that_could_not_be_read_to_its_end_is_a_400():
    # A client that left mid-upload (core.asgi.StreamedBody), or a broken WSGI input.
    from django.http import UnreadablePostError

    request = APIRequestFactory().post("/api/v1/files/")
    response = exception_handler(UnreadablePostError("gone"), {"request": request, "view": None})

    assert response.status_code == 400
    assert response.data == {
        "detail": "The request's body could not be read to its end.",
        "code": "parse_error",
    }
