"""The daily inspection job: every visit of a running plan due within the next days (INSPECTIONS_DAYS_AHEAD,
default 14) becomes a repair call (customer's request: inspection; service type B or C as the plan says) with its
work order, dispatched by the normal dispatch rules — a centre whose agreement covers the district and the
category, active that day, with a certified technician, least open work first; the technician least loaded that
day — or left new for the dispatcher when no centre qualifies.

Set-based, for 100 k plans: the due visits are found from one read of the plans; each batch inserts its visits
with INSERT … ON CONFLICT DO NOTHING on the unique (plan, due day), so a visit exists once however often and
however concurrently the job runs, and only the rows it inserted get a call and an order, written with bulk
inserts and numbered from one counter update per batch. Each batch is one transaction under an advisory lock."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales import events
from aftersales.models import DailySequence
from repairs.choices import CallChannel, CallCustomerRequest, ServiceMode, WorkOrderStatus
from repairs.models import CustomerAddress, CustomerPhone, RepairCall, WorkOrder, WorkOrderEvent
from repairs.selectors import dispatch_suggestions
from repairs.services import CALL_PREFIX, WORK_ORDER_PREFIX
from warranty.choices import VisitMode

from ..models import Inspection, InspectionPlan
from ..schedule import due_dates
from .plans import policy_plans_sync

BATCH = 500
# A visit due a few days ago that no run created (the job did not run) is still made.
LOOKBACK_DAYS = 7
_LOCK_KEY = 0x1A5BEC7  # pg_advisory_xact_lock: one batch of the job at a time


def days_ahead() -> int:
    return int(settings.INSPECTIONS_DAYS_AHEAD)


@dataclass
class JobResult:
    created: int = 0
    already_planned: int = 0
    dispatched: int = 0
    skipped: int = 0  # units whose owner has no address or phone to make the call with

    def as_dict(self) -> dict:
        return {"created": self.created, "already_planned": self.already_planned}


def due_visits(*, today: dt.date, horizon: dt.date) -> list[tuple[int, dt.date]]:
    """(plan, due day) of every visit of a running plan due from LOOKBACK_DAYS ago to `horizon`: one query. A
    unit under a contract's plan is inspected under the contract only."""
    since = today - dt.timedelta(days=LOOKBACK_DAYS)
    contract_plan = InspectionPlan.objects.running().filter(unit=OuterRef("unit"), contract__isnull=False)
    rows = (
        InspectionPlan.objects.running()
        .filter(
            Q(ends_on__isnull=True) | Q(ends_on__gte=since), starts_on__lte=horizon, first_on__lte=horizon
        )
        .filter(Q(contract__isnull=False) | ~Exists(contract_plan))
        .values_list("pk", "first_on", "per_year", "starts_on", "ends_on")
    )
    visits = []
    for pk, first_on, per_year, starts_on, ends_on in rows.iterator(chunk_size=10000):
        for day in due_dates(first_on, per_year, since=max(since, starts_on), until=horizon, ends_on=ends_on):
            visits.append((pk, day))
    visits.sort()
    return visits


def inspections_plan(*, now: dt.datetime | None = None, ahead: int | None = None) -> JobResult:
    """Runs the job once (the Celery beat task and `manage.py plan_inspections`)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    horizon = today + dt.timedelta(days=days_ahead() if ahead is None else ahead)
    policy_plans_sync(now=now)
    result = JobResult()
    visits = due_visits(today=today, horizon=horizon)
    for start in range(0, len(visits), BATCH):
        _batch(visits[start : start + BATCH], now=now, today=today, result=result)
    return result


def _take_numbers(prefix: str, day: dt.date, count: int) -> list[str]:
    """`count` numbers of the day at once (aftersales.numbering's counter, one update for the batch)."""
    table = DailySequence._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table} (prefix, day, last) VALUES (%s, %s, %s)
            ON CONFLICT (prefix, day) DO UPDATE SET last = {table}.last + EXCLUDED.last
            RETURNING last
            """,
            [prefix, day, count],
        )
        (last,) = cursor.fetchone()
    return [f"{prefix}{day:%Y%m%d}-{value:05d}" for value in range(last - count + 1, last + 1)]


def _insert_visits(chunk: list[tuple[int, dt.date]], now: dt.datetime) -> list[tuple[int, int, dt.date]]:
    table, plans = Inspection._meta.db_table, InspectionPlan._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table} (plan_id, due_on, visit_mode, created_at, summary)
            SELECT v.plan_id, v.due_on, p.visit_mode, %s, ''
              FROM unnest(%s::bigint[], %s::date[]) AS v(plan_id, due_on)
              JOIN {plans} p ON p.id = v.plan_id
            ON CONFLICT (plan_id, due_on) DO NOTHING
            RETURNING id, plan_id, due_on
            """,
            [now, [p for p, _d in chunk], [d for _p, d in chunk]],
        )
        return cursor.fetchall()


