"""Model fields shared by the apps."""

import re

from django.db import models

# A \uD800-\uDFFF escape in stored JSON text (SQLite keeps what JSON escapes allow).
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def _repaired(value):
    """`value` with every lone surrogate in its texts and keys replaced by U+FFFD."""
    if isinstance(value, str):
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    if isinstance(value, dict):
        return {_repaired(key): _repaired(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_repaired(item) for item in value]
    return value


class JSONField(models.JSONField):
    """Django's JSONField, reading back any stored value.

    The request parsers refuse lone surrogates (core.inputs), but a value stored before
    they did, or by other means, would make every read of its row fail (no response can
    encode it). Such texts are read with U+FFFD in place of the lone surrogate, so the
    record, its history and its Admin page stay readable. Rows without a surrogate escape
    (all of them, on PostgreSQL) cost one regular-expression search.

    Migrations see Django's JSONField: the column is the same, only reading differs,
    and an AlterField would make SQLite rebuild each table (dropping the audit log's
    triggers) for nothing."""

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.JSONField", args, kwargs

    def from_db_value(self, value, expression, connection):
        if value == "{}" and self.decoder is None:
            return {}  # the commonest value (an empty `custom_fields`), not parsed
        damaged = isinstance(value, str) and _SURROGATE_ESCAPE.search(value) is not None
        value = super().from_db_value(value, expression, connection)
        return _repaired(value) if damaged else value
