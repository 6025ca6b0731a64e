"""How a work order counts as a repair for the 三包 rules: the day its days in repair count from, and who
is to blame when it took too long.

《部分商品修理更换退货责任规定》 counts a repair from the day the product was sent in (送修之日): the days in
repair extend the period (art. 8); more than 30 days for the repairer's own reasons, or more than the parts
limit because the maker supplied no parts, give a free exchange (art. 12; the maker's policy may give more).
A carry-in is sent in the day the workshop took it (the carry-in register's date in). An on-site repair that
had to wait for parts is the same case at the customer's home: the product was in repair from the first
visit that found the fault, and waited for the maker's parts from then on.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from aftersales import extensions

from .choices import WorkOrderStatus
from .models import CarryIn, WorkOrder, WorkOrderEvent


@dataclass(frozen=True)
class RepairSpan:
    sent_on: dt.date
    delay_cause: str | None  # None | "repairer" | "parts_supply" (warranty.rules.DELAY_CAUSES)


def first_visit(order: WorkOrder) -> dt.datetime | None:
    """When the technician was first at the customer's with the fault in front of them: the arrival, the
    diagnosis or the repair's start, whichever came first (a repair started without 'arrived' tapped had
    the technician there by then)."""
    present = [t for t in (order.arrived_at, order.diagnosed_at, order.repair_started_at) if t is not None]
    return min(present) if present else None


def repair_spans(*, orders: list[WorkOrder]) -> dict[int, RepairSpan]:
    """For each order that went into repair: the day it counts from and the cause of its delay, if any.

    - carry-in: from its date in; a delay past the 30 days the SLA scan found breached is the repairer's,
      or the maker's when the order waited for parts (asked of care: aftersales.extensions.CARRY_IN_DELAYS);
    - on site, having waited for parts: from the first visit, waiting for the maker's parts ("parts_supply":
      the rules offer the exchange once the days pass the policy's parts-supply limit);
    - on site otherwise: from the day the repair started, no delay cause.
    """
    ids = [o.pk for o in orders]
    received = dict(CarryIn.objects.filter(work_order_id__in=ids).values_list("work_order_id", "received_at"))
    carry_in_late = extensions.ask(
        extensions.CARRY_IN_DELAYS, {}, order_ids=[pk for pk in ids if pk in received]
    )
    waited = set(
        WorkOrderEvent.objects.filter(
            work_order_id__in=[pk for pk in ids if pk not in received],
            to_status=WorkOrderStatus.WAITING_FOR_PARTS,
        ).values_list("work_order_id", flat=True)
    )
    spans = {}
    for order in orders:
        if order.pk in received:
            spans[order.pk] = RepairSpan(timezone.localdate(received[order.pk]), carry_in_late.get(order.pk))
        elif order.pk in waited:
            spans[order.pk] = RepairSpan(timezone.localdate(first_visit(order)), "parts_supply")
        else:
            spans[order.pk] = RepairSpan(timezone.localdate(order.repair_started_at), None)
    return spans
