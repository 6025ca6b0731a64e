"""The rest-day calendar the system keeps (Civil Code art. 203): weekends and statutory holidays, with the
State Council's adjusted working days (调休), as published in the `chinese-calendar` package.

Only years the package covers are known; a year whose schedule is not published yet shifts nothing.
"""

import datetime as dt
from functools import lru_cache

import chinese_calendar
from chinese_calendar import constants


@lru_cache(maxsize=1)
def rest_days() -> frozenset[dt.date]:
    first = min(constants.holidays).replace(month=1, day=1)
    last = max(constants.holidays).replace(month=12, day=31)
    days, day = set(), first
    while day <= last:
        if chinese_calendar.is_holiday(day):
            days.add(day)
        day += dt.timedelta(days=1)
    return frozenset(days)
