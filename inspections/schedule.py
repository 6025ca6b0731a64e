"""When the visits of an inspection plan are due: pure functions over dates, no ORM.

The service promise: the visits of a plan are spread evenly over each year from its first visit, and never more
than six months apart (a plan of one visit a year is visited twice). Months are counted as the Civil Code counts
them (art. 201–203): a period of months ends on the corresponding day of the last month, or on that month's
last day when it has none — always from the first visit, so 31 January, 28 February, 31 March… never drift."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from warranty.rules import add_months

from .choices import MIN_PER_YEAR


def visits_per_year(per_year: int) -> int:
    """The visits actually planned: at least one every half year."""
    return max(int(per_year), MIN_PER_YEAR)


def due_date(first_on: dt.date, per_year: int, index: int) -> dt.date:
    """The due day of visit number `index` (0 is the first visit)."""
    n = visits_per_year(per_year)
    year, slot = divmod(index, n)
    if 12 % n == 0:
        return add_months(first_on, year * 12 + slot * (12 // n))
    # Not a whole number of months apart (5, 7, 24 a year…): evenly by days within each plan year.
    start = add_months(first_on, year * 12)
    end = add_months(first_on, (year + 1) * 12)
    return start + dt.timedelta(days=((end - start).days * slot) // n)


def due_dates(
    first_on: dt.date, per_year: int, *, since: dt.date, until: dt.date, ends_on: dt.date | None = None
) -> Iterator[dt.date]:
    """The plan's due days from `since` to `until` (both included), none after `ends_on`."""
    n = visits_per_year(per_year)
    last = min(until, ends_on) if ends_on else until
    if last < first_on or last < since:
        return
    # Start a little before `since` (a month has 28 to 31 days) and walk forward.
    months = (since.year - first_on.year) * 12 + since.month - first_on.month
    index = max((months * n) // 12 - 1, 0)
    while True:
        day = due_date(first_on, n, index)
        if day > last:
            return
        if day >= since:
            yield day
        index += 1
