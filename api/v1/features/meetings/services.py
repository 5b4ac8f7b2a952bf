"""Scheduling, changing and cancelling meetings on their provider, joining them, and
what the providers' webhooks tell.

No call to a provider happens inside a database transaction: the provider is called
first, then the meeting is written in one transaction. A provider that fails leaves
nothing behind (`ProviderUnavailable`, a 502: no meeting is created, changed or
cancelled; the caller tries again). A write that fails after the provider accepted is
undone on the provider (the meeting it created is cancelled, a change is put back), so
that the two never disagree for long.
"""

import logging
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import APIException, NotFound

from api.v1.base_models.files.models import FileStorage
from audit import bulk
from audit.grouping import one_row_per_record

from . import invitations
from .choices import MeetingStatus, ParticipantRole
from .models import Meeting, MeetingParticipant, MeetingWebhookEvent
from .providers import (
    EventKind,
    MeetingSpec,
    Participant,
    ProviderError,
    ProviderMeeting,
    WebhookEvent,
    get_provider,
    provider_for,
)

logger = logging.getLogger(__name__)

# The fields of a meeting its provider and its participants' calendars hold.
SCHEDULE_FIELDS = ("topic", "agenda", "start_time", "end_time", "timezone")


class ProviderUnavailable(APIException):
    """The meeting's provider failed (refused, or did not answer): nothing changed."""

    status_code = status.HTTP_502_BAD_GATEWAY
    default_code = "provider_unavailable"
    default_detail = _("The video meeting provider failed; nothing was changed.")

    def __init__(self, error: ProviderError):
        super().__init__(
            _("The video meeting provider (%(provider)s) failed: %(reason)s Nothing was changed.")
            % {"provider": error.provider, "reason": error}
        )


