import re
import unicodedata

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.base.serializers import MemberOrganizationField
from api.v1.base_models.files.models import FileStorage
from api.v1.base_models.files.serializers import VisibleFileField
from rbac.access import visible_to

from . import services
from .choices import ParticipantRole, RoomType
from .models import MAX_LENGTH, REACTION_LENGTH, ChatMessage, ChatParticipant, ChatRoom

NOT_A_COLLEAGUE = _("Not an active member of the room's organization who may use the chat: {ids}.")
FILE_ELSEWHERE = _("Attach files of the room's organization.")
PARENT_ELSEWHERE = _("Reply to a message of the same room.")
MAX_ATTACHMENTS = 20
CLIENT_ID_HELP = _(
    "Your own id of the message (1 to 64 letters, digits, '-', '_', '.', ':'): sending "
    "again with the same id (after a network drop) stores it once and answers the "
    "message stored the first time."
)


class LastMessageSerializer(serializers.ModelSerializer):
    class Meta:
        model = ChatMessage
        fields = ["id", "sequence", "sender", "content", "created_at", "deleted_at"]
        read_only_fields = fields


class ChatRoomSerializer(serializers.ModelSerializer):
    """A room. `unread_count` and `role` are yours: null in a channel you have not
    joined."""

    organization = MemberOrganizationField(help_text=_("Id of the room's organization."))
    participants = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        write_only=True,
        required=False,
        max_length=1000,
        help_text=_(
            "Ids of colleagues to add (active members of the organization); for a direct "
            "room, the one other person."
        ),
    )
    last_message = LastMessageSerializer(read_only=True, allow_null=True)
    unread_count = serializers.SerializerMethodField()
    role = serializers.SerializerMethodField()

    class Meta:
        model = ChatRoom
        fields = [
            "id",
            "organization",
            "room_type",
            "name",
            "participants",
            "is_archived",
            "archived_at",
            "last_sequence",
            "last_message",
            "unread_count",
            "role",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "is_archived",
            "archived_at",
            "last_sequence",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_unread_count(self, room) -> int | None:
        read = getattr(room, "my_last_read", None)
        return None if read is None else max(room.last_sequence - read, 0)

    @extend_schema_field(serializers.ChoiceField(choices=ParticipantRole.choices, allow_null=True))
    def get_role(self, room) -> str | None:
        return getattr(room, "my_role", None)

    def validate_name(self, value):
        return value.strip()

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if self.instance is not None:
            if "name" in attrs and not attrs["name"] and self.instance.room_type != RoomType.DIRECT:
                raise serializers.ValidationError({"name": [_("Give the room a name.")]})
            return attrs
        room_type = attrs.get("room_type", RoomType.GROUP)
        others = set(attrs.get("participants") or []) - {self.context["request"].user.pk}
        if room_type == RoomType.DIRECT:
            if len(others) != 1:
                raise serializers.ValidationError(
                    {"participants": [_("A direct room is with exactly one other person.")]}
                )
            attrs["name"] = ""
        elif not attrs.get("name"):
            raise serializers.ValidationError({"name": [_("Give the room a name.")]})
        attrs["participants"] = others
        return attrs


class ChatRoomUpdateSerializer(ChatRoomSerializer):
    """A room as renamed: it stays in its organization and keeps its type."""

    organization = serializers.PrimaryKeyRelatedField(read_only=True)
    room_type = serializers.ChoiceField(choices=RoomType.choices, read_only=True)

    class Meta(ChatRoomSerializer.Meta):
        fields = [name for name in ChatRoomSerializer.Meta.fields if name != "participants"]


class ParticipantSerializer(serializers.ModelSerializer):
    """Someone in a room: `last_read_sequence` is how far they have read (read
    receipts); `is_online`, whether they have a chat connection open."""

    username = serializers.CharField(source="user.username", read_only=True)
    full_name = serializers.SerializerMethodField()
    is_online = serializers.SerializerMethodField()

    class Meta:
        model = ChatParticipant
        fields = [
            "user",
            "username",
            "full_name",
            "role",
            "last_read_sequence",
            "is_online",
            "created_at",
        ]
        read_only_fields = ["last_read_sequence", "created_at"]
        extra_kwargs = {"user": {"queryset": get_user_model().objects.none()}}

    def get_full_name(self, membership) -> str:
        return membership.user.get_full_name()

    def get_is_online(self, membership) -> bool:
        return membership.user_id in self.context.get("online", ())

    def get_fields(self):
        fields = super().get_fields()
        fields["user"].queryset = get_user_model().objects.filter(is_active=True)
        return fields


class ParticipantRoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=ParticipantRole.choices)


