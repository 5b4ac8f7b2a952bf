"""/api/v1/organizations/: the hierarchy (creating under a parent, deleting, the tree
actions, moving) and `my-permissions`."""

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType

from api.v1.base_models.contact.models import Contact
from api.v1.base_models.organization.models import Organization, OrganizationMembership
from api.v1.base_models.organization.tests.factories import (
    OrganizationFactory,
    RoleFactory,
    permissions_named,
)
from api.v1.base_models.user.tests.factories import UserFactory
from rbac.models import FieldPermission

from .helpers import ORGANIZATION_PERMS, ids, org_list_url, org_url

pytestmark = pytest.mark.django_db


def new(name="Sub", code="SUB", **fields):
    return {"name": name, "code": code, "organization_type": "Department", **fields}


def tree_state():
    return sorted(
        Organization.objects.values_list("pk", "parent_id", "tree_id", "lft", "rght", "level")
    )


# ------------------------------------------------------------------------- creating
class TestCreating:
    def test_a_top_level_organization_needs_an_administrator(
        self, jwt_client, member, admin_role, org_a, superuser
    ):
        before = Organization.objects.count()
        response = jwt_client(member(org_a, admin_role)).post(org_list_url(), new(), format="json")
        assert response.status_code == 403
        assert "top-level" in response.json()["detail"]
        assert Organization.objects.count() == before

        response = jwt_client(superuser).post(org_list_url(), new(), format="json")
        assert response.status_code == 201

    def test_the_global_add_permission_allows_top_level_organizations(self, jwt_client):
        user = UserFactory()
        user.user_permissions.set(permissions_named("organization.add_organization"))

        response = jwt_client(user).post(org_list_url(), new(), format="json")

        assert response.status_code == 201, response.content
        created = Organization.objects.get(pk=response.json()["id"])
        assert created.parent is None
        assert created.created_by == user
        # Not a member of it: no role to join with, and so no view of it.
        assert not OrganizationMembership.objects.filter(organization=created).exists()
        assert jwt_client(user).get(org_url(created)).status_code == 404
        # The global permission is no role in an organization: a parent is like unknown.
        response = jwt_client(user).post(
            org_list_url(), new("Sub 2", "SUB2", parent=created.pk), format="json"
        )
        assert response.status_code == 400
        assert "parent" in response.json()

    def test_a_sub_organization_needs_the_add_permission_in_the_parent(
        self, jwt_client, member, viewer_role, admin_role, org_a, org_b
    ):
        # May add in B, may only view in A.
        user = member(org_a, viewer_role)
        member(org_b, admin_role, user=user)

        response = jwt_client(user).post(org_list_url(), new(parent=org_a.pk), format="json")

        assert response.status_code == 403
        assert not org_a.get_children().exists()

    def test_a_parent_the_user_is_not_a_member_of_is_400(
        self, jwt_client, member, admin_role, org_a, org_b
    ):
        response = jwt_client(member(org_a, admin_role)).post(
            org_list_url(), new(parent=org_b.pk), format="json"
        )

        assert response.status_code == 400
        assert "parent" in response.json()
        assert not org_b.get_children().exists()

    def test_an_inactive_membership_of_the_parent_is_like_none(
        self, jwt_client, member, admin_role, org_a
    ):
        user = member(org_a, admin_role, is_active=False)

        response = jwt_client(user).post(org_list_url(), new(parent=org_a.pk), format="json")

        assert response.status_code == 403
        assert not org_a.get_children().exists()

    def test_the_creator_becomes_a_member_of_the_child_with_the_parents_role(
        self, jwt_client, member, admin_role, org_a
    ):
        user = member(org_a, admin_role)
        client = jwt_client(user)

        response = client.post(org_list_url(), new(parent=org_a.pk), format="json")

        assert response.status_code == 201, response.content
        child = Organization.objects.get(pk=response.json()["id"])
        assert child.parent == org_a
        assert child.level == 1
        membership = OrganizationMembership.objects.get(organization=child)
        assert (membership.user, membership.role, membership.is_active) == (
            user,
            admin_role,
            True,
        )
        # ... and so sees and manages it from the next request on.
        assert client.get(org_url(child)).status_code == 200
        assert set(ids(client.get(org_list_url()))) == {org_a.pk, child.pk}
        grandchild = client.post(org_list_url(), new("Team", "TEAM", parent=child.pk))
        assert grandchild.status_code == 201, grandchild.content
        assert client.patch(org_url(child), {"name": "Renamed"}).status_code == 200

    def test_a_refused_create_leaves_no_membership_behind(
        self, jwt_client, member, admin_role, org_a
    ):
        OrganizationFactory(code="TAKEN")
        client = jwt_client(member(org_a, admin_role))
        before = OrganizationMembership.objects.count()

        response = client.post(org_list_url(), new(code="taken", parent=org_a.pk), format="json")

        assert response.status_code == 400
        assert OrganizationMembership.objects.count() == before


