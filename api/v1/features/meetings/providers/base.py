"""What every video-meeting provider offers, whichever service runs the meetings.

A provider creates, updates and cancels a meeting on its service from a `MeetingSpec`,
gives each participant a way in (`join_url`), and turns the webhooks its service sends
into provider-neutral `WebhookEvent`s: meeting started or ended, participant joined or
left, recording completed. The meetings app stores a `ProviderMeeting` and events; it
never sees which service it talks to.

Webhooks are taken in two steps, both on the raw body as received: `verify_webhook`
(signature and freshness; it returns the answer to a provider's challenge when the
request is one) then `parse_webhook`. A request that fails either raises
`WebhookRejected`, whose `code` says why; a call to a provider's API that fails raises
`ProviderError`. Neither message ever holds a credential.

Providers are chosen per organization: `MEETING_PROVIDERS_BY_ORGANIZATION` maps an
organization's code to a provider name, and the others get `MEETING_PROVIDER`. Each
provider reads its settings (credentials come from the environment) when it uses them,
so a missing one is reported, by name, only to the organizations that need it.
"""

import json
import time
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, ClassVar, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from core.inputs import describe_path, json_problem

# The providers by name; imported when first asked for.
PROVIDERS = {
    "jitsi": f"{__package__}.jitsi.JitsiProvider",
    "zoom": f"{__package__}.zoom.ZoomProvider",
}


class EventKind(StrEnum):
    """What a webhook event tells, whichever provider sent it."""

    MEETING_STARTED = "meeting_started"
    MEETING_ENDED = "meeting_ended"
    PARTICIPANT_JOINED = "participant_joined"
    PARTICIPANT_LEFT = "participant_left"
    RECORDING_COMPLETED = "recording_completed"


@dataclass(frozen=True)
class MeetingSpec:
    """A meeting as the platform schedules it: `start` and `end` are aware datetimes,
    `timezone` the IANA name the meeting is shown in (e.g. "Europe/Paris"), the host who
    runs it on the platform (Zoom schedules it for that email when ZOOM_USER_ID is
    empty)."""

    topic: str
    start: datetime
    end: datetime
    timezone: str = "UTC"
    agenda: str = ""
    host_email: str = ""
    host_name: str = ""

    def __post_init__(self) -> None:
        if self.start.utcoffset() is None or self.end.utcoffset() is None:
            raise ValueError("A meeting's start and end must be aware datetimes.")
        if self.end <= self.start:
            raise ValueError("A meeting must end after it starts.")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"Unknown time zone {self.timezone!r}.") from None

    @property
    def duration(self) -> timedelta:
        return self.end - self.start


@dataclass(frozen=True)
class Participant:
    """Who a join link is for: the host moderates the meeting. `user_id` is an opaque,
    stable identifier of the person on the platform (never a credential)."""

    name: str
    email: str = ""
    user_id: str = ""
    is_host: bool = False


@dataclass(frozen=True)
class ProviderMeeting:
    """A meeting as its provider knows it: `provider_id` names it in every later call
    and webhook, `join_url` is its address for everyone. `extra` holds what else the
    provider returned that is worth keeping; it is safe to store and show (never a
    credential, nor a link that starts the meeting as its host)."""

    provider: str
    provider_id: str
    join_url: str
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class WebhookEvent:
    """One thing that happened to a meeting, as a provider's webhook told it.

    `event_id` is unique per event and provider, and the same each time the provider
    delivers the event again (deliveries are at least once: store it to ignore repeats).
    `participant_name` and `participant_email` are as the provider gives them (either may
    be empty); `download_url`, `download_token` (Zoom's, which authorizes the download)
    and `file_type` ("MP4", "M4A", ...) describe a completed recording's file.
    """

    provider: str
    kind: EventKind
    event_id: str
    provider_meeting_id: str
    occurred_at: datetime
    participant_name: str = ""
    participant_email: str = ""
    download_url: str = ""
    download_token: str = ""
    file_type: str = ""


class ProviderError(Exception):
    """A call to a provider's API failed: refused (`status`, the provider's error `code`
    and message), or not answered (`status` is None: unreachable, timed out). The
    message never holds a credential."""

    def __init__(self, provider: str, message: str, *, status: int | None = None, code: str = ""):
        super().__init__(message)
        self.provider = provider
        self.status = status
        self.code = code


class WebhookRejected(Exception):
    """A webhook request that must not be acted on; `code` says why (a 4xx for the
    sender): its signature is missing or wrong, it is too old (or too far in the
    future) to be told from a replay, or its body is not what the provider sends."""

    MISSING_SIGNATURE = "missing_signature"
    BAD_SIGNATURE = "bad_signature"
    STALE = "stale"
    MALFORMED = "malformed"

    def __init__(self, message: str, *, code: str):
        super().__init__(message)
        self.code = code


