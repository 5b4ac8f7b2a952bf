"""The one way to write audit rows (`log_audit_event`), and the purge."""

import datetime
import json
import logging
from pathlib import Path

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, models, router, transaction
from django.db.models.sql.subqueries import InsertQuery
from django.utils import timezone

from core import copying
from core.registry import is_organization

from . import registry
from .choices import AuditAction
from .context import current_context
from .diff import pin_values
from .models import AuditLog

logger = logging.getLogger(__name__)


def object_repr(instance) -> str:
    try:
        return str(instance)[:255]
    except Exception:  # a __str__ that needs what is gone (a deleted relation)
        return f"{instance._meta.verbose_name} {instance.pk}"[:255]


def organization_of(instance):
    """The id of the organization an object belongs to (see audit.registry)."""
    if is_organization(instance):
        return instance.parent_id or instance.pk
    spec = registry.get(type(instance))
    if spec is not None and spec.organization_path:
        value = instance
        for step in spec.organization_path.split("."):
            value = getattr(value, step, None)
            if value is None:
                return None
        return getattr(value, "pk", value)
    return getattr(instance, "organization_id", None)


def object_id_of(instance) -> str:
    spec = registry.get(type(instance))
    if spec is not None and spec.object_id_field:
        return str(getattr(instance, spec.object_id_field))
    return str(instance.pk)


def _user_id_and_name(user):
    if user is None or not getattr(user, "is_authenticated", False) or user.pk is None:
        return None, ""
    return user.pk, user.get_username()


def log_audit_event(action_type: str, **details) -> int | None:
    """Write one audit row (`details`: those of audit_row); returns its id (where the
    database reports it).

    `organization` (an object or an id) defaults to the organization of
    `content_object`; the request context (IP address, user agent, request id) is taken
    from `request`, crum's current request, or the running task; `context` adds to it.
    """
    return _insert(audit_row(action_type, **details))


def audit_row(
    action_type: str,
    *,
    user=None,
    content_object=None,
    organization=None,
    changes: dict | None = None,
    context: dict | None = None,
    request=None,
    object_repr_override: str | None = None,
) -> dict:
    """The column values of an audit row (see log_audit_event), not yet written."""
    event_context, request_id = current_context(request)
    if context:
        event_context.update(context)
    user_id, user_name = _user_id_and_name(user)
    content_type_id, object_id, representation = None, "", object_repr_override or ""
    if content_object is not None:
        content_type_id = ContentType.objects.get_for_model(content_object).pk
        object_id = object_id_of(content_object)
        representation = object_repr_override or object_repr(content_object)
        if organization is None:
            organization = organization_of(content_object)
    now = timezone.now()
    return {
        "created_at": now,
        "updated_at": now,
        "user_id": user_id,
        "user_repr": user_name,
        "organization_id": getattr(organization, "pk", organization),
        "action_type": action_type,
        "content_type_id": content_type_id,
        "object_id": object_id,
        "object_repr": representation,
        "changes": changes,
        "context": event_context,
        "request_id": request_id,
    }


def audit_rows(action_type: str, instances: list, changes: list, *, user=None) -> list[dict]:
    """audit_row(action_type, user=user, content_object=instance, changes=...) of each
    of these instances (of one model), with what their rows share (the event's context,
    the user, the content type, the time) worked out once."""
    if not instances:
        return []
    event_context, request_id = current_context()
    user_id, user_name = _user_id_and_name(user)
    content_type_id = ContentType.objects.get_for_model(instances[0]).pk
    now = timezone.now()
    return [
        {
            "created_at": now,
            "updated_at": now,
            "user_id": user_id,
            "user_repr": user_name,
            "organization_id": organization_of(instance),
            "action_type": action_type,
            "content_type_id": content_type_id,
            "object_id": object_id_of(instance),
            "object_repr": object_repr(instance),
            "changes": change,
            "context": dict(event_context),
            "request_id": request_id,
        }
        for instance, change in zip(instances, changes, strict=True)
    ]


