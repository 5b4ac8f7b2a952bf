"""The comments' examples: a thread on a demo product (a comment mentioning a colleague,
a reply), reading, editing, moderating and deleting, in the order a client makes the
calls.

Run after LOGIN and PRODUCTS of calls.py, as the demo user, who administers the demo
organization (and so moderates its comments). The comments written here are deleted at
the end (their author's deletion keeps an empty place in the thread).
"""

from .capture import Call

CALLS = [
    Call(
        "Find the product to comment on",
        "GET",
        "/api/v1/products/",
        query={"sku": "CHR-001"},
        save={"chair": "results.0.id"},
    ),
    Call(
        "Comment on a product, mentioning a colleague",
        "POST",
        "/api/v1/comments/",
        body={
            "content_type": "products.product",
            "object_id": "{chair}",
            "content": "@admin the supplier raised the price of this chair by 8%. Do we follow?",
        },
        status=201,
        save={"comment": "id"},
    ),
    Call(
        "Reply to it",
        "POST",
        "/api/v1/comments/",
        body={
            "content_type": "products.product",
            "object_id": "{chair}",
            "parent": "{comment}",
            "content": "Yes, from next month.",
        },
        status=201,
        save={"reply": "id"},
    ),
    Call(
        "A record you may not see (or that does not exist) is not found",
        "POST",
        "/api/v1/comments/",
        body={"content_type": "products.product", "object_id": "999999", "content": "Hello"},
        status=404,
    ),
    Call(
        "Read a record's threads, replies nested",
        "GET",
        "/api/v1/comments/",
        query={"content_type": "products.product", "object_id": "{chair}"},
    ),
    Call(
        "Read a comment", "GET", "/api/v1/comments/{comment}/", save={"comment_etag": "header:ETag"}
    ),
    Call(
        "Correct your comment (it is marked edited)",
        "PATCH",
        "/api/v1/comments/{reply}/",
        body={"content": "Yes, from the first of next month."},
    ),
    Call(
        "Rewrite your comment",
        "PUT",
        "/api/v1/comments/{reply}/",
        body={"content": "Yes, from the first of next month; I will tell sales."},
    ),
    Call("Hide a comment (moderators)", "POST", "/api/v1/comments/{comment}/hide/"),
    Call("Show it again (moderators)", "POST", "/api/v1/comments/{comment}/restore/"),
    Call("Read a comment's history", "GET", "/api/v1/comments/{reply}/history/"),
    Call("Delete your reply", "DELETE", "/api/v1/comments/{reply}/", status=204),
    Call("Delete your comment", "DELETE", "/api/v1/comments/{comment}/", status=204),
    Call(
        "Find a contact",
        "GET",
        "/api/v1/contacts/",
        query={"page_size": 1},
        save={"some_contact": "results.0.id"},
    ),
]

# Each business record's own route: the same threads, and a comment posted without
# content_type and object_id. (Documents': in calls_documents, while one exists.)
RECORD_ROUTES = [
    ("products", "chair", "Check the stock before the sale."),
    ("contacts", "some_contact", "Prefers to be called in the morning."),
    ("organizations", "organization", "Audit planned for next quarter."),
    ("warehouses", "main_warehouse", "The loading dock is closed on Fridays."),
    ("stock-locations", "bin_a1_01", "Needs a new label."),
]
for prefix, record, text in RECORD_ROUTES:
    CALLS += [
        Call(
            f"Comment on one of the {prefix.replace('-', ' ')} through its own route",
            "POST",
            f"/api/v1/{prefix}/{{{record}}}/comments/",
            body={"content": text},
            status=201,
            save={"record_comment": "id"},
        ),
        Call(
            f"Read the threads of one of the {prefix.replace('-', ' ')}",
            "GET",
            f"/api/v1/{prefix}/{{{record}}}/comments/",
        ),
        Call(
            "Delete that comment",
            "DELETE",
            "/api/v1/comments/{record_comment}/",
            status=204,
        ),
    ]
