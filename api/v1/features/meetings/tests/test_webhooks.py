"""POST /api/v1/webhooks/video/<provider>/ with webhooks signed for real (test secrets):
each event applied once whatever the deliveries, in any order; a bad signature, an old
one or an unknown meeting changes nothing; recordings downloaded from a stand-in of the
provider's file server on loopback into the file layer."""

import json

import pytest
from django.core import mail
from django.test import Client

from api.v1.base_models.files.models import FileStorage
from api.v1.features.meetings.models import (
    Meeting,
    MeetingParticipant,
    MeetingRecording,
    MeetingWebhookEvent,
)
from api.v1.features.meetings.tests.factories import MeetingFactory
from audit.models import AuditLog

from . import test_providers_jitsi as jaas
from .conftest import MEETINGS
from .standin import StandIn
from .test_providers_zoom import EVENT_TS, PARTICIPANT, WHEN, signed, zoom_event

pytestmark = pytest.mark.django_db

ZOOM = "/api/v1/webhooks/video/zoom/"
JITSI = "/api/v1/webhooks/video/jitsi/"
ZOOM_ID = "85000000001"
# An MP4 file's first bytes, as libmagic recognizes them.
MP4 = b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41\x00\x00\x00\x08free" + bytes(4000)


@pytest.fixture(autouse=True)
def _secrets(settings):
    settings.ZOOM_WEBHOOK_SECRET_TOKEN = "zoom-webhook-secret-token"
    settings.JAAS_WEBHOOK_SECRET = jaas.WEBHOOK_SECRET
    settings.MEETING_RETRY_DELAY = 0


@pytest.fixture
def meeting(people, org_a):
    bob, cat = people["bob"][0], people["cat"][0]
    return MeetingFactory(
        organization=org_a,
        host=bob,
        participants=[cat],
        guests=["gus@example.com"],
        provider="zoom",
        provider_meeting_id=ZOOM_ID,
        join_url=f"https://zoom.us/j/{ZOOM_ID}",
    )


def post(body: dict | bytes, headers=None, path=ZOOM):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Client().post(
        path,
        data=raw,
        content_type="application/json",
        headers=signed(raw) if headers is None else headers,
    )


def state(meeting) -> dict:
    """Everything a webhook may change."""
    return {
        "meeting": Meeting.objects.filter(pk=meeting.pk).values().get(),
        "participants": list(MeetingParticipant.objects.filter(meeting=meeting).values()),
        "events": MeetingWebhookEvent.objects.count(),
        "recordings": MeetingRecording.objects.count(),
    }


