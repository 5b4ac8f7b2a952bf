"""Reminders before a meeting (the beat task), invitation emails retried while the mail
server refuses, and the Admin of meetings."""

import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse
from django.utils import timezone

from api.v1.features.meetings.models import Meeting, MeetingWebhookEvent
from api.v1.features.meetings.tasks import send_meeting_emails, send_meeting_reminders
from api.v1.features.meetings.tests.factories import MeetingFactory
from notifications.models import Notification

pytestmark = pytest.mark.django_db


class TestReminders:
    def test_participants_are_reminded_once_shortly_before_the_start(self, people, org_a):
        bob, cat = people["bob"][0], people["cat"][0]
        soon = MeetingFactory(
            organization=org_a,
            host=bob,
            participants=[cat],
            guests=["g@example.com"],
            start_time=timezone.now() + timedelta(minutes=10),
        )
        MeetingFactory(organization=org_a, host=bob, start_time=timezone.now() + timedelta(hours=2))
        MeetingFactory(
            organization=org_a,
            host=bob,
            status="CANCELLED",
            start_time=timezone.now() + timedelta(minutes=5),
        )

        assert send_meeting_reminders() == 1
        assert send_meeting_reminders() == 0

        reminders = Notification.objects.filter(type_code="meeting_reminder")
        assert sorted(reminders.values_list("recipient_id", flat=True)) == sorted([bob.pk, cat.pk])
        reminder = reminders.get(recipient=cat)
        assert reminder.title == f"Starting soon: {soon.topic}"
        assert reminder.action_url == f"/api/v1/meetings/{soon.pk}/join/"
        assert Meeting.objects.get(pk=soon.pk).reminded_at is not None
        assert mail.outbox == []  # reminders are emailed only to those who chose so

    def test_a_reminder_email_follows_the_preferences(
        self, people, org_a, django_capture_on_commit_callbacks
    ):
        cat = people["cat"][0]
        cat.profile.notification_preferences = {"meeting_reminder": {"email": True}}
        cat.profile.save()
        MeetingFactory(
            organization=org_a,
            host=people["bob"][0],
            participants=[cat],
            start_time=timezone.now() + timedelta(minutes=3),
        )
        with django_capture_on_commit_callbacks(execute=True):
            send_meeting_reminders()
        assert Notification.objects.get(recipient=cat).type_code == "meeting_reminder"
        (message,) = mail.outbox
        assert message.to == ["cat@a.example"]
        assert "Starting soon" in message.subject


MESSAGE = {
    "to": "g@example.com",
    "subject": "Invitation: Budget review",
    "body": "Join.",
    "ics": "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
    "method": "REQUEST",
}


def test_an_email_the_server_refuses_for_now_is_sent_again(
    monkeypatch, settings, retries_run_inline
):
    settings.MEETING_RETRY_DELAY = 0
    real_send = EmailMultiAlternatives.send
    failures = iter([smtplib.SMTPServerDisconnected("gone")])

    def send(self, *args, **kwargs):
        failure = next(failures, None)
        if failure is not None:
            raise failure
        return real_send(self, *args, **kwargs)

    monkeypatch.setattr(EmailMultiAlternatives, "send", send)
    send_meeting_emails.delay([MESSAGE])
    (message,) = mail.outbox
    assert message.to == ["g@example.com"]
    assert message.attachments[0][0] == "invite.ics"


def test_the_admin_shows_a_meeting_with_its_participants_and_events(
    client, superuser, people, org_a
):
    meeting = MeetingFactory(
        organization=org_a,
        host=people["bob"][0],
        participants=[people["cat"][0]],
        guests=["g@example.com"],
    )
    MeetingWebhookEvent.objects.create(
        provider="jitsi",
        event_id="e-1",
        kind="meeting_started",
        meeting=meeting,
        occurred_at=timezone.now(),
    )
    client.force_login(superuser)

    listing = client.get(reverse("admin:meetings_meeting_changelist"))
    page = client.get(reverse("admin:meetings_meeting_change", args=[meeting.pk]))

    assert listing.status_code == 200
    assert meeting.topic.encode() in listing.content
    assert page.status_code == 200
    for shown in (b"g@example.com", b"meeting_started", meeting.provider_meeting_id.encode()):
        assert shown in page.content
    assert client.get(reverse("admin:meetings_meeting_add")).status_code == 403
