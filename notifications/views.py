"""`/api/v1/notifications/`: the caller's own notifications (never anyone else's),
newest first, and what reading them changes."""

from functools import partial

from django.db import transaction
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.conditional import ConditionalDestroyMixin, ConditionalRequestMixin
from core.pagination import BoundedCountPagination
from rbac.permissions import GlobalModelPermissions
from rbac.rows import RowListMixin

from . import preferences as user_preferences
from .filters import NotificationFilter
from .models import Notification, NotificationTemplate
from .push import push_unread_count, unread_count_of
from .serializers import (
    MarkedReadSerializer,
    NotificationPreferencesSerializer,
    NotificationSerializer,
    NotificationTemplateSerializer,
    UnreadCountSerializer,
)

TAGS = ["notifications"]


@extend_schema_view(
    list=extend_schema(
        tags=TAGS,
        summary="Your notifications, newest first",
        description="Only your own. `target` is the record a notification is about while "
        "you may still view it (null once you may not). A client that was offline catches "
        "up with `?after=<last id seen>&ordering=id`, and with `updated_after` also gets "
        "the repeats collapsed into older notifications.",
    ),
    retrieve=extend_schema(tags=TAGS, summary="One of your notifications"),
    destroy=extend_schema(tags=TAGS, summary="Delete one of your notifications"),
)
class NotificationViewSet(
    RowListMixin,
    ConditionalDestroyMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """What happened that concerns you: in the app, live over `/ws/notifications/`, and
    by email according to your preferences."""

    serializer_class = NotificationSerializer
    # The table grows without bound: the count stops at PAGINATION_COUNT_LIMIT rows.
    pagination_class = BoundedCountPagination
    filterset_class = NotificationFilter
    search_fields = ["title", "message"]
    json_filter_fields = (
        "type_code",
        "level",
        "title",
        "message",
        "organization",
        "actor",
        "target_object_id",
        "count",
        "read_at",
        "created_at",
        "updated_at",
    )
    ordering_fields = ["created_at", "updated_at", "id", "level"]
    ordering = ["-created_at", "-id"]
    # Marking one read or unread answers it with its new ETag (no If-Match: marking is
    # idempotent, and a notification is only ever changed by its recipient).
    etag_answers = frozenset({"mark_read", "mark_unread"})

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Notification.objects.none()
        return Notification.objects.filter(recipient=self.request.user).select_related(
            "organization", "actor"
        )

    def _read_changed(self):
        transaction.on_commit(partial(push_unread_count, self.request.user.pk))

    def perform_destroy(self, instance):
        unread = instance.read_at is None
        instance.delete()
        if unread:
            self._read_changed()

    def _mark(self, read: bool) -> Response:
        notification = self.get_object()
        if (notification.read_at is None) == read:
            notification.read_at = timezone.now() if read else None
            Notification.objects.filter(pk=notification.pk).update(read_at=notification.read_at)
            self._read_changed()
        self._etag_record = (Notification, notification.pk)
        return Response(self.get_serializer(notification).data)

    @extend_schema(tags=TAGS, summary="Mark a notification read", request=None)
    @action(detail=True, methods=["post"], url_path="mark-read")
    def mark_read(self, request, pk=None):
        """Marks it read (a notification read already stays as it was)."""
        return self._mark(read=True)

    @extend_schema(tags=TAGS, summary="Mark a notification unread", request=None)
    @action(detail=True, methods=["post"], url_path="mark-unread")
    def mark_unread(self, request, pk=None):
        """Marks it unread again."""
        return self._mark(read=False)

    @extend_schema(
        tags=TAGS,
        summary="Mark all your notifications read",
        description="All your unread notifications, or those the list's filters select "
        "(e.g. `?organization=3`, `?type=comment_mention`).",
        request=None,
        responses={200: MarkedReadSerializer},
    )
    @action(detail=False, methods=["post"], url_path="mark-all-read")
    def mark_all_read(self, request):
        unread = self.filter_queryset(self.get_queryset()).filter(read_at__isnull=True)
        marked = Notification.objects.filter(pk__in=unread.values("pk")).update(
            read_at=timezone.now()
        )
        if marked:
            self._read_changed()
        count = unread_count_of(
            Notification.objects.filter(recipient=request.user, read_at__isnull=True)
        )
        return Response({"marked": marked, **count}, status=status.HTTP_200_OK)

    @extend_schema(
        tags=TAGS,
        summary="How many of your notifications are unread",
        description="All of them, or those the list's filters select (e.g. `?organization=3`).",
        responses={200: UnreadCountSerializer},
    )
    @action(detail=False, methods=["get"], url_path="unread-count", pagination_class=None)
    def unread_count(self, request):
        unread = self.filter_queryset(self.get_queryset()).filter(read_at__isnull=True)
        return Response(unread_count_of(unread))

    @extend_schema(
        tags=TAGS,
        summary="Your notification preferences",
        responses={200: NotificationPreferencesSerializer},
        methods=["GET"],
    )
    @extend_schema(
        tags=TAGS,
        summary="Change your notification preferences",
        description="PUT replaces them all (what is left out goes back to the default); "
        "PATCH changes the fields it sends (`types` as a whole).",
        request=NotificationPreferencesSerializer,
        responses={200: NotificationPreferencesSerializer},
        methods=["PUT", "PATCH"],
    )
    @action(
        detail=False,
        methods=["get", "put", "patch"],
        url_path="preferences",
        serializer_class=NotificationPreferencesSerializer,
        filter_backends=[],
        pagination_class=None,
    )
    def preferences(self, request):
        profile = request.user.profile
        current = user_preferences.split(profile.notification_preferences)
        if request.method == "GET":
            return Response(NotificationPreferencesSerializer(current).data)
        partial = request.method == "PATCH"
        serializer = NotificationPreferencesSerializer(
            data=request.data, partial=partial, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        chosen = {**current, **serializer.validated_data} if partial else serializer.validated_data
        profile.notification_preferences = user_preferences.join(chosen)
        profile.save(update_fields=["notification_preferences", "updated_at"])
        return Response(
            NotificationPreferencesSerializer(
                user_preferences.split(profile.notification_preferences)
            ).data
        )


@extend_schema(tags=TAGS)
class NotificationTemplateViewSet(ConditionalRequestMixin, viewsets.ModelViewSet):
    """How notification emails read: subject, text and HTML bodies in Django's template
    language, per type, for every organization or one, in one language or any. A
    template that does not compile or render is refused (400 naming the field).
    Platform configuration: needs the global (staff) permissions on templates."""

    queryset = NotificationTemplate.objects.select_related("organization")
    serializer_class = NotificationTemplateSerializer
    permission_classes = [GlobalModelPermissions]
    filterset_fields = ["type_code", "organization", "language", "is_active"]
    search_fields = ["type_code", "subject"]
    json_filter_fields = ("type_code", "organization", "language", "is_active", "created_at")
    ordering_fields = ["type_code", "language", "id", "created_at"]
