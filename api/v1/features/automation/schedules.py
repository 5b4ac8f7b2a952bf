"""When timed automation triggers are due.

Two kinds of timed trigger exist:

* Cron schedules, evaluated in an organization's IANA time zone. ``validate_cron`` checks and
  normalizes an expression; ``next_run`` gives the next moment it fires.
* Offsets relative to a date field of a record ("3 days before the start").
  ``parse_offset`` reads an offset; ``window`` turns a time range into the range of date-field
  values that are due in it.

Cron semantics follow cronie (Vixie cron):

* Five fields: minute, hour, day of month, month, day of week. A field holds ``*``, numbers,
  ranges ``a-b``, steps ``*/n`` and ``a-b/n``, and comma-separated lists of these. Months
  accept ``jan``-``dec`` and days of the week ``sun``-``sat``, in any letter case. Day of week
  0 and 7 are both Sunday.
* When both the day-of-month and the day-of-week fields start with something other than ``*``,
  a day matches if either field matches it. Otherwise both must match, so a field that starts
  with ``*`` (including ``*/n``) restricts the days together with the other field.
* Daylight saving time: a local time skipped by a forward change fires once, at the first
  instant after the change; a local time that occurs twice fires once, at its first occurrence.
  Consequently an hourly schedule does not fire during the repeated hour of a backward change.
"""

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["InvalidSchedule", "next_run", "parse_offset", "validate_cron", "window"]

MAX_EXPRESSION_LENGTH = 200
MAX_OFFSET = timedelta(days=3650)

_FIELD_LAYOUT = "minute hour day-of-month month day-of-week"
_NEVER_HORIZON_YEARS = 5
# next_run looks further ahead than validation: Feb 29 on a given weekday can be 40 years apart.
_SEARCH_HORIZON = timedelta(days=366 * 50)
_LATEST_WALL_TIME = datetime(9998, 12, 31)

_ALIASES = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}

_MONTH_NAMES = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        start=1,
    )
}
_DAY_NAMES = {
    name: number for number, name in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))
}


class InvalidSchedule(ValueError):
    """A schedule or an offset cannot be used; the message says why, for an API client."""


@dataclass(frozen=True)
class _Field:
    name: str
    low: int
    high: int
    names: dict[str, int] | None = None
    names_hint: str = ""


_FIELDS = (
    _Field("minute", 0, 59),
    _Field("hour", 0, 23),
    _Field("day-of-month", 1, 31),
    _Field("month", 1, 12, _MONTH_NAMES, "a month number or name (jan-dec)"),
    _Field("day-of-week", 0, 7, _DAY_NAMES, "a day-of-week number or name (sun-sat)"),
)
_NUMBER = re.compile(r"[0-9]+")


@dataclass(frozen=True)
class _Cron:
    """A parsed expression: the matching values of each field, sorted."""

    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    days: frozenset[int]
    months: tuple[int, ...]
    weekdays: frozenset[int]  # 0 is Sunday
    either_day: bool  # a day matches if day-of-month OR day-of-week matches

    def matches_day(self, day: date) -> bool:
        in_month = day.day in self.days
        in_week = day.isoweekday() % 7 in self.weekdays
        return (in_month or in_week) if self.either_day else (in_month and in_week)


# ---------------------------------------------------------------------------- cron parsing
def _field_error(field: _Field, message: str) -> InvalidSchedule:
    return InvalidSchedule(f"{field.name} field: {message}")


def _parse_value(text: str, item: str, field: _Field) -> int:
    if not text:
        raise _field_error(field, f"{item!r} is incomplete")
    if _NUMBER.fullmatch(text):
        value = int(text)
    elif field.names and text.lower() in field.names:
        value = field.names[text.lower()]
    else:
        raise _field_error(field, f"{text!r} is not {field.names_hint or 'a number'}")
    if not field.low <= value <= field.high:
        raise _field_error(field, f"{value} is out of range {field.low}-{field.high}")
    return value


