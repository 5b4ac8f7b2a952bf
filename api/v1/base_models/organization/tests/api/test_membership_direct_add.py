"""Adding a member directly (POST /api/v1/organization-memberships/) is for users who
already share one of the administrator's organizations; anybody else is invited by
email. No answer tells whether a user id exists elsewhere."""

import pytest

from api.v1.base_models.organization.models import OrganizationMembership
from api.v1.base_models.organization.tests.factories import (
    OrganizationFactory,
    OrganizationMembershipFactory,
    RoleFactory,
)
from api.v1.base_models.user.tests.factories import UserFactory

from .helpers import membership_list_url, membership_url

pytestmark = pytest.mark.django_db

UNKNOWN_ID = 987654


@pytest.fixture
def team(member, admin_a):
    """A third organization where the administrator of A is a member without rights."""
    organization = OrganizationFactory(name="Team", code="TEAM")
    member(organization, RoleFactory(name="No rights"), user=admin_a)
    return organization


def add(client, user_id, organization, role):
    return client.post(
        membership_list_url(),
        {"user": user_id, "organization": organization.pk, "role": role.pk},
        format="json",
    )


def same_as_unknown(client, user_id, organization, role):
    """The answer for `user_id`, checked to be the answer for an id that does not exist."""
    response = add(client, user_id, organization, role)
    unknown = add(client, UNKNOWN_ID, organization, role)
    assert response.status_code == unknown.status_code == 400
    assert list(response.json()) == ["user"]
    assert response.json()["user"] == [
        message.replace(str(UNKNOWN_ID), str(user_id)) for message in unknown.json()["user"]
    ]
    return response


class TestWhoMayBeAddedDirectly:
    def test_a_member_of_another_organization_reads_like_an_unknown_id(
        self, client_a, member, org_a, org_b, viewer_role
    ):
        stranger = member(org_b, viewer_role, user=UserFactory(username="secret-bob"))

        response = same_as_unknown(client_a, stranger.pk, org_a, viewer_role)

        assert "secret-bob" not in response.content.decode()
        assert not OrganizationMembership.objects.filter(user=stranger, organization=org_a).exists()

    def test_a_user_of_no_organization_reads_like_an_unknown_id(self, client_a, org_a, viewer_role):
        same_as_unknown(client_a, UserFactory().pk, org_a, viewer_role)

    def test_a_user_sharing_one_of_the_administrators_organizations_may_be_added(
        self, client_a, member, org_a, team, viewer_role
    ):
        colleague = member(team, viewer_role, user=UserFactory(username="carol"))

        response = add(client_a, colleague.pk, org_a, viewer_role)

        assert response.status_code == 201, response.content
        assert response.json()["username"] == "carol"

    def test_an_inactive_membership_of_the_colleague_does_not_count(
        self, client_a, member, org_a, team, viewer_role
    ):
        former = member(team, viewer_role, is_active=False)

        same_as_unknown(client_a, former.pk, org_a, viewer_role)

    def test_an_inactive_membership_of_the_administrator_does_not_count(
        self, client_a, admin_a, member, org_a, org_b, viewer_role
    ):
        member(org_b, viewer_role, user=admin_a, is_active=False)
        other = member(org_b, viewer_role)

        same_as_unknown(client_a, other.pk, org_a, viewer_role)

    def test_an_inactive_account_reads_like_an_unknown_id(
        self, client_a, member, org_a, team, viewer_role
    ):
        inactive = member(team, viewer_role, user=UserFactory(is_active=False))

        same_as_unknown(client_a, inactive.pk, org_a, viewer_role)

    def test_a_superuser_may_add_any_active_user(
        self, jwt_client, superuser, member, org_a, viewer_role
    ):
        response = add(jwt_client(superuser), UserFactory().pk, org_a, viewer_role)

        assert response.status_code == 201, response.content


class TestNothingLeaks:
    def test_the_user_of_a_membership_cannot_be_changed(
        self, client_a, member, org_a, org_b, team, viewer_role
    ):
        membership = OrganizationMembershipFactory(organization=org_a, role=viewer_role)
        colleague = member(team, viewer_role)
        stranger = member(org_b, viewer_role)

        to_colleague = client_a.patch(
            membership_url(membership), {"user": colleague.pk}, format="json"
        )
        to_stranger = client_a.patch(
            membership_url(membership), {"user": stranger.pk}, format="json"
        )

        assert (to_colleague.status_code, to_stranger.status_code) == (400, 400)
        assert list(to_stranger.json()) == ["user"]
        assert "does not exist" in to_stranger.json()["user"][0]
        membership.refresh_from_db()
        assert membership.user_id not in (colleague.pk, stranger.pk)
        # Sending the same user (a PUT-like echo) is fine.
        same = client_a.patch(
            membership_url(membership), {"user": membership.user_id}, format="json"
        )
        assert same.status_code == 200, same.content

    def test_the_list_names_only_members_of_the_callers_organizations(
        self, client_a, member, org_a, org_b, viewer_role
    ):
        member(org_b, viewer_role, user=UserFactory(username="secret-bob"))
        member(org_a, viewer_role, user=UserFactory(username="visible-ann"))

        response = client_a.get(membership_list_url(), {"page_size": 100})

        names = {row["username"] for row in response.json()["results"]}
        assert "visible-ann" in names
        assert "secret-bob" not in response.content.decode()
        for query in ({"search": "secret"}, {"user__username": "secret-bob"}):
            assert "secret-bob" not in client_a.get(membership_list_url(), query).content.decode()
