"""The meetings' examples: a meeting about a demo product scheduled with a colleague
(sam, a member of the demo organization) and a guest, found in your meetings and by
its record, moved (If-Match), joined, cancelled, its history, refused inputs, and its
deletion; a provider's webhook. In the order a client makes the calls, as the demo
user, who administers the demo organization.

The demo runs on the embedded default: Jitsi Meet rooms on meet.jit.si, without
webhooks (no JaaS or Zoom secret is configured: the webhook answers 404). The demo data
holds no recording: its download is asked for one that does not exist.
"""

from .capture import Call

MEETINGS = "/api/v1/meetings/"
MEETING = f"{MEETINGS}{{meeting}}/"

CALLS = [
    Call(
        "Find a colleague to invite",
        "GET",
        "/api/v1/organization-memberships/",
        query={"search": "sam"},
        save={"colleague": "results.0.user", "company": "results.0.organization"},
    ),
    Call(
        "Find a demo product to meet about",
        "GET",
        "/api/v1/products/",
        query={"organization": "{company}", "search": "CHR-001"},
        save={"chair_product": "text:results.0.id"},
    ),
    Call(
        "Schedule a meeting about a product, with a colleague and a guest",
        "POST",
        MEETINGS,
        body={
            "organization": "{company}",
            "topic": "Chair supplier review",
            "agenda": "Delivery times and the new armrest.",
            "start_time": "2030-03-04T09:00:00Z",
            "end_time": "2030-03-04T10:00:00Z",
            "timezone": "Europe/Berlin",
            "participant_ids": ["{colleague}"],
            "guests": [{"email": "buyer@supplier.example", "name": "Supplier Buyer"}],
            "content_type": "products.product",
            "object_id": "{chair_product}",
            "custom_fields": {},
        },
        status=201,
        save={"meeting": "id", "meeting_product": "object_id"},
    ),
    Call(
        "A meeting must end after it starts",
        "POST",
        MEETINGS,
        body={
            "organization": "{company}",
            "topic": "Backwards",
            "start_time": "2030-03-04T10:00:00Z",
            "end_time": "2030-03-04T09:00:00Z",
        },
        status=400,
    ),
    Call(
        "Your meetings from a date on",
        "GET",
        MEETINGS,
        query={"mine": "true", "starts_after": "2030-01-01T00:00:00Z"},
    ),
    Call(
        "The meetings about a record",
        "GET",
        MEETINGS,
        query={"content_type": "products.product", "object_id": "{meeting_product}"},
    ),
    Call(
        "Read a meeting (its ETag is its version)",
        "GET",
        MEETING,
        save={"meeting_etag": "header:ETag"},
    ),
    Call(
        "Move it an hour later: the participants are told, their calendars updated",
        "PATCH",
        MEETING,
        body={"start_time": "2030-03-04T10:00:00Z", "end_time": "2030-03-04T11:00:00Z"},
        headers={"If-Match": "{meeting_etag}"},
        save={"meeting_etag": "header:ETag"},
    ),
    Call(
        "Replace its description and invitations",
        "PUT",
        MEETING,
        body={
            "organization": "{company}",
            "topic": "Chair supplier review",
            "agenda": "Delivery times, the new armrest, prices.",
            "start_time": "2030-03-04T10:00:00Z",
            "end_time": "2030-03-04T11:00:00Z",
            "timezone": "Europe/Berlin",
            "participant_ids": ["{colleague}"],
            "guests": [],
            "content_type": "products.product",
            "object_id": "{meeting_product}",
            "custom_fields": {},
        },
        headers={"If-Match": "{meeting_etag}"},
    ),
    Call("Who is invited", "GET", f"{MEETING}participants/"),
    Call(
        "Invite one more guest",
        "POST",
        f"{MEETING}participants/",
        body={"email": "logistics@supplier.example", "name": "Supplier Logistics"},
        status=201,
        save={"meeting_guest": "id"},
    ),
    Call(
        "Take them off the meeting (their calendar is told)",
        "DELETE",
        f"{MEETING}participants/{{meeting_guest}}/",
        status=204,
    ),
    Call("Your own link into the meeting", "GET", f"{MEETING}join/"),
    Call(
        "A recording that does not exist",
        "GET",
        f"{MEETING}recordings/999999/download/",
        status=404,
    ),
    Call("Cancel it (it stays, cancelled)", "POST", f"{MEETING}cancel/"),
    Call("A cancelled meeting cannot be joined", "GET", f"{MEETING}join/", status=409),
    Call("Its history", "GET", f"{MEETING}history/"),
    Call("Delete it", "DELETE", MEETING, status=204),
    Call(
        "A provider's webhook (here none is enabled: no secret is configured)",
        "POST",
        "/api/v1/webhooks/video/zoom/",
        account=None,
        body={"event": "meeting.started", "event_ts": 1767000000000, "payload": {}},
        status=404,
    ),
]
