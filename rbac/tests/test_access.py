"""rbac.access: the organization-aware permission checks and their per-user cache."""

import contextlib
from contextlib import contextmanager

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser, Permission
from django.db import transaction
from django.db.models.signals import post_migrate

import rbac
from api.v1.base_models.organization.models import OrganizationMembership
from api.v1.base_models.organization.tests.factories import OrganizationFactory, RoleFactory
from api.v1.base_models.user.tests.factories import UserFactory
from rbac import access, signals
from rbac.access import (
    clear_cache,
    has_perm_in_org,
    member_organization_ids,
    member_role_ids,
    organizations_with_perm,
    permissions_in_org,
    role_in_org,
)

pytestmark = pytest.mark.django_db

VIEW = "contact.view_contact"
CHANGE = "contact.change_contact"


# ------------------------------------------------------------------ has_perm_in_org
def test_superuser_has_every_permission_in_every_organization(org_a, org_b):
    superuser = UserFactory(is_superuser=True)
    assert has_perm_in_org(superuser, CHANGE, org_a)
    assert has_perm_in_org(superuser, "anything.at_all", org_b.pk)


def test_an_inactive_superuser_has_none(org_a):
    superuser = UserFactory(is_superuser=True, is_active=False)
    assert not has_perm_in_org(superuser, VIEW, org_a)


def test_member_has_the_permissions_of_their_role_only(member, org_a):
    user = member(org_a, VIEW)
    assert has_perm_in_org(user, VIEW, org_a)
    assert not has_perm_in_org(user, CHANGE, org_a)


def test_an_inactive_membership_grants_nothing(member, org_a):
    user = member(org_a, VIEW, active=False)
    assert not has_perm_in_org(user, VIEW, org_a)


def test_an_inactive_user_has_nothing(member, org_a):
    user = member(org_a, VIEW, is_active=False)
    assert not has_perm_in_org(user, VIEW, org_a)


def test_anonymous_and_none_have_nothing(org_a):
    assert not has_perm_in_org(AnonymousUser(), VIEW, org_a)
    assert not has_perm_in_org(None, VIEW, org_a)


def test_a_role_applies_in_its_organization_only(member, org_a, org_b):
    user = member(org_a, VIEW)
    assert not has_perm_in_org(user, VIEW, org_b)


def test_each_organization_has_its_own_role(member, org_a, org_b):
    user = member(org_a, VIEW)
    member(org_b, CHANGE, user=user)
    assert has_perm_in_org(user, VIEW, org_a)
    assert not has_perm_in_org(user, CHANGE, org_a)
    assert has_perm_in_org(user, CHANGE, org_b)
    assert not has_perm_in_org(user, VIEW, org_b)


def test_one_role_in_several_organizations_and_one_without_permissions(
    member, org_a, org_b, django_assert_num_queries
):
    shared, empty = RoleFactory(permissions=[VIEW, CHANGE]), RoleFactory()
    user = member(org_a, role=shared)
    member(org_b, role=shared, user=user)
    org_c = OrganizationFactory()
    member(org_c, role=empty, user=user)
    with django_assert_num_queries(1):
        assert permissions_in_org(user, org_a) == permissions_in_org(user, org_b) == {VIEW, CHANGE}
        assert permissions_in_org(user, org_c) == set()
        assert sorted(organizations_with_perm(user, CHANGE)) == sorted([org_a.pk, org_b.pk])
        assert set(member_organization_ids(user)) == {org_a.pk, org_b.pk, org_c.pk}


def test_organization_as_object_or_id(member, org_a):
    user = member(org_a, VIEW)
    assert has_perm_in_org(user, VIEW, org_a)
    assert has_perm_in_org(user, VIEW, org_a.pk)


def test_no_organization_means_no_permission(member, org_a):
    user = member(org_a, VIEW)
    superuser = UserFactory(is_superuser=True)
    assert not has_perm_in_org(user, VIEW, None)
    assert not has_perm_in_org(superuser, VIEW, None)


