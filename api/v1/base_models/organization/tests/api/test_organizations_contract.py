"""The API contract (tests/contract.py) applied to the organizations themselves.

An organization is its own tenant: `record_a` is organization A, `record_b` is B. The
contract's tests about a record's `organization` field are replaced by their
counterparts for organizations: the `parent` of a new or moved organization. Rights do
not flow down the hierarchy: the other organizations a test makes get the memberships
of the one they are made for (`new_record`).
"""

from itertools import count

import pytest

from api.v1.base_models.common.tests.factories import AddressFactory
from api.v1.base_models.contact.models import Contact
from api.v1.base_models.organization.models import Organization, OrganizationMembership
from api.v1.base_models.organization.tests.factories import (
    OrganizationFactory,
    OrganizationMembershipFactory,
    OrganizationTypeFactory,
)
from tests.contract import ScopedEndpointContract

from .helpers import org_list_url, org_url

serial = count(1)


class TestOrganizationAPI(ScopedEndpointContract):
    basename = "organization"
    factory = OrganizationFactory
    update_payload = {"status": "inactive"}
    restricted_field = "code"
    # An organization has no organization of its own to show.
    organization_key = None
    target_field = "parent"
    unique_payload_fields = ("code",)

    def make_record(self, world, organization):
        return organization

    def new_record(self, world, organization, **fields):
        """A new top-level organization (or one under `parent=`) whose members are
        `organization`'s, with the same roles."""
        n = next(serial)
        created = OrganizationFactory(name=f"Organization{n:05d}", code=f"C{n:05d}", **fields)
        for membership in organization.memberships.all():
            OrganizationMembershipFactory(
                user=membership.user,
                organization=created,
                role=membership.role,
                is_active=membership.is_active,
            )
        return created

    def ordering_records(self, world):
        """Three levels of one tree (positions and levels differ) and another root."""
        top = self.new_record(world, world.org_a)
        child = self.new_record(world, world.org_a, parent=top)
        grandchild = self.new_record(world, world.org_a, parent=child)
        return [top, child, grandchild, self.new_record(world, world.org_a)]

    def rich_record(self, world, organization):
        """With a type, a currency, a primary address and contact, and two tags."""
        n = next(serial)
        created = self.new_record(
            world,
            organization,
            currency_id="EUR" if n % 2 else "USD",
            primary_address=AddressFactory(),
            organization_type=OrganizationTypeFactory(name="Department" if n % 2 else "Team"),
            tags=[f"tag-{n}", "common"],
        )
        contact = Contact.objects.create(organization=created, first_name=f"Person {n}")
        Organization.objects.filter(pk=created.pk).update(primary_contact=contact)
        return created

    def assert_created_in(self, record, organization):
        assert record.parent_id == organization.pk

    def assert_created_by(self, record, user, world):
        memberships = OrganizationMembership.objects.filter(organization=record)
        if user.is_superuser:
            assert not memberships.exists()
        else:
            # The creator joins the new organization with their role in the parent.
            assert [(m.user, m.role, m.is_active) for m in memberships] == [
                (user, world.full_role, True)
            ]

    def audited_organization_id(self, record):
        # The audit log files a sub-organization's rows under its parent, whose
        # auditors watch it (audit.services.organization_of).
        return record.parent_id or record.pk

    def create_payload(self, world, organization):
        return {
            "name": "Sub",
            "code": "SUB-1",
            "organization_type": "Team",
            "parent": organization.pk,
        }

    def search_term(self, record):
        return record.name

    def test_create_without_organization_is_refused(self, world):
        # No parent: a top-level organization, for administrators only.
        payload = self.create_payload(world, world.org_a)
        payload.pop("parent")
        before = Organization.objects.count()

        response = world.client("user_a").post(self.list_url(), payload, format="json")

        assert response.status_code == 403
        assert Organization.objects.count() == before
        response = world.client("superuser").post(self.list_url(), payload, format="json")
        assert response.status_code == 201
        assert Organization.objects.get(pk=response.json()["id"]).parent is None

    def test_moving_to_another_organization_needs_the_permission_there(self, world):
        org_a, org_b = world.org_a, world.org_b
        # user_a is not a member of B: B is reported like an unknown organization.
        response = world.client("user_a").patch(
            self.detail_url(org_a), {"parent": org_b.pk}, format="json"
        )
        assert response.status_code == 400
        assert "parent" in response.json()
        # view_only, given the full role in B, may change B but not add under A.
        from api.v1.base_models.organization.tests.factories import (
            OrganizationMembershipFactory,
        )

        OrganizationMembershipFactory(
            user=world.users["view_only"], organization=org_b, role=world.full_role
        )
        response = world.client("view_only").patch(
            self.detail_url(org_b), {"parent": org_a.pk}, format="json"
        )
        assert response.status_code == 403
        org_b.refresh_from_db()
        assert org_b.parent is None
        # user_both may change A and add under B.
        response = world.client("user_both").patch(
            self.detail_url(org_a), {"parent": org_b.pk}, format="json"
        )
        assert response.status_code == 200, response.content
        org_a.refresh_from_db()
        assert org_a.parent_id == org_b.pk
        assert org_a.level == 1

    # --------------------------------------------------------- field-level rules
    def test_a_hidden_field_is_not_writable_either(self, world):
        self._rule(world, can_read=False, can_write=False)

        response = world.client("user_a").patch(
            self.detail_url(world.org_a), {"code": "HIDDEN-CHANGE"}, format="json"
        )

        assert response.status_code == 403
        assert response.json()["fields"] == ["code"]
        world.org_a.refresh_from_db()
        assert world.org_a.code != "HIDDEN-CHANGE"

    def test_the_rules_of_the_parent_apply_to_a_new_sub_organization(self, world):
        self._rule(world, can_read=True, can_write=False)

        response = world.client("user_a").post(
            self.list_url(), self.create_payload(world, world.org_a), format="json"
        )

        assert response.status_code == 403
        assert "code" in response.json()["fields"]
        assert not Organization.objects.filter(code="SUB-1").exists()

    def test_a_metadata_rule_hides_metadata_in_a_only(self, world):
        from django.contrib.contenttypes.models import ContentType

        from rbac.models import FieldPermission

        FieldPermission.objects.create(
            role=world.full_role,
            content_type=ContentType.objects.get_for_model(Organization),
            field_name="metadata",
            can_read=False,
            can_write=False,
        )
        other_role = world.view_role  # user_both: full role in A, view role in B
        world.users["user_both"].organization_memberships.filter(organization=world.org_b).update(
            role=other_role
        )

        client = world.client("user_both")
        rows = {row["id"]: row for row in client.get(self.list_url()).json()["results"]}

        assert "metadata" not in rows[world.org_a.pk]
        assert "metadata" in rows[world.org_b.pk]


