"""api.base.admin.OrganizationScopedAdminMixin, through the Contact Admin: staff without
global permissions work in the organizations where their role allows it; staff with
the global (Django) permissions are not restricted."""

import pytest
from django.urls import reverse

from api.v1.base_models.contact.models import Contact
from api.v1.base_models.contact.tests.factories import ContactFactory
from api.v1.base_models.organization.tests.factories import model_permissions
from api.v1.base_models.user.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:contact_contact_changelist")
ADD = reverse("admin:contact_contact_add")
VIEW, ADD_PERM, CHANGE, DELETE = model_permissions(Contact)


def change_url(contact):
    return reverse("admin:contact_contact_change", args=[contact.pk])


def delete_url(contact):
    return reverse("admin:contact_contact_delete", args=[contact.pk])


def form(organization, **fields):
    management = {
        f"{prefix}-{name}": value
        for prefix in ("email_addresses", "phone_numbers", "addresses")
        for name, value in (
            ("TOTAL_FORMS", 0),
            ("INITIAL_FORMS", 0),
            ("MIN_NUM_FORMS", 0),
            ("MAX_NUM_FORMS", 1000),
        )
    }
    return {
        **management,
        "organization": organization.pk,
        "first_name": "Admin",
        "last_name": "Made",
        "title": "",
        "department": "",
        "contact_type": "primary",
        "status": "active",
        "source": "",
        "tags": "",
        "linked_organization": "",
        "notes": "",
        "custom_fields": "{}",
        **fields,
    }


@pytest.fixture
def contacts(org_a, org_b):
    return ContactFactory(organization=org_a), ContactFactory(organization=org_b)


@pytest.fixture
def login(client, member):
    """login(memberships={org: [perms]}, global_perms=[]) -> a logged-in staff client."""

    def make(memberships=None, global_perms=()):
        user = UserFactory(is_staff=True)
        for organization, perms in (memberships or {}).items():
            member(organization, *perms, user=user)
        if global_perms:
            from api.v1.base_models.organization.tests.factories import permissions_named

            user.user_permissions.add(*permissions_named(*global_perms))
        client.force_login(user)
        return client

    return make


def listed(response):
    assert response.status_code == 200
    return set(response.context["cl"].result_list.values_list("pk", flat=True))


def contact_model_entry(response):
    for app in response.context["app_list"]:
        for model in app["models"]:
            if model["object_name"] == "Contact":
                return model
    return None


# ------------------------------------------------------- staff with an organization role
def test_the_changelist_shows_the_roles_organizations_only(login, org_a, contacts):
    client = login({org_a: [VIEW]})
    assert listed(client.get(CHANGELIST)) == {contacts[0].pk}


def test_the_changelist_covers_every_organization_of_the_user(login, org_a, org_b, contacts):
    client = login({org_a: [VIEW], org_b: [CHANGE]})
    assert listed(client.get(CHANGELIST)) == {contacts[0].pk, contacts[1].pk}


def test_the_module_is_visible_with_the_roles_permissions(login, org_a):
    client = login({org_a: [VIEW, CHANGE]})
    entry = contact_model_entry(client.get(reverse("admin:index")))
    assert entry is not None
    assert entry["perms"]["view"]
    assert entry["perms"]["change"]
    assert not entry["perms"]["add"]
    assert not entry["perms"]["delete"]
    assert client.get(reverse("admin:app_list", args=["contact"])).status_code == 200


def test_the_module_is_hidden_without_a_role(login, org_a, contacts):
    client = login({org_a: ["organization.view_organization"]})
    assert contact_model_entry(client.get(reverse("admin:index"))) is None
    assert client.get(CHANGELIST).status_code == 403
    assert client.get(change_url(contacts[0])).status_code == 403


def test_an_inactive_membership_gives_nothing(client, member, org_a, contacts):
    user = member(org_a, VIEW, CHANGE, is_staff=True, active=False)
    client.force_login(user)
    assert client.get(CHANGELIST).status_code == 403


