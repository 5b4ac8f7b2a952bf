"""An organization always keeps an administrator (a member whose role may change its
memberships): removing, deactivating, demoting or moving the last one is a 409."""

import pytest

from api.v1.base_models.organization.models import OrganizationMembership
from api.v1.base_models.organization.tests.factories import RoleFactory
from api.v1.base_models.user.tests.factories import UserFactory

from .helpers import MEMBERSHIP_PERMS, ORGANIZATION_PERMS, membership_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def own(admin_a, org_a):
    return OrganizationMembership.objects.get(user=admin_a, organization=org_a)


def refused(response):
    assert response.status_code == 409, response.content
    body = response.json()
    assert body["code"] == "last_administrator"
    assert "Acme" in body["detail"]
    return body


CHANGES = {
    "delete": lambda client, membership: client.delete(membership_url(membership)),
    "deactivate": lambda client, membership: client.patch(
        membership_url(membership), {"is_active": False}, format="json"
    ),
}


class TestTheLastAdministrator:
    @pytest.mark.parametrize("change", sorted(CHANGES))
    def test_cannot_leave(self, client_a, own, change):
        refused(CHANGES[change](client_a, own))

        own.refresh_from_db()
        assert own.is_active is True

    def test_cannot_demote_themselves(self, client_a, own, viewer_role, admin_role):
        refused(client_a.patch(membership_url(own), {"role": viewer_role.pk}, format="json"))

        own.refresh_from_db()
        assert own.role == admin_role

    def test_cannot_be_moved_to_another_organization(self, jwt_client, superuser, own, org_b):
        refused(
            jwt_client(superuser).patch(
                membership_url(own), {"organization": org_b.pk}, format="json"
            )
        )

        own.refresh_from_db()
        assert own.organization.code == "ACME"

    def test_a_superuser_is_refused_too(self, jwt_client, superuser, own):
        refused(jwt_client(superuser).delete(membership_url(own)))

        assert OrganizationMembership.objects.filter(pk=own.pk).exists()

    def test_an_administrator_of_an_inactive_account_does_not_count(
        self, client_a, member, org_a, admin_role, own
    ):
        member(org_a, admin_role, user=UserFactory(is_active=False))

        refused(client_a.delete(membership_url(own)))

    def test_an_inactive_administrator_membership_does_not_count(
        self, client_a, member, org_a, admin_role, own
    ):
        member(org_a, admin_role, is_active=False)

        refused(client_a.delete(membership_url(own)))

    def test_a_role_without_the_membership_change_permission_is_no_administrator(
        self, client_a, member, org_a, own
    ):
        adder = RoleFactory(
            name="Adds only",
            permissions=ORGANIZATION_PERMS
            + [p for p in MEMBERSHIP_PERMS if not p.endswith("change_organizationmembership")],
        )
        member(org_a, adder)

        refused(client_a.delete(membership_url(own)))


class TestWithAnotherAdministrator:
    @pytest.fixture
    def second(self, member, org_a, admin_role):
        user = member(org_a, admin_role)
        return OrganizationMembership.objects.get(user=user, organization=org_a)

    @pytest.mark.parametrize("change", sorted(CHANGES))
    def test_an_administrator_may_leave(self, client_a, own, second, change):
        response = CHANGES[change](client_a, own)

        assert response.status_code in (200, 204), response.content

    def test_an_administrator_may_step_down(self, client_a, own, second, viewer_role):
        response = client_a.patch(membership_url(own), {"role": viewer_role.pk}, format="json")

        assert response.status_code == 200, response.content

    def test_but_not_both(self, jwt_client, client_a, own, second, viewer_role):
        assert client_a.delete(membership_url(second)).status_code == 204

        refused(client_a.patch(membership_url(own), {"role": viewer_role.pk}, format="json"))

    def test_other_members_are_never_held_back(self, client_a, member, org_a, viewer_role, own):
        user = member(org_a, viewer_role)
        membership = OrganizationMembership.objects.get(user=user, organization=org_a)

        assert client_a.patch(membership_url(membership), {"is_active": False}).status_code == 200
        assert client_a.delete(membership_url(membership)).status_code == 204

    def test_an_organization_without_administrators_stays_manageable_by_superusers(
        self, jwt_client, superuser, member, org_b, viewer_role
    ):
        user = member(org_b, viewer_role)
        membership = OrganizationMembership.objects.get(user=user, organization=org_b)

        client = jwt_client(superuser)
        assert client.patch(membership_url(membership), {"is_active": False}).status_code == 200
        assert client.delete(membership_url(membership)).status_code == 204
