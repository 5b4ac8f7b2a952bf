"""The tenancy matrix (tests/tenancy.py) applied to /api/v1/contacts/."""

from api.v1.base_models.contact.tests.factories import ContactFactory
from tests.tenancy import ScopedEndpointContract


class TestContactTenancy(ScopedEndpointContract):
    basename = "contact"
    factory = ContactFactory
    update_payload = {"first_name": "Changed"}
    restricted_field = "notes"

    def create_payload(self, world, organization):
        return {
            "organization": organization.pk,
            "first_name": "New",
            "last_name": "Contact",
            "email_addresses": [{"email": "new@example.com"}],
        }
