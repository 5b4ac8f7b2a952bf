"""/api/v1/meetings/ over HTTP, as users of two organizations: scheduling on the
provider, invitations (notifications, emails with calendar files), who sees and joins
what, changes, cancellation and deletion."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from icalendar import Calendar

from api.v1.base_models.organization.tests.factories import OrganizationMembershipFactory
from api.v1.features.meetings.models import Meeting, MeetingParticipant
from api.v1.features.meetings.tests.factories import MeetingFactory
from audit.models import AuditLog
from notifications.models import Notification
from rbac.roles import ROLE_NAMES

from .conftest import MEETINGS, iso, payload, schedule

pytestmark = pytest.mark.django_db


def url(meeting, action="") -> str:
    pk = meeting["id"] if isinstance(meeting, dict) else meeting.pk
    return f"{MEETINGS}{pk}/{action + '/' if action else ''}"


def calendar_of(message) -> Calendar:
    (attachment,) = [a for a in message.attachments if a[0] == "invite.ics"]
    _name, content, mime_type = attachment
    assert mime_type == "text/calendar"
    return Calendar.from_ical(content)


def event_of(message):
    (event,) = calendar_of(message).walk("VEVENT")
    return event


def sent_to(address):
    return [message for message in mail.outbox if message.to == [address]]


class TestScheduling:
    def test_a_meeting_is_created_on_the_provider_with_its_participants(
        self, people, org_a, django_capture_on_commit_callbacks
    ):
        bob, client = people["bob"]
        cat = people["cat"][0]
        with django_capture_on_commit_callbacks(execute=True):
            body = schedule(
                client,
                org_a,
                participant_ids=[cat.pk],
                guests=[{"email": "guest@example.com", "name": "Gus"}],
                timezone="Europe/Paris",
            )

        meeting = Meeting.objects.get(pk=body["id"])
        assert meeting.provider == "jitsi"
        assert body["provider"] == "jitsi"
        assert meeting.join_url == f"https://meet.jit.si/{meeting.provider_meeting_id}"
        assert len(meeting.provider_meeting_id) > 32  # a slug and 128 random bits
        assert "join_url" not in body
        assert "provider_meeting_id" not in body
        assert body["status"] == "SCHEDULED"
        assert body["host"] == bob.pk
        assert [(row["user"], row["email"], row["role"]) for row in body["participants"]] == [
            (bob.pk, "bob@a.example", "HOST"),
            (cat.pk, "cat@a.example", "ATTENDEE"),
            (None, "guest@example.com", "ATTENDEE"),
        ]
        assert AuditLog.objects.filter(object_id=str(meeting.pk), action_type="CREATE").exists()

    def test_participants_are_invited_by_notification_and_email_with_a_calendar_file(
        self, people, org_a, django_capture_on_commit_callbacks
    ):
        bob, client = people["bob"]
        cat = people["cat"][0]
        with django_capture_on_commit_callbacks(execute=True):
            body = schedule(
                client, org_a, participant_ids=[cat.pk], guests=[{"email": "gus@example.com"}]
            )
        meeting = Meeting.objects.get(pk=body["id"])

        (notification,) = Notification.objects.filter(recipient=cat)
        assert notification.type_code == "meeting_invitation"
        assert notification.title == "Invitation: Budget review"
        assert notification.action_url == url(meeting)
        assert not Notification.objects.filter(recipient=bob)  # the host scheduled it
        assert sorted(message.to[0] for message in mail.outbox) == [
            "cat@a.example",
            "gus@example.com",
        ]
        for message in mail.outbox:
            assert message.subject == "Invitation: Budget review"
            calendar = calendar_of(message)
            assert calendar["METHOD"] == "REQUEST"
            event = event_of(message)
            assert str(event["UID"]) == f"{meeting.uid}@erp-platform.invalid"
            assert event["SEQUENCE"] == 0
            assert event.decoded("DTSTART") == meeting.start_time
            assert event.decoded("DTEND") == meeting.end_time
            assert str(event["SUMMARY"]) == "Budget review"
            assert str(event["ORGANIZER"]) == "mailto:bob@a.example"
            attendees = sorted(str(each) for each in event["ATTENDEE"])
            assert attendees == [
                "mailto:bob@a.example",
                "mailto:cat@a.example",
                "mailto:gus@example.com",
            ]
            assert str(event["LOCATION"]) == meeting.join_url
            assert meeting.join_url in message.body
            (alarm,) = event.walk("VALARM")
            assert alarm.decoded("TRIGGER") == -timedelta(minutes=15)

    def test_an_invitation_email_follows_the_member_s_preferences(
        self, people, org_a, django_capture_on_commit_callbacks
    ):
        cat = people["cat"][0]
        cat.profile.notification_preferences = {"meeting_invitation": {"email": False}}
        cat.profile.save()
        with django_capture_on_commit_callbacks(execute=True):
            schedule(people["bob"][1], org_a, participant_ids=[cat.pk])
        assert mail.outbox == []
        assert Notification.objects.filter(recipient=cat, type_code="meeting_invitation").exists()

    def test_the_host_s_time_zone_is_the_default(self, people, org_a):
        bob, client = people["bob"]
        bob.profile.timezone = "America/New_York"
        bob.profile.save()
        assert schedule(client, org_a)["timezone"] == "America/New_York"
        assert schedule(client, org_a, timezone="Asia/Tokyo")["timezone"] == "Asia/Tokyo"

    @pytest.mark.parametrize(
        ("fields", "field"),
        [
            ({"timezone": "Mars/Olympus"}, "timezone"),
            ({"end_time": "2020-01-01T00:00:00Z"}, "end_time"),
            (
                {"start_time": "2020-01-01T00:00:00Z", "end_time": "2020-01-01T01:00:00Z"},
                "start_time",
            ),
            (
                {"start_time": "9999-12-31T22:00:00Z", "end_time": "9999-12-31T23:00:00Z"},
                "start_time",
            ),
            ({"guests": [{"email": "not-an-address"}]}, "guests"),
            ({"guests": [{"email": "a@example.com"}, {"email": "A@example.com"}]}, "guests"),
            ({"content_type": "products.product", "object_id": "999999"}, "object_id"),
            ({"content_type": "meetings.meeting", "object_id": "1"}, "content_type"),
        ],
    )
    def test_bad_input_is_a_400_naming_the_field_and_creates_nothing(
        self, people, org_a, fields, field
    ):
        response = people["bob"][1].post(MEETINGS, payload(org_a, **fields), format="json")
        assert response.status_code == 400, response.content
        assert field in response.json()
        assert not Meeting.objects.exists()
        assert mail.outbox == []

    def test_a_meeting_lasts_at_most_a_day(self, people, org_a):
        start = timezone.now() + timedelta(days=1)
        response = people["bob"][1].post(
            MEETINGS,
            payload(org_a, start_time=iso(start), end_time=iso(start + timedelta(hours=25))),
            format="json",
        )
        assert response.status_code == 400
        assert "end_time" in response.json()

    def test_only_members_who_may_see_meetings_are_invited_or_host(self, people, org_a):
        client = people["bob"][1]
        eve = people["eve"][0]
        response = client.post(MEETINGS, payload(org_a, participant_ids=[eve.pk]), format="json")
        assert response.status_code == 400
        assert str(eve.pk) in response.json()["participant_ids"][0]
        response = client.post(MEETINGS, payload(org_a, host=eve.pk), format="json")
        assert response.status_code == 400
        assert "host" in response.json()
        assert not Meeting.objects.exists()

    def test_a_meeting_is_about_a_record_the_caller_sees_in_its_organization(
        self, people, org_a, org_b
    ):
        from api.v1.features.products.tests.factories import ProductFactory

        mine, theirs = ProductFactory(organization=org_a), ProductFactory(organization=org_b)
        client = people["ann"][1]
        body = schedule(client, org_a, content_type="products.product", object_id=str(mine.pk))
        assert (body["content_type"], body["object_id"]) == ("products.product", str(mine.pk))
        listed = client.get(MEETINGS, {"content_type": "products.product", "object_id": mine.pk})
        assert [row["id"] for row in listed.json()["results"]] == [body["id"]]
        response = client.post(
            MEETINGS,
            payload(org_a, content_type="products.product", object_id=str(theirs.pk)),
            format="json",
        )
        assert response.status_code == 400
        assert "object_id" in response.json()


class TestVisibility:
    def test_members_see_what_they_host_or_attend_managers_see_everything(self, people, org_a):
        bob, cat, vic = (people[name][0] for name in ("bob", "cat", "vic"))
        attended = MeetingFactory(organization=org_a, host=bob, participants=[vic])
        other = MeetingFactory(organization=org_a, host=cat)

        def listed(name, **query):
            response = people[name][1].get(MEETINGS, query)
            assert response.status_code == 200
            return {row["id"] for row in response.json()["results"]}

        assert listed("bob") == {attended.pk}
        assert listed("vic") == {attended.pk}
        assert listed("cat") == {other.pk}
        assert listed("ann") == {attended.pk, other.pk}
        assert listed("ann", mine="true") == set()
        assert listed("eve") == set()
        assert people["vic"][1].get(url(other)).status_code == 404
        assert people["eve"][1].get(url(attended)).status_code == 404

    def test_a_manager_in_one_organization_sees_only_what_they_attend_in_another(
        self, people, org_a, org_b, jwt_client
    ):
        eve = people["eve"][0]
        OrganizationMembershipFactory(
            user=eve, organization=org_a, role=Group.objects.get(name=ROLE_NAMES["member"])
        )
        attended = MeetingFactory(organization=org_a, participants=[eve])
        MeetingFactory(organization=org_a)  # neither hosted nor attended by eve
        managed = MeetingFactory(organization=org_b)

        response = jwt_client(eve).get(MEETINGS)

        assert {row["id"] for row in response.json()["results"]} == {attended.pk, managed.pk}

    def test_who_manages_the_meetings_of_all_their_organizations_is_not_restricted_by_sql(
        self, people, org_a
    ):
        client = people["ann"][1]
        MeetingFactory(organization=org_a, participants=[people["bob"][0]])

        with CaptureQueriesContext(connection) as queries:
            response = client.get(MEETINGS)

        assert response.json()["count"] == 1
        (page,) = [q["sql"] for q in queries if 'FROM "meetings_meeting"' in q["sql"]][:1]
        assert "meetings_meetingparticipant" not in page.split("FROM", 1)[1].split("ORDER BY")[0]

    def test_filters_by_time_range_status_and_host(self, people, org_a):
        ann, client = people["ann"]
        soon = MeetingFactory(
            organization=org_a, host=ann, start_time=timezone.now() + timedelta(hours=2)
        )
        later = MeetingFactory(
            organization=org_a, host=ann, start_time=timezone.now() + timedelta(days=9)
        )
        done = MeetingFactory(organization=org_a, host=people["bob"][0], status="ENDED")

        def ids(**query):
            return {row["id"] for row in client.get(MEETINGS, query).json()["results"]}

        cut = iso(timezone.now() + timedelta(days=3))
        assert ids(starts_before=cut, status="SCHEDULED") == {soon.pk}
        assert ids(starts_after=cut) == {later.pk}
        assert ids(status="ENDED") == {done.pk}
        assert ids(host=ann.pk) == {soon.pk, later.pk}
        assert client.get(MEETINGS, {"starts_after": "tomorrow"}).status_code == 400
        assert client.get(MEETINGS, {"mine": "perhaps"}).status_code == 400


class TestJoining:
    def test_a_participant_gets_their_link_anyone_else_a_404(self, people, org_a):
        bob, cat, ann = people["bob"][0], people["cat"][0], people["ann"][0]
        meeting = MeetingFactory(organization=org_a, host=bob, participants=[cat])
        other = MeetingFactory(organization=org_a, host=ann)

        response = people["cat"][1].get(url(meeting, "join"))
        assert response.status_code == 200, response.content
        assert response.json() == {
            "join_url": meeting.join_url,
            "role": "ATTENDEE",
            "provider": "jitsi",
        }
        assert response["Cache-Control"] == "no-store"
        assert people["bob"][1].get(url(meeting, "join")).json()["role"] == "HOST"
        # ann manages the organization's meetings: she sees it, but is not in it.
        assert people["ann"][1].get(url(meeting)).status_code == 200
        assert people["ann"][1].get(url(meeting, "join")).status_code == 404
        assert people["cat"][1].get(url(other, "join")).status_code == 404
        assert people["eve"][1].get(url(meeting, "join")).status_code == 404

    def test_with_jitsi_tokens_each_participant_gets_their_own(self, people, org_a, settings):
        settings.JITSI_BASE_URL = "https://meet.example.com"
        settings.JITSI_APP_ID = "erp"
        settings.JITSI_APP_SECRET = "jitsi-secret-of-the-tests-0123456789abcdef"
        bob, cat = people["bob"][0], people["cat"][0]
        meeting = MeetingFactory(organization=org_a, host=bob, participants=[cat])

        claims = {}
        for name in ("bob", "cat"):
            link = people[name][1].get(url(meeting, "join")).json()["join_url"]
            parts = urlsplit(link)
            assert f"{parts.scheme}://{parts.netloc}{parts.path}" == (
                f"https://meet.example.com/{meeting.provider_meeting_id}"
            )
            token = parse_qs(parts.query)["jwt"][0]
            claims[name] = jwt.decode(
                token, settings.JITSI_APP_SECRET, algorithms=["HS256"], audience="jitsi"
            )
        assert claims["bob"]["context"]["user"]["moderator"] is True
        assert claims["cat"]["context"]["user"]["moderator"] is False
        assert claims["cat"]["context"]["user"]["email"] == "cat@a.example"
        assert claims["cat"]["room"] == meeting.provider_meeting_id

    def test_an_ended_or_cancelled_meeting_cannot_be_joined(self, people, org_a):
        bob, client = people["bob"]
        for state in ("ENDED", "CANCELLED"):
            meeting = MeetingFactory(organization=org_a, host=bob, status=state)
            response = client.get(url(meeting, "join"))
            assert response.status_code == 409
            assert response.json()["code"] == "meeting_closed"


class TestChanges:
    def test_moving_a_meeting_updates_the_participants_calendars(
        self, people, org_a, django_capture_on_commit_callbacks
    ):
        _bob, client = people["bob"]
        cat = people["cat"][0]
        body = schedule(
            client, org_a, participant_ids=[cat.pk], guests=[{"email": "g@example.com"}]
        )
        mail.outbox.clear()
        start = timezone.now().replace(microsecond=0) + timedelta(days=3)

        with django_capture_on_commit_callbacks(execute=True):
            response = client.patch(
                url(body),
                {"start_time": iso(start), "end_time": iso(start + timedelta(minutes=30))},
                format="json",
            )

        assert response.status_code == 200, response.content
        assert sorted(message.to[0] for message in mail.outbox) == [
            "cat@a.example",
            "g@example.com",
        ]
        for message in mail.outbox:
            assert message.subject == "Updated invitation: Budget review"
            assert calendar_of(message)["METHOD"] == "REQUEST"
            event = event_of(message)
            assert event["SEQUENCE"] == 1
            assert event.decoded("DTSTART") == start
        assert Notification.objects.filter(recipient=cat, type_code="meeting_updated").exists()
        history = people["ann"][1].get(url(body, "history")).json()["results"]
        assert {row["action_type"] for row in history} >= {"CREATE", "UPDATE"}

    def test_a_change_of_invitations_invites_the_new_and_cancels_for_the_removed(
        self, people, org_a, django_capture_on_commit_callbacks
    ):
        bob, client = people["bob"]
        cat, vic = people["cat"][0], people["vic"][0]
        body = schedule(client, org_a, participant_ids=[cat.pk])
        mail.outbox.clear()

        with django_capture_on_commit_callbacks(execute=True):
            response = client.patch(url(body), {"participant_ids": [vic.pk]}, format="json")

        assert response.status_code == 200, response.content
        assert [row["user"] for row in response.json()["participants"]] == [bob.pk, vic.pk]
        (to_vic,) = sent_to("vic@a.example")
        assert calendar_of(to_vic)["METHOD"] == "REQUEST"
        (to_cat,) = sent_to("cat@a.example")
        assert calendar_of(to_cat)["METHOD"] == "CANCEL"
        assert str(event_of(to_cat)["STATUS"]) == "CANCELLED"
        assert event_of(to_cat)["SEQUENCE"] == 1
        assert not MeetingParticipant.objects.filter(meeting_id=body["id"], user=cat).exists()
        # cat no longer sees it; the removal is in the participant's audit trail.
        assert people["cat"][1].get(url(body)).status_code == 404
        assert AuditLog.objects.filter(
            content_type__model="meetingparticipant", action_type="DELETE"
        ).exists()

    def test_the_host_changes_their_meeting_other_members_may_not(self, people, org_a):
        bob, cat = people["bob"][0], people["cat"][0]
        meeting = MeetingFactory(organization=org_a, host=bob, participants=[cat])
        assert (
            people["cat"][1].patch(url(meeting), {"topic": "Mine"}, format="json").status_code
            == 403
        )
        assert people["cat"][1].post(url(meeting, "cancel")).status_code == 403
        assert people["cat"][1].delete(url(meeting)).status_code == 403
        response = people["bob"][1].patch(url(meeting), {"topic": "Renamed"}, format="json")
        assert response.status_code == 200
        assert response.json()["topic"] == "Renamed"
        assert (
            people["ann"][1].patch(url(meeting), {"topic": "By ann"}, format="json").status_code
            == 200
        )

    def test_a_meeting_stays_in_its_organization_with_its_host(self, people, org_a, org_b):
        ann, client = people["ann"]
        meeting = MeetingFactory(organization=org_a, host=people["bob"][0])
        response = client.patch(url(meeting), {"host": ann.pk}, format="json")
        assert response.status_code == 200
        meeting.refresh_from_db()
        assert meeting.host == people["bob"][0]

    def test_an_ended_meeting_cannot_be_moved(self, people, org_a):
        bob, client = people["bob"]
        meeting = MeetingFactory(organization=org_a, host=bob, status="ENDED")
        start = timezone.now() + timedelta(days=1)
        response = client.patch(
            url(meeting),
            {"start_time": iso(start), "end_time": iso(start + timedelta(hours=1))},
            format="json",
        )
        assert response.status_code == 409
        response = client.patch(url(meeting), {"agenda": "What we said."}, format="json")
        assert response.status_code == 200


class TestCancelling:
    def test_cancelling_keeps_the_meeting_and_cancels_the_invitations(
        self, people, org_a, django_capture_on_commit_callbacks
    ):
        _bob, client = people["bob"]
        cat = people["cat"][0]
        body = schedule(
            client, org_a, participant_ids=[cat.pk], guests=[{"email": "g@example.com"}]
        )
        mail.outbox.clear()

        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url(body, "cancel"))

        assert response.status_code == 200, response.content
        assert response.json()["status"] == "CANCELLED"
        assert response.json()["cancelled_at"]
        assert sorted(message.to[0] for message in mail.outbox) == [
            "cat@a.example",
            "g@example.com",
        ]
        for message in mail.outbox:
            assert message.subject == "Cancelled: Budget review"
            assert calendar_of(message)["METHOD"] == "CANCEL"
            assert event_of(message)["SEQUENCE"] == 1
        assert Notification.objects.filter(recipient=cat, type_code="meeting_cancelled").exists()
        mail.outbox.clear()
        assert client.post(url(body, "cancel")).status_code == 200  # again: nothing more
        assert mail.outbox == []

    def test_deleting_a_coming_meeting_cancels_it_first(
        self, people, org_a, django_capture_on_commit_callbacks
    ):
        _bob, client = people["bob"]
        body = schedule(client, org_a, guests=[{"email": "g@example.com"}])
        mail.outbox.clear()

        with django_capture_on_commit_callbacks(execute=True):
            response = client.delete(url(body))

        assert response.status_code == 204
        assert not Meeting.objects.filter(pk=body["id"]).exists()
        (message,) = mail.outbox
        assert calendar_of(message)["METHOD"] == "CANCEL"
        assert str(event_of(message)["SUMMARY"]) == "Budget review"


def test_the_history_of_a_meeting_does_not_give_its_room_away(people, org_a):
    body = schedule(people["bob"][1], org_a)
    meeting = Meeting.objects.get(pk=body["id"])
    history = people["ann"][1].get(url(body, "history"))
    assert history.status_code == 200
    text = history.content.decode()
    assert meeting.provider_meeting_id not in text
    assert meeting.join_url not in text
    assert '"status"' in text


class TestParticipantRoutes:
    def test_one_participant_is_invited_and_taken_off_at_a_time(
        self, people, org_a, django_capture_on_commit_callbacks
    ):
        client = people["bob"][1]
        cat, vic = people["cat"][0], people["vic"][0]
        body = schedule(client, org_a, participant_ids=[cat.pk])
        participants = url(body, "participants")

        with django_capture_on_commit_callbacks(execute=True):
            added = client.post(participants, {"user": vic.pk}, format="json")
            guest = client.post(
                participants, {"email": "g@example.com", "name": "G"}, format="json"
            )
        assert added.status_code == 201, added.content
        assert added.json()["user"] == vic.pk
        assert guest.status_code == 201
        assert guest.json()["email"] == "g@example.com"
        assert sorted(message.to[0] for message in mail.outbox) == [
            "g@example.com",
            "vic@a.example",
        ]
        listed = client.get(participants).json()
        assert [row["role"] for row in listed] == ["HOST", "ATTENDEE", "ATTENDEE", "ATTENDEE"]

        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            removed = client.delete(f"{participants}{added.json()['id']}/")
        assert removed.status_code == 204
        (message,) = mail.outbox
        assert message.to == ["vic@a.example"]
        assert calendar_of(message)["METHOD"] == "CANCEL"
        assert not MeetingParticipant.objects.filter(meeting_id=body["id"], user=vic).exists()
        host_row = listed[0]["id"]
        response = client.delete(f"{participants}{host_row}/")
        assert response.status_code == 400

    @pytest.mark.parametrize(
        "data",
        [{}, {"user": 1, "email": "a@example.com"}, {"email": "nope"}, {"user": 2**63}],
    )
    def test_an_invitation_names_one_member_or_one_guest(self, people, org_a, data):
        body = schedule(people["bob"][1], org_a)
        response = people["bob"][1].post(url(body, "participants"), data, format="json")
        assert response.status_code == 400
        assert MeetingParticipant.objects.filter(meeting_id=body["id"]).count() == 1

    def test_others_cannot_invite_and_twice_is_refused(self, people, org_a):
        client = people["bob"][1]
        cat, eve = people["cat"][0], people["eve"][0]
        body = schedule(client, org_a, participant_ids=[cat.pk])
        participants = url(body, "participants")
        assert (
            people["cat"][1]
            .post(participants, {"email": "x@example.com"}, format="json")
            .status_code
            == 403
        )
        assert (
            people["eve"][1]
            .post(participants, {"email": "x@example.com"}, format="json")
            .status_code
            == 404
        )
        again = client.post(participants, {"user": cat.pk}, format="json")
        assert again.status_code == 400
        assert "user" in again.json()
        stranger = client.post(participants, {"user": eve.pk}, format="json")
        assert stranger.status_code == 400
        assert people["vic"][1].get(participants).status_code == 404


def test_scheduling_runs_as_many_queries_for_20_participants_as_for_2(people, org_a, member_of):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from rbac.roles import ROLE_NAMES

    colleagues = [member_of(org_a, ROLE_NAMES["member"]) for _ in range(20)]
    client = people["ann"][1]
    # The per-process caches (content types) filled first.
    schedule(client, org_a, participant_ids=[colleagues[0].pk], guests=[{"email": "w@example.com"}])
    counted = []
    for size in (2, 20):
        ids = [user.pk for user in colleagues[:size]]
        guests = [{"email": f"guest{n}@example.com"} for n in range(size)]
        with CaptureQueriesContext(connection) as queries:
            schedule(client, org_a, participant_ids=ids, guests=guests)
        counted.append(len(queries))
    assert counted[0] == counted[1], counted
