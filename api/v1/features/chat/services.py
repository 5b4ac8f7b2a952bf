"""What changes a room: opening a direct room, posting, editing and deleting messages,
reacting, reading. Views (and the WebSocket consumer) call these; each runs in one transaction.

Who may see a room (`rooms_visible_to`): the caller's organization role must hold
`chat.view_chatroom` (an active membership), and the caller must be in the room, or the
room is a channel of that organization. Who may manage a room (rename, archive, add and
remove people): its administrators, and whoever holds `chat.change_chatroom` in its
organization.
"""

import json
import logging
from functools import partial

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.serializers.json import DjangoJSONEncoder as JSONEncoder
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError

from api.v1.base_models.organization.models import OrganizationMembership
from audit import bulk
from audit.context import current_context
from core import events
from core.presence import present
from rbac.access import has_perm_in_org, organizations_with_perm

from .choices import ParticipantRole, RoomType
from .models import ChatAttachment, ChatMessage, ChatParticipant, ChatReaction, ChatRoom

VIEW = "chat.view_chatroom"
MESSAGE = "chat.chatmessage"
MANAGE = "chat.change_chatroom"
ARCHIVED = _("The room is archived.")
DELETED = _("The message was deleted.")
MAX_REACTIONS = 20  # per person and message
FEED = "chat"  # core.presence: who has a chat connection open

logger = logging.getLogger(__name__)


# Live delivery (consumers.ChatConsumer): what changes a room is announced, once
# committed, to the channel layer group of the room; what changes who may see it, to
# the group of each user concerned, whose connections check again.
def room_group(room_id) -> str:
    return f"chat.room.{room_id}"


def user_group(user_id) -> str:
    return f"chat.user.{user_id}"


def _send(group: str, message: dict) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, message)
    except Exception:  # the socket is a hint: REST (?after=) is the source of truth
        logger.warning("Could not announce %s to %s", message.get("type"), group, exc_info=True)


def _event(kind: str, room_id, data: dict) -> dict:
    """A room's change as the channel layer carries it: the frame, encoded once for
    all the room's connections."""
    frame = {"type": kind, "room": room_id, "message": data}
    return {"type": "chat.event", "room": room_id, "text": json.dumps(frame, cls=JSONEncoder)}


def represent(message) -> dict:
    """A message as the API and the socket show it."""
    from .serializers import ChatMessageSerializer

    return ChatMessageSerializer(message).data


def _announce(message_id, kind: str) -> None:
    message = message_queryset().filter(pk=message_id).first()
    if message is not None:
        _send(room_group(message.room_id), _event(kind, message.room_id, represent(message)))


def announce(message, kind: str, data: dict | None = None) -> None:
    """Tell the room's connections about `message` ("message", "message_edited",
    "message_deleted", "message_reactions") once the transaction commits: as `data`
    says when given (what was just written), else as it is read then."""
    if data is None:
        transaction.on_commit(partial(_announce, message.pk, kind))
    else:
        event = _event(kind, message.room_id, data)
        transaction.on_commit(partial(_send, room_group(message.room_id), event))


def _queue_notifications(message_id, previous_content=None) -> None:
    from .tasks import notify_chat_message

    try:
        notify_chat_message.delay(message_id, previous_content)
    except Exception:  # the message is stored: a lost notification must not undo it
        logger.warning("Could not queue the notifications of message %s", message_id, exc_info=True)


def changed(message, action: str) -> None:
    """Send the model change event of `message` (core.events), once committed: messages
    are not audited (their volume; docs/decisions.md), but the features that follow
    changes (the search) learn of them all the same. Only its identity: no values."""
    if not events.has_subscribers(MESSAGE, action):
        return
    user = message.sender if action == events.CREATE else None
    events.emit(
        events.ModelEvent(
            action=action,
            model=MESSAGE,
            pk=str(message.pk),
            organization_id=message.room.organization_id,
            actor_id=getattr(user, "pk", None),
            request_id=current_context()[1],
            before=None,
            after=None,
        )
    )


def recheck(user_ids) -> None:
    """Have these users' open connections check again which of their rooms they may
    still see (after they were removed from one, or their membership changed)."""
    for user_id in set(user_ids):
        transaction.on_commit(partial(_send, user_group(user_id), {"type": "chat.recheck"}))