def test_a_role_without_permissions_grants_none_but_is_a_membership(member, org_a):
    user = member(org_a)
    assert not has_perm_in_org(user, VIEW, org_a)
    assert member_organization_ids(user) == [org_a.pk]
    assert organizations_with_perm(user, VIEW) == []


def test_the_global_django_permission_is_not_a_role_permission(org_a):
    # Permissions given to the user directly (staff configuration) are not a role in
    # an organization.
    user = UserFactory()
    user.user_permissions.add(Permission.objects.get(codename="view_contact"))
    assert not has_perm_in_org(user, VIEW, org_a)


# ---------------------------------------------------------- organizations and roles
def test_organizations_with_perm(member, org_a, org_b):
    user = member(org_a, VIEW, CHANGE)
    member(org_b, VIEW, user=user)
    assert sorted(organizations_with_perm(user, VIEW)) == sorted([org_a.pk, org_b.pk])
    assert organizations_with_perm(user, CHANGE) == [org_a.pk]
    assert organizations_with_perm(user, "contact.delete_contact") == []


def test_organizations_with_perm_ignores_inactive_memberships(member, org_a, org_b):
    user = member(org_a, VIEW)
    member(org_b, VIEW, user=user, active=False)
    assert organizations_with_perm(user, VIEW) == [org_a.pk]
    assert member_organization_ids(user) == [org_a.pk]


def test_superusers_are_in_all_organizations():
    superuser = UserFactory(is_superuser=True)
    assert organizations_with_perm(superuser, VIEW) is None
    assert member_organization_ids(superuser) is None


def test_an_inactive_superuser_is_in_none(org_a):
    superuser = UserFactory(is_superuser=True, is_active=False)
    assert organizations_with_perm(superuser, VIEW) == []
    assert member_organization_ids(superuser) == []


def test_anonymous_is_in_no_organization():
    anonymous = AnonymousUser()
    assert organizations_with_perm(anonymous, VIEW) == []
    assert member_organization_ids(anonymous) == []
    assert member_role_ids(anonymous) == set()
    assert role_in_org(anonymous, 1) is None
    assert permissions_in_org(anonymous, 1) == set()


def test_member_organization_ids(member, org_a, org_b):
    user = member(org_a)
    member(org_b, VIEW, user=user)
    assert sorted(member_organization_ids(user)) == sorted([org_a.pk, org_b.pk])


def test_role_in_org(member, org_a, org_b):
    role = RoleFactory(permissions=[VIEW])
    user = member(org_a, role=role)
    assert role_in_org(user, org_a) == role.pk
    assert role_in_org(user, org_a.pk) == role.pk
    assert role_in_org(user, org_b) is None
    assert role_in_org(user, None) is None


def test_role_in_org_ignores_inactive_memberships(member, org_a):
    user = member(org_a, VIEW, active=False)
    assert role_in_org(user, org_a) is None


def test_member_role_ids(member, org_a, org_b):
    role_a, role_b = RoleFactory(), RoleFactory(permissions=[VIEW])
    user = member(org_a, role=role_a)
    member(org_b, role=role_b, user=user)
    assert member_role_ids(user) == {role_a.pk, role_b.pk}


def test_member_role_ids_without_memberships():
    assert member_role_ids(UserFactory()) == set()


def test_permissions_in_org(member, org_a, org_b):
    user = member(org_a, VIEW, CHANGE)
    assert permissions_in_org(user, org_a) == {VIEW, CHANGE}
    assert permissions_in_org(user, org_a.pk) == {VIEW, CHANGE}
    assert permissions_in_org(user, org_b) == set()


def test_permissions_in_org_is_a_copy(member, org_a):
    user = member(org_a, VIEW)
    permissions_in_org(user, org_a).add(CHANGE)
    assert not has_perm_in_org(user, CHANGE, org_a)


