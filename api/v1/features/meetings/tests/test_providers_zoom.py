"""Zoom against a stand-in of its API on loopback (standin.FakeZoom), which checks the
credentials, tokens and bodies it receives and answers as Zoom does; webhooks signed for
real with a test secret token. Nothing reaches Zoom."""

import hashlib
import hmac
import json
import re
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

from api.v1.features.meetings.providers import (
    EventKind,
    MeetingSpec,
    Participant,
    ProviderError,
    ProviderMeeting,
    WebhookRejected,
    get_provider,
)

from .standin import HOST, FakeZoom, closed_port

ACCOUNT_ID = "acct-Zx81"
CLIENT_ID = "client-Qm2"
CLIENT_SECRET = "client-secret-that-must-never-show"
WEBHOOK_SECRET = "zoom-webhook-secret-token"
# "<client id>:<client secret>" in base64, as HTTP Basic auth sends them.
BASIC = "Y2xpZW50LVFtMjpjbGllbnQtc2VjcmV0LXRoYXQtbXVzdC1uZXZlci1zaG93"
START = datetime(2030, 1, 2, 10, 0, tzinfo=UTC)
SPEC = MeetingSpec(
    "Budget review",
    START,
    START + timedelta(minutes=89, seconds=30),
    "Europe/Paris",
    agenda="Numbers for Q1.",
    host_email="ada@example.com",
    host_name="Ada Lovelace",
)
GUEST = Participant("Bob", "bob@example.com")
HOST_PARTICIPANT = Participant("Ada Lovelace", "ada@example.com", is_host=True)
PROXIES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


@pytest.fixture(autouse=True)
def _settings(settings, monkeypatch):
    """Credentials of a test app, and Zoom's URLs on a loopback port nothing serves:
    a test without the stand-in cannot reach anything either."""
    for name in PROXIES:
        monkeypatch.delenv(name, raising=False)
    nowhere = f"http://{HOST}:{closed_port()}"
    settings.ZOOM_ACCOUNT_ID = ACCOUNT_ID
    settings.ZOOM_CLIENT_ID = CLIENT_ID
    settings.ZOOM_CLIENT_SECRET = CLIENT_SECRET
    settings.ZOOM_WEBHOOK_SECRET_TOKEN = WEBHOOK_SECRET
    settings.ZOOM_USER_ID = "me"
    settings.ZOOM_OAUTH_URL = f"{nowhere}/oauth/token"
    settings.ZOOM_API_BASE = f"{nowhere}/v2"
    settings.ZOOM_TIMEOUT = 5.0


@pytest.fixture
def zoom(settings):
    with FakeZoom(ACCOUNT_ID, CLIENT_ID, CLIENT_SECRET) as fake:
        settings.ZOOM_OAUTH_URL = fake.oauth_url
        settings.ZOOM_API_BASE = fake.api_base
        yield fake


@pytest.fixture
def provider():
    return get_provider("zoom")


def calls(zoom) -> list[tuple[str, str]]:
    return [(request.method, request.path) for request in zoom.requests]


def assert_no_secret(error: Exception) -> None:
    for secret in (CLIENT_SECRET, BASIC, "token-1", "token-2", WEBHOOK_SECRET):
        assert secret not in str(error)


# ------------------------------------------------------------------------ the REST API
def test_a_meeting_is_scheduled_with_a_server_to_server_token(provider, zoom):
    meeting = provider.create_meeting(SPEC)

    token_request, create = zoom.requests
    assert (token_request.method, token_request.path) == ("POST", "/oauth/token")
    assert token_request.query == {"grant_type": "account_credentials", "account_id": ACCOUNT_ID}
    assert token_request.headers["authorization"] == f"Basic {BASIC}"
    assert token_request.body == b""
    assert (create.method, create.path) == ("POST", "/v2/users/me/meetings")
    assert create.headers["authorization"] == "Bearer token-1"
    assert create.headers["content-type"] == "application/json"
    assert create.json() == {
        "topic": "Budget review",
        "agenda": "Numbers for Q1.",
        "type": 2,
        "start_time": "2030-01-02T10:00:00Z",
        "duration": 90,
        "timezone": "Europe/Paris",
    }
    assert meeting == ProviderMeeting(
        provider="zoom",
        provider_id="85000000001",
        join_url="https://zoom.us/j/85000000001?pwd=encoded-passcode",
        extra={"uuid": "uuid-85000000001=="},
    )


