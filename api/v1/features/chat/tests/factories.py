import factory
from factory.django import DjangoModelFactory

from api.v1.base_models.organization.tests.factories import OrganizationFactory
from api.v1.features.chat import services
from api.v1.features.chat.choices import ParticipantRole, RoomType
from api.v1.features.chat.models import ChatMessage, ChatParticipant, ChatRoom


class ChatRoomFactory(DjangoModelFactory):
    """A group room with one message (`messages=N` for more, 0 for none); pass
    `participants=[users]` to put people in it (the first as its administrator)."""

    class Meta:
        model = ChatRoom
        skip_postgeneration_save = True

    organization = factory.SubFactory(OrganizationFactory)
    room_type = RoomType.GROUP
    name = factory.Sequence(lambda n: f"Room {n}")

    @factory.post_generation
    def participants(self, create, extracted, **kwargs):
        for index, user in enumerate(extracted or []):
            role = ParticipantRole.ADMIN if index == 0 else ParticipantRole.MEMBER
            ChatParticipant.objects.create(room=self, user=user, role=role)

    @factory.post_generation
    def messages(self, create, extracted, **kwargs):
        count = 1 if extracted is None else extracted
        for index in range(count if create else 0):
            services.post_message(self, None, content=f"Message {index + 1}")
        self.refresh_from_db()


class ChatMessageFactory(DjangoModelFactory):
    """A message posted by services.post_message (numbered in its room): in `room`, or
    in a new channel of `organization` (a new organization's by default)."""

    class Meta:
        model = ChatMessage

    class Params:
        organization = None

    room = factory.LazyAttribute(
        lambda message: ChatRoomFactory(
            organization=message.organization or OrganizationFactory(),
            room_type=RoomType.CHANNEL,
            messages=0,
        )
    )
    sender = None
    content = factory.Sequence(lambda n: f"Message {n}")

    @classmethod
    def _create(cls, model_class, room, sender=None, **kwargs):
        return services.post_message(room, sender, **kwargs)[0]
