"""三包: a carry-in repair that runs past its 30 days is found breached by the scan; the next call on the
unit then offers the customer a free exchange, for the repairer's delay or — when it waited for parts — the
maker's."""

import datetime as dt

import pytest
from django.utils import timezone

from care.services import sla_scan
from repairs import services
from repairs.choices import WorkOrderStatus as S
from repairs.tests.test_register_services import log_call, unit_sold

from .helpers import make_world

pytestmark = pytest.mark.django_db


def taken_in_days_ago(world, days: int, *, wait_for_parts: bool):
    now = timezone.now()
    start = now - dt.timedelta(days=days, hours=3)
    unit = unit_sold(days + 60)
    call = log_call(unit, world["dispatcher"], now=start)
    order = call.work_orders.get()
    world["technician"].categories.add(unit.model.category)
    appointment = timezone.localtime(start).replace(hour=10, minute=0) + dt.timedelta(days=1)
    services.work_order_dispatch(
        work_order=order,
        center=world["center"],
        technician=world["technician"],
        appointment_start=appointment,
        appointment_end=appointment + dt.timedelta(hours=2),
        acting_user=world["dispatcher"],
        now=start,
    )
    tech = world["technician"].user
    services.work_order_transition(
        work_order=order, to_status=S.ACCEPTED, acting_user=tech, now=start + dt.timedelta(minutes=30)
    )
    services.carry_in_receive(work_order=order, acting_user=tech, now=start + dt.timedelta(hours=1))
    services.work_order_transition(
        work_order=order, to_status=S.IN_REPAIR, acting_user=tech, now=start + dt.timedelta(hours=2)
    )
    if wait_for_parts:
        services.work_order_transition(
            work_order=order,
            to_status=S.WAITING_FOR_PARTS,
            acting_user=tech,
            now=start + dt.timedelta(hours=2, minutes=30),
        )
    return unit, call


@pytest.mark.parametrize(
    "days, wait_for_parts, rule",
    [(35, False, "delay.repairer"), (35, True, None), (95, True, "delay.parts_supply")],
)
def test_a_carry_in_past_its_limit_makes_the_next_call_an_exchange(days, wait_for_parts, rule):
    world = make_world()
    unit, first = taken_in_days_ago(world, days, wait_for_parts=wait_for_parts)
    assert sla_scan()["breached"] >= 1
    again = log_call(unit, world["dispatcher"], confirm_duplicate_of=first)
    rules = [r["rule"] for r in again.warranty_decision.result["reasons"]]
    if rule:
        assert again.warranty_decision.verdict == "exchange" and rule in rules
    else:
        # Waiting for the maker's parts: the exchange comes after 90 days, not 30.
        assert again.warranty_decision.verdict != "exchange"
        assert "delay.repairer" not in rules and "delay.parts_supply" not in rules


def test_before_30_days_nothing_changes():
    world = make_world()
    unit, first = taken_in_days_ago(world, 20, wait_for_parts=False)
    sla_scan()
    again = log_call(unit, world["dispatcher"], confirm_duplicate_of=first)
    assert again.warranty_decision.verdict != "exchange"