class MeetingClosed(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "meeting_closed"
    default_detail = _("The meeting has ended or was cancelled.")


@dataclass(frozen=True)
class Guest:
    email: str
    name: str = ""


def spec_of(meeting: Meeting) -> MeetingSpec:
    host = meeting.host
    return MeetingSpec(
        topic=meeting.topic,
        start=meeting.start_time,
        end=meeting.end_time,
        timezone=meeting.timezone,
        agenda=meeting.agenda,
        host_email=host.email,
        host_name=host.get_full_name() or host.get_username(),
    )


def provider_meeting(meeting: Meeting) -> ProviderMeeting:
    return ProviderMeeting(
        provider=meeting.provider,
        provider_id=meeting.provider_meeting_id,
        join_url=meeting.join_url,
        extra=dict(meeting.provider_data),
    )


def as_participant(row: MeetingParticipant) -> Participant:
    return Participant(
        name=row.display_name,
        email=row.address,
        user_id=str(row.user_id or ""),
        is_host=row.role == ParticipantRole.HOST,
    )


def calendar_url(meeting: Meeting, row: MeetingParticipant) -> str:
    """The link an invitation gives `row`: theirs, or the meeting's when the provider
    cannot sign one now (its settings changed): the invitation still goes out."""
    try:
        provider = get_provider(meeting.provider)
        return provider.calendar_url(
            provider_meeting(meeting), as_participant(row), ends_at=meeting.end_time
        )
    except ImproperlyConfigured:
        logger.exception("Video provider not configured: an invitation with the room's link")
        return meeting.join_url


class ProviderNotConfigured(APIException):
    """The organization's provider lacks its settings (credentials): nothing changed."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "provider_not_configured"
    default_detail = _(
        "The video meeting provider of this organization is not configured; nothing was "
        "changed. Ask your administrator."
    )


def _call(function, *args, **kwargs):
    try:
        return function(*args, **kwargs)
    except ProviderError as error:
        logger.warning("Video provider call failed: %s", error)
        raise ProviderUnavailable(error) from None
    except ImproperlyConfigured:
        logger.exception("Video provider not configured")
        raise ProviderNotConfigured() from None


def _quietly(function, *args) -> None:
    """Undo a provider call after the database refused the change (logged if it fails
    too: the provider then holds a meeting or a change the platform does not)."""
    try:
        function(*args)
    except ProviderError:
        logger.exception("Could not undo a video provider call")


def _write_participants(meeting: Meeting, users, guests) -> list[MeetingParticipant]:
    """The meeting's participant rows for `users` and `guests`, the host's first."""
    rows = [MeetingParticipant(meeting=meeting, user=meeting.host, role=ParticipantRole.HOST)]
    rows += [
        MeetingParticipant(meeting=meeting, user=user)
        for user in users
        if user.pk != meeting.host_id
    ]
    rows += [
        MeetingParticipant(meeting=meeting, email=guest.email, name=guest.name) for guest in guests
    ]
    return bulk.bulk_create(rows)  # one INSERT for all, each still audited


def schedule(meeting: Meeting, *, users=(), guests=(), actor=None) -> Meeting:
    """Create `meeting` (unsaved: its fields but the provider's) on its organization's
    provider, then store it with its participants and invite them."""
    provider = _call(provider_for, meeting.organization)
    created = _call(provider.create_meeting, spec_of(meeting))
    meeting.provider = created.provider
    meeting.provider_meeting_id = created.provider_id
    meeting.join_url = created.join_url
    meeting.provider_data = dict(created.extra)
    try:
        with transaction.atomic(), one_row_per_record():
            meeting.save()
            rows = _write_participants(meeting, users, guests)
            invitations.tell(meeting, rows, invitations.INVITED, actor=actor)
    except BaseException:
        _quietly(provider.cancel_meeting, created.provider_id)
        raise
    return meeting


def _same_guest(row: MeetingParticipant, guest: Guest) -> bool:
    return row.user_id is None and row.email.lower() == guest.email.lower()


def reschedule(meeting: Meeting, changes: dict, *, users=None, guests=None, actor=None):
    """Apply `changes` (fields of the meeting) and, when given, the new invite list
    (`users`, `guests`: the host stays): the provider first, then the database; who
    stays is told of a new time or topic, who comes is invited, who goes is told the
    meeting is cancelled for them."""
    before = spec_of(meeting)
    for name, value in changes.items():
        setattr(meeting, name, value)
    after = spec_of(meeting)
    rows = list(meeting.participants.select_related("user"))
    if not meeting.is_open:
        # An ended or cancelled meeting: its description may be corrected, nothing
        # its provider or its participants' calendars hold.
        retimed = (after.start, after.end, after.timezone) != (
            before.start,
            before.end,
            before.timezone,
        )
        if retimed or users is not None or guests is not None:
            raise MeetingClosed()
        with one_row_per_record():
            meeting.save()
        return meeting
    moved = after != before
    provider = get_provider(meeting.provider)
    if moved:
        _call(provider.update_meeting, meeting.provider_meeting_id, after)
    try:
        with transaction.atomic(), one_row_per_record():
            removed, added = [], []
            if users is not None:
                wanted = {user.pk: user for user in users if user.pk != meeting.host_id}
                removed += [
                    row
                    for row in rows
                    if row.user_id is not None
                    and row.role != ParticipantRole.HOST
                    and row.user_id not in wanted
                ]
                present = {row.user_id for row in rows}
                added += [
                    MeetingParticipant(meeting=meeting, user=user)
                    for pk, user in wanted.items()
                    if pk not in present
                ]
            if guests is not None:
                removed += [
                    row
                    for row in rows
                    if row.user_id is None and not any(_same_guest(row, g) for g in guests)
                ]
                added += [
                    MeetingParticipant(meeting=meeting, email=guest.email, name=guest.name)
                    for guest in guests
                    if not any(_same_guest(row, guest) for row in rows)
                ]
            if moved or removed or added:
                meeting.sequence += 1
            meeting.save()
            for row in removed:
                row.delete()
            bulk.bulk_create(added)
            if moved:
                staying = [row for row in rows if row not in removed]
                invitations.tell(meeting, staying, invitations.UPDATED, actor=actor)
            if added:
                invitations.tell(meeting, added, invitations.INVITED, actor=actor)
            if removed:
                invitations.tell(meeting, removed, invitations.CANCELLED, actor=actor)
    except BaseException:
        if moved:
            _quietly(provider.update_meeting, meeting.provider_meeting_id, before)
        raise
    return meeting


def invite(meeting: Meeting, *, user=None, guest: Guest | None = None, actor=None):
    """Add one participant (a member or a guest), invited as `reschedule` invites."""
    rows = list(meeting.participants.select_related("user"))
    users = [
        row.user for row in rows if row.user_id is not None and row.role != ParticipantRole.HOST
    ]
    guests = [Guest(row.email, row.name) for row in rows if row.user_id is None]
    if user is not None:
        reschedule(meeting, {}, users=[*users, user], actor=actor)
        return meeting.participants.select_related("user").get(user=user)
    reschedule(meeting, {}, guests=[*guests, guest], actor=actor)
    return meeting.participants.get(user__isnull=True, email__iexact=guest.email)


def uninvite(meeting: Meeting, row: MeetingParticipant, *, actor=None) -> None:
    """Take a participant (not the host) off the meeting: their calendar is told."""
    rows = list(meeting.participants.select_related("user"))
    if row.user_id is not None:
        users = [
            each.user
            for each in rows
            if each.user_id is not None and each.role != ParticipantRole.HOST and each.pk != row.pk
        ]
        reschedule(meeting, {}, users=users, actor=actor)
    else:
        guests = [
            Guest(each.email, each.name)
            for each in rows
            if each.user_id is None and each.pk != row.pk
        ]
        reschedule(meeting, {}, guests=guests, actor=actor)


def cancel(meeting: Meeting, *, actor=None) -> Meeting:
    """Cancel the meeting on its provider, keep it as CANCELLED and tell its
    participants (their calendars remove it). Cancelling it again changes nothing."""
    if meeting.status == MeetingStatus.CANCELLED:
        return meeting
    if not meeting.is_open:
        raise MeetingClosed()
    _call(get_provider(meeting.provider).cancel_meeting, meeting.provider_meeting_id)
    with transaction.atomic():
        meeting.status = MeetingStatus.CANCELLED
        meeting.cancelled_at = timezone.now()
        meeting.sequence += 1
        meeting.save()
        rows = list(meeting.participants.select_related("user"))
        invitations.tell(meeting, rows, invitations.CANCELLED, actor=actor)
    return meeting


def delete(meeting: Meeting, *, actor=None) -> None:
    """Remove the meeting: cancelled on its provider and in its participants'
    calendars first while it is still to come or running. Its recordings go with it
    (their files too: kept, they would become files of the whole organization)."""
    if meeting.is_open:
        _call(get_provider(meeting.provider).cancel_meeting, meeting.provider_meeting_id)
    with transaction.atomic():
        if meeting.is_open:
            meeting.sequence += 1
            rows = list(meeting.participants.select_related("user"))
            invitations.tell(meeting, rows, invitations.CANCELLED, actor=actor)
        files = list(meeting.recordings.values_list("file_id", flat=True))
        meeting.delete()
        for file in FileStorage.objects.filter(pk__in=files):
            file.delete()


def join_url(meeting: Meeting, user) -> tuple[str, MeetingParticipant]:
    """The address through which `user`, one of the meeting's participants, joins it
    (404 for anyone else; 409 once it ended or was cancelled)."""
    row = meeting.participants.select_related("user").filter(user=user).first()
    if row is None:
        raise NotFound()
    if not meeting.is_open:
        raise MeetingClosed()
    provider = get_provider(meeting.provider)
    url = _call(
        provider.join_url,
        provider_meeting(meeting),
        as_participant(row),
        ends_at=meeting.end_time,
    )
    return url, row


# ------------------------------------------------------------------------- webhooks
class UnknownMeeting(Exception):
    """A verified webhook about a meeting the platform does not hold."""


def receive(provider_name: str, headers, body: bytes) -> dict | None:
    """Take a provider's webhook request: verify it, then apply each event it tells
    once (see `apply`). Returns the answer to a challenge, else None. Raises
    WebhookRejected (bad signature, stale, malformed) or UnknownMeeting; either way
    nothing changed."""
    provider = get_provider(provider_name)
    challenge = provider.verify_webhook(headers, body)
    if challenge is not None:
        return challenge
    events = provider.parse_webhook(body)
    ids = {event.provider_meeting_id for event in events}
    found = set(
        Meeting.objects.filter(provider=provider_name, provider_meeting_id__in=ids).values_list(
            "provider_meeting_id", flat=True
        )
    )
    if ids - found:
        raise UnknownMeeting(", ".join(sorted(ids - found)))
    with transaction.atomic():
        for event in events:
            apply(event)
    return None


def _earliest(current, value):
    return value if current is None or value < current else current


def _latest(current, value):
    return value if current is None or value > current else current


def _participant_row(meeting: Meeting, event: WebhookEvent) -> MeetingParticipant | None:
    email = event.participant_email.strip().lower()
    if not email:
        return None
    for row in meeting.participants.select_related("user"):
        if row.address.lower() == email:
            return row
    return None


def apply(event: WebhookEvent) -> bool:
    """Apply one event to its meeting, unless it was applied before (False). Events
    may come in any order: the meeting's times are the earliest start and the latest
    end told, and a meeting never goes back (ended stays ended, cancelled stays
    cancelled)."""
    meeting = Meeting.objects.select_for_update().get(
        provider=event.provider, provider_meeting_id=event.provider_meeting_id
    )
    if MeetingWebhookEvent.objects.filter(
        provider=event.provider, event_id=event.event_id
    ).exists():
        return False
    record = MeetingWebhookEvent.objects.create(
        provider=event.provider,
        event_id=event.event_id,
        kind=event.kind,
        meeting=meeting,
        occurred_at=event.occurred_at,
        participant=(event.participant_email or event.participant_name)[:255],
    )
    if event.kind == EventKind.MEETING_STARTED:
        meeting.actual_start_time = _earliest(meeting.actual_start_time, event.occurred_at)
        if meeting.status == MeetingStatus.SCHEDULED:
            meeting.status = MeetingStatus.STARTED
        meeting.save()
    elif event.kind == EventKind.MEETING_ENDED:
        meeting.actual_end_time = _latest(meeting.actual_end_time, event.occurred_at)
        if meeting.is_open:
            meeting.status = MeetingStatus.ENDED
        meeting.save()
    elif event.kind in (EventKind.PARTICIPANT_JOINED, EventKind.PARTICIPANT_LEFT):
        row = _participant_row(meeting, event)
        if row is not None:
            if event.kind == EventKind.PARTICIPANT_JOINED:
                row.joined_at = _earliest(row.joined_at, event.occurred_at)
            else:
                row.left_at = _latest(row.left_at, event.occurred_at)
            row.save()
    elif event.kind == EventKind.RECORDING_COMPLETED:
        from .tasks import download_recording

        arguments = (record.pk, event.download_url, event.download_token, event.file_type)
        transaction.on_commit(lambda: download_recording.delay(*arguments))
    return True
