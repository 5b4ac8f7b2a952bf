"""Timed triggers: cron validation, next run times (with daylight saving changes), offsets
relative to a date field, and the date-field window an offset selects."""

import functools
import itertools
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from celery.schedules import crontab
from hypothesis import given, settings
from hypothesis import strategies as st

from api.v1.features.automation.schedules import (
    InvalidSchedule,
    next_run,
    parse_offset,
    validate_cron,
    window,
)

PARIS = "Europe/Paris"
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(tz: str, *args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(tz), fold=fold)


def runs(expression: str, after: datetime, tz: str, count: int) -> list[datetime]:
    found = []
    for _ in range(count):
        after = next_run(expression, after, tz)
        found.append(after)
    return found


def runs_between(expression: str, tz: str, start: datetime, end: datetime) -> list[datetime]:
    """Every run at or after ``start`` and before ``end``."""
    found = []
    after = start - timedelta(microseconds=1)
    while (after := next_run(expression, after, tz)) < end:
        found.append(after)
    return found


def wall(instant: datetime, tz: str) -> datetime:
    return instant.astimezone(ZoneInfo(tz)).replace(tzinfo=None)


# ------------------------------------------------------------------------- validate_cron
class TestValidateCron:
    @pytest.mark.parametrize(
        ("expression", "normalized"),
        [
            ("* * * * *", "* * * * *"),
            ("  0   9 * *\t1-5 ", "0 9 * * 1-5"),
            ("*/15 * * * *", "*/15 * * * *"),
            ("5-59/15 0-23/2 1,15 jan-mar,DEC MON-fri", "5-59/15 0-23/2 1,15 jan-mar,DEC MON-fri"),
            ("00 09 * * *", "00 09 * * *"),
            ("0 0 * * 7", "0 0 * * 7"),
            ("0 0 * * 0-7", "0 0 * * 0-7"),
            ("0 0 * * fri-7", "0 0 * * fri-7"),
            ("0 0 13 * 5", "0 0 13 * 5"),
            ("0 0 29 2 *", "0 0 29 2 *"),
            ("0 0 31 * *", "0 0 31 * *"),
            ("59 23 31 12 6", "59 23 31 12 6"),
            ("*/59 */23 */15 */6 */3", "*/59 */23 */15 */6 */3"),
            ("@hourly", "0 * * * *"),
            ("@daily", "0 0 * * *"),
            ("@weekly", "0 0 * * 0"),
            ("@monthly", "0 0 1 * *"),
            ("@yearly", "0 0 1 1 *"),
            ("@annually", "0 0 1 1 *"),
            (" @DAILY ", "0 0 * * *"),
        ],
    )
    def test_accepts_and_normalizes(self, expression, normalized):
        assert validate_cron(expression) == normalized

    @pytest.mark.parametrize(
        ("expression", "message"),
        [
            ("", "the schedule is empty; a schedule has 5 fields"),
            (" \t ", "the schedule is empty"),
            ("0 " * 100 + "0", "a schedule is at most 200 characters long"),
            ("0 0 * * *\n", "a schedule cannot contain control characters"),
            ("0 0 * * *\n0 1 * * *", "a schedule cannot contain control characters"),
            ("0\x00 0 * * *", "a schedule cannot contain control characters"),
            ("0\u200b 0 * * *", "a schedule cannot contain control characters"),
            (
                "0 0 * *",
                "a schedule has 5 fields: minute hour day-of-month month day-of-week; got 4",
            ),
            ("0 0 0 * * *", "got 6 (seconds are not supported)"),
            ("0 0 0 * * * 2030", "got 7"),
            ("@reboot", "@reboot is not supported"),
            ("@every 5m", "unknown alias '@every 5m'"),
            ("@midnight", "unknown alias '@midnight'; the aliases are @hourly, @daily"),
            ("61 * * * *", "minute field: 61 is out of range 0-59"),
            ("0 24 * * *", "hour field: 24 is out of range 0-23"),
            ("0 0 0 * *", "day-of-month field: 0 is out of range 1-31"),
            ("0 0 32 * *", "day-of-month field: 32 is out of range 1-31"),
            ("0 0 * 0 *", "month field: 0 is out of range 1-12"),
            ("0 0 * 13 *", "month field: 13 is out of range 1-12"),
            ("0 0 * * 8", "day-of-week field: 8 is out of range 0-7"),
            ("0 0 * foo *", "month field: 'foo' is not a month number or name (jan-dec)"),
            ("0 0 * january *", "month field: 'january' is not a month number or name"),
            ("0 0 * * funday", "day-of-week field: 'funday' is not a day-of-week number or name"),
            ("0 0 * * jan", "day-of-week field: 'jan' is not a day-of-week number or name"),
            ("mon * * * *", "minute field: 'mon' is not a number"),
            ("-1 * * * *", "minute field: '-1' is incomplete"),
            ("1- * * * *", "minute field: '1-' is incomplete"),
            ("1-2-3 * * * *", "minute field: '2-3' is not a number"),
            ("1,,2 * * * *", "minute field: '1,,2' has an empty list item"),
            ("1, * * * *", "minute field: '1,' has an empty list item"),
            ("*/0 * * * *", "minute field: step 0 is out of range 1-59"),
            ("*/90 * * * *", "minute field: step 90 is out of range 1-59"),
            ("*/x * * * *", "minute field: step 'x' in '*/x' is not a number"),
            ("*/ * * * *", "minute field: step '' in '*/' is not a number"),
            ("5/15 * * * *", "minute field: a step needs a range: write */15 or 5-59/15"),
            ("30-10 * * * *", "minute field: range '30-10' starts after it ends"),
            ("0 0 * * sun-sat/2,fri-sun", "day-of-week field: range 'fri-sun' starts after"),
            ("? * * * *", "minute field: '?' is not a number"),
            ("0 0 L * *", "day-of-month field: 'L' is not a number"),
            ("0 0 * * 5#3", "day-of-week field: '5#3' is not a day-of-week number or name"),
            ("\u0663 * * * *", "minute field: '\u0663' is not a number"),
            ("0 0 31 2 *", "the schedule never fires: no date in the next 5 years matches"),
            ("0 0 30 2 *", "the schedule never fires"),
            ("0 0 31 4,6,9,11 *", "the schedule never fires"),
        ],
    )
    def test_refuses_with_a_message(self, expression, message):
        with pytest.raises(InvalidSchedule, match=re.escape(message)):
            validate_cron(expression)

    @pytest.mark.parametrize("expression", [None, 5, ["* * * * *"]])
    def test_refuses_what_is_not_a_string(self, expression):
        with pytest.raises(InvalidSchedule, match="a schedule must be a string"):
            validate_cron(expression)

    def test_the_error_is_a_value_error(self):
        assert issubclass(InvalidSchedule, ValueError)