def _batch(chunk, *, now: dt.datetime, today: dt.date, result: JobResult) -> None:
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
        inserted = _insert_visits(chunk, now)
        result.already_planned += len(chunk) - len(inserted)
        if not inserted:
            return
        plans = {
            p.pk: p
            for p in InspectionPlan.objects.filter(
                pk__in={plan_id for _i, plan_id, _d in inserted}
            ).select_related("unit__model__category", "unit__owner", "contract")
        }
        owners = {p.unit.owner_id for p in plans.values()}
        addresses, phones = {}, {}
        for address in (
            CustomerAddress.objects.filter(customer_id__in=owners)
            .select_related("region")
            .order_by("-is_primary", "pk")
        ):
            addresses.setdefault(address.customer_id, address)
        for phone in CustomerPhone.objects.filter(customer_id__in=owners).order_by("-is_primary", "pk"):
            phones.setdefault(phone.customer_id, phone.number)

        makeable, unmade = [], []
        for inspection_id, plan_id, due_on in inserted:
            plan = plans[plan_id]
            owner = plan.unit.owner_id
            (makeable if owner in addresses and owner in phones else unmade).append(
                (inspection_id, plan, due_on)
            )
        # No address or phone to visit or call: the visit stays planned without an order (the admin lists it).
        result.skipped += len(unmade)
        if not makeable:
            return
        call_numbers = _take_numbers(CALL_PREFIX, today, len(makeable))
        order_numbers = _take_numbers(WORK_ORDER_PREFIX, today, len(makeable))
        calls = []
        for (_inspection_id, plan, due_on), number in zip(makeable, call_numbers, strict=True):
            unit = plan.unit
            address = addresses[unit.owner_id]
            mode = VisitMode(plan.visit_mode).label
            calls.append(
                RepairCall(
                    number=number,
                    channel=CallChannel.HOTLINE,
                    caller_name=unit.owner.name[:50],
                    caller_phone=phones[unit.owner_id],
                    customer_id=unit.owner_id,
                    unit=unit,
                    service_region=address.region,
                    service_address=address.detail,
                    symptom_text=_("Periodic inspection (%(mode)s), due %(day)s")
                    % {"mode": mode, "day": due_on.isoformat()},
                    customer_request=CallCustomerRequest.INSPECTION,
                    service_type=plan.service_type,
                    suggested_service_type=plan.service_type,
                    logged_at=now,
                )
            )
        RepairCall.objects.bulk_create(calls)
        orders = [
            WorkOrder(
                number=number, call=call, status=WorkOrderStatus.NEW, status_changed_at=now, created_at=now
            )
            for call, number in zip(calls, order_numbers, strict=True)
        ]
        WorkOrder.objects.bulk_create(orders)
        visits = [
            Inspection(pk=inspection_id, plan=plan, due_on=due_on, work_order=order)
            for (inspection_id, plan, due_on), order in zip(makeable, orders, strict=True)
        ]
        _update_rows(Inspection, {"work_order_id": "bigint"}, [(v.pk, v.work_order.pk) for v in visits])
        trail = [
            WorkOrderEvent(
                work_order=order,
                from_status="",
                to_status=WorkOrderStatus.NEW,
                actor=None,
                at=now,
                note=_("Periodic inspection planned"),
            )
            for order in orders
        ]
        dispatched = _dispatch(visits, now=now, today=today)
        for order in dispatched:
            trail.append(
                WorkOrderEvent(
                    work_order=order,
                    from_status=WorkOrderStatus.NEW,
                    to_status=WorkOrderStatus.DISPATCHED,
                    actor=None,
                    at=now,
                    note=order.center.name + (f" · {order.technician.name}" if order.technician_id else ""),
                )
            )
        WorkOrderEvent.objects.bulk_create(trail)
        result.created += len(orders)
        result.dispatched += len(dispatched)
        # The SLA deadline of each (care), in one go; the orders' later changes publish WORK_ORDER_CHANGED.
        events.publish(
            events.INSPECTION_ORDERS_PLANNED, visits=[(v.work_order, v.due_on) for v in visits], now=now
        )


