"""Each technician's time of a month split by the four service types of the maker's service standard: A paid,
B contract, C free (in warranty), D administrative work.

The measure is the one a technician records for each job: the labour minutes of the work order's closing
record (完工, entered on the tablet or in the office when the order is completed), counted in the month the
order was completed (China's calendar), under the service type of the order's call. Arrival to completion
is not used: it takes in waiting for parts and nights in the workshop. Orders without a closing record
(cancelled, guided by phone, still open) count no time. D is the month's administrative time entries (not
cancelled) by the date worked, together with the labour of any order whose call was itself typed D.

The days before today are counted once, at night, into TechnicianDayTime (`time_rollup`, by the beat job
`repairs.tasks.technician_time_rollup`, which counts every day of the month again each night so that a
closing synced late from a tablet or corrected is taken in by the next morning); a month's split is those
rows for the days counted, from the month's first day on, plus the closings of the rest of the month (today,
or every day when the job has not run). Four queries for any number of technicians and any month: the days
counted, their rows, the closings of the days not counted, the entries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Count, Sum
from django.utils import timezone

from aftersales.months import month_bounds
from network.models import AdminTimeEntry, Technician
from repairs.models import TechnicianDayTime, TechnicianTimeDay, WorkOrderClosing

ROLLUP_LOCK = 7_420_001  # pg_advisory_xact_lock: one count of a day at a time

SERVICE_TYPES = ("A", "B", "C", "D")


def hours_minutes(minutes: int) -> str:
    """600 → "10:00", 75 → "1:15": hours and minutes, as the pages and the CSV show time."""
    hours, rest = divmod(int(minutes), 60)
    return f"{hours}:{rest:02d}"


@dataclass
class TimeSplit:
    technician: Technician
    minutes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SERVICE_TYPES, 0))
    orders: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SERVICE_TYPES, 0))
    entries: int = 0

    @property
    def total(self) -> int:
        return sum(self.minutes.values())

    def share(self, service_type: str) -> int:
        """The type's whole percentage of the technician's time (0 when there is none)."""
        return round(100 * self.minutes[service_type] / self.total) if self.total else 0

    @property
    def columns(self) -> list[dict]:
        """One cell per service type, A to D, for the templates."""
        return [
            {
                "type": t,
                "minutes": self.minutes[t],
                "hours": hours_minutes(self.minutes[t]),
                "share": self.share(t),
                "orders": self.orders[t],
            }
            for t in SERVICE_TYPES
        ]

    @property
    def total_hours(self) -> str:
        return hours_minutes(self.total)


def month_range(month: dt.date) -> tuple[dt.date, dt.date]:
    """The first day of the month and of the next one."""
    first = month.replace(day=1)
    return first, (first + dt.timedelta(days=32)).replace(day=1)


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _labour(technician_ids, *, month: dt.date, completed_from: dt.datetime, completed_to: dt.datetime):
    """(technician, service type, minutes, orders) of the closings of orders completed in [from, to) and
    closed in `month`. The index on (technician, completed_at) reads these technicians' days, not every
    closing of the network's."""
    start, end = month_bounds(month.replace(day=1))
    return (
        WorkOrderClosing.objects.filter(closed_at__gte=start, closed_at__lt=end)
        # The same rows, found from the technicians' side: an order is completed once, with its closing
        # record, at the same instant (repairs.closing), so its completed_at is in the month too.
        .filter(
            work_order__completed_at__gte=max(start, completed_from),
            work_order__completed_at__lt=min(end, completed_to),
        )
        .filter(**({"work_order__technician_id__in": technician_ids} if technician_ids is not None else {}))
        .filter(work_order__technician__isnull=False)
        .order_by()
        .values("work_order__technician_id", "work_order__call__service_type")
        .annotate(minutes=Sum("labour_minutes"), orders=Count("pk"))
        .values_list("work_order__technician_id", "work_order__call__service_type", "minutes", "orders")
    )


def time_rollup(day: dt.date) -> int:
    """Counts `day`'s labour of every technician into TechnicianDayTime (again if it was counted: the day's
    rows are replaced) and marks the day counted. Only a day before today (a day still running is counted
    on the request). The rows written."""
    if day >= timezone.localdate():
        raise ValueError(f"{day} has not ended")
    rows = [
        TechnicianDayTime(
            technician_id=technician_id, day=day, service_type=service_type, minutes=minutes, orders=orders
        )
        for technician_id, service_type, minutes, orders in _labour(
            None,
            month=day,
            completed_from=_day_start(day),
            completed_to=_day_start(day + dt.timedelta(days=1)),
        )
    ]
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [ROLLUP_LOCK, day.toordinal()])
        TechnicianDayTime.objects.filter(day=day).delete()
        TechnicianDayTime.objects.bulk_create(rows)
        TechnicianTimeDay.objects.update_or_create(day=day, defaults={"counted_at": timezone.now()})
    return len(rows)


def time_rollup_recent(today: dt.date | None = None, since: dt.date | None = None) -> int:
    """The nightly count: every day of yesterday's month up to yesterday (the whole month again, so that a
    late or corrected closing is taken in), or every day from `since`. The days counted."""
    yesterday = (today or timezone.localdate()) - dt.timedelta(days=1)
    day = since or yesterday.replace(day=1)
    counted = 0
    while day <= yesterday:
        time_rollup(day)
        day += dt.timedelta(days=1)
        counted += 1
    return counted


def time_splits(*, technicians, month: dt.date) -> list[TimeSplit]:
    """The split of `month` for each of `technicians` (a list, kept in its order)."""

    technicians = list(technicians)
    splits = {t.pk: TimeSplit(technician=t) for t in technicians}
    if not splits:
        return []
    first, after = month_range(month)
    # The days counted at night, without a gap from the month's first day: their kept rows; the rest of
    # the month from the closings.
    counted = set(
        TechnicianTimeDay.objects.filter(
            day__gte=first, day__lt=min(after, timezone.localdate())
        ).values_list("day", flat=True)
    )
    live_from = first
    while live_from in counted:
        live_from += dt.timedelta(days=1)
    kept = (
        TechnicianDayTime.objects.filter(technician_id__in=list(splits), day__gte=first, day__lt=live_from)
        .order_by()
        .values("technician_id", "service_type")
        .annotate(total=Sum("minutes"), n=Sum("orders"))
        .values_list("technician_id", "service_type", "total", "n")
        if live_from > first
        else []
    )
    live = (
        _labour(
            list(splits), month=month, completed_from=_day_start(live_from), completed_to=_day_start(after)
        )
        if live_from < after
        else []
    )
    for rows in (kept, live):
        for technician_id, service_type, minutes, orders in rows:
            split = splits[technician_id]
            split.minutes[service_type] += minutes
            split.orders[service_type] += orders
    first, after = month_range(month)
    entries = (
        AdminTimeEntry.objects.active()
        .filter(technician_id__in=list(splits), work_date__gte=first, work_date__lt=after)
        .order_by()
        .values("technician_id")
        .annotate(total=Sum("minutes"), n=Count("pk"))
        .values_list("technician_id", "total", "n")
    )
    for technician_id, minutes, n in entries:
        splits[technician_id].minutes["D"] += minutes
        splits[technician_id].entries = n
    return [splits[t.pk] for t in technicians]


def totals(splits: list[TimeSplit]) -> TimeSplit:
    """The sum of several technicians' splits (a centre's, the report's), as a split without a technician."""
    total = TimeSplit(technician=None)
    for split in splits:
        for t in SERVICE_TYPES:
            total.minutes[t] += split.minutes[t]
            total.orders[t] += split.orders[t]
        total.entries += split.entries
    return total
