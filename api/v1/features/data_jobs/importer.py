"""Importing the rows of a file into a model, batch by batch.

Each batch of rows (DATA_JOB_BATCH_SIZE) is:

1. read into the payloads the API takes (data_jobs.resources: natural keys, tags, JSON,
   custom field columns); a cell that cannot be read is that row's error;
2. matched with the records it updates, by the model's natural key in the job's
   organization (one query), and checked against the file's earlier rows (a key
   repeated in the file is an error, not a second write);
3. resolved: the records its relations name, one query per relation column, through
   the serializer field's own queryset (so only what the API would accept);
4. validated row by row by the view's serializer, as the API validates a create or a
   partial update (serializer rules, custom field definitions, field rules), without a
   query per row;
5. prepared (the new records' keys, rows and audit rows: audit.bulk.prepare_create),
   then written (unless a dry run) with audit.bulk: one INSERT and one UPDATE for its
   records, their tags, their audit rows and change events, their foreign keys checked
   as they are written; with its failed rows and the job's progress and cursor, in one
   transaction. On PostgreSQL a batch is written by a thread of its own while the next
   is checked and prepared (core.db.pipeline, data_jobs.services).

`on_error=skip` commits batch by batch: a job taken up again after its worker died
continues after its cursor. `on_error=abort` validates and writes every batch in one
transaction; at the first failed row it rolls all of it back and only validates the
rest of the file (like a dry run), to report every failed row (data_jobs.services).
A batch the database refuses (a rule the serializer could not see) is written again
row by row, in savepoints, to tell its failed rows from the others.
"""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial

from crum import impersonate
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connections, router, transaction
from django.db.models import F
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.exceptions import APIException
from rest_framework.validators import ProhibitSurrogateCharactersValidator

from audit import bulk
from core import metrics, registry
from core.tagging import prefetch_tags
from rbac.access import visible_to

from .choices import ImportMode
from .formats import Table
from .models import DataJob, DataJobRowError
from .resources import CUSTOM_PREFIX, CellError, Column, DataResource


class ResolvedRecords:
    """What a relation field's `get_queryset()` gives during an import: the records
    resolved for the batch, found by the value of the cell (a natural key or an id)."""

    def __init__(self, records: dict, model):
        self.records, self.model = records, model

    def get(self, **lookup):
        (value,) = lookup.values()
        found = self.records.get(str(value).lower())
        if found is None:
            raise self.model.DoesNotExist()
        return found


class _SurrogatesRefused(ProhibitSurrogateCharactersValidator):
    """DRF's check of every text cell, with its message, by one regular expression
    rather than a Python loop over each character (a tenth of a row's validation)."""

    def __call__(self, value):
        if _SURROGATES.search(str(value)):
            super().__call__(value)


_SURROGATES = re.compile("[\ud800-\udfff]")


class JobCancelled(Exception):
    """The job's requester cancelled it: stop between batches."""


class FileRefused(Exception):
    """The file cannot be imported at all (a missing column): the job fails at once."""


@dataclass
class Row:
    number: int
    cells: list[str]
    payload: dict = field(default_factory=dict)
    errors: list[dict] = field(default_factory=list)
    key: str | None = None
    instance: object = None  # the record it updates
    validated: dict | None = None

    def fail(self, column: str, message) -> None:
        self.errors.append({"column": column, "message": str(message)})


@dataclass
class Outcome:
    created: list = field(default_factory=list)  # (row, record, tags or None)
    updated: list = field(default_factory=list)  # (row, record, fields, tags or None)
    unchanged: int = 0
    failed: list = field(default_factory=list)  # Rows
    creation: object = None  # the created records, prepared to write (Importer.prepare)


def _messages(detail, prefix=""):
    """(column, message) pairs of a serializer error detail."""
    if isinstance(detail, dict):
        for name, inner in detail.items():
            column = "" if name in ("non_field_errors", "detail") else name
            if prefix:
                column = f"{prefix}{name}"
            elif name == "custom_fields" and isinstance(inner, dict):
                yield from _messages(inner, CUSTOM_PREFIX)
                continue
            for _column, message in _messages(inner):
                yield column, message
    elif isinstance(detail, list):
        for inner in detail:
            yield from _messages(inner, prefix)
    else:
        yield prefix.rstrip("."), detail


