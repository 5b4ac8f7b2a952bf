"""The meetings' background work: invitation emails, reminders, recordings."""

import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.emails import TRANSIENT_ERRORS
from notifications.services import send_notification

from . import invitations, recordings
from .choices import MeetingStatus
from .models import Meeting, MeetingWebhookEvent

logger = logging.getLogger(__name__)


def _retry_delay(task) -> int:
    return settings.MEETING_RETRY_DELAY * 2**task.request.retries


@shared_task(bind=True, max_retries=None)
def send_meeting_emails(self, messages: list[dict]) -> dict:
    """Send invitation emails (meetings.invitations), each with its calendar file; those
    the mail server refused for now are tried again, alone, after a growing delay, up to
    MEETING_MAX_RETRIES times."""
    failed = []
    connection = get_connection()
    try:
        for message in messages:
            email = EmailMultiAlternatives(
                message["subject"], message["body"], to=[message["to"]], connection=connection
            )
            email.attach("invite.ics", message["ics"], "text/calendar")
            try:
                email.send()
            except TRANSIENT_ERRORS:
                logger.warning("Meeting email to %s failed", message["to"], exc_info=True)
                failed.append(message)
    finally:
        try:
            connection.close()
        except TRANSIENT_ERRORS:
            logger.warning("Closing the mail connection failed", exc_info=True)
    if failed and self.request.retries < settings.MEETING_MAX_RETRIES:
        raise self.retry(args=[failed], countdown=_retry_delay(self))
    return {"sent": len(messages) - len(failed), "failed": len(failed)}


@shared_task
def send_meeting_reminders() -> int:
    """Remind the members invited to meetings starting within MEETING_REMINDER_BEFORE
    (a `meeting_reminder` notification, by email too if they chose so), once per
    meeting; meetings that started more than that ago are left alone. Returns the
    number of meetings reminded."""
    now = timezone.now()
    window = settings.MEETING_REMINDER_BEFORE
    reminded = 0
    with transaction.atomic():
        due = (
            Meeting.objects.select_for_update(skip_locked=True)
            .filter(
                status=MeetingStatus.SCHEDULED,
                reminded_at__isnull=True,
                start_time__lte=now + window,
                start_time__gt=now - window,
            )
            .order_by("start_time")
        )
        for meeting in due:
            users = meeting.participants.filter(user__isnull=False).values_list(
                "user_id", flat=True
            )
            send_notification(
                list(users),
                "meeting_reminder",
                _("Starting soon: %(topic)s") % {"topic": meeting.topic},
                invitations.when(meeting),
                target=meeting,
                action_url=reverse("api-v1:meeting-join", args=[meeting.pk]),
                action_text=_("Join"),
            )
            Meeting.objects.filter(pk=meeting.pk).update(reminded_at=now)
            reminded += 1
    return reminded


@shared_task(bind=True, max_retries=None)
def download_recording(self, event_id: int, url: str, token: str, file_type: str) -> int | None:
    """Download the recording a webhook event told of and attach it to its meeting
    (meetings.recordings); retried after a growing delay while the provider fails for
    now, up to MEETING_MAX_RETRIES times. A failure that stays is kept on the event
    (`error`). Returns the recording's id."""
    event = MeetingWebhookEvent.objects.select_related("meeting").filter(pk=event_id).first()
    if event is None:  # the meeting was deleted meanwhile
        return None
    try:
        recording = recordings.download(event.meeting, url, token, file_type)
    except recordings.Retry as error:
        if self.request.retries < settings.MEETING_MAX_RETRIES:
            raise self.retry(countdown=_retry_delay(self)) from error
        reason = str(error)
    except recordings.Refused as error:
        reason = str(error)
    else:
        MeetingWebhookEvent.objects.filter(pk=event_id).update(error="")
        return recording.pk
    logger.warning("Recording of meeting %s not downloaded: %s", event.meeting_id, reason)
    MeetingWebhookEvent.objects.filter(pk=event_id).update(error=reason)
    return None
