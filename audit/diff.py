"""Field values as JSON, the stored values a save starts from, and field-level diffs."""

import datetime
import decimal
import uuid

MASK = "********"
# The stored values of an instance being saved (audit.receivers._before_save).
SNAPSHOT_ATTR = "_audit_snapshot"


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


# Values pinned as the "old" side of an instance's next save (services.diff_from_now).
PINNED_ATTR = "_audit_pinned"


def pin_values(instance, spec) -> None:
    """See audit.services.diff_from_now."""
    instance.__dict__[PINNED_ATTR] = values_of(instance, spec)


def snapshot_of(instance) -> dict | None:
    return instance.__dict__.get(SNAPSHOT_ATTR)


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
