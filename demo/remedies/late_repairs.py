"""A repairer's delay: a phone taken in at the home centre (广州天河) and repaired only 33 days later, for
the workshop's own reasons (it never waited for parts). The SLA scan found its 30 days breached, so when the
customer comes for it the 三包 engine offers the exchange at the repairer's cost.

- D1: last month — approved by the manager and exchanged from the central warehouse; the old phone goes to
  the returned-goods store and the exchange is deducted from the centre's settlement of that month.
- D2: yesterday — the request waits in the manager's queue, the phone in the workshop."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid

from django.utils import timezone

from aftersales.months import previous_month
from care import services as care
from demo.repairs import signature_png
from inventory import services as stock
from network.models import Technician
from remedies import services
from repairs.choices import CallChannel, ClosingChannel, FaultCodeKind, Resolution, ServiceMode
from repairs.closing import ClosingInput, work_order_close
from repairs.models import FaultCode, FaultSymptom
from repairs.services import (
    carry_in_inspect,
    carry_in_receive,
    carry_in_record_repair,
    carry_in_return,
    repair_call_register,
    unit_repair_history,
    work_order_dispatch,
    work_order_transition,
)

from .plan import Sale, Story
from .refurbish import refurbish
from .stories import open_request

CENTER = "GD-GZ-01"
REPAIR_DAYS = 33  # taken in to repaired: past the 30 days of a carry-in repair
LATE = [
    (Sale("D1", "D001", "24031PN0DC", 0), "supervisor"),
    (Sale("D2", "D001", "23117RK66C", 0), None),
]
STORY = Story("D", 0, "dispatcher", "exchange", "送修一个多月才修好，客户要求按三包换机", hour=(15, 0))


def plan_late_repairs(w) -> None:
    """D1 asked on the 17th of last month (its exchange then falls in that month), D2 yesterday."""
    center = w.centers.get(CENTER)
    if center is None or not center.active:
        return
    asked_on = [previous_month(w.now) + dt.timedelta(days=16), w.today - dt.timedelta(days=1)]
    for (sale, carrier), day in zip(LATE, asked_on, strict=True):
        received = timezone.make_aware(
            dt.datetime.combine(day - dt.timedelta(days=REPAIR_DAYS), dt.time(10, 0))
        )
        sold = (w.today - day).days + REPAIR_DAYS + 45
        sale = dataclasses.replace(sale, sold=sold)
        w.at(received - dt.timedelta(days=45), lambda _at, s=sale: w.sell(s))
        w.at(
            received - dt.timedelta(minutes=50), lambda at, s=sale, c=carrier: _call(w, center, s.key, c, at)
        )


def _call(w, center, key: str, carrier: str | None, at: dt.datetime) -> None:
    """The customer brings the phone to the centre's counter: the call, the work order, the carry-in."""
    unit = w.units[key]
    category = unit.model.category
    technician = (
        Technician.objects.filter(center=center, active=True, user__isnull=False, categories=category)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if technician is None:
        return
    tech, dispatcher = technician.user, w.who("dispatcher")
    address = unit.owner.addresses.select_related("region").first()
    phone = unit.owner.phones.order_by("-is_primary", "pk").first()
    call = repair_call_register(
        customer=unit.owner,
        unit=unit,
        caller_name=unit.owner.name,
        caller_phone=phone.number,
        service_region=address.region,
        service_address=address.detail,
        symptom=FaultSymptom.objects.filter(category=category).order_by("pk").first(),
        symptom_text="频繁自动关机，充电无反应",
        channel=CallChannel.WALK_IN,
        acting_user=dispatcher,
        now=at,
    )
    order = work_order_dispatch(
        work_order=call.work_orders.get(),
        center=center,
        technician=technician,
        appointment_start=at + dt.timedelta(minutes=50),
        appointment_end=at + dt.timedelta(minutes=110),
        mode=ServiceMode.CARRY_IN,
        acting_user=dispatcher,
        now=at + dt.timedelta(minutes=10),
        notify_customer=False,  # the demo writes history: nobody is texted
    )
    order = work_order_transition(
        work_order=order, to_status="accepted", acting_user=tech, now=at + dt.timedelta(minutes=15)
    )
    received = at + dt.timedelta(minutes=50)
    state = {"order": order}
    state["carry_in"] = carry_in_receive(
        work_order=order, acting_user=tech, condition_note="外观完好，无进水痕迹", now=received
    )
    w.at(
        received + dt.timedelta(hours=2),
        lambda t: state.update(
            order=work_order_transition(
                work_order=state["order"], to_status="in_repair", acting_user=tech, now=t
            )
        ),
    )
    # The scans of the days the 30 days ran out: the breach and its escalations, as the beat found them.
    due = received + dt.timedelta(days=30)
    for minutes in (1, 61, 241):
        w.at(due + dt.timedelta(minutes=minutes), lambda t: care.sla_scan(now=t))
    repaired = timezone.localtime(received + dt.timedelta(days=REPAIR_DAYS)).replace(hour=9, minute=40)
    w.at(repaired, lambda t: _repaired(w, center, state, tech, t))
    w.at(repaired.replace(hour=STORY.hour[0]), lambda t: _asked(w, key, carrier, state, t))


def _repaired(w, center, state, tech, at: dt.datetime) -> None:
    """The repair card, the closing (the customer's signature at the counter) and the supervisor's check."""
    order = state["order"]
    category_id = order.call.unit.model.category_id
    codes = FaultCode.objects.filter(category_id=category_id, active=True).order_by("pk")
    state["carry_in"] = carry_in_record_repair(
        carry_in=state["carry_in"], minutes=95, parts="主板", acting_user=tech, now=at
    )
    closing, _replayed = work_order_close(
        work_order=order,
        data=ClosingInput(
            client_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"demo/remedies/late/{order.number}")),
            fault_code=codes.filter(kind=FaultCodeKind.FAULT).first(),
            cause=codes.filter(kind=FaultCodeKind.CAUSE).first(),
            resolution=Resolution.REPAIRED,
            labour_minutes=95,
            resolution_note="重焊主板电源管理芯片，测试正常",
            signature_png=signature_png(),
            channel=ClosingChannel.OFFICE,
        ),
        acting_user=tech,
        now=at + dt.timedelta(minutes=25),
    )
    state["order"] = closing.work_order
    inspector = w.people.get("supervisor") if center.code == CENTER else w.who("manager")
    state["carry_in"] = carry_in_inspect(
        carry_in=state["carry_in"],
        acting_user=inspector,
        note="功能检验合格",
        now=at + dt.timedelta(minutes=80),
    )


