"""rbac.access.load_user: a request's user read with their access in one query, the
same user and the same answers as the user read alone and their access read after."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType

from api.v1.base_models.contact.models import Contact
from api.v1.base_models.organization.tests.factories import (
    OrganizationFactory,
    RoleFactory,
    permissions_named,
)
from api.v1.base_models.user.tests.factories import UserFactory
from rbac import access
from rbac.access import (
    has_perm_in_org,
    load_user,
    member_roles_with_field_rules,
    organizations_with_perm,
    permissions_in_org,
    role_in_org,
)
from rbac.backends import ModelBackend
from rbac.models import FieldPermission

pytestmark = pytest.mark.django_db

User = get_user_model()
VIEW, CHANGE = "contact.view_contact", "contact.change_contact"


def answers(user, organizations) -> dict:
    """What the access checks say of `user`, organization by organization."""
    return {
        "roles": {org.pk: role_in_org(user, org) for org in organizations},
        "permissions": {org.pk: permissions_in_org(user, org) for org in organizations},
        "may change": organizations_with_perm(user, CHANGE),
        "field rules": member_roles_with_field_rules(user),
        "global": ModelBackend().get_all_permissions(user),
    }


@pytest.fixture
def everything(member, org_a, org_b, grant_global):
    """A member of two organizations (one role with field rules), a third membership
    inactive, global permissions of their own and of a Django group."""
    user = member(org_a, VIEW, CHANGE)
    ruled = RoleFactory(permissions=[VIEW])
    FieldPermission.objects.create(
        role=ruled, content_type=ContentType.objects.get_for_model(Contact), field_name="notes"
    )
    member(org_b, role=ruled, user=user)
    member(OrganizationFactory(), CHANGE, user=user, active=False)
    group = Group.objects.create(name="auditors")
    group.permissions.add(*permissions_named("audit.view_auditlog"))
    user.groups.add(group)
    return grant_global(user, "products.view_product")


def test_one_query_answers_as_the_user_read_alone(
    everything, org_a, org_b, django_assert_num_queries
):
    with django_assert_num_queries(1):
        loaded = load_user(User, everything.pk)
        found = answers(loaded, [org_a, org_b])
        assert loaded.has_perm("audit.view_auditlog")
        assert has_perm_in_org(loaded, CHANGE, org_a)

    alone = User.objects.get(pk=everything.pk)
    assert found == answers(alone, [org_a, org_b])
    assert found["may change"] == [org_a.pk]
    assert found["global"] == {"audit.view_auditlog", "products.view_product"}
    assert len(found["field rules"]) == 1
    for field in User._meta.concrete_fields:
        assert getattr(loaded, field.attname) == getattr(alone, field.attname), field.name
    assert not loaded._state.adding


def test_a_user_without_memberships_or_global_permissions(django_assert_num_queries):
    user = UserFactory()
    with django_assert_num_queries(1):
        loaded = load_user(User, user.pk)
        assert organizations_with_perm(loaded, VIEW) == []
        assert ModelBackend().get_all_permissions(loaded) == set()
    assert loaded.pk == user.pk


def test_no_such_user_or_not_a_key():
    assert load_user(User, 987654321) is None
    assert load_user(User, "not a number") is None
    assert load_user(User, None) is None


def test_an_inactive_user_is_read_with_no_access(member, org_a):
    user = member(org_a, VIEW, is_active=False)
    loaded = load_user(User, user.pk)
    assert loaded.pk == user.pk
    assert not loaded.is_active
    assert not has_perm_in_org(loaded, VIEW, org_a)
    assert ModelBackend().get_all_permissions(loaded) == set()


def test_a_superuser_holds_everything(org_a):
    superuser = UserFactory(is_superuser=True)
    loaded = load_user(User, superuser.pk)
    assert has_perm_in_org(loaded, CHANGE, org_a)
    assert loaded.has_perm("audit.view_auditlog")
    assert "contact.delete_contact" in ModelBackend().get_all_permissions(loaded)


def test_without_lists_of_ids_the_user_is_read_alone(everything, org_a, monkeypatch):
    """A database other than PostgreSQL and SQLite: the user alone, their access read
    when first asked."""
    monkeypatch.setattr(access, "_ID_LISTS", {})
    monkeypatch.setattr(access, "_USER_SQL", {})
    loaded = load_user(User, everything.pk)
    assert not hasattr(loaded, access._CACHE_ATTR)
    assert has_perm_in_org(loaded, CHANGE, org_a)


def test_a_session_user_is_read_with_their_access(everything, org_a, django_assert_num_queries):
    with django_assert_num_queries(1):
        user = ModelBackend().get_user(everything.pk)
        assert has_perm_in_org(user, CHANGE, org_a)
    User.objects.filter(pk=everything.pk).update(is_active=False)
    assert ModelBackend().get_user(everything.pk) is None
    assert ModelBackend().get_user(987654321) is None
