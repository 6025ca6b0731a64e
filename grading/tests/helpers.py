"""Small real rows for the grading tests: work orders, deadlines, callbacks, complaints and defective-part
tags of a centre at fixed instants (November 2026, China's time)."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from care.calendar import CHINA
from care.models import Callback, Complaint, Deadline, SlaPolicy
from inventory.factories import PartFactory, WarehouseFactory
from inventory.models import DefectiveReturn, StockMovement
from repairs.choices import WorkOrderStatus as S
from repairs.factories import RepairCallFactory, WorkOrderFactory
from repairs.models import WorkOrderEvent

NOVEMBER = dt.date(2026, 11, 1)
NOW = dt.datetime(2026, 12, 1, 3, 0, tzinfo=CHINA)
_numbers = itertools.count(1)


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=CHINA)


def completed(center, when, *, hours=24, call=None, **fields):
    """A work order of `center` completed at `when`, created `hours` before."""
    extra = {"call": call} if call is not None else {}
    return WorkOrderFactory(
        center=center,
        status=S.CLOSED,
        created_at=when - dt.timedelta(hours=hours),
        completed_at=when,
        closed_at=when,
        **extra,
        **fields,
    )


def deadline(center, stage, due, *, met_at=None, breached=False, cancelled=False):
    """A settled (or cancelled) deadline due at `due`."""
    return Deadline.objects.create(
        stage=stage,
        work_order=WorkOrderFactory(center=center),
        policy=SlaPolicy.objects.order_by("pk").first(),
        center=center,
        started_at=due - dt.timedelta(hours=4),
        due_at=due,
        warn_at=due - dt.timedelta(hours=1),
        stopped_at=met_at or (due + dt.timedelta(hours=5) if cancelled else None),
        stop_reason="met" if met_at else ("cancelled" if cancelled else ""),
        breached_at=due if breached else None,
    )


def callback(center, reached, satisfaction):
    order = WorkOrderFactory(center=center)
    return Callback.objects.create(
        call=order.call,
        work_order=order,
        center=center,
        reason="work_order_closed",
        status="done",
        due_at=reached,
        attempts=1,
        satisfaction=satisfaction,
        reached_at=reached,
        done_at=reached,
    )


def complaint(center, resolved, *, upheld, by):
    order = WorkOrderFactory(center=center)
    return Complaint.objects.create(
        number=f"TS-G-{next(_numbers):05d}",
        call=order.call,
        work_order=order,
        center=center,
        category="late",
        description="迟到",
        status="resolved",
        received_at=resolved - dt.timedelta(days=2),
        received_by=by,
        reply_due_at=resolved,
        resolve_due_at=resolved + dt.timedelta(days=30),
        resolved_at=resolved,
        upheld=upheld,
    )


def tag(center, due_on, *, shipped_at=None, status="open"):
    """A defective-part tag owed back by `due_on` (shipped when `shipped_at`)."""
    order = WorkOrderFactory(center=center, status=S.IN_REPAIR)
    part = PartFactory(return_required=True, unit_cost_amount=Decimal("80.00"))
    movement = StockMovement.objects.create(
        warehouse=WarehouseFactory(center=center), part=part, kind="issue", quantity=-1, work_order=order
    )
    if shipped_at is not None:
        status = "shipped"
    return DefectiveReturn.objects.create(
        number=f"JJ-G-{next(_numbers):05d}",
        center=center,
        work_order=order,
        part=part,
        issue_movement=movement,
        value_amount=Decimal("80.00"),
        due_on=due_on,
        status=status,
        shipped_at=shipped_at,
        tracking_number="SF123" if shipped_at else "",
        courier="顺丰" if shipped_at else "",
    )


def waited_for_parts(order, when):
    WorkOrderEvent.objects.create(
        work_order=order, from_status=S.IN_REPAIR, to_status=S.WAITING_FOR_PARTS, at=when
    )


def again(order, when):
    """A new repair call and work order for the same unit, opened at `when`."""
    call = RepairCallFactory(unit=order.call.unit)
    return WorkOrderFactory(call=call, center=order.center, status=S.DISPATCHED, created_at=when)