# ------------------------------------------------------------------ by name, in prose
@pytest.mark.django_db
class TestOrganizationIsolation:
    def test_a_member_of_a_sees_a_only_and_cannot_reach_b(
        self, jwt_client, member, admin_role, org_a, org_b
    ):
        client = jwt_client(member(org_a, admin_role))

        listed = client.get(org_list_url()).json()
        assert [row["id"] for row in listed["results"]] == [org_a.pk]
        assert listed["count"] == 1
        assert client.get(org_url(org_b)).status_code == 404
        assert client.patch(org_url(org_b), {"name": "Hacked"}, format="json").status_code == 404
        assert client.delete(org_url(org_b)).status_code == 404
        for action in ("descendants", "ancestors", "children", "my-permissions"):
            assert client.get(org_url(org_b, action)).status_code == 404
        org_b.refresh_from_db()
        assert org_b.name == "Globex"

    def test_a_viewer_gets_403_on_change_and_delete(self, jwt_client, member, viewer_role, org_a):
        client = jwt_client(member(org_a, viewer_role))

        assert client.get(org_url(org_a)).status_code == 200
        assert client.patch(org_url(org_a), {"name": "X"}, format="json").status_code == 403
        assert client.put(org_url(org_a), {"name": "X"}, format="json").status_code == 403
        assert client.delete(org_url(org_a)).status_code == 403
        assert Organization.objects.get(pk=org_a.pk).name == "Acme"

    def test_rights_do_not_flow_down_the_hierarchy(self, jwt_client, member, admin_role, org_a):
        child = OrganizationFactory(name="Child", parent=org_a)
        client = jwt_client(member(org_a, admin_role))

        assert client.get(org_url(child)).status_code == 404
        assert client.patch(org_url(child), {"name": "X"}, format="json").status_code == 404
        assert client.delete(org_url(child)).status_code == 404
        assert [row["id"] for row in client.get(org_list_url()).json()["results"]] == [org_a.pk]

    def test_a_member_whose_role_cannot_view_organizations_lists_nothing(
        self, jwt_client, member, org_a
    ):
        from api.v1.base_models.organization.tests.factories import RoleFactory

        role = RoleFactory(permissions=["contact.view_contact"])
        client = jwt_client(member(org_a, role))

        assert client.get(org_list_url()).json()["count"] == 0
        assert client.get(org_url(org_a)).status_code == 404
