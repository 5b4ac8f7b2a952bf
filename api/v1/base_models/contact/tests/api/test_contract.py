"""The API contract (tests/contract.py) applied to /api/v1/contacts/."""

from itertools import count

from api.v1.base_models.contact.tests.factories import (
    ContactAddressFactory,
    ContactEmailAddressFactory,
    ContactFactory,
    ContactPhoneNumberFactory,
)
from api.v1.base_models.organization.tests.factories import OrganizationFactory
from tests.contract import ScopedEndpointContract

serial = count(1)


class TestContactAPI(ScopedEndpointContract):
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

    def new_record(self, world, organization, **fields):
        # Values of its own in every search field (the factory's names are random).
        n = next(serial)
        contact = ContactFactory(
            organization=organization,
            first_name=f"First{n:05d}",
            last_name=f"Last{n:05d}",
            title=f"Title{n:05d}",
            department=f"Department{n:05d}",
            notes=f"Note{n:05d}",
            **fields,
        )
        ContactEmailAddressFactory(contact=contact, email=f"person{n:05d}@example.com")
        return contact

    def ordering_records(self, world):
        return [
            self.new_record(world, world.org_a, status=status)
            for status in ("active", "inactive", "archived")
        ]

    def rich_record(self, world, organization):
        """Three channels of every kind, two tags and a linked organization."""
        contact = self.new_record(
            world, organization, linked_organization=OrganizationFactory(parent=organization)
        )
        contact.tags.add("common", f"own-{contact.pk}")
        for k in range(2):
            ContactEmailAddressFactory(contact=contact, email=f"c{contact.pk}.{k}@example.com")
        for k in range(3):
            ContactPhoneNumberFactory(
                contact=contact, phone_number=f"+1415555{contact.pk % 100:02d}{k:02d}"
            )
            ContactAddressFactory(contact=contact)
        return contact