# ------------------------------------------------------------------------- deleting
class TestDeleting:
    def test_an_organization_with_sub_organizations_is_409_and_nothing_is_deleted(
        self, jwt_client, superuser
    ):
        root = OrganizationFactory()
        child = OrganizationFactory(parent=root)
        OrganizationFactory(parent=child)
        before = tree_state()

        response = jwt_client(superuser).delete(org_url(child))

        assert response.status_code == 409
        body = response.json()
        assert "cannot be deleted" in body["detail"]
        assert "1 organization." in body["detail"].lower()
        assert tree_state() == before

    def test_an_organization_with_contacts_is_409_and_nothing_is_deleted(
        self, jwt_client, member, admin_role, org_a
    ):
        leaf = OrganizationFactory(parent=org_a)
        user = member(leaf, admin_role)
        Contact.objects.create(organization=leaf, first_name="Ada")
        Contact.objects.create(organization=leaf, first_name="Bob")
        before = tree_state()

        response = jwt_client(user).delete(org_url(leaf))

        assert response.status_code == 409
        assert "2 contacts." in response.json()["detail"].lower()
        assert tree_state() == before
        assert Contact.objects.filter(organization=leaf).count() == 2
        assert OrganizationMembership.objects.filter(organization=leaf, user=user).exists()

    def test_a_leaf_is_deleted_with_its_memberships(self, jwt_client, member, admin_role, org_a):
        leaf = OrganizationFactory(parent=org_a)
        user = member(leaf, admin_role)

        response = jwt_client(user).delete(org_url(leaf))

        assert response.status_code == 204
        assert not Organization.objects.filter(pk=leaf.pk).exists()
        assert not OrganizationMembership.objects.filter(organization_id=leaf.pk).exists()
        org_a.refresh_from_db()
        assert (org_a.lft, org_a.rght) == (1, 2)


# ----------------------------------------------------------------- tree actions
@pytest.fixture
def tree(member, viewer_role):
    """root > (visible, hidden), visible > (grandchild, hidden_grandchild); the viewer is a
    member of root, visible and grandchild only."""
    root = OrganizationFactory(name="Root")
    visible = OrganizationFactory(name="Visible", parent=root)
    hidden = OrganizationFactory(name="Hidden", parent=root)
    grandchild = OrganizationFactory(name="Grandchild", parent=visible)
    hidden_grandchild = OrganizationFactory(name="Hidden grandchild", parent=visible)
    viewer = member(root, viewer_role)
    member(visible, viewer_role, user=viewer)
    member(grandchild, viewer_role, user=viewer)
    return {
        "root": root,
        "visible": visible,
        "hidden": hidden,
        "grandchild": grandchild,
        "hidden_grandchild": hidden_grandchild,
        "viewer": viewer,
    }