def test_times_are_sent_in_utc_and_long_texts_cut_to_zoom_s_limits(provider, zoom):
    paris = datetime(2030, 7, 1, 9, 0, tzinfo=ZoneInfo("Europe/Paris"))
    spec = MeetingSpec(
        "T" * 250, paris, paris + timedelta(seconds=1), "Europe/Paris", agenda="A" * 2500
    )
    provider.create_meeting(spec)
    body = zoom.requests[-1].json()
    assert (body["start_time"], body["timezone"]) == ("2030-07-01T07:00:00Z", "Europe/Paris")
    assert (len(body["topic"]), len(body["agenda"]), body["duration"]) == (200, 2000, 1)


def test_meetings_go_to_the_configured_user_or_to_their_host(provider, zoom, settings):
    settings.ZOOM_USER_ID = "scheduler@example.com"
    provider.create_meeting(SPEC)
    assert zoom.requests[-1].path == "/v2/users/scheduler%40example.com/meetings"
    settings.ZOOM_USER_ID = ""
    provider.create_meeting(SPEC)
    assert zoom.requests[-1].path == "/v2/users/ada%40example.com/meetings"
    with pytest.raises(ValueError, match="no host email"):
        provider.create_meeting(MeetingSpec("Ad hoc", START, START + timedelta(hours=1)))


def test_the_token_is_fetched_once_and_reused(provider, zoom):
    meeting = provider.create_meeting(SPEC)
    provider.update_meeting(meeting.provider_id, SPEC)
    provider.join_url(meeting, HOST_PARTICIPANT, ends_at=SPEC.end)
    provider.cancel_meeting(meeting.provider_id)
    assert zoom.tokens == ["token-1"]
    assert calls(zoom) == [
        ("POST", "/oauth/token"),
        ("POST", "/v2/users/me/meetings"),
        ("PATCH", "/v2/meetings/85000000001"),
        ("GET", "/v2/meetings/85000000001"),
        ("DELETE", "/v2/meetings/85000000001"),
    ]
    assert {r.headers["authorization"] for r in zoom.requests[1:]} == {"Bearer token-1"}


def test_a_token_too_close_to_its_expiry_is_not_kept(provider, zoom):
    zoom.expires_in = 60
    meeting = provider.create_meeting(SPEC)
    provider.update_meeting(meeting.provider_id, SPEC)
    assert zoom.tokens == ["token-1", "token-2"]


class RecordingCache:
    """Django's cache, telling what is put in it."""

    def __init__(self, cache):
        self.cache = cache
        self.sets = []

    def set(self, key, value, timeout):
        self.sets.append((key, value, timeout))
        self.cache.set(key, value, timeout)

    def __getattr__(self, name):
        return getattr(self.cache, name)


def test_the_token_is_kept_until_shortly_before_it_expires(provider, zoom, monkeypatch, settings):
    recording = RecordingCache(cache)
    monkeypatch.setattr("api.v1.features.meetings.providers.zoom.cache", recording)
    provider.create_meeting(SPEC)
    [(key, token, timeout)] = recording.sets
    assert (token, timeout) == ("token-1", 3599 - 60)
    assert key.startswith("meetings:zoom:token:")
    assert ACCOUNT_ID not in key
    assert CLIENT_ID not in key
    assert cache.get(key) == "token-1"
    settings.ZOOM_CLIENT_ID = "another-app"  # other credentials, another token
    with pytest.raises(ProviderError, match="Invalid client_id or client_secret"):
        provider.create_meeting(SPEC)


