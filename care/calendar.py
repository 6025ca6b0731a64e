"""Working time: a centre's service hours with breaks, its working days and China's public holidays.

Pure functions over a `WorkingHours` value — no database, no clock — so every deadline case is testable.
A day is a working day when its weekday is one of `weekdays` and, with `statutory=True`, it is not a public
holiday; an adjusted working day (调休, a Saturday or Sunday worked in exchange) is a working day then too.
Both come from the `chinese-calendar` package's published years (warranty.calendar); a year not published
yet falls back to the weekdays alone. With `statutory=False` (an air-conditioner line that works through
holidays, as the air-conditioner maker's service policy allows) holidays change nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from zoneinfo import ZoneInfo

from chinese_calendar import constants

from warranty.calendar import rest_days

CHINA = ZoneInfo("Asia/Shanghai")
_MAX_DAYS = 3 * 366  # a deadline further than three years of working days away is a configuration error


@lru_cache(maxsize=1)
def _published() -> tuple[dt.date, dt.date, frozenset[dt.date]]:
    first = min(constants.holidays).replace(month=1, day=1)
    last = max(constants.holidays).replace(month=12, day=31)
    return first, last, frozenset(constants.workdays)


@dataclass(frozen=True)
class WorkingHours:
    """When a centre works: the daily hours, the breaks inside them, the weekdays (0 = Monday)."""

    opens: dt.time = dt.time(9, 0)
    closes: dt.time = dt.time(18, 0)
    breaks: tuple[tuple[dt.time, dt.time], ...] = ()
    weekdays: frozenset[int] = field(default_factory=lambda: frozenset(range(5)))
    statutory: bool = True
    closed_dates: frozenset[dt.date] = frozenset()

    def __post_init__(self):
        if self.closes <= self.opens:
            raise ValueError("the working day must end after it begins")
        for start, end in self.breaks:
            if not (self.opens <= start < end <= self.closes):
                raise ValueError("a break lies inside the working day and ends after it begins")

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.closed_dates:
            return False
        if self.statutory:
            first, last, adjusted = _published()
            if first <= day <= last:
                if day in adjusted:  # 调休: a weekend day worked in exchange for a holiday
                    return True
                if day in rest_days():
                    return False
        return day.weekday() in self.weekdays

    def intervals(self, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
        """The working intervals of one day, as aware datetimes in China's time."""
        if not self.is_working_day(day):
            return []
        points = [self.opens]
        for start, end in sorted(self.breaks):
            points += [start, end]
        points.append(self.closes)
        return [
            (
                dt.datetime.combine(day, points[i], tzinfo=CHINA),
                dt.datetime.combine(day, points[i + 1], tzinfo=CHINA),
            )
            for i in range(0, len(points), 2)
            if points[i] < points[i + 1]
        ]


ALWAYS = None  # a stage counted in calendar time (the hotline's 24 hours a day)


def add_working_time(start: dt.datetime, seconds: int, hours: WorkingHours | None) -> dt.datetime:
    """The instant at which `seconds` of working time have passed since `start`. With hours=None the time
    is calendar time. Time before opening, in a break, after closing or on a day off does not count; a
    deadline that falls exactly at the end of an interval stays there (not moved to the next morning)."""
    if seconds < 0:
        raise ValueError("a deadline lies after its start")
    if hours is None:
        return start + dt.timedelta(seconds=seconds)
    local = start.astimezone(CHINA)
    left = dt.timedelta(seconds=seconds)
    day = local.date()
    for _ in range(_MAX_DAYS):
        for begin, end in hours.intervals(day):
            if end <= local:
                continue
            begin = max(begin, local)
            if left <= end - begin:
                return (begin + left).astimezone(dt.UTC)
            left -= end - begin
        day += dt.timedelta(days=1)
    raise ValueError("no working time within three years: check the working calendar")


def subtract_working_time(end: dt.datetime, seconds: int, hours: WorkingHours | None) -> dt.datetime:
    """The instant `seconds` of working time before `end` (a warning before a deadline): time outside the
    working intervals does not count, so a deadline at 9:00 on Monday warns on Friday afternoon."""
    if seconds < 0:
        raise ValueError("subtract a positive time")
    if hours is None:
        return end - dt.timedelta(seconds=seconds)
    local = end.astimezone(CHINA)
    left = dt.timedelta(seconds=seconds)
    day = local.date()
    for _ in range(_MAX_DAYS):
        for begin, finish in reversed(hours.intervals(day)):
            if begin >= local:
                continue
            finish = min(finish, local)
            if left <= finish - begin:
                return (finish - left).astimezone(dt.UTC)
            left -= finish - begin
        day -= dt.timedelta(days=1)
    raise ValueError("no working time within three years: check the working calendar")


def working_seconds_between(start: dt.datetime, end: dt.datetime, hours: WorkingHours | None) -> int:
    """Working time (seconds) from `start` to `end`; negative when end comes first."""
    if end < start:
        return -working_seconds_between(end, start, hours)
    if hours is None:
        return int((end - start).total_seconds())
    total = dt.timedelta(0)
    day, last = start.astimezone(CHINA).date(), end.astimezone(CHINA).date()
    while day <= last:
        for begin, finish in hours.intervals(day):
            lo, hi = max(begin, start), min(finish, end)
            if hi > lo:
                total += hi - lo
        day += dt.timedelta(days=1)
    return int(total.total_seconds())
