"""Each technician's time of a month split by the four service types of the maker's service standard: A paid,
B contract, C free (in warranty), D administrative work.

The measure is the one a technician records for each job: the labour minutes of the work order's closing
record (完工, entered on the tablet or in the office when the order is completed), counted in the month the
order was completed (China's calendar), under the service type of the order's call. Arrival to completion
is not used: it takes in waiting for parts and nights in the workshop. Orders without a closing record
(cancelled, guided by phone, still open) count no time. D is the month's administrative time entries (not
cancelled) by the date worked, together with the labour of any order whose call was itself typed D.

Two queries for any number of technicians: one over the closings, one over the entries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Sum

from aftersales.months import month_bounds
from network.models import AdminTimeEntry, Technician
from repairs.models import WorkOrderClosing

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


def time_splits(*, technicians, month: dt.date) -> list[TimeSplit]:
    """The split of `month` for each of `technicians` (a list, kept in its order)."""

    technicians = list(technicians)
    splits = {t.pk: TimeSplit(technician=t) for t in technicians}
    if not splits:
        return []
    start, end = month_bounds(month.replace(day=1))
    labour = (
        WorkOrderClosing.objects.filter(
            work_order__technician_id__in=list(splits), closed_at__gte=start, closed_at__lt=end
        )
        # The same rows, found from the technicians' side: an order is completed once, with its closing
        # record, at the same instant (repairs.closing), so its completed_at is in the month too. The index on
        # (technician, completed_at) reads these technicians' month, not every closing of the network's.
        .filter(work_order__completed_at__gte=start, work_order__completed_at__lt=end)
        .order_by()
        .values("work_order__technician_id", "work_order__call__service_type")
        .annotate(minutes=Sum("labour_minutes"), orders=Count("pk"))
        .values_list("work_order__technician_id", "work_order__call__service_type", "minutes", "orders")
    )
    for technician_id, service_type, minutes, orders in labour:
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
