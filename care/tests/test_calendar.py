"""Working time as a deadline counts it: service hours with a lunch break, weekends, China's public
holidays and the adjusted working days (调休), and calendars that work through holidays."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from care.calendar import (
    CHINA,
    WorkingHours,
    add_working_time,
    subtract_working_time,
    working_seconds_between,
)

OFFICE = WorkingHours(opens=dt.time(9, 0), closes=dt.time(18, 0), breaks=((dt.time(12, 0), dt.time(13, 0)),))
SEVEN_DAYS = WorkingHours(
    opens=dt.time(8, 0), closes=dt.time(20, 0), weekdays=frozenset(range(7)), statutory=False
)


def at(*args):
    return dt.datetime(*args, tzinfo=CHINA)


def local(instant):
    return instant.astimezone(CHINA).replace(tzinfo=None)


def test_time_within_a_morning():
    assert local(add_working_time(at(2026, 11, 23, 9, 30), 90 * 60, OFFICE)) == dt.datetime(
        2026, 11, 23, 11, 0
    )


def test_the_lunch_break_does_not_count():
    assert local(add_working_time(at(2026, 11, 23, 11, 0), 2 * 3600, OFFICE)) == dt.datetime(
        2026, 11, 23, 14, 0
    )


def test_a_deadline_at_the_end_of_the_morning_stays_before_lunch():
    assert local(add_working_time(at(2026, 11, 23, 10, 0), 2 * 3600, OFFICE)) == dt.datetime(
        2026, 11, 23, 12, 0
    )


def test_after_closing_the_clock_starts_next_morning():
    assert local(add_working_time(at(2026, 11, 23, 19, 30), 30 * 60, OFFICE)) == dt.datetime(
        2026, 11, 24, 9, 30
    )


def test_friday_evening_runs_on_into_monday():
    # Friday 2026-11-27 17:00, four working hours: one on Friday, three on Monday morning.
    assert local(add_working_time(at(2026, 11, 27, 17, 0), 4 * 3600, OFFICE)) == dt.datetime(
        2026, 11, 30, 12, 0
    )


def test_the_national_day_holiday_is_skipped():
    # 2026-09-30 17:00: one hour that day, then 1–7 October are public holidays.
    assert local(add_working_time(at(2026, 9, 30, 17, 0), 4 * 3600, OFFICE)) == dt.datetime(
        2026, 10, 8, 12, 0
    )


def test_an_adjusted_working_saturday_counts():
    # Saturday 2026-10-10 is worked in exchange for the National Day holiday (调休).
    assert OFFICE.is_working_day(dt.date(2026, 10, 10))
    assert not OFFICE.is_working_day(dt.date(2026, 10, 17))
    assert local(add_working_time(at(2026, 10, 9, 17, 0), 2 * 3600, OFFICE)) == dt.datetime(
        2026, 10, 10, 10, 0
    )


def test_a_line_that_works_through_holidays_counts_them():
    assert local(add_working_time(at(2026, 10, 1, 19, 0), 2 * 3600, SEVEN_DAYS)) == dt.datetime(
        2026, 10, 2, 9, 0
    )


def test_a_closed_day_of_the_centre_is_skipped():
    closed = WorkingHours(closed_dates=frozenset({dt.date(2026, 11, 24)}))
    assert local(add_working_time(at(2026, 11, 23, 17, 0), 2 * 3600, closed)) == dt.datetime(
        2026, 11, 25, 10, 0
    )


def test_calendar_time_counts_every_hour():
    assert add_working_time(at(2026, 10, 1, 23, 0), 2 * 3600, None) == at(2026, 10, 2, 1, 0)


def test_working_seconds_between_skips_nights_breaks_and_weekends():
    assert working_seconds_between(at(2026, 11, 27, 17, 0), at(2026, 11, 30, 12, 0), OFFICE) == 4 * 3600
    assert working_seconds_between(at(2026, 11, 30, 12, 0), at(2026, 11, 27, 17, 0), OFFICE) == -4 * 3600


def test_a_break_outside_the_day_is_refused():
    with pytest.raises(ValueError):
        WorkingHours(breaks=((dt.time(19, 0), dt.time(20, 0)),))


@settings(max_examples=150, deadline=None)
@given(
    start=st.datetimes(min_value=dt.datetime(2025, 12, 1), max_value=dt.datetime(2026, 12, 31)),
    minutes=st.integers(min_value=0, max_value=5 * 8 * 60),
)
def test_adding_then_measuring_gives_the_time_back(start, minutes):
    """add_working_time and working_seconds_between are inverse: the time between a start and its
    deadline is the working time asked for, and a deadline lies in working time (or at an interval's end)."""
    begin = start.replace(tzinfo=CHINA)
    due = add_working_time(begin, minutes * 60, OFFICE)
    assert working_seconds_between(begin, due, OFFICE) == minutes * 60
    if minutes:
        day = due.astimezone(CHINA).date()
        assert any(lo < due <= hi for lo, hi in OFFICE.intervals(day))


def test_a_warning_before_a_monday_morning_deadline_comes_on_friday_afternoon():
    # Due Monday 2026-11-30 at 9:30: thirty working minutes before is 9:00 the same morning; an hour
    # before is Friday 17:30, not Sunday night.
    assert local(subtract_working_time(at(2026, 11, 30, 9, 30), 30 * 60, OFFICE)) == dt.datetime(
        2026, 11, 30, 9, 0
    )
    assert local(subtract_working_time(at(2026, 11, 30, 9, 30), 60 * 60, OFFICE)) == dt.datetime(
        2026, 11, 27, 17, 30
    )
    assert local(subtract_working_time(at(2026, 11, 23, 13, 15), 30 * 60, OFFICE)) == dt.datetime(
        2026, 11, 23, 11, 45
    )


@settings(max_examples=150, deadline=None)
@given(
    end=st.datetimes(min_value=dt.datetime(2025, 12, 1), max_value=dt.datetime(2026, 12, 31)),
    minutes=st.integers(min_value=0, max_value=3 * 8 * 60),
)
def test_subtracting_then_measuring_gives_the_time_back(end, minutes):
    finish = end.replace(tzinfo=CHINA)
    start = subtract_working_time(finish, minutes * 60, OFFICE)
    assert start <= finish
    assert working_seconds_between(start, finish, OFFICE) == minutes * 60