class Importer:
    """Runs one import job (see the module's docstring)."""

    def __init__(self, job: DataJob, table: Table, resource: DataResource):
        self.job = job
        self.table = table
        self.resource = resource
        self.model = resource.model
        self.user = job.created_by
        self.batch_size = settings.DATA_JOB_BATCH_SIZE
        self.columns, self.ignored = resource.import_columns()
        self.layout: list[Column | None] = []  # per cell of a row
        self.key_index: int | None = None
        self.seen: dict[str, int] = {}  # natural key (lower case) -> first row
        self.organization_path = registry.organization_path(self.model)
        self.children = {}
        self.querysets = {}  # relation field name -> its own get_queryset
        self.organization = None  # {id: the job's organization}, once the caller's
        self.resolved = {}  # relation field name -> {key (lower case): record}

    # Columns ------------------------------------------------------------------------

    def check_headers(self) -> list[str]:
        """Warnings about the file's columns; FileRefused when one it needs is missing."""
        warnings, layout = [], []
        for header in self.table.headers:
            column = self.columns.get(header.lower())
            layout.append(column)
            if column is not None:
                continue
            reason = self._ignored_because(header)
            warnings.append(
                _('Column "%(column)s" is ignored: %(reason)s.')
                % {"column": header, "reason": reason}
            )
        present = {column.header for column in layout if column is not None}
        key = self.resource.key_field
        mode = self.job.mode
        missing = []
        if mode in (ImportMode.UPDATE, ImportMode.UPSERT) and key not in present:
            missing.append(key)
        if mode == ImportMode.CREATE:
            missing += [name for name in self.resource.required_headers() if name not in present]
        if missing:
            raise FileRefused(
                _("The file has no column %(columns)s, which %(mode)s needs.")
                % {"columns": ", ".join(f'"{name}"' for name in missing), "mode": mode}
            )
        self.layout = layout
        self.key_index = next(
            (i for i, column in enumerate(layout) if column and column.header == key), None
        )
        return warnings

    def _ignored_because(self, header: str) -> str:
        return self.ignored.get(header.lower()) or _("no such field")

    # The run --------------------------------------------------------------------------

    def batches(self, after: int) -> Iterator[list[Row]]:
        batch = []
        for number, cells, extra in self.table.rows(after=after):
            row = Row(number, cells)
            if extra:
                row.fail("", _("The row has more cells than the file has columns."))
            batch.append(row)
            if len(batch) >= self.batch_size:
                yield batch
                batch = []
        if batch:
            yield batch

    def remember_keys(self, upto: int) -> None:
        """The natural keys of the rows before `upto` (checked by an earlier attempt)."""
        if self.key_index is None or upto <= 1:
            return
        for number, cells, _extra in self.table.rows():
            if number > upto:
                break
            key = cells[self.key_index].lower()
            if key:
                self.seen.setdefault(key, number)

    def check(self, rows: list[Row]) -> Outcome:
        """Steps 1 to 4 of a batch: what writing it would do, and its failed rows."""
        for row in rows:
            if not row.errors:
                self._read(row)
        self._match(rows)
        self.resolved = self._resolve(rows)
        outcome = Outcome()
        for row in rows:
            if not row.errors:
                self._validate(row)
            if row.errors:
                outcome.failed.append(row)
            else:
                self._plan(row, outcome)
        return outcome

    # 1. Cells -------------------------------------------------------------------------

    def _read(self, row: Row) -> None:
        custom = {}
        for column, cell in zip(self.layout, row.cells, strict=True):
            if column is None or cell == "":
                continue
            try:
                value = column.parse(cell)
            except CellError as exc:
                row.fail(column.header, exc)
                continue
            if column.kind == "custom":
                custom[column.key] = value
            else:
                row.payload[column.field] = value
        if custom:
            row.payload["custom_fields"] = custom
        if self.key_index is not None:
            row.key = row.cells[self.key_index] or None

    # 2. Records updated -----------------------------------------------------------------

    def _existing(self, keys: set[str]) -> dict:
        key = self.resource.key_field
        queryset = visible_to(self.model, self.user).filter(
            **{self.organization_path: self.job.organization_id}
        )
        model_field = self.model._meta.get_field(key)
        if model_field.get_internal_type() in ("CharField", "SlugField", "TextField"):
            found = queryset.annotate(_key=Lower(key)).filter(_key__any=keys)
        else:
            numbers = {each for each in keys if each.isdigit()}
            found = queryset.filter(**{f"{key}__any": numbers})
        records = list(found)
        if registry.features(self.model).taggable:
            prefetch_tags(records)
        return {str(getattr(record, key)).lower(): record for record in records}

    def _match(self, rows: list[Row]) -> None:
        mode = self.job.mode
        keyed = [row for row in rows if not row.errors and row.key]
        existing = self._existing({row.key.lower() for row in keyed}) if keyed else {}
        key = self.resource.key_field
        for row in rows:
            if row.errors:
                continue
            lowered = row.key.lower() if row.key else None
            if lowered is not None:
                first = self.seen.setdefault(lowered, row.number)
                if first != row.number:
                    row.fail(
                        key, _("Row %(row)s has the same %(key)s.") % {"row": first, "key": key}
                    )
                    continue
            record = existing.get(lowered) if lowered else None
            if mode == ImportMode.CREATE and record is not None:
                row.fail(key, _("A record with this %(key)s already exists.") % {"key": key})
            elif mode == ImportMode.UPDATE and record is None:
                if row.key:
                    row.fail(key, _("No record with this %(key)s.") % {"key": key})
                else:
                    row.fail(key, _("This field is required."))
            row.instance = record

    # 3. Relations -------------------------------------------------------------------------

    def _resolve(self, rows: list[Row]) -> dict:
        """{field name: {key (lower case): record}} of the relations the batch names:
        one query per relation column, through the serializer field's own queryset, in
        the job's organization; and the job's organization (for a new record), read
        once per job."""
        self._child(False)  # the fields' own querysets, kept before they are replaced
        resolved = {}
        for column in self.columns.values():
            if column.kind != "relation":
                continue
            keys = {
                str(row.payload[column.field])
                for row in rows
                if not row.errors and column.field in row.payload
            }
            if keys:
                resolved[column.field] = self._records(column, keys)
        if "organization" in self.querysets:
            if self.organization is None:
                queryset = self.querysets["organization"]().filter(pk=self.job.organization_id)
                self.organization = {str(each.pk): each for each in queryset}
            resolved["organization"] = self.organization
        return resolved

    def _records(self, column: Column, keys: set[str]) -> dict:
        queryset = self.querysets[column.field]()
        target = queryset.model
        name = column.key or target._meta.pk.name
        path = registry.organization_path(target)
        if path is not None:
            queryset = queryset.filter(**{path: self.job.organization_id})
        if column.key:
            queryset = queryset.annotate(_key=Lower(name)).filter(
                _key__any={each.lower() for each in keys}
            )
        else:
            queryset = queryset.filter(**{f"{name}__any": _valid_keys(target, keys)})
        return {str(getattr(record, name)).lower(): record for record in queryset}

    # 4. Validation ------------------------------------------------------------------------

    def _child(self, partial: bool):
        """The serializer validating one row at a time: built once per job."""
        if partial not in self.children:
            context = {
                "request": self.resource.request,
                "custom_field_definitions": self.resource.custom_definitions,
            }
            root = self.resource.serializer_class(many=True, partial=partial, context=context)
            child = root.child
            for each in child.fields.values():
                each.validators = [
                    _SurrogatesRefused() if type(v) is ProhibitSurrogateCharactersValidator else v
                    for v in each.validators
                ]
            self._batch_relations(child)
            if _key_is_only_unique_rule(child, self.resource.key_field):
                child.unique_errors = lambda values: {}  # checked per batch in _match
            self.children[partial] = child
        return self.children[partial]

    def _batch_relations(self, child) -> None:
        """The relation fields a row sets (its relation columns, and the organization
        of a new record) look their record up among those resolved for the batch: the
        field's own `to_internal_value` runs (its checks: a category's type, an
        inactive record), its `get_queryset()` answering from memory."""
        names = {column.field for column in self.columns.values() if column.kind == "relation"}
        if self.organization_path == "organization":
            names.add("organization")
        for name in names:
            field = child.fields[name]
            self.querysets.setdefault(name, field.get_queryset)
            model = self.querysets[name]().model
            field.get_queryset = partial(self._resolved_records, name, model)
            field.error_messages = {
                **field.error_messages,
                "does_not_exist": _('No %(model)s "{pk_value}" that you may use here.')
                % {"model": model._meta.verbose_name},
            }

    def _resolved_records(self, name: str, model) -> "ResolvedRecords":
        return ResolvedRecords(self.resolved.get(name, {}), model)

    def _validate(self, row: Row) -> None:
        update = row.instance is not None
        child = self._child(update)
        child.instance = row.instance
        payload = dict(row.payload)
        if update and "custom_fields" in payload:
            payload["custom_fields"] = {**row.instance.custom_fields, **payload["custom_fields"]}
        if not update and self.organization_path == "organization":
            payload["organization"] = self.job.organization_id
        child.initial_data = payload
        try:
            row.validated = child.run_validation(payload)
        except serializers.ValidationError as exc:
            for column, message in _messages(exc.detail):
                row.fail(column, message)
        except APIException as exc:  # a field rule's 403
            row.fail("", exc.detail)
        finally:
            child.instance = None

    # 5. Writing ------------------------------------------------------------------------

    def _plan(self, row: Row, outcome: Outcome) -> None:
        validated = dict(row.validated)
        tags = validated.pop("tags", None)
        validated.pop("organization", None)
        if row.instance is None:
            record = self.model(**validated)
            if self.organization_path == "organization":
                record.organization_id = self.job.organization_id
            outcome.created.append((row, record, tags))
            return
        record = row.instance
        changed = [name for name, value in validated.items() if _differs(record, name, value)]
        current = sorted(tag.name for tag in record.tags.all()) if tags is not None else None
        tags_changed = tags is not None and sorted(set(tags)) != current
        if not changed and not tags_changed:
            outcome.unchanged += 1
            return
        for name in changed:
            setattr(record, name, validated[name])
        outcome.updated.append((row, record, changed, tags if tags_changed else None))

    def prepare(self, outcome: Outcome) -> None:
        """What writing a checked batch needs no transaction for (audit.bulk's
        prepare_create of its new records): done apart from `write`, a pipeline does it
        while the batch before is written (data_jobs.services)."""
        if outcome.created:
            with impersonate(self.user):
                outcome.creation = _prepare_creation(outcome.created)

    def write(self, outcome: Outcome) -> None:
        """Step 5: write a checked batch (prepared or not); the rows the database
        refuses join its failed rows."""
        with impersonate(self.user):
            try:
                with _checked_at_once(self.model):
                    creation = outcome.creation or _prepare_creation(outcome.created)
                    if creation is not None:
                        creation.write()
                    _write_updates(outcome.updated)
            except IntegrityError:
                self._write_one_by_one(outcome)

    def _write_one_by_one(self, outcome: Outcome) -> None:
        """The database refused the batch: write each row alone to find which."""
        kept = {"created": [], "updated": []}
        for name, entries in (("created", outcome.created), ("updated", outcome.updated)):
            for entry in entries:
                if name == "created":  # the batch's INSERT was rolled back
                    entry[1].pk = None
                    entry[1]._state.adding = True
                try:
                    with _checked_at_once(self.model):
                        if name == "created":
                            _prepare_creation([entry]).write()
                        else:
                            _write_updates([entry])
                except IntegrityError:
                    row = entry[0]
                    row.fail("", _("The database refused this row: it conflicts with a record."))
                    outcome.failed.append(row)
                else:
                    kept[name].append(entry)
        outcome.created, outcome.updated = kept["created"], kept["updated"]


