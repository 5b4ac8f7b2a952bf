"""`ws/chat/`: one connection for all of a user's rooms.

The client subscribes to the rooms it shows, then sends and receives over the socket
(JSON text frames, each with a `type`):

- `{"type": "subscribe", "room": 12}` -> `{"type": "subscribed", "room": 12,
  "last_sequence": 41, "online": [5, 9]}` (the participants with a chat connection
  open); `{"type": "unsubscribe", "room": 12}` -> `unsubscribed`;
- `{"type": "message", "room": 12, "content": "...", "client_id": "...", "parent": 7,
  "attachment_ids": [3]}` -> `{"type": "ack", "client_id": "...", "created": true,
  "message": {...}}` to the sender; every connection subscribed to the room (the
  sender's included) gets `{"type": "message", "room": 12, "message": {...}}`, and
  `message_edited` / `message_deleted` when one changes (also when changed over REST);
- `{"type": "react", "message": 7, "emoji": "👍", "add": true}` (false to take it back)
  -> `{"type": "reacted", "room": 12, "message": 7, "emoji": "👍", "add": true,
  "changed": true}`, and, when it changed something, every subscriber gets
  `{"type": "message_reactions", "room": 12, "message": {...}}` with its reactions;
- presence: when a participant's first chat connection opens, or their last closes,
  the room's connections get `{"type": "presence", "room": 12, "user": 5, "username":
  "ann", "online": true}` (several tabs are one presence; see core.presence);
- `{"type": "typing", "room": 12, "is_typing": true}`: the room's other connections get
  `{"type": "typing", "room": 12, "user": 5, "username": "ann", "is_typing": true}`
  (not stored);
- `{"type": "read", "room": 12, "sequence": 41}` -> `{"type": "read", "room": 12,
  "last_read_sequence": 41, "unread_count": 0}`; when it moved (over the socket or
  REST), every subscriber gets `{"type": "read_receipt", "room": 12, "user": 5,
  "last_read_sequence": 41}` (read receipts);
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
from rest_framework.exceptions import ValidationError

from core.consumers import AuthenticatedJsonConsumer
from core.presence import PresenceMixin
from rbac.access import clear_cache, organizations_with_perm

from . import services
from .fanout import OutboxMixin, fanout_for
from .models import ChatMessage, ChatParticipant, ChatRoom
from .serializers import ChatMessageSerializer, ReactionSerializer, ReadSerializer

CLOSE_FORBIDDEN = 4403
NO_SUCH_ROOM = "No such room."
NO_SUCH_MESSAGE = "No such message."
READ_ONLY_KEY = "A read-only API key cannot change anything."
MAX_ID = 2**63 - 1


def _id(content, key="room"):
    value = content.get(key)
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID:
        return value
    return None


def _room_id(content):
    return _id(content, "room")


class ChatConsumer(OutboxMixin, PresenceMixin, AuthenticatedJsonConsumer):
    """A room's events reach its subscribed connections through the process's
    RoomFanout (fanout.py); a user's own (`chat.recheck`) through the connection's
    channel."""

    presence_feed = services.FEED

    async def connect(self):
        await super().connect()
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            return
        self.rooms: set[int] = set()
        if not await database_sync_to_async(self._uses_chat)():
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.fanout = fanout_for(self.channel_layer)
        self.start_outbox()
        await self.channel_layer.group_add(services.user_group(user.pk), self.channel_name)
        await self.start_presence()

    async def disconnect(self, code):
        user = self.scope.get("user")
        for room in getattr(self, "rooms", ()):
            await self.fanout.unsubscribe(room, self)
        self.stop_outbox()
        if user is not None and user.is_authenticated:
            await self.channel_layer.group_discard(services.user_group(user.pk), self.channel_name)
        await super().disconnect(code)

    # ------------------------------------------------------------------ permissions
    def _fresh_user(self):
        user = self.scope["user"]
        clear_cache(user)  # the memberships as they are now, not at connect
        return user

    def _uses_chat(self) -> bool:
        user = self._fresh_user()
        if not type(user).objects.filter(pk=user.pk, is_active=True).exists():
            return False  # deactivated since the connection opened
        organizations = organizations_with_perm(user, services.VIEW)
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
            "react": self.react,
            "typing": self.typing,
            "read": self.read,
            "ping": self.ping,
        }.get(kind)
        if handler is None:
            await self.error("Unknown message type.")
            return
        async with self.turn:
            await handler(content)

    async def error(self, detail, **extra):
        await self.send_json({"type": "error", "detail": detail, **extra})

    async def ping(self, content):
        await self.send_json({"type": "pong"})

    async def subscribe(self, content):
        room_id = _room_id(content)
        found = await database_sync_to_async(self._subscription)(room_id) if room_id else None
        if found is None:
            await self.error(NO_SUCH_ROOM, room=content.get("room"))
            return
        room, online = found
        await self.fanout.subscribe(room.pk, self)
        self.rooms.add(room.pk)
        await self.send_json(
            {
                "type": "subscribed",
                "room": room.pk,
                "last_sequence": room.last_sequence,
                "online": sorted(online),
            }
        )

    def _subscription(self, room_id):
        room = self._visible(room_id)
        return None if room is None else (room, services.online_participants(room))

    async def unsubscribe(self, content):
        room_id = _room_id(content)
        if room_id in self.rooms:
            await self._leave(room_id)
        await self.send_json({"type": "unsubscribed", "room": room_id})

    async def _leave(self, room_id):
        self.rooms.discard(room_id)
        await self.fanout.unsubscribe(room_id, self)

    def _read_only(self) -> bool:
        api_key = self.scope.get("api_key")
        return api_key is not None and api_key.read_only

    async def send_message(self, content):
        client_id = content.get("client_id") if isinstance(content.get("client_id"), str) else None
        if self._read_only():
            await self.error(READ_ONLY_KEY, client_id=client_id)
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
        services.join_to_write(room, user)
        message, created = services.post_message(
            room,
            user,
            content=data.get("content", ""),
            parent=data.get("parent"),
            client_id=data.get("client_id") or "",
            attachments=data.get("attachment_ids", []),
        )
        return {"type": "ack", "created": created, "message": services.represent(message)}

    async def react(self, content):
        if self._read_only():
            await self.error(READ_ONLY_KEY, message=content.get("message"))
            return
        await self.send_json(await database_sync_to_async(self._react)(content))

    def _react(self, content) -> dict:
        message_id = _id(content, "message")
        message = None
        if message_id:
            rooms = services.rooms_visible_to(self._fresh_user())
            message = ChatMessage.objects.filter(pk=message_id, room__in=rooms).first()
        if message is None:
            return {"type": "error", "detail": NO_SUCH_MESSAGE, "message": content.get("message")}
        room = ChatRoom.objects.get(pk=message.room_id)
        problem = {"type": "error", "message": message.pk, "room": room.pk}
        if room.is_archived:
            return {**problem, "detail": str(services.ARCHIVED)}
        serializer = ReactionSerializer(data={"emoji": content.get("emoji")})
        if not serializer.is_valid():
            return {**problem, "detail": "Not a reaction.", "errors": serializer.errors}
        adding = content.get("add", True) is not False
        user = self.scope["user"]
        if adding:
            services.join_to_write(room, user)
        emoji = serializer.validated_data["emoji"]
        try:
            changed = services.react(message, user, emoji, add=adding)
        except ValidationError as refused:
            return {**problem, "detail": "Not a reaction.", "errors": refused.detail}
        return {
            "type": "reacted",
            "room": room.pk,
            "message": message.pk,
            "emoji": emoji,
            "add": adding,
            "changed": changed,
        }

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
        """A room's change (services.announce), for its subscribers: the frame comes
        encoded, once for all of them."""
        if event["room"] in self.rooms:
            await self.send(text_data=event["text"])

    async def chat_receipt(self, event):
        """Someone read further (services.mark_read): read receipts."""
        if event["room"] in self.rooms:
            message = {key: event[key] for key in ("room", "user", "last_read_sequence")}
            await self.send_json({"type": "read_receipt", **message})

    async def chat_typing(self, event):
        if event["sender"] != self.channel_name and event["room"] in self.rooms:
            message = {key: event[key] for key in ("room", "user", "username", "is_typing")}
            await self.send_json({"type": "typing", **message})

    async def presence_changed(self, online: bool) -> None:
        """Tell the rooms of the user that they came or went (core.presence)."""
        user = self.scope["user"]
        rooms = await database_sync_to_async(self._my_rooms)()
        event = {"type": "chat.presence", "user": user.pk, "username": user.get_username()}
        for room_id in rooms:
            await self.channel_layer.group_send(
                services.room_group(room_id), {**event, "room": room_id, "online": online}
            )

    def _my_rooms(self) -> list[int]:
        return list(
            ChatParticipant.objects.filter(user=self.scope["user"]).values_list(
                "room_id", flat=True
            )
        )

    async def chat_presence(self, event):
        if event["room"] in self.rooms:
            message = {key: event[key] for key in ("room", "user", "username", "online")}
            await self.send_json({"type": "presence", **message})

    async def chat_recheck(self, event):
        """Who may see what changed (services.recheck): check every subscription."""
        if not await database_sync_to_async(self._uses_chat)():
            await self.close(code=CLOSE_FORBIDDEN)
            return
        for room_id in sorted(self.rooms):
            if await database_sync_to_async(self._visible)(room_id) is None:
                await self._leave(room_id)
                await self.send_json({"type": "unsubscribed", "room": room_id, "reason": "removed"})
