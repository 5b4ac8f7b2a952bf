from core.filters import FilterSet, StrictBooleanFilter

from .models import ChatRoom


class ChatRoomFilter(FilterSet):
    is_archived = StrictBooleanFilter()

    class Meta:
        model = ChatRoom
        fields = ["organization", "room_type", "is_archived"]
