"""Chat messages in the search (core.searching): found by those who see their room (its
participants; a channel's organization), until deleted."""

from django.db.models import Q

from core.searching import declare

from .models import ChatMessage
from .services import rooms_visible_to


def visible_messages(user):
    return ChatMessage.objects.filter(room__in=rooms_visible_to(user))


declare(
    ChatMessage,
    fields={"content": "A"},
    title=str,
    route="api-v1:chat-room-message-detail",
    url_kwargs=lambda message: {"room_pk": message.room_id, "pk": message.pk},
    visible=visible_messages,
    where=Q(deleted_at__isnull=True),
)
