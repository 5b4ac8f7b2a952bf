"""Field values as JSON, snapshots of loaded objects, and field-level diffs."""

import copy
import datetime
import decimal
import uuid

MASK = "********"
_SNAPSHOT_ATTR = "_audit_snapshot"


def to_json(value):
    """A JSON-friendly rendering of a model field value."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        # By value: 0.0825 and 0.08250 (as the database returns it) are the same rate.
        return format(value.normalize(), "f") if value.is_finite() else str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dict | list):
        return value
    if isinstance(value, bytes | memoryview):
        return "<binary>"
    name = getattr(value, "name", None)  # files: the stored name
    if name is not None and hasattr(value, "storage"):
        return name or None
    return str(value)  # phone numbers, countries, ...


def values_of(instance, spec) -> dict:
    """{field name: JSON value} of the instance's loaded audited fields."""
    loaded = instance.__dict__
    return {name: to_json(loaded[attname]) for name, attname in spec.fields if attname in loaded}


def snapshot_of(instance) -> dict | None:
    return instance.__dict__.get(_SNAPSHOT_ATTR)


def mask(spec, name, value):
    return MASK if name in spec.masked and value not in (None, "") else value


def masked(spec, values: dict | None) -> dict | None:
    """The values with the masked fields masked (as they may leave the audit app)."""
    if values is None:
        return None
    return {name: mask(spec, name, value) for name, value in values.items()}


def changes_since(snapshot: dict, current: dict, spec) -> dict:
    """{"field": {"old": ..., "new": ...}} for the fields whose value changed."""
    return {
        name: {"old": mask(spec, name, snapshot[name]), "new": mask(spec, name, value)}
        for name, value in current.items()
        if name in snapshot and snapshot[name] != value
    }


def initial_values(current: dict, spec) -> dict:
    """The values a record was created with, as {"field": {"old": None, "new": ...}},
    empty values left out."""
    return {
        name: {"old": None, "new": mask(spec, name, value)}
        for name, value in current.items()
        if value not in (None, "", [], {})
    }


def take_snapshot(instance, spec, fields=None) -> None:
    # JSON values (dicts, lists) are copied: code may change them in place.
    values = {
        name: copy.deepcopy(value) if isinstance(value, dict | list) else value
        for name, value in values_of(instance, spec).items()
        if fields is None or name in fields
    }
    if fields is not None:
        instance.__dict__.setdefault("_audit_snapshot", {}).update(values)
    else:
        instance.__dict__["_audit_snapshot"] = values
