"""Writing many records at once with what a save gives each: the path of imports.

`bulk_create(records, tags=...)` and `bulk_update(records, fields, tags=...)` write the
records of one audited model in a constant number of queries per batch, whatever their
number: the records (one COPY or INSERT, or one UPDATE, per batch: core.copying), their tags
(core.tagging.set_tags), one audit row each (one INSERT per batch, audit.grouping), and
their model change events after the commit; all in one transaction. What a save would
do is done too: timestamps, and `created_by`/`updated_by` from the current user.

Validation is the caller's (a serializer or a form per row, custom fields included), as
is the permission to write each record. Not for trees: django-mptt places each node
when it is saved (save them one by one).

    from audit import bulk

    products = bulk.bulk_create([Product(...), ...], tags=[["new"], [], ...])
    bulk.bulk_update(products, ["name", "custom_fields"])
"""

from dataclasses import dataclass, field

from crum import get_current_user
from django.db import router
from django.utils import timezone

from core import copying
from core.models import Auditable, Timestamped
from core.tagging import set_tags

from . import registry
from .choices import AuditAction
from .diff import changes_since, initial_values, to_json, values_of
from .grouping import one_row_per_record
from .receivers import change_rows, record_changes, record_rows

BATCH_SIZE = 500


def _model_of(records: list):
    model = type(records[0])
    if any(type(each) is not model for each in records):
        raise ValueError("Records of one model at a time.")
    if hasattr(model, "_mptt_meta"):
        raise ValueError(f"{model._meta.label} is a tree: save its records one by one.")
    spec = registry.get(model)
    if spec is None:
        raise ValueError(f"{model._meta.label} is not audited.")
    return model, spec


def _current_user():
    user = get_current_user()
    return user if getattr(user, "pk", None) is not None else None


def _tags_of(records: list, tags: list | None) -> list | None:
    if tags is not None and len(tags) != len(records):
        raise ValueError("One list of tag names per record.")
    return tags


def _tagged(records: list, tags: list | None) -> dict:
    """{record: its tag names} (saved records: they are hashed by their keys)."""
    if _tags_of(records, tags) is None:
        return {}
    return dict(zip(records, tags, strict=True))


def bulk_create(records: list, *, tags: list | None = None, batch_size: int = BATCH_SIZE):
    """Insert the records (new instances of one model), with their tags (`tags`: a list
    of names per record, or None) and one audit row each; returns them, with their
    primary keys."""
    if not records:
        return records
    return prepare_create(records, tags=tags, batch_size=batch_size).write()


def prepare_create(records: list, *, tags: list | None = None, batch_size: int = BATCH_SIZE):
    """bulk_create in two steps: this one does what needs no transaction (the records'
    creators; where they go in by COPY, their keys, rows and audit rows: most of the
    work of Python), `.write()` of what it returns the rest, in a transaction. Apart, so
    that a pipeline (core.db.pipeline) prepares a batch while the one before it is
    written."""
    model, spec = _model_of(records)
    user = _current_user()
    if user is not None and issubclass(model, Auditable):
        for each in records:
            each.created_by = each.updated_by = user
    using = router.db_for_write(model)
    creation = Creation(records, spec, using, batch_size, _tags_of(records, tags), user)
    creation.copy = copying.prepare(records, using=using)
    if creation.copy is not None:  # the keys are known
        creation.audit()
    return creation


@dataclass
class Creation:
    """New records of one model made ready to write (prepare_create)."""

    records: list
    spec: registry.AuditedModel
    using: str
    batch_size: int
    tags: list | None  # each record's tag names
    user: object  # who creates them (None: the current user, when written)
    copy: copying.Prepared | None = None  # None: inserted by bulk_create, at write()
    values: list = field(default_factory=list)  # each record's audited values
    rows: list = field(default_factory=list)  # each record's audit row

    def audit(self) -> None:
        """The records' values and audit rows (their keys known)."""
        self.values = [values_of(each, self.spec) for each in self.records]
        changes = [initial_values(values, self.spec) for values in self.values]
        self.rows = change_rows(AuditAction.CREATE, self.records, changes, user=self.user)

    def write(self) -> list:
        """Insert the records, their tags, their audit rows; returns the records."""
        with one_row_per_record(using=self.using):
            if self.copy is None:
                copying.insert(self.records, using=self.using, batch_size=self.batch_size)
                self.audit()
            else:
                copying.write(self.copy)
            # New records: their tags go straight into their CREATE rows (what the tags'
            # m2m_changed receivers would add to them, for a fraction of the cost).
            tagged = _tagged(self.records, self.tags)
            added = set_tags(tagged, new=True) if tagged else {}
            changed = []
            for each, values, row in zip(self.records, self.values, self.rows, strict=True):
                if added.get(each):
                    row["changes"]["tags"] = {"added": added[each]}
                changed.append((each, row["changes"], {"after": values}))
            record_rows(AuditAction.CREATE, changed, self.rows, self.spec)
        return self.records


def bulk_update(
    records: list, fields: list[str], *, tags: list | None = None, batch_size: int = BATCH_SIZE
):
    """Write `fields` of the records (saved instances of one model), their tags when
    given, and an audit row for each record that changed (the stored values are read
    first, in the same transaction, their rows locked)."""
    if not records:
        return records
    model, spec = _model_of(records)
    fields = list(dict.fromkeys(fields))
    if issubclass(model, Timestamped):
        now = timezone.now()
        for each in records:
            each.updated_at = now
        fields.append("updated_at")
    user = _current_user()
    if user is not None and issubclass(model, Auditable):
        for each in records:
            each.updated_by = user
        fields.append("updated_by")
    written = {model._meta.get_field(name).name for name in fields}
    compared = [(name, attname) for name, attname in spec.fields if name in written]
    with one_row_per_record(using=router.db_for_write(model)):
        stored = {
            row.pop("pk"): row
            for row in model._default_manager.filter(pk__in=[each.pk for each in records])
            .select_for_update()
            .order_by()
            .values("pk", *(attname for _name, attname in compared))
        }
        model._default_manager.bulk_update(records, fields, batch_size=batch_size)
        changed = []
        for each in records:
            if each.pk not in stored:
                continue  # deleted meanwhile: nothing was written
            before = {name: to_json(stored[each.pk][attname]) for name, attname in compared}
            whole = values_of(each, spec)
            after = {name: whole[name] for name, _attname in compared}
            changes = changes_since(before, after, spec)
            if changes:
                changed.append((each, changes, {"before": {**whole, **before}, "after": whole}))
        record_changes(AuditAction.UPDATE, changed, spec)
        tagged = _tagged(records, tags)
        if tagged:
            set_tags(tagged)
    return records
