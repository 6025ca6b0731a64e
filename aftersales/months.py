"""Calendar months in China's time, as the monthly settlement and the month's reports count them."""

import datetime as dt

from django.utils import timezone


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The first instant of the month and of the next one, in China's time."""
    start = month.replace(day=1)
    following = (start + dt.timedelta(days=32)).replace(day=1)
    return (
        timezone.make_aware(dt.datetime.combine(start, dt.time.min)),
        timezone.make_aware(dt.datetime.combine(following, dt.time.min)),
    )


def previous_month(now: dt.datetime) -> dt.date:
    """The first day of the month before the one `now` falls in (China's time)."""
    return (timezone.localdate(now).replace(day=1) - dt.timedelta(days=1)).replace(day=1)
