"""Filter values checked and converted for the field they are compared with.

Values arrive as parsed JSON: str, int, Decimal (JSON numbers with a fraction or an
exponent, parsed exactly), bool; None and containers are refused before this point.
Each function returns the Python value to compare with, or raises ValueProblem with a
message for the client.
"""

import datetime
import json
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import connections, models, router
from django.utils import timezone

from core.custom_fields import CustomFieldType

# Numbers beyond this decimal exponent are refused: PostgreSQL's numeric type overflows
# on much larger ones, and no stored value is that large.
MAX_EXPONENT = 1000
# A field's choices are listed in a message when there are no more than this.
MAX_LISTED_CHOICES = 20


class ValueProblem(ValueError):
    """A value that does not fit its field; the message is for the client."""


def describe(value) -> str:
    """`value` as the client wrote it (JSON)."""
    if isinstance(value, Decimal):
        return str(value)
    return json.dumps(value, default=str)


def is_text_field(field: models.Field) -> bool:
    # CharField covers EmailField, SlugField, URLField and the phone number and
    # country fields.
    return isinstance(field, models.CharField | models.TextField)


def _check_number(number: Decimal) -> Decimal:
    if not number.is_finite():
        raise ValueProblem(f"{describe(number)} is not a finite number.")
    if number and abs(number.adjusted()) > MAX_EXPONENT:
        raise ValueProblem(f"{describe(number)} is out of range.")
    return number


def _check_integer_range(field: models.IntegerField, number: int) -> None:
    connection = connections[router.db_for_read(field.model)]
    low, high = connection.ops.integer_field_range(field.get_internal_type())
    if (low is not None and number < low) or (high is not None and number > high):
        shown = str(number)
        if len(shown) > 24:
            shown = f"{shown[:20]}..."
        raise ValueProblem(f"{shown} is out of range for this field.")


def _to_integer(value) -> int:
    if isinstance(value, Decimal):
        if not value.is_finite() or value != value.to_integral_value():
            raise ValueProblem(f"{describe(value)} is not a whole number.")
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError as exc:
            raise ValueProblem(f"{describe(value)} is not a whole number.") from exc
    return value


def coerce_model_value(field: models.Field, value):
    """`value` converted with the model field's own `to_python`."""
    if isinstance(field, models.BooleanField):
        if not isinstance(value, bool):
            raise ValueProblem(f"expected true or false, not {describe(value)}.")
        return value
    if isinstance(value, bool):
        raise ValueProblem("true and false apply to boolean fields only.")
    try:
        if is_text_field(field):
            if not isinstance(value, str):
                raise ValueProblem(f"expected a text, not {describe(value)}.")
            return field.to_python(value)
        if isinstance(field, models.IntegerField):
            number = field.to_python(_to_integer(value))
            _check_integer_range(field, number)
            return number
        if isinstance(field, models.DecimalField | models.FloatField):
            if isinstance(value, str):
                value = value.strip()
            number = field.to_python(value)
            if isinstance(number, Decimal):
                _check_number(number)
            return number
        if isinstance(
            field,
            models.DateField | models.TimeField | models.DurationField | models.UUIDField,
        ):
            # DateTimeField is a DateField.
            if not isinstance(value, str):
                raise ValueProblem(f"expected a text ({_expected(field)}), not {describe(value)}.")
            converted = field.to_python(value.strip())
            if isinstance(converted, datetime.datetime):
                if timezone.is_naive(converted):
                    # Times without an offset are in the server's time zone, as Django
                    # reads them.
                    converted = timezone.make_aware(converted)
                # The database is asked in UTC (PostgreSQL refuses offsets past 15:59):
                # 9999-12-31T23:59:59-23:59 has no UTC.
                converted = converted.astimezone(datetime.UTC)
            return converted
        return field.to_python(value)
    except ValidationError as exc:
        raise ValueProblem(" ".join(str(message) for message in exc.messages)) from exc
    except OverflowError as exc:
        raise ValueProblem(f"{describe(value)} is out of range.") from exc
    except (TypeError, ValueError, InvalidOperation) as exc:
        if isinstance(exc, ValueProblem):
            raise
        raise ValueProblem(f"{describe(value)} is not a valid value for this field.") from exc


def _expected(field: models.Field) -> str:
    if isinstance(field, models.DateTimeField):
        return "an ISO 8601 date-time"
    if isinstance(field, models.DateField):
        return "an ISO 8601 date, YYYY-MM-DD"
    if isinstance(field, models.TimeField):
        return "a time, HH:MM[:SS]"
    if isinstance(field, models.DurationField):
        return "a duration"
    return "a UUID"


def check_choice(field: models.Field, value) -> None:
    """ValueProblem unless `value` is one of the field's choices (if it has any)."""
    if not field.choices:
        return
    allowed = [key for key, _label in field.flatchoices]
    if value in allowed:
        return
    if len(allowed) <= MAX_LISTED_CHOICES:
        raise ValueProblem(
            f"{describe(value)} is not one of the choices: {', '.join(map(str, allowed))}."
        )
    raise ValueProblem(f"{describe(value)} is not one of the field's choices.")


# ------------------------------------------------------------------------ custom fields
def to_number(value) -> Decimal | None:
    """A JSON number as a Decimal (None for anything else)."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        return None
    return _check_number(Decimal(value))


def coerce_custom_value(definitions, value):
    """`value` checked against the key's custom field definitions: it must fit at least
    one of them (an organization may define a key with another type than the global
    definition). Without definitions any JSON scalar is accepted. Numbers are returned
    as Decimal, dates as ISO strings."""
    if not definitions:
        number = to_number(value)
        return value if number is None else number
    problems = []
    for definition in definitions:
        try:
            return _coerce_typed(definition, value)
        except ValueProblem as exc:
            problems.append(str(exc))
    raise ValueProblem(" Or: ".join(dict.fromkeys(problems)))


def _coerce_typed(definition, value):
    kind = definition.field_type
    if kind == CustomFieldType.TEXT:
        if not isinstance(value, str):
            raise ValueProblem(f"expected a text, not {describe(value)}.")
        return value
    if kind == CustomFieldType.INTEGER:
        number = to_number(value)
        if number is None or number != number.to_integral_value():
            raise ValueProblem(f"expected a whole number, not {describe(value)}.")
        return number
    if kind == CustomFieldType.DECIMAL:
        number = to_number(value)
        if number is None and isinstance(value, str):
            try:
                number = _check_number(Decimal(value.strip()))
            except InvalidOperation:
                number = None
        if number is None:
            raise ValueProblem(f"expected a number, not {describe(value)}.")
        return number
    if kind == CustomFieldType.BOOLEAN:
        if not isinstance(value, bool):
            raise ValueProblem(f"expected true or false, not {describe(value)}.")
        return value
    if kind == CustomFieldType.DATE:
        try:
            return datetime.date.fromisoformat(value).isoformat()
        except (TypeError, ValueError) as exc:
            raise ValueProblem(f"expected a date as YYYY-MM-DD, not {describe(value)}.") from exc
    if kind == CustomFieldType.CHOICE:
        choices = definition.choices or []
        # Compared with their type, as the definition compares them: 1 is not "1".
        for choice in choices:
            if type(value) is type(choice) and value == choice:
                return value
        raise ValueProblem(
            f"{describe(value)} is not one of the choices: {', '.join(map(str, choices))}."
        )
    raise ValueProblem(f"unsupported custom field type {kind}.")  # pragma: no cover
