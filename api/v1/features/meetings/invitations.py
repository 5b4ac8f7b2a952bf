"""Telling participants of a meeting: invited, changed, cancelled.

`tell(meeting, participants, kind)` is called in the transaction of the change. The
members among `participants` get an in-app notification (`meeting_invitation`,
`meeting_updated`, `meeting_cancelled`) and, if their preferences want invitations
by email (the default), an email; guests always get the email. Each
email carries the meeting as an iCalendar file (meetings.calendar) with the
recipient's own join address, built now (so that a meeting being deleted is still
described), sent once the transaction commits (meetings.tasks.send_meeting_emails,
retried while the mail server refuses).
"""

from functools import partial
from zoneinfo import ZoneInfo

from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from notifications import preferences
from notifications.services import send_notification

from . import calendar

INVITED = "invited"
UPDATED = "updated"
CANCELLED = "cancelled"
# Whether a member gets the emails of a meeting, its changes and its cancellation
# included (one thread in their calendar): their choice for invitations.
EMAIL_TYPE = "meeting_invitation"
TYPES = {
    INVITED: "meeting_invitation",
    UPDATED: "meeting_updated",
    CANCELLED: "meeting_cancelled",
}


def _title(kind: str, topic: str) -> str:
    if kind == INVITED:
        return _("Invitation: %(topic)s") % {"topic": topic}
    if kind == UPDATED:
        return _("Updated invitation: %(topic)s") % {"topic": topic}
    return _("Cancelled: %(topic)s") % {"topic": topic}


def when(meeting) -> str:
    """The meeting's times in its time zone ("Mon 7 Dec 2026, 10:00-11:00 (Europe/Paris)")."""
    zone = ZoneInfo(meeting.timezone)
    start, end = meeting.start_time.astimezone(zone), meeting.end_time.astimezone(zone)
    end_format = "TIME_FORMAT" if start.date() == end.date() else "DATETIME_FORMAT"
    return (
        f"{date_format(start, 'DATETIME_FORMAT')} - {date_format(end, end_format)} "
        f"({meeting.timezone})"
    )


def tell(meeting, participants, kind: str, *, actor=None) -> None:
    """See the module. For a cancellation the calendar file lists `participants`;
    otherwise every participant of the meeting."""
    from .services import calendar_url

    # Whoever made the change knows of it (the host scheduling their meeting).
    participants = [
        row for row in participants if actor is None or row.user_id != getattr(actor, "pk", None)
    ]
    if not participants:
        return
    type_code = TYPES[kind]
    title = _title(kind, meeting.topic)
    users = [row.user_id for row in participants if row.user_id is not None]
    summary = when(meeting)
    if users:
        send_notification(
            users,
            type_code,
            title,
            summary,
            target=None if kind == CANCELLED else meeting,
            organization=meeting.organization_id,
            actor=actor,
            action_url=reverse("api-v1:meeting-detail", args=[meeting.pk]),
            action_text=_("Open"),
            email=False,
        )
    chosen = preferences.of_users(users)
    recipients = [
        row
        for row in participants
        if row.address
        and (
            row.user_id is None
            or (
                row.user.is_active
                and preferences.wants(chosen[row.user_id].choices, EMAIL_TYPE, preferences.EMAIL)
            )
        )
    ]
    if not recipients:
        return
    if kind == CANCELLED:
        attendees, method = participants, calendar.CANCEL
    else:
        attendees, method = list(meeting.participants.select_related("user")), calendar.REQUEST
    host = meeting.host
    context = {
        "kind": kind,
        "topic": meeting.topic,
        "agenda": meeting.agenda,
        "when": summary,
        "organizer": host.get_full_name() or host.get_username(),
        "organization": meeting.organization.name,
    }
    messages = []
    for row in recipients:
        link = "" if kind == CANCELLED else calendar_url(meeting, row)
        messages.append(
            {
                "to": row.address,
                "subject": title,
                "body": render_to_string(
                    "meetings/email/invitation.txt", {**context, "link": link}
                ),
                "ics": calendar.invitation(
                    meeting, attendees, method=method, location=link
                ).decode(),
                "method": method,
            }
        )
    transaction.on_commit(partial(_queue, messages))


def _queue(messages) -> None:
    from .tasks import send_meeting_emails

    send_meeting_emails.delay(messages)
