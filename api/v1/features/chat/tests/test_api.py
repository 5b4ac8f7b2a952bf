"""/api/v1/chat/ over HTTP, as users of two organizations: rooms, participants,
messages, catching up, and nothing of a room one is not in."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.v1.base_models.files.tests.factories import FileStorageFactory
from api.v1.features.chat.models import ChatMessage, ChatParticipant, ChatReaction, ChatRoom
from api.v1.features.chat.services import FEED
from audit.models import AuditLog
from core.presence import mark_present
from rbac.roles import ROLE_NAMES

pytestmark = pytest.mark.django_db

ROOMS = "/api/v1/chat/rooms/"


def messages_url(room_id) -> str:
    return f"{ROOMS}{room_id}/messages/"


@pytest.fixture
def people(org_a, org_b, member_of, jwt_client):
    """ann, bob and cat in A (ann administrator, bob and cat members, vic a viewer
    whose role may not use the chat), and eve in B."""
    users = {
        "ann": member_of(org_a, ROLE_NAMES["administrator"], username="ann"),
        "bob": member_of(org_a, ROLE_NAMES["member"], username="bob"),
        "cat": member_of(org_a, ROLE_NAMES["member"], username="cat"),
        "vic": member_of(org_a, ROLE_NAMES["viewer"], username="vic"),
        "eve": member_of(org_b, ROLE_NAMES["administrator"], username="eve"),
    }
    return {name: (user, jwt_client(user)) for name, user in users.items()}


def open_group(people, org, creator="bob", others=("cat",), name="Team"):
    _user, client = people[creator]
    response = client.post(
        ROOMS,
        {
            "organization": org.pk,
            "room_type": "GROUP",
            "name": name,
            "participants": [people[other][0].pk for other in others],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    return response.json()


def send(client, room_id, content, **fields):
    return client.post(messages_url(room_id), {"content": content, **fields}, format="json")


class TestRooms:
    def test_a_group_has_its_creator_as_administrator_and_is_audited(self, people, org_a):
        room = open_group(people, org_a)

        assert room["room_type"] == "GROUP"
        assert room["name"] == "Team"
        assert room["role"] == "ADMIN"
        assert room["unread_count"] == 0
        assert room["last_message"] is None
        roles = dict(
            ChatParticipant.objects.filter(room_id=room["id"]).values_list("user__username", "role")
        )
        assert roles == {"bob": "ADMIN", "cat": "MEMBER"}
        assert AuditLog.objects.filter(
            content_type__model="chatroom", object_id=str(room["id"])
        ).exists()

    def test_a_direct_room_is_one_per_pair_and_organization(self, people, org_a):
        bob, bob_client = people["bob"]
        cat, cat_client = people["cat"]
        first = bob_client.post(
            ROOMS,
            {"organization": org_a.pk, "room_type": "DIRECT", "participants": [cat.pk]},
            format="json",
        )
        again = cat_client.post(
            ROOMS,
            {"organization": org_a.pk, "room_type": "DIRECT", "participants": [bob.pk]},
            format="json",
        )

        assert first.status_code == 201, first.content
        assert again.status_code == 200
        assert again.json()["id"] == first.json()["id"]
        assert ChatRoom.objects.filter(room_type="DIRECT").count() == 1
        assert AuditLog.objects.filter(content_type__model="chatparticipant").count() == 2

    @pytest.mark.parametrize(
        ("payload", "field"),
        [
            ({"room_type": "GROUP", "name": " "}, "name"),
            ({"room_type": "DIRECT", "participants": []}, "participants"),
            ({"room_type": "GROUP", "name": "X", "participants": ["x"]}, "participants"),
            ({"room_type": "WHATEVER", "name": "X"}, "room_type"),
            ({"room_type": "GROUP", "name": "X" * 101}, "name"),
        ],
    )
    def test_bad_rooms_are_a_400_and_leave_nothing(self, people, org_a, payload, field):
        _bob, client = people["bob"]
        response = client.post(ROOMS, {"organization": org_a.pk, **payload}, format="json")

        assert response.status_code == 400
        assert field in response.json()
        assert not ChatRoom.objects.exists()

    def test_only_colleagues_who_may_chat_can_be_added(self, people, org_a):
        _bob, client = people["bob"]
        for outsider in ("eve", "vic"):
            response = client.post(
                ROOMS,
                {
                    "organization": org_a.pk,
                    "name": "Team",
                    "participants": [people[outsider][0].pk],
                },
                format="json",
            )
            assert response.status_code == 400
            assert "participants" in response.json()
        assert not ChatRoom.objects.exists()

    def test_another_organization_cannot_be_named_nor_its_rooms_seen(self, people, org_a, org_b):
        room = open_group(people, org_a)
        _eve, eve_client = people["eve"]

        named = eve_client.post(ROOMS, {"organization": org_a.pk, "name": "X"}, format="json")
        assert named.status_code == 400
        assert "organization" in named.json()
        assert eve_client.get(ROOMS).json()["results"] == []
        for method, url in [
            ("get", f"{ROOMS}{room['id']}/"),
            ("patch", f"{ROOMS}{room['id']}/"),
            ("post", f"{ROOMS}{room['id']}/join/"),
            ("post", f"{ROOMS}{room['id']}/archive/"),
            ("get", f"{ROOMS}{room['id']}/participants/"),
            ("get", messages_url(room["id"])),
            ("post", messages_url(room["id"])),
        ]:
            response = getattr(eve_client, method)(url, {"content": "hi"}, format="json")
            assert response.status_code == 404, (method, url)

    def test_a_role_without_the_chat_reaches_no_room(self, people, org_a):
        room = open_group(people, org_a, others=("cat",))
        _vic, vic_client = people["vic"]

        # The same answer for every room, existing or not: nothing is learnt.
        assert vic_client.get(f"{ROOMS}{room['id']}/").status_code == 403
        assert vic_client.get(f"{ROOMS}999999/").status_code == 403
        assert vic_client.get(ROOMS).status_code == 403
        denied = vic_client.post(ROOMS, {"organization": org_a.pk, "name": "X"}, format="json")
        assert denied.status_code == 403
        assert ChatRoom.objects.count() == 1

    def test_a_group_is_seen_by_its_participants_only(self, people, org_a):
        room = open_group(people, org_a, others=())
        _cat, cat_client = people["cat"]

        assert cat_client.get(f"{ROOMS}{room['id']}/").status_code == 404
        assert [each["id"] for each in people["bob"][1].get(ROOMS).json()["results"]] == [
            room["id"]
        ]

    def test_renaming_and_archiving_belong_to_room_administrators(self, people, org_a):
        room = open_group(people, org_a)
        _cat, cat_client = people["cat"]
        _bob, bob_client = people["bob"]
        url = f"{ROOMS}{room['id']}/"

        assert cat_client.patch(url, {"name": "Mine"}, format="json").status_code == 403
        assert cat_client.post(f"{url}archive/").status_code == 403
        renamed = bob_client.patch(url, {"name": "Renamed"}, format="json")
        assert renamed.status_code == 200
        assert renamed.json()["name"] == "Renamed"
        archived = bob_client.post(f"{url}archive/")
        assert archived.json()["is_archived"] is True
        assert send(bob_client, room["id"], "hello").status_code == 400
        assert bob_client.post(f"{url}unarchive/").json()["is_archived"] is False
        # The organization's administrators manage every room they can see.
        open_channel = open_group(people, org_a, creator="cat", others=("ann",), name="Cat's")
        assert (
            people["ann"][1]
            .patch(f"{ROOMS}{open_channel['id']}/", {"name": "Ours"}, format="json")
            .status_code
            == 200
        )

    def test_participants_are_added_removed_and_leave(self, people, org_a):
        room = open_group(people, org_a, others=())
        _bob, bob_client = people["bob"]
        cat, cat_client = people["cat"]
        url = f"{ROOMS}{room['id']}/participants/"

        added = bob_client.post(url, {"user": cat.pk}, format="json")
        assert added.status_code == 201, added.content
        assert added.json()["role"] == "MEMBER"
        assert cat_client.post(url, {"user": people["ann"][0].pk}, format="json").status_code == 403
        assert bob_client.post(url, {"user": people["eve"][0].pk}, format="json").status_code == 400
        assert [each["username"] for each in cat_client.get(url).json()] == ["bob", "cat"]

        promoted = bob_client.patch(f"{url}{cat.pk}/", {"role": "ADMIN"}, format="json")
        assert promoted.json()["role"] == "ADMIN"
        assert cat_client.post(f"{ROOMS}{room['id']}/leave/").status_code == 204
        assert cat_client.get(f"{ROOMS}{room['id']}/").status_code == 404
        assert bob_client.delete(f"{url}{cat.pk}/").status_code == 404  # gone already

    def test_a_channel_is_seen_by_the_organization_and_joined(self, people, org_a):
        _ann, ann_client = people["ann"]
        channel = ann_client.post(
            ROOMS, {"organization": org_a.pk, "room_type": "CHANNEL", "name": "general"}
        ).json()
        _cat, cat_client = people["cat"]

        seen = cat_client.get(f"{ROOMS}{channel['id']}/").json()
        assert seen["role"] is None
        assert seen["unread_count"] is None
        assert send(ann_client, channel["id"], "welcome").status_code == 201
        assert cat_client.get(messages_url(channel["id"])).json()["results"][0]["content"] == (
            "welcome"
        )
        joined = cat_client.post(f"{ROOMS}{channel['id']}/join/").json()
        assert joined["role"] == "MEMBER"
        assert joined["unread_count"] == 1
        assert people["eve"][1].get(f"{ROOMS}{channel['id']}/").status_code == 404

    def test_the_list_runs_the_same_queries_for_2_and_20_rooms(
        self, people, org_a, django_assert_max_num_queries
    ):
        _bob, client = people["bob"]

        def count():
            with CaptureQueriesContext(connection) as queries:
                assert client.get(ROOMS, {"page_size": 50}).status_code == 200
            return len(queries)

        for i in range(2):
            room = open_group(people, org_a, name=f"Room {i}")
            send(client, room["id"], "hi")
        few = count()
        for i in range(18):
            room = open_group(people, org_a, name=f"More {i}")
            send(client, room["id"], "hi")
        assert count() == few


class TestMessages:
    def test_messages_are_numbered_read_and_counted(self, people, org_a):
        room = open_group(people, org_a)
        _bob, bob_client = people["bob"]
        _cat, cat_client = people["cat"]

        for text in ("one", "two", "three"):
            assert send(bob_client, room["id"], text).status_code == 201
        listed = cat_client.get(ROOMS).json()["results"][0]
        assert listed["unread_count"] == 3
        assert listed["last_message"]["content"] == "three"
        assert listed["last_message"]["sequence"] == 3
        assert bob_client.get(f"{ROOMS}{room['id']}/").json()["unread_count"] == 0

        read = cat_client.post(f"{ROOMS}{room['id']}/read/", {"sequence": 2}, format="json")
        assert read.json() == {"last_read_sequence": 2, "unread_count": 1}
        back = cat_client.post(f"{ROOMS}{room['id']}/read/", {"sequence": 1}, format="json")
        assert back.json()["last_read_sequence"] == 2  # never backwards
        past = cat_client.post(f"{ROOMS}{room['id']}/read/", {"sequence": 99}, format="json")
        assert past.json() == {"last_read_sequence": 3, "unread_count": 0}

    def test_catching_up_after_and_scrolling_back_before(self, people, org_a):
        room = open_group(people, org_a)
        _bob, client = people["bob"]
        for i in range(1, 8):
            send(client, room["id"], f"m{i}")
        url = messages_url(room["id"])

        def contents(**params):
            body = client.get(url, params).json()
            return [each["content"] for each in body["results"]], body["has_more"]

        assert contents(limit=3) == (["m5", "m6", "m7"], True)
        assert contents(before=5, limit=3) == (["m2", "m3", "m4"], True)
        assert contents(before=3, limit=3) == (["m1", "m2"], False)
        assert contents(after=2, limit=3) == (["m3", "m4", "m5"], True)
        assert contents(after=5, limit=3) == (["m6", "m7"], False)
        assert contents(after=7) == ([], False)

    @pytest.mark.parametrize(
        "params",
        [{"after": "x"}, {"before": 0}, {"limit": 0}, {"limit": 201}, {"after": 1, "before": 3}],
    )
    def test_bad_queries_are_a_400(self, people, org_a, params):
        room = open_group(people, org_a)
        response = people["bob"][1].get(messages_url(room["id"]), params)

        assert response.status_code == 400

    def test_a_resend_with_the_same_client_id_is_stored_once(self, people, org_a):
        room = open_group(people, org_a)
        _bob, client = people["bob"]

        first = send(client, room["id"], "hello", client_id="abc-1")
        again = send(client, room["id"], "hello (resent)", client_id="abc-1")

        assert first.status_code == 201
        assert again.status_code == 200
        assert again.json()["id"] == first.json()["id"]
        assert again.json()["content"] == "hello"
        assert ChatMessage.objects.count() == 1
        other = send(people["cat"][1], room["id"], "mine", client_id="abc-1")
        assert other.status_code == 201  # the id is each sender's own

    @pytest.mark.parametrize(
        ("payload", "field"),
        [
            ({"content": "   "}, "content"),
            ({"content": "x" * 10_001}, "content"),
            ({"content": "x", "client_id": "has space"}, "client_id"),
            ({"content": "x", "parent": 999_999}, "parent"),
            ({"content": "x", "attachment_ids": [999_999]}, "attachment_ids"),
        ],
    )
    def test_bad_messages_are_a_400_and_store_nothing(self, people, org_a, payload, field):
        room = open_group(people, org_a)
        response = people["bob"][1].post(messages_url(room["id"]), payload, format="json")

        assert response.status_code == 400
        assert field in response.json()
        assert not ChatMessage.objects.exists()
        assert ChatRoom.objects.get(pk=room["id"]).last_sequence == 0

    def test_replies_thread_in_their_room_only(self, people, org_a):
        room = open_group(people, org_a)
        other = open_group(people, org_a, name="Other")
        _bob, client = people["bob"]
        top = send(client, room["id"], "top").json()
        reply = send(client, room["id"], "reply", parent=top["id"]).json()
        nested = send(client, room["id"], "reply to reply", parent=reply["id"]).json()

        assert reply["parent"] == top["id"]
        assert nested["parent"] == top["id"]  # one level deep
        thread = client.get(messages_url(room["id"]), {"parent": top["id"]}).json()["results"]
        assert [each["content"] for each in thread] == ["reply", "reply to reply"]
        elsewhere = send(client, other["id"], "x", parent=top["id"])
        assert elsewhere.status_code == 400

    def test_attachments_are_files_of_the_room_organization(self, people, org_a, org_b):
        room = open_group(people, org_a)
        _bob, client = people["bob"]
        mine = FileStorageFactory(organization=org_a)
        theirs = FileStorageFactory(organization=org_b)

        sent = send(client, room["id"], "", attachment_ids=[mine.pk])
        assert sent.status_code == 201, sent.content
        assert [each["id"] for each in sent.json()["attachments"]] == [mine.pk]
        refused = send(client, room["id"], "x", attachment_ids=[theirs.pk])
        assert refused.status_code == 400

    def test_edits_are_the_sender_and_deletions_keep_the_place(self, people, org_a):
        room = open_group(people, org_a)
        _bob, bob_client = people["bob"]
        _cat, cat_client = people["cat"]
        message = send(cat_client, room["id"], "typo").json()
        url = f"{messages_url(room['id'])}{message['id']}/"

        assert bob_client.patch(url, {"content": "mine now"}, format="json").status_code == 403
        edited = cat_client.patch(url, {"content": "fixed"}, format="json")
        assert edited.json()["content"] == "fixed"
        assert edited.json()["edited_at"] is not None
        # A room administrator moderates.
        assert bob_client.delete(url).status_code == 204
        gone = cat_client.get(url).json()
        assert gone["content"] == ""
        assert gone["deleted_at"] is not None
        assert gone["sequence"] == 1
        assert cat_client.patch(url, {"content": "again"}, format="json").status_code == 400


MESSAGES = "/api/v1/chat/messages/"


class TestMessagesOfAllRooms:
    """/chat/messages/: the messages of every room the caller may see."""

    def test_lists_the_rooms_one_sees_and_nothing_else(self, people, org_a, org_b):
        team = open_group(people, org_a)  # bob and cat
        others = open_group(people, org_a, creator="ann", others=(), name="Board")
        theirs = open_group(people, org_b, creator="eve", others=(), name="B")
        send(people["bob"][1], team["id"], "for the team")
        send(people["ann"][1], others["id"], "for the board")
        send(people["eve"][1], theirs["id"], "for B")

        def listed(name, **query):
            response = people[name][1].get(MESSAGES, query)
            assert response.status_code == 200, response.content
            return [each["content"] for each in response.json()["results"]]

        assert listed("cat") == ["for the team"]
        assert listed("ann") == ["for the board"]
        assert listed("eve") == ["for B"]
        # Naming a room one does not see finds nothing, as a room that does not exist.
        assert listed("cat", room=others["id"]) == listed("cat", room=999999) == []
        assert listed("cat", room=team["id"], search="team") == ["for the team"]
        assert people["vic"][1].get(MESSAGES).status_code == 403  # no chat in the role

    def test_sending_names_a_room_one_sees(self, people, org_a, org_b):
        team = open_group(people, org_a)
        theirs = open_group(people, org_b, creator="eve", others=(), name="B")
        _bob, client = people["bob"]

        sent = client.post(MESSAGES, {"room": team["id"], "content": "hi"}, format="json")
        assert sent.status_code == 201, sent.content
        assert (sent.json()["room"], sent.json()["organization"]) == (team["id"], org_a.pk)
        assert sent.headers["ETag"] == client.get(f"{MESSAGES}{sent.json()['id']}/")["ETag"]
        for payload, field in (
            ({"room": theirs["id"], "content": "hi"}, "room"),
            ({"room": "x", "content": "hi"}, "room"),
            ({"content": "hi"}, "room"),
            ({"room": team["id"], "content": " "}, "content"),
        ):
            refused = client.post(MESSAGES, payload, format="json")
            assert refused.status_code == 400, payload
            assert field in refused.json(), payload
        assert ChatMessage.objects.count() == 1

    def test_a_reply_is_to_a_message_of_the_same_room(self, people, org_a):
        team = open_group(people, org_a)
        other = open_group(people, org_a, name="Other")
        _bob, client = people["bob"]
        top = send(client, team["id"], "top").json()

        reply = client.post(
            MESSAGES, {"room": team["id"], "content": "re", "parent": top["id"]}, format="json"
        )
        elsewhere = client.post(
            MESSAGES, {"room": other["id"], "content": "re", "parent": top["id"]}, format="json"
        )

        assert reply.status_code == 201, reply.content
        assert reply.json()["parent"] == top["id"]
        assert elsewhere.status_code == 400
        assert "parent" in elsewhere.json()
        assert not ChatMessage.objects.filter(room_id=other["id"]).exists()

    def test_an_archived_room_takes_no_message(self, people, org_a):
        team = open_group(people, org_a)
        _bob, client = people["bob"]
        assert client.post(f"{ROOMS}{team['id']}/archive/").status_code == 200

        refused = client.post(MESSAGES, {"room": team["id"], "content": "hi"}, format="json")

        assert refused.status_code == 400
        assert not ChatMessage.objects.exists()

    def test_a_message_is_edited_by_its_sender_and_deleted_by_the_room_admin(self, people, org_a):
        team = open_group(people, org_a)
        _bob, bob_client = people["bob"]
        _cat, cat_client = people["cat"]
        message = send(cat_client, team["id"], "typo").json()
        url = f"{MESSAGES}{message['id']}/"

        assert bob_client.patch(url, {"content": "mine"}, format="json").status_code == 403
        assert cat_client.patch(url, {}, format="json").json()["edited_at"] is None
        assert cat_client.patch(url, {"content": "fixed"}, format="json").status_code == 200
        assert people["eve"][1].delete(url).status_code == 404
        assert bob_client.delete(url).status_code == 204
        stored = ChatMessage.objects.get(pk=message["id"])
        assert (stored.content, stored.sequence) == ("", 1)


def test_an_attached_file_cannot_be_deleted(people, org_a):
    room = open_group(people, org_a)
    _bob, client = people["bob"]
    _ann, ann_client = people["ann"]
    stored = FileStorageFactory(organization=org_a)
    assert send(client, room["id"], "see", attachment_ids=[stored.pk]).status_code == 201

    response = ann_client.delete(f"/api/v1/files/{stored.pk}/")

    assert response.status_code == 409


def reactions_url(room_id, message_id) -> str:
    return f"{messages_url(room_id)}{message_id}/reactions/"


class TestReactions:
    @pytest.fixture
    def said(self, people, org_a):
        room = open_group(people, org_a)
        message = send(people["bob"][1], room["id"], "Lunch?").json()
        return room["id"], message["id"]

    def test_reactions_are_counted_per_emoji_once_per_person(self, people, said):
        room_id, message_id = said
        bob, bob_client = people["bob"]
        cat, cat_client = people["cat"]
        url = reactions_url(room_id, message_id)

        for client, emoji in ((bob_client, "👍"), (cat_client, "👍"), (cat_client, "🍕")):
            assert client.post(url, {"emoji": emoji}, format="json").status_code == 200
        again = cat_client.post(url, {"emoji": "👍"}, format="json")

        expected = [
            {"emoji": "👍", "count": 2, "users": [bob.pk, cat.pk]},
            {"emoji": "🍕", "count": 1, "users": [cat.pk]},
        ]
        assert again.json()["reactions"] == expected
        listed = bob_client.get(messages_url(room_id)).json()["results"]
        assert listed[0]["reactions"] == expected

    def test_a_reaction_is_taken_back(self, people, said):
        room_id, message_id = said
        _bob, bob_client = people["bob"]
        url = reactions_url(room_id, message_id)
        bob_client.post(url, {"emoji": ":tada:"}, format="json")

        response = bob_client.delete(url + "?emoji=:tada:")

        assert response.status_code == 200
        assert response.json()["reactions"] == []
        assert ChatReaction.objects.count() == 0

    @pytest.mark.parametrize("emoji", ["", "ok", "👍 ", "<b>", ":Tada:", "x" * 40, None])
    def test_anything_but_an_emoji_is_a_400(self, people, said, emoji):
        room_id, message_id = said
        response = people["bob"][1].post(
            reactions_url(room_id, message_id), {"emoji": emoji}, format="json"
        )

        assert response.status_code == 400
        assert "emoji" in response.json()
        assert ChatReaction.objects.count() == 0

    def test_a_deleted_message_takes_no_reaction_and_loses_its_own(self, people, said):
        room_id, message_id = said
        _bob, bob_client = people["bob"]
        url = reactions_url(room_id, message_id)
        bob_client.post(url, {"emoji": "👍"}, format="json")
        assert bob_client.delete(f"{messages_url(room_id)}{message_id}/").status_code == 204

        response = bob_client.post(url, {"emoji": "👍"}, format="json")

        assert response.status_code == 400
        assert ChatReaction.objects.count() == 0

    def test_a_person_has_at_most_20_reactions_per_message(self, people, said):
        room_id, message_id = said
        _bob, bob_client = people["bob"]
        url = reactions_url(room_id, message_id)
        emojis = [chr(0x1F600 + offset) for offset in range(21)]
        for emoji in emojis[:20]:
            assert bob_client.post(url, {"emoji": emoji}, format="json").status_code == 200

        response = bob_client.post(url, {"emoji": emojis[20]}, format="json")

        assert response.status_code == 400
        assert ChatReaction.objects.count() == 20

    def test_not_in_an_archived_room(self, people, said):
        room_id, message_id = said
        ChatRoom.objects.filter(pk=room_id).update(is_archived=True)

        response = people["cat"][1].post(
            reactions_url(room_id, message_id), {"emoji": "👍"}, format="json"
        )

        assert response.status_code == 400
        assert ChatReaction.objects.count() == 0

    def test_another_organization_cannot_react(self, people, said):
        room_id, message_id = said

        response = people["eve"][1].post(
            reactions_url(room_id, message_id), {"emoji": "👍"}, format="json"
        )

        assert response.status_code == 404
        assert ChatReaction.objects.count() == 0

    def test_the_messages_list_runs_the_same_queries_with_more_reactions(self, people, said):
        room_id, _message_id = said
        bob, bob_client = people["bob"]

        def queries() -> int:
            with CaptureQueriesContext(connection) as captured:
                assert bob_client.get(messages_url(room_id)).status_code == 200
            return len(captured)

        few = queries()
        for index in range(5):
            reply = send(bob_client, room_id, f"more {index}").json()
            for emoji in "👍🍕🎉":
                ChatReaction.objects.create(message_id=reply["id"], user=bob, emoji=emoji)

        assert queries() == few


def test_participants_say_who_is_online(people, org_a):
    room = open_group(people, org_a)
    bob, bob_client = people["bob"]
    mark_present(FEED, bob.pk)

    listed = bob_client.get(f"{ROOMS}{room['id']}/participants/").json()

    assert {row["username"]: row["is_online"] for row in listed} == {"bob": True, "cat": False}
