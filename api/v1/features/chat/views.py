"""`/api/v1/chat/`: rooms, who is in them, and their messages, over REST (the same
as the WebSocket, and how a client catches up after a gap).

A room the caller may not see is a 404 on every route, as if it did not exist (see
services.rooms_visible_to).
"""

from django.db.models import OuterRef, Subquery
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from audit.views import AuditHistoryMixin
from core.conditional import ConditionalDestroyMixin, ConditionalUpdateMixin
from core.inputs import primary_key_or_none
from rbac.access import has_perm_in_org, organizations_with_perm

from . import services
from .choices import ParticipantRole, RoomType
from .filters import ChatMessageFilter, ChatRoomFilter
from .models import ChatMessage, ChatParticipant, ChatRoom
from .serializers import (
    NOT_A_COLLEAGUE,
    ChatMessageEditSerializer,
    ChatMessageSerializer,
    ChatRoomSerializer,
    ChatRoomUpdateSerializer,
    MessagePageSerializer,
    MessageQuerySerializer,
    NewMessageSerializer,
    ParticipantRoleSerializer,
    ParticipantSerializer,
    ReactionSerializer,
    ReadSerializer,
    ReadStateSerializer,
)

TAGS = ["chat"]


class UsesChat(BasePermission):
    """Someone whose role in one of their organizations may use the chat
    (chat.view_chatroom), and to open a room may open rooms in one of them
    (chat.add_chatroom), as for any other record; which rooms they reach is
    services.rooms_visible_to."""

    message = _("None of your roles includes the chat.")
    no_add = _("None of your roles may open rooms.")

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        organizations = organizations_with_perm(user, services.VIEW)
        if organizations == []:
            return False
        opens_room = getattr(view, "action", None) == "create" and isinstance(view, ChatRoomViewSet)
        if opens_room and organizations_with_perm(user, "chat.add_chatroom") == []:
            raise PermissionDenied(self.no_add)
        return True

    def describe_access(self, view) -> str:
        action = getattr(view, "action", None)
        who = ACCESS.get(action, ACCESS[None])
        if isinstance(view, MessageViewSet):
            who = MESSAGE_ACCESS.get(action, MESSAGE_ACCESS[None])
        return f"{USES_CHAT} {who}"


USES_CHAT = "Users whose role may use the chat (`chat.view_chatroom`), in rooms they may see:"
MANAGERS = "its room administrators, and those with `chat.change_chatroom` in its organization."
READERS = "its participants, and anyone of its organization for a channel."
ACCESS = {
    None: READERS,
    "create": "with `chat.add_chatroom` in the organization.",
    **dict.fromkeys(("update", "partial_update", "archive", "unarchive", "participant"), MANAGERS),
    "participants": f"{READERS} Adding people: {MANAGERS}",
    "join": "anyone of the channel's organization.",
    "leave": "its participants.",
    "read": "its participants.",
    "messages": f"{READERS} Writing in a channel joins it.",
}
MESSAGE_ACCESS = {
    None: READERS,
    "reactions": "its participants, and anyone of its organization for a channel (reacting "
    "in a channel joins it).",
    "update": "the message's sender.",
    "partial_update": "the message's sender.",
    "destroy": "the message's sender, and the room's administrators.",
}


NOT_MANAGER = _("Only the room's administrators may do this.")


def _room_queryset(user):
    mine = ChatParticipant.objects.filter(room=OuterRef("pk"), user=user)
    return (
        services.rooms_visible_to(user)
        .select_related("last_message")
        .annotate(
            my_last_read=Subquery(mine.values("last_read_sequence")[:1]),
            my_role=Subquery(mine.values("role")[:1]),
        )
    )


def visible_room(user, pk) -> ChatRoom:
    room = _room_queryset(user).filter(pk=primary_key_or_none(ChatRoom, pk)).first()
    if room is None:
        raise NotFound(_("No such room."))
    return room


