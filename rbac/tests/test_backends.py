"""rbac.backends: `user.has_perm(perm, obj)` answered by the role in the object's
organization, through Django's own authentication machinery; global permissions as
Django's ModelBackend answers them, in one query."""

import pytest
from django.contrib.auth import backends
from django.contrib.auth.models import AnonymousUser, Group

from api.v1.base_models.contact.tests.factories import ContactFactory
from api.v1.base_models.organization.tests.factories import permissions_named
from api.v1.base_models.user.tests.factories import UserFactory
from rbac.backends import ModelBackend, OrganizationPermissionBackend, organization_of

pytestmark = pytest.mark.django_db


def test_object_permission_follows_the_role_in_the_contacts_organization(
    member, org_a, org_b, fresh
):
    contact_a = ContactFactory(organization=org_a)
    contact_b = ContactFactory(organization=org_b)
    user = member(org_a, "contact.view_contact", "contact.change_contact")
    member(org_b, "contact.view_contact", user=user)
    user = fresh(user)
    assert user.has_perm("contact.view_contact", contact_a)
    assert user.has_perm("contact.change_contact", contact_a)
    assert user.has_perm("contact.view_contact", contact_b)
    assert not user.has_perm("contact.change_contact", contact_b)
    assert not user.has_perm("contact.delete_contact", contact_a)
    assert user.has_perms(["contact.view_contact", "contact.change_contact"], contact_a)
    assert not user.has_perms(["contact.view_contact", "contact.change_contact"], contact_b)


def test_no_membership_no_object_permission(org_a):
    contact = ContactFactory(organization=org_a)
    user = UserFactory()
    assert not user.has_perm("contact.view_contact", contact)


def test_inactive_membership_or_user_no_object_permission(member, org_a, fresh):
    contact = ContactFactory(organization=org_a)
    inactive_membership = member(org_a, "contact.view_contact", active=False)
    inactive_user = member(org_a, "contact.view_contact", is_active=False)
    assert not fresh(inactive_membership).has_perm("contact.view_contact", contact)
    assert not fresh(inactive_user).has_perm("contact.view_contact", contact)


def test_anonymous_has_no_object_permission(org_a):
    contact = ContactFactory(organization=org_a)
    assert not AnonymousUser().has_perm("contact.view_contact", contact)


def test_superuser_has_every_object_permission(org_a):
    contact = ContactFactory(organization=org_a)
    assert UserFactory(is_superuser=True).has_perm("contact.delete_contact", contact)
    assert not UserFactory(is_superuser=True, is_active=False).has_perm(
        "contact.delete_contact", contact
    )


def test_permission_on_an_organization_itself(member, org_a, org_b, fresh):
    user = fresh(member(org_a, "organization.change_organization"))
    assert user.has_perm("organization.change_organization", org_a)
    assert not user.has_perm("organization.change_organization", org_b)
    assert not user.has_perm("organization.delete_organization", org_a)


def test_without_an_object_only_global_django_permissions_count(member, org_a, fresh, grant_global):
    user = fresh(member(org_a, "contact.view_contact"))
    # The role's permission is not a global one.
    assert not user.has_perm("contact.view_contact")
    assert not OrganizationPermissionBackend().has_perm(user, "contact.view_contact")
    user = grant_global(user, "contact.change_contact")
    assert user.has_perm("contact.change_contact")
    assert not user.has_perm("contact.view_contact")


def test_global_permissions_do_not_come_from_this_backend_for_objects(grant_global, org_a):
    # A global permission is not an object permission in an organization: Django's
    # ModelBackend answers only without an object, this backend only by role.
    contact = ContactFactory(organization=org_a)
    user = grant_global(UserFactory(), "contact.view_contact")
    assert user.has_perm("contact.view_contact")
    assert not user.has_perm("contact.view_contact", contact)


def test_objects_without_an_organization_get_nothing(member, org_a, fresh):
    user = fresh(member(org_a, "users.view_user"))
    other = UserFactory()
    assert organization_of(other) is None
    assert not user.has_perm("users.view_user", other)


def test_organization_of(org_a):
    contact = ContactFactory(organization=org_a)
    assert organization_of(org_a) is org_a
    assert organization_of(contact) == org_a.pk


def test_the_backend_authenticates_nobody(user, password):
    assert (
        OrganizationPermissionBackend().authenticate(
            None, username=user.username, password=password
        )
        is None
    )


@pytest.fixture
def globally_granted(grant_global, member, org_a, fresh):
    """A user holding permissions of their own, through two Django groups (one of them
    also granting one of their own), and a role in an organization."""
    user = member(org_a, "contact.delete_contact")
    user = grant_global(user, "contact.view_contact", "products.view_product")
    for name, perms in (
        ("clerks", ("contact.view_contact", "contact.change_contact")),
        ("buyers", ("products.change_product",)),
    ):
        group = Group.objects.create(name=name)
        group.permissions.add(*permissions_named(*perms))
        user.groups.add(group)
    return fresh(user)


def test_global_permissions_are_djangos_in_one_query(
    globally_granted, fresh, django_assert_num_queries
):
    with django_assert_num_queries(1):
        found = ModelBackend().get_all_permissions(globally_granted)
        assert ModelBackend().get_all_permissions(globally_granted) is found  # cached

    assert found == backends.ModelBackend().get_all_permissions(fresh(globally_granted))
    assert found == {
        "contact.view_contact",
        "contact.change_contact",
        "products.view_product",
        "products.change_product",
    }  # the role's contact.delete_contact is no global permission
    assert globally_granted.has_perm("products.change_product")
    assert not globally_granted.has_perm("contact.delete_contact")


def test_no_global_permissions_for_the_inactive_anonymous_or_an_object(
    globally_granted, org_a, django_assert_num_queries
):
    backend = ModelBackend()
    with django_assert_num_queries(0):
        assert backend.get_all_permissions(AnonymousUser()) == set()
        assert backend.get_all_permissions(globally_granted, org_a) == set()
    globally_granted.is_active = False
    assert backend.get_all_permissions(globally_granted) == set()
    assert not globally_granted.has_perm("contact.view_contact")


def test_a_user_without_global_permissions_has_none(member, org_a, fresh):
    user = fresh(member(org_a, "contact.view_contact"))
    assert ModelBackend().get_all_permissions(user) == set()


def test_a_superuser_has_every_global_permission():
    superuser = UserFactory(is_superuser=True)
    assert ModelBackend().get_all_permissions(superuser) == (
        backends.ModelBackend().get_all_permissions(UserFactory(is_superuser=True))
    )
    assert "contact.delete_contact" in ModelBackend().get_all_permissions(superuser)
