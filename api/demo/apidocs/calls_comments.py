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
        "A record you may not see (or that does not exist) is refused",
        "POST",
        "/api/v1/comments/",
        body={"content_type": "products.product", "object_id": "999999", "content": "Hello"},
        status=400,
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
]
