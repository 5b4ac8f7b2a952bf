"""The Django Admin of organizations, their types and memberships: for superusers, and
for staff whose only rights are their role in an organization."""

import pytest
from django.contrib.admin.utils import quote
from django.urls import reverse

from api.v1.base_models.organization.models import (
    Organization,
    OrganizationMembership,
    OrganizationType,
)
from api.v1.base_models.organization.tests.factories import (
    OrganizationFactory,
    OrganizationMembershipFactory,
    RoleFactory,
    model_permissions,
)
from api.v1.base_models.user.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ORG_ADMIN_PERMS = model_permissions(Organization) + model_permissions(OrganizationMembership)


def url(model, view, *args):
    return reverse(f"admin:organization_{model._meta.model_name}_{view}", args=args)


def changelist_pks(response):
    assert response.status_code == 200
    return {obj.pk for obj in response.context["cl"].result_list}


def colleague_of(user):
    """A new user who shares an organization (a new one) with `user`: one they may add
    to their organizations directly."""
    shared = OrganizationFactory()
    nothing = RoleFactory(permissions=[])
    OrganizationMembershipFactory(user=user, organization=shared, role=nothing)
    return OrganizationMembershipFactory(organization=shared, role=nothing).user


def org_form(**fields):
    """The POST data of the organization add/change form."""
    return {
        "name": "Initech",
        "code": "INITECH",
        "organization_type": "Company",
        "status": "active",
        "parent": "",
        "effective_date": "",
        "end_date": "",
        "primary_contact": "",
        "primary_address": "",
        "timezone": "UTC",
        "currency": "",
        "language": "en",
        "tags": "",
        "metadata": "{}",
        "custom_fields": "{}",
        **fields,
    }


@pytest.fixture
def admin_client(client, db):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def org_role(db):
    return RoleFactory(name="Org staff", permissions=ORG_ADMIN_PERMS)


@pytest.fixture
def staff(org_a, org_role):
    """Staff without any global permission; the org role in A only."""
    user = UserFactory(username="staff", is_staff=True)
    OrganizationMembershipFactory(user=user, organization=org_a, role=org_role)
    return user


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


