"""Jitsi Meet, the embedded default, and 8x8's Jitsi as a Service (JaaS).

Jitsi has no API to schedule a meeting: a room exists while someone is in it, and is
opened by going to its address. Creating a meeting is naming a room, locally; updating
and cancelling it change nothing on the server (whoever has a join link can still open
the room: the meetings app stops handing links out). What keeps strangers out is the
room's name, a readable slug of the topic and 128 random bits, all lowercase (Jitsi's
XMPP server folds room names to lowercase: a mixed-case name would hold less randomness
than it shows, and could differ from a token's room claim), and, where the server
requires them, the join tokens.

The settings present choose one of three setups:

- no credentials: rooms on JITSI_BASE_URL (the public https://meet.jit.si by default),
  join links without tokens;
- JITSI_APP_ID and JITSI_APP_SECRET: a self-hosted Jitsi with token authentication
  (prosody's `token` auth, the app id and secret of its JWT_APP_ID / JWT_APP_SECRET):
  each participant's link carries `?jwt=`, signed HS256, with the Jitsi claims (`aud`
  "jitsi", `iss` the app id, `sub` "*" (any XMPP domain: the public address's host is
  often not the server's own), `room`, `exp` TOKEN_GRACE after the meeting's end) and
  `context.user` (id, name, email, `moderator` true for the host);
- JAAS_APP_ID, JAAS_API_KEY_ID and JAAS_PRIVATE_KEY: JaaS, rooms at
  https://8x8.vc/<app id>/<room>, tokens signed RS256 with the API key's private key
  (PEM), the key named by the `kid` header "<app id>/<key id>", `iss` "chat", `sub` the
  app id, `context.user.moderator` "true"/"false" and `context.features` as JaaS
  documents them (recording for the host only; live streaming, transcription and
  outgoing calls for no one).

Webhooks come from JaaS only, signed with the endpoint's secret (JAAS_WEBHOOK_SECRET):
`X-Jaas-Signature: t=<Unix seconds>,v1=<signature>[,v1=...]`, each signature the
base64 HMAC-SHA256 of "<t>.<raw body>"; any v1 that matches will do, and other schemes
are ignored (no downgrade). The timestamp must be within MEETING_WEBHOOK_TOLERANCE.
"""

import base64
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import jwt
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.text import slugify
from jwt.algorithms import has_crypto