# ------------------------------------------------------------------------------ next_run
class TestNextRun:
    def test_every_minute_is_strictly_after(self):
        assert next_run("* * * * *", utc(2025, 1, 1, 10, 0, 30), "UTC") == utc(2025, 1, 1, 10, 1)
        assert next_run("* * * * *", utc(2025, 1, 1, 10, 0), "UTC") == utc(2025, 1, 1, 10, 1)
        assert next_run("* * * * *", utc(2025, 1, 1, 9, 59, 59, 999999), "UTC") == utc(
            2025, 1, 1, 10, 0
        )

    def test_every_quarter_hour(self):
        assert runs("*/15 * * * *", utc(2025, 12, 31, 23, 7), "UTC", 4) == [
            utc(2025, 12, 31, 23, 15),
            utc(2025, 12, 31, 23, 30),
            utc(2025, 12, 31, 23, 45),
            utc(2026, 1, 1, 0, 0),
        ]

    def test_stepped_range(self):
        assert runs("5-59/20 * * * *", utc(2025, 1, 1, 10), "UTC", 4) == [
            utc(2025, 1, 1, 10, 5),
            utc(2025, 1, 1, 10, 25),
            utc(2025, 1, 1, 10, 45),
            utc(2025, 1, 1, 11, 5),
        ]

    def test_weekday_mornings_skip_the_weekend(self):
        # Friday 10 January 2025, 09:00 in Paris (08:00 UTC).
        friday = local(PARIS, 2025, 1, 10, 9)
        assert next_run("0 9 * * 1-5", friday, PARIS) == utc(2025, 1, 13, 8)
        assert next_run("0 9 * * mon-fri", friday - MINUTE, PARIS) == utc(2025, 1, 10, 8)

    def test_first_of_the_month_crosses_month_and_year(self):
        assert next_run("0 0 1 * *", utc(2025, 1, 15), "UTC") == utc(2025, 2, 1)
        assert next_run("0 0 1 * *", utc(2025, 12, 1), "UTC") == utc(2026, 1, 1)
        # Midnight in Paris is 23:00 UTC the day before in winter, 22:00 in summer.
        assert runs("0 0 1 * *", utc(2025, 11, 15), PARIS, 2) == [
            utc(2025, 11, 30, 23),
            utc(2025, 12, 31, 23),
        ]
        assert next_run("0 0 1 * *", utc(2025, 6, 15), PARIS) == utc(2025, 6, 30, 22)

    def test_february_29_waits_for_a_leap_year(self):
        assert next_run("0 0 29 2 *", utc(2025, 3, 1), "UTC") == utc(2028, 2, 29)
        assert next_run("0 0 29 2 *", utc(2028, 2, 29), "UTC") == utc(2032, 2, 29)
        # 2100 is not a leap year.
        assert next_run("0 0 29 2 *", utc(2096, 3, 1), "UTC") == utc(2104, 2, 29)

    def test_a_date_decades_ahead_is_found(self):
        # 29 February on a Sunday: 2100 is not a leap year.
        assert next_run("0 0 29 2 */7", utc(2088, 3, 1), "UTC") == utc(2128, 2, 29)

    def test_day_of_month_or_day_of_week_when_both_are_restricted(self):
        # The 13th of each month, and every Friday.
        assert runs("0 0 13 * 5", utc(2025, 1, 1), "UTC", 7) == [
            utc(2025, 1, 3),
            utc(2025, 1, 10),
            utc(2025, 1, 13),
            utc(2025, 1, 17),
            utc(2025, 1, 24),
            utc(2025, 1, 31),
            utc(2025, 2, 7),
        ]

    def test_a_field_starting_with_a_star_restricts_together_with_the_other(self):
        # Odd days of the month that are Mondays (cronie's rule).
        assert runs("0 0 */2 * 1", utc(2025, 1, 1), "UTC", 3) == [
            utc(2025, 1, 13),
            utc(2025, 1, 27),
            utc(2025, 2, 3),
        ]
        # Fridays only: a day-of-month of * leaves the day to the day-of-week field.
        assert next_run("0 0 * * 5", utc(2025, 1, 1), "UTC") == utc(2025, 1, 3)

    def test_named_months_and_days_in_any_case(self):
        expected = [utc(2025, 2, 1, 12), utc(2025, 2, 8, 12)]
        assert runs("0 12 * feb sat", utc(2025, 1, 1), "UTC", 2) == expected
        assert runs("0 12 * FEB Sat", utc(2025, 1, 1), "UTC", 2) == expected
        assert runs("0 12 * 2 6", utc(2025, 1, 1), "UTC", 2) == expected
        assert next_run("0 0 1 jun-aug *", utc(2025, 9, 1), "UTC") == utc(2026, 6, 1)

    @pytest.mark.parametrize("sunday", ["0", "7", "sun", "SUN"])
    def test_sunday_is_0_or_7(self, sunday):
        assert runs(f"0 8 * * {sunday}", utc(2025, 1, 1), "UTC", 2) == [
            utc(2025, 1, 5, 8),
            utc(2025, 1, 12, 8),
        ]

    def test_a_range_ending_at_7_reaches_sunday(self):
        assert runs("0 0 * * fri-7", utc(2025, 1, 1), "UTC", 4) == [
            utc(2025, 1, 3),
            utc(2025, 1, 4),
            utc(2025, 1, 5),
            utc(2025, 1, 10),
        ]
        assert len(runs("0 0 * * 0-7", utc(2025, 1, 1), "UTC", 7)) == 7
        assert runs("0 0 * * 0-7", utc(2025, 1, 1), "UTC", 7)[-1] == utc(2025, 1, 8)

    def test_aliases(self):
        assert next_run("@weekly", utc(2025, 1, 1), "UTC") == utc(2025, 1, 5)
        assert next_run("@hourly", utc(2025, 1, 1, 10, 1), "UTC") == utc(2025, 1, 1, 11)

    def test_new_york_is_behind_utc(self):
        assert next_run("0 9 * * *", utc(2025, 1, 15), "America/New_York") == utc(2025, 1, 15, 14)
        assert next_run("0 9 * * *", utc(2025, 7, 15), "America/New_York") == utc(2025, 7, 15, 13)
        # 21:00 on Tuesday in New York is 02:00 on Wednesday in UTC.
        assert next_run("0 21 * * 2", utc(2025, 1, 2), "America/New_York") == utc(2025, 1, 8, 2)

    def test_kolkata_is_ahead_of_utc_by_five_and_a_half_hours(self):
        kolkata = "Asia/Kolkata"
        assert next_run("0 9 * * *", utc(2025, 1, 15), kolkata) == utc(2025, 1, 15, 3, 30)
        assert next_run("0 9 * * *", utc(2025, 1, 15, 3, 30), kolkata) == utc(2025, 1, 16, 3, 30)
        # 00:30 on 1 January in Kolkata is 19:00 UTC on 31 December.
        assert next_run("30 0 1 1 *", utc(2025, 6, 1), kolkata) == utc(2025, 12, 31, 19)
        assert next_run("*/15 * * * *", utc(2025, 1, 1, 0, 1), kolkata) == utc(2025, 1, 1, 0, 15)

    def test_after_may_be_in_any_time_zone_and_the_result_is_utc(self):
        after = local("Asia/Tokyo", 2025, 1, 1, 9)  # 00:00 UTC
        result = next_run("0 * * * *", after, PARIS)
        assert result == utc(2025, 1, 1, 1)
        assert result.tzinfo is UTC

    @pytest.mark.parametrize(
        ("expression", "tz"),
        [
            ("* * * * *", PARIS),
            ("*/7 * * * *", "Asia/Kolkata"),
            ("30 2 * * *", PARIS),
            ("0 9 * * 1-5", "America/New_York"),
            ("0 0 13 * 5", "Australia/Lord_Howe"),
        ],
    )
    @pytest.mark.parametrize(
        "after",
        [
            utc(2025, 3, 30, 0, 59, 59, 999999),
            utc(2025, 3, 30, 1, 0),
            utc(2025, 10, 26, 0, 30, 15),
            utc(2025, 10, 26, 1, 30, 15),
            utc(2025, 12, 31, 23, 59, 59),
        ],
    )
    def test_results_are_utc_whole_minutes_strictly_after(self, expression, tz, after):
        result = next_run(expression, after, tz)
        assert result.tzinfo is UTC
        assert result.second == result.microsecond == 0
        assert result > after

    def test_naive_after_is_refused(self):
        with pytest.raises(ValueError, match="after must be an aware datetime"):
            next_run("* * * * *", datetime(2025, 1, 1), "UTC")

    @pytest.mark.parametrize("tz", ["Mars/Olympus_Mons", "", "../etc/passwd", None])
    def test_unknown_time_zone_is_refused(self, tz):
        with pytest.raises(InvalidSchedule, match="time zone"):
            next_run("* * * * *", utc(2025, 1, 1), tz)

    def test_invalid_expression_is_refused(self):
        with pytest.raises(InvalidSchedule, match="minute field: 61 is out of range 0-59"):
            next_run("61 * * * *", utc(2025, 1, 1), "UTC")

    def test_an_expression_that_never_fires_is_refused(self):
        with pytest.raises(InvalidSchedule, match="does not fire within 50 years"):
            next_run("0 0 31 2 *", utc(2025, 1, 1), "UTC")