def _check_colleagues(organization_id, user_ids, field="participants") -> None:
    """400 naming `field` unless every one of `user_ids` may chat in the organization."""
    outside = set(user_ids) - services.colleagues(organization_id, user_ids)
    if outside:
        ids = ", ".join(str(pk) for pk in sorted(outside))
        raise ValidationError({field: [NOT_A_COLLEAGUE.format(ids=ids)]})


def list_messages(request, room) -> Response:
    """A page of the room's messages (see ChatRoomViewSet.messages)."""
    query = MessageQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    params = query.validated_data
    messages = services.messages_of(room)
    if "parent" in params:
        messages = messages.filter(parent_id=params["parent"])
    limit = params["limit"]
    if "after" in params:
        page = list(messages.filter(sequence__gt=params["after"]).order_by("sequence")[: limit + 1])
        has_more = len(page) > limit
        page = page[:limit]
    else:
        if "before" in params:
            messages = messages.filter(sequence__lt=params["before"])
        page = list(messages.order_by("-sequence")[: limit + 1])
        has_more = len(page) > limit
        page = page[:limit][::-1]
    context = {"request": request, "room": room}
    data = ChatMessageSerializer(page, many=True, context=context).data
    return Response({"results": data, "has_more": has_more})


def send_message(request, room=None) -> tuple[ChatMessage, bool]:
    """Store a message of the caller in `room` (a room's `messages/`), or in the room its
    body names (/chat/messages/); returns (message, created) as services.post_message."""
    if room is None:
        serializer = NewMessageSerializer(data=request.data, context={"request": request})
    else:
        serializer = ChatMessageSerializer(
            data=request.data, context={"request": request, "room": room}
        )
    serializer.is_valid(raise_exception=True)
    data = serializer.validated_data
    room = room or data["room"]
    if room.is_archived:
        raise ValidationError({"detail": services.ARCHIVED})
    services.join_to_write(room, request.user)
    return services.post_message(
        room,
        request.user,
        content=data.get("content", ""),
        parent=data.get("parent"),
        client_id=data.get("client_id") or "",
        attachments=data.get("attachment_ids", []),
    )