class TestTreeActions:
    def test_descendants_are_the_visible_ones_in_tree_order(self, jwt_client, tree):
        client = jwt_client(tree["viewer"])

        assert ids(client.get(org_url(tree["root"], "descendants"))) == [
            tree["visible"].pk,
            tree["grandchild"].pk,
        ]

    def test_a_superuser_sees_all_descendants(self, jwt_client, tree, superuser):
        response = jwt_client(superuser).get(org_url(tree["root"], "descendants"))

        assert ids(response) == [
            organization.pk
            for organization in tree["root"].get_descendants()  # tree order
        ]
        assert len(ids(response)) == 4

    def test_ancestors_from_the_top(self, jwt_client, tree):
        response = jwt_client(tree["viewer"]).get(org_url(tree["grandchild"], "ancestors"))

        assert ids(response) == [tree["root"].pk, tree["visible"].pk]
        assert ids(jwt_client(tree["viewer"]).get(org_url(tree["root"], "ancestors"))) == []

    def test_ancestors_leave_out_those_not_visible(self, jwt_client, member, viewer_role, tree):
        user = member(tree["grandchild"], viewer_role)

        assert ids(jwt_client(user).get(org_url(tree["grandchild"], "ancestors"))) == []

    def test_children_are_the_direct_visible_ones(self, jwt_client, tree, superuser):
        assert ids(jwt_client(tree["viewer"]).get(org_url(tree["root"], "children"))) == [
            tree["visible"].pk
        ]
        assert ids(jwt_client(superuser).get(org_url(tree["root"], "children"))) == [
            tree["hidden"].pk,  # by name: Hidden < Visible
            tree["visible"].pk,
        ]

    def test_the_actions_are_paginated(self, jwt_client, superuser):
        root = OrganizationFactory()
        for n in range(5):
            OrganizationFactory(name=f"Child {n}", parent=root)

        response = jwt_client(superuser).get(org_url(root, "children"), {"page_size": 2})

        body = response.json()
        assert body["count"] == 5
        assert len(body["results"]) == 2
        assert body["next"] is not None
        assert body["previous"] is None
        assert [row["name"] for row in body["results"]] == ["Child 0", "Child 1"]

    def test_actions_on_an_invisible_organization_are_404(self, jwt_client, tree):
        client = jwt_client(tree["viewer"])

        for action in ("descendants", "ancestors", "children"):
            assert client.get(org_url(tree["hidden"], action)).status_code == 404

    def test_the_rows_have_the_usual_shape(self, jwt_client, tree):
        row = jwt_client(tree["viewer"]).get(org_url(tree["root"], "children")).json()["results"][0]

        assert row["name"] == "Visible"
        assert row["parent"] == tree["root"].pk
        assert row["level"] == 1


# ----------------------------------------------------------------------- moving
@pytest.fixture
def manager(member, admin_role):
    """A user with the admin role in two trees: acme > (sales > emea), and globex."""
    acme = OrganizationFactory(name="Acme")
    sales = OrganizationFactory(name="Sales", parent=acme)
    emea = OrganizationFactory(name="EMEA", parent=sales)
    globex = OrganizationFactory(name="Globex")
    user = UserFactory()
    for organization in (acme, sales, emea, globex):
        member(organization, admin_role, user=user)
    return {"user": user, "acme": acme, "sales": sales, "emea": emea, "globex": globex}


def move(client, organization, parent):
    parent = getattr(parent, "pk", parent)
    return client.post(org_url(organization, "move"), {"parent": parent}, format="json")


