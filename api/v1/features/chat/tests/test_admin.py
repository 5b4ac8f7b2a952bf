"""The chat's Admin: rooms with their participants and their messages (read-only)."""

import pytest
from django.urls import reverse

from api.v1.features.chat.models import ChatRoom

from .factories import ChatRoomFactory

pytestmark = pytest.mark.django_db


def test_a_room_shows_its_participants_and_messages_and_archives(client, superuser, user):
    room = ChatRoomFactory(participants=[user], messages=2)
    client.force_login(superuser)
    url = reverse("admin:chat_chatroom_change", args=[room.pk])

    page = client.get(url)
    assert page.status_code == 200
    assert b"Message 2" in page.content
    assert user.username.encode() in page.content

    form = {
        "name": room.name,
        "is_archived": "on",
        "memberships-TOTAL_FORMS": "1",
        "memberships-INITIAL_FORMS": "1",
        "memberships-0-id": str(room.memberships.get().pk),
        "memberships-0-room": str(room.pk),
        "memberships-0-user": str(user.pk),
        "memberships-0-role": "ADMIN",
        "messages-TOTAL_FORMS": "2",
        "messages-INITIAL_FORMS": "2",
    }
    for index, message in enumerate(room.messages.order_by("-sequence")):
        form[f"messages-{index}-id"] = str(message.pk)
        form[f"messages-{index}-room"] = str(room.pk)
    response = client.post(url, form)

    assert response.status_code == 302, response.content[:2000]
    room = ChatRoom.objects.get(pk=room.pk)
    assert room.is_archived is True
    assert room.archived_at is not None
