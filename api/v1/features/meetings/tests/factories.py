from datetime import timedelta

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from api.v1.base_models.organization.tests.factories import OrganizationFactory
from api.v1.base_models.user.tests.factories import UserFactory
from api.v1.features.meetings.choices import ParticipantRole
from api.v1.features.meetings.models import Meeting, MeetingParticipant


class MeetingFactory(DjangoModelFactory):
    """A Jitsi meeting tomorrow, its host a participant; `participants=[users]` invites
    more, `guests=["a@example.com"]` guests."""

    class Meta:
        model = Meeting
        skip_postgeneration_save = True

    organization = factory.SubFactory(OrganizationFactory)
    topic = factory.Sequence(lambda n: f"Meeting {n}")
    start_time = factory.LazyFunction(lambda: timezone.now() + timedelta(days=1))
    end_time = factory.LazyAttribute(lambda meeting: meeting.start_time + timedelta(hours=1))
    host = factory.SubFactory(UserFactory)
    provider = "jitsi"
    provider_meeting_id = factory.Sequence(lambda n: f"meeting-{n}-0123456789abcdef")
    join_url = factory.LazyAttribute(
        lambda meeting: f"https://meet.jit.si/{meeting.provider_meeting_id}"
    )

    @factory.post_generation
    def participants(self, create, extracted, **kwargs):
        if not create:
            return
        MeetingParticipant.objects.create(meeting=self, user=self.host, role=ParticipantRole.HOST)
        for user in extracted or []:
            if user.pk != self.host_id:
                MeetingParticipant.objects.create(meeting=self, user=user)

    @factory.post_generation
    def guests(self, create, extracted, **kwargs):
        for email in extracted or [] if create else []:
            MeetingParticipant.objects.create(meeting=self, email=email)
