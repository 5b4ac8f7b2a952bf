"""The API contract (tests/contract.py) applied to /api/v1/chat/messages/, the messages
of every room the caller may see.

The world's messages are written in their organizations' channels, which every member
whose role may use the chat sees, by user_a (in A) and user_b (in B). What differs
from a record of a role's permissions: whoever sees a room may write in it (a viewer
of the chat too: writing in a channel joins it); a message is edited by its sender
only, and deleted by its sender or by those who manage its room (the superuser here);
its organization is its room's; deleted, it keeps its place in the room. The chat is
a feature of the roles: a user whose roles do not include it is refused every route.
"""

from api.v1.features.chat.choices import RoomType
from tests.contract import ScopedEndpointContract
from tests.tenancy import USERS

from .factories import ChatMessageFactory, ChatRoomFactory

# The world's messages are sent by user_a (in A) and user_b (in B).
SENDERS = {"record_a": "user_a", "record_b": "user_b"}
# Edited by their senders; deleted by them and by those who manage rooms.
SENT = {user: {record for record, sender in SENDERS.items() if sender == user} for user in USERS}


class TestChatMessageAPI(ScopedEndpointContract):
    basename = "chat-message"
    update_payload = {"content": "Changed text"}
    target_field = "room"
    organization_read_only = True
    gated = True
    extra_permissions = ("chat.view_chatroom",)
    creates = {
        "org_a": {"superuser", "user_a", "user_both", "view_only"},
        "org_b": {"superuser", "user_b", "user_both"},
    }
    writes = SENT
    deletes = {user: set(SENDERS) if user == "superuser" else SENT[user] for user in USERS}
    role_decides_writes = False
    factory = ChatMessageFactory

    def create_payload(self, world, organization):
        room = ChatRoomFactory(organization=organization, room_type=RoomType.CHANNEL, messages=0)
        return {"room": room.pk, "content": "Who is in today?", "client_id": "c-1"}

    def make_record(self, world, organization):
        sender = SENDERS["record_a" if organization == world.org_a else "record_b"]
        return ChatMessageFactory(organization=organization, sender=world.users[sender])

    def author_of(self, record):
        return record.sender

    def editor_of(self, record):
        return record.sender

    def search_term(self, record):
        return record.content

    def assert_removed(self, record, client):
        stored = type(record).objects.get(pk=record.pk)
        assert (stored.content, stored.deleted_at is not None) == ("", True)
        body = client.get(self.detail_url(record)).json()
        assert (body["content"], body["attachments"], body["reactions"]) == ("", [], [])
        assert body["deleted_at"] is not None