def _update_rows(model, columns: dict[str, str], rows: list[tuple]) -> None:
    """UPDATE … FROM unnest(arrays): one statement for a batch (Django's bulk_update builds a CASE per row)."""
    if not rows:
        return
    names = list(columns)
    arrays = [list(values) for values in zip(*rows, strict=True)]
    unnest = ", ".join(f"%s::{columns[name]}[]" for name in names)
    sets = ", ".join(f"{name} = v.{name}" for name in names)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {model._meta.db_table} AS t SET {sets} "
            f"FROM unnest(%s::bigint[], {unnest}) AS v(id, {', '.join(names)}) WHERE t.id = v.id",
            arrays,
        )


def _appointment(center, due_on: dt.date, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The centre's service hours on the due day (today at the earliest; from the next full hour when the
    day has begun)."""
    day = max(due_on, timezone.localdate(now))
    for _i in range(3):
        start = timezone.make_aware(dt.datetime.combine(day, center.opens_at))
        end = timezone.make_aware(dt.datetime.combine(day, center.closes_at))
        if start < now:
            start = timezone.localtime(now).replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)
        if start < end:
            return start, end
        day += dt.timedelta(days=1)
    return start, end


def _dispatch(visits: list[Inspection], *, now: dt.datetime, today: dt.date) -> list[WorkOrder]:
    """Dispatches the batch's orders by the normal rules (repairs.selectors.dispatch_suggestions, asked once per
    district, category and day), spreading them as the dispatcher's suggestion would: each to the centre with
    the least open work counting those given in this run, and its technician least loaded that day. A contract's
    responsible centre takes its units' visits when it qualifies."""
    groups: dict[tuple, list[Inspection]] = defaultdict(list)
    for visit in visits:
        call = visit.work_order.call
        day = max(visit.due_on, today)
        groups[(call.service_region_id, call.unit.model.category_id, day)].append(visit)
    dispatched = []
    for (_region, _category, day), members in groups.items():
        first = members[0].work_order.call
        suggestions = dispatch_suggestions(unit=first.unit, region=first.service_region, day=day, limit=10)
        suggestions = [s for s in suggestions if s["technicians"]]
        if not suggestions:
            continue  # no centre qualifies: the order stays new for the dispatcher
        center_load = {s["center"].pk: s["center"].open_load for s in suggestions}
        tech_load = {t.pk: t.day_load for s in suggestions for t in s["technicians"]}
        by_center = {s["center"].pk: s for s in suggestions}
        for visit in members:
            order = visit.work_order
            responsible = visit.plan.center_id
            center_id = (
                responsible
                if responsible in by_center
                else min(center_load, key=lambda pk: (center_load[pk], by_center[pk]["center"].code))
            )
            suggestion = by_center[center_id]
            technician = min(suggestion["technicians"], key=lambda t: (tech_load[t.pk], t.employee_no))
            center_load[center_id] += 1
            tech_load[technician.pk] += 1
            start, end = _appointment(suggestion["center"], visit.due_on, now)
            order.center, order.technician = suggestion["center"], technician
            order.appointment_start, order.appointment_end = start, end
            order.mode = ServiceMode.ON_SITE
            order.status = WorkOrderStatus.DISPATCHED
            order.status_changed_at = order.dispatched_at = now
            dispatched.append(order)
    if dispatched:
        _update_rows(
            WorkOrder,
            {
                "center_id": "bigint",
                "technician_id": "bigint",
                "appointment_start": "timestamptz",
                "appointment_end": "timestamptz",
                "mode": "varchar",
                "status": "varchar",
                "status_changed_at": "timestamptz",
                "dispatched_at": "timestamptz",
            },
            [
                (
                    o.pk,
                    o.center_id,
                    o.technician_id,
                    o.appointment_start,
                    o.appointment_end,
                    o.mode,
                    o.status,
                    o.status_changed_at,
                    o.dispatched_at,
                )
                for o in dispatched
            ],
        )
    return dispatched