def _parse_field(text: str, field: _Field) -> set[int]:
    values: set[int] = set()
    for item in text.split(","):
        if not item:
            raise _field_error(field, f"{text!r} has an empty list item")
        base, has_step, step_text = item.partition("/")
        step = 1
        if has_step:
            if not _NUMBER.fullmatch(step_text):
                raise _field_error(field, f"step {step_text!r} in {item!r} is not a number")
            step = int(step_text)
            if not 1 <= step <= field.high:
                raise _field_error(field, f"step {step} is out of range 1-{field.high}")
        if base == "*":
            low, high = field.low, field.high
        elif "-" in base:
            low_text, _, high_text = base.partition("-")
            low = _parse_value(low_text, item, field)
            high = _parse_value(high_text, item, field)
            if low > high:
                raise _field_error(field, f"range {item!r} starts after it ends")
        elif has_step:
            raise _field_error(
                field, f"a step needs a range: write */{step} or {base}-{field.high}/{step}"
            )
        else:
            low = high = _parse_value(base, item, field)
        values.update(range(low, high + 1, step))
    return values


@lru_cache(maxsize=512)
def _parse(expression: str) -> tuple[str, _Cron]:
    """Return the normalized expression and its parsed form."""
    if len(expression) > MAX_EXPRESSION_LENGTH:
        raise InvalidSchedule(f"a schedule is at most {MAX_EXPRESSION_LENGTH} characters long")
    if any(char != "\t" and unicodedata.category(char).startswith("C") for char in expression):
        raise InvalidSchedule("a schedule cannot contain control characters")
    text = expression.strip(" \t")
    if not text:
        raise InvalidSchedule(f"the schedule is empty; a schedule has 5 fields: {_FIELD_LAYOUT}")
    if text.startswith("@"):
        alias = text.lower()
        if alias == "@reboot":
            raise InvalidSchedule("@reboot is not supported: a schedule must name times")
        if alias not in _ALIASES:
            raise InvalidSchedule(f"unknown alias {text!r}; the aliases are {', '.join(_ALIASES)}")
        text = _ALIASES[alias]
    parts = re.split(r"[ \t]+", text)
    if len(parts) != len(_FIELDS):
        extra = " (seconds are not supported)" if len(parts) == len(_FIELDS) + 1 else ""
        raise InvalidSchedule(f"a schedule has 5 fields: {_FIELD_LAYOUT}; got {len(parts)}{extra}")
    minutes, hours, days, months, weekdays = (
        _parse_field(part, field) for part, field in zip(parts, _FIELDS, strict=True)
    )
    if 7 in weekdays:
        weekdays = (weekdays - {7}) | {0}
    cron = _Cron(
        minutes=tuple(sorted(minutes)),
        hours=tuple(sorted(hours)),
        days=frozenset(days),
        months=tuple(sorted(months)),
        weekdays=frozenset(weekdays),
        either_day=not parts[2].startswith("*") and not parts[4].startswith("*"),
    )
    return " ".join(parts), cron


def _parse_checked(expression: str) -> tuple[str, _Cron]:
    if not isinstance(expression, str):
        raise InvalidSchedule("a schedule must be a string")
    return _parse(expression)


# -------------------------------------------------------------------------- cron search
def _next_wall_time(cron: _Cron, start: datetime, limit: datetime) -> datetime | None:
    """Return the first naive wall time at or after ``start`` (a whole minute) that the
    expression matches, or None if there is none up to ``limit``."""
    moment = start
    while moment <= limit:
        if moment.month not in cron.months:
            index = bisect_right(cron.months, moment.month)
            if index < len(cron.months):
                moment = datetime(moment.year, cron.months[index], 1)
            else:
                moment = datetime(moment.year + 1, cron.months[0], 1)
            continue
        if not cron.matches_day(moment.date()):
            moment = datetime(moment.year, moment.month, moment.day) + timedelta(days=1)
            continue
        if moment.hour not in cron.hours:
            index = bisect_right(cron.hours, moment.hour)
            if index == len(cron.hours):
                moment = datetime(moment.year, moment.month, moment.day) + timedelta(days=1)
                continue
            moment = moment.replace(hour=cron.hours[index], minute=0)
        if moment.minute not in cron.minutes:
            index = bisect_right(cron.minutes, moment.minute)
            if index == len(cron.minutes):
                moment = moment.replace(minute=0) + timedelta(hours=1)
                continue
            moment = moment.replace(minute=cron.minutes[index])
        return moment
    return None