# ---------------------------------------------------------------- daylight saving changes
class TestDaylightSaving:
    """Paris moves from 02:00 to 03:00 on 30 March 2025 (01:00 UTC) and from 03:00 back to
    02:00 on 26 October 2025 (01:00 UTC)."""

    def test_a_skipped_time_fires_once_right_after_the_change(self):
        found = runs("30 2 * * *", utc(2025, 3, 28, 12), PARIS, 4)
        assert found == [
            utc(2025, 3, 29, 1, 30),  # 02:30 CET
            utc(2025, 3, 30, 1, 0),  # 02:30 does not exist: 03:00 CEST
            utc(2025, 3, 31, 0, 30),  # 02:30 CEST
            utc(2025, 4, 1, 0, 30),
        ]
        assert wall(found[1], PARIS) == datetime(2025, 3, 30, 3, 0)

    def test_skipped_times_and_the_first_time_after_fire_once_together(self):
        found = runs("*/15 * * * *", utc(2025, 3, 30, 0, 30), PARIS, 4)
        assert found == [
            utc(2025, 3, 30, 0, 45),  # 01:45 CET
            utc(2025, 3, 30, 1, 0),  # 02:00 to 03:00 local, all at once
            utc(2025, 3, 30, 1, 15),  # 03:15 CEST
            utc(2025, 3, 30, 1, 30),
        ]

    def test_a_repeated_time_fires_once_at_its_first_occurrence(self):
        found = runs("30 2 * * *", utc(2025, 10, 24, 12), PARIS, 3)
        assert found == [
            utc(2025, 10, 25, 0, 30),  # 02:30 CEST
            utc(2025, 10, 26, 0, 30),  # 02:30 CEST, the first of the two
            utc(2025, 10, 27, 1, 30),  # 02:30 CET
        ]

    def test_nothing_fires_in_the_second_pass_of_a_repeated_hour(self):
        second_pass = local(PARIS, 2025, 10, 26, 2, 15, fold=1)
        assert second_pass.astimezone(UTC) == utc(2025, 10, 26, 1, 15)
        assert next_run("30 2 * * *", second_pass, PARIS) == utc(2025, 10, 27, 1, 30)
        assert next_run("* * * * *", second_pass, PARIS) == utc(2025, 10, 26, 2, 0)  # 03:00
        assert runs("*/15 * * * *", utc(2025, 10, 26, 0, 30), PARIS, 3) == [
            utc(2025, 10, 26, 0, 45),  # 02:45 CEST
            utc(2025, 10, 26, 2, 0),  # 03:00 CET
            utc(2025, 10, 26, 2, 15),
        ]

    def test_new_york_spring_forward(self):
        # 02:00 EST becomes 03:00 EDT on 9 March 2025 at 07:00 UTC.
        assert next_run("30 2 * * *", utc(2025, 3, 8, 12), "America/New_York") == utc(2025, 3, 9, 7)

    def test_a_half_hour_change(self):
        # Lord Howe Island moves from 02:00 to 02:30 on 5 October 2025.
        result = next_run("15 2 * * *", utc(2025, 10, 4), "Australia/Lord_Howe")
        assert result == utc(2025, 10, 4, 15, 30)
        assert wall(result, "Australia/Lord_Howe") == datetime(2025, 10, 5, 2, 30)

    def test_a_skipped_day(self):
        # Samoa skipped 30 December 2011: 23:59 on the 29th was followed by 00:00 on the 31st.
        found = runs("0 12 * * *", utc(2011, 12, 29, 12), "Pacific/Apia", 3)
        assert [wall(instant, "Pacific/Apia") for instant in found] == [
            datetime(2011, 12, 29, 12),
            datetime(2011, 12, 31, 0),
            datetime(2011, 12, 31, 12),
        ]

    @pytest.mark.parametrize(("year", "count"), [(2025, 8760), (2024, 8784)])
    def test_hourly_over_a_year_in_utc(self, year, count):
        found = runs_between("0 * * * *", "UTC", utc(year, 1, 1), utc(year + 1, 1, 1))
        assert len(found) == count
        assert all(later - earlier == HOUR for earlier, later in itertools.pairwise(found))

    @pytest.mark.parametrize(
        ("year", "spring", "autumn"),
        [(2025, (3, 30), (10, 26)), (2024, (3, 31), (10, 27))],
    )
    def test_hourly_over_a_year_in_paris(self, year, spring, autumn):
        """Every local hour that exists fires once: the skipped 02:00 coincides with 03:00, and
        the repeated 02:00 fires in its first pass only. A year of 8760 local hours (8784 in a
        leap year) gives one run fewer, and one two-hour gap in UTC."""
        start, end = local(PARIS, year, 1, 1), local(PARIS, year + 1, 1, 1)
        found = runs_between("0 * * * *", PARIS, start, end)
        hours_in_year = (datetime(year + 1, 1, 1) - datetime(year, 1, 1)) // HOUR
        assert len(found) == hours_in_year - 1 == len(set(found))

        gaps = [later - earlier for earlier, later in itertools.pairwise(found)]
        assert gaps.count(HOUR) == len(gaps) - 1
        two_hours = gaps.index(2 * HOUR)
        assert found[two_hours] == utc(year, *autumn, 0)  # 02:00 CEST
        assert found[two_hours + 1] == utc(year, *autumn, 2)  # 03:00 CET

        every_local_hour = {datetime(year, 1, 1) + HOUR * n for n in range(hours_in_year)}
        skipped = datetime(year, *spring, 2)
        assert {wall(instant, PARIS) for instant in found} == every_local_hour - {skipped}