def test_a_401_refreshes_the_token_once_and_retries(provider, zoom):
    meeting = provider.create_meeting(SPEC)
    zoom.revoke_tokens()
    provider.update_meeting(meeting.provider_id, MeetingSpec("Renamed", SPEC.start, SPEC.end))
    assert calls(zoom)[2:] == [
        ("PATCH", "/v2/meetings/85000000001"),
        ("POST", "/oauth/token"),
        ("PATCH", "/v2/meetings/85000000001"),
    ]
    assert [r.headers["authorization"] for r in zoom.requests[2::2]] == [
        "Bearer token-1",
        "Bearer token-2",
    ]
    assert zoom.meetings["85000000001"]["topic"] == "Renamed"
    provider.cancel_meeting(meeting.provider_id)
    assert zoom.tokens == ["token-1", "token-2"]  # the new one is kept


def test_a_second_401_is_an_error(provider, zoom):
    meeting = provider.create_meeting(SPEC)
    zoom.fail(401, {"code": 124, "message": "Invalid access token."}, times=2)
    with pytest.raises(ProviderError) as error:
        provider.update_meeting(meeting.provider_id, SPEC)
    assert (error.value.status, error.value.code) == (401, "124")
    assert str(error.value) == "Zoom answered 401: Invalid access token."
    assert zoom.tokens == ["token-1", "token-2"]
    assert_no_secret(error.value)


def test_zoom_s_refusals_carry_its_status_code_and_message(provider, zoom):
    with pytest.raises(ProviderError) as error:
        provider.update_meeting("123", SPEC)
    assert (error.value.provider, error.value.status, error.value.code) == ("zoom", 404, "3001")
    assert str(error.value) == "Zoom answered 404: Meeting does not exist: 123."
    zoom.fail(429, {"code": 429, "message": "You have reached the maximum daily rate limit."})
    with pytest.raises(ProviderError, match="429: You have reached") as error:
        provider.create_meeting(SPEC)
    assert error.value.status == 429


def test_server_errors_without_json_are_errors_too(provider, zoom):
    zoom.fail(502, b"<html>Bad Gateway</html>")
    with pytest.raises(ProviderError) as error:
        provider.create_meeting(SPEC)
    assert (error.value.status, error.value.code) == (502, "")
    assert str(error.value) == "Zoom answered 502: no message"
    assert_no_secret(error.value)
    zoom.fail(500, {"code": 500, "message": "Internal server error."})
    with pytest.raises(ProviderError, match="500: Internal server error"):
        provider.create_meeting(SPEC)


def test_a_success_that_is_not_what_zoom_sends_is_an_error(provider, zoom):
    zoom.fail(200, b"not json")
    with pytest.raises(ProviderError, match="200 with no JSON"):
        provider.create_meeting(SPEC)
    zoom.fail(201, {"uuid": "x"})
    with pytest.raises(ProviderError, match="no 'id'"):
        provider.create_meeting(SPEC)
    zoom.fail(201, {"id": True, "join_url": "https://zoom.us/j/1"})
    with pytest.raises(ProviderError, match="no 'id'"):
        provider.create_meeting(SPEC)
    zoom.fail(201, {"id": 1, "join_url": ""})
    with pytest.raises(ProviderError, match="no 'join_url'"):
        provider.create_meeting(SPEC)


def test_cancelling_a_meeting_zoom_no_longer_has_is_done(provider, zoom):
    meeting = provider.create_meeting(SPEC)
    provider.cancel_meeting(meeting.provider_id)
    provider.cancel_meeting(meeting.provider_id)
    assert zoom.meetings == {}
    assert calls(zoom)[-2:] == [("DELETE", "/v2/meetings/85000000001")] * 2
    meeting = provider.create_meeting(SPEC)
    zoom.fail(400, {"code": 3000, "message": "Cannot delete a meeting in progress."})
    with pytest.raises(ProviderError, match="in progress"):
        provider.cancel_meeting(meeting.provider_id)


def test_ids_are_quoted_in_paths(provider, zoom):
    with pytest.raises(ProviderError, match="404"):
        provider.update_meeting("../users/me", SPEC)
    assert zoom.requests[-1].path == "/v2/meetings/..%2Fusers%2Fme"


