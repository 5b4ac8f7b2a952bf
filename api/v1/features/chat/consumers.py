"""`ws/chat/`: one connection for all of a user's rooms.

The client subscribes to the rooms it shows, then sends and receives over the socket
(JSON text frames, each with a `type`):

- `{"type": "subscribe", "room": 12}` -> `{"type": "subscribed", "room": 12,
  "last_sequence": 41}`; `{"type": "unsubscribe", "room": 12}` -> `unsubscribed`;
- `{"type": "message", "room": 12, "content": "...", "client_id": "...", "parent": 7,
  "attachment_ids": [3]}` -> `{"type": "ack", "client_id": "...", "created": true,
  "message": {...}}` to the sender; every connection subscribed to the room (the
  sender's included) gets `{"type": "message", "room": 12, "message": {...}}`, and
  `message_edited` / `message_deleted` when one changes (also when changed over REST);
- `{"type": "typing", "room": 12, "is_typing": true}`: the room's other connections get
  `{"type": "typing", "room": 12, "user": 5, "username": "ann", "is_typing": true}`
  (not stored);
- `{"type": "read", "room": 12, "sequence": 41}` -> `{"type": "read", "room": 12,
  "last_read_sequence": 41, "unread_count": 0}`;
- `{"type": "ping"}` -> `{"type": "pong"}`.

Messages carry their room's `sequence`: a client that sees a gap (or reconnects) gets
what it missed with `GET /api/v1/chat/rooms/{id}/messages/?after=<last sequence>`; the
database is the source of truth, the socket a fast path. A frame that cannot be done
gets `{"type": "error", "detail": "...", ...}` (with the field errors and the
`client_id` of a refused message) and changes nothing; the connection stays open.

Who may see a room is checked on subscribing, on every write, and again whenever it
may have changed (removed from a room, a membership changed: services.recheck), with
the permissions read afresh each time (rbac's cache belongs to one request): a user
who may no longer see a room is unsubscribed from it at once (`{"type":
"unsubscribed", "room": 12, "reason": "removed"}`), and a connection whose user may no
longer chat at all is closed (4403).
"""

from types import SimpleNamespace

from channels.db import database_sync_to_async

from core.consumers import AuthenticatedJsonConsumer
from core.presence import PresenceMixin
from rbac.access import clear_cache, organizations_with_perm

from . import services
from .models import ChatRoom
from .serializers import ChatMessageSerializer, ReadSerializer

CLOSE_FORBIDDEN = 4403
FEED = "chat"
NO_SUCH_ROOM = "No such room."
MAX_ID = 2**63 - 1


def _room_id(content):
    room = content.get("room")
    if isinstance(room, int) and not isinstance(room, bool) and 0 < room <= MAX_ID:
        return room
    return None


