"""Video meetings of an organization, who is invited, what their provider told of them.

A meeting is scheduled on a provider (meetings.providers: Jitsi Meet, JaaS, Zoom) that
names it (`provider`, `provider_meeting_id`) and gives its address (`join_url`). Its
participants are members of the organization (`user`) or guests (`email`); the host is
one of them. The provider's webhooks tell when it started and ended, who joined and
left, and when a recording is ready: each event is kept once (`MeetingWebhookEvent`,
unique per provider and event id), recordings are downloaded into the file layer
(`MeetingRecording`).

Who sees a meeting: its host and participants, where their role may view meetings; and
everyone whose role may change meetings in its organization (those who manage its
meetings). Meetings and participants are audited.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from api.v1.base_models.files.models import FileAttachment
from core.models import AboutRecord, Auditable, BaseModel, OrganizationScoped, Timestamped
from core.registry import ALL
from core.validators import validate_timezone

from .choices import MeetingStatus, ParticipantRole

TOPIC_LENGTH = 200


class Meeting(AboutRecord, OrganizationScoped, BaseModel):
    """A video meeting (see the module)."""

    importable = False  # scheduled with its provider, one by one (data_jobs)

    default_grants = {
        "administrator": ALL,
        "member": ("view", "add"),
        "auditor": ("view",),
        "viewer": ("view",),
    }

    uid = models.UUIDField(
        _("Calendar Id"),
        default=uuid.uuid4,
        unique=True,
        editable=False,
        help_text=_("The meeting's UID in calendar invitations."),
    )
    topic = models.CharField(_("Topic"), max_length=TOPIC_LENGTH)
    agenda = models.TextField(_("Agenda"), blank=True, max_length=2000)
    start_time = models.DateTimeField(_("Start"), db_index=True)
    end_time = models.DateTimeField(_("End"))
    timezone = models.CharField(
        _("Time Zone"),
        max_length=64,
        default="UTC",
        validators=[validate_timezone],
        help_text=_("The IANA time zone the meeting is shown in (Europe/Paris)."),
    )
    host = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Host"),
        on_delete=models.PROTECT,
        related_name="hosted_meetings",
    )
    status = models.CharField(
        _("Status"),
        max_length=10,
        choices=MeetingStatus.choices,
        default=MeetingStatus.SCHEDULED,
        db_index=True,
    )
    provider = models.CharField(_("Provider"), max_length=20, editable=False)
    provider_meeting_id = models.CharField(
        _("Provider's Meeting Id"), max_length=255, editable=False
    )
    join_url = models.URLField(_("Join URL"), max_length=1000, editable=False)
    provider_data = models.JSONField(
        _("Provider Data"),
        default=dict,
        blank=True,
        editable=False,
        help_text=_("What else the provider told of the meeting (never a credential)."),
    )
    actual_start_time = models.DateTimeField(_("Started At"), null=True, blank=True)
    actual_end_time = models.DateTimeField(_("Ended At"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("Cancelled At"), null=True, blank=True)
    # Calendar invitations: SEQUENCE grows with each change participants are told of.
    sequence = models.PositiveIntegerField(_("Invitation Sequence"), default=0, editable=False)
    reminded_at = models.DateTimeField(_("Reminded At"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("Meeting")
        verbose_name_plural = _("Meetings")
        ordering = ["-start_time", "-id"]
        indexes = [
            models.Index(fields=["organization", "start_time"]),
            models.Index(fields=["content_type", "object_id"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_meeting_id"], name="meeting_provider_id_unique"
            ),
            models.CheckConstraint(
                condition=Q(end_time__gt=models.F("start_time")), name="meeting_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.topic

    @property
    def is_open(self) -> bool:
        """Whether participants may still join: neither ended nor cancelled."""
        return self.status in (MeetingStatus.SCHEDULED, MeetingStatus.STARTED)

    @classmethod
    def restrict_visible(cls, queryset, user):
        """Of the meetings of the organizations where `user` may view meetings, those
        they see (rbac.access.visible_to): all of the organizations where they may
        change meetings, elsewhere those they host or attend. Where they may change
        the meetings of every organization they see meetings of, nothing is left out
        (and no subquery of their attendances is built)."""
        from rbac.access import organizations_with_perm

        managed = organizations_with_perm(user, "meetings.change_meeting")
        if managed is None:
            return queryset
        if set(organizations_with_perm(user, "meetings.view_meeting")) <= set(managed):
            return queryset
        attended = MeetingParticipant.objects.filter(user=user).values("meeting_id")
        return queryset.filter(Q(organization_id__in=managed) | Q(host=user) | Q(pk__in=attended))

    @classmethod
    def restrict_viewers(cls, user_ids, record) -> set[int]:
        """Of `user_ids` (who may view meetings in its organization), those who see
        `record` (rbac.access.users_who_may): its participants, and those who may
        change meetings there."""
        from rbac.access import users_who_may

        involved = set(
            record.participants.filter(user_id__in=list(user_ids)).values_list("user_id", flat=True)
        )
        involved.add(record.host_id)
        rest = set(user_ids) - involved
        managers = users_who_may(rest, record, "change") if rest else set()
        return (set(user_ids) & involved) | managers


class MeetingParticipant(Timestamped, Auditable):
    """Someone invited to a meeting: a member of its organization (`user`) or a guest
    (`email`, `name`), with the times the provider saw them join and leave."""

    organization_path = "meeting__organization"
    business_record = False

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("Meeting"), on_delete=models.CASCADE, related_name="participants"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("User"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="meeting_participations",
    )
    email = models.EmailField(_("Email"), blank=True, help_text=_("A guest's address."))
    name = models.CharField(_("Name"), max_length=150, blank=True)
    role = models.CharField(
        _("Role"), max_length=10, choices=ParticipantRole.choices, default=ParticipantRole.ATTENDEE
    )
    joined_at = models.DateTimeField(_("Joined At"), null=True, blank=True)
    left_at = models.DateTimeField(_("Left At"), null=True, blank=True)

    class Meta:
        verbose_name = _("Meeting Participant")
        verbose_name_plural = _("Meeting Participants")
        ordering = ["meeting", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "user"],
                condition=Q(user__isnull=False),
                name="meeting_participant_user_unique",
            ),
            models.UniqueConstraint(
                fields=["meeting", "email"],
                condition=Q(user__isnull=True),
                name="meeting_participant_guest_unique",
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(email=""),
                name="meeting_participant_user_or_email",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.user_id is None:
            return self.name or self.email
        return self.user.get_full_name() or self.user.get_username()

    @property
    def address(self) -> str:
        """Where their invitations go."""
        return self.user.email if self.user_id is not None else self.email

    # The same two, from the columns of a row (lists read as rows: rbac.rows).
    @staticmethod
    def name_of(user_id, name, email, first_name, last_name, username) -> str:
        if user_id is None:
            return name or email
        return f"{first_name} {last_name}".strip() or username  # get_full_name's

    @staticmethod
    def address_of(user_id, email, user_email) -> str:
        return user_email if user_id is not None else email


class MeetingRecording(FileAttachment):
    """A recording of a meeting, downloaded from its provider into the file layer; its
    file is seen by those who see the meeting only (FileAttachment.private)."""

    organization_path = "meeting__organization"
    business_record = False
    private = True
    record_field = "meeting"

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("Meeting"), on_delete=models.CASCADE, related_name="recordings"
    )
    file_type = models.CharField(_("File Type"), max_length=20, blank=True)
    created_at = models.DateTimeField(_("Created At"), auto_now_add=True)

    class Meta:
        verbose_name = _("Meeting Recording")
        verbose_name_plural = _("Meeting Recordings")
        ordering = ["meeting", "id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "file"], name="meeting_recording_unique")
        ]


class MeetingWebhookEvent(models.Model):
    """An event a provider's webhook told, kept once (a repeat delivery is ignored)."""

    organization_path = "meeting__organization"
    business_record = False

    provider = models.CharField(_("Provider"), max_length=20)
    event_id = models.CharField(_("Event Id"), max_length=255)
    kind = models.CharField(_("Kind"), max_length=30)
    meeting = models.ForeignKey(
        Meeting, verbose_name=_("Meeting"), on_delete=models.CASCADE, related_name="events"
    )
    occurred_at = models.DateTimeField(_("Occurred At"))
    received_at = models.DateTimeField(_("Received At"), auto_now_add=True)
    participant = models.CharField(_("Participant"), max_length=255, blank=True)
    error = models.TextField(
        _("Error"), blank=True, help_text=_("Why its work failed (a recording's download).")
    )

    class Meta:
        verbose_name = _("Meeting Webhook Event")
        verbose_name_plural = _("Meeting Webhook Events")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "event_id"], name="meeting_webhook_event_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.kind} {self.event_id}"
