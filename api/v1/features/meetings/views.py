import logging

from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from api.base.views import ScopedModelViewSet
from api.v1.base_models.files import services as file_services
from api.v1.base_models.files.views import DOWNLOAD_RESPONSES
from rbac.access import has_perm_in_org
from rbac.permissions import HasModelPermissionInOrg, action_verb

from . import services
from .choices import ParticipantRole
from .filters import MeetingFilter
from .models import Meeting, MeetingParticipant, MeetingRecording
from .providers import PROVIDER_NAMES, WebhookRejected
from .serializers import MeetingInviteSerializer, MeetingParticipantSerializer, MeetingSerializer

logger = logging.getLogger(__name__)

PROVIDER_ERROR = OpenApiResponse(
    description="The video provider failed (refused or did not answer): nothing changed.",
)
CLOSED = OpenApiResponse(description="The meeting has ended or was cancelled.")
NOT_CONFIGURED = OpenApiResponse(
    description="The organization's provider lacks its settings: nothing changed."
)


class MeetingPermission(HasModelPermissionInOrg):
    """The organization's RBAC, and the host's rights: a meeting's host may change and
    cancel it (delete it too) with a role that only views meetings."""

    HOST_VERBS = ("change", "delete")

    def has_object_permission(self, request, view, obj):
        if super().has_object_permission(request, view, obj):
            return True
        return (
            action_verb(view) in self.HOST_VERBS
            and obj.host_id == request.user.pk
            and has_perm_in_org(request.user, "meetings.view_meeting", obj.organization_id)
        )

    def describe_access(self, view) -> str:
        action = getattr(view, "action", None)
        seen = (
            "Users whose role holds `meetings.view_meeting` see the meetings they host or "
            "are invited to; those whose role holds `meetings.change_meeting` see all of "
            "its organization's meetings (superusers: all)."
        )
        if action in ("list", "retrieve", "participants", "recording", None):
            return seen
        if action == "create":
            return super().describe_access(view)
        if action in ("join",):
            return "The meeting's participants (its host included); anyone else: 404."
        verb = action_verb(view)
        return (
            f"The meeting's host, and users whose role holds `meetings.{verb}_meeting` in "
            "its organization (superusers: any)."
        )


JOIN = inline_serializer(
    "MeetingJoin",
    {
        "join_url": serializers.URLField(help_text=_("Your own address into the meeting.")),
        "role": serializers.CharField(help_text=_("HOST or ATTENDEE.")),
        "provider": serializers.CharField(),
    },
)
PARTICIPANT = OpenApiParameter(
    "participant_id",
    OpenApiTypes.INT,
    OpenApiParameter.PATH,
    description="The participant's id (its row, not the user's).",
)
RECORDING = OpenApiParameter(
    "recording_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The recording's id."
)


