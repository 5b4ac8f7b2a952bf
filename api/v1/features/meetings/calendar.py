"""A meeting as an iCalendar invitation (RFC 5545, iTIP RFC 5546), for calendar apps.

`invitation(meeting, participants, method=...)` is the `.ics` file of an invitation
(METHOD:REQUEST, also for a change: the same UID with a higher SEQUENCE replaces the
event) or a cancellation (METHOD:CANCEL, STATUS:CANCELLED). Times are in UTC, which
every calendar converts; the organizer is the host, every participant an attendee; the
location is the address through which the recipient joins, and a reminder (VALARM)
rings MEETING_REMINDER_BEFORE ahead.
"""

from django.conf import settings
from django.utils import timezone
from icalendar import Alarm, Calendar, Event, vCalAddress, vText

PRODUCT_ID = "-//ERP Platform//Meetings//EN"
REQUEST = "REQUEST"
CANCEL = "CANCEL"


def uid_of(meeting) -> str:
    """The event's UID: the same in every invitation of the meeting."""
    return f"{meeting.uid}@{settings.MEETING_CALENDAR_DOMAIN}"


def _address(email: str, name: str, **params) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    if name:
        address.params["CN"] = vText(name)
    for key, value in params.items():
        address.params[key.upper().replace("_", "-")] = vText(value)
    return address


def invitation(meeting, participants, *, method: str = REQUEST, location: str = "") -> bytes:
    """The `.ics` of `meeting` for its `participants` (MeetingParticipant rows, the
    host's included): see the module. `location`: the recipient's join address."""
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("method", method)
    event = Event()
    event.add("uid", uid_of(meeting))
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", timezone.now())
    event.add("dtstart", meeting.start_time)
    event.add("dtend", meeting.end_time)
    event.add("summary", meeting.topic)
    link = location or meeting.join_url
    description = "\n\n".join(part for part in (meeting.agenda, link) if part)
    if description:
        event.add("description", description)
    event.add("location", link)
    event.add("url", link)
    cancelled = method == CANCEL
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    host = meeting.host
    event.add("organizer", _address(host.email, host.get_full_name() or host.get_username()))
    for participant in participants:
        if not participant.address:
            continue
        event.add(
            "attendee",
            _address(
                participant.address,
                participant.display_name,
                role="CHAIR" if participant.role == "HOST" else "REQ-PARTICIPANT",
                partstat="ACCEPTED" if participant.role == "HOST" else "NEEDS-ACTION",
                cutype="INDIVIDUAL",
            ),
        )
    if not cancelled:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", meeting.topic)
        alarm.add("trigger", -settings.MEETING_REMINDER_BEFORE)
        event.add_component(alarm)
    calendar.add_component(event)
    return calendar.to_ical()