class TestZoom:
    def test_an_event_delivered_three_times_is_applied_once(self, meeting):
        body = zoom_event("meeting.started", {"id": ZOOM_ID})
        answers = [post(body) for _ in range(3)]

        assert [answer.status_code for answer in answers] == [200, 200, 200]
        assert answers[0].json() == {"status": "ok"}
        meeting.refresh_from_db()
        assert meeting.status == "STARTED"
        assert meeting.actual_start_time == WHEN
        (event,) = MeetingWebhookEvent.objects.all()
        assert (event.kind, event.meeting_id, event.occurred_at) == (
            "meeting_started",
            meeting.pk,
            WHEN,
        )
        updates = AuditLog.objects.filter(
            content_type__model="meeting", object_id=str(meeting.pk), action_type="UPDATE"
        )
        assert updates.count() == 1
        assert updates.get().changes["status"] == {"old": "SCHEDULED", "new": "STARTED"}

    @pytest.mark.parametrize(
        ("headers", "status", "code"),
        [
            ({}, 403, "missing_signature"),
            ({"x-zm-request-timestamp": "1", "x-zm-signature": "v0=00"}, 403, "bad_signature"),
            ("other secret", 403, "bad_signature"),
            ("old", 403, "stale"),
        ],
    )
    def test_a_webhook_without_a_valid_fresh_signature_changes_nothing(
        self, meeting, headers, status, code
    ):
        body = json.dumps(zoom_event("meeting.ended", {"id": ZOOM_ID})).encode()
        if headers == "other secret":
            headers = signed(body, secret="not-the-secret")
        elif headers == "old":
            headers = signed(body, timestamp=1_600_000_000)
        before = state(meeting)

        response = post(body, headers)

        assert response.status_code == status
        assert response.json()["code"] == code
        assert state(meeting) == before

    def test_a_forged_meeting_id_or_a_malformed_body_changes_nothing(self, meeting):
        before = state(meeting)
        response = post(zoom_event("meeting.ended", {"id": "85999999999"}))
        assert response.status_code == 404
        assert response.json()["code"] == "unknown_meeting"
        response = post(b'{"event": "meeting.ended", "event_ts": "soon"}')
        assert response.status_code == 400
        assert response.json()["code"] == "malformed"
        assert state(meeting) == before

    def test_an_event_the_platform_does_not_follow_is_taken_and_ignored(self, meeting):
        before = state(meeting)
        assert post(zoom_event("meeting.sharing_started", {"id": ZOOM_ID})).status_code == 200
        assert state(meeting) == before

    def test_the_url_validation_challenge_is_answered(self):
        body = {
            "event": "endpoint.url_validation",
            "payload": {"plainToken": "abc123"},
            "event_ts": EVENT_TS,
        }
        response = post(body)
        assert response.status_code == 200
        assert response.json()["plainToken"] == "abc123"
        assert len(response.json()["encryptedToken"]) == 64

    def test_events_in_any_order_give_the_same_meeting(self, meeting):
        ended = zoom_event("meeting.ended", {"id": ZOOM_ID, "end_time": "2030-01-02T11:00:00Z"})
        ended["event_ts"] = EVENT_TS + 3_600_000
        assert post(ended).status_code == 200
        assert post(zoom_event("meeting.started", {"id": ZOOM_ID})).status_code == 200
        meeting.refresh_from_db()
        assert meeting.status == "ENDED"  # never back to STARTED
        assert meeting.actual_start_time == WHEN
        assert (meeting.actual_end_time - WHEN).total_seconds() == 3600

    def test_participants_joining_and_leaving_are_recorded(self, meeting, people):
        cat = people["cat"][0]
        joined = zoom_event(
            "meeting.participant_joined",
            {"id": ZOOM_ID, "participant": {**PARTICIPANT, "email": "CAT@a.example"}},
        )
        left = zoom_event(
            "meeting.participant_left",
            {"id": ZOOM_ID, "participant": {**PARTICIPANT, "email": "cat@a.example"}},
        )
        left["event_ts"] = EVENT_TS + 600_000
        stranger = zoom_event(
            "meeting.participant_joined",
            {
                "id": ZOOM_ID,
                "participant": {
                    **PARTICIPANT,
                    "id": "x",
                    "participant_uuid": "y",
                    "email": "who@else.example",
                },
            },
        )
        for body in (left, joined, stranger):
            assert post(body).status_code == 200

        row = MeetingParticipant.objects.get(meeting=meeting, user=cat)
        assert row.joined_at == WHEN
        assert (row.left_at - WHEN).total_seconds() == 600
        assert MeetingParticipant.objects.filter(meeting=meeting).count() == 3
        assert MeetingWebhookEvent.objects.count() == 3
        listed = people["cat"][1].get(f"{MEETINGS}{meeting.pk}/").json()["participants"]
        assert [row["joined_at"] for row in listed if row["user"] == cat.pk] == [
            "2030-01-02T10:26:40.123000Z"
        ]

    def test_webhooks_of_a_provider_without_its_secret_or_unknown_are_404(self, settings, meeting):
        settings.ZOOM_WEBHOOK_SECRET_TOKEN = ""
        body = zoom_event("meeting.started", {"id": ZOOM_ID})
        assert post(body).status_code == 404
        assert post(body, path="/api/v1/webhooks/video/skype/").status_code == 404
        assert MeetingWebhookEvent.objects.count() == 0

    def test_no_credentials_are_needed_nor_used(self, meeting, jwt_client, people):
        raw = json.dumps(zoom_event("meeting.started", {"id": ZOOM_ID})).encode()
        # A user's token is no signature.
        response = jwt_client(people["ann"][0]).post(ZOOM, raw, content_type="application/json")
        assert response.status_code == 403
        assert Meeting.objects.get(pk=meeting.pk).status == "SCHEDULED"