class ChatConsumer(PresenceMixin, AuthenticatedJsonConsumer):
    presence_feed = FEED

    async def connect(self):
        await super().connect()
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            return
        self.rooms: set[int] = set()
        if not await database_sync_to_async(self._uses_chat)():
            await self.close(code=CLOSE_FORBIDDEN)
            return
        await self.channel_layer.group_add(services.user_group(user.pk), self.channel_name)
        await self.start_presence()

    async def disconnect(self, code):
        user = self.scope.get("user")
        for room in getattr(self, "rooms", ()):
            await self.channel_layer.group_discard(services.room_group(room), self.channel_name)
        if user is not None and user.is_authenticated:
            await self.channel_layer.group_discard(services.user_group(user.pk), self.channel_name)
        await super().disconnect(code)

    # ------------------------------------------------------------------ permissions
    def _fresh_user(self):
        user = self.scope["user"]
        clear_cache(user)  # the memberships as they are now, not at connect
        return user

    def _uses_chat(self) -> bool:
        organizations = organizations_with_perm(self._fresh_user(), services.VIEW)
        return organizations is None or bool(organizations)

    def _visible(self, room_id) -> ChatRoom | None:
        return services.rooms_visible_to(self._fresh_user()).filter(pk=room_id).first()

    # ------------------------------------------------------------------ frames
    async def receive_json(self, content, **kwargs):
        kind = content.get("type") if isinstance(content, dict) else None
        handler = {
            "subscribe": self.subscribe,
            "unsubscribe": self.unsubscribe,
            "message": self.send_message,
            "typing": self.typing,
            "read": self.read,
            "ping": self.ping,
        }.get(kind)
        if handler is None:
            await self.error("Unknown message type.")
            return
        await handler(content)

    async def error(self, detail, **extra):
        await self.send_json({"type": "error", "detail": detail, **extra})

    async def ping(self, content):
        await self.send_json({"type": "pong"})

    async def subscribe(self, content):
        room_id = _room_id(content)
        room = await database_sync_to_async(self._visible)(room_id) if room_id else None
        if room is None:
            await self.error(NO_SUCH_ROOM, room=content.get("room"))
            return
        await self.channel_layer.group_add(services.room_group(room.pk), self.channel_name)
        self.rooms.add(room.pk)
        await self.send_json(
            {"type": "subscribed", "room": room.pk, "last_sequence": room.last_sequence}
        )

    async def unsubscribe(self, content):
        room_id = _room_id(content)
        if room_id in self.rooms:
            await self._leave(room_id)
        await self.send_json({"type": "unsubscribed", "room": room_id})

    async def _leave(self, room_id):
        self.rooms.discard(room_id)
        await self.channel_layer.group_discard(services.room_group(room_id), self.channel_name)

    async def send_message(self, content):
        client_id = content.get("client_id") if isinstance(content.get("client_id"), str) else None
        api_key = self.scope.get("api_key")
        if api_key is not None and api_key.read_only:
            await self.error("A read-only API key cannot send messages.", client_id=client_id)
            return
        answer = await database_sync_to_async(self._post)(content)
        await self.send_json({**answer, "client_id": client_id})

    def _post(self, content) -> dict:
        room_id = _room_id(content)
        room = self._visible(room_id) if room_id else None
        if room is None:
            return {"type": "error", "detail": NO_SUCH_ROOM, "room": content.get("room")}
        if room.is_archived:
            return {"type": "error", "detail": str(services.ARCHIVED), "room": room.pk}
        user = self.scope["user"]
        payload = {key: value for key, value in content.items() if key not in ("type", "room")}
        context = {"room": room, "request": SimpleNamespace(user=user)}
        serializer = ChatMessageSerializer(data=payload, context=context)
        if not serializer.is_valid():
            return {
                "type": "error",
                "detail": "The message was not sent.",
                "errors": serializer.errors,
                "room": room.pk,
            }
        data = serializer.validated_data
        if services.participant(room, user) is None:
            services.add_participants(room, {user.pk})  # a channel: writing joins it
        message, created = services.post_message(
            room,
            user,
            content=data.get("content", ""),
            parent=data.get("parent"),
            client_id=data.get("client_id") or "",
            attachments=data.get("attachment_ids", []),
        )
        stored = services.messages_of(room).get(pk=message.pk)
        return {"type": "ack", "created": created, "message": ChatMessageSerializer(stored).data}

    async def typing(self, content):
        room_id = _room_id(content)
        if room_id not in self.rooms:
            await self.error("Subscribe to the room first.", room=content.get("room"))
            return
        user = self.scope["user"]
        await self.channel_layer.group_send(
            services.room_group(room_id),
            {
                "type": "chat.typing",
                "room": room_id,
                "user": user.pk,
                "username": user.get_username(),
                "is_typing": content.get("is_typing") is True,
                "sender": self.channel_name,
            },
        )

    async def read(self, content):
        answer = await database_sync_to_async(self._read)(content)
        await self.send_json(answer)

    def _read(self, content) -> dict:
        room_id = _room_id(content)
        room = self._visible(room_id) if room_id else None
        membership = services.participant(room, self.scope["user"]) if room else None
        if membership is None:
            return {"type": "error", "detail": NO_SUCH_ROOM, "room": content.get("room")}
        serializer = ReadSerializer(data={"sequence": content.get("sequence")})
        if not serializer.is_valid():
            return {"type": "error", "detail": "Give the sequence read.", "room": room.pk}
        membership = services.mark_read(membership, serializer.validated_data["sequence"])
        room.refresh_from_db(fields=["last_sequence"])
        return {
            "type": "read",
            "room": room.pk,
            "last_read_sequence": membership.last_read_sequence,
            "unread_count": max(room.last_sequence - membership.last_read_sequence, 0),
        }

    # ------------------------------------------------------------------ channel layer
    async def chat_event(self, event):
        """A room's change (services.announce), for its subscribers."""
        message = event["event"]
        if message.get("room") in self.rooms:
            await self.send_json(message)

    async def chat_typing(self, event):
        if event["sender"] != self.channel_name and event["room"] in self.rooms:
            message = {key: event[key] for key in ("room", "user", "username", "is_typing")}
            await self.send_json({"type": "typing", **message})

    async def chat_recheck(self, event):
        """Who may see what changed (services.recheck): check every subscription."""
        if not await database_sync_to_async(self._uses_chat)():
            await self.close(code=CLOSE_FORBIDDEN)
            return
        for room_id in sorted(self.rooms):
            if await database_sync_to_async(self._visible)(room_id) is None:
                await self._leave(room_id)
                await self.send_json({"type": "unsubscribed", "room": room_id, "reason": "removed"})
