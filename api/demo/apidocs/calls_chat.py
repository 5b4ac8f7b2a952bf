"""The chat's examples: a group room with a colleague (sam, a member of the demo
organization), messages (in the room's route and in /chat/messages/, the messages of
all one's rooms), a thread, catching up, reading; the organization's channel;
a direct room. In the order a client makes the calls, as the demo user.

The group room is archived at the end (rooms are archived, not deleted); the demo
user leaves and rejoins the #general channel, which keeps its messages.
"""

from .capture import Call

ROOMS = "/api/v1/chat/rooms/"
GROUP = f"{ROOMS}{{group}}/"
MESSAGES = f"{GROUP}messages/"
ALL_MESSAGES = "/api/v1/chat/messages/"
NOTE = f"{ALL_MESSAGES}{{note}}/"

CALLS = [
    Call(
        "Find a colleague",
        "GET",
        "/api/v1/organization-memberships/",
        query={"search": "sam"},
        save={"sam": "results.0.user", "company": "results.0.organization"},
    ),
    Call("Your rooms", "GET", ROOMS, save={"general": "results.0.id"}),
    Call(
        "Open a group room",
        "POST",
        ROOMS,
        body={
            "organization": "{company}",
            "room_type": "GROUP",
            "name": "Berlin launch",
            "participants": [],
        },
        status=201,
        save={"group": "id"},
    ),
    Call(
        "Add a colleague to it",
        "POST",
        f"{GROUP}participants/",
        body={"user": "{sam}"},
        status=201,
    ),
    Call(
        "Someone of another organization (or who may not chat) cannot be added",
        "POST",
        f"{GROUP}participants/",
        body={"user": 1},
        status=400,
    ),
    Call("Who is in the room", "GET", f"{GROUP}participants/"),
    Call(
        "Make them a room administrator",
        "PATCH",
        f"{GROUP}participants/{{sam}}/",
        body={"role": "ADMIN"},
    ),
    Call(
        "Send a message",
        "POST",
        MESSAGES,
        body={"content": "The stand is booked. Who brings the chairs?", "client_id": "demo-0001"},
        status=201,
        save={"message": "id"},
    ),
    Call(
        "Send it again after a network drop: stored once",
        "POST",
        MESSAGES,
        body={"content": "The stand is booked. Who brings the chairs?", "client_id": "demo-0001"},
        status=200,
    ),
    Call(
        "Reply in a thread",
        "POST",
        MESSAGES,
        body={"content": "Sam does, with the van.", "parent": "{message}"},
        status=201,
    ),
    Call("Read the last messages", "GET", MESSAGES, query={"limit": "50"}),
    Call("Catch up after a reconnect", "GET", MESSAGES, query={"after": "1"}),
    Call("A thread's replies", "GET", MESSAGES, query={"parent": "{message}"}),
    Call("Read a message", "GET", f"{MESSAGES}{{message}}/"),
    Call(
        "Correct your message",
        "PATCH",
        f"{MESSAGES}{{message}}/",
        body={"content": "The stand is booked (hall 4). Who brings the chairs?"},
    ),
    Call(
        "Rewrite your message",
        "PUT",
        f"{MESSAGES}{{message}}/",
        body={"content": "The stand is booked: hall 4, booth 12. Who brings the chairs?"},
    ),
    Call(
        "React to a message",
        "POST",
        f"{MESSAGES}{{message}}/reactions/",
        body={"emoji": "👍"},
    ),
    Call(
        "Anything but an emoji is not a reaction",
        "POST",
        f"{MESSAGES}{{message}}/reactions/",
        body={"emoji": "yes"},
        status=400,
    ),
    Call(
        "Take a reaction back",
        "DELETE",
        f"{MESSAGES}{{message}}/reactions/",
        query={"emoji": "👍"},
    ),
    Call(
        "Send a message naming its room",
        "POST",
        ALL_MESSAGES,
        body={"room": "{group}", "content": "Chairs: 12. Tables: 3.", "client_id": "demo-0002"},
        status=201,
        save={"note": "id"},
    ),
    Call(
        "Send it again with the same client id: stored once",
        "POST",
        ALL_MESSAGES,
        body={"room": "{group}", "content": "Chairs: 12. Tables: 3.", "client_id": "demo-0002"},
        status=200,
    ),
    Call(
        "Find a word in the messages of all your rooms",
        "GET",
        ALL_MESSAGES,
        query={"search": "chairs"},
    ),
    Call("Read a message of one of your rooms", "GET", NOTE),
    Call("Correct it", "PATCH", NOTE, body={"content": "Chairs: 14. Tables: 3."}),
    Call("Rewrite it", "PUT", NOTE, body={"content": "Chairs: 14. Tables: 4."}),
    Call("React to it", "POST", f"{NOTE}reactions/", body={"emoji": ":tada:"}),
    Call("Take the reaction back", "DELETE", f"{NOTE}reactions/", query={"emoji": ":tada:"}),
    Call("Delete it (its place stays)", "DELETE", NOTE, status=204),
    Call("Mark read up to a message", "POST", f"{GROUP}read/", body={"sequence": 2}),
    Call("Read the room", "GET", GROUP),
    Call("Rename it", "PATCH", GROUP, body={"name": "Berlin trade fair"}),
    Call("Rename it again", "PUT", GROUP, body={"name": "Berlin trade fair 2027"}),
    Call("Delete a message (its place stays)", "DELETE", f"{MESSAGES}{{message}}/", status=204),
    Call("Take someone out of the room", "DELETE", f"{GROUP}participants/{{sam}}/", status=204),
    Call("Archive the room", "POST", f"{GROUP}archive/"),
    Call(
        "An archived room takes no messages",
        "POST",
        MESSAGES,
        body={"content": "Anyone?"},
        status=400,
    ),
    Call("Take it out of the archive", "POST", f"{GROUP}unarchive/"),
    Call("Archive it for good", "POST", f"{GROUP}archive/"),
    Call("Read a room's history (renames, archiving)", "GET", f"{GROUP}history/"),
    Call("Leave a channel", "POST", f"{ROOMS}{{general}}/leave/", status=204),
    Call("Join a channel of your organization", "POST", f"{ROOMS}{{general}}/join/"),
    Call(
        "Open the direct room with a colleague (created on first use)",
        "POST",
        ROOMS,
        body={"organization": "{company}", "room_type": "DIRECT", "participants": ["{sam}"]},
        status=201,
        save={"direct": "id"},
    ),
    Call(
        "Open it again: the same room",
        "POST",
        ROOMS,
        body={"organization": "{company}", "room_type": "DIRECT", "participants": ["{sam}"]},
    ),
    Call("A room you are not in is not found", "GET", f"{ROOMS}999999/", status=404),
]
