"""Jitsi Meet and JaaS: rooms, join links and their tokens (decoded and checked with
PyJWT, JaaS's with an RSA key made for the test), and JaaS webhooks signed for real with
a test secret. Jitsi has no API: nothing here makes a request."""

import base64
import hashlib
import hmac
import json
import re
import time
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from api.v1.features.meetings.providers import (
    EventKind,
    MeetingSpec,
    Participant,
    ProviderMeeting,
    WebhookRejected,
    get_provider,
)
from api.v1.features.meetings.providers.jitsi import TOKEN_GRACE

START = datetime(2030, 1, 2, 9, 0, tzinfo=UTC)
END = START + timedelta(hours=1)
APP_SECRET = "self-hosted-app-secret-of-32-bytes!"
JAAS_APP_ID = "vpaas-magic-cookie-1fc542a3e4414a44b2611668195e2bfe"
WEBHOOK_SECRET = "whsec-jaas-test-secret"
HOST = Participant("Ada Lovelace", "ada@example.com", user_id="7", is_host=True)
GUEST = Participant("Bob", "bob@example.com", user_id="8")
ROOM = re.compile(r"(?:[a-z0-9]+(?:-[a-z0-9]+)*-)?[0-9a-f]{32}")


@pytest.fixture(autouse=True)
def _no_credentials(settings):
    """The embedded default, whatever the environment of the test run holds."""
    settings.JITSI_BASE_URL = "https://meet.jit.si"
    settings.JITSI_APP_ID = settings.JITSI_APP_SECRET = ""
    settings.JAAS_APP_ID = settings.JAAS_API_KEY_ID = settings.JAAS_PRIVATE_KEY = ""
    settings.JAAS_WEBHOOK_SECRET = WEBHOOK_SECRET


@pytest.fixture(scope="module")
def rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def jaas(settings, rsa_key):
    settings.JAAS_APP_ID = JAAS_APP_ID
    settings.JAAS_API_KEY_ID = "4f4910"
    settings.JAAS_PRIVATE_KEY = rsa_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return rsa_key.public_key()


@pytest.fixture
def provider():
    return get_provider("jitsi")


def spec(topic="Quarterly review: Q3 2030 (finance)"):
    return MeetingSpec(topic, START, END, "Europe/Paris", host_email="ada@example.com")


def token_of(url: str) -> str:
    _, separator, token = url.partition("?jwt=")
    assert separator, url
    return token


# ------------------------------------------------------------------------------ rooms
def test_a_meeting_is_a_room_with_an_unguessable_name(provider):
    meeting = provider.create_meeting(spec())
    assert meeting.provider == "jitsi"
    assert meeting.provider_id.startswith("quarterly-review-q3-2030-finance-")
    assert ROOM.fullmatch(meeting.provider_id)
    assert meeting.join_url == f"https://meet.jit.si/{meeting.provider_id}"
    assert meeting.extra == {}
    names = {provider.create_meeting(spec()).provider_id for _ in range(50)}
    assert len(names) == 50


@pytest.mark.parametrize(
    ("topic", "prefix"),
    [
        ("Réunion d'équipe", "reunion-dequipe-"),
        ("??? !!!", ""),
        ("日本語の会議", ""),
        ("a" * 100 + " b", "a" * 40 + "-"),
        ("ab" + " " * 38 + "-cd", "ab-cd-"),
    ],
)
def test_room_names_keep_a_short_url_safe_slug_of_the_topic(provider, topic, prefix):
    room = provider.create_meeting(spec(topic)).provider_id
    assert ROOM.fullmatch(room)
    assert room.startswith(prefix)
    assert len(room) == len(prefix) + 32


def test_rooms_are_on_the_configured_server_and_need_no_call(provider, settings):
    settings.JITSI_BASE_URL = "https://meet.example.com/"
    meeting = provider.create_meeting(spec())
    assert meeting.join_url == f"https://meet.example.com/{meeting.provider_id}"
    assert provider.update_meeting(meeting.provider_id, spec("Renamed")) is None
    assert provider.cancel_meeting(meeting.provider_id) is None


