"""The API contract (tests/contract.py) applied to /api/v1/notifications/.

A notification is its recipient's own: only they see it (superusers included, whatever
their roles), mark it read and delete it; the platform writes it (a create or an update
through the API is a 405). The world's notifications are user_a's, about organization
A, and user_b's, about B."""

from notifications.choices import NotificationLevel
from tests.contract import ScopedEndpointContract
from tests.tenancy import USERS

from .factories import NotificationFactory

RECIPIENTS = {"record_a": "user_a", "record_b": "user_b"}
OWN = {user: {record for record, to in RECIPIENTS.items() if to == user} for user in USERS}


class TestNotificationAPI(ScopedEndpointContract):
    basename = "notification"
    factory = NotificationFactory
    update_payload = {"title": "Changed"}
    sees = OWN
    writes = OWN
    role_decides_writes = False
    creatable = False
    updatable = False

    def create_payload(self, world, organization):
        # What a client might try to send: refused all the same (405).
        return {"organization": organization.pk, "title": "Made up", "message": "By hand."}

    def make_record(self, world, organization):
        recipient = RECIPIENTS["record_a" if organization == world.org_a else "record_b"]
        return NotificationFactory(organization=organization, recipient=world.users[recipient])

    def ordering_records(self, world):
        return [
            NotificationFactory(
                organization=world.org_a, recipient=world.users["user_a"], level=level
            )
            for level in (
                NotificationLevel.WARNING,
                NotificationLevel.INFO,
                NotificationLevel.ERROR,
            )
        ]

    def search_records(self, world):
        first, other = (self.new_record(world, world.org_a) for _ in range(2))
        first.message = "The crane arrived."
        first.save(update_fields=["message"])
        return first, other

    def search_term(self, record):
        return record.title

    def change_record(self, client, record):
        return client.post(self.action_url(record, "mark-read"))
