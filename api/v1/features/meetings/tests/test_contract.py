"""The API contract (tests/contract.py) applied to /api/v1/meetings/."""

from datetime import timedelta
from itertools import count

from django.utils import timezone

from api.v1.features.meetings.tests.factories import MeetingFactory
from tests.contract import ScopedEndpointContract

serial = count(1)


def _iso(moment) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _members(world, organization):
    """The world's users whose role in `organization` may view meetings."""
    return [
        user
        for name, user in world.users.items()
        if name != "superuser"
        and user.organization_memberships.filter(organization=organization).exists()
    ]


class TestMeetingAPI(ScopedEndpointContract):
    basename = "meeting"
    factory = MeetingFactory
    update_payload = {"topic": "Changed"}
    restricted_field = "agenda"
    movable = False  # on its organization's provider, with its members

    def create_payload(self, world, organization):
        start = timezone.now() + timedelta(days=2)
        return {
            "organization": organization.pk,
            "topic": "Quarterly review",
            "agenda": "Figures",
            "start_time": _iso(start),
            "end_time": _iso(start + timedelta(hours=1)),
            "timezone": "Europe/Paris",
            "guests": [{"email": "guest@example.com", "name": "Guest"}],
        }

    def make_record(self, world, organization):
        # Its organization's members are invited: those whose role only views
        # meetings see the meetings they attend.
        return MeetingFactory(organization=organization, participants=_members(world, organization))

    def new_record(self, world, organization):
        n = next(serial)
        return MeetingFactory(
            organization=organization,
            topic=f"Topic{n:05d}",
            agenda=f"Agenda{n:05d}",
            start_time=timezone.now() + timedelta(days=1, minutes=n),
        )

    def ordering_records(self, world):
        return [
            MeetingFactory(
                organization=world.org_a,
                topic=topic,
                status=status,
                start_time=timezone.now() + timedelta(days=days),
            )
            for topic, status, days in (
                ("b", "SCHEDULED", 3),
                ("a", "ENDED", 1),
                ("c", "CANCELLED", 2),
            )
        ]

    def search_term(self, record):
        return record.topic
