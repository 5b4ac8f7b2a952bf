"""Zoom: meetings scheduled over Zoom's REST API by a Server-to-Server OAuth app.

Access. The app's credentials (ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID, ZOOM_CLIENT_SECRET, from
the environment) buy an access token: `POST ZOOM_OAUTH_URL?grant_type=
account_credentials&account_id=<account id>` with HTTP Basic auth (client id, secret),
answered with `access_token` and `expires_in` (seconds). The token is kept in Django's
cache, which the processes share when it is Redis, until TOKEN_MARGIN seconds before it
expires. A 401 from the API (a token revoked or expired early) drops it: a new one is
fetched and the call made once more.

Meetings. `POST ZOOM_API_BASE/users/<ZOOM_USER_ID>/meetings` schedules one for that Zoom
user ("me", the default: the app's account; empty: the meeting's host, by email, who
must be a user of the account), `PATCH /meetings/<id>` updates it and `DELETE
/meetings/<id>` cancels it (a 404 counts as cancelled). Bodies as Zoom documents them:
`topic` (200 characters at most), `agenda` (2,000), `type` 2 (scheduled), `start_time` in
UTC ("2030-01-02T09:00:00Z"), `duration` in whole minutes, rounded up, and `timezone`,
the one the meeting is shown in. Participants join by the meeting's `join_url`; the
host starts it by its `start_url`, asked for (`GET /meetings/<id>`) each time a host
needs it, since it carries a short-lived token that lets anyone start the meeting as its
host: it is never stored.

Failures raise ProviderError: Zoom's refusal with its status, `code` and `message`, or
no answer within ZOOM_TIMEOUT seconds, or none at all. Messages never hold a credential.
Requests use the standard library (urllib) with JSON; the proxies of the environment
apply.

Webhooks. `x-zm-signature: v0=<hex HMAC-SHA256 of "v0:<x-zm-request-timestamp>:<raw
body>">` keyed by the app's secret token (ZOOM_WEBHOOK_SECRET_TOKEN), compared in
constant time, its timestamp (Unix seconds) within MEETING_WEBHOOK_TOLERANCE. Zoom's
`endpoint.url_validation` challenge (at set-up, then every 72 hours) is answered with
`{"plainToken": ..., "encryptedToken": <hex HMAC-SHA256 of plainToken>}`, and only once
the request is verified (Zoom signs it too): the answer is an HMAC of a string the
request chooses, so answering anyone would sign anything, a forged event included.

Events. meeting.started / meeting.ended, meeting.participant_joined / _left (the
participant's `user_name` and `email`), recording.completed (one event per file: its
`download_url`, `file_type`, and the event's `download_token`). Zoom gives an event no
id: it is "<event>:<event_ts>:<meeting id>", then ":<participant>" (participant_uuid,
else user_id, else id) or ":<recording file id>". `event_ts` (milliseconds) is the time.
"""

import base64
import hashlib
import hmac
import http.client
import json
import math
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

from .base import (
    EventKind,
    MeetingSpec,
    Participant,
    Provider,
    ProviderError,
    ProviderMeeting,
    WebhookEvent,
    WebhookRejected,
    check_freshness,
    from_milliseconds,
    header,
    json_object,
    require,
    text,
)

NAME = "zoom"
CREDENTIALS = ("ZOOM_ACCOUNT_ID", "ZOOM_CLIENT_ID", "ZOOM_CLIENT_SECRET")
# A cached access token is dropped this many seconds before Zoom says it expires.
TOKEN_MARGIN = 60
TOPIC_LENGTH = 200
AGENDA_LENGTH = 2000
SCHEDULED_MEETING = 2  # Zoom's meeting `type`
URL_VALIDATION = "endpoint.url_validation"
SIGNATURE_HEADER = "x-zm-signature"
TIMESTAMP_HEADER = "x-zm-request-timestamp"

ZOOM_EVENTS = {
    "meeting.started": EventKind.MEETING_STARTED,
    "meeting.ended": EventKind.MEETING_ENDED,
    "meeting.participant_joined": EventKind.PARTICIPANT_JOINED,
    "meeting.participant_left": EventKind.PARTICIPANT_LEFT,
    "recording.completed": EventKind.RECORDING_COMPLETED,
}


@dataclass(frozen=True)
class _Config:
    account_id: str
    client_id: str
    client_secret: str
    oauth_url: str
    api_base: str
    user_id: str
    timeout: float

    @property
    def token_key(self) -> str:
        """The cache key of the app's access token (other credentials, another key)."""
        digest = hashlib.sha256(f"{self.account_id}:{self.client_id}".encode()).hexdigest()
        return f"meetings:zoom:token:{digest[:32]}"


