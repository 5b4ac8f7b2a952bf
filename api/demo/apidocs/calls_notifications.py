"""The notifications' examples: what the demo user was told (seed_demo), counting,
catching up, reading and deleting, in the order a client makes the calls.

Run after LOGIN and PRODUCTS of calls.py (they save `organization`, the demo
organization's id), as the demo user. It reads the demo notifications all, and
deletes one of them: seed_demo writes them again once the demo user has none.
"""

from .capture import Call

CALLS = [
    Call(
        "List your notifications, newest first",
        "GET",
        "/api/v1/notifications/",
        save={"notification": "results.0.id"},
    ),
    Call(
        "List your unread warnings",
        "GET",
        "/api/v1/notifications/",
        query={"is_read": "false", "level": "WARNING"},
    ),
    Call(
        "Catch up after a reconnection: those after the last one you saw, oldest first",
        "GET",
        "/api/v1/notifications/",
        query={"ordering": "id", "page_size": 1},
        save={"oldest_notification": "results.0.id"},
    ),
    Call(
        "Catch up after a reconnection: the ones after a given id",
        "GET",
        "/api/v1/notifications/",
        query={"after": "{oldest_notification}", "ordering": "id"},
    ),
    Call("Count your unread notifications", "GET", "/api/v1/notifications/unread-count/"),
    Call("Read a notification", "GET", "/api/v1/notifications/{notification}/"),
    Call("Mark it read", "POST", "/api/v1/notifications/{notification}/mark-read/"),
    Call("Mark it unread again", "POST", "/api/v1/notifications/{notification}/mark-unread/"),
    Call(
        "Mark all your notifications of an organization read",
        "POST",
        "/api/v1/notifications/mark-all-read/",
        query={"organization": "{organization}"},
    ),
    Call(
        "Delete a notification",
        "DELETE",
        "/api/v1/notifications/{notification}/",
        status=204,
    ),
    Call(
        "A notification that is not yours (or no longer exists) is not found",
        "GET",
        "/api/v1/notifications/{notification}/",
        status=404,
    ),
    Call("Read your notification preferences", "GET", "/api/v1/notifications/preferences/"),
    Call(
        "Choose: no email but mentions, nothing in the app about product changes, a daily digest",
        "PUT",
        "/api/v1/notifications/preferences/",
        body={
            "email": False,
            "types": {
                "comment_mention": {"email": True},
                "product_changed": {"in_app": False},
            },
            "email_digest": "daily",
        },
    ),
    Call(
        "Change only the digest",
        "PATCH",
        "/api/v1/notifications/preferences/",
        body={"email_digest": "hourly"},
    ),
    Call(
        "An unknown channel is refused",
        "PATCH",
        "/api/v1/notifications/preferences/",
        body={"types": {"comment_mention": {"sms": True}}},
        status=400,
    ),
    Call(
        "Back to the defaults",
        "PUT",
        "/api/v1/notifications/preferences/",
        body={},
    ),
]


# Staff (the admin account) write how the emails read; the template is deleted at the end.
TEMPLATES = [
    Call(
        "Write how mention emails read in French, for the demo organization",
        "POST",
        "/api/v1/notification-templates/",
        account="admin",
        body={
            "type_code": "comment_mention",
            "organization": "{organization}",
            "language": "fr",
            "subject": "{{ actor.full_name }} vous a mentionné",
            "body_text": "Bonjour {{ recipient.full_name }},\n\n{{ notification.message }}\n"
            "{{ notification.action_url }}",
            "body_html": "<p>Bonjour {{ recipient.full_name }},</p>"
            "<p>{{ notification.message }}</p>",
        },
        status=201,
        save={"notification_template": "id"},
    ),
    Call(
        "A template that does not compile is refused, naming the field",
        "POST",
        "/api/v1/notification-templates/",
        account="admin",
        body={
            "type_code": "comment_reply",
            "subject": "{% if %}New reply",
            "body_text": "{{ notification.message }}",
        },
        status=400,
    ),
    Call("List the templates", "GET", "/api/v1/notification-templates/", account="admin"),
    Call(
        "Read a template",
        "GET",
        "/api/v1/notification-templates/{notification_template}/",
        account="admin",
    ),
    Call(
        "Replace a template",
        "PUT",
        "/api/v1/notification-templates/{notification_template}/",
        account="admin",
        body={
            "type_code": "comment_mention",
            "organization": "{organization}",
            "language": "fr",
            "subject": "[{{ organization.name }}] {{ actor.full_name }} vous a mentionné",
            "body_text": "{{ notification.message }}",
            "body_html": "",
            "is_active": True,
        },
    ),
    Call(
        "Turn a template off",
        "PATCH",
        "/api/v1/notification-templates/{notification_template}/",
        account="admin",
        body={"is_active": False},
    ),
    Call(
        "Delete a template",
        "DELETE",
        "/api/v1/notification-templates/{notification_template}/",
        account="admin",
        status=204,
    ),
]
