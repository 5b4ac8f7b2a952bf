"""The tenancy matrix (tests/tenancy.py) applied to /api/v1/organization-memberships/."""

from api.v1.base_models.organization.tests.factories import (
    OrganizationFactory,
    OrganizationMembershipFactory,
    RoleFactory,
)
from tests.tenancy import ScopedEndpointContract


class TestMembershipTenancy(ScopedEndpointContract):
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

    def changed_value(self, current):
        return not current