def _differs(record, name: str, value) -> bool:
    """The record's `name` is not `value` (a relation compared by id, not loaded)."""
    field = record._meta.get_field(name)
    if field.many_to_one or field.one_to_one:
        return getattr(record, field.attname) != getattr(value, "pk", value)
    return getattr(record, name) != value


@contextmanager
def _checked_at_once(model):
    """A transaction (a savepoint) whose rows are checked against their foreign keys as
    they are written, not when the whole commits (Django's are deferred on PostgreSQL):
    a record a row names, deleted since the batch was checked, fails that row (found by
    writing the batch row by row), not the commit of the whole job; and the checks run
    while the next batch is checked, not at the end (core.db.pipeline). A savepoint
    rolled back forgets it: each says it again."""
    connection = connections[router.db_for_write(model)]
    with transaction.atomic(using=connection.alias):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        yield


def _prepare_creation(created: list):
    """audit.bulk.prepare_create of the new records of (row, record, tags) entries."""
    if not created:
        return None
    records = [record for _row, record, _tags in created]
    tagged = any(tags is not None for _row, _record, tags in created)
    tags = [tags or [] for _row, _record, tags in created] if tagged else None
    return bulk.prepare_create(records, tags=tags)


def _write_updates(updated: list) -> None:
    by_fields = {}
    for _row, record, fields, tags in updated:
        by_fields.setdefault((tuple(fields), tags is not None), []).append((record, tags))
    for (fields, tagged), entries in by_fields.items():
        records = [record for record, _tags in entries]
        bulk.bulk_update(
            records, list(fields), tags=[tags for _record, tags in entries] if tagged else None
        )