def _wall_time(instant: datetime, zone: ZoneInfo) -> datetime:
    return instant.astimezone(zone).replace(tzinfo=None)


def _to_utc(wall: datetime, zone: ZoneInfo) -> datetime:
    """Return the UTC instant at which a naive wall time in ``zone`` fires.

    A repeated wall time gives its first occurrence. A skipped wall time gives the first whole
    minute at or after the end of the skipped range.
    """
    instant = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if _wall_time(instant, zone) == wall:
        return instant
    # Before the change the wall clock reads earlier than ``wall``, after it later.
    earlier = wall - wall.replace(tzinfo=zone, fold=1).utcoffset()
    later = wall - wall.replace(tzinfo=zone, fold=0).utcoffset()
    low = int(earlier.replace(tzinfo=UTC).timestamp())
    high = int(later.replace(tzinfo=UTC).timestamp())
    while high - low > 1:
        middle = (low + high) // 2
        if _wall_time(datetime.fromtimestamp(middle, UTC), zone) > wall:
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(-(-high // 60) * 60, UTC)


def _zone(tz: str) -> ZoneInfo:
    if not isinstance(tz, str) or not tz:
        raise InvalidSchedule("a time zone must be an IANA name such as 'Europe/Paris'")
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidSchedule(f"unknown time zone {tz!r}") from None


# --------------------------------------------------------------------------- public: cron
def validate_cron(expression: str) -> str:
    """Return ``expression`` with whitespace collapsed and an alias replaced by its fields.

    Raises InvalidSchedule if the expression is malformed or matches no date in the next
    5 years (such as February 31).
    """
    normalized, cron = _parse_checked(expression)
    today = datetime.now(UTC).replace(tzinfo=None, hour=0, minute=0, second=0, microsecond=0)
    limit = today + timedelta(days=366 * _NEVER_HORIZON_YEARS)
    if _next_wall_time(cron, today, limit) is None:
        raise InvalidSchedule(
            f"the schedule never fires: no date in the next {_NEVER_HORIZON_YEARS} years "
            "matches its day-of-month, month and day-of-week fields"
        )
    return normalized


def next_run(expression: str, after: datetime, tz: str) -> datetime:
    """Return the first moment strictly after ``after`` at which ``expression`` fires in the
    time zone ``tz``, as an aware UTC datetime on a whole minute.

    ``after`` must be aware. Raises InvalidSchedule for a malformed expression, an unknown
    time zone, or an expression that does not fire within 50 years.
    """
    _, cron = _parse_checked(expression)
    zone = _zone(tz)
    if after.tzinfo is None or after.utcoffset() is None:
        raise ValueError("after must be an aware datetime")
    # In UTC, comparisons hold for an ``after`` in the second pass of a repeated hour.
    after = after.astimezone(UTC)
    start = _wall_time(after, zone).replace(second=0, microsecond=0) + timedelta(minutes=1)
    limit = min(start + _SEARCH_HORIZON, _LATEST_WALL_TIME)
    while True:
        wall = _next_wall_time(cron, start, limit)
        if wall is None:
            raise InvalidSchedule("the schedule does not fire within 50 years")
        instant = _to_utc(wall, zone)
        # Wall times of the first pass of a repeated hour are earlier than an ``after`` in
        # its second pass; skip them.
        if instant > after:
            return instant
        start = wall + timedelta(minutes=1)


# ------------------------------------------------------------------------- public: offsets
_OFFSET_UNITS = {"m": 1, "h": 60, "d": 1440, "w": 10080}
_SHORT_OFFSET = re.compile(r"([+-]?)([0-9]+)([a-zA-Z]*)")
_ISO_OFFSET = re.compile(
    r"([+-]?)P(?:([0-9]+)W)?(?:([0-9]+)D)?(?:T(?=[0-9])(?:([0-9]+)H)?(?:([0-9]+)M)?)?"
)
_OFFSET_EXAMPLES = "a signed amount and unit such as '-3d', '2h', '1w' or 'P3D'"


def parse_offset(value: str) -> timedelta:
    """Return the offset written in ``value``.

    Two forms are accepted: a whole amount with an optional sign and a unit, one of
    ``m`` (minutes), ``h`` (hours), ``d`` (days) or ``w`` (weeks), as in ``-3d``; and an
    ISO-8601 duration in weeks, days, hours and minutes with an optional sign, as in ``-P3D``
    or ``PT2H``. The offset is at most 3650 days either way. Raises InvalidSchedule otherwise.
    """
    if not isinstance(value, str):
        raise InvalidSchedule(f"an offset must be a string: {_OFFSET_EXAMPLES}")
    text = value.strip()
    if not text:
        raise InvalidSchedule(f"the offset is empty; use {_OFFSET_EXAMPLES}")
    if len(text) > 40:
        raise InvalidSchedule("an offset is at most 40 characters long")
    if short := _SHORT_OFFSET.fullmatch(text):
        sign, amount, unit = short.groups()
        if not unit:
            raise InvalidSchedule(f"{text!r} has no unit; use {_OFFSET_EXAMPLES}")
        if unit not in _OFFSET_UNITS:
            raise InvalidSchedule(
                f"unknown unit {unit!r} in {text!r}: use m (minutes), h (hours), d (days) "
                "or w (weeks)"
            )
        minutes = int(amount) * _OFFSET_UNITS[unit]
    elif text.lstrip("+-")[:1] in ("P", "p"):
        sign, minutes = _parse_iso_offset(text.upper())
    else:
        raise InvalidSchedule(f"{text!r} is not an offset; use {_OFFSET_EXAMPLES}")
    if minutes > MAX_OFFSET // timedelta(minutes=1):
        raise InvalidSchedule(f"an offset is at most {MAX_OFFSET.days} days either way")
    return timedelta(minutes=-minutes if sign == "-" else minutes)


def _parse_iso_offset(text: str) -> tuple[str, int]:
    """Return the sign and the number of minutes of an upper-case ISO-8601 duration."""
    match = _ISO_OFFSET.fullmatch(text)
    if match is None or not any(match.groups()[1:]):
        date_part, _, time_part = text.partition("T")
        if "Y" in date_part or "M" in date_part:
            reason = "years and months vary in length; use days or weeks, as in 'P30D'"
        elif "S" in time_part:
            reason = "seconds are not supported; the smallest unit is a minute"
        elif "." in text or "," in text:
            reason = "amounts must be whole numbers"
        else:
            reason = "use weeks, days, hours and minutes, as in 'P1W', 'P3D' or 'PT2H30M'"
        raise InvalidSchedule(f"{text!r} is not a supported ISO-8601 duration: {reason}")
    sign, weeks, days, hours, minutes = match.groups()
    total = 0
    for amount, unit in ((weeks, "w"), (days, "d"), (hours, "h"), (minutes, "m")):
        total += int(amount or 0) * _OFFSET_UNITS[unit]
    return sign, total


def window(offset: timedelta, since: datetime, until: datetime) -> tuple[datetime, datetime]:
    """Return ``(start, end)``: a date-field value ``v`` is due in the range (since, until]
    when ``since < v + offset <= until``, that is when ``start < v <= end``.

    Query with ``date_field__gt=start, date_field__lte=end``. Consecutive ranges that share
    their bounds select each value exactly once.
    """
    return since - offset, until - offset
