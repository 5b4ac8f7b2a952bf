"""Changes of many-to-many relations: role permissions (PERMISSION_ASSIGN/REVOKE, from
either side), tags, a user's groups and permissions; and membership roles."""

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType

from api.v1.base_models.contact.tests.factories import ContactFactory
from api.v1.base_models.organization.models import OrganizationMembership
from api.v1.base_models.organization.tests.factories import (
    OrganizationFactory,
    RoleFactory,
    permissions_named,
)

from ..conftest import AUDITOR, MEMBER
from ..helpers import last_id, since

pytestmark = pytest.mark.django_db


def summary(marker):
    """(action, model, object id, changes) of the rows written since `marker`."""
    return [
        (row.action_type, row.content_type.model, row.object_id, row.changes)
        for row in since(marker).select_related("content_type")
    ]


def permission(name):
    return permissions_named(name)[0]


@pytest.fixture
def group(db):
    return RoleFactory(name="Buyers", permissions=["contact.view_contact"])


class TestRolePermissions:
    def test_add_and_remove(self, group):
        marker = last_id()
        group.permissions.add(
            permission("contact.change_contact"), permission("contact.add_contact")
        )
        group.permissions.remove(permission("contact.view_contact"))
        assert summary(marker) == [
            (
                "PERMISSION_ASSIGN",
                "group",
                str(group.pk),
                {"permissions": {"added": ["contact.add_contact", "contact.change_contact"]}},
            ),
            (
                "PERMISSION_REVOKE",
                "group",
                str(group.pk),
                {"permissions": {"removed": ["contact.view_contact"]}},
            ),
        ]
        row = since(marker).first()
        assert row.object_repr == "Buyers"
        assert row.organization_id is None

    def test_clear(self, group):
        group.permissions.add(permission("contact.add_contact"))
        marker = last_id()
        group.permissions.clear()
        assert summary(marker) == [
            (
                "PERMISSION_REVOKE",
                "group",
                str(group.pk),
                {"permissions": {"removed": ["contact.add_contact", "contact.view_contact"]}},
            )
        ]
        marker = last_id()
        group.permissions.clear()  # nothing left to remove
        assert summary(marker) == []

    def test_set(self, group):
        marker = last_id()
        group.permissions.set(permissions_named("contact.view_contact", "contact.add_contact"))
        assert summary(marker) == [
            (
                "PERMISSION_ASSIGN",
                "group",
                str(group.pk),
                {"permissions": {"added": ["contact.add_contact"]}},
            )
        ]

    def test_adding_a_held_or_removing_a_missing_permission_writes_nothing(self, group):
        other = RoleFactory(name="Sellers", permissions=["contact.add_contact"])
        marker = last_id()
        group.permissions.add(permission("contact.view_contact"))
        group.permissions.remove(permission("contact.delete_contact"))  # not held
        permission("contact.delete_contact").group_set.remove(group, other)
        permission("contact.add_contact").group_set.add(other)
        assert summary(marker) == []
        # Of two roles asked to lose a permission, only the one that held it did.
        marker = last_id()
        permission("contact.add_contact").group_set.remove(group, other)
        assert summary(marker) == [
            (
                "PERMISSION_REVOKE",
                "group",
                str(other.pk),
                {"permissions": {"removed": ["contact.add_contact"]}},
            )
        ]

    def test_from_the_permission_side(self, group):
        other = RoleFactory(name="Sellers", permissions=["contact.view_contact"])
        change = permission("contact.change_contact")
        marker = last_id()
        change.group_set.add(group, other)
        assigned = summary(marker)
        assert sorted(assigned) == sorted(
            (
                "PERMISSION_ASSIGN",
                "group",
                str(role.pk),
                {"permissions": {"added": ["contact.change_contact"]}},
            )
            for role in (group, other)
        )
        marker = last_id()
        change.group_set.remove(other)
        assert summary(marker) == [
            (
                "PERMISSION_REVOKE",
                "group",
                str(other.pk),
                {"permissions": {"removed": ["contact.change_contact"]}},
            )
        ]

    def test_clear_from_the_permission_side(self, group):
        view = permission("contact.view_contact")
        holders = set(view.group_set.values_list("pk", flat=True))
        assert group.pk in holders  # and the default roles holding it
        marker = last_id()
        view.group_set.clear()
        rows = summary(marker)
        assert {row[2] for row in rows} == {str(pk) for pk in holders}
        assert {(row[0], row[1]) for row in rows} == {("PERMISSION_REVOKE", "group")}
        assert all(row[3] == {"permissions": {"removed": ["contact.view_contact"]}} for row in rows)

    def test_over_the_default_roles_of_the_project(self, group):
        """The default roles are audited groups like any other."""
        role = Group.objects.get(name=AUDITOR)
        marker = last_id()
        role.permissions.add(permission("contact.change_contact"))
        assert summary(marker)[0][:3] == ("PERMISSION_ASSIGN", "group", str(role.pk))


