"""The tenancy matrix (tests/tenancy.py) applied to /api/v1/organization-memberships/."""

from api.v1.base_models.organization.tests.factories import OrganizationMembershipFactory
from api.v1.base_models.user.tests.factories import UserFactory
from tests.tenancy import ScopedEndpointContract


class TestMembershipTenancy(ScopedEndpointContract):
    basename = "organization-membership"
    factory = OrganizationMembershipFactory
    update_payload = {"is_active": False}
    restricted_field = "is_active"

    def make_record(self, world, organization):
        return OrganizationMembershipFactory(organization=organization, role=world.view_role)

    def create_payload(self, world, organization):
        # A role the creator may grant: the world's view-only role.
        return {
            "user": UserFactory().pk,
            "organization": organization.pk,
            "role": world.view_role.pk,
        }

    def search_term(self, record):
        return record.user.username

    def changed_value(self, current):
        return not current