def rooms_visible_to(user, queryset=None):
    """The rooms `user` may see: theirs, and the channels of their organizations (where
    their role may view rooms)."""
    queryset = ChatRoom.objects.all() if queryset is None else queryset
    organizations = organizations_with_perm(user, VIEW)
    if organizations is not None:  # None: a superuser, in every organization
        queryset = queryset.filter(organization_id__in=organizations)
    mine = ChatParticipant.objects.filter(user=user).values("room_id")
    return queryset.filter(Q(pk__in=mine) | Q(room_type=RoomType.CHANNEL))


def message_queryset():
    """Messages with what their representation reads (a constant number of queries)."""
    return ChatMessage.objects.select_related("sender", "room").prefetch_related(
        "attachments", "reactions"
    )


def messages_of(room):
    """A room's messages, with what their representation reads."""
    return message_queryset().filter(room=room)


def online_participants(room) -> set[int]:
    """The ids of the room's participants with a chat connection open (core.presence:
    any connection, several counted once)."""
    ids = ChatParticipant.objects.filter(room=room).values_list("user_id", flat=True)
    return present(FEED, ids)


def participant(room, user) -> ChatParticipant | None:
    return ChatParticipant.objects.filter(room=room, user=user).first()


def join_to_write(room, user) -> None:
    """Writing in a channel (a message, a reaction) joins it: only a channel is visible
    to someone not in it."""
    if room.room_type == RoomType.CHANNEL and participant(room, user) is None:
        add_participants(room, {user.pk})


def may_manage(user, room) -> bool:
    """A room administrator, or someone whose role may change rooms in its organization."""
    if room.room_type == RoomType.DIRECT:
        return False
    if has_perm_in_org(user, MANAGE, room.organization_id):
        return True
    return ChatParticipant.objects.filter(room=room, user=user, role=ParticipantRole.ADMIN).exists()


def colleagues(organization_id, user_ids) -> set[int]:
    """Those of `user_ids` who are active users with an active membership of the
    organization whose role may use the chat."""
    return set(
        OrganizationMembership.objects.filter(
            organization_id=organization_id,
            user_id__in=list(user_ids),
            is_active=True,
            user__is_active=True,
            role__permissions__content_type__app_label="chat",
            role__permissions__codename="view_chatroom",
        )
        .order_by()
        .values_list("user_id", flat=True)
    )


def direct_room(organization, user_id, other_id) -> tuple[ChatRoom, bool]:
    """The direct room of two people (ids) in an organization, created on first use;
    returns (room, created)."""
    low, high = sorted((user_id, other_id))
    key = f"{low}:{high}"
    existing = ChatRoom.objects.filter(organization=organization, direct_key=key).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            room = ChatRoom.objects.create(
                organization=organization, room_type=RoomType.DIRECT, direct_key=key
            )
            for pk in (low, high):  # saved one by one: audited, as every participant
                ChatParticipant.objects.create(room=room, user_id=pk, role=ParticipantRole.MEMBER)
    except IntegrityError:  # opened at the same moment by the other one
        return ChatRoom.objects.get(organization=organization, direct_key=key), False
    return room, True


def create_room(organization, creator, room_type, name, user_ids) -> ChatRoom:
    """A group or channel, its creator its administrator, with these colleagues."""
    with transaction.atomic():
        room = ChatRoom.objects.create(organization=organization, room_type=room_type, name=name)
        ChatParticipant.objects.create(room=room, user=creator, role=ParticipantRole.ADMIN)
        add_participants(room, set(user_ids) - {creator.pk})
    return room


def add_participants(room, user_ids, role=ParticipantRole.MEMBER) -> list[ChatParticipant]:
    """Add these users (colleagues of the room's organization: checked by the caller)
    to the room; those already in it stay as they are."""
    present = set(
        ChatParticipant.objects.filter(room=room, user_id__in=user_ids).values_list(
            "user_id", flat=True
        )
    )
    # One INSERT for all, each still audited (audit.bulk).
    return bulk.bulk_create(
        [
            ChatParticipant(room=room, user_id=user_id, role=role)
            for user_id in sorted(set(user_ids) - present)
        ]
    )


def set_archived(room, archived: bool) -> ChatRoom:
    """Archive the room (read, not written) or take it out of the archive."""
    room.is_archived = archived
    room.archived_at = timezone.now() if archived else None
    room.save(update_fields=["is_archived", "archived_at", "updated_at"])
    return room