def _config() -> _Config:
    """The API's settings; ImproperlyConfigured, naming them, for missing credentials."""
    missing = [name for name in CREDENTIALS if not getattr(settings, name)]
    if missing:
        raise ImproperlyConfigured(
            f"Zoom meetings need {', '.join(missing)} (the credentials of a Zoom "
            "Server-to-Server OAuth app)."
        )
    for name in ("ZOOM_OAUTH_URL", "ZOOM_API_BASE"):
        if not getattr(settings, name).startswith(("https://", "http://")):
            raise ImproperlyConfigured(f"{name} must be an http(s) URL.")
    return _Config(
        account_id=settings.ZOOM_ACCOUNT_ID,
        client_id=settings.ZOOM_CLIENT_ID,
        client_secret=settings.ZOOM_CLIENT_SECRET,
        oauth_url=settings.ZOOM_OAUTH_URL,
        api_base=settings.ZOOM_API_BASE.rstrip("/"),
        user_id=settings.ZOOM_USER_ID,
        timeout=settings.ZOOM_TIMEOUT,
    )


def _send(
    method: str, url: str, *, authorization: str, timeout: float, body: dict | None = None
) -> tuple[int, dict[str, Any] | None]:
    """One request; its status and JSON object (None when it is not one). Refusals are
    answers too: only no answer at all raises ProviderError."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)  # noqa: S310 (http(s) only)
    request.add_header("Authorization", authorization)
    request.add_header("Accept", "application/json")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        try:
            # An opener of its own: the environment's proxies as they are now, and
            # nothing shared with the rest of the process.
            response = urllib.request.build_opener().open(request, timeout=timeout)
        except urllib.error.HTTPError as error:
            response = error
        with response:
            status, raw = response.status, response.read()
    except (OSError, http.client.HTTPException) as error:
        reason = getattr(error, "reason", error)
        if isinstance(reason, TimeoutError):
            raise ProviderError(NAME, f"Zoom did not answer within {timeout:g} s.") from error
        raise ProviderError(NAME, f"Zoom could not be reached: {reason}") from error
    try:
        answer = json.loads(raw) if raw else {}
    except ValueError:
        answer = None
    return status, answer if isinstance(answer, dict) else None


def _access_token(config: _Config) -> str:
    """The app's access token: the cached one, else a new one (then cached)."""
    token = cache.get(config.token_key)
    if token:
        return token
    query = urlencode({"grant_type": "account_credentials", "account_id": config.account_id})
    basic = base64.b64encode(f"{config.client_id}:{config.client_secret}".encode()).decode()
    status, answer = _send(
        "POST",
        f"{config.oauth_url}?{query}",
        authorization=f"Basic {basic}",
        timeout=config.timeout,
    )
    answer = answer or {}
    if status != 200:
        reason = text(answer, "reason") or text(answer, "error") or "no reason given"
        raise ProviderError(
            NAME,
            f"Zoom refused an access token ({status}): {reason}",
            status=status,
            code=text(answer, "error"),
        )
    token, expires_in = answer.get("access_token"), answer.get("expires_in")
    if not (token and isinstance(token, str) and isinstance(expires_in, int)):
        raise ProviderError(NAME, "Zoom's access token answer lacks the token.", status=status)
    if expires_in > TOKEN_MARGIN:
        cache.set(config.token_key, token, timeout=expires_in - TOKEN_MARGIN)
    return token


def _api(config: _Config, method: str, path: str, body: dict | None = None) -> dict[str, Any]:
    """A call to the REST API: its JSON object ({} when it answers with no content)."""
    url = f"{config.api_base}{path}"

    def call() -> tuple[int, dict[str, Any] | None]:
        authorization = f"Bearer {_access_token(config)}"
        return _send(method, url, authorization=authorization, timeout=config.timeout, body=body)

    status, answer = call()
    if status == 401:
        # Revoked, or expired before its time: one new token, one more try.
        cache.delete(config.token_key)
        status, answer = call()
    if 200 <= status < 300:
        if answer is None:
            raise ProviderError(NAME, f"Zoom answered {status} with no JSON.", status=status)
        return answer
    answer = answer or {}
    code = answer.get("code")
    raise ProviderError(
        NAME,
        f"Zoom answered {status}: {text(answer, 'message') or 'no message'}",
        status=status,
        code="" if code is None else str(code),
    )


def _field(answer: Mapping[str, Any], key: str, kind: type | tuple[type, ...]) -> Any:
    value = answer.get(key)
    if isinstance(value, bool) or not isinstance(value, kind) or value == "":
        raise ProviderError(NAME, f"Zoom's answer has no {key!r}.")
    return value


def _meeting_body(spec: MeetingSpec) -> dict[str, Any]:
    return {
        "topic": spec.topic[:TOPIC_LENGTH],
        "agenda": spec.agenda[:AGENDA_LENGTH],
        "type": SCHEDULED_MEETING,
        "start_time": spec.start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "duration": math.ceil(spec.duration.total_seconds() / 60),
        "timezone": spec.timezone,
    }