def test_without_credentials_everyone_gets_the_room_address(provider):
    meeting = provider.create_meeting(spec())
    for participant in (HOST, GUEST):
        assert provider.join_url(meeting, participant, ends_at=END) == meeting.join_url


def test_join_links_follow_the_server_configured_now(provider, settings):
    meeting = ProviderMeeting("jitsi", "standup-0123", "https://old.example.com/standup-0123")
    settings.JITSI_BASE_URL = "https://meet.example.com"
    assert provider.join_url(meeting, GUEST, ends_at=END) == "https://meet.example.com/standup-0123"


# ------------------------------------------------------------- self-hosted JWT (HS256)
def test_self_hosted_tokens_are_signed_with_the_app_secret(provider, settings):
    settings.JITSI_BASE_URL = "https://meet.example.com"
    settings.JITSI_APP_ID = "erp"
    settings.JITSI_APP_SECRET = APP_SECRET
    meeting = provider.create_meeting(spec())
    before = int(timezone.now().timestamp())

    url = provider.join_url(meeting, HOST, ends_at=END)
    assert url.startswith(f"https://meet.example.com/{meeting.provider_id}?jwt=")
    token = token_of(url)
    assert jwt.get_unverified_header(token) == {"alg": "HS256", "typ": "JWT"}
    claims = jwt.decode(token, APP_SECRET, algorithms=["HS256"], audience="jitsi", issuer="erp")
    assert claims["sub"] == "*"
    assert claims["room"] == meeting.provider_id
    assert claims["exp"] == int((END + TOKEN_GRACE).timestamp())
    assert before - 60 <= claims["nbf"] <= claims["iat"] - 60
    assert claims["context"] == {
        "user": {"id": "7", "name": "Ada Lovelace", "email": "ada@example.com", "moderator": True}
    }

    guest = jwt.decode(
        token_of(provider.join_url(meeting, Participant("Guest"), ends_at=END)),
        APP_SECRET,
        algorithms=["HS256"],
        audience="jitsi",
    )
    assert guest["context"] == {"user": {"name": "Guest", "moderator": False}}
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(
            token, "another secret of at least 32 bytes", algorithms=["HS256"], audience="jitsi"
        )


@pytest.mark.parametrize(("app_id", "secret"), [("erp", ""), ("", APP_SECRET)])
def test_half_a_self_hosted_setup_is_refused(provider, settings, app_id, secret):
    settings.JITSI_APP_ID, settings.JITSI_APP_SECRET = app_id, secret
    with pytest.raises(ImproperlyConfigured, match="both JITSI_APP_ID and JITSI_APP_SECRET"):
        provider.create_meeting(spec())
    meeting = ProviderMeeting("jitsi", "room", "https://meet.jit.si/room")
    with pytest.raises(ImproperlyConfigured):
        provider.join_url(meeting, GUEST, ends_at=END)


def test_a_secret_that_cannot_sign_hs256_is_a_configuration_error(provider, settings, jaas):
    public_pem = jaas.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    settings.JAAS_APP_ID = ""
    settings.JITSI_APP_ID, settings.JITSI_APP_SECRET = "erp", public_pem
    meeting = provider.create_meeting(spec())
    with pytest.raises(ImproperlyConfigured, match="JITSI_APP_SECRET cannot sign HS256"):
        provider.join_url(meeting, GUEST, ends_at=END)


# ----------------------------------------------------------------------- JaaS (RS256)
def test_jaas_rooms_are_under_the_app_on_8x8(provider, jaas):
    meeting = provider.create_meeting(spec())
    assert meeting.join_url == f"https://8x8.vc/{JAAS_APP_ID}/{meeting.provider_id}"


