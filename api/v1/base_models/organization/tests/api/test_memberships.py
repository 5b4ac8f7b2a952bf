"""/api/v1/organization-memberships/ beyond the API contract (test_membership_contract.py):
validation, "nobody grants more than they hold", filters; and /profiles/me/memberships/."""

from unittest import mock

import pytest
from django.urls import reverse

from api.v1.base_models.organization.models import OrganizationMembership
from api.v1.base_models.organization.tests.factories import (
    OrganizationFactory,
    OrganizationMembershipFactory,
    RoleFactory,
)
from api.v1.base_models.user.tests.factories import UserFactory

from .helpers import (
    MEMBERSHIP_PERMS,
    ORGANIZATION_PERMS,
    ids,
    membership_list_url,
    membership_url,
    org_url,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def org_admin(member, admin_role, org_a):
    return member(org_a, admin_role)


@pytest.fixture
def client(jwt_client, org_admin):
    return jwt_client(org_admin)


@pytest.fixture
def colleague(member, org_admin):
    """colleague(**fields) -> a new user who already shares an organization (not A) with
    org_admin: the only kind of user an administrator may add directly."""
    shared = OrganizationFactory(name="Shared team", code="SHARED")
    nothing = RoleFactory(name="No rights")
    member(shared, nothing, user=org_admin)

    def make(**fields):
        return member(shared, nothing, user=UserFactory(**fields))

    return make


@pytest.fixture
def bigger_role(db):
    """More than the admin role: contacts too."""
    return RoleFactory(
        name="Bigger", permissions=ORGANIZATION_PERMS + MEMBERSHIP_PERMS + ["contact.view_contact"]
    )


class TestValidation:
    def test_a_second_membership_of_the_same_user_is_400(self, client, org_a, viewer_role):
        existing = OrganizationMembershipFactory(organization=org_a, role=viewer_role)

        response = client.post(
            membership_list_url(),
            {"user": existing.user.pk, "organization": org_a.pk, "role": viewer_role.pk},
            format="json",
        )

        assert response.status_code == 400
        assert "non_field_errors" in response.json()
        assert OrganizationMembership.objects.filter(user=existing.user).count() == 1

    def test_a_concurrent_duplicate_is_a_400_not_a_500(self, client, org_a, viewer_role):
        # Validation found no membership; a concurrent request's row is there when this
        # one is inserted, and the database refuses it.
        existing = OrganizationMembershipFactory(organization=org_a, role=viewer_role)
        with mock.patch(
            "api.v1.base_models.organization.serializers.membership_taken",
            side_effect=[False, True],
        ):
            response = client.post(
                membership_list_url(),
                {"user": existing.user.pk, "organization": org_a.pk, "role": viewer_role.pk},
                format="json",
            )

        assert response.status_code == 400, response.content
        assert list(response.json()) == ["non_field_errors"]
        assert OrganizationMembership.objects.filter(user=existing.user).count() == 1

    def test_the_same_user_may_join_another_organization(
        self, client, member, admin_role, org_a, org_b, org_admin, viewer_role
    ):
        member(org_b, admin_role, user=org_admin)
        existing = OrganizationMembershipFactory(organization=org_a, role=viewer_role)

        response = client.post(
            membership_list_url(),
            {"user": existing.user.pk, "organization": org_b.pk, "role": viewer_role.pk},
            format="json",
        )

        assert response.status_code == 201, response.content
        assert set(existing.user.get_organizations()) == {org_a, org_b}

    @pytest.mark.parametrize("field", ["user", "role", "organization"])
    def test_unknown_ids_are_400_on_the_field(self, client, org_a, viewer_role, colleague, field):
        data = {"user": colleague().pk, "organization": org_a.pk, "role": viewer_role.pk}
        data[field] = 987654

        response = client.post(membership_list_url(), data, format="json")

        assert response.status_code == 400
        assert list(response.json()) == [field]

    def test_an_inactive_user_is_400(self, client, org_a, viewer_role):
        inactive = UserFactory(is_active=False)

        response = client.post(
            membership_list_url(),
            {"user": inactive.pk, "organization": org_a.pk, "role": viewer_role.pk},
            format="json",
        )

        assert response.status_code == 400
        assert "user" in response.json()
        assert not OrganizationMembership.objects.filter(user=inactive).exists()

    @pytest.mark.parametrize("field", ["user", "organization", "role"])
    def test_required_fields(self, client, org_a, viewer_role, field):
        data = {"user": UserFactory().pk, "organization": org_a.pk, "role": viewer_role.pk}
        del data[field]

        response = client.post(membership_list_url(), data, format="json")

        assert response.status_code == 400
        assert field in response.json()

    def test_the_response_names_user_organization_and_role(
        self, client, org_a, viewer_role, colleague
    ):
        user = colleague(username="newbie")

        response = client.post(
            membership_list_url(),
            {"user": user.pk, "organization": org_a.pk, "role": viewer_role.pk},
            format="json",
        )

        assert response.status_code == 201
        body = response.json()
        assert (body["username"], body["organization_name"], body["role_name"]) == (
            "newbie",
            "Acme",
            "Test Org Viewer",
        )
        assert body["is_active"] is True


class TestNoOneGrantsMoreThanTheyHold:
    def test_granting_a_role_with_permissions_the_caller_lacks_is_403(
        self, client, org_a, bigger_role, colleague
    ):
        user = colleague()

        response = client.post(
            membership_list_url(),
            {"user": user.pk, "organization": org_a.pk, "role": bigger_role.pk},
            format="json",
        )

        assert response.status_code == 403
        assert "Bigger" in response.json()["detail"]
        assert not OrganizationMembership.objects.filter(user=user, organization=org_a).exists()

    def test_granting_ones_own_role_or_less_is_allowed(self, client, org_a, admin_role, colleague):
        empty = RoleFactory(name="Nothing")
        for role in (admin_role, empty):
            response = client.post(
                membership_list_url(),
                {"user": colleague().pk, "organization": org_a.pk, "role": role.pk},
                format="json",
            )
            assert response.status_code == 201, response.content

    def test_the_permissions_held_in_another_organization_do_not_count(
        self, client, member, org_a, org_b, org_admin, bigger_role, colleague
    ):
        member(org_b, bigger_role, user=org_admin)

        response = client.post(
            membership_list_url(),
            {"user": colleague().pk, "organization": org_a.pk, "role": bigger_role.pk},
            format="json",
        )

        assert response.status_code == 403

    def test_raising_a_membership_to_a_bigger_role_is_403(
        self, client, org_a, viewer_role, bigger_role
    ):
        membership = OrganizationMembershipFactory(organization=org_a, role=viewer_role)

        response = client.patch(membership_url(membership), {"role": bigger_role.pk}, format="json")

        assert response.status_code == 403
        membership.refresh_from_db()
        assert membership.role == viewer_role

    def test_raising_ones_own_membership_is_403(self, client, org_a, org_admin, bigger_role):
        own = OrganizationMembership.objects.get(user=org_admin, organization=org_a)

        response = client.patch(membership_url(own), {"role": bigger_role.pk}, format="json")

        assert response.status_code == 403
        own.refresh_from_db()
        assert own.role.name == "Test Org Admin"

    def test_changing_a_membership_whose_role_exceeds_the_caller_is_403(
        self, client, org_a, bigger_role, viewer_role
    ):
        membership = OrganizationMembershipFactory(organization=org_a, role=bigger_role)

        for data in ({"is_active": False}, {"role": viewer_role.pk}):
            response = client.patch(membership_url(membership), data, format="json")
            assert response.status_code == 403, data
        membership.refresh_from_db()
        assert (membership.role, membership.is_active) == (bigger_role, True)

    def test_deleting_a_membership_whose_role_exceeds_the_caller_is_403(
        self, client, org_a, bigger_role
    ):
        membership = OrganizationMembershipFactory(organization=org_a, role=bigger_role)

        response = client.delete(membership_url(membership))

        assert response.status_code == 403
        assert OrganizationMembership.objects.filter(pk=membership.pk).exists()

    def test_lowering_and_deleting_memberships_within_the_callers_rights(
        self, client, org_a, admin_role, viewer_role
    ):
        membership = OrganizationMembershipFactory(organization=org_a, role=admin_role)

        response = client.patch(membership_url(membership), {"role": viewer_role.pk})
        assert response.status_code == 200, response.content
        membership.refresh_from_db()
        assert membership.role == viewer_role

        assert client.delete(membership_url(membership)).status_code == 204
        assert not OrganizationMembership.objects.filter(pk=membership.pk).exists()

    def test_a_superuser_may_grant_change_and_delete_anything(
        self, jwt_client, superuser, member, org_a, admin_role, bigger_role
    ):
        client = jwt_client(superuser)
        member(org_a, admin_role)  # A keeps an administrator whatever happens below
        all_role = RoleFactory(name="Everything")
        from django.contrib.auth.models import Permission

        all_role.permissions.set(Permission.objects.all())

        response = client.post(
            membership_list_url(),
            {"user": UserFactory().pk, "organization": org_a.pk, "role": all_role.pk},
            format="json",
        )
        assert response.status_code == 201, response.content
        membership = OrganizationMembership.objects.get(pk=response.json()["id"])
        assert membership.role == all_role
        assert client.patch(membership_url(membership), {"role": bigger_role.pk}).status_code == 200
        assert client.delete(membership_url(membership)).status_code == 204

    def test_moving_a_membership_to_another_organization_checks_the_role_there(
        self, client, member, org_a, org_b, org_admin, viewer_role
    ):
        # The admin may only view memberships in B: moving one there is refused.
        member(org_b, viewer_role, user=org_admin)
        membership = OrganizationMembershipFactory(organization=org_a, role=viewer_role)

        response = client.patch(
            membership_url(membership), {"organization": org_b.pk}, format="json"
        )

        assert response.status_code == 403
        membership.refresh_from_db()
        assert membership.organization == org_a


class TestRoleChanges:
    def test_a_role_change_applies_from_the_members_next_request(
        self, jwt_client, client, member, org_a, viewer_role, admin_role
    ):
        target = member(org_a, viewer_role)
        member_client = jwt_client(target)
        membership = OrganizationMembership.objects.get(user=target, organization=org_a)

        assert member_client.patch(org_url(org_a), {"name": "Renamed"}).status_code == 403

        response = client.patch(membership_url(membership), {"role": admin_role.pk})
        assert response.status_code == 200

        # The same token, the next request: the new role applies.
        assert member_client.patch(org_url(org_a), {"name": "Renamed"}).status_code == 200
        org_a.refresh_from_db()
        assert org_a.name == "Renamed"

    def test_deactivating_a_membership_applies_from_the_members_next_request(
        self, jwt_client, client, member, org_a, viewer_role
    ):
        target = member(org_a, viewer_role)
        member_client = jwt_client(target)
        membership = OrganizationMembership.objects.get(user=target, organization=org_a)
        assert member_client.get(org_url(org_a)).status_code == 200

        assert client.patch(membership_url(membership), {"is_active": False}).status_code == 200

        assert member_client.get(org_url(org_a)).status_code == 404
        assert member_client.get(org_url(org_a, "my-permissions")).status_code == 404

        assert client.patch(membership_url(membership), {"is_active": True}).status_code == 200
        assert member_client.get(org_url(org_a)).status_code == 200

    def test_deleting_a_membership_applies_from_the_members_next_request(
        self, jwt_client, client, member, org_a, viewer_role
    ):
        target = member(org_a, viewer_role)
        member_client = jwt_client(target)
        membership = OrganizationMembership.objects.get(user=target, organization=org_a)
        assert member_client.get(org_url(org_a)).status_code == 200

        assert client.delete(membership_url(membership)).status_code == 204

        assert member_client.get(org_url(org_a)).status_code == 404


class TestFilters:
    @pytest.fixture
    def rows(self, member, org_a, org_b, org_admin, viewer_role, admin_role):
        # org_admin sees memberships of A and of B.
        member(org_b, admin_role, user=org_admin)
        # Names of their own: a random one could hold what the search looks for.
        type(org_admin).objects.filter(pk=org_admin.pk).update(first_name="Ada", last_name="Byron")
        ann = UserFactory(username="ann", first_name="Ann", last_name="Smith")
        bob = UserFactory(username="bob", first_name="Robert", last_name="Jones")
        return {
            "admin_a": OrganizationMembership.objects.get(user=org_admin, organization=org_a),
            "admin_b": OrganizationMembership.objects.get(user=org_admin, organization=org_b),
            "ann_a": OrganizationMembershipFactory(user=ann, organization=org_a, role=viewer_role),
            "ann_b": OrganizationMembershipFactory(
                user=ann, organization=org_b, role=viewer_role, is_active=False
            ),
            "bob_a": OrganizationMembershipFactory(user=bob, organization=org_a, role=admin_role),
        }

    def listed(self, client, **params):
        return set(ids(client.get(membership_list_url(), {**params, "page_size": 100})))

    def test_filters(self, client, rows, org_a, org_b, viewer_role, admin_role):
        def pks(*names):
            return {rows[name].pk for name in names}

        ann = rows["ann_a"].user
        assert self.listed(client) == pks(*rows)
        assert self.listed(client, user=ann.pk) == pks("ann_a", "ann_b")
        assert self.listed(client, organization=org_b.pk) == pks("admin_b", "ann_b")
        assert self.listed(client, role=viewer_role.pk) == pks("ann_a", "ann_b")
        assert self.listed(client, role=admin_role.pk) == pks("admin_a", "admin_b", "bob_a")
        assert self.listed(client, is_active="false") == pks("ann_b")
        assert self.listed(client, is_active="true", user=ann.pk) == pks("ann_a")
        assert self.listed(client, search="bob") == pks("bob_a")

    def test_invalid_filter_values_are_400(self, client, rows):
        assert client.get(membership_list_url(), {"is_active": "perhaps"}).status_code == 400
        assert client.get(membership_list_url(), {"user": "abc"}).status_code == 400


# ---------------------------------------------------------- /profiles/me/memberships/
class TestMyMemberships:
    url = reverse("api-v1:my-memberships")

    def test_only_the_callers_memberships_active_and_inactive(
        self, jwt_client, member, org_a, org_b, viewer_role, admin_role
    ):
        user = member(org_a, admin_role)
        member(org_b, viewer_role, user=user, is_active=False)
        member(org_a, viewer_role)  # someone else
        OrganizationMembershipFactory(organization=OrganizationFactory())  # elsewhere

        response = jwt_client(user).get(self.url)

        assert response.status_code == 200
        rows = {row["organization"]: row for row in response.json()["results"]}
        assert set(rows) == {org_a.pk, org_b.pk}
        assert response.json()["count"] == 2
        a, b = rows[org_a.pk], rows[org_b.pk]
        assert (a["organization_name"], a["organization_code"], a["role_name"]) == (
            "Acme",
            "ACME",
            "Test Org Admin",
        )
        assert a["role"] == admin_role.pk
        assert a["is_active"] is True
        assert (b["organization_name"], b["organization_code"], b["role_name"]) == (
            "Globex",
            "GLOBEX",
            "Test Org Viewer",
        )
        assert b["is_active"] is False

    def test_filter_by_is_active(self, jwt_client, member, org_a, org_b, viewer_role):
        user = member(org_a, viewer_role)
        member(org_b, viewer_role, user=user, is_active=False)

        response = jwt_client(user).get(self.url, {"is_active": "false"})

        assert [row["organization"] for row in response.json()["results"]] == [org_b.pk]

    def test_a_user_without_memberships_gets_an_empty_list(self, jwt_client):
        response = jwt_client(UserFactory()).get(self.url)

        assert response.status_code == 200
        assert response.json()["count"] == 0
        assert response.json()["results"] == []

    def test_a_superuser_sees_only_their_own(self, jwt_client, superuser, org_a, viewer_role):
        OrganizationMembershipFactory(organization=org_a, role=viewer_role)

        assert jwt_client(superuser).get(self.url).json()["count"] == 0

    def test_read_only(self, jwt_client, member, org_a, viewer_role):
        client = jwt_client(member(org_a, viewer_role))

        assert client.post(self.url, {"organization": org_a.pk}).status_code == 405

    def test_anonymous_is_401(self, api_client):
        assert api_client.get(self.url).status_code == 401
