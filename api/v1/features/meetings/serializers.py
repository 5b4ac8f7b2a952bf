from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from api.base.records import RecordLinkSerializerMixin
from api.base.serializers import ScopedModelSerializer
from api.v1.base_models.organization.models import OrganizationMembership
from core.validators import validate_timezone
from rbac.rows import ComputedEmailField, ComputedTextField, RecordURLField
from rbac.serializers import ContentTypeField

from . import services
from .models import TOPIC_LENGTH, Meeting, MeetingParticipant, MeetingRecording

NOT_A_MEMBER = _("Not a member of the organization who may view meetings.")
ALREADY_INVITED = _("Already invited.")
STAYS = _("A meeting stays in the organization it was scheduled in.")
NOT_A_HOST = _("The host must be a member of the organization who may view meetings.")
# A meeting may start this long before it is scheduled (clocks differ).
CLOCK_SKEW = timedelta(minutes=5)
MAX_ADVANCE = timedelta(days=3653)


def _full_name_or_username(first_name, last_name, username) -> str:
    """A user's get_full_name(), else get_username(), from their columns."""
    return f"{first_name} {last_name}".strip() or username


class MeetingParticipantSerializer(serializers.ModelSerializer):
    """Someone invited: a member (`user`) or a guest (`user` null), with the times the
    provider saw them join and leave."""

    name = ComputedTextField(
        MeetingParticipant.name_of,
        ["user_id", "name", "email", "user__first_name", "user__last_name", "user__username"],
    )
    email = ComputedEmailField(MeetingParticipant.address_of, ["user_id", "email", "user__email"])

    class Meta:
        model = MeetingParticipant
        fields = ["id", "user", "name", "email", "role", "joined_at", "left_at"]
        read_only_fields = fields


class MeetingGuestSerializer(serializers.Serializer):
    """A guest from outside the organization, invited by email."""

    email = serializers.EmailField(max_length=254)
    name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")


class MeetingInviteSerializer(serializers.Serializer):
    """One more participant: a member (`user`) or a guest (`email`, `name`)."""

    user = serializers.IntegerField(
        min_value=1,
        max_value=2**63 - 1,
        required=False,
        help_text=_("Id of a member of the organization whose role may view meetings."),
    )
    email = serializers.EmailField(
        max_length=254, required=False, help_text=_("A guest's address.")
    )
    name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")

    def validate(self, attrs):
        meeting = self.context["meeting"]
        if ("user" in attrs) == ("email" in attrs):
            raise serializers.ValidationError(
                {"user": [_("Send either user (a member) or email (a guest).")]}
            )
        rows = list(meeting.participants.all())
        if "user" in attrs:
            if attrs["user"] not in _meeting_members(meeting.organization_id, [attrs["user"]]):
                raise serializers.ValidationError({"user": [NOT_A_MEMBER]})
            if any(row.user_id == attrs["user"] for row in rows):
                raise serializers.ValidationError({"user": [ALREADY_INVITED]})
        elif any(
            row.user_id is None and row.email.lower() == attrs["email"].lower() for row in rows
        ):
            raise serializers.ValidationError({"email": [ALREADY_INVITED]})
        if len(rows) >= settings.MEETING_MAX_PARTICIPANTS + 1:  # the host and the invited
            raise serializers.ValidationError(
                {
                    "user": [
                        _("At most %(count)d participants may be invited.")
                        % {"count": settings.MEETING_MAX_PARTICIPANTS}
                    ]
                }
            )
        return attrs


class MeetingRecordingSerializer(serializers.ModelSerializer):
    """A recording, downloaded from the provider into the file layer."""

    file_name = serializers.CharField(source="file.original_name", read_only=True)
    size = serializers.IntegerField(source="file.size", read_only=True)
    mime_type = serializers.CharField(source="file.mime_type", read_only=True)
    download_url = RecordURLField("api-v1:meeting-recording", args=["meeting_id", "pk"])

    class Meta:
        model = MeetingRecording
        fields = [
            "id",
            "file",
            "file_name",
            "size",
            "mime_type",
            "file_type",
            "created_at",
            "download_url",
        ]
        read_only_fields = fields