class TestJaas:
    def test_jaas_events_signed_with_its_scheme_are_applied_once(self, people, org_a):
        room = "standup-0123456789abcdef0123456789abcdef"
        meeting = MeetingFactory(
            organization=org_a, host=people["bob"][0], provider="jitsi", provider_meeting_id=room
        )
        body = json.dumps(jaas.jaas_event("ROOM_CREATED")).encode()
        for _ in range(3):
            response = post(body, {"X-Jaas-Signature": jaas.signed(body)}, path=JITSI)
            assert response.status_code == 200
        meeting.refresh_from_db()
        assert meeting.status == "STARTED"
        assert MeetingWebhookEvent.objects.filter(provider="jitsi").count() == 1

        before = state(meeting)
        bad = json.dumps(jaas.jaas_event("ROOM_DESTROYED")).encode()
        response = post(bad, {"X-Jaas-Signature": jaas.signed(body)}, path=JITSI)
        assert response.status_code == 403
        assert state(meeting) == before


class FileServer(StandIn):
    """The provider's recording files: `files` by path, each checked for the download
    token."""

    def __init__(self, files: dict[str, bytes], token: str = "download-token"):  # noqa: S107
        super().__init__()
        self.files = files
        self.token = token

    def answer(self, request):
        failure = self.next_failure()
        if failure is not None:
            return failure
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return 401, {"error": "no token"}
        if request.path not in self.files:
            return 404, {"error": "not found"}
        return 200, self.files[request.path]


def recording_event(server, path="/rec/meeting.mp4", file_type="MP4", file_id="file-1"):
    body = zoom_event(
        "recording.completed",
        {
            "id": ZOOM_ID,
            "recording_files": [
                {
                    "id": file_id,
                    "file_type": file_type,
                    "download_url": f"{server.url}{path}",
                    "status": "completed",
                }
            ],
        },
        download_token="download-token",
    )
    body["event_ts"] = EVENT_TS + hash(file_id) % 1000
    return body