# ----------------------------------------------- next_run against a minute-by-minute scan
TIME_ZONES = [
    "UTC",
    PARIS,
    "America/New_York",
    "Asia/Kolkata",
    "Australia/Lord_Howe",
    "Australia/Sydney",
    "Pacific/Chatham",
]
SCAN_MINUTES = 2 * 24 * 60


@functools.cache
def transitions(tz: str) -> tuple[datetime, ...]:
    """Instants in 2025, to the quarter hour, just before the UTC offset of ``tz`` changes."""
    zone, found = ZoneInfo(tz), []
    instant = utc(2025, 1, 1)
    while instant.year == 2025:
        step = instant + timedelta(minutes=15)
        if instant.astimezone(zone).utcoffset() != step.astimezone(zone).utcoffset():
            found.append(instant)
        instant = step
    return tuple(found) or (utc(2025, 6, 1),)


def scan(expression: str, after: datetime, tz: str) -> datetime | None:
    """The first run after ``after`` found minute by minute in UTC, with field values from
    Celery's parser, or None within SCAN_MINUTES."""
    minute, hour, day, month, weekday = expression.split()
    spec = crontab(minute, hour, weekday, day, month)
    either_day = not day.startswith("*") and not weekday.startswith("*")

    def matches(moment: datetime) -> bool:
        in_month = moment.day in spec.day_of_month
        in_week = moment.isoweekday() % 7 in spec.day_of_week
        return (
            ((in_month or in_week) if either_day else (in_month and in_week))
            and moment.month in spec.month_of_year
            and moment.hour in spec.hour
            and moment.minute in spec.minute
        )

    zone = ZoneInfo(tz)
    instant = after.replace(second=0, microsecond=0) + MINUTE
    for _ in range(SCAN_MINUTES):
        current = instant.astimezone(zone)
        previous = wall(instant - MINUTE, tz)
        if current.fold == 0 and matches(current):
            return instant
        skipped = (current.replace(tzinfo=None) - previous) // MINUTE - 1
        if any(matches(previous + MINUTE * n) for n in range(1, skipped + 1)):
            return instant
        instant += MINUTE
    return None