def test_jaas_tokens_are_signed_with_the_api_key(provider, jaas, settings):
    settings.JITSI_APP_ID, settings.JITSI_APP_SECRET = "erp", APP_SECRET  # JaaS wins
    meeting = provider.create_meeting(spec())

    url = provider.join_url(meeting, HOST, ends_at=END)
    assert url.startswith(f"https://8x8.vc/{JAAS_APP_ID}/{meeting.provider_id}?jwt=")
    token = token_of(url)
    assert jwt.get_unverified_header(token) == {
        "alg": "RS256",
        "kid": f"{JAAS_APP_ID}/4f4910",
        "typ": "JWT",
    }
    claims = jwt.decode(token, jaas, algorithms=["RS256"], audience="jitsi", issuer="chat")
    assert claims["sub"] == JAAS_APP_ID
    assert claims["room"] == meeting.provider_id
    assert claims["exp"] == int((END + TOKEN_GRACE).timestamp())
    assert claims["context"] == {
        "user": {
            "id": "7",
            "name": "Ada Lovelace",
            "email": "ada@example.com",
            "moderator": "true",
        },
        "features": {
            "recording": "true",
            "livestreaming": "false",
            "transcription": "false",
            "outbound-call": "false",
            "sip-outbound-call": "false",
        },
    }

    guest = jwt.decode(
        token_of(provider.join_url(meeting, GUEST, ends_at=END)),
        jaas,
        algorithms=["RS256"],
        audience="jitsi",
    )
    assert guest["context"]["user"]["moderator"] == "false"
    assert guest["context"]["features"]["recording"] == "false"
    assert set(guest["context"]["features"].values()) == {"false"}


def test_a_whole_jaas_key_id_is_kept(provider, jaas, settings):
    settings.JAAS_API_KEY_ID = f"{JAAS_APP_ID}/abc123"
    token = token_of(provider.join_url(provider.create_meeting(spec()), GUEST, ends_at=END))
    assert jwt.get_unverified_header(token)["kid"] == f"{JAAS_APP_ID}/abc123"


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        (["JAAS_API_KEY_ID"], "JAAS_API_KEY_ID not"),
        (["JAAS_PRIVATE_KEY"], "JAAS_PRIVATE_KEY not"),
        (["JAAS_API_KEY_ID", "JAAS_PRIVATE_KEY"], "JAAS_API_KEY_ID and JAAS_PRIVATE_KEY not"),
    ],
)
def test_half_a_jaas_setup_is_refused(provider, jaas, settings, missing, message):
    for name in missing:
        setattr(settings, name, "")
    with pytest.raises(ImproperlyConfigured, match=message):
        provider.create_meeting(spec())


def test_a_private_key_that_is_no_key_is_a_configuration_error(provider, jaas, settings):
    meeting = provider.create_meeting(spec())
    settings.JAAS_PRIVATE_KEY = "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----"
    with pytest.raises(ImproperlyConfigured, match="JAAS_PRIVATE_KEY cannot sign RS256"):
        provider.join_url(meeting, GUEST, ends_at=END)


def test_jaas_needs_the_cryptography_package(provider, jaas, monkeypatch):
    monkeypatch.setattr("api.v1.features.meetings.providers.jitsi.has_crypto", False)
    with pytest.raises(ImproperlyConfigured, match="cryptography"):
        provider.create_meeting(spec())