class TestRecordings:
    def test_a_completed_recording_is_downloaded_into_the_file_layer_once(
        self, meeting, people, django_capture_on_commit_callbacks
    ):
        with FileServer({"/rec/meeting.mp4": MP4}) as server:
            body = recording_event(server)
            with django_capture_on_commit_callbacks(execute=True):
                for _ in range(2):
                    assert post(body).status_code == 200

        (recording,) = MeetingRecording.objects.filter(meeting=meeting)
        assert len(server.requests) == 1
        stored = recording.file
        assert (stored.organization_id, stored.mime_type, stored.size) == (
            meeting.organization_id,
            "video/mp4",
            len(MP4),
        )
        assert stored.original_name == f"meeting-{meeting.topic.split()[-1]}-{meeting.pk}.mp4"
        assert recording.file_type == "MP4"
        listed = people["cat"][1].get(f"{MEETINGS}{meeting.pk}/").json()["recordings"]
        assert [row["id"] for row in listed] == [recording.pk]
        download = people["cat"][1].get(listed[0]["download_url"])
        assert download.status_code == 200
        assert b"".join(download.streaming_content) == MP4
        # Another organization's user, or a member not in the meeting, cannot reach it.
        assert people["eve"][1].get(listed[0]["download_url"]).status_code == 404
        assert people["vic"][1].get(listed[0]["download_url"]).status_code == 404
        # Nor through the files API, where the recording is a file of the organization.
        files = "/api/v1/files/"
        assert people["vic"][1].get(f"{files}{stored.pk}/").status_code == 404
        assert people["vic"][1].get(f"{files}{stored.pk}/download/").status_code == 404
        assert stored.pk not in {row["id"] for row in people["vic"][1].get(files).json()["results"]}
        assert people["cat"][1].get(f"{files}{stored.pk}/").status_code == 200
        assert people["ann"][1].get(f"{files}{stored.pk}/download/").status_code == 200
        assert mail.outbox == []

    @pytest.mark.parametrize(
        ("files", "setting", "error"),
        [
            ({"/rec/meeting.mp4": MP4}, {"MEETING_RECORDING_MAX_SIZE": 1000}, "larger than"),
            ({"/rec/meeting.mp4": b"%PDF-1.4 not a video" + bytes(100)}, {}, "not allowed"),
            ({}, {}, "answered 404"),
        ],
    )
    def test_a_recording_that_cannot_be_taken_is_noted_on_its_event(
        self, meeting, settings, files, setting, error, django_capture_on_commit_callbacks
    ):
        for name, value in setting.items():
            setattr(settings, name, value)
        with FileServer(files) as server, django_capture_on_commit_callbacks(execute=True):
            assert post(recording_event(server)).status_code == 200
        assert not MeetingRecording.objects.exists()
        assert not FileStorage.objects.exists()
        (event,) = MeetingWebhookEvent.objects.all()
        assert error in event.error

    def test_a_provider_failing_for_now_is_tried_again(
        self, meeting, settings, django_capture_on_commit_callbacks, retries_run_inline
    ):
        settings.MEETING_MAX_RETRIES = 2
        with FileServer({"/rec/meeting.mp4": MP4}) as server:
            server.fail(503, {"error": "busy"}, times=2)
            with django_capture_on_commit_callbacks(execute=True):
                assert post(recording_event(server)).status_code == 200
        assert len(server.requests) == 3
        assert MeetingRecording.objects.filter(meeting=meeting).count() == 1
        assert MeetingWebhookEvent.objects.get().error == ""

    def test_a_provider_failing_past_the_retries_is_noted(
        self, meeting, settings, django_capture_on_commit_callbacks, retries_run_inline
    ):
        settings.MEETING_MAX_RETRIES = 1
        with FileServer({"/rec/meeting.mp4": MP4}) as server:
            server.fail(503, {"error": "busy"}, times=5)
            with django_capture_on_commit_callbacks(execute=True):
                assert post(recording_event(server)).status_code == 200
        assert len(server.requests) == 2
        assert not MeetingRecording.objects.exists()
        assert "503" in MeetingWebhookEvent.objects.get().error


def test_a_download_that_cannot_reach_the_provider_is_tried_again_and_other_schemes_refused():
    from api.v1.features.meetings import recordings

    from .standin import HOST, closed_port

    with pytest.raises(recordings.Retry, match="could not be reached"):
        recordings.fetch(f"http://{HOST}:{closed_port()}/rec.mp4", "", "rec.mp4")
    with pytest.raises(recordings.Refused, match="http"):
        recordings.fetch("file:///etc/passwd", "", "rec.mp4")
    with FileServer({"/rec.mp4": MP4}, token="") as server, pytest.raises(recordings.Refused):
        recordings.fetch(f"{server.url}/rec.mp4", "", "rec.mp4")  # 401: no token


def test_a_signed_body_with_text_the_database_cannot_store_is_malformed(meeting):
    body = zoom_event(
        "meeting.participant_joined",
        {"id": ZOOM_ID, "participant": {**PARTICIPANT, "user_name": "Bo\x00b"}},
    )
    before = state(meeting)
    response = post(body)
    assert response.status_code == 400
    assert response.json()["code"] == "malformed"
    assert state(meeting) == before


def test_deleting_a_meeting_deletes_its_recordings_files(
    meeting, people, django_capture_on_commit_callbacks
):
    with (
        FileServer({"/rec/meeting.mp4": MP4}) as server,
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert post(recording_event(server)).status_code == 200
    stored = MeetingRecording.objects.get(meeting=meeting).file
    Meeting.objects.filter(pk=meeting.pk).update(status="ENDED")  # recorded, then over
    with django_capture_on_commit_callbacks(execute=True):
        response = people["bob"][1].delete(f"{MEETINGS}{meeting.pk}/")
    assert response.status_code == 204
    assert not FileStorage.objects.filter(pk=stored.pk).exists()
    assert not stored.file.storage.exists(stored.file.name)