class TestMove:
    def test_moving_re_parents_the_whole_subtree(self, jwt_client, manager):
        response = move(jwt_client(manager["user"]), manager["sales"], manager["globex"])

        assert response.status_code == 200, response.content
        assert response.json()["parent"] == manager["globex"].pk
        assert response.json()["level"] == 1
        sales, emea = manager["sales"], manager["emea"]
        for organization in (sales, emea, manager["globex"], manager["acme"]):
            organization.refresh_from_db()
        assert sales.parent == manager["globex"]
        assert emea.parent == sales
        assert emea.level == 2
        assert emea.tree_id == manager["globex"].tree_id
        assert list(manager["globex"].get_descendants()) == [sales, emea]
        assert not manager["acme"].get_descendants().exists()

    def test_moving_to_the_current_parent_changes_nothing(self, jwt_client, manager):
        before = tree_state()

        response = move(jwt_client(manager["user"]), manager["sales"], manager["acme"])

        assert response.status_code == 200
        assert tree_state() == before

    @pytest.mark.parametrize("target", ["sales", "emea"])
    def test_moving_under_itself_or_a_descendant_is_400(self, jwt_client, manager, target):
        before = tree_state()

        response = move(jwt_client(manager["user"]), manager["sales"], manager[target])

        assert response.status_code == 400
        assert "parent" in response.json()
        assert tree_state() == before

    def test_a_name_clash_with_the_new_siblings_is_400(self, jwt_client, manager, member):
        clash = OrganizationFactory(name="Sales", parent=manager["globex"])
        member(clash, RoleFactory(), user=manager["user"])
        before = tree_state()

        response = move(jwt_client(manager["user"]), manager["sales"], manager["globex"])

        assert response.status_code == 400
        assert "parent" in response.json()
        assert tree_state() == before

    def test_a_parent_the_user_is_not_a_member_of_is_400(self, jwt_client, manager):
        stranger = OrganizationFactory(name="Stranger")

        response = move(jwt_client(manager["user"]), manager["sales"], stranger)

        assert response.status_code == 400
        assert "parent" in response.json()

    def test_the_change_permission_here_is_needed(self, jwt_client, manager, viewer_role):
        OrganizationMembership.objects.filter(
            user=manager["user"], organization=manager["sales"]
        ).update(role=viewer_role)
        before = tree_state()

        response = move(jwt_client(manager["user"]), manager["sales"], manager["globex"])

        assert response.status_code == 403
        assert tree_state() == before

    def test_a_role_that_may_not_write_parent_is_403(self, jwt_client, manager, admin_role):
        FieldPermission.objects.create(
            role=admin_role,
            content_type=ContentType.objects.get_for_model(Organization),
            field_name="parent",
            can_write=False,
        )
        before = tree_state()

        response = move(jwt_client(manager["user"]), manager["sales"], manager["globex"])

        assert response.status_code == 403
        assert response.json()["fields"] == ["parent"]
        assert tree_state() == before

    def test_the_add_permission_in_the_new_parent_is_needed(self, jwt_client, manager, viewer_role):
        OrganizationMembership.objects.filter(
            user=manager["user"], organization=manager["globex"]
        ).update(role=RoleFactory(permissions=[p for p in ORGANIZATION_PERMS if "add" not in p]))
        before = tree_state()

        response = move(jwt_client(manager["user"]), manager["sales"], manager["globex"])

        assert response.status_code == 403
        assert tree_state() == before

    def test_moving_to_the_top_level_needs_an_administrator(self, jwt_client, manager, superuser):
        response = move(jwt_client(manager["user"]), manager["emea"], None)
        assert response.status_code == 403
        manager["emea"].refresh_from_db()
        assert manager["emea"].parent == manager["sales"]

        response = move(jwt_client(superuser), manager["emea"], None)
        assert response.status_code == 200, response.content
        emea = Organization.objects.get(pk=manager["emea"].pk)
        assert emea.parent is None
        assert emea.level == 0
        assert emea.tree_id != manager["acme"].tree_id

    def test_moving_an_organization_the_user_cannot_see_is_404(self, jwt_client, manager):
        stranger = OrganizationFactory(name="Stranger")

        response = move(jwt_client(manager["user"]), stranger, manager["globex"])

        assert response.status_code == 404

    def test_the_parent_is_required(self, jwt_client, manager):
        response = jwt_client(manager["user"]).post(
            org_url(manager["sales"], "move"), {}, format="json"
        )

        assert response.status_code == 400
        assert "parent" in response.json()

    def test_a_top_level_name_clash_is_400(self, jwt_client, superuser, manager):
        OrganizationFactory(name="EMEA")

        response = move(jwt_client(superuser), manager["emea"], None)

        assert response.status_code == 400
        assert manager["emea"].parent == manager["sales"]

    def test_patching_the_parent_follows_the_same_rules(self, jwt_client, manager):
        client = jwt_client(manager["user"])

        response = client.patch(
            org_url(manager["sales"]), {"parent": manager["emea"].pk}, format="json"
        )
        assert response.status_code == 400
        assert "parent" in response.json()

        response = client.patch(org_url(manager["sales"]), {"parent": None}, format="json")
        assert response.status_code == 403

        response = client.patch(
            org_url(manager["sales"]), {"parent": manager["globex"].pk}, format="json"
        )
        assert response.status_code == 200
        manager["sales"].refresh_from_db()
        assert manager["sales"].parent == manager["globex"]