def sent(request, message, created) -> Response:
    """The answer to a message sent: 201, or 200 for one sent before with its client id."""
    answer = ChatMessageSerializer(message, context={"request": request})  # no query
    return Response(answer.data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


@extend_schema_view(
    list=extend_schema(
        tags=TAGS,
        summary="Your rooms",
        description="The rooms you are in and the channels of your organizations, most "
        "recently active first, each with its last message and your unread count.",
    ),
    retrieve=extend_schema(tags=TAGS, summary="A room"),
    create=extend_schema(
        tags=TAGS,
        summary="Open a room",
        description="A group or a channel (you are its administrator), or the direct room "
        "with one colleague: that one is created on first use and answered (200) after.",
        responses={201: ChatRoomSerializer, 200: ChatRoomSerializer},
    ),
    update=extend_schema(tags=TAGS, summary="Rename a room"),
    partial_update=extend_schema(tags=TAGS, summary="Rename a room"),
)
class ChatRoomViewSet(
    ConditionalUpdateMixin,  # rooms are archived, not deleted
    AuditHistoryMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Chat rooms: direct, group and organization channels."""

    queryset = ChatRoom.objects.all()  # narrowed per caller in get_queryset
    serializer_class = ChatRoomSerializer
    permission_classes = [UsesChat]
    filterset_class = ChatRoomFilter
    search_fields = ["name"]
    ordering_fields = ["updated_at", "created_at", "name", "id"]
    json_filter_fields = ("name", "room_type", "is_archived", "organization", "created_at")

    def get_queryset(self):
        return _room_queryset(self.request.user).order_by("-updated_at", "-id")

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return ChatRoomUpdateSerializer
        return ChatRoomSerializer

    def get_object(self):
        return visible_room(self.request.user, self.kwargs["pk"])

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        organization = data["organization"]
        if not has_perm_in_org(request.user, "chat.add_chatroom", organization):
            raise PermissionDenied(_("Your role may not open rooms in this organization."))
        _check_colleagues(organization.pk, data["participants"])
        created = True
        if data.get("room_type") == RoomType.DIRECT:
            (other,) = data["participants"]
            room, created = services.direct_room(organization, request.user.pk, other)
        else:
            room = services.create_room(
                organization,
                request.user,
                data.get("room_type", RoomType.GROUP),
                data["name"],
                data["participants"],
            )
        answer = ChatRoomSerializer(
            visible_room(request.user, room.pk), context={"request": request}
        )
        self._etag_record = (ChatRoom, room.pk)  # the answer's ETag, as a read's
        return Response(
            answer.data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )

    def perform_update(self, serializer):
        room = serializer.instance
        if not services.may_manage(self.request.user, room):
            raise PermissionDenied(NOT_MANAGER)
        serializer.save()

    def _managed(self, request, pk) -> ChatRoom:
        room = visible_room(request.user, pk)
        if not services.may_manage(request.user, room):
            raise PermissionDenied(NOT_MANAGER)
        return room

    def _answer(self, request, pk):
        return Response(self.get_serializer(visible_room(request.user, pk)).data)

    @extend_schema(tags=TAGS, summary="Archive a room", request=None, responses=ChatRoomSerializer)
    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        services.set_archived(self._managed(request, pk), True)
        return self._answer(request, pk)

    @extend_schema(
        tags=TAGS,
        summary="Take a room out of the archive",
        request=None,
        responses=ChatRoomSerializer,
    )
    @action(detail=True, methods=["post"])
    def unarchive(self, request, pk=None):
        services.set_archived(self._managed(request, pk), False)
        return self._answer(request, pk)

    @extend_schema(
        tags=TAGS,
        summary="Join a channel",
        description="Channels only: anyone of the organization who may use the chat joins.",
        request=None,
        responses=ChatRoomSerializer,
    )
    @action(detail=True, methods=["post"])
    def join(self, request, pk=None):
        room = visible_room(request.user, pk)
        if room.room_type != RoomType.CHANNEL:
            raise ValidationError(
                {"detail": _("Only channels can be joined; ask a room administrator.")}
            )
        services.add_participants(room, {request.user.pk})
        return self._answer(request, pk)

    @extend_schema(
        tags=TAGS,
        summary="Leave a room",
        description="Not a direct room, which is always between its two people.",
        request=None,
        responses={204: None},
    )
    @action(detail=True, methods=["post"])
    def leave(self, request, pk=None):
        room = visible_room(request.user, pk)
        if room.room_type == RoomType.DIRECT:
            raise ValidationError({"detail": _("A direct room cannot be left.")})
        membership = services.participant(room, request.user)
        if membership is not None:
            services.remove_participant(membership)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        methods=["get"],
        tags=TAGS,
        summary="A room's messages",
        operation_id="chat_rooms_messages_list",
        description="In the order they were sent (`sequence`). Without `after` or `before`: "
        "the last `limit`. With `after=<sequence>`: the first `limit` after it (catching up "
        "after a reconnect: ask again with the last sequence received while `has_more`). "
        "With `before=<sequence>`: the last `limit` before it (scrolling back). `parent` "
        "narrows to the replies of one message.",
        parameters=[MessageQuerySerializer],
        responses=MessagePageSerializer,
    )
    @extend_schema(
        methods=["post"],
        tags=TAGS,
        summary="Send a message",
        operation_id="chat_rooms_messages_send",
        description="201 with the message; 200 with the message stored the first time when "
        "its `client_id` was sent before. Writing in a channel joins it.",
        request=ChatMessageSerializer,
        responses={201: ChatMessageSerializer, 200: ChatMessageSerializer},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def messages(self, request, pk=None):
        room = visible_room(request.user, pk)
        if request.method == "GET":
            return list_messages(request, room)
        return sent(request, *send_message(request, room))

    @extend_schema(
        tags=TAGS,
        summary="Mark read up to a message",
        request=ReadSerializer,
        responses=ReadStateSerializer,
    )
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        room = visible_room(request.user, pk)
        membership = services.participant(room, request.user)
        if membership is None:
            raise ValidationError({"detail": _("Join the room first.")})
        serializer = ReadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = services.mark_read(membership, serializer.validated_data["sequence"])
        room.refresh_from_db(fields=["last_sequence"])
        return Response(
            {
                "last_read_sequence": membership.last_read_sequence,
                "unread_count": max(room.last_sequence - membership.last_read_sequence, 0),
            }
        )

    @extend_schema(
        methods=["get"],
        tags=TAGS,
        summary="Who is in a room",
        responses=ParticipantSerializer(many=True),
    )
    @extend_schema(
        methods=["post"],
        tags=TAGS,
        summary="Add someone to a room",
        description="Room administrators (and whoever may change rooms in the organization) "
        "add active members of the organization who may use the chat.",
        request=ParticipantSerializer,
        responses={201: ParticipantSerializer},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def participants(self, request, pk=None):
        if request.method == "GET":
            room = visible_room(request.user, pk)
            memberships = (
                ChatParticipant.objects.filter(room=room).select_related("user").order_by("id")
            )
            context = {"online": services.online_participants(room)}
            return Response(ParticipantSerializer(memberships, many=True, context=context).data)
        room = self._managed(request, pk)
        serializer = ParticipantSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        _check_colleagues(room.organization_id, {user.pk}, field="user")
        role = serializer.validated_data.get("role", ParticipantRole.MEMBER)
        services.add_participants(room, {user.pk}, role=role)
        membership = ChatParticipant.objects.select_related("user").get(room=room, user=user)
        return Response(ParticipantSerializer(membership).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["patch"],
        tags=TAGS,
        summary="Change someone's role in a room",
        request=ParticipantRoleSerializer,
        responses=ParticipantSerializer,
    )
    @extend_schema(
        methods=["delete"],
        tags=TAGS,
        summary="Remove someone from a room",
        parameters=[OpenApiParameter("user_id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        responses={204: None},
    )
    @action(
        detail=True,
        methods=["patch", "delete"],
        url_path=r"participants/(?P<user_id>[0-9]{1,18})",
        pagination_class=None,
        filter_backends=[],
    )
    def participant(self, request, pk=None, user_id=None):
        room = self._managed(request, pk)
        membership = get_object_or_404(ChatParticipant, room=room, user_id=int(user_id))
        if request.method == "DELETE":
            services.remove_participant(membership)
            return Response(status=status.HTTP_204_NO_CONTENT)
        serializer = ParticipantRoleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership.role = serializer.validated_data["role"]
        membership.save(update_fields=["role", "updated_at"])
        return Response(ParticipantSerializer(membership).data)


MESSAGE_SCHEMA = {
    "retrieve": extend_schema(tags=TAGS, summary="A message"),
    "update": extend_schema(tags=TAGS, summary="Edit one of your messages"),
    "partial_update": extend_schema(tags=TAGS, summary="Edit one of your messages"),
    "destroy": extend_schema(
        tags=TAGS,
        summary="Delete a message",
        description="Yours, or any as a room administrator: its content and attachments go, "
        "its place in the room stays.",
    ),
}


class MessageViewSet(
    ConditionalUpdateMixin,
    ConditionalDestroyMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """What the two routes of a message do: read, edit, delete and react. Its room is
    `message.room`, one the caller may see (`get_queryset`)."""

    queryset = ChatMessage.objects.all()  # narrowed to what the caller sees in get_queryset
    serializer_class = ChatMessageSerializer
    permission_classes = [UsesChat]

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return ChatMessageEditSerializer
        return ChatMessageSerializer

    def visible_messages(self):
        return services.message_queryset().filter(
            room__in=services.rooms_visible_to(self.request.user)
        )

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ChatMessage.objects.none()
        return self.visible_messages()

    def get_object(self):
        found = self.get_queryset().filter(pk=primary_key_or_none(ChatMessage, self.kwargs["pk"]))
        message = found.first()
        if message is None:
            raise NotFound(self.not_found)
        return message

    not_found = _("No such message.")

    def perform_update(self, serializer):
        message = serializer.instance
        if message.sender_id != self.request.user.pk:
            raise PermissionDenied(_("Only its sender may edit a message."))
        if message.room.is_archived:
            raise ValidationError({"detail": services.ARCHIVED})
        if "content" in serializer.validated_data:  # a PATCH may send nothing to change
            services.edit_message(message, serializer.validated_data["content"])

    def perform_destroy(self, instance):
        if instance.sender_id != self.request.user.pk and not services.may_manage(
            self.request.user, instance.room
        ):
            raise PermissionDenied(_("Only its sender or a room administrator may delete it."))
        services.delete_message(instance)

    @extend_schema(
        methods=["post"],
        tags=TAGS,
        summary="React to a message",
        description="Adds your reaction (once per emoji; 20 per message at most) and answers "
        "the message with its reactions; the room's connections get `message_reactions`.",
        request=ReactionSerializer,
        responses=ChatMessageSerializer,
    )
    @extend_schema(
        methods=["delete"],
        tags=TAGS,
        summary="Take back a reaction",
        parameters=[
            OpenApiParameter(
                "emoji",
                OpenApiTypes.STR,
                OpenApiParameter.QUERY,
                required=True,
                description="The emoji (URL-encoded) or short code to take back.",
            )
        ],
        request=None,
        responses=ChatMessageSerializer,
    )
    @action(detail=True, methods=["post", "delete"])
    def reactions(self, request, pk=None, **kwargs):
        message = self.get_object()
        room = message.room
        if room.is_archived:
            raise ValidationError({"detail": services.ARCHIVED})
        data = request.data if request.method == "POST" else request.query_params
        serializer = ReactionSerializer(data={"emoji": data.get("emoji")})
        serializer.is_valid(raise_exception=True)
        adding = request.method == "POST"
        if adding:
            services.join_to_write(room, request.user)
        services.react(message, request.user, serializer.validated_data["emoji"], add=adding)
        stored = self.get_queryset().get(pk=message.pk)
        return Response(ChatMessageSerializer(stored, context=self.get_serializer_context()).data)


@extend_schema_view(
    list=extend_schema(
        tags=TAGS,
        summary="Messages of your rooms",
        description="The messages of every room you may see, newest first, deleted ones "
        "included (their place stays): narrow with `room`, `sender`, `parent`, "
        "`organization` and the dates, find words with `search`. A room's own route "
        "(`rooms/{id}/messages/`) pages by `sequence` for catching up after a reconnect.",
    ),
    create=extend_schema(
        tags=TAGS,
        summary="Send a message",
        description="To the room named by `room`: 201 with the message; 200 with the "
        "message stored the first time when its `client_id` was sent before. Writing in a "
        "channel joins it.",
        request=NewMessageSerializer,
        responses={201: ChatMessageSerializer, 200: ChatMessageSerializer},
    ),
    **MESSAGE_SCHEMA,
)
class ChatMessageViewSet(mixins.ListModelMixin, MessageViewSet):
    """/chat/messages/: the messages of every room the caller may see."""

    filterset_class = ChatMessageFilter
    search_fields = ["content"]
    ordering_fields = ["created_at"]
    ordering = ["-created_at", "-pk"]

    def create(self, request, *args, **kwargs):
        message, created = send_message(request)
        self._etag_record = (ChatMessage, message.pk)  # the answer's ETag, as a read's
        return sent(request, message, created)


@extend_schema_view(**MESSAGE_SCHEMA)
class RoomMessageViewSet(MessageViewSet):
    """/chat/rooms/{id}/messages/{id}/: a message of that room (the room's list, and
    sending: ChatRoomViewSet.messages)."""

    filter_backends = []
    pagination_class = None
    not_found = _("No such message in this room.")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ChatMessage.objects.none()
        room = visible_room(self.request.user, self.kwargs["room_pk"])  # 404: no such room
        return services.messages_of(room)
