"""Meetings of an organization whose provider is Zoom, against the Zoom stand-in on
loopback: the provider is called before anything is written, and a provider that fails
leaves nothing behind."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from api.v1.features.meetings import invitations
from api.v1.features.meetings.models import Meeting, MeetingParticipant

from .conftest import MEETINGS, iso, payload, schedule
from .standin import FakeZoom
from .test_providers_zoom import ACCOUNT_ID, CLIENT_ID, CLIENT_SECRET

pytestmark = pytest.mark.django_db


@pytest.fixture
def zoom(settings, org_a):
    settings.MEETING_PROVIDERS_BY_ORGANIZATION = {org_a.code: "zoom"}
    settings.ZOOM_ACCOUNT_ID = ACCOUNT_ID
    settings.ZOOM_CLIENT_ID = CLIENT_ID
    settings.ZOOM_CLIENT_SECRET = CLIENT_SECRET
    settings.ZOOM_USER_ID = "me"
    with FakeZoom(ACCOUNT_ID, CLIENT_ID, CLIENT_SECRET) as fake:
        settings.ZOOM_OAUTH_URL = fake.oauth_url
        settings.ZOOM_API_BASE = fake.api_base
        yield fake


def calls(zoom) -> list[tuple[str, str]]:
    return [(request.method, request.path) for request in zoom.requests]


def test_a_meeting_of_a_zoom_organization_is_scheduled_on_zoom(people, org_a, org_b, zoom):
    body = schedule(people["bob"][1], org_a, timezone="Europe/Paris")
    meeting = Meeting.objects.get(pk=body["id"])
    (zoom_id,) = zoom.meetings
    assert (meeting.provider, meeting.provider_meeting_id) == ("zoom", zoom_id)
    assert meeting.join_url == zoom.meetings[zoom_id]["join_url"]
    sent = zoom.requests[-1].json()
    assert sent["topic"] == "Budget review"
    assert sent["timezone"] == "Europe/Paris"
    assert sent["start_time"] == iso(meeting.start_time)
    # Another organization keeps the default provider.
    other = schedule(people["eve"][1], org_b)
    assert other["provider"] == "jitsi"


def test_the_host_starts_by_a_fresh_start_link_attendees_join_by_the_join_link(people, org_a, zoom):
    cat = people["cat"][0]
    body = schedule(people["bob"][1], org_a, participant_ids=[cat.pk])
    meeting = Meeting.objects.get(pk=body["id"])

    hosting = people["bob"][1].get(f"{MEETINGS}{body['id']}/join/").json()
    attending = people["cat"][1].get(f"{MEETINGS}{body['id']}/join/").json()

    assert hosting["join_url"] == zoom.meetings[meeting.provider_meeting_id]["start_url"]
    assert attending["join_url"] == meeting.join_url
    assert "start_url" not in str(meeting.provider_data)


def test_a_zoom_that_refuses_the_create_leaves_no_meeting(people, org_a, zoom):
    zoom.fail(500, {"code": 200, "message": "Internal error."})
    response = people["bob"][1].post(
        MEETINGS, payload(org_a, guests=[{"email": "g@example.com"}]), format="json"
    )
    assert response.status_code == 502
    assert response.json()["code"] == "provider_unavailable"
    assert CLIENT_SECRET not in response.content.decode()
    assert not Meeting.objects.exists()
    assert not MeetingParticipant.objects.exists()
    assert mail.outbox == []


def test_a_write_that_fails_after_zoom_created_the_meeting_cancels_it_there(
    people, org_a, zoom, monkeypatch
):
    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(invitations, "tell", broken)
    client = people["bob"][1]
    client.raise_request_exception = False
    response = client.post(MEETINGS, payload(org_a), format="json")
    assert response.status_code == 500
    assert not Meeting.objects.exists()
    (zoom_id,) = [path.rsplit("/", 1)[1] for method, path in calls(zoom) if method == "DELETE"]
    assert zoom.meetings == {}
    assert zoom_id


def test_a_change_zoom_refuses_changes_nothing(people, org_a, zoom):
    body = schedule(people["bob"][1], org_a)
    before = Meeting.objects.values().get(pk=body["id"])
    zoom.fail(400, {"code": 300, "message": "Invalid meeting."})
    start = timezone.now() + timedelta(days=5)
    response = people["bob"][1].patch(
        f"{MEETINGS}{body['id']}/",
        {"start_time": iso(start), "end_time": iso(start + timedelta(hours=1))},
        format="json",
    )
    assert response.status_code == 502
    assert Meeting.objects.values().get(pk=body["id"]) == before


def test_moving_and_cancelling_tell_zoom(people, org_a, zoom):
    client = people["bob"][1]
    body = schedule(client, org_a)
    zoom_id = Meeting.objects.get(pk=body["id"]).provider_meeting_id
    start = timezone.now().replace(microsecond=0) + timedelta(days=5)

    client.patch(
        f"{MEETINGS}{body['id']}/",
        {"start_time": iso(start), "end_time": iso(start + timedelta(hours=2))},
        format="json",
    )
    assert zoom.meetings[zoom_id]["start_time"] == iso(start)
    assert zoom.meetings[zoom_id]["duration"] == 120
    client.patch(f"{MEETINGS}{body['id']}/", {"agenda": "Only the agenda"}, format="json")
    assert ("PATCH", f"/v2/meetings/{zoom_id}") in calls(zoom)

    zoom.fail(503, {"code": 200, "message": "Try later."})
    assert client.post(f"{MEETINGS}{body['id']}/cancel/").status_code == 502
    assert Meeting.objects.get(pk=body["id"]).status == "SCHEDULED"
    assert client.post(f"{MEETINGS}{body['id']}/cancel/").status_code == 200
    assert zoom_id not in zoom.meetings
    assert Meeting.objects.get(pk=body["id"]).status == "CANCELLED"


def test_a_zoom_organization_without_credentials_gets_a_clear_503(people, org_a, settings):
    settings.MEETING_PROVIDERS_BY_ORGANIZATION = {org_a.code: "zoom"}
    settings.ZOOM_CLIENT_SECRET = ""
    response = people["bob"][1].post(MEETINGS, payload(org_a), format="json")
    assert response.status_code == 503
    assert response.json()["code"] == "provider_not_configured"
    assert not Meeting.objects.exists()


def test_an_unknown_provider_name_in_the_settings_fails_the_checks_then_is_a_503(
    people, org_a, settings
):
    from django.core.checks import run_checks

    settings.MEETING_PROVIDER = "skype"
    settings.MEETING_PROVIDERS_BY_ORGANIZATION = {"ACME": "teams"}
    errors = [error for error in run_checks() if error.id == "meetings.E001"]
    assert [error.msg.split(" is ")[0] for error in errors] == [
        "MEETING_PROVIDER",
        "MEETING_PROVIDERS_BY_ORGANIZATION['ACME']",
    ]
    response = people["bob"][1].post(MEETINGS, payload(org_a), format="json")
    assert response.status_code == 503
    assert not Meeting.objects.exists()
