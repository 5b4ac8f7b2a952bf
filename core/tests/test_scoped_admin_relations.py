"""api.base.admin: what a scoped Admin shows around its rows (list filters, related choices,
raw-id labels, autocomplete) is limited to what the user may see; staff with global
permissions are not restricted. The whole Admin is swept in tests/test_admin_isolation.py."""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from api.base.admin import organization_path, visible_organizations
from api.v1.base_models.contact.models import Contact
from api.v1.base_models.contact.tests.factories import ContactFactory
from api.v1.base_models.organization.models import Organization
from api.v1.base_models.organization.tests.factories import (
    OrganizationFactory,
    model_permissions,
    permissions_named,
)
from api.v1.base_models.user.tests.factories import UserFactory
from api.v1.features.products.models import Product

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:contact_contact_changelist")
ADD = reverse("admin:contact_contact_add")
CONTACT_PERMS = model_permissions(Contact)


def change_url(contact):
    return reverse("admin:contact_contact_change", args=[contact.pk])


def contact_form(contact, **fields):
    management = {
        f"{prefix}-{name}": value
        for prefix in ("email_addresses", "phone_numbers", "addresses")
        for name, value in (("TOTAL_FORMS", 0), ("INITIAL_FORMS", 0))
    }
    return {
        **management,
        "organization": contact.organization_id,
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "title": "",
        "department": "",
        "contact_type": contact.contact_type,
        "status": contact.status,
        "source": "",
        "tags": "",
        "linked_organization": contact.linked_organization_id or "",
        "notes": "",
        "custom_fields": "{}",
        **fields,
    }


@pytest.fixture
def staff(client, member, org_a):
    """A staff member of A whose role holds the contact permissions only."""
    user = member(org_a, *CONTACT_PERMS, is_staff=True)
    client.force_login(user)
    return user


def organization_filter(response):
    for spec in response.context["cl"].filter_specs:
        if getattr(spec, "field_path", None) == "organization":
            return {pk for pk, _label in spec.lookup_choices}
    return set()


def test_the_organization_filter_names_the_users_organizations_only(
    client, member, staff, org_a, org_b
):
    org_d = OrganizationFactory(name="Delta Ltd")
    member(org_d, *CONTACT_PERMS, user=staff)
    for organization in (org_a, org_b, org_d):
        ContactFactory(organization=organization)
    OrganizationFactory(name="Unused Ltd")
    response = client.get(CHANGELIST)
    assert organization_filter(response) == {org_a.pk, org_d.pk}
    assert org_b.name not in response.content.decode()
    response = client.get(CHANGELIST, {"organization__id__exact": org_b.pk})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == []
    assert org_b.name not in response.content.decode()


def test_global_staff_filter_on_every_organization_with_records(client, org_a, org_b):
    ContactFactory(organization=org_a)
    ContactFactory(organization=org_b)
    unused = OrganizationFactory(name="Unused Ltd")
    user = UserFactory(is_staff=True)
    user.user_permissions.add(*permissions_named(*CONTACT_PERMS))
    client.force_login(user)
    choices = organization_filter(client.get(CHANGELIST))
    assert choices == {org_a.pk, org_b.pk}
    assert unused.pk not in choices


def test_related_choices_are_the_users_organizations(client, staff, org_a, org_b):
    response = client.get(ADD)
    form = response.context["adminform"].form
    assert set(form.fields["linked_organization"].queryset) == {org_a}
    assert set(form.fields["organization"].queryset) == {org_a}


def test_global_staff_related_choices_are_not_restricted(client, org_a, org_b):
    user = UserFactory(is_staff=True)
    user.user_permissions.add(*permissions_named(*CONTACT_PERMS))
    client.force_login(user)
    form = client.get(ADD).context["adminform"].form
    assert set(form.fields["linked_organization"].queryset) == {org_a, org_b}


def test_a_raw_id_input_names_only_what_the_user_may_see(client, staff, org_a, org_b):
    page = client.get(ADD, {"organization": org_b.pk, "linked_organization": org_b.pk})
    assert page.status_code == 200
    assert org_b.name not in page.content.decode()
    page = client.get(ADD, {"linked_organization": org_a.pk})
    assert org_a.name in page.content.decode()


def test_a_current_value_the_user_may_not_pick_is_kept(client, staff, org_a):
    """A contact of A linked to a sub-organization of A where the user is no member: the
    link is part of the contact (shown as in its list row and in the API), and saving
    the contact keeps it."""
    subsidiary = OrganizationFactory(name="Linked Subsidiary", parent=org_a)
    contact = ContactFactory(organization=org_a, linked_organization=subsidiary)
    page = client.get(change_url(contact))
    assert page.status_code == 200
    assert "Linked Subsidiary" in page.content.decode()
    response = client.post(change_url(contact), contact_form(contact, first_name="Kept"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    contact.refresh_from_db()
    assert (contact.first_name, contact.linked_organization) == ("Kept", subsidiary)
    # Another organization cannot be chosen instead.
    other = OrganizationFactory(name="Elsewhere")
    response = client.post(change_url(contact), contact_form(contact, linked_organization=other.pk))
    assert response.status_code == 200
    assert "linked_organization" in response.context["adminform"].form.errors


def test_autocomplete_offers_what_the_source_field_accepts(client, member, org_a, org_b):
    """May view organizations A and B, but add and change products in A only: the
    organizations offered for a product are A's."""
    user = member(
        org_a,
        "organization.view_organization",
        *model_permissions(Product),
        is_staff=True,
    )
    member(org_b, "organization.view_organization", user=user)
    client.force_login(user)
    url = reverse("admin:autocomplete")
    query = {"app_label": "products", "model_name": "product", "field_name": "organization"}
    response = client.get(url, query)
    assert response.status_code == 200
    assert {row["id"] for row in response.json()["results"]} == {str(org_a.pk)}
    # The organizations' own autocomplete (a contact's linked organization): both.
    query = {"app_label": "contact", "model_name": "contact", "field_name": "linked_organization"}
    response = client.get(url, query)
    assert {row["id"] for row in response.json()["results"]} == {str(org_a.pk), str(org_b.pk)}


def test_organization_paths_come_from_the_model():
    from api.v1.base_models.common.models import Category
    from api.v1.base_models.contact.models import ContactEmailAddress
    from api.v1.features.inventory.models import StockLocation

    assert organization_path(Organization) == "pk"
    assert organization_path(Contact) == "organization"
    assert organization_path(StockLocation) == "organization"
    assert organization_path(ContactEmailAddress) == "contact__organization"
    assert organization_path(Category) is None


def test_visible_organizations(member, org_a, org_b):
    user = member(org_a, "contact.view_contact")
    member(org_b, "products.view_product", user=user)
    request = RequestFactory().get("/")
    request.user = user
    assert visible_organizations(user, Contact) == {org_a.pk}
    assert visible_organizations(user, Organization) == {org_a.pk, org_b.pk}
    assert visible_organizations(user, Contact, Product) == {org_a.pk, org_b.pk}
    assert visible_organizations(UserFactory(is_superuser=True), Contact) is None