def test_a_superuser_holds_every_permission(org_a):
    superuser = UserFactory(is_superuser=True)
    everything = {
        f"{app_label}.{codename}"
        for app_label, codename in Permission.objects.values_list(
            "content_type__app_label", "codename"
        )
    }
    assert permissions_in_org(superuser, org_a) == everything
    assert {VIEW, "rbac.add_fieldpermission", "auth.change_group"} <= everything


# ----------------------------------------------------------------------- the cache
def test_one_query_per_user_object(member, org_a, org_b, fresh, django_assert_num_queries):
    user = fresh(member(org_a, VIEW, CHANGE))
    member(org_b, VIEW, user=user)
    user = fresh(user)
    has_perm_in_org(fresh(user), VIEW, org_a)  # the permissions' names, once per process
    with django_assert_num_queries(1):
        assert has_perm_in_org(user, VIEW, org_a)
        assert not has_perm_in_org(user, "contact.delete_contact", org_b)
        assert organizations_with_perm(user, CHANGE) == [org_a.pk]
        assert len(member_organization_ids(user)) == 2
        assert len(member_role_ids(user)) == 2
        assert role_in_org(user, org_b) is not None
        assert permissions_in_org(user, org_a) == {VIEW, CHANGE}


class _RolledBack(Exception):
    pass


@contextmanager
def rolled_back():
    """The block's changes to permissions are rolled back at its end, and their names
    read again, as they are after a migration: a rolled-back change to a permission
    itself is not something the process's names follow (no more than Django's content
    type cache does), and the next test must not see it."""
    with contextlib.suppress(_RolledBack), transaction.atomic():
        yield
        raise _RolledBack
    access.load_permission_names()


def test_the_names_of_permissions_are_read_once_per_process(
    member, org_a, fresh, django_assert_num_queries
):
    user = member(org_a, VIEW)
    access.forget_permission_names()
    first, second = fresh(user), fresh(user)
    with django_assert_num_queries(2):  # the memberships, then every permission's name
        assert has_perm_in_org(first, VIEW, org_a)
    with django_assert_num_queries(1):
        assert has_perm_in_org(second, VIEW, org_a)


def test_a_permission_written_elsewhere_is_found_by_its_id(member, org_a, fresh):
    user = member(org_a, VIEW)
    assert has_perm_in_org(fresh(user), VIEW, org_a)
    with rolled_back():
        # Written without signals, as another process's migration writes it.
        content_type = Permission.objects.get(codename="view_contact").content_type
        Permission.objects.bulk_create(
            [Permission(content_type=content_type, codename="export_contact", name="Export")]
        )
        new = Permission.objects.get(codename="export_contact")
        OrganizationMembership.objects.get(user=user).role.permissions.add(new)
        assert has_perm_in_org(fresh(user), "contact.export_contact", org_a)


def test_a_renamed_permission_is_known_by_its_new_name(member, org_a, fresh):
    user = member(org_a, VIEW)
    assert has_perm_in_org(fresh(user), VIEW, org_a)
    with rolled_back():
        permission = Permission.objects.get(codename="view_contact")
        permission.codename = "read_contact"
        permission.save()
        assert not has_perm_in_org(fresh(user), VIEW, org_a)
        assert has_perm_in_org(fresh(user), "contact.read_contact", org_a)
        permission.delete()
        assert permissions_in_org(fresh(user), org_a) == set()
    assert has_perm_in_org(fresh(user), VIEW, org_a)


def test_a_migration_reads_the_names_again(member, org_a, fresh, django_assert_num_queries):
    assert "rbac.after_migrate" in [key[0] for key, *_rest in post_migrate.receivers]
    user = member(org_a, VIEW)
    assert has_perm_in_org(fresh(user), VIEW, org_a)
    with rolled_back():
        # A flush or a migration writes permissions without their signals.
        Permission.objects.filter(codename="view_contact").update(codename="read_contact")
        # (Django's receivers of a real post_migrate would empty its content type cache
        # too: the receiver is called alone.)
        signals.after_migrate(sender=apps.get_app_config("auth"), apps=apps)
        assert has_perm_in_org(fresh(user), "contact.read_contact", org_a)
        assert not has_perm_in_org(fresh(user), VIEW, org_a)
    # After the last app's post_migrate, at once: the next request does not read them.
    access.forget_permission_names()
    last = [config for config in apps.get_app_configs() if config.models_module][-1]
    signals.after_migrate(sender=last, apps=apps)
    checked = fresh(user)
    with django_assert_num_queries(1):
        assert has_perm_in_org(checked, VIEW, org_a)


