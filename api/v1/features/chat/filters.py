import django_filters

from core.filters import FilterSet, StrictBooleanFilter, created_between

from .models import ChatMessage, ChatRoom


class ChatRoomFilter(FilterSet):
    is_archived = StrictBooleanFilter()

    class Meta:
        model = ChatRoom
        fields = ["organization", "room_type", "is_archived"]


class ChatMessageFilter(FilterSet):
    # By id, not as choices among every room and user: a filter must not tell which
    # rooms exist (an id of a room the caller does not see simply matches nothing).
    room = django_filters.NumberFilter(field_name="room_id", help_text="Id of a room.")
    sender = django_filters.NumberFilter(field_name="sender_id", help_text="Id of its sender.")
    parent = django_filters.NumberFilter(
        field_name="parent_id", help_text="Id of a message: its thread's replies."
    )
    organization = django_filters.NumberFilter(
        field_name="room__organization_id", help_text="Id of the rooms' organization."
    )
    created_after, created_before = created_between()

    class Meta:
        model = ChatMessage
        fields = ["room", "sender", "parent", "organization", "created_after", "created_before"]