class ReadSerializer(serializers.Serializer):
    sequence = serializers.IntegerField(
        min_value=0, max_value=2**63 - 1, help_text=_("The number of the last message read.")
    )


class ReadStateSerializer(serializers.Serializer):
    last_read_sequence = serializers.IntegerField()
    unread_count = serializers.IntegerField()


class MessageAttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = FileStorage
        fields = ["id", "original_name", "size", "mime_type"]
        read_only_fields = fields


@extend_schema_field(OpenApiTypes.STR)
class ClientIdField(serializers.RegexField):
    """The sender's own id of a message; null when they gave none."""

    def __init__(self, **kwargs):
        super().__init__(r"^[A-Za-z0-9._:-]{1,64}$", allow_null=True, **kwargs)

    def to_representation(self, value):
        return value or None


SHORT_CODE = re.compile(r"^:[a-z0-9_+-]{1,30}:$")
# An emoji is pictographs, with their modifiers (skin tones, variation selectors,
# keycaps, zero-width joiners); letters, spaces and controls are not.
EMOJI_PARTS = {"So", "Sk", "Mn", "Me", "Cf"}


def _is_emoji(value: str) -> bool:
    kinds = [unicodedata.category(char) for char in value]
    if "So" in kinds:  # pictographs, with only their modifiers around them
        return all(kind in EMOJI_PARTS for kind in kinds)
    # a keycap: "1", a variation selector, U+20E3
    return "\u20e3" in value and all(
        kind in EMOJI_PARTS or char in "0123456789#*"
        for char, kind in zip(value, kinds, strict=True)
    )


class ReactionSerializer(serializers.Serializer):
    emoji = serializers.CharField(
        max_length=REACTION_LENGTH,
        trim_whitespace=False,
        help_text=_("An emoji (👍), or a short code (`:thumbsup:`)."),
    )

    def validate_emoji(self, value):
        if SHORT_CODE.match(value) or _is_emoji(value):
            return value
        raise serializers.ValidationError(_("Give one emoji, or a short code such as :thumbsup:."))


class ReactionSummarySerializer(serializers.Serializer):
    emoji = serializers.CharField()
    count = serializers.IntegerField()
    users = serializers.ListField(child=serializers.IntegerField())