@st.composite
def cases(draw):
    fields = [
        ["*", "0", "30", "59", "*/15", "5-59/20", "0,45"],
        ["*", "0", "2", "1-3", "*/6", "22-23", "2,14"],
        ["*", "1", "13", "*/2", "28-31", "15,20"],
        ["*", "mar", "oct,nov", "*/3", "4-9", "dec"],
        ["*", "0", "sun", "mon-fri", "*/2", "5", "sat"],
    ]
    # Stars half of the time on the date fields, so that runs fall on the days of a change.
    expression = " ".join(
        draw(st.sampled_from(choices) if index < 2 else st.just("*") | st.sampled_from(choices))
        for index, choices in enumerate(fields)
    )
    tz = draw(st.sampled_from(TIME_ZONES))
    near = draw(st.sampled_from(transitions(tz)))
    after = near + timedelta(seconds=draw(st.integers(-2 * 86400, 86400)))
    return expression, after, tz


@settings(max_examples=300, deadline=None, derandomize=True)
@given(cases())
def test_next_run_agrees_with_a_minute_by_minute_scan(case):
    expression, after, tz = case
    expected = scan(expression, after, tz)
    result = next_run(expression, after, tz)
    if expected is None:
        assert result > after.replace(second=0, microsecond=0) + SCAN_MINUTES * MINUTE
    else:
        assert result == expected