def insert_rows(rows: list[dict]) -> None:
    """Write audit rows (of audit_row) with one statement per database round trip:
    many rows (a bulk write, an import) by COPY on PostgreSQL (core.copying). The JSON
    values go through their field's get_db_prep_save, as in any save; the others (texts,
    numbers, aware times, as audit_row makes them) are what the driver writes as they
    are."""
    if len(rows) == 1:
        _insert(rows[0])
        return
    if rows:
        names = [field.attname for field in _FIELDS]
        copying.insert_rows(
            AuditLog, names, [[row[name] for name in names] for row in rows], prepared=_JSON
        )


_FIELDS = [field for field in AuditLog._meta.concrete_fields if not field.primary_key]
_JSON = {field.attname for field in _FIELDS if isinstance(field, models.JSONField)}
_PREPARED: dict[str, tuple[str, list, bool]] = {}


def _insert(values: dict) -> int | None:
    """INSERT one row with a statement compiled once per database.

    Audit rows are written with every change, so their cost matters: Model.save()
    would build an instance and compile the same INSERT every time (most of the cost of
    an audit row, measured with bench/audit_overhead.py). The values still go through
    each field's get_db_prep_save, as in any save."""
    using = router.db_for_write(AuditLog)
    connection = connections[using]
    if using not in _PREPARED:
        fields = [field for field in AuditLog._meta.concrete_fields if not field.primary_key]
        returning = connection.features.can_return_columns_from_insert
        query = InsertQuery(AuditLog)
        query.insert_values(fields, [AuditLog(**values)])
        compiler = query.get_compiler(using=using)
        if returning:
            compiler.returning_fields = [AuditLog._meta.pk]
        sql, _params = compiler.as_sql()[0]
        _PREPARED[using] = (sql, fields, returning)
    sql, fields, returning = _PREPARED[using]
    params = [field.get_db_prep_save(values[field.attname], connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0] if returning else None


# --------------------------------------------------------------------------- purge
def purge(
    *,
    older_than_days: int | None = None,
    mode: str | None = None,
    batch_size: int | None = None,
    now: datetime.datetime | None = None,
) -> dict:
    """Delete (or archive to a JSON Lines file, then delete) the rows older than the
    retention, in batches; records what it did in the log itself. Returns
    {"removed": n, "archive": path or None, "before": cutoff}."""
    config = getattr(settings, "AUDIT", {})
    days = older_than_days if older_than_days is not None else config.get("RETENTION_DAYS", 365)
    mode = mode or config.get("PURGE_MODE", "delete")
    batch_size = batch_size or config.get("PURGE_BATCH_SIZE", 1000)
    if mode not in ("delete", "archive"):
        raise ValueError(f"Unknown purge mode {mode!r}: 'delete' or 'archive'.")
    cutoff = (now or timezone.now()) - datetime.timedelta(days=days)
    archive = _archive_path(cutoff) if mode == "archive" else None
    removed = 0
    while True:
        with transaction.atomic():
            batch = list(
                AuditLog.objects.filter(created_at__lt=cutoff).order_by("id").values()[:batch_size]
            )
            if not batch:
                break
            if archive is not None:
                _append(archive, batch)
            removed += AuditLog.objects.filter(pk__in=[row["id"] for row in batch])._purge()
    result = {
        "removed": removed,
        "archive": str(archive) if archive else None,
        "before": cutoff.isoformat(),
    }
    logger.info("Audit purge: %(removed)s entries before %(before)s (archive: %(archive)s)", result)
    if removed:
        log_audit_event(AuditAction.PURGE, context=result)
    return result


def _archive_path(cutoff) -> Path:
    folder = Path(getattr(settings, "AUDIT", {}).get("ARCHIVE_DIR", "var/audit-archive"))
    folder.mkdir(parents=True, exist_ok=True)
    stamp = timezone.now().strftime("%Y%m%dT%H%M%S")
    return folder / f"audit-before-{cutoff:%Y%m%d}-{stamp}.jsonl"


def _append(path: Path, rows: list[dict]) -> None:
    with path.open("a", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, cls=DjangoJSONEncoder) + "\n")


def diff_from_now(instance) -> None:
    """Diff `instance`'s next save against its values now, not against what the
    database holds when the save begins (the default): for a write made in several
    steps (bulk updates first, then the save) whose audit row should show the change
    as a whole. Nothing for a model that is not audited."""
    spec = registry.get(type(instance))
    if spec is not None:
        pin_values(instance, spec)
