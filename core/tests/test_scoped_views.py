"""api.base.views.OrganizationScopedViewSetMixin: edge cases beyond the tenancy matrix of
tests/tenancy.py, through the real contact and organization endpoints."""

import pytest
from django.urls import reverse

from api.v1.base_models.contact.models import Contact
from api.v1.base_models.contact.tests.factories import ContactFactory
from api.v1.base_models.organization.tests.factories import OrganizationFactory, model_permissions
from api.v1.base_models.user.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CONTACTS_URL = reverse("api-v1:contact-list")
ALL = model_permissions(Contact)


def contact_url(contact):
    return reverse("api-v1:contact-detail", args=[contact.pk])


def test_create_with_a_null_organization_is_a_400(member, org_a, jwt_client):
    user = member(org_a, *ALL)
    response = jwt_client(user).post(
        CONTACTS_URL, {"organization": None, "first_name": "X"}, format="json"
    )
    assert response.status_code == 400
    assert "organization" in response.json()
    assert not Contact.objects.exists()


@pytest.mark.parametrize("organization", ["abc", "", [1], {"id": 1}, True])
def test_create_with_a_malformed_organization_is_a_400(member, org_a, jwt_client, organization):
    user = member(org_a, *ALL)
    response = jwt_client(user).post(
        CONTACTS_URL, {"organization": organization, "first_name": "X"}, format="json"
    )
    assert response.status_code == 400
    assert "organization" in response.json()


def test_another_tenants_organization_reads_like_one_that_does_not_exist(
    member, org_a, org_b, jwt_client
):
    client = jwt_client(member(org_a, *ALL))
    other = client.post(CONTACTS_URL, {"organization": org_b.pk, "first_name": "X"})
    missing = client.post(CONTACTS_URL, {"organization": 987654, "first_name": "X"})
    assert other.status_code == missing.status_code == 400
    assert other.json()["organization"] == [
        message.replace("987654", str(org_b.pk)) for message in missing.json()["organization"]
    ]


def test_a_superuser_creates_in_any_organization(org_a, org_b, jwt_client):
    superuser = UserFactory(is_superuser=True)
    client = jwt_client(superuser)
    for organization in (org_a, org_b):
        response = client.post(
            CONTACTS_URL, {"organization": organization.pk, "first_name": "Root"}, format="json"
        )
        assert response.status_code == 201, response.content
        created = Contact.objects.get(pk=response.json()["id"])
        assert created.organization == organization
        assert created.created_by == superuser


def test_a_superuser_sees_every_organization_and_filters_by_one(org_a, org_b, jwt_client):
    in_a, in_b = ContactFactory(organization=org_a), ContactFactory(organization=org_b)
    client = jwt_client(UserFactory(is_superuser=True))
    listed = {row["id"] for row in client.get(CONTACTS_URL).json()["results"]}
    assert {in_a.pk, in_b.pk} <= listed
    filtered = client.get(CONTACTS_URL, {"organization": org_b.pk}).json()["results"]
    assert [row["id"] for row in filtered] == [in_b.pk]


def test_add_in_one_organization_does_not_allow_adding_in_another(member, org_a, org_b, jwt_client):
    # A member of B who may only view there: B is acceptable in the payload (they belong
    # to it) but the role there refuses the add.
    user = member(org_a, "contact.add_contact", "contact.view_contact")
    member(org_b, "contact.view_contact", user=user)
    response = jwt_client(user).post(
        CONTACTS_URL, {"organization": org_b.pk, "first_name": "X"}, format="json"
    )
    assert response.status_code == 403
    assert org_b.name in response.json()["detail"]
    assert not Contact.objects.exists()


def test_the_add_permission_alone_allows_creating_but_not_reading(member, org_a, jwt_client):
    client = jwt_client(member(org_a, "contact.add_contact"))
    response = client.post(
        CONTACTS_URL, {"organization": org_a.pk, "first_name": "Blind"}, format="json"
    )
    assert response.status_code == 201, response.content
    created = Contact.objects.get(pk=response.json()["id"])
    assert client.get(CONTACTS_URL).json()["results"] == []
    assert client.get(contact_url(created)).status_code == 404


def test_the_change_permission_needs_the_view_permission_to_reach_the_record(
    member, org_a, jwt_client
):
    contact = ContactFactory(organization=org_a)
    client = jwt_client(member(org_a, "contact.change_contact", "contact.delete_contact"))
    assert client.patch(contact_url(contact), {"first_name": "Y"}).status_code == 404
    assert client.delete(contact_url(contact)).status_code == 404


def test_an_update_may_not_null_the_organization(member, org_a, jwt_client):
    contact = ContactFactory(organization=org_a)
    response = jwt_client(member(org_a, *ALL)).patch(
        contact_url(contact), {"organization": None}, format="json"
    )
    assert response.status_code == 400
    assert "organization" in response.json()
    contact.refresh_from_db()
    assert contact.organization == org_a


def test_an_update_naming_the_same_organization_needs_nothing_more(member, org_a, jwt_client):
    contact = ContactFactory(organization=org_a)
    client = jwt_client(member(org_a, "contact.view_contact", "contact.change_contact"))
    response = client.patch(
        contact_url(contact), {"organization": org_a.pk, "first_name": "Same"}, format="json"
    )
    assert response.status_code == 200, response.content


def test_moving_needs_the_change_permission_in_the_target(member, org_a, org_b, jwt_client):
    contact = ContactFactory(organization=org_a)
    user = member(org_a, "contact.view_contact", "contact.change_contact")
    # In B the user may add contacts, not change them: a move is a change there.
    member(org_b, "contact.view_contact", "contact.add_contact", user=user)
    response = jwt_client(user).patch(
        contact_url(contact), {"organization": org_b.pk}, format="json"
    )
    assert response.status_code == 403
    contact.refresh_from_db()
    assert contact.organization == org_a


def test_a_superuser_moves_records_anywhere(org_a, org_b, jwt_client):
    contact = ContactFactory(organization=org_a)
    response = jwt_client(UserFactory(is_superuser=True)).patch(
        contact_url(contact), {"organization": org_b.pk}, format="json"
    )
    assert response.status_code == 200, response.content
    contact.refresh_from_db()
    assert contact.organization == org_b


def test_an_inactive_membership_does_not_allow_creating(member, org_a, jwt_client):
    user = member(org_a, *ALL, active=False)
    response = jwt_client(user).post(
        CONTACTS_URL, {"organization": org_a.pk, "first_name": "X"}, format="json"
    )
    assert response.status_code == 403


def test_lookup_by_the_organization_itself(member, org_a, org_b, jwt_client):
    # The organization endpoint scopes by the organization's own id.
    child = OrganizationFactory(parent=org_a, name="Child of A")
    client = jwt_client(member(org_a, "organization.view_organization"))
    listed = {
        row["id"] for row in client.get(reverse("api-v1:organization-list")).json()["results"]
    }
    assert listed == {org_a.pk}
    assert client.get(reverse("api-v1:organization-detail", args=[child.pk])).status_code == 404
    assert client.get(reverse("api-v1:organization-detail", args=[org_b.pk])).status_code == 404