# ---------------------------------------------------------------- my-permissions
class TestMyPermissions:
    def test_the_role_and_its_sorted_permissions(self, jwt_client, member, org_a, admin_role):
        user = member(org_a, admin_role)

        response = jwt_client(user).get(org_url(org_a, "my-permissions"))

        assert response.status_code == 200
        body = response.json()
        assert body["organization"] == org_a.pk
        assert body["role"] == "Test Org Admin"
        assert body["is_superuser"] is False
        assert body["permissions"] == sorted(
            [
                "organization.add_organization",
                "organization.change_organization",
                "organization.delete_organization",
                "organization.view_organization",
                "organization.add_organizationmembership",
                "organization.change_organizationmembership",
                "organization.delete_organizationmembership",
                "organization.view_organizationmembership",
            ]
        )

    def test_each_organization_answers_with_its_own_role(
        self, jwt_client, member, org_a, org_b, admin_role, viewer_role
    ):
        user = member(org_a, admin_role)
        member(org_b, viewer_role, user=user)

        body = jwt_client(user).get(org_url(org_b, "my-permissions")).json()

        assert body["role"] == "Test Org Viewer"
        assert body["permissions"] == [
            "organization.view_organization",
            "organization.view_organizationmembership",
        ]

    def test_a_superuser_gets_every_permission(self, jwt_client, superuser, org_a):
        body = jwt_client(superuser).get(org_url(org_a, "my-permissions")).json()

        assert body["is_superuser"] is True
        assert body["role"] is None
        assert len(body["permissions"]) == Permission.objects.count()
        assert body["permissions"] == sorted(body["permissions"])
        assert "contact.delete_contact" in body["permissions"]

    def test_a_member_whose_role_cannot_view_organizations_may_ask(self, jwt_client, member, org_a):
        role = RoleFactory(name="Contacts only", permissions=["contact.view_contact"])
        client = jwt_client(member(org_a, role))
        assert client.get(org_url(org_a)).status_code == 404  # cannot view the organization

        response = client.get(org_url(org_a, "my-permissions"))

        assert response.status_code == 200
        assert response.json()["role"] == "Contacts only"
        assert response.json()["permissions"] == ["contact.view_contact"]

    def test_a_role_without_permissions(self, jwt_client, member, org_a):
        body = (
            jwt_client(member(org_a, RoleFactory(name="Empty")))
            .get(org_url(org_a, "my-permissions"))
            .json()
        )

        assert (body["role"], body["permissions"]) == ("Empty", [])

    def test_a_non_member_gets_404(self, jwt_client, member, org_a, org_b, admin_role):
        client = jwt_client(member(org_a, admin_role))

        assert client.get(org_url(org_b, "my-permissions")).status_code == 404

    def test_an_inactive_member_gets_404(self, jwt_client, member, org_a, admin_role):
        client = jwt_client(member(org_a, admin_role, is_active=False))

        assert client.get(org_url(org_a, "my-permissions")).status_code == 404

    def test_anonymous_gets_401(self, api_client, org_a):
        assert api_client.get(org_url(org_a, "my-permissions")).status_code == 401