class ChatMessageSerializer(serializers.ModelSerializer):
    """A message. Once deleted, its content is empty and its attachments and reactions
    gone, and `deleted_at` says when; its place (`sequence`) stays. `reactions`: each
    emoji with who reacted with it, in the order they were first used."""

    organization = serializers.IntegerField(
        source="room.organization_id", read_only=True, help_text=_("Id of the room's organization.")
    )
    sender_username = serializers.CharField(
        source="sender.username", read_only=True, allow_null=True
    )
    client_id = ClientIdField(required=False, help_text=CLIENT_ID_HELP)
    content = serializers.CharField(
        max_length=MAX_LENGTH, required=False, allow_blank=True, trim_whitespace=False
    )
    parent = serializers.PrimaryKeyRelatedField(
        queryset=ChatMessage.objects.none(),
        required=False,
        allow_null=True,
        error_messages={"does_not_exist": PARENT_ELSEWHERE},
        help_text=_("The message it replies to, in the same room (a thread)."),
    )
    attachment_ids = VisibleFileField(
        many=True,
        required=False,
        write_only=True,
        help_text=_("Ids of files of the room's organization that you may view (20 at most)."),
    )
    attachments = MessageAttachmentSerializer(many=True, read_only=True)
    reactions = serializers.SerializerMethodField()

    class Meta:
        model = ChatMessage
        fields = [
            "id",
            "organization",
            "room",
            "sequence",
            "sender",
            "sender_username",
            "client_id",
            "content",
            "parent",
            "attachment_ids",
            "attachments",
            "reactions",
            "edited_at",
            "deleted_at",
            "created_at",
        ]
        read_only_fields = ["room", "sequence", "sender", "edited_at", "deleted_at", "created_at"]

    @extend_schema_field(ReactionSummarySerializer(many=True))
    def get_reactions(self, message) -> list[dict]:
        summary: dict[str, list[int]] = {}
        for reaction in message.reactions.all():  # prefetched, in the order given
            summary.setdefault(reaction.emoji, []).append(reaction.user_id)
        return [
            {"emoji": emoji, "count": len(users), "users": users}
            for emoji, users in summary.items()
        ]

    def get_fields(self):
        fields = super().get_fields()
        room = self.context.get("room")
        request = self.context.get("request")
        if room is not None and not fields["parent"].read_only:
            fields["parent"].queryset = ChatMessage.objects.filter(room=room)
        if request is not None and "attachment_ids" in fields:
            fields["attachment_ids"].child_relation.queryset = visible_to(FileStorage, request.user)
        return fields

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if self.instance is not None:
            if "content" in attrs and not attrs["content"].strip():
                raise serializers.ValidationError({"content": [_("Write something.")]})
            return attrs
        room = self.context.get("room") or attrs["room"]
        files = attrs.get("attachment_ids") or []
        if not (attrs.get("content") or "").strip() and not files:
            raise serializers.ValidationError({"content": [_("Write something or attach a file.")]})
        if len(files) > MAX_ATTACHMENTS:
            raise serializers.ValidationError(
                {"attachment_ids": [_("At most {n} files.").format(n=MAX_ATTACHMENTS)]}
            )
        if any(stored.organization_id != room.organization_id for stored in files):
            raise serializers.ValidationError({"attachment_ids": [FILE_ELSEWHERE]})
        parent = attrs.get("parent")
        if parent is not None:
            if parent.room_id != room.pk:
                raise serializers.ValidationError({"parent": [PARENT_ELSEWHERE]})
            attrs["parent"] = parent.parent or parent  # threads are one level deep
        return attrs


class NewMessageSerializer(ChatMessageSerializer):
    """A message sent to /chat/messages/, naming its room."""

    room = serializers.PrimaryKeyRelatedField(
        queryset=ChatRoom.objects.none(),
        help_text=_("The room it goes to: one you may see (writing in a channel joins it)."),
    )

    class Meta(ChatMessageSerializer.Meta):
        read_only_fields = [
            name for name in ChatMessageSerializer.Meta.read_only_fields if name != "room"
        ]
        # Not DRF's validator of the (room, sender, client_id) constraint, which would
        # require a client id: a client id sent again answers the stored message
        # (services.post_message).
        validators = []

    def get_fields(self):
        fields = super().get_fields()
        user = getattr(self.context.get("request"), "user", None)
        if user is not None and user.is_authenticated:
            rooms = services.rooms_visible_to(user)
            fields["room"].queryset = rooms
            fields["parent"].queryset = ChatMessage.objects.filter(room__in=rooms)
        return fields


class ChatMessageEditSerializer(ChatMessageSerializer):
    """A message as edited: its text only."""

    client_id = ClientIdField(read_only=True)
    parent = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    content = serializers.CharField(max_length=MAX_LENGTH, trim_whitespace=False)

    class Meta(ChatMessageSerializer.Meta):
        fields = [name for name in ChatMessageSerializer.Meta.fields if name != "attachment_ids"]


class MessageQuerySerializer(serializers.Serializer):
    """The query of a room's messages (see the view)."""

    after = serializers.IntegerField(required=False, min_value=0, max_value=2**63 - 1)
    before = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    parent = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=200, default=50)

    def validate(self, attrs):
        if "after" in attrs and "before" in attrs:
            raise serializers.ValidationError(_("Use `after` or `before`, not both."))
        return attrs


class MessagePageSerializer(serializers.Serializer):
    results = ChatMessageSerializer(many=True)
    has_more = serializers.BooleanField()
