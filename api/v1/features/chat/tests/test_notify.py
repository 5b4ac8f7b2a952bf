"""Notifications about chat messages: offline participants of direct and group rooms,
and mentions, once per burst, as their preferences say."""

import pytest
from django.core import mail

from api.v1.base_models.user.models import UserProfile
from api.v1.features.chat import services
from api.v1.features.chat.choices import RoomType
from api.v1.features.chat.notify import notify_message
from api.v1.features.chat.tests.factories import ChatRoomFactory
from core.presence import mark_present
from notifications.models import Notification
from rbac.roles import ROLE_NAMES

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(org_a, org_b, member_of):
    return {
        name: member_of(
            org,
            ROLE_NAMES["member"],
            username=name,
            first_name="",
            last_name="",
            email=f"{name}@example.com",
        )
        for name, org in (("ann", org_a), ("bob", org_a), ("cat", org_a), ("eve", org_b))
    }


def post(room, sender, content, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message, _created = services.post_message(room, sender, content=content)
    return message


def received(user, type_code=None):
    rows = Notification.objects.filter(recipient=user)
    return rows.filter(type_code=type_code) if type_code else rows


def test_the_offline_participants_of_a_group_are_told_once_per_burst(
    people, org_a, django_capture_on_commit_callbacks
):
    ann, bob, cat = people["ann"], people["bob"], people["cat"]
    room = ChatRoomFactory(organization=org_a, name="Launch", participants=[ann, bob, cat])
    mark_present(services.FEED, cat.pk)  # cat has the chat open

    for text in ("Ready?", "Anyone?", "Hello?"):
        post(room, ann, text, django_capture_on_commit_callbacks)

    (told,) = received(bob)
    assert (told.type_code, told.title, told.count) == ("chat_message", "ann wrote in Launch", 3)
    assert told.message == "Hello?"
    assert told.target == room
    assert told.action_url == f"/api/v1/chat/rooms/{room.pk}/"
    assert not received(cat).exists()  # online: they see it live
    assert not received(ann).exists()  # the sender


def test_a_direct_message_is_emailed_by_default(people, org_a, django_capture_on_commit_callbacks):
    ann, bob = people["ann"], people["bob"]
    room, _created = services.direct_room(org_a, ann.pk, bob.pk)

    post(room, ann, "Got a minute?", django_capture_on_commit_callbacks)
    post(room, ann, "It's about the fair.", django_capture_on_commit_callbacks)

    (told,) = received(bob)
    assert (told.type_code, told.title, told.count) == (
        "direct_message",
        "ann sent you a message",
        2,
    )
    assert [message.to for message in mail.outbox] == [["bob@example.com"]]  # once


def test_mentions_reach_the_named_even_when_online(
    people, org_a, django_capture_on_commit_callbacks
):
    ann, bob, cat = people["ann"], people["bob"], people["cat"]
    room = ChatRoomFactory(organization=org_a, name="Launch", participants=[ann, bob, cat])
    mark_present(services.FEED, bob.pk)
    mark_present(services.FEED, cat.pk)

    post(room, ann, "@bob can you check? cc @eve @nobody", django_capture_on_commit_callbacks)

    (told,) = received(bob)
    assert (told.type_code, told.title) == ("chat_mention", "ann mentioned you in Launch")
    assert not received(cat).exists()
    assert not received(people["eve"]).exists()  # another organization: nothing


def test_a_mention_of_someone_outside_a_group_tells_them_nothing(
    people, org_a, django_capture_on_commit_callbacks
):
    ann, bob, cat = people["ann"], people["bob"], people["cat"]
    room = ChatRoomFactory(organization=org_a, name="Secret", participants=[ann, bob])

    post(room, ann, "should we tell @cat?", django_capture_on_commit_callbacks)

    assert not received(cat).exists()


def test_a_channel_notifies_the_mentioned_only(people, org_a, django_capture_on_commit_callbacks):
    ann, bob, cat = people["ann"], people["bob"], people["cat"]
    room = ChatRoomFactory(
        organization=org_a, room_type=RoomType.CHANNEL, name="general", participants=[ann, bob]
    )

    post(room, ann, "Lunch at noon, @cat", django_capture_on_commit_callbacks)

    assert list(received(cat).values_list("type_code", "title")) == [
        ("chat_mention", "ann mentioned you in #general")
    ]
    assert not received(bob).exists()


def test_an_edit_notifies_only_whom_it_newly_mentions(
    people, org_a, django_capture_on_commit_callbacks
):
    ann, bob, cat = people["ann"], people["bob"], people["cat"]
    room = ChatRoomFactory(organization=org_a, name="Launch", participants=[ann, bob, cat])
    for user in (bob, cat):
        mark_present(services.FEED, user.pk)
    message = post(room, ann, "@bob look", django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        services.edit_message(message, "@bob look, @cat too")

    assert received(bob, "chat_mention").get().count == 1
    assert received(cat, "chat_mention").count() == 1


def test_preferences_turn_chat_notifications_off(people, org_a, django_capture_on_commit_callbacks):
    ann, bob = people["ann"], people["bob"]
    UserProfile.objects.filter(user=bob).update(
        notification_preferences={"chat_message": {"in_app": False}}
    )
    room = ChatRoomFactory(organization=org_a, name="Launch", participants=[ann, bob])

    post(room, ann, "Ready?", django_capture_on_commit_callbacks)

    assert not received(bob).exists()


def test_a_deleted_message_notifies_no_one(people, org_a):
    ann, bob = people["ann"], people["bob"]
    room = ChatRoomFactory(organization=org_a, name="Launch", participants=[ann, bob])
    message, _created = services.post_message(room, ann, content="oops @bob")
    services.delete_message(message)

    notify_message(message.pk)  # as the queued task would, after the deletion

    assert not received(bob).exists()