class TestUsers:
    def test_groups_and_permissions_of_a_user(self, user, group):
        marker = last_id()
        user.groups.add(group)
        user.user_permissions.add(permission("audit.view_auditlog"))
        user.groups.remove(group)
        assert summary(marker) == [
            ("UPDATE", "user", str(user.pk), {"groups": {"added": ["Buyers"]}}),
            (
                "UPDATE",
                "user",
                str(user.pk),
                {"user_permissions": {"added": ["audit.view_auditlog"]}},
            ),
            ("UPDATE", "user", str(user.pk), {"groups": {"removed": ["Buyers"]}}),
        ]

    def test_from_the_group_side(self, user, group):
        marker = last_id()
        group.user_set.add(user)
        assert summary(marker) == [
            ("UPDATE", "user", str(user.pk), {"groups": {"added": ["Buyers"]}})
        ]


class TestTags:
    @pytest.mark.parametrize("kind", ["organization", "contact"])
    def test_add_remove_clear(self, kind, org_p):
        record = (
            OrganizationFactory(parent=org_p)
            if kind == "organization"
            else ContactFactory(organization=org_p)
        )
        marker = last_id()
        record.tags.add("vip", "lead")
        record.tags.add("vip")  # already there
        record.tags.remove("lead")
        record.tags.remove("lead", "never-there")  # not held: nothing
        record.tags.add("new")
        record.tags.clear()
        pk = str(record.pk)
        assert summary(marker) == [
            ("UPDATE", kind, pk, {"tags": {"added": ["lead", "vip"]}}),
            ("UPDATE", kind, pk, {"tags": {"removed": ["lead"]}}),
            ("UPDATE", kind, pk, {"tags": {"added": ["new"]}}),
            ("UPDATE", kind, pk, {"tags": {"removed": ["new", "vip"]}}),
        ]
        assert {row.organization_id for row in since(marker)} == {org_p.pk}

    def test_over_the_api(self, jwt_client, admin_p, org_p):
        contact = ContactFactory(organization=org_p, tags=["vip"])
        marker = last_id()
        response = jwt_client(admin_p).patch(
            f"/api/v1/contacts/{contact.pk}/", {"tags": ["vip", "lead"]}, format="json"
        )
        assert response.status_code == 200, response.content
        rows = list(since(marker))
        assert [(row.action_type, row.changes) for row in rows] == [
            ("UPDATE", {"tags": {"added": ["lead"]}})
        ]
        assert rows[0].user_id == admin_p.pk
        assert rows[0].request_id == response["X-Request-ID"]
        assert rows[0].content_type == ContentType.objects.get_for_model(contact)
        # The same tags again: nothing.
        marker = last_id()
        response = jwt_client(admin_p).patch(
            f"/api/v1/contacts/{contact.pk}/", {"tags": ["lead", "vip"]}, format="json"
        )
        assert response.status_code == 200
        assert summary(marker) == []


class TestMembershipRole:
    def test_a_role_change(self, org_p, member_of, role):
        user = member_of(org_p, MEMBER)
        membership = OrganizationMembership.objects.get(user=user, organization=org_p)
        marker = last_id()
        membership.role = role(AUDITOR)
        membership.save()
        assert summary(marker) == [
            (
                "UPDATE",
                "organizationmembership",
                str(membership.pk),
                {"role": {"old": role(MEMBER).pk, "new": role(AUDITOR).pk}},
            )
        ]
        assert since(marker).get().organization_id == org_p.pk