# ---------------------------------------------------------------------- superuser
class TestSuperuser:
    def test_organization_changelist_is_the_draggable_tree(self, admin_client, org_a, org_b):
        child = OrganizationFactory(name="Sales", parent=org_a)

        response = admin_client.get(url(Organization, "changelist"))

        assert changelist_pks(response) == {org_a.pk, org_b.pk, child.pk}
        content = response.content.decode()
        assert "draggable-admin" in content  # DraggableMPTTAdmin's script
        assert "tree-node" in content

    def test_organization_add_page_and_create(self, admin_client):
        assert admin_client.get(url(Organization, "add")).status_code == 200

        response = admin_client.post(url(Organization, "add"), org_form(tags="emea, apac"))

        assert response.status_code == 302, response.context["adminform"].form.errors
        created = Organization.objects.get(code="INITECH")
        assert created.parent is None
        assert set(created.tags.names()) == {"emea", "apac"}

    def test_the_add_form_validates_the_model(self, admin_client, org_a):
        response = admin_client.post(
            url(Organization, "add"),
            org_form(code="acme", effective_date="2024-02-01", end_date="2024-01-01"),
        )

        assert response.status_code == 200
        errors = response.context["adminform"].form.errors
        assert "end_date" in errors
        assert not Organization.objects.filter(name="Initech").exists()

    def test_organization_change_page_and_save(self, admin_client, org_a):
        assert admin_client.get(url(Organization, "change", org_a.pk)).status_code == 200

        response = admin_client.post(
            url(Organization, "change", org_a.pk), org_form(name="Acme Corp", code="ACME")
        )

        assert response.status_code == 302
        org_a.refresh_from_db()
        assert org_a.name == "Acme Corp"

    def test_dragging_a_node_moves_it(self, admin_client, org_a, org_b):
        child = OrganizationFactory(name="Sales", parent=org_a)

        response = admin_client.post(
            url(Organization, "changelist"),
            {
                "cmd": "move_node",
                "cut_item": child.pk,
                "pasted_on": org_b.pk,
                "position": "last-child",
            },
        )

        assert response.status_code == 200
        assert response.content.startswith(b"OK")
        child.refresh_from_db()
        assert child.parent == org_b

    def test_organization_type_pages(self, admin_client):
        assert admin_client.get(url(OrganizationType, "changelist")).status_code == 200
        assert admin_client.get(url(OrganizationType, "add")).status_code == 200
        for name in ("Company", "Location/Branch"):
            response = admin_client.get(url(OrganizationType, "change", quote(name)))
            assert response.status_code == 200
            assert response.context["original"].name == name

    def test_organization_type_add(self, admin_client, django_user_model):
        response = admin_client.post(
            url(OrganizationType, "add"), {"name": "Agency", "description": "Acts for others."}
        )

        assert response.status_code == 302
        assert OrganizationType.objects.get(name="Agency").description == "Acts for others."

    def test_membership_pages(self, admin_client, org_a, org_role):
        membership = OrganizationMembershipFactory(organization=org_a, role=org_role)

        assert changelist_pks(admin_client.get(url(OrganizationMembership, "changelist"))) == {
            membership.pk
        }
        assert admin_client.get(url(OrganizationMembership, "add")).status_code == 200
        assert (
            admin_client.get(url(OrganizationMembership, "change", membership.pk)).status_code
            == 200
        )

    def test_membership_role_and_is_active_are_editable_in_the_list(
        self, admin_client, org_a, org_role
    ):
        membership = OrganizationMembershipFactory(organization=org_a, role=org_role)
        OrganizationMembershipFactory(organization=org_a, role=org_role)  # A keeps an admin
        other_role = RoleFactory(name="Other")

        response = admin_client.post(
            url(OrganizationMembership, "changelist"),
            {
                "form-TOTAL_FORMS": "1",
                "form-INITIAL_FORMS": "1",
                "form-MIN_NUM_FORMS": "0",
                "form-MAX_NUM_FORMS": "1000",
                "form-0-id": str(membership.pk),
                "form-0-role": str(other_role.pk),
                # is_active left out: an unticked checkbox.
                "_save": "Save",
            },
        )

        assert response.status_code == 302
        membership.refresh_from_db()
        assert (membership.role, membership.is_active) == (other_role, False)