def _asked(w, key: str, carrier: str | None, state, at: dt.datetime) -> None:
    """The customer, come for the phone, asks for the exchange the 三包 rules give after 30 days."""
    unit = w.units[key]
    story = Story(key, 0, STORY.by, STORY.remedy, STORY.note, STORY.hour)
    row = open_request(
        w, story, at, repairs=unit_repair_history(unit=unit, symptom=None), work_order=state["order"]
    )
    if carrier is None or row is None:
        return
    w.at(w.next_working(at), lambda t: _carry_out(w, key, carrier, state, t))


def _carry_out(w, key: str, carrier: str, state, at: dt.datetime) -> None:
    """The manager approves; the next day the centre hands over a new phone from the central warehouse."""
    w.requests[key] = services.remedy_request_approve(
        request=w.requests[key],
        note="送修 33 日未修好，同意换货，费用由网点承担",
        acting_user=w.who("manager"),
        now=at,
    )
    w.at(at + dt.timedelta(hours=24), lambda t: _exchange(w, key, carrier, state, t))


def _exchange(w, key: str, carrier: str, state, at: dt.datetime) -> None:
    """The exchange; the old phone leaves the workshop for the returned-goods store, the order is closed."""
    row = services.remedy_exchange(
        request=w.requests[key], warehouse=stock.central_warehouse(), acting_user=w.who(carrier), now=at
    )
    w.requests[key] = row
    carry_in_return(
        carry_in=state["carry_in"],
        returned_to=f"退货仓（三包换货 {row.number}）",
        acting_user=w.who(carrier),
        now=at + dt.timedelta(minutes=10),
    )
    work_order_transition(
        work_order=state["order"],
        to_status="closed",
        acting_user=w.who("dispatcher"),
        note=f"三包换货 {row.number}，原机收回",
        now=at + dt.timedelta(minutes=30),
    )
    refurbish(w, key, row, at)
