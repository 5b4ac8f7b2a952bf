"""Notifications about chat messages (notifications.send_notification), made in the
background once a message is committed:

- the people a message mentions (`@username`) get `chat_mention`, connected or not:
  its participants, or for a channel anyone of the organization who may read it; an
  edit notifies only those it newly mentions;
- the other participants of a direct or group room who have no chat connection open
  (core.presence) get `direct_message` or `chat_message`; a channel's messages notify
  no one who is not mentioned (a channel is read when one looks at it).

send_notification collapses a burst: an unread notification of the same type about the
same room, younger than NOTIFICATION_COLLAPSE_WINDOW, is counted up rather than
repeated (and not emailed again), so a conversation notifies once, not per message. It
also applies everyone's preferences and leaves out whoever may no longer read the room.
"""

from core.presence import present
from notifications.mentions import resolve_mentions
from notifications.services import send_notification

from . import services
from .choices import RoomType
from .models import ChatMessage, ChatParticipant

MENTION = "chat_mention"
DIRECT = "direct_message"
MESSAGE = "chat_message"
EXCERPT = 500


def notify_message(message_id: int, previous_content: str | None = None) -> None:
    """Notify about a message just posted, or just edited (`previous_content` given)."""
    message = ChatMessage.objects.select_related("room", "sender").filter(pk=message_id).first()
    if message is None or message.deleted_at is not None:
        return
    room, sender = message.room, message.sender
    members = set(ChatParticipant.objects.filter(room=room).values_list("user_id", flat=True)) - {
        message.sender_id
    }
    mentioned = resolve_mentions(message.content, room)
    if room.room_type != RoomType.CHANNEL:
        mentioned &= members  # a group is read by its participants only
    if previous_content is not None:
        mentioned -= resolve_mentions(previous_content, room)
    name = (sender.get_full_name() or sender.get_username()) if sender else "Someone"
    where = f"#{room.name}" if room.room_type == RoomType.CHANNEL else room.name
    common = {
        "target": room,
        "organization": room.organization_id,
        "actor": sender,
        "action_url": f"/api/v1/chat/rooms/{room.pk}/",  # with its unread count
        "action_text": "Open the conversation",
    }
    text = message.content[:EXCERPT]
    if mentioned:
        title = f"{name} mentioned you in {where}" if where else f"{name} mentioned you"
        send_notification(mentioned, MENTION, title[:255], text, **common)
    if previous_content is not None or room.room_type == RoomType.CHANNEL:
        return
    away = members - mentioned - present(services.FEED, members)
    if not away:
        return
    if room.room_type == RoomType.DIRECT:
        send_notification(away, DIRECT, f"{name} sent you a message"[:255], text, **common)
    else:
        send_notification(away, MESSAGE, f"{name} wrote in {where}"[:255], text, **common)
