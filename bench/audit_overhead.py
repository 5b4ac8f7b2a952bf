"""What auditing costs: creating and updating 1,000 audited records, with the audit
receivers connected and with them disconnected, in one run.

Runs on a fresh SQLite file (WAL, as the embedded default), or with DATABASE_URL set
on a test database created on that server (`test_<name>`) and dropped afterwards.
Each record is a Contact (organization-scoped, custom fields, tags manager), created
then changed: through the API ("API requests": POST and PATCH /api/v1/contacts/, as
users do), with the ORM one save at a time, each its own transaction ("autocommit"),
and with the ORM in one transaction ("one transaction", as an import). Reports the time
of each, the ratio audited / not audited, and the ratio of the API's writes to the
ORM's (both audited).

    .venv/bin/python bench/audit_overhead.py [--count 1000] [--repeat 3]
"""

import time
from contextlib import contextmanager

import common

ARGS = common.start(
    __doc__,
    [
        ("--count", {"type": int, "default": 1000}),
        ("--repeat", {"type": int, "default": 3, "help": "runs of each case; the best counts"}),
    ],
)

from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save, pre_save

from api.v1.base_models.contact.models import Contact
from api.v1.base_models.organization.models import Organization
from audit import receivers, registry
from audit.models import AuditLog


@contextmanager
def auditing_disconnected():
    """The Contact receivers and transaction wrapper taken off, as if not audited."""
    uid = f"audit:{Contact._meta.label_lower}"
    pre_save.disconnect(sender=Contact, dispatch_uid=f"{uid}:pre_save")
    post_save.disconnect(sender=Contact, dispatch_uid=f"{uid}:save")
    post_delete.disconnect(sender=Contact, dispatch_uid=f"{uid}:delete")
    wrapped = Contact.save_base
    Contact.save_base = wrapped.__wrapped__
    try:
        yield
    finally:
        Contact.save_base = wrapped
        receivers.connect(Contact, registry.get(Contact))


def api_workload(organization, count: int) -> None:
    """The same through the API, as a user does: POST then PATCH /api/v1/contacts/."""
    client = _api_client()
    for i in range(count):
        response = client.post(
            "/api/v1/contacts/",
            {"organization": organization.pk, "first_name": f"First {i}", "last_name": "X"},
            format="json",
        )
        assert response.status_code == 201, response.content
        contact_id = response.json()["id"]
        response = client.patch(
            f"/api/v1/contacts/{contact_id}/",
            {"first_name": f"First {i} changed"},
            format="json",
        )
        assert response.status_code == 200, response.content


def _api_client():
    from django.contrib.auth import get_user_model
    from rest_framework.test import APIClient

    user, _ = get_user_model().objects.get_or_create(
        username="bench", defaults={"is_superuser": True, "is_staff": True}
    )
    client = APIClient()
    client.force_authenticate(user)
    return client


def workload(organization, count: int) -> None:
    contacts = [
        Contact.objects.create(organization=organization, first_name=f"First {i}", last_name="X")
        for i in range(count)
    ]
    for contact in contacts:
        contact.first_name = contact.first_name + " changed"
        contact.save()


def timed(organization, count, case: str) -> float:
    start = time.perf_counter()
    if case == "one transaction":
        with transaction.atomic():
            workload(organization, count)
    elif case == "autocommit":
        workload(organization, count)
    else:
        api_workload(organization, count)
    elapsed = time.perf_counter() - start
    Contact.objects.all().delete()
    return elapsed


def main() -> None:
    with common.database() as name:
        organization = Organization.objects.create(
            name="Bench", code="BENCH", organization_type_id="Company"
        )
        print(f"{connection.vendor}, {ARGS.count} creates + {ARGS.count} updates of contacts")
        print(f"{'case':<18} {'not audited':>12} {'audited':>10} {'ratio':>7}")
        best = {}
        for label in ("API requests", "autocommit", "one transaction"):
            plain = min(_without_audit(organization, label) for _ in range(ARGS.repeat))
            audited = min(timed(organization, ARGS.count, label) for _ in range(ARGS.repeat))
            best[label] = audited
            print(f"{label:<18} {plain:>11.3f}s {audited:>9.3f}s {audited / plain:>6.2f}x")
        ratio = best["API requests"] / best["autocommit"]
        print(f"API requests / ORM saves (both audited): {ratio:.2f}x")
        print(f"audit rows written: {AuditLog.objects.count()} (database {name})")


def _without_audit(organization, case):
    with auditing_disconnected():
        return timed(organization, ARGS.count, case)


if __name__ == "__main__":
    main()