# -------------------------------------------------------------------------- parse_offset
class TestParseOffset:
    @pytest.mark.parametrize(
        ("value", "offset"),
        [
            ("-3d", timedelta(days=-3)),
            ("+30d", timedelta(days=30)),
            ("30d", timedelta(days=30)),
            ("2h", timedelta(hours=2)),
            ("-90m", timedelta(minutes=-90)),
            ("1w", timedelta(weeks=1)),
            ("0d", timedelta(0)),
            ("-0m", timedelta(0)),
            (" 3d ", timedelta(days=3)),
            ("3650d", timedelta(days=3650)),
            ("-3650d", timedelta(days=-3650)),
            ("87600h", timedelta(days=3650)),
            ("521w", timedelta(weeks=521)),
            ("P3D", timedelta(days=3)),
            ("-P3D", timedelta(days=-3)),
            ("+P3D", timedelta(days=3)),
            ("PT2H", timedelta(hours=2)),
            ("PT90M", timedelta(minutes=90)),
            ("P1W", timedelta(weeks=1)),
            ("P1DT2H30M", timedelta(days=1, hours=2, minutes=30)),
            ("-PT45M", timedelta(minutes=-45)),
            ("p3d", timedelta(days=3)),
            ("P3650D", timedelta(days=3650)),
        ],
    )
    def test_accepts(self, value, offset):
        assert parse_offset(value) == offset

    @pytest.mark.parametrize(
        ("value", "message"),
        [
            ("", "the offset is empty"),
            ("   ", "the offset is empty"),
            ("3", "'3' has no unit"),
            ("3y", "unknown unit 'y' in '3y': use m (minutes), h (hours), d (days) or w (weeks)"),
            ("3D", "unknown unit 'D'"),
            ("3days", "unknown unit 'days'"),
            ("3s", "unknown unit 's'"),
            ("d", "'d' is not an offset"),
            ("3 d", "'3 d' is not an offset"),
            ("1.5d", "'1.5d' is not an offset"),
            ("--3d", "'--3d' is not an offset"),
            ("3d2h", "'3d2h' is not an offset"),
            ("\u0663d", "is not an offset"),
            ("3651d", "an offset is at most 3650 days either way"),
            ("-3651d", "an offset is at most 3650 days either way"),
            ("522w", "an offset is at most 3650 days either way"),
            ("87601h", "an offset is at most 3650 days either way"),
            ("9" * 39 + "w", "an offset is at most 3650 days either way"),
            ("9" * 40 + "w", "an offset is at most 40 characters long"),
            ("P3651D", "an offset is at most 3650 days either way"),
            ("P1Y", "'P1Y' is not a supported ISO-8601 duration: years and months vary"),
            ("P1M", "years and months vary in length; use days or weeks, as in 'P30D'"),
            ("-P1Y2M3D", "years and months vary in length"),
            ("PT30S", "seconds are not supported; the smallest unit is a minute"),
            ("P1.5D", "amounts must be whole numbers"),
            ("PT1,5H", "amounts must be whole numbers"),
            ("P", "'P' is not a supported ISO-8601 duration"),
            ("PT", "'PT' is not a supported ISO-8601 duration"),
            ("P1DT", "'P1DT' is not a supported ISO-8601 duration"),
            ("P1H", "'P1H' is not a supported ISO-8601 duration"),
            ("P3D1W", "'P3D1W' is not a supported ISO-8601 duration"),
        ],
    )
    def test_refuses_with_a_message(self, value, message):
        with pytest.raises(InvalidSchedule, match=re.escape(message)):
            parse_offset(value)

    @pytest.mark.parametrize("value", [None, 3, timedelta(days=3)])
    def test_refuses_what_is_not_a_string(self, value):
        with pytest.raises(InvalidSchedule, match="an offset must be a string"):
            parse_offset(value)


