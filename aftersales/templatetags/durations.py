"""Durations on the centre's and the technician's pages: how late a job is, how long a callback has waited.

`{{ order.appointment_end|days_hours:now }}` reads "3 天 4 小时", "5 小时" or "20 分钟": days and hours,
never Django's timesince's months and weeks ("2 月，3 周"), which hide whether a job is a day or three late.
"""

import datetime as dt

from django import template
from django.utils import timezone
from django.utils.translation import ngettext

register = template.Library()


@register.filter
def days_hours(value, other=None) -> str:
    """The time between `value` and `other` (now when not given), either way round, in days and hours; under
    an hour in minutes. A timedelta is taken as it is. Anything else gives "" (as timesince does)."""
    if isinstance(value, dt.timedelta):
        span = value
    elif isinstance(value, dt.datetime):
        other = other if isinstance(other, dt.datetime) else timezone.now()
        if timezone.is_aware(value) != timezone.is_aware(other):
            return ""
        span = other - value
    else:
        return ""
    seconds = abs(int(span.total_seconds()))
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    if days:
        text = ngettext("%(days)d day", "%(days)d days", days) % {"days": days}
        if hours:
            text += " " + ngettext("%(hours)d hour", "%(hours)d hours", hours) % {"hours": hours}
        return text
    if hours:
        return ngettext("%(hours)d hour", "%(hours)d hours", hours) % {"hours": hours}
    minutes = rest // 60
    return ngettext("%(minutes)d minute", "%(minutes)d minutes", minutes) % {"minutes": minutes}