def test_change_in_the_roles_organization(login, org_a, contacts):
    contact_a, _contact_b = contacts
    client = login({org_a: [VIEW, CHANGE]})
    assert client.get(change_url(contact_a)).status_code == 200
    response = client.post(change_url(contact_a), form(org_a, first_name="Edited"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    contact_a.refresh_from_db()
    assert contact_a.first_name == "Edited"


def test_records_of_other_organizations_do_not_exist(login, org_a, contacts):
    _contact_a, contact_b = contacts
    client = login({org_a: [VIEW, CHANGE, DELETE]})
    for url in (change_url(contact_b), delete_url(contact_b)):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url == reverse("admin:index")
    response = client.post(change_url(contact_b), form(contact_b.organization, first_name="X"))
    assert response.status_code == 302
    contact_b.refresh_from_db()
    assert contact_b.first_name != "X"


def test_view_only_shows_without_saving(login, org_a, contacts):
    contact_a, _ = contacts
    client = login({org_a: [VIEW]})
    response = client.get(change_url(contact_a))
    assert response.status_code == 200
    assert not response.context["has_change_permission"]
    response = client.post(change_url(contact_a), form(org_a, first_name="Nope"))
    assert response.status_code == 403
    contact_a.refresh_from_db()
    assert contact_a.first_name != "Nope"


def test_change_needs_the_permission_in_the_records_organization(login, org_a, org_b, contacts):
    _contact_a, contact_b = contacts
    client = login({org_a: [VIEW, CHANGE], org_b: [VIEW]})
    response = client.get(change_url(contact_b))
    assert response.status_code == 200
    assert not response.context["has_change_permission"]
    assert client.post(change_url(contact_b), form(org_b, first_name="X")).status_code == 403


def test_add_needs_the_add_permission_somewhere(login, org_a):
    client = login({org_a: [VIEW, CHANGE]})
    assert client.get(ADD).status_code == 403
    assert client.post(ADD, form(org_a)).status_code == 403
    assert not Contact.objects.exists()


def test_add_in_the_roles_organization_only(login, org_a, org_b):
    client = login({org_a: [VIEW, ADD_PERM]})
    assert client.get(ADD).status_code == 200
    response = client.post(ADD, form(org_b))
    assert response.status_code == 200
    assert "organization" in response.context["adminform"].form.errors
    assert not Contact.objects.exists()
    response = client.post(ADD, form(org_a))
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Contact.objects.get().organization == org_a


def test_add_is_refused_where_the_role_may_only_change(login, org_a, org_b):
    # May add in A, and only change in B: a new contact cannot go to B.
    client = login({org_a: [VIEW, ADD_PERM], org_b: [VIEW, CHANGE]})
    response = client.post(ADD, form(org_b))
    assert response.status_code == 200
    assert "organization" in response.context["adminform"].form.errors
    assert not Contact.objects.exists()
    assert client.post(ADD, form(org_a)).status_code == 302


def test_a_move_is_refused_where_the_role_may_only_add(login, org_a, org_b, contacts):
    # May change in A, and only add in B: a contact of A cannot be moved to B.
    contact_a, _ = contacts
    client = login({org_a: [VIEW, CHANGE], org_b: [VIEW, ADD_PERM]})
    response = client.post(change_url(contact_a), form(org_b))
    assert response.status_code == 200
    assert "organization" in response.context["adminform"].form.errors
    contact_a.refresh_from_db()
    assert contact_a.organization == org_a
    # Moving between two organizations where the role may change is allowed.
    client = login({org_a: [VIEW, CHANGE], org_b: [VIEW, CHANGE]})
    response = client.post(change_url(contact_a), form(org_b))
    assert response.status_code == 302, response.context["adminform"].form.errors
    contact_a.refresh_from_db()
    assert contact_a.organization == org_b


def test_a_change_cannot_move_a_record_outside_the_users_organizations(
    login, org_a, org_b, contacts
):
    contact_a, _ = contacts
    client = login({org_a: [VIEW, CHANGE]})
    response = client.post(change_url(contact_a), form(org_b))
    assert response.status_code == 200
    assert "organization" in response.context["adminform"].form.errors
    contact_a.refresh_from_db()
    assert contact_a.organization == org_a


def test_delete_per_organization(login, org_a, org_b, contacts):
    contact_a, contact_b = contacts
    client = login({org_a: [VIEW, DELETE], org_b: [VIEW]})
    assert client.get(delete_url(contact_b)).status_code == 403
    assert client.get(delete_url(contact_a)).status_code == 200
    assert client.post(delete_url(contact_a), {"post": "yes"}).status_code == 302
    assert not Contact.objects.filter(pk=contact_a.pk).exists()
    assert Contact.objects.filter(pk=contact_b.pk).exists()


def test_delete_is_refused_without_the_permission(login, org_a, contacts):
    contact_a, _ = contacts
    client = login({org_a: [VIEW, CHANGE]})
    assert client.post(delete_url(contact_a), {"post": "yes"}).status_code == 403
    assert Contact.objects.filter(pk=contact_a.pk).exists()


def test_bulk_delete_reaches_the_roles_organization_only(login, org_a, contacts):
    contact_a, contact_b = contacts
    client = login({org_a: [VIEW, DELETE]})
    response = client.post(
        CHANGELIST,
        {
            "action": "delete_selected",
            "_selected_action": [contact_a.pk, contact_b.pk],
            "post": "yes",
        },
    )
    assert response.status_code == 302
    assert not Contact.objects.filter(pk=contact_a.pk).exists()
    assert Contact.objects.filter(pk=contact_b.pk).exists()


def test_the_organization_admin_scopes_by_the_organization_itself(client, member, org_a, org_b):
    user = member(org_a, "organization.view_organization", is_staff=True)
    client.force_login(user)
    response = client.get(reverse("admin:organization_organization_changelist"))
    assert listed(response) == {org_a.pk}


# --------------------------------------------------------- staff with global permissions
def test_global_permissions_are_not_restricted(login, org_a, org_b, contacts):
    contact_a, contact_b = contacts
    client = login(global_perms=[VIEW, CHANGE, ADD_PERM, DELETE])
    assert listed(client.get(CHANGELIST)) == {contact_a.pk, contact_b.pk}
    response = client.get(change_url(contact_b))
    assert response.status_code == 200
    assert response.context["has_change_permission"]
    response = client.post(change_url(contact_b), form(org_a, first_name="Moved"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    contact_b.refresh_from_db()
    assert (contact_b.organization, contact_b.first_name) == (org_a, "Moved")
    assert client.post(ADD, form(org_b)).status_code == 302
    assert client.post(delete_url(contact_a), {"post": "yes"}).status_code == 302
    assert not Contact.objects.filter(pk=contact_a.pk).exists()


def test_a_global_view_permission_with_an_organization_role(login, org_a, org_b, contacts):
    # Sees everything (global view), changes only where the role allows it.
    contact_a, contact_b = contacts
    client = login({org_a: [VIEW, CHANGE]}, global_perms=[VIEW])
    assert listed(client.get(CHANGELIST)) == {contact_a.pk, contact_b.pk}
    assert client.get(change_url(contact_b)).context["has_change_permission"] is False
    assert client.get(change_url(contact_a)).context["has_change_permission"] is True


def test_superusers_are_not_restricted(client, contacts):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert listed(client.get(CHANGELIST)) == {contact.pk for contact in contacts}