def test_a_user_without_memberships_is_cached_too(fresh, org_a, django_assert_num_queries):
    user = fresh(UserFactory())
    with django_assert_num_queries(1):
        assert not has_perm_in_org(user, VIEW, org_a)
        assert organizations_with_perm(user, VIEW) == []
        assert member_role_ids(user) == set()


def test_superuser_checks_need_no_query(org_a, django_assert_num_queries):
    superuser = UserFactory(is_superuser=True)
    with django_assert_num_queries(0):
        assert has_perm_in_org(superuser, VIEW, org_a)
        assert organizations_with_perm(superuser, VIEW) is None
        assert member_organization_ids(superuser) is None


def test_the_cache_keeps_what_was_loaded_until_cleared(member, org_a, fresh):
    user = fresh(member(org_a, VIEW))
    assert not has_perm_in_org(user, CHANGE, org_a)
    membership = OrganizationMembership.objects.get(user=user)
    membership.role = RoleFactory(permissions=[VIEW, CHANGE])
    membership.save()
    # The same user object still answers from what it loaded...
    assert not has_perm_in_org(user, CHANGE, org_a)
    # ...until its cache is cleared.
    clear_cache(user)
    assert has_perm_in_org(user, CHANGE, org_a)


def test_clear_cache_makes_the_next_check_query_again(
    member, org_a, fresh, django_assert_num_queries
):
    user = fresh(member(org_a, VIEW))
    has_perm_in_org(user, VIEW, org_a)
    with django_assert_num_queries(0):
        has_perm_in_org(user, VIEW, org_a)
    clear_cache(user)
    with django_assert_num_queries(1):
        has_perm_in_org(user, VIEW, org_a)


def test_clear_cache_forgets_the_global_permissions_too(grant_global, fresh):
    """A long-lived connection's user (chat) clears its caches before a check: a global
    permission granted since is seen, as a role's is."""
    user = fresh(UserFactory())
    assert not user.has_perm(CHANGE)
    grant_global(user, CHANGE)
    assert not user.has_perm(CHANGE)  # cached, as Django caches it
    clear_cache(user)
    assert user.has_perm(CHANGE)


def test_clear_cache_on_a_user_never_checked_is_harmless():
    user = UserFactory()
    clear_cache(user)
    clear_cache(user)
    assert not hasattr(user, access._CACHE_ATTR)


def test_a_role_change_is_seen_by_a_freshly_loaded_user(member, org_a, fresh):
    user = fresh(member(org_a, VIEW))
    assert not has_perm_in_org(user, CHANGE, org_a)
    membership = OrganizationMembership.objects.get(user=user)
    membership.role.permissions.add(Permission.objects.get(codename="change_contact"))
    assert has_perm_in_org(fresh(user), CHANGE, org_a)
    membership.is_active = False
    membership.save()
    assert not has_perm_in_org(fresh(user), VIEW, org_a)


# ----------------------------------------------------------------- package exports
def test_the_checks_are_importable_from_the_package():
    assert rbac.has_perm_in_org is has_perm_in_org
    for name in access.__all__:
        assert getattr(rbac, name) is getattr(access, name)
    from rbac import organizations_with_perm as imported

    assert imported is organizations_with_perm


def test_an_unknown_attribute_of_the_package_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no_such_check"):
        rbac.no_such_check  # noqa: B018
    assert not hasattr(rbac, "_access")