def test_participants_join_by_the_join_url_and_the_host_starts_by_a_fresh_start_url(provider, zoom):
    meeting = provider.create_meeting(SPEC)
    count = len(zoom.requests)
    assert provider.join_url(meeting, GUEST, ends_at=SPEC.end) == meeting.join_url
    assert len(zoom.requests) == count  # no call
    start_url = provider.join_url(meeting, HOST_PARTICIPANT, ends_at=SPEC.end)
    assert start_url == "https://zoom.us/s/85000000001?zak=short-lived-host-token"
    assert calls(zoom)[-1] == ("GET", "/v2/meetings/85000000001")
    assert "zak" not in json.dumps(meeting.extra)
    zoom.fail(200, {"id": 85000000001})
    with pytest.raises(ProviderError, match="no 'start_url'"):
        provider.join_url(meeting, HOST_PARTICIPANT, ends_at=SPEC.end)


# ----------------------------------------------------------------- when Zoom says no
def test_a_refused_token_request_is_an_error_without_the_secret(provider, zoom, settings):
    settings.ZOOM_CLIENT_SECRET = "a-wrong-secret"
    with pytest.raises(ProviderError) as error:
        provider.create_meeting(SPEC)
    assert (error.value.status, error.value.code) == (400, "invalid_client")
    assert str(error.value) == (
        "Zoom refused an access token (400): Invalid client_id or client_secret"
    )
    assert "a-wrong-secret" not in str(error.value)
    assert_no_secret(error.value)
    assert calls(zoom) == [("POST", "/oauth/token")]

    settings.ZOOM_CLIENT_SECRET = CLIENT_SECRET
    settings.ZOOM_ACCOUNT_ID = "another-account"
    with pytest.raises(ProviderError, match="Invalid account_id"):
        provider.create_meeting(SPEC)


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        (401, b"", "refused an access token (401): no reason given"),
        (400, {"error": "invalid_request"}, "(400): invalid_request"),
        (200, {"token_type": "bearer", "expires_in": 3599}, "lacks the token"),
        (200, {"access_token": "", "expires_in": 3599}, "lacks the token"),
        (200, {"access_token": "t", "expires_in": "3599"}, "lacks the token"),
        (200, b"<html></html>", "lacks the token"),
    ],
)
def test_token_answers_that_are_not_tokens_are_errors(
    provider, zoom, monkeypatch, status, body, message
):
    monkeypatch.setattr(zoom, "_token", lambda request: (status, body))
    with pytest.raises(ProviderError, match=re.escape(message)) as error:
        provider.create_meeting(SPEC)
    assert error.value.status == status
    assert_no_secret(error.value)


def test_a_zoom_that_does_not_answer_in_time_is_an_error(provider, zoom, settings):
    meeting = provider.create_meeting(SPEC)  # the token is cached: the API call times out
    settings.ZOOM_TIMEOUT = 0.2
    zoom.delay = 2
    started = time.monotonic()
    with pytest.raises(ProviderError) as error:
        provider.update_meeting(meeting.provider_id, SPEC)
    assert time.monotonic() - started < 1.5
    assert error.value.status is None
    assert str(error.value) == "Zoom did not answer within 0.2 s."
    assert_no_secret(error.value)


def test_a_zoom_that_cannot_be_reached_is_an_error(provider):
    with pytest.raises(ProviderError, match="could not be reached") as error:
        provider.create_meeting(SPEC)
    assert error.value.status is None
    assert_no_secret(error.value)
    assert ACCOUNT_ID not in str(error.value)


@pytest.mark.parametrize("missing", ["ZOOM_ACCOUNT_ID", "ZOOM_CLIENT_ID", "ZOOM_CLIENT_SECRET"])
def test_zoom_without_credentials_is_a_configuration_error(provider, zoom, settings, missing):
    setattr(settings, missing, "")
    with pytest.raises(ImproperlyConfigured, match=missing):
        provider.create_meeting(SPEC)
    with pytest.raises(ImproperlyConfigured, match=missing):
        provider.cancel_meeting("1")
    assert zoom.requests == []