# ------------------------------------------------------------------------ JaaS webhooks
def signed(body: bytes, timestamp: int | None = None, secret: str = WEBHOOK_SECRET) -> str:
    """The X-Jaas-Signature JaaS sends with `body`."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).digest()
    return f"t={timestamp},v1={base64.b64encode(digest).decode()}"


def jaas_event(event_type: str, data: dict | None = None, **fields) -> dict:
    """A JaaS webhook body as its documentation shows them."""
    return {
        "idempotencyKey": f"d11f155d-ced5-4a7e-b6d9-{event_type.lower()}",
        "customerId": "c2824d584eac4489a1e32e4e164d5a3c",
        "appId": JAAS_APP_ID,
        "eventType": event_type,
        "sessionId": "c3348153-1027-4382-afad-5ae91b433c26",
        "timestamp": 1600951800112,
        "fqn": f"{JAAS_APP_ID}/standup-0123456789abcdef0123456789abcdef",
        "data": data or {},
        **fields,
    }


BODY = json.dumps(jaas_event("PARTICIPANT_JOINED", {"name": "Bob"}), indent=2).encode()


def test_a_signed_fresh_webhook_is_accepted(provider):
    assert provider.verify_webhook({"X-Jaas-Signature": signed(BODY)}, BODY) is None
    assert provider.verify_webhook({"x-jaas-signature": signed(BODY)}, BODY) is None


def test_any_v1_signature_may_match_and_other_schemes_are_ignored(provider):
    good = signed(BODY)
    timestamp, signature = good.split(",")
    several = f"{timestamp},v1=c29tZXRoaW5nIGVsc2U=,{signature},v0=whatever"
    assert provider.verify_webhook({"X-Jaas-Signature": several}, BODY) is None
    downgraded = f"{timestamp},{signature.replace('v1=', 'v0=')}"
    with pytest.raises(WebhookRejected) as rejected:
        provider.verify_webhook({"X-Jaas-Signature": downgraded}, BODY)
    assert rejected.value.code == WebhookRejected.BAD_SIGNATURE


@pytest.mark.parametrize(
    ("headers", "body", "code"),
    [
        ({}, BODY, WebhookRejected.MISSING_SIGNATURE),
        ({"X-Jaas-Signature": ""}, BODY, WebhookRejected.MISSING_SIGNATURE),
        ({"X-Jaas-Signature": signed(BODY)}, BODY + b" ", WebhookRejected.BAD_SIGNATURE),
        ({"X-Jaas-Signature": signed(BODY, secret="other")}, BODY, WebhookRejected.BAD_SIGNATURE),
        ({"X-Jaas-Signature": signed(BODY).split(",")[1]}, BODY, WebhookRejected.BAD_SIGNATURE),
        ({"X-Jaas-Signature": signed(BODY).split(",")[0]}, BODY, WebhookRejected.BAD_SIGNATURE),
        ({"X-Jaas-Signature": "garbage"}, BODY, WebhookRejected.BAD_SIGNATURE),
        ({"X-Jaas-Signature": "t=now,v1=é"}, BODY, WebhookRejected.BAD_SIGNATURE),
    ],
)
def test_unsigned_or_badly_signed_webhooks_are_rejected(provider, headers, body, code):
    with pytest.raises(WebhookRejected) as rejected:
        provider.verify_webhook(headers, body)
    assert rejected.value.code == code


def test_stale_webhooks_are_rejected_even_well_signed(provider, settings):
    old = int(time.time()) - 301
    with pytest.raises(WebhookRejected) as rejected:
        provider.verify_webhook({"X-Jaas-Signature": signed(BODY, old)}, BODY)
    assert rejected.value.code == WebhookRejected.STALE
    settings.MEETING_WEBHOOK_TOLERANCE = timedelta(minutes=10)
    assert provider.verify_webhook({"X-Jaas-Signature": signed(BODY, old)}, BODY) is None


def test_webhooks_need_the_secret(provider, settings):
    settings.JAAS_WEBHOOK_SECRET = ""
    with pytest.raises(ImproperlyConfigured, match="JAAS_WEBHOOK_SECRET"):
        provider.verify_webhook({"X-Jaas-Signature": signed(BODY)}, BODY)


def parse(provider, body: dict):
    return provider.parse_webhook(json.dumps(body).encode())


def test_jaas_events_become_neutral_events(provider):
    when = datetime(2020, 9, 24, 12, 50, 0, 112_000, tzinfo=UTC)
    room = "standup-0123456789abcdef0123456789abcdef"
    person = {
        "moderator": "true",
        "name": "Ada Lovelace",
        "group": "",
        "email": "ada@example.com",
        "id": "7",
        "participantJid": "ada@8x8.vc/abc",
        "participantId": "abc",
    }
    link = "https://recordings.8x8.vc/standup.mp4?signature=pre-authenticated"
    samples = {
        "ROOM_CREATED": ({"conference": f"{room}@conference.{JAAS_APP_ID}.8x8.vc"}, {}),
        "PARTICIPANT_JOINED": (
            person,
            {"participant_name": "Ada Lovelace", "participant_email": "ada@example.com"},
        ),
        "PARTICIPANT_LEFT": (
            {**person, "email": None},
            {"participant_name": "Ada Lovelace", "participant_email": ""},
        ),
        "ROOM_DESTROYED": ({"conference": f"{room}@conference.{JAAS_APP_ID}.8x8.vc"}, {}),
        "RECORDING_UPLOADED": (
            {"preAuthenticatedLink": link, "initiatorId": "7", "durationSec": 3600},
            {"download_url": link, "file_type": "MP4"},
        ),
    }
    kinds = {
        "ROOM_CREATED": EventKind.MEETING_STARTED,
        "PARTICIPANT_JOINED": EventKind.PARTICIPANT_JOINED,
        "PARTICIPANT_LEFT": EventKind.PARTICIPANT_LEFT,
        "ROOM_DESTROYED": EventKind.MEETING_ENDED,
        "RECORDING_UPLOADED": EventKind.RECORDING_COMPLETED,
    }
    ids = set()
    for event_type, (data, expected) in samples.items():
        [event] = parse(provider, jaas_event(event_type, data))
        assert event.provider == "jitsi"
        assert event.kind is kinds[event_type]
        assert event.event_id == f"d11f155d-ced5-4a7e-b6d9-{event_type.lower()}"
        assert event.provider_meeting_id == room
        assert event.occurred_at == when
        assert event.download_token == ""
        for field in ("participant_name", "participant_email", "download_url", "file_type"):
            assert getattr(event, field) == expected.get(field, "")
        ids.add(event.event_id)
    assert len(ids) == len(samples)


def test_events_the_platform_does_not_follow_are_ignored(provider):
    assert (
        parse(provider, jaas_event("TRANSCRIPTION_UPLOADED", {"preAuthenticatedLink": "x"})) == []
    )
    assert parse(provider, jaas_event("PARTICIPANT_JOINED_LOBBY")) == []


def test_a_participant_event_without_details_has_no_name(provider):
    [event] = parse(
        provider, {k: v for k, v in jaas_event("PARTICIPANT_LEFT").items() if k != "data"}
    )
    assert (event.participant_name, event.participant_email) == ("", "")


@pytest.mark.parametrize(
    "body",
    [
        {"eventType": None},
        jaas_event("ROOM_CREATED", idempotencyKey=""),
        jaas_event("ROOM_CREATED", idempotencyKey=None),
        jaas_event("ROOM_CREATED", fqn="no-slash"),
        jaas_event("ROOM_CREATED", fqn=f"{JAAS_APP_ID}/"),
        jaas_event("ROOM_CREATED", fqn="/room"),
        jaas_event("ROOM_CREATED", timestamp="1600951800112"),
        jaas_event("ROOM_CREATED", timestamp=True),
        jaas_event("ROOM_CREATED", data=["not", "an", "object"]),
        jaas_event("RECORDING_UPLOADED", {"preAuthenticatedLink": ""}),
        jaas_event("RECORDING_UPLOADED"),
    ],
)
def test_malformed_bodies_are_rejected(provider, body):
    with pytest.raises(WebhookRejected) as rejected:
        parse(provider, body)
    assert rejected.value.code == WebhookRejected.MALFORMED


def test_a_body_that_is_no_json_object_is_rejected(provider):
    for body in (b"not json", b"[]"):
        with pytest.raises(WebhookRejected) as rejected:
            provider.parse_webhook(body)
        assert rejected.value.code == WebhookRejected.MALFORMED
