"""The API contract (tests/contract.py) applied to /api/v1/organization-memberships/."""

from itertools import count

from api.v1.base_models.organization.tests.factories import (
    OrganizationFactory,
    OrganizationMembershipFactory,
    RoleFactory,
)
from api.v1.base_models.user.tests.factories import UserFactory
from tests.contract import ScopedEndpointContract

serial = count(1)


class TestMembershipAPI(ScopedEndpointContract):
    basename = "organization-membership"
    factory = OrganizationMembershipFactory
    update_payload = {"is_active": False}
    restricted_field = "is_active"

    def make_record(self, world, organization):
        self.prepare_colleagues(world)
        return OrganizationMembershipFactory(organization=organization, role=world.view_role)

    def create_payload(self, world, organization):
        # A role the creator may grant (the world's view-only role), given to a user who
        # already shares an organization with the creators: nobody else may be added
        # directly (strangers are invited, see test_invitations.py).
        return {
            "user": world.colleagues.pop().pk,
            "organization": organization.pk,
            "role": world.view_role.pk,
        }

    def prepare_colleagues(self, world):
        """Users who are members of a third organization where user_a, user_b and
        user_both are members too (with a role that grants nothing)."""
        if hasattr(world, "colleagues"):
            return
        shared = OrganizationFactory(name="Tenancy shared")
        no_role = RoleFactory(permissions=[])
        for name in ("user_a", "user_b", "user_both"):
            OrganizationMembershipFactory(user=world.users[name], organization=shared, role=no_role)
        world.colleagues = [
            OrganizationMembershipFactory(organization=shared, role=no_role).user for _ in range(3)
        ]

    def search_term(self, record):
        return record.user.username

    def new_record(self, world, organization, **fields):
        """A membership of a new user, with a role of its own (names of their own in
        every searched field)."""
        n = next(serial)
        user = UserFactory(
            username=f"member{n:05d}", first_name=f"First{n:05d}", last_name=f"Last{n:05d}"
        )
        role = RoleFactory(name=f"Contract role {n:05d}", permissions=[])
        return OrganizationMembershipFactory(
            user=user, organization=organization, role=role, **fields
        )

    def ordering_records(self, world):
        return [
            self.new_record(world, world.org_a, is_active=active) for active in (True, False, True)
        ]

    def changed_value(self, current):
        return not current