def _meeting_members(organization_id, user_ids) -> set[int]:
    """Of `user_ids`, the active users whose active membership of the organization has
    a role that may view meetings, and active superusers."""
    user_ids = list(user_ids)
    members = OrganizationMembership.objects.filter(
        organization_id=organization_id,
        user_id__in=user_ids,
        user__is_active=True,
        is_active=True,
        role__permissions__content_type__app_label="meetings",
        role__permissions__codename="view_meeting",
    ).values("user_id")
    return set(
        get_user_model()
        .objects.filter(Q(pk__in=members) | Q(is_superuser=True), pk__in=user_ids, is_active=True)
        .values_list("pk", flat=True)
    )


class MeetingSerializer(RecordLinkSerializerMixin, ScopedModelSerializer):
    """A video meeting of your organization: when, who hosts it, who is invited
    (members by `participant_ids`, guests by email), optionally about a record of the
    same organization that you may view (`content_type` "app_label.model" and
    `object_id`). The provider's room and join links are not shown here: each
    participant asks for their own (`GET /meetings/{id}/join/`)."""

    not_linkable = frozenset({"meetings.meeting"})

    topic = serializers.CharField(max_length=TOPIC_LENGTH)
    timezone = serializers.CharField(
        max_length=64,
        required=False,
        validators=[validate_timezone],
        help_text=_("The IANA time zone it is shown in; by default the host's profile's."),
    )
    host = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.all(),
        required=False,
        help_text=_(
            "Id of the member who hosts it (by default you), whose role may view meetings."
        ),
    )
    host_name = ComputedTextField(
        _full_name_or_username, ["host__first_name", "host__last_name", "host__username"]
    )
    participants = MeetingParticipantSerializer(many=True, read_only=True)
    participant_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        write_only=True,
        required=False,
        max_length=1000,
        help_text=_(
            "Ids of the members invited, whose role may view meetings; on a change, the "
            "whole list (the host stays)."
        ),
    )
    guests = MeetingGuestSerializer(
        many=True,
        write_only=True,
        required=False,
        help_text=_("Guests invited by email; on a change, the whole list."),
    )
    recordings = MeetingRecordingSerializer(many=True, read_only=True)
    content_type = ContentTypeField(
        required=False,
        allow_null=True,
        help_text=_('The type of the record the meeting is about ("products.product").'),
    )
    object_id = serializers.CharField(
        required=False, allow_blank=True, max_length=64, help_text=_("The id of that record.")
    )

    class Meta:
        model = Meeting
        fields = [
            "id",
            "organization",
            "organization_name",
            "topic",
            "agenda",
            "start_time",
            "end_time",
            "timezone",
            "host",
            "host_name",
            "status",
            "provider",
            "actual_start_time",
            "actual_end_time",
            "cancelled_at",
            "content_type",
            "object_id",
            "participants",
            "participant_ids",
            "guests",
            "recordings",
            "custom_fields",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "status",
            "provider",
            "actual_start_time",
            "actual_end_time",
            "cancelled_at",
            "created_by",
            "created_at",
            "updated_at",
        ]

    readable_fields_fixed = True  # get_fields below changes what a write may change

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None and "host" in fields:
            fields["host"].read_only = True  # a meeting keeps its host
        return fields

    def validate_guests(self, guests):
        seen = set()
        for guest in guests:
            address = guest["email"].lower()
            if address in seen:
                raise serializers.ValidationError(
                    _("%(email)s is invited twice.") % {"email": guest["email"]}
                )
            seen.add(address)
        return guests

    def validate_organization(self, organization):
        if self.instance is not None and organization.pk != self.instance.organization_id:
            raise serializers.ValidationError(STAYS)
        return organization

    def validate(self, attrs):
        attrs = super().validate(attrs)
        instance = self.instance
        organization = attrs.get("organization") or getattr(instance, "organization", None)
        request = self.context["request"]
        self.validate_record_link(attrs, organization)
        organization_id = getattr(organization, "pk", None)
        if instance is None:
            host = attrs.get("host") or request.user
            if organization_id is not None and host.pk not in _meeting_members(
                organization_id, [host.pk]
            ):
                raise serializers.ValidationError({"host": [NOT_A_HOST]})
            attrs["host"] = host
        if instance is None and not attrs.get("timezone"):
            host = attrs["host"]
            profile = getattr(host, "profile", None)
            attrs["timezone"] = getattr(profile, "timezone", "") or "UTC"
        self._validate_times(attrs)
        ids = attrs.get("participant_ids")
        if ids is not None:
            wanted = set(ids)
            allowed = _meeting_members(organization_id, wanted) if organization_id else set()
            if wanted - allowed:
                missing = ", ".join(str(pk) for pk in sorted(wanted - allowed))
                raise serializers.ValidationError(
                    {
                        "participant_ids": [
                            _("Not members of the organization who may view meetings: %(ids)s.")
                            % {"ids": missing}
                        ]
                    }
                )
        invited = len(ids or ()) + len(attrs.get("guests") or ())
        if invited > settings.MEETING_MAX_PARTICIPANTS:
            raise serializers.ValidationError(
                {
                    "participant_ids": [
                        _("At most %(count)d participants may be invited.")
                        % {"count": settings.MEETING_MAX_PARTICIPANTS}
                    ]
                }
            )
        return attrs

    def _validate_times(self, attrs):
        instance = self.instance
        start = attrs.get("start_time", getattr(instance, "start_time", None))
        end = attrs.get("end_time", getattr(instance, "end_time", None))
        if start is None or end is None:
            missing = "start_time" if start is None else "end_time"
            raise serializers.ValidationError({missing: [_("This field is required.")]})
        if end <= start:
            raise serializers.ValidationError(
                {"end_time": [_("The meeting must end after it starts.")]}
            )
        if end - start > settings.MEETING_MAX_DURATION:
            raise serializers.ValidationError(
                {
                    "end_time": [
                        _("A meeting lasts at most %(hours)g hours.")
                        % {"hours": settings.MEETING_MAX_DURATION.total_seconds() / 3600}
                    ]
                }
            )
        moved = instance is None or start != instance.start_time
        if moved and start > timezone.now() + MAX_ADVANCE:
            raise serializers.ValidationError(
                {"start_time": [_("A meeting is scheduled at most ten years ahead.")]}
            )
        if moved and start < timezone.now() - CLOCK_SKEW:
            raise serializers.ValidationError(
                {"start_time": [_("The meeting cannot start in the past.")]}
            )

    def _invitees(self, validated_data):
        ids = validated_data.pop("participant_ids", None)
        guests = validated_data.pop("guests", None)
        users = None
        if ids is not None:
            users = list(get_user_model().objects.filter(pk__in=ids).order_by("pk"))
        if guests is not None:
            guests = [services.Guest(guest["email"], guest.get("name", "")) for guest in guests]
        return users, guests

    def create(self, validated_data):
        users, guests = self._invitees(validated_data)
        custom_fields = validated_data.pop("custom_fields", None)
        meeting = Meeting(**validated_data)
        if custom_fields is not None:
            meeting.custom_fields = custom_fields
        return services.schedule(
            meeting, users=users or (), guests=guests or (), actor=self.context["request"].user
        )

    def update(self, instance, validated_data):
        users, guests = self._invitees(validated_data)
        return services.reschedule(
            instance, validated_data, users=users, guests=guests, actor=self.context["request"].user
        )
