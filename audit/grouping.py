"""One audit row, and one change event, per record for a change made in several writes.

Saving a record through the API writes it and then its tags (and a workflow may save
it twice): each write alone would leave its own row ("created", then "tags added").
Inside `one_row_per_record()` the audit receivers hand their rows here instead, and
the rows of one record are merged into one (the create with its tags, the field
changes with the tags added and removed), then written together (one INSERT) when the
block ends, in the block's transaction. The change events are merged the same way.

    with one_row_per_record():
        product = Product.objects.create(...)
        product.tags.set(["new"])   # one CREATE row, with "tags": {"added": ["new"]}

Outside a block every row is written at once, as before. Rows that are not a change of
fields (a delete, a permission given to a role) keep their own row, in order.
"""

import dataclasses
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import transaction

from core import events

from .choices import AuditAction
from .services import insert_rows

# The actions whose rows of one record merge into one, strongest first: a transition
# saved with other changes is the transition.
_MERGED = (AuditAction.CREATE, AuditAction.TRANSITION, AuditAction.UPDATE)


@dataclasses.dataclass
class _Entry:
    row: dict
    event: events.ModelEvent | None
    using: str | None


@dataclasses.dataclass
class _Pending:
    """The rows of an open block, in order, and the latest of each record (so that a
    bulk write of N records finds them in constant time, not by scanning N rows)."""

    entries: list[_Entry] = dataclasses.field(default_factory=list)
    latest: dict[tuple, _Entry] = dataclasses.field(default_factory=dict)

    def add(self, entry: _Entry) -> None:
        self.entries.append(entry)
        self.latest[(entry.row["content_type_id"], entry.row["object_id"])] = entry


_pending: ContextVar[_Pending | None] = ContextVar("audit_pending_rows", default=None)


@contextmanager
def one_row_per_record(using: str | None = None):
    """Within the block (a transaction), one audit row per record and change (see the
    module). Nested blocks belong to the outermost one."""
    if _pending.get() is not None:
        yield
        return
    pending = _Pending()
    token = _pending.set(pending)
    try:
        with transaction.atomic(using=using):
            yield
            _pending.reset(token)
            token = None
            _write(pending.entries)
    finally:
        if token is not None:
            _pending.reset(token)


def record(row: dict, event: events.ModelEvent | None, using: str | None = None) -> None:
    """Write an audit row of a model change (and emit its event): at once, or merged into
    the row of the same record when a block is open."""
    pending = _pending.get()
    if pending is None:
        _write([_Entry(row, event, using)])
        return
    if row["action_type"] in _MERGED:
        latest = pending.latest.get((row["content_type_id"], row["object_id"]))
        if latest is not None and latest.row["action_type"] in _MERGED:
            _merge(latest, row, event)
            return
    pending.add(_Entry(row, event, using))


def _write(entries: list[_Entry]) -> None:
    entries = [
        entry
        for entry in entries
        # Changes that cancelled out (a tag added, then removed) leave no row.
        if entry.row["changes"] or entry.row["action_type"] != AuditAction.UPDATE
    ]
    insert_rows([entry.row for entry in entries])
    # The events of the rows written together are delivered together (a bulk write's
    # subscribers get them as one list: core.events.emit_many).
    emitted: dict[str | None, list[events.ModelEvent]] = {}
    for entry in entries:
        if entry.event is not None:
            emitted.setdefault(entry.using, []).append(entry.event)
    for using, together in emitted.items():
        events.emit_many(together, using=using)


def _merge(entry: _Entry, row: dict, event: events.ModelEvent | None) -> None:
    first = entry.row
    action = min(first["action_type"], row["action_type"], key=_MERGED.index)
    changes = merge_changes(first["changes"] or {}, row["changes"] or {})
    entry.row = {
        **row,
        "created_at": first["created_at"],
        "updated_at": first["updated_at"],
        "action_type": action,
        "changes": changes,
        "context": {**first["context"], **row["context"]},
    }
    if event is None or entry.event is None:
        entry.event = entry.event or event
        return
    entry.event = dataclasses.replace(
        entry.event,
        action=entry.event.action if action == first["action_type"] else event.action,
        organization_id=event.organization_id,
        after=event.after,
        changes=merge_changes(entry.event.changes, event.changes),
        transition=entry.event.transition or event.transition,
    )


def merge_changes(first: dict, later: dict) -> dict:
    """The changes of two writes as those of one: a field's first old value and last new
    one (gone when they are equal); the items added and removed of a many-to-many
    field, an item added then removed counting as neither."""
    merged = dict(first)
    for name, change in later.items():
        before = merged.get(name)
        if before is None:
            merged[name] = change
        elif "old" in change or "new" in change:
            merged[name] = {"old": before.get("old"), "new": change.get("new")}
            if merged[name]["old"] == merged[name]["new"] and "old" in before:
                del merged[name]
        else:
            added, removed = set(before.get("added", ())), set(before.get("removed", ()))
            for item in change.get("added", ()):
                if item in removed:
                    removed.discard(item)
                else:
                    added.add(item)
            for item in change.get("removed", ()):
                if item in added:
                    added.discard(item)
                else:
                    removed.add(item)
            items = {"added": sorted(added), "removed": sorted(removed)}
            merged[name] = {key: value for key, value in items.items() if value}
            if not merged[name]:
                del merged[name]
    return merged
