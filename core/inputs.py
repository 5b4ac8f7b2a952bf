"""Input the database or JSON cannot hold, found before it reaches a field.

PostgreSQL refuses the NUL character in text and jsonb, JSON text cannot encode a lone
UTF-16 surrogate as UTF-8, Python's JSON decoder recurses once per nesting level, and
JSON's 1e400 is an infinite float. Such values are refused where requests come in (the
request parsers, the query-string middleware, the `?filter=` parser, WebSocket
messages): a 400 naming where the value was, on every database, for every endpoint.
Nothing of the kind is then ever stored, so nothing stored can make a read fail.
"""

import math
import re
from collections.abc import Iterator

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

DEFAULT_JSON_MAX_DEPTH = 32
DEFAULT_QUERY_PARAM_MAX_LENGTH = 8192

# A lone surrogate or NUL anywhere in a text.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def json_max_depth() -> int:
    return getattr(settings, "JSON_MAX_DEPTH", DEFAULT_JSON_MAX_DEPTH)


def query_param_max_length() -> int:
    return getattr(settings, "QUERY_PARAM_MAX_LENGTH", DEFAULT_QUERY_PARAM_MAX_LENGTH)


def primary_key_or_none(model, value):
    """`value` (an id from a request, or stored as text) as a primary key of `model`, or
    None where no row could have it: not of the key's type, or a number no database
    column holds (SQLite would raise OverflowError on it)."""
    try:
        pk = model._meta.pk.to_python(value)
    except (ValidationError, TypeError, ValueError):
        return None
    if isinstance(pk, int) and not -(2**63) <= pk < 2**63:
        return None
    return pk


def text_problem(text: str) -> str | None:
    """Why `text` cannot be stored, or None."""
    found = _UNSTORABLE.search(text)
    if found is None:
        return None
    if found.group() == "\x00":
        return _("Null characters (U+0000) are not allowed.")
    return _("Unpaired surrogate characters (U+%(code)04X) are not allowed.") % {
        "code": ord(found.group())
    }


def _children(value) -> Iterator[tuple[str, object]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield str(key), key
            yield str(key), item
    else:
        for index, item in enumerate(value):
            yield str(index), item


def json_problem(value, max_depth: int | None = None) -> tuple[list[str], str] | None:
    """(path, reason) of the first part of decoded JSON `value` that cannot be stored
    or read back (unstorable text in a key or a value, a number that is not finite,
    nesting deeper than `max_depth`); None when there is none. Iterative: any depth is
    walked without recursion."""
    max_depth = json_max_depth() if max_depth is None else max_depth
    stack: list[tuple[list[str], object, int]] = [([], value, 0)]
    while stack:
        path, item, depth = stack.pop()
        if isinstance(item, str):
            reason = text_problem(item)
            if reason:
                return path, reason
        elif isinstance(item, float) and not math.isfinite(item):
            return path, _("Numbers must be finite.")
        elif isinstance(item, dict | list | tuple):
            if depth >= max_depth:
                return path, _("Nested deeper than %(depth)d levels.") % {"depth": max_depth}
            stack.extend(
                ([*path, name], child, depth + 1) for name, child in reversed(list(_children(item)))
            )
    return None


def printable(text: str) -> str:
    """`text` with unstorable characters written as escapes (safe in a message)."""
    return _UNSTORABLE.sub(lambda found: f"\\u{ord(found.group()):04x}", text)


def describe_path(path: list[str]) -> str:
    return printable(".".join(path))


def json_errors(data, max_depth: int | None = None) -> dict | None:
    """DRF's field-error shape for decoded JSON `data`, or None when it can be stored:
    `{"attributes": ["Null characters (U+0000) are not allowed (at attributes.k)."]}`.
    Problems in a body that is not an object are `non_field_errors`."""
    found = json_problem(data, max_depth)
    if found is None:
        return None
    path, reason = found
    where = describe_path(path)
    message = f"{reason[:-1]} (at {where})." if where else reason
    if isinstance(data, dict) and path:
        return {printable(path[0]): [message]}
    return {"non_field_errors": [message]}


def form_errors(data, max_length: int | None = None) -> dict | None:
    """The field errors of form or query-string `data` (a QueryDict): unstorable text,
    or a value longer than `max_length` characters; None when there is none."""
    errors = {}
    for key, values in data.lists():
        for value in [key, *values]:
            if not isinstance(value, str):
                continue  # an uploaded file
            reason = text_problem(value)
            if reason is None and max_length is not None and len(value) > max_length:
                reason = _("At most %(limit)d characters.") % {"limit": max_length}
            if reason:
                errors.setdefault(printable(key)[:100], [reason])
                break
    return errors or None


def install_strict_text_fields() -> None:
    """DRF's CharField (and so EmailField, SlugField, URLField, ...) reads JSON numbers
    as text: `{"reason": 123}` would be stored as "123" although the schema says
    string. From this call on, a text field takes text only (400 "Not a valid
    string."), in every serializer of every app. Form and query-string values are text
    already and are unaffected."""
    from rest_framework import fields

    if getattr(fields.CharField.to_internal_value, "strict_text", False):
        return
    lenient = fields.CharField.to_internal_value

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return lenient(self, data)

    to_internal_value.strict_text = True
    fields.CharField.to_internal_value = to_internal_value