from .base import (
    EventKind,
    MeetingSpec,
    Participant,
    Provider,
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

JAAS_BASE_URL = "https://8x8.vc"
# A join token stays valid this long after the meeting's scheduled end (meetings run
# over), and from this long before it was signed (clocks differ).
TOKEN_GRACE = timedelta(hours=1)
CLOCK_SKEW = timedelta(minutes=1)
SLUG_LENGTH = 40
SIGNATURE_HEADER = "X-Jaas-Signature"

JAAS_EVENTS = {
    "ROOM_CREATED": EventKind.MEETING_STARTED,
    "ROOM_DESTROYED": EventKind.MEETING_ENDED,
    "PARTICIPANT_JOINED": EventKind.PARTICIPANT_JOINED,
    "PARTICIPANT_LEFT": EventKind.PARTICIPANT_LEFT,
    "RECORDING_UPLOADED": EventKind.RECORDING_COMPLETED,
}
# JaaS records meetings as MP4 files.
JAAS_RECORDING_TYPE = "MP4"


def room_name(topic: str) -> str:
    """A new room's name: the topic's slug (ASCII letters, digits and hyphens) and 32
    random hexadecimal digits."""
    slug = slugify(topic)[:SLUG_LENGTH].strip("-")
    token = secrets.token_hex(16)
    return f"{slug}-{token}" if slug else token


@dataclass(frozen=True)
class _Setup:
    """Where rooms are (`rooms_url`/<room>) and how join tokens are signed: `algorithm`
    is empty when links carry none."""

    rooms_url: str
    algorithm: str = ""
    key: str = ""
    app_id: str = ""
    key_id: str = ""

    @property
    def jaas(self) -> bool:
        return self.algorithm == "RS256"


def _setup() -> _Setup:
    """The setup the settings describe; ImproperlyConfigured for half of one."""
    if settings.JAAS_APP_ID:
        missing = [
            name for name in ("JAAS_API_KEY_ID", "JAAS_PRIVATE_KEY") if not getattr(settings, name)
        ]
        if missing:
            raise ImproperlyConfigured(
                f"JAAS_APP_ID is set but {' and '.join(missing)} not: JaaS join tokens "
                "cannot be signed."
            )
        if not has_crypto:
            raise ImproperlyConfigured(
                "JaaS join tokens are signed with RS256, which needs the cryptography package."
            )
        app_id = settings.JAAS_APP_ID
        key_id = settings.JAAS_API_KEY_ID
        return _Setup(
            rooms_url=f"{JAAS_BASE_URL}/{app_id}",
            algorithm="RS256",
            key=settings.JAAS_PRIVATE_KEY,
            app_id=app_id,
            # The console shows the key's id whole ("<app id>/<key>"), or the key part.
            key_id=key_id if "/" in key_id else f"{app_id}/{key_id}",
        )
    rooms_url = settings.JITSI_BASE_URL.rstrip("/")
    if settings.JITSI_APP_ID or settings.JITSI_APP_SECRET:
        if not (settings.JITSI_APP_ID and settings.JITSI_APP_SECRET):
            raise ImproperlyConfigured(
                "Set both JITSI_APP_ID and JITSI_APP_SECRET (Jitsi join tokens), or neither."
            )
        return _Setup(
            rooms_url=rooms_url,
            algorithm="HS256",
            key=settings.JITSI_APP_SECRET,
            app_id=settings.JITSI_APP_ID,
        )
    return _Setup(rooms_url=rooms_url)


def _token(setup: _Setup, room: str, participant: Participant, ends_at: datetime) -> str:
    """A join token for `participant` in `room`, signed as `setup` says."""
    now = timezone.now()
    user: dict[str, Any] = {
        key: value
        for key, value in (
            ("id", participant.user_id),
            ("name", participant.name),
            ("email", participant.email),
        )
        if value
    }
    claims: dict[str, Any] = {
        "aud": "jitsi",
        "room": room,
        "iat": now,
        "nbf": now - CLOCK_SKEW,
        "exp": ends_at + TOKEN_GRACE,
    }
    headers = None
    if setup.jaas:
        moderator = "true" if participant.is_host else "false"
        user["moderator"] = moderator
        features = {
            "recording": moderator,
            "livestreaming": "false",
            "transcription": "false",
            "outbound-call": "false",
            "sip-outbound-call": "false",
        }
        claims |= {
            "iss": "chat",
            "sub": setup.app_id,
            "context": {"user": user, "features": features},
        }
        headers = {"kid": setup.key_id}
    else:
        user["moderator"] = participant.is_host
        claims |= {"iss": setup.app_id, "sub": "*", "context": {"user": user}}
    try:
        return jwt.encode(claims, setup.key, algorithm=setup.algorithm, headers=headers)
    except (jwt.InvalidKeyError, ValueError, TypeError) as error:
        setting = "JAAS_PRIVATE_KEY" if setup.jaas else "JITSI_APP_SECRET"
        raise ImproperlyConfigured(f"{setting} cannot sign {setup.algorithm} tokens.") from error


class JitsiProvider(Provider):
    name = "jitsi"

    def create_meeting(self, spec: MeetingSpec) -> ProviderMeeting:
        room = room_name(spec.topic)
        return ProviderMeeting(
            provider=self.name, provider_id=room, join_url=f"{_setup().rooms_url}/{room}"
        )

    def update_meeting(self, provider_id: str, spec: MeetingSpec) -> None:
        """Nothing to do: the room has no schedule on the server."""

    def cancel_meeting(self, provider_id: str) -> None:
        """Nothing to do: the server forgets a room once it is empty."""

    def join_url(
        self, meeting: ProviderMeeting, participant: Participant, *, ends_at: datetime
    ) -> str:
        """The room's address on the server configured now, with the participant's
        token where the setup signs them."""
        setup = _setup()
        url = f"{setup.rooms_url}/{meeting.provider_id}"
        if not setup.algorithm:
            return url
        return f"{url}?jwt={_token(setup, meeting.provider_id, participant, ends_at)}"

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> None:
        secret = settings.JAAS_WEBHOOK_SECRET
        if not secret:
            raise ImproperlyConfigured(
                "JAAS_WEBHOOK_SECRET is not set: JaaS webhooks cannot be verified."
            )
        value = header(headers, SIGNATURE_HEADER)
        if not value:
            raise WebhookRejected(
                f"No {SIGNATURE_HEADER} header.", code=WebhookRejected.MISSING_SIGNATURE
            )
        timestamp, signatures = "", []
        for element in value.split(","):
            scheme, _, item = element.strip().partition("=")
            if scheme == "t":
                timestamp = item
            elif scheme == "v1":
                signatures.append(item.encode())
        if not timestamp or not signatures:
            raise WebhookRejected(
                f"{SIGNATURE_HEADER} has no timestamp or no v1 signature.",
                code=WebhookRejected.BAD_SIGNATURE,
            )
        digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
        expected = base64.b64encode(digest.digest())
        if not any(hmac.compare_digest(expected, signature) for signature in signatures):
            raise WebhookRejected(
                "The signature does not match.", code=WebhookRejected.BAD_SIGNATURE
            )
        check_freshness(timestamp)

    def parse_webhook(self, body: bytes) -> list[WebhookEvent]:
        """A JaaS event: `idempotencyKey` is its id, `fqn` ("<app id>/<room>") names
        the meeting, `timestamp` (milliseconds) is when it happened."""
        data = json_object(body)
        kind = JAAS_EVENTS.get(require(data, "eventType", str))
        if kind is None:
            return []
        app_id, _, room = require(data, "fqn", str).partition("/")
        if not (app_id and room):
            raise WebhookRejected(
                "The body's 'fqn' is not '<app id>/<room>'.", code=WebhookRejected.MALFORMED
            )
        event = WebhookEvent(
            provider=self.name,
            kind=kind,
            event_id=require(data, "idempotencyKey", str),
            provider_meeting_id=room,
            occurred_at=from_milliseconds(require(data, "timestamp", int)),
        )
        details = data.get("data", {})
        if not isinstance(details, dict):
            raise WebhookRejected(
                "The body's 'data' is not an object.", code=WebhookRejected.MALFORMED
            )
        if kind in (EventKind.PARTICIPANT_JOINED, EventKind.PARTICIPANT_LEFT):
            return [
                replace(
                    event,
                    participant_name=text(details, "name"),
                    participant_email=text(details, "email"),
                )
            ]
        if kind is EventKind.RECORDING_COMPLETED:
            return [
                replace(
                    event,
                    download_url=require(details, "preAuthenticatedLink", str),
                    file_type=JAAS_RECORDING_TYPE,
                )
            ]
        return [event]