class MeetingViewSet(ScopedModelViewSet):
    """Video meetings of your organizations. Scheduling one creates its room on the
    organization's provider (Jitsi Meet by default, or Zoom), then invites its
    participants: a notification and an email with a calendar file. Changing its time
    or topic tells them (the calendar file's SEQUENCE grows); deleting or cancelling it
    cancels it on the provider and in their calendars. Each participant gets their own
    join link (`GET {id}/join/`). `?mine=true` lists the meetings you host or are
    invited to; `?starts_after=`/`?starts_before=` a time range; `?content_type=` and
    `?object_id=` the meetings about a record."""

    schema_tags = ["meetings"]

    queryset = Meeting.objects.select_related(
        "organization", "host", "content_type"
    ).prefetch_related(
        Prefetch("participants", queryset=MeetingParticipant.objects.select_related("user")),
        Prefetch("recordings", queryset=MeetingRecording.objects.select_related("file")),
    )
    serializer_class = MeetingSerializer
    filterset_class = MeetingFilter
    permission_classes = [MeetingPermission]
    search_fields = ["topic", "agenda"]
    ordering_fields = ["start_time", "end_time", "topic", "status", "created_at"]
    permission_verbs = {
        "join": "view",
        "cancel": "change",
        "recording": "view",
        "participants": "view",
        "invite": "change",
        "uninvite": "change",
    }

    @extend_schema(responses={201: MeetingSerializer, 502: PROVIDER_ERROR, 503: NOT_CONFIGURED})
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    @extend_schema(responses={200: MeetingSerializer, 409: CLOSED, 502: PROVIDER_ERROR})
    def update(self, request, *args, **kwargs):
        return super().update(request, *args, **kwargs)

    @extend_schema(responses={200: MeetingSerializer, 409: CLOSED, 502: PROVIDER_ERROR})
    def partial_update(self, request, *args, **kwargs):
        return super().partial_update(request, *args, **kwargs)

    @extend_schema(responses={204: None, 502: PROVIDER_ERROR})
    def destroy(self, request, *args, **kwargs):
        """Delete the meeting; one still to come or running is cancelled on its provider
        and in its participants' calendars first."""
        return super().destroy(request, *args, **kwargs)

    # The answer to a write is the meeting read again with its participants and
    # recordings in a constant number of queries, whatever their number (the instance
    # saved has neither loaded). Read from the whole table: whoever scheduled a meeting
    # for another host may not see it afterwards.
    def perform_create(self, serializer):
        super().perform_create(serializer)
        serializer.instance = type(self).queryset.get(pk=serializer.instance.pk)

    def perform_update(self, serializer):
        super().perform_update(serializer)
        serializer.instance = type(self).queryset.get(pk=serializer.instance.pk)

    def perform_destroy(self, instance):
        services.delete(instance, actor=self.request.user)

    @extend_schema(
        summary="Join a meeting",
        request=None,
        responses={200: JOIN, 409: CLOSED, 502: PROVIDER_ERROR},
        filters=False,
    )
    @action(detail=True, methods=["get"])
    def join(self, request, pk=None):
        """Your own address into the meeting, if you are one of its participants (with
        your token where the provider uses them; the host's starts it). Not cached:
        ask each time."""
        meeting = self.get_object()
        url, row = services.join_url(meeting, request.user)
        response = Response({"join_url": url, "role": row.role, "provider": meeting.provider})
        response["Cache-Control"] = "no-store"
        return response

    @extend_schema(
        summary="Cancel a meeting",
        request=None,
        responses={200: MeetingSerializer, 409: CLOSED, 502: PROVIDER_ERROR},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel the meeting on its provider and in its participants' calendars; it
        stays, CANCELLED. Cancelling it again changes nothing."""
        meeting = self.get_object()
        services.cancel(meeting, actor=request.user)
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(
        summary="List a meeting's participants",
        responses=MeetingParticipantSerializer(many=True),
        filters=False,
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def participants(self, request, pk=None):
        """Who is invited (the host first), with the times the provider saw them join
        and leave."""
        meeting = self.get_object()
        rows = meeting.participants.select_related("user")
        return Response(MeetingParticipantSerializer(rows, many=True).data)

    @extend_schema(
        summary="Invite one more participant",
        request=MeetingInviteSerializer,
        responses={201: MeetingParticipantSerializer, 409: CLOSED, 502: PROVIDER_ERROR},
    )
    @participants.mapping.post
    def invite(self, request, pk=None):
        """A member (`user`) or a guest (`email`, `name`), invited by notification and
        email with the calendar file."""
        meeting = self.get_object()
        serializer = MeetingInviteSerializer(data=request.data, context={"meeting": meeting})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if not meeting.is_open:
            raise services.MeetingClosed()
        if "user" in data:
            user = get_user_model().objects.get(pk=data["user"])
            row = services.invite(meeting, user=user, actor=request.user)
        else:
            guest = services.Guest(data["email"], data.get("name", ""))
            row = services.invite(meeting, guest=guest, actor=request.user)
        return Response(MeetingParticipantSerializer(row).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Take a participant off a meeting",
        parameters=[PARTICIPANT],
        request=None,
        responses={204: None, 409: CLOSED},
    )
    @action(detail=True, methods=["delete"], url_path=r"participants/(?P<participant_id>\d+)")
    def uninvite(self, request, pk=None, participant_id=None):
        """They are told the meeting is cancelled for them; the host stays (a 400)."""
        meeting = self.get_object()
        row = get_object_or_404(meeting.participants.select_related("user"), pk=participant_id)
        if row.role == ParticipantRole.HOST:
            raise ValidationError({"participant": [_("The host stays in their meeting.")]})
        if not meeting.is_open:
            raise services.MeetingClosed()
        services.uninvite(meeting, row, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Download a meeting's recording",
        parameters=[RECORDING],
        responses=DOWNLOAD_RESPONSES,
        filters=False,
    )
    @action(detail=True, methods=["get"], url_path=r"recordings/(?P<recording_id>\d+)/download")
    def recording(self, request, pk=None, recording_id=None):
        """A recording of the meeting, for whoever sees the meeting (as the files
        download: Range, or a presigned redirect on object storage)."""
        meeting = self.get_object()
        recording = get_object_or_404(
            MeetingRecording.objects.select_related("file"), meeting=meeting, pk=recording_id
        )
        return file_services.download_response(request, recording.file)


WEBHOOK_ERRORS = {
    WebhookRejected.MISSING_SIGNATURE: status.HTTP_403_FORBIDDEN,
    WebhookRejected.BAD_SIGNATURE: status.HTTP_403_FORBIDDEN,
    WebhookRejected.STALE: status.HTTP_403_FORBIDDEN,
    WebhookRejected.MALFORMED: status.HTTP_400_BAD_REQUEST,
}
PROVIDER = OpenApiParameter(
    "provider",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    enum=sorted(PROVIDER_NAMES),
    description="The provider sending the webhook.",
)


def _error(code: str, detail, http_status: int) -> Response:
    return Response({"code": code, "detail": str(detail)}, status=http_status)


class VideoWebhookView(APIView):
    """Webhooks of the video providers (Zoom; JaaS for Jitsi): meeting started and
    ended, participant joined and left, recording completed. No credentials: the
    provider's signature over the raw body authenticates the request, and it must be
    recent. Each event is applied once, whatever the number of deliveries."""

    authentication_classes = []
    permission_classes = [AllowAny]
    schema_tags = ["meetings"]
    path_examples = {"provider": "zoom"}  # for the whole-API sweeps

    @extend_schema(
        summary="Receive a video provider's webhook",
        parameters=[PROVIDER],
        request={"application/json": OpenApiTypes.OBJECT},
        responses={
            200: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="Taken (or the answer to the provider's URL validation).",
                examples=[
                    OpenApiExample("Taken", value={"status": "ok"}),
                    OpenApiExample(
                        "Zoom's URL validation answered",
                        value={
                            "plainToken": "qgg8vlvZRS6UYooatFL8Aw",
                            "encryptedToken": (
                                "23a89b634c017e5364a1c8d9c8ea909b60dd5599e2bb04bb1558d9c3a121faa5"
                            ),
                        },
                    ),
                ],
            ),
            400: OpenApiResponse(description="A body the provider would not send."),
            403: OpenApiResponse(description="No valid signature, or one too old."),
            404: OpenApiResponse(
                description="Unknown provider, webhooks not enabled, or an unknown meeting."
            ),
        },
    )
    def post(self, request, provider):
        if provider not in PROVIDER_NAMES:
            return _error("not_found", _("Unknown video provider."), status.HTTP_404_NOT_FOUND)
        body = request.body
        try:
            challenge = services.receive(provider, request.headers, body)
        except ImproperlyConfigured as error:
            logger.warning("Video webhook refused: %s", error)
            return _error(
                "not_found",
                _("Webhooks of this provider are not enabled."),
                status.HTTP_404_NOT_FOUND,
            )
        except WebhookRejected as rejected:
            return _error(rejected.code, rejected, WEBHOOK_ERRORS[rejected.code])
        except services.UnknownMeeting:
            return _error(
                "unknown_meeting",
                _("No meeting of this provider has that id."),
                status.HTTP_404_NOT_FOUND,
            )
        return Response(challenge if challenge is not None else {"status": "ok"})