@pytest.mark.parametrize("name", ["ZOOM_OAUTH_URL", "ZOOM_API_BASE"])
def test_zoom_urls_must_be_http(provider, settings, name):
    setattr(settings, name, "file:///etc/passwd")
    with pytest.raises(ImproperlyConfigured, match=f"{name} must be an http"):
        provider.create_meeting(SPEC)


# ---------------------------------------------------------------------------- webhooks
def signed(body: bytes, timestamp: int | None = None, secret: str = WEBHOOK_SECRET) -> dict:
    """The headers Zoom sends with `body`."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    message = f"v0:{timestamp}:".encode() + body
    signature = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return {
        "Content-Type": "application/json; charset=utf-8",
        "x-zm-request-timestamp": str(timestamp),
        "x-zm-signature": f"v0={signature}",
    }


EVENT_TS = 1_893_580_000_123  # 2030-01-02T10:26:40.123Z
WHEN = datetime(2030, 1, 2, 10, 26, 40, 123_000, tzinfo=UTC)


def zoom_event(event: str, meeting: dict, **fields) -> dict:
    """A Zoom webhook body as its documentation shows them."""
    return {
        "event": event,
        "event_ts": EVENT_TS,
        "payload": {
            "account_id": "AAAAAABBBB",
            "object": {
                "uuid": "4444AAAiAAAAAiAiAiiAii==",
                "id": "85000000001",
                "host_id": "x1yCzABCDEfg23HiJKl4mN",
                "topic": "Budget review",
                "type": 2,
                "start_time": "2030-01-02T10:00:00Z",
                "timezone": "Europe/Paris",
                "duration": 90,
                **meeting,
            },
        },
        **fields,
    }


PARTICIPANT = {
    "user_id": "16778240",
    "user_name": "Bob",
    "id": "iFxeBPYun6SAiWUzBcEkX",
    "participant_uuid": "55555AAAiAAAAAiAiAiiAii",
    "email": "bob@example.com",
    "join_time": "2030-01-02T10:26:40Z",
}
BODY = json.dumps(zoom_event("meeting.started", {})).encode()


def test_a_signed_fresh_webhook_is_accepted(provider):
    assert provider.verify_webhook(signed(BODY), BODY) is None
    headers = {key.title(): value for key, value in signed(BODY).items()}  # Django's case
    assert provider.verify_webhook(headers, BODY) is None


def test_the_url_validation_challenge_is_answered_once_verified(provider):
    body = json.dumps(
        {
            "payload": {"plainToken": "qgg8vlvZRS6UYooatFL8Aw"},
            "event_ts": EVENT_TS,
            "event": "endpoint.url_validation",
        }
    ).encode()
    answer = provider.verify_webhook(signed(body), body)
    expected = hmac.new(WEBHOOK_SECRET.encode(), b"qgg8vlvZRS6UYooatFL8Aw", hashlib.sha256)
    assert answer == {
        "plainToken": "qgg8vlvZRS6UYooatFL8Aw",
        "encryptedToken": expected.hexdigest(),
    }
    with pytest.raises(WebhookRejected) as rejected:  # anyone's challenge: no HMAC oracle
        provider.verify_webhook(signed(body, secret="guessed"), body)
    assert rejected.value.code == WebhookRejected.BAD_SIGNATURE
    assert provider.parse_webhook(body) == []


@pytest.mark.parametrize(
    "body",
    [
        {"event": "endpoint.url_validation", "payload": {}},
        {"event": "endpoint.url_validation", "payload": {"plainToken": 5}},
        {"event": "endpoint.url_validation", "payload": "token"},
        {"event": "endpoint.url_validation"},
    ],
)
def test_a_challenge_without_its_token_is_malformed(provider, body):
    raw = json.dumps(body).encode()
    with pytest.raises(WebhookRejected) as rejected:
        provider.verify_webhook(signed(raw), raw)
    assert rejected.value.code == WebhookRejected.MALFORMED


def without(headers: dict, name: str) -> dict:
    return {key: value for key, value in headers.items() if key != name}


@pytest.mark.parametrize(
    ("headers", "body", "code"),
    [
        ({}, BODY, WebhookRejected.MISSING_SIGNATURE),
        (without(signed(BODY), "x-zm-signature"), BODY, WebhookRejected.MISSING_SIGNATURE),
        (without(signed(BODY), "x-zm-request-timestamp"), BODY, WebhookRejected.MISSING_SIGNATURE),
        (signed(BODY), BODY.replace(b"Budget", b"budget"), WebhookRejected.BAD_SIGNATURE),
        (signed(BODY, secret="guessed"), BODY, WebhookRejected.BAD_SIGNATURE),
        (
            {**signed(BODY), "x-zm-request-timestamp": str(int(time.time()) + 1)},
            BODY,
            WebhookRejected.BAD_SIGNATURE,
        ),
        (
            {**signed(BODY), "x-zm-signature": signed(BODY)["x-zm-signature"][3:]},
            BODY,
            WebhookRejected.BAD_SIGNATURE,
        ),
        ({**signed(BODY), "x-zm-signature": "v0=é"}, BODY, WebhookRejected.BAD_SIGNATURE),
    ],
)
def test_unsigned_or_badly_signed_webhooks_are_rejected(provider, headers, body, code):
    with pytest.raises(WebhookRejected) as rejected:
        provider.verify_webhook(headers, body)
    assert rejected.value.code == code


def test_stale_or_future_webhooks_are_rejected_even_well_signed(provider, settings):
    now = int(time.time())
    for timestamp in (now - 301, now + 301):
        with pytest.raises(WebhookRejected) as rejected:
            provider.verify_webhook(signed(BODY, timestamp), BODY)
        assert rejected.value.code == WebhookRejected.STALE
    settings.MEETING_WEBHOOK_TOLERANCE = timedelta(minutes=6)
    assert provider.verify_webhook(signed(BODY, now - 301), BODY) is None


def test_a_signed_body_that_is_no_json_is_malformed(provider):
    for body in (b"{not json", b"[1]"):
        with pytest.raises(WebhookRejected) as rejected:
            provider.verify_webhook(signed(body), body)
        assert rejected.value.code == WebhookRejected.MALFORMED


def test_webhooks_need_the_secret_token(provider, settings):
    settings.ZOOM_WEBHOOK_SECRET_TOKEN = ""
    with pytest.raises(ImproperlyConfigured, match="ZOOM_WEBHOOK_SECRET_TOKEN"):
        provider.verify_webhook(signed(BODY), BODY)


def parse(provider, body: dict):
    return provider.parse_webhook(json.dumps(body).encode())


def test_meeting_events_become_neutral_events(provider):
    [started] = parse(provider, zoom_event("meeting.started", {}))
    assert started.provider == "zoom"
    assert started.kind is EventKind.MEETING_STARTED
    assert started.event_id == f"meeting.started:{EVENT_TS}:85000000001"
    assert started.provider_meeting_id == "85000000001"
    assert started.occurred_at == WHEN
    [ended] = parse(provider, zoom_event("meeting.ended", {"end_time": "2030-01-02T11:30:00Z"}))
    assert ended.kind is EventKind.MEETING_ENDED
    assert ended.event_id == f"meeting.ended:{EVENT_TS}:85000000001"


def test_participant_events_tell_who(provider):
    [joined] = parse(
        provider, zoom_event("meeting.participant_joined", {"participant": PARTICIPANT})
    )
    assert joined.kind is EventKind.PARTICIPANT_JOINED
    assert (joined.participant_name, joined.participant_email) == ("Bob", "bob@example.com")
    assert joined.event_id == (
        f"meeting.participant_joined:{EVENT_TS}:85000000001:55555AAAiAAAAAiAiAiiAii"
    )
    guest = {"user_id": 16778241, "user_name": "Guest", "email": "", "leave_reason": "left"}
    [left] = parse(provider, zoom_event("meeting.participant_left", {"participant": guest}))
    assert left.kind is EventKind.PARTICIPANT_LEFT
    assert (left.participant_name, left.participant_email) == ("Guest", "")
    assert left.event_id.endswith(":85000000001:16778241")
    [anonymous] = parse(provider, zoom_event("meeting.participant_left", {"participant": {}}))
    assert anonymous.event_id.endswith(":85000000001:")


def test_a_completed_recording_is_one_event_per_file_with_the_download_token(provider):
    files = [
        {
            "id": "ed6c2f27-2ae7-42f4-b3d0-835b493e4fa8",
            "meeting_id": "4444AAAiAAAAAiAiAiiAii==",
            "recording_start": "2030-01-02T10:00:00Z",
            "recording_end": "2030-01-02T11:30:00Z",
            "file_type": "MP4",
            "file_size": 7220,
            "play_url": "https://zoom.us/rec/play/mp4",
            "download_url": "https://zoom.us/rec/download/mp4",
            "status": "completed",
            "recording_type": "shared_screen_with_speaker_view",
        },
        {
            "id": "a1b2c3d4-0000-42f4-b3d0-835b493e4fa8",
            "file_type": "M4A",
            "download_url": "https://zoom.us/rec/download/m4a",
            "status": "completed",
            "recording_type": "audio_only",
        },
    ]
    body = zoom_event(
        "recording.completed",
        {"id": 85000000001, "recording_files": files},
        download_token="abJhbGciOiJIUzUxMiJ9.download",
    )
    video, audio = parse(provider, body)
    for event, file in ((video, files[0]), (audio, files[1])):
        assert event.kind is EventKind.RECORDING_COMPLETED
        assert event.provider_meeting_id == "85000000001"
        assert event.event_id == f"recording.completed:{EVENT_TS}:85000000001:{file['id']}"
        assert event.download_url == file["download_url"]
        assert event.download_token == "abJhbGciOiJIUzUxMiJ9.download"
        assert event.file_type == file["file_type"]
        assert event.occurred_at == WHEN
    [untokened] = parse(provider, zoom_event("recording.completed", {"recording_files": files[:1]}))
    assert untokened.download_token == ""
    assert parse(provider, zoom_event("recording.completed", {"recording_files": []})) == []


def test_event_ids_differ_between_events(provider):
    events = [
        *parse(provider, zoom_event("meeting.started", {})),
        *parse(provider, zoom_event("meeting.ended", {})),
        *parse(provider, zoom_event("meeting.participant_joined", {"participant": PARTICIPANT})),
        *parse(provider, zoom_event("meeting.participant_left", {"participant": PARTICIPANT})),
        *parse(provider, {**zoom_event("meeting.started", {}), "event_ts": EVENT_TS + 1}),
        *parse(provider, zoom_event("meeting.started", {"id": "85000000002"})),
    ]
    assert len({event.event_id for event in events}) == len(events)


def test_events_the_platform_does_not_follow_are_ignored(provider):
    assert parse(provider, zoom_event("meeting.sharing_started", {})) == []
    assert parse(provider, zoom_event("recording.started", {})) == []


@pytest.mark.parametrize(
    "body",
    [
        {"event_ts": EVENT_TS},
        {**zoom_event("meeting.started", {}), "event": ["meeting.started"]},
        {**zoom_event("meeting.started", {}), "event_ts": "1893580000123"},
        {**zoom_event("meeting.started", {}), "event_ts": 10**20},
        {"event": "meeting.started", "event_ts": EVENT_TS},
        {"event": "meeting.started", "event_ts": EVENT_TS, "payload": {"object": []}},
        zoom_event("meeting.started", {"id": None}),
        zoom_event("meeting.started", {"id": ""}),
        zoom_event("meeting.started", {"id": {"n": 1}}),
        zoom_event("meeting.participant_joined", {}),
        zoom_event("meeting.participant_joined", {"participant": "Bob"}),
        zoom_event("recording.completed", {}),
        zoom_event("recording.completed", {"recording_files": {"id": "x"}}),
        zoom_event("recording.completed", {"recording_files": ["x"]}),
        zoom_event("recording.completed", {"recording_files": [{"id": "x"}]}),
        zoom_event("recording.completed", {"recording_files": [{"download_url": "https://x"}]}),
    ],
)
def test_malformed_bodies_are_rejected(provider, body):
    with pytest.raises(WebhookRejected) as rejected:
        parse(provider, body)
    assert rejected.value.code == WebhookRejected.MALFORMED
