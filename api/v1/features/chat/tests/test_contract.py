"""The API contract (tests/contract.py) applied to /api/v1/chat/rooms/.

The world's rooms are their organizations' channels, which every member whose role
may use the chat sees, so the contract's default matrix of who sees and who changes
what holds (a group or direct room is seen by its participants only: tested in
test_api.py). A room stays in its organization (an organization sent with a rename is
ignored, as every read-only field) and is archived, never deleted (a DELETE is a 405).
The chat is a feature of the roles: a user whose roles do not include it is refused
every route (403), the same answer for every room.
"""

from api.v1.features.chat.choices import RoomType
from tests.contract import ScopedEndpointContract

from .factories import ChatRoomFactory


class TestChatRoomAPI(ScopedEndpointContract):
    basename = "chat-room"
    factory = ChatRoomFactory
    update_payload = {"name": "Renamed"}
    organization_read_only = True
    deletable = False
    gated = True  # no room at all for a user whose roles do not include the chat

    def create_payload(self, world, organization):
        return {
            "organization": organization.pk,
            "room_type": RoomType.CHANNEL,
            "name": "Announcements",
            "participants": [],
        }

    def make_record(self, world, organization):
        return ChatRoomFactory(organization=organization, room_type=RoomType.CHANNEL)

    def search_term(self, record):
        return record.name