def post_message(
    room, sender, *, content="", parent=None, client_id="", attachments=()
) -> tuple[ChatMessage, bool]:
    """Store a message of `sender` in `room` with the room's next number; returns
    (message, created). A message with a `client_id` the sender already used in the room
    is the one stored then (created False), whatever this one says. A new message comes
    with what its representation reads (`represent` runs no query)."""
    with transaction.atomic():
        # The room's row is the lock that numbers its messages one after the other.
        room = ChatRoom.objects.select_for_update().get(pk=room.pk)
        if client_id:
            existing = (
                message_queryset().filter(room=room, sender=sender, client_id=client_id).first()
            )
            if existing is not None:
                return existing, False
        sequence = room.last_sequence + 1
        message = ChatMessage.objects.create(
            room=room,
            sender=sender,
            sequence=sequence,
            client_id=client_id,
            content=content,
            parent=parent,
        )
        files = list(attachments)
        if files:
            ChatAttachment.objects.bulk_create(
                [ChatAttachment(message=message, file=file) for file in files]
            )
        # What message_queryset() would read back: the message is new, nothing else has it.
        message._prefetched_objects_cache = {
            "attachments": sorted(files, key=lambda file: (file.created_at, file.pk), reverse=True),
            "reactions": [],
        }
        ChatRoom.objects.filter(pk=room.pk).update(
            last_sequence=sequence, last_message=message, updated_at=message.created_at
        )
        # What one sends, one has read.
        ChatParticipant.objects.filter(room=room, user=sender).update(last_read_sequence=sequence)
        announce(message, "message", represent(message))
        changed(message, events.CREATE)
        transaction.on_commit(partial(_queue_notifications, message.pk))
    return message, True


def edit_message(message, content) -> ChatMessage:
    if message.deleted_at is not None:
        raise ValidationError({"content": [_("A deleted message cannot be edited.")]})
    previous = message.content
    message.content = content
    message.edited_at = timezone.now()
    message.save(update_fields=["content", "edited_at", "updated_at"])
    announce(message, "message_edited")
    changed(message, events.UPDATE)
    transaction.on_commit(partial(_queue_notifications, message.pk, previous))
    return message


def delete_message(message) -> ChatMessage:
    """Soft: the content, the attachments and the reactions go, the place in the room
    stays."""
    with transaction.atomic():
        message.content = ""
        message.deleted_at = timezone.now()
        message.save(update_fields=["content", "deleted_at", "updated_at"])
        ChatAttachment.objects.filter(message=message).delete()
        ChatReaction.objects.filter(message=message).delete()
        announce(message, "message_deleted")
        changed(message, events.UPDATE)
    return message


def react(message, user, emoji: str, *, add: bool = True) -> bool:
    """Add (or take back) `user`'s reaction `emoji` to a message; returns whether
    anything changed. The room's connections are told (`message_reactions`)."""
    if message.deleted_at is not None:
        raise ValidationError({"message": [DELETED]})
    with transaction.atomic():
        mine = ChatReaction.objects.filter(message=message, user=user)
        if not add:
            changed = mine.filter(emoji=emoji).delete()[0] > 0
        elif mine.filter(emoji=emoji).exists():
            changed = False
        elif mine.count() >= MAX_REACTIONS:
            raise ValidationError(
                {"emoji": [_("At most {n} reactions per message.").format(n=MAX_REACTIONS)]}
            )
        else:
            try:
                with transaction.atomic():
                    ChatReaction.objects.create(message=message, user=user, emoji=emoji)
                changed = True
            except IntegrityError:  # the same reaction, sent twice at the same moment
                changed = False
        if changed:
            announce(message, "message_reactions")
    return changed


def remove_participant(membership) -> None:
    """Take someone out of a room: their open connections stop receiving it at once."""
    membership.delete()
    recheck([membership.user_id])


def mark_read(membership, sequence: int) -> ChatParticipant:
    """Read up to `sequence` (never backwards, never past the last message)."""
    last = ChatRoom.objects.filter(pk=membership.room_id).values_list("last_sequence", flat=True)
    target = min(sequence, last.get())
    moved = ChatParticipant.objects.filter(pk=membership.pk, last_read_sequence__lt=target).update(
        last_read_sequence=target
    )
    membership.refresh_from_db(fields=["last_read_sequence"])
    if moved:  # read receipts: the room's connections learn how far they have read
        receipt = {
            "type": "chat.receipt",
            "room": membership.room_id,
            "user": membership.user_id,
            "last_read_sequence": membership.last_read_sequence,
        }
        transaction.on_commit(partial(_send, room_group(membership.room_id), receipt))
    return membership