def _meeting_path(provider_id: str) -> str:
    return f"/meetings/{quote(provider_id, safe='')}"


class ZoomProvider(Provider):
    name = NAME

    def create_meeting(self, spec: MeetingSpec) -> ProviderMeeting:
        config = _config()
        user = config.user_id or spec.host_email
        if not user:
            raise ValueError(
                "ZOOM_USER_ID is empty, so meetings are scheduled for their host, and this "
                "one has no host email."
            )
        answer = _api(
            config, "POST", f"/users/{quote(user, safe='')}/meetings", _meeting_body(spec)
        )
        return ProviderMeeting(
            provider=self.name,
            provider_id=str(_field(answer, "id", (int, str))),
            join_url=_field(answer, "join_url", str),
            extra={"uuid": text(answer, "uuid")},
        )

    def update_meeting(self, provider_id: str, spec: MeetingSpec) -> None:
        _api(_config(), "PATCH", _meeting_path(provider_id), _meeting_body(spec))

    def cancel_meeting(self, provider_id: str) -> None:
        try:
            _api(_config(), "DELETE", _meeting_path(provider_id))
        except ProviderError as error:
            if error.status != 404:
                raise

    def join_url(
        self, meeting: ProviderMeeting, participant: Participant, *, ends_at: datetime
    ) -> str:
        """The meeting's join URL; the host's start URL (asked for now: it expires)."""
        if not participant.is_host:
            return meeting.join_url
        answer = _api(_config(), "GET", _meeting_path(meeting.provider_id))
        return _field(answer, "start_url", str)

    def calendar_url(
        self, meeting: ProviderMeeting, participant: Participant, *, ends_at: datetime
    ) -> str:
        """The meeting's join URL for everyone: a start URL expires within hours (the
        host starts the meeting from the platform, or by signing in to Zoom)."""
        return meeting.join_url

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> dict[str, str] | None:
        secret = settings.ZOOM_WEBHOOK_SECRET_TOKEN
        if not secret:
            raise ImproperlyConfigured(
                "ZOOM_WEBHOOK_SECRET_TOKEN is not set: Zoom webhooks cannot be verified."
            )
        signature = header(headers, SIGNATURE_HEADER)
        timestamp = header(headers, TIMESTAMP_HEADER)
        if not (signature and timestamp):
            raise WebhookRejected(
                f"No {SIGNATURE_HEADER} or no {TIMESTAMP_HEADER} header.",
                code=WebhookRejected.MISSING_SIGNATURE,
            )
        message = b"v0:" + timestamp.encode() + b":" + body
        expected = b"v0=" + _hmac(secret, message).encode()
        if not hmac.compare_digest(expected, signature.encode()):
            raise WebhookRejected(
                "The signature does not match.", code=WebhookRejected.BAD_SIGNATURE
            )
        check_freshness(timestamp)
        data = json_object(body)
        if data.get("event") != URL_VALIDATION:
            return None
        plain_token = require(require(data, "payload", dict), "plainToken", str)
        return {"plainToken": plain_token, "encryptedToken": _hmac(secret, plain_token.encode())}

    def parse_webhook(self, body: bytes) -> list[WebhookEvent]:
        data = json_object(body)
        name = require(data, "event", str)
        kind = ZOOM_EVENTS.get(name)
        if kind is None:
            return []
        event_ts = require(data, "event_ts", int)
        meeting = require(require(data, "payload", dict), "object", dict)
        meeting_id = str(require(meeting, "id", (int, str)))
        event = WebhookEvent(
            provider=self.name,
            kind=kind,
            event_id=f"{name}:{event_ts}:{meeting_id}",
            provider_meeting_id=meeting_id,
            occurred_at=from_milliseconds(event_ts),
        )
        if kind in (EventKind.PARTICIPANT_JOINED, EventKind.PARTICIPANT_LEFT):
            person = require(meeting, "participant", dict)
            who = next(
                (
                    str(person[key])
                    for key in ("participant_uuid", "user_id", "id")
                    if person.get(key)
                ),
                "",
            )
            return [
                replace(
                    event,
                    event_id=f"{event.event_id}:{who}",
                    participant_name=text(person, "user_name"),
                    participant_email=text(person, "email"),
                )
            ]
        if kind is EventKind.RECORDING_COMPLETED:
            files = require(meeting, "recording_files", list)
            if not all(isinstance(file, dict) for file in files):
                raise WebhookRejected(
                    "The body's recording files are not objects.", code=WebhookRejected.MALFORMED
                )
            download_token = text(data, "download_token")
            return [
                replace(
                    event,
                    event_id=f"{event.event_id}:{require(file, 'id', str)}",
                    download_url=require(file, "download_url", str),
                    download_token=download_token,
                    file_type=text(file, "file_type"),
                )
                for file in files
            ]
        return [event]


def _hmac(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