def _valid_keys(model, keys: set[str]) -> set:
    """The keys that can be primary keys of `model` (numbers for integer keys)."""
    if model._meta.pk.get_internal_type() in ("AutoField", "BigAutoField", "IntegerField"):
        return {each for each in keys if each.isdigit()}
    return keys


def _key_is_only_unique_rule(child, key: str) -> bool:
    """The serializer's own unique rule (core.serializers.UniqueGuardMixin) is the
    natural key in the organization, which the importer checks per batch."""
    names = getattr(child, "unique_names", None)
    return names is not None and set(names) <= {"organization", key}


def record_failures(job: DataJob, rows: list[Row]) -> None:
    DataJobRowError.objects.bulk_create(
        [
            DataJobRowError(job=job, row=row.number, errors=row.errors, values=row.cells)
            for row in rows
        ]
    )


def advance(job: DataJob, *, cursor: int, done: int, outcome: Outcome | None, failed: int):
    """The job's progress after a batch, in the batch's transaction."""
    updates = {
        "cursor": cursor,
        "processed_rows": F("processed_rows") + done,
        "failed_rows": F("failed_rows") + failed,
        "heartbeat_at": timezone.now(),
    }
    if outcome is not None:
        updates["created_rows"] = F("created_rows") + len(outcome.created)
        updates["updated_rows"] = F("updated_rows") + len(outcome.updated)
        updates["unchanged_rows"] = F("unchanged_rows") + outcome.unchanged
    DataJob.objects.filter(pk=job.pk).update(**updates)
    count_rows(job, done)


def count_rows(job: DataJob, done: int) -> None:
    """The rows a job went through, in the metrics (core.metrics)."""
    model = ContentType.objects.get_for_id(job.content_type_id).model
    metrics.DATA_JOB_ROWS.labels(job.kind.lower(), model).inc(done)


def cancelled(job: DataJob) -> bool:
    return DataJob.objects.filter(pk=job.pk, cancel_requested=True).exists()
