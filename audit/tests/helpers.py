"""Helpers of the audit log tests: reading the rows of an object, making the audit
INSERT fail, writing rows with a chosen date."""

import contextlib
import datetime

from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from audit import services
from audit.models import AuditLog

AUDIT_LOGS_URL = "/api/v1/audit-logs/"


def audit_log_url(pk) -> str:
    return f"{AUDIT_LOGS_URL}{pk}/"


def last_id() -> int:
    """The id of the newest row (0 for none): rows written after it are `since(marker)`."""
    return AuditLog.objects.order_by("-id").values_list("id", flat=True).first() or 0


def since(marker: int):
    return AuditLog.objects.filter(id__gt=marker).order_by("id")


def rows_of(model_or_instance, object_id=None):
    """The rows of one object (oldest first), also once it is deleted."""
    if object_id is None:
        object_id = model_or_instance.pk
    return AuditLog.objects.filter(
        content_type=ContentType.objects.get_for_model(model_or_instance),
        object_id=str(object_id),
    ).order_by("id")


def _is_audit_insert(sql: str) -> bool:
    return sql.lstrip().upper().startswith("INSERT") and "audit_auditlog" in sql


class AuditInsertRefused(DatabaseError):
    pass


@contextlib.contextmanager
def audit_inserts_fail():
    """Every INSERT into the audit table fails, as it would with a full disk or a lost
    connection (Django's documented connection.execute_wrapper); other statements run."""
    refused = []

    def refuse(execute, sql, params, many, context):
        if _is_audit_insert(sql):
            refused.append(sql)
            raise AuditInsertRefused("INSERT into audit_auditlog refused by the test")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(refuse):
        yield refused


def insert_row(created_at, **values) -> None:
    """An audit row dated `created_at` (the ORM stamps rows with the current time and
    refuses to change them): written with the project's own prepared INSERT."""
    row = {
        "created_at": created_at,
        "updated_at": created_at,
        "user_id": None,
        "user_repr": "",
        "organization_id": None,
        "action_type": "UPDATE",
        "content_type_id": None,
        "object_id": "",
        "object_repr": "",
        "changes": None,
        "context": {"source": "system"},
        "request_id": "",
    }
    row.update(values)
    services._insert(row)


def days_ago(days: int):
    return timezone.now() - datetime.timedelta(days=days)


def raw_sql(sql: str, params=()) -> None:
    """Run SQL past the ORM, in a savepoint (a refused statement leaves the test's
    transaction usable, on PostgreSQL too)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
