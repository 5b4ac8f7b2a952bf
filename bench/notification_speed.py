"""Notifications: the fan-out of one notification to many recipients against a bare
`bulk_create` of the same rows, and the unread count of a user with many
notifications against one with few.

Fan-out: `send_notification` to 1,000 members of an organization who may view the
product it is about, 1% of them connected (the visibility check, the preferences, the
rows, their audit rows, the WebSocket pushes to the connected ones, core.presence, and
the queued email task, all committed), against
`Notification.objects.bulk_create` of the same 1,000 rows, committed. Both in a
transaction of their own, interleaved; the rows are deleted between rounds, outside
the timings. The email task is queued on the broker (the embedded filesystem broker,
or Redis with REDIS_URL), not run.

Unread count: `GET /api/v1/notifications/unread-count/` for a user with 100,000
notifications (half of them unread) and for one with 100, as JWT-authenticated
requests: medians and their ratio, and the SQL of the large one (EXPLAIN) on
PostgreSQL. The count stops at NOTIFICATION_UNREAD_COUNT_LIMIT (1000): past it the
answer says `unread_count_is_exact: false`.

    .venv/bin/python bench/notification_speed.py [--recipients 1000] [--rounds 7] [--rows 100000]
"""

import statistics
import time

import common

ARGS = common.start(
    __doc__,
    [
        ("--recipients", {"type": int, "default": 1000}),
        ("--rounds", {"type": int, "default": 7}),
        ("--rows", {"type": int, "default": 100_000}),
    ],
)

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from api.v1.base_models.organization.models import Organization, OrganizationMembership
from api.v1.base_models.user.models import UserProfile
from api.v1.features.products.models import Product
from config.celery import app
from core.presence import mark_present
from notifications.choices import EmailStatus
from notifications.models import Notification
from notifications.push import FEED
from notifications.services import send_notification
from rbac.roles import ROLE_NAMES

User = get_user_model()


def fan_out_setup():
    organization = Organization.objects.create(
        name="Bench", code="BENCH", organization_type_id="Company"
    )
    product = Product.objects.create(
        organization=organization, name="Chair", sku="CHR", base_uom_id="EA"
    )
    users = User.objects.bulk_create(
        [User(username=f"user{i}", email=f"user{i}@example.com") for i in range(ARGS.recipients)]
    )
    users = list(User.objects.filter(username__startswith="user"))
    UserProfile.objects.bulk_create(
        [UserProfile(user=user) for user in users], ignore_conflicts=True
    )
    role = Group.objects.get(name=ROLE_NAMES["member"])
    OrganizationMembership.objects.bulk_create(
        [OrganizationMembership(user=user, organization=organization, role=role) for user in users]
    )
    analyze()
    for user in users[: max(1, len(users) // 100)]:
        mark_present(FEED, user.pk)
    return organization, product, users


def analyze() -> None:
    """Statistics of the tables just filled, as autovacuum keeps them on a live server
    (without them PostgreSQL plans for empty tables)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def fan_out(organization, product, users) -> None:
    app.conf.task_always_eager = False  # queued on the broker, as in production
    content_type = ContentType.objects.get_for_model(Product)
    service, bare = [], []
    for round_ in range(ARGS.rounds):
        start = time.perf_counter()
        with transaction.atomic():
            rows = send_notification(
                users,
                "comment_mention",  # emailed by default: the email task is queued
                "Ann mentioned you",
                "In the comments of Chair.",
                target=product,
                organization=organization,
            )
        service.append(time.perf_counter() - start)
        assert len(rows) == len(users), len(rows)
        Notification.objects.all().delete()
        start = time.perf_counter()
        with transaction.atomic():
            Notification.objects.bulk_create(
                [
                    Notification(
                        recipient=user,
                        organization=organization,
                        type_code=f"bare_{round_}",
                        title="Ann mentioned you",
                        message="In the comments of Chair.",
                        target_content_type=content_type,
                        target_object_id=str(product.pk),
                        email_status=EmailStatus.UNSENT,
                    )
                    for user in users
                ]
            )
        bare.append(time.perf_counter() - start)
        Notification.objects.all().delete()
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        send_notification(users, "comment_mention", "Ann mentioned you", target=product)
    Notification.objects.all().delete()
    service_ms, bare_ms = statistics.median(service) * 1000, statistics.median(bare) * 1000
    print(
        f"fan-out to {len(users)}: send_notification {service_ms:.1f} ms ({len(queries)} "
        f"queries), bare bulk_create {bare_ms:.1f} ms: {service_ms / bare_ms:.2f}x"
    )


def unread_count() -> None:
    many, few = User.objects.create_user("many"), User.objects.create_user("few")
    now = timezone.now()
    for owner, count in ((many, ARGS.rows), (few, 100)):
        for start in range(0, count, 10_000):
            Notification.objects.bulk_create(
                [
                    Notification(
                        recipient=owner,
                        type_code="bench",
                        title=f"Notification {i}",
                        read_at=now if i % 2 else None,
                    )
                    for i in range(start, min(start + 10_000, count))
                ]
            )
    analyze()
    clients = {}
    for user in (many, few):
        clients[user.username] = APIClient()
        clients[user.username].credentials(
            HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}"
        )
    timings = {"many": [], "few": []}
    for _ in range(ARGS.rounds * 3):
        for name, client in clients.items():
            start = time.perf_counter()
            response = client.get("/api/v1/notifications/unread-count/")
            timings[name].append(time.perf_counter() - start)
            assert response.status_code == 200, response.content
    expected = ARGS.rows - ARGS.rows // 2
    answer = clients["many"].get("/api/v1/notifications/unread-count/").json()
    print(f"answer for {expected} unread: {answer}")
    many_ms = statistics.median(timings["many"]) * 1000
    few_ms = statistics.median(timings["few"]) * 1000
    print(
        f"unread count: {ARGS.rows} notifications ({expected} unread) {many_ms:.2f} ms, "
        f"100 notifications {few_ms:.2f} ms: {many_ms / few_ms:.2f}x"
    )
    if connection.vendor == "postgresql":
        with CaptureQueriesContext(connection) as queries:
            clients["many"].get("/api/v1/notifications/unread-count/")
        sql = next(q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"])
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN ANALYZE {sql}")
            print("\n".join(row[0] for row in cursor.fetchall()))


def main() -> None:
    with common.database():
        print(f"{connection.vendor}")
        fan_out(*fan_out_setup())
        unread_count()


if __name__ == "__main__":
    main()