# -------------------------------------------------------------------------------- window
class TestWindow:
    def test_three_days_before_a_start(self):
        since, until = utc(2025, 1, 1, 9), utc(2025, 1, 1, 10)
        assert window(parse_offset("-3d"), since, until) == (
            utc(2025, 1, 4, 9),
            utc(2025, 1, 4, 10),
        )

    def test_thirty_days_after_creation(self):
        since, until = utc(2025, 3, 1), utc(2025, 3, 2)
        assert window(parse_offset("+30d"), since, until) == (utc(2025, 1, 30), utc(2025, 1, 31))

    @pytest.mark.parametrize("offset", ["-3d", "+30d", "2h", "0m"])
    def test_a_value_is_in_the_window_when_its_moment_is_in_the_range(self, offset):
        delta = parse_offset(offset)
        since, until = utc(2025, 6, 1, 12), utc(2025, 6, 1, 13)
        start, end = window(delta, since, until)
        for minutes in range(-60 * 24 * 40, 60 * 24 * 40, 7):
            value = utc(2025, 6, 1, 12, 30) + timedelta(minutes=minutes)
            assert (start < value <= end) == (since < value + delta <= until)
        assert not start < start <= end
        assert start < end <= end

    def test_consecutive_ranges_select_each_value_once(self):
        delta = parse_offset("-3d")
        first = window(delta, utc(2025, 1, 1, 9), utc(2025, 1, 1, 10))
        second = window(delta, utc(2025, 1, 1, 10), utc(2025, 1, 1, 11))
        assert first[1] == second[0]