# --------------------------------------------------- staff with an organization role
class TestOrganizationStaff:
    def test_the_admin_index_shows_the_organization_app(self, staff_client):
        response = staff_client.get(reverse("admin:index"))

        assert response.status_code == 200
        models = {
            model["object_name"] for app in response.context["app_list"] for model in app["models"]
        }
        assert {"Organization", "OrganizationMembership"} <= models
        assert "OrganizationType" not in models  # no global permission on types

    def test_sees_only_the_organizations_of_their_role(self, staff_client, org_a, org_b):
        OrganizationFactory(name="Sales", parent=org_a)  # not a member: rights do not flow

        assert changelist_pks(staff_client.get(url(Organization, "changelist"))) == {org_a.pk}

    def test_sees_only_the_memberships_of_their_organizations(
        self, staff_client, staff, org_a, org_b, org_role
    ):
        other = OrganizationMembershipFactory(organization=org_a, role=org_role)
        OrganizationMembershipFactory(organization=org_b, role=org_role)

        assert changelist_pks(staff_client.get(url(OrganizationMembership, "changelist"))) == {
            other.pk,
            staff.organization_memberships.get().pk,
        }

    def test_may_open_and_change_their_organization(self, staff_client, org_a):
        assert staff_client.get(url(Organization, "change", org_a.pk)).status_code == 200

        response = staff_client.post(
            url(Organization, "change", org_a.pk), org_form(name="Acme Corp", code="ACME")
        )

        assert response.status_code == 302
        org_a.refresh_from_db()
        assert org_a.name == "Acme Corp"

    @pytest.mark.parametrize("view", ["change", "delete", "history"])
    def test_another_organizations_pages_are_out_of_reach(self, staff_client, org_b, view):
        response = staff_client.get(url(Organization, view, org_b.pk))

        # The admin answers "does not exist" with a redirect to its index, never the page.
        assert response.status_code == 302
        assert response["Location"] == reverse("admin:index")

    def test_another_organization_cannot_be_changed_or_deleted(self, staff_client, org_b):
        changed = staff_client.post(
            url(Organization, "change", org_b.pk), org_form(name="Hacked", code="GLOBEX")
        )
        deleted = staff_client.post(url(Organization, "delete", org_b.pk), {"post": "yes"})

        assert changed.status_code == deleted.status_code == 302
        assert Organization.objects.filter(pk=org_b.pk).exists()

        org_b.refresh_from_db()
        assert org_b.name == "Globex"

    def test_another_organizations_membership_is_out_of_reach(self, staff_client, org_b, org_role):
        membership = OrganizationMembershipFactory(organization=org_b, role=org_role)

        response = staff_client.get(url(OrganizationMembership, "change", membership.pk))

        assert response.status_code == 302
        assert response["Location"] == reverse("admin:index")

    def test_membership_organization_choices_are_limited(
        self, staff_client, staff, org_a, org_b, org_role
    ):
        response = staff_client.get(url(OrganizationMembership, "add"))
        field = response.context["adminform"].form.fields["organization"]
        assert set(field.queryset) == {org_a}

        user = colleague_of(staff)
        response = staff_client.post(
            url(OrganizationMembership, "add"),
            {"user": user.pk, "organization": org_b.pk, "role": org_role.pk, "is_active": "on"},
        )
        assert response.status_code == 200
        assert "organization" in response.context["adminform"].form.errors
        assert not OrganizationMembership.objects.filter(user=user, organization=org_b).exists()

        response = staff_client.post(
            url(OrganizationMembership, "add"),
            {"user": user.pk, "organization": org_a.pk, "role": org_role.pk, "is_active": "on"},
        )
        assert response.status_code == 302
        assert OrganizationMembership.objects.filter(user=user, organization=org_a).exists()

    def test_parent_choices_are_limited_to_their_organizations(self, staff_client, org_a, org_b):
        response = staff_client.post(url(Organization, "add"), org_form(parent=org_b.pk))

        assert response.status_code == 200
        assert "parent" in response.context["adminform"].form.errors
        assert not Organization.objects.filter(code="INITECH").exists()

        response = staff_client.post(url(Organization, "add"), org_form(parent=org_a.pk))
        assert response.status_code == 302
        assert Organization.objects.get(code="INITECH").parent == org_a

    def test_a_top_level_organization_is_refused(self, staff_client):
        response = staff_client.post(url(Organization, "add"), org_form())

        assert response.status_code == 200
        assert "parent" in response.context["adminform"].form.errors
        assert not Organization.objects.filter(code="INITECH").exists()

    def test_their_organization_keeps_its_place_when_saved(
        self, staff_client, staff, org_a, org_role
    ):
        # A top-level organization stays top-level; a child keeps a parent it may not add to.
        assert (
            staff_client.post(
                url(Organization, "change", org_a.pk), org_form(name="Acme 2", code="ACME")
            ).status_code
            == 302
        )
        child = OrganizationFactory(name="Sales", code="SALES", parent=OrganizationFactory())
        OrganizationMembershipFactory(user=staff, organization=child, role=org_role)
        response = staff_client.post(
            url(Organization, "change", child.pk),
            org_form(name="Sales 2", code="SALES", parent=child.parent_id),
        )
        assert response.status_code == 302
        # ... but may not be made top-level.
        response = staff_client.post(
            url(Organization, "change", child.pk), org_form(name="Sales 2", code="SALES")
        )
        assert response.status_code == 200
        assert "parent" in response.context["adminform"].form.errors
        child.refresh_from_db()
        assert child.parent is not None
        assert child.name == "Sales 2"

    @pytest.fixture
    def child(self, staff, org_a, org_role):
        """A sub-organization of A the staff user is a member of too."""
        child = OrganizationFactory(name="Sales", parent=org_a)
        OrganizationMembershipFactory(user=staff, organization=child, role=org_role)
        return child

    def drag(self, client, item, target, position):
        return client.post(
            url(Organization, "changelist"),
            {"cmd": "move_node", "cut_item": item.pk, "pasted_on": target.pk, "position": position},
        )

    @pytest.mark.parametrize("position", ["left", "right"])
    def test_dragging_to_the_top_level_is_refused(self, staff_client, org_a, child, position):
        response = self.drag(staff_client, child, org_a, position)

        assert response.content == b"FAIL, no permission."
        child.refresh_from_db()
        assert child.parent == org_a

    def test_dragging_under_an_organization_without_the_add_permission_is_refused(
        self, staff_client, staff, org_a, child, org_b
    ):
        OrganizationMembershipFactory(
            user=staff,
            organization=org_b,
            role=RoleFactory(permissions=model_permissions(Organization, "view")),
        )

        response = self.drag(staff_client, child, org_b, "last-child")

        assert response.content == b"FAIL, no permission."
        child.refresh_from_db()
        assert child.parent == org_a

    def test_dragging_to_an_invisible_organization_finds_nothing(
        self, staff_client, org_a, child, org_b
    ):
        response = self.drag(staff_client, child, org_b, "last-child")

        assert response.content.startswith(b"FAIL")
        child.refresh_from_db()
        assert child.parent == org_a

    def test_dragging_within_their_rights_moves(self, staff_client, staff, org_a, child, org_role):
        other = OrganizationFactory(name="Support", parent=org_a)
        OrganizationMembershipFactory(user=staff, organization=other, role=org_role)

        response = self.drag(staff_client, child, other, "last-child")

        assert response.content.startswith(b"OK")
        child.refresh_from_db()
        assert child.parent == other

    def test_granting_a_role_beyond_their_own_is_refused(
        self, staff_client, staff, org_a, org_role
    ):
        bigger = RoleFactory(name="Bigger", permissions=[*ORG_ADMIN_PERMS, "contact.view_contact"])
        user = colleague_of(staff)

        response = staff_client.post(
            url(OrganizationMembership, "add"),
            {"user": user.pk, "organization": org_a.pk, "role": bigger.pk, "is_active": "on"},
        )

        assert response.status_code == 403
        assert not OrganizationMembership.objects.filter(user=user, organization=org_a).exists()

    def test_changing_a_membership_beyond_their_own_role_in_the_list_is_refused(
        self, staff_client, org_a, org_role
    ):
        bigger = RoleFactory(name="Bigger", permissions=[*ORG_ADMIN_PERMS, "contact.view_contact"])
        membership = OrganizationMembershipFactory(organization=org_a, role=org_role)
        above = OrganizationMembershipFactory(organization=org_a, role=bigger)

        for target, role in ((membership, bigger), (above, org_role)):
            response = staff_client.post(
                url(OrganizationMembership, "changelist") + f"?id={target.pk}",
                {
                    "form-TOTAL_FORMS": "1",
                    "form-INITIAL_FORMS": "1",
                    "form-MIN_NUM_FORMS": "0",
                    "form-MAX_NUM_FORMS": "1000",
                    "form-0-id": str(target.pk),
                    "form-0-role": str(role.pk),
                    "form-0-is_active": "on",
                    "_save": "Save",
                },
            )
            assert response.status_code == 403
        membership.refresh_from_db()
        above.refresh_from_db()
        assert (membership.role, above.role) == (org_role, bigger)

    def test_a_viewer_may_look_but_not_change(self, client, org_a):
        viewer = UserFactory(is_staff=True)
        OrganizationMembershipFactory(
            user=viewer,
            organization=org_a,
            role=RoleFactory(permissions=model_permissions(Organization, "view")),
        )
        client.force_login(viewer)

        assert changelist_pks(client.get(url(Organization, "changelist"))) == {org_a.pk}
        page = client.get(url(Organization, "change", org_a.pk))
        assert page.status_code == 200
        assert page.context["has_change_permission"] is False
        response = client.post(
            url(Organization, "change", org_a.pk), org_form(name="Changed", code="ACME")
        )
        assert response.status_code == 403
        assert client.get(url(Organization, "add")).status_code == 403
        org_a.refresh_from_db()
        assert org_a.name == "Acme"

    def test_staff_without_any_role_is_refused(self, client, org_a):
        client.force_login(UserFactory(is_staff=True))

        assert client.get(url(Organization, "changelist")).status_code == 403
        assert client.get(url(OrganizationMembership, "changelist")).status_code == 403

    def test_an_inactive_membership_gives_no_access(self, client, org_a, org_role):
        user = UserFactory(is_staff=True)
        OrganizationMembershipFactory(user=user, organization=org_a, role=org_role, is_active=False)
        client.force_login(user)

        assert client.get(url(Organization, "changelist")).status_code == 403