class Provider(ABC):
    """A video-meeting service. Instances hold no state: settings are read at each use."""

    name: ClassVar[str]

    @abstractmethod
    def create_meeting(self, spec: MeetingSpec) -> ProviderMeeting:
        """Schedule the meeting on the service."""

    @abstractmethod
    def update_meeting(self, provider_id: str, spec: MeetingSpec) -> None:
        """Bring the meeting up to date with `spec`; its addresses do not change."""

    @abstractmethod
    def cancel_meeting(self, provider_id: str) -> None:
        """Cancel the meeting; cancelling one the service no longer has is not an error."""

    @abstractmethod
    def join_url(
        self, meeting: ProviderMeeting, participant: Participant, *, ends_at: datetime
    ) -> str:
        """The address through which `participant` joins (the host: starts) the meeting,
        of their own where the service allows it; what it carries expires a while after
        `ends_at`, the meeting's scheduled end."""

    def calendar_url(
        self, meeting: ProviderMeeting, participant: Participant, *, ends_at: datetime
    ) -> str:
        """The address a calendar invitation gives `participant`: their join URL,
        unless the provider only gives it when asked at the time (then the meeting's)."""
        return self.join_url(meeting, participant, ends_at=ends_at)

    @abstractmethod
    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> dict[str, str] | None:
        """Check that a webhook request comes from the service, recently: raise
        WebhookRejected if not. Return the body to answer with when the request is the
        service checking the endpoint (a challenge), else None. `body` is the raw body."""

    @abstractmethod
    def parse_webhook(self, body: bytes) -> list[WebhookEvent]:
        """The events a verified webhook body tells (none for events the platform does
        not follow); raise WebhookRejected(MALFORMED) for a body the service would not
        send."""


def get_provider(name: str) -> Provider:
    """The provider called `name` ("jitsi", "zoom")."""
    try:
        path = PROVIDERS[name]
    except KeyError:
        known = ", ".join(sorted(PROVIDERS))
        raise ImproperlyConfigured(
            f"Unknown meeting provider {name!r}: choose one of {known}."
        ) from None
    return import_string(path)()


class Coded(Protocol):
    """An organization, as far as choosing its provider goes."""

    code: str


def provider_for(organization: Coded) -> Provider:
    """The provider of an organization's meetings: its code's entry in
    MEETING_PROVIDERS_BY_ORGANIZATION, else MEETING_PROVIDER."""
    name = settings.MEETING_PROVIDERS_BY_ORGANIZATION.get(
        organization.code, settings.MEETING_PROVIDER
    )
    return get_provider(name)


# Helpers of the providers' webhooks.
def header(headers: Mapping[str, str], name: str) -> str:
    """A request header by name, whatever its case ('' when absent)."""
    name = name.lower()
    return next((value for key, value in headers.items() if key.lower() == name), "")


def check_freshness(timestamp: str) -> None:
    """Refuse a signed timestamp (Unix seconds) further than MEETING_WEBHOOK_TOLERANCE
    from now, either way: an old request may be a replay of a genuine one."""
    if not (timestamp.isascii() and timestamp.isdigit()):
        raise WebhookRejected(
            "The signature's timestamp is not a number.", code=WebhookRejected.MALFORMED
        )
    tolerance = settings.MEETING_WEBHOOK_TOLERANCE.total_seconds()
    if abs(time.time() - int(timestamp)) > tolerance:
        raise WebhookRejected(
            f"The request was signed more than {tolerance:g} s from now.",
            code=WebhookRejected.STALE,
        )


def json_object(body: bytes) -> dict[str, Any]:
    """A webhook body's JSON object."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        raise WebhookRejected("The body is not JSON.", code=WebhookRejected.MALFORMED) from None
    if not isinstance(data, dict):
        raise WebhookRejected("The body is not a JSON object.", code=WebhookRejected.MALFORMED)
    problem = json_problem(data)
    if problem is not None:  # text the database could not store (NUL), too deep
        path, reason = problem
        raise WebhookRejected(f"{describe_path(path)}: {reason}", code=WebhookRejected.MALFORMED)
    return data


def require(data: Mapping[str, Any], key: str, kind: type | tuple[type, ...]) -> Any:
    """`data[key]`, which must be a non-empty value of `kind` (booleans are no numbers)."""
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, kind) or value == "":
        raise WebhookRejected(f"The body has no valid {key!r}.", code=WebhookRejected.MALFORMED)
    return value


def text(data: Mapping[str, Any], key: str) -> str:
    """`data[key]` when it is a string, else '' (an optional field)."""
    value = data.get(key)
    return value if isinstance(value, str) else ""


def from_milliseconds(value: int) -> datetime:
    """An aware datetime from a webhook's Unix time in milliseconds."""
    try:
        return datetime.fromtimestamp(value / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise WebhookRejected(f"{value} is not a time.", code=WebhookRejected.MALFORMED) from None
