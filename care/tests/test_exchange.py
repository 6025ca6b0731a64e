"""三包: a carry-in repair that runs past its 30 days is found breached by the scan; the next call on the
unit then offers the customer a free exchange, for the repairer's delay or — when it waited for parts — the
maker's."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from care.services import sla_scan
from network.factories import authorise
from repairs import services
from repairs.choices import WorkOrderStatus as S
from repairs.factories import close_with_record
from repairs.tests.register.helpers import log_call, symptom, unit_sold
from warranty.rules import add_months

from .helpers import make_world

pytestmark = pytest.mark.django_db


def taken_in_days_ago(world, days: int, *, wait_for_parts: bool, category: str = "air_conditioner"):
    now = timezone.now()
    start = now - dt.timedelta(days=days, hours=3)
    unit = unit_sold(days + 60, model__category__code=category)
    call = log_call(unit, world["dispatcher"], now=start, symptom=symptom(category=category))
    order = call.work_orders.get()
    authorise(world["technician"], unit.model.category, call.service_region)
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
    "category, days, wait_for_parts, rule",
    [
        ("air_conditioner", 35, False, "delay.repairer"),
        # The maker's parts: 30 days for air conditioners (the maker's policy), 90 for refrigerators
        # (the national rule).
        ("air_conditioner", 35, True, "delay.parts_supply"),
        ("refrigerator", 35, True, None),
        ("refrigerator", 95, True, "delay.parts_supply"),
    ],
)
def test_a_carry_in_past_its_limit_makes_the_next_call_an_exchange(category, days, wait_for_parts, rule):
    world = make_world()
    unit, first = taken_in_days_ago(world, days, wait_for_parts=wait_for_parts, category=category)
    assert sla_scan()["breached"] >= 1
    again = log_call(
        unit, world["dispatcher"], confirm_duplicate_of=first, symptom=symptom(category=category)
    )
    rules = [r["rule"] for r in again.warranty_decision.result["reasons"]]
    if rule:
        assert again.warranty_decision.verdict == "exchange" and rule in rules
    else:
        assert again.warranty_decision.verdict != "exchange"
        assert "delay.repairer" not in rules and "delay.parts_supply" not in rules


def test_before_30_days_nothing_changes():
    world = make_world()
    unit, first = taken_in_days_ago(world, 20, wait_for_parts=False)
    sla_scan()
    again = log_call(unit, world["dispatcher"], confirm_duplicate_of=first)
    assert again.warranty_decision.verdict != "exchange"


# --- on site: waiting for parts counts like a carry-in, from the first visit that found the fault ---


def on_site_waiting_for_parts(world, *, days_ago: int, waited: int | None, category="air_conditioner"):
    """An on-site order on a unit sold 60 days before the visit: the technician came `days_ago` days ago,
    found the fault and waited for a part; it came `waited` days after the visit and the repair was
    finished that day (None: still waiting). Returns the unit, the call and the day of the visit."""
    visit = timezone.localtime(timezone.now() - dt.timedelta(days=days_ago)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    unit = unit_sold(days_ago + 60, model__category__code=category)
    logged = visit - dt.timedelta(hours=19)
    call = log_call(unit, world["dispatcher"], now=logged, symptom=symptom(category=category))
    order = call.work_orders.get()
    authorise(world["technician"], unit.model.category, call.service_region)
    services.work_order_dispatch(
        work_order=order,
        center=world["center"],
        technician=world["technician"],
        appointment_start=visit,
        appointment_end=visit + dt.timedelta(hours=2),
        acting_user=world["dispatcher"],
        now=logged,
    )
    tech = world["technician"].user
    for to_status, at in (
        (S.ACCEPTED, logged + dt.timedelta(minutes=10)),
        (S.EN_ROUTE, visit - dt.timedelta(minutes=30)),
        (S.ON_SITE, visit),
        (S.IN_REPAIR, visit + dt.timedelta(minutes=20)),
        (S.WAITING_FOR_PARTS, visit + dt.timedelta(minutes=30)),
    ):
        order = services.work_order_transition(
            work_order=order, to_status=to_status, acting_user=tech, now=at
        )
    if waited is not None:
        came = visit + dt.timedelta(days=waited)
        order = services.work_order_transition(
            work_order=order, to_status=S.IN_REPAIR, acting_user=tech, now=came
        )
        close_with_record(order, tech, now=came + dt.timedelta(hours=1))
    return unit, call, timezone.localdate(visit)


def reasons(call) -> dict[str, str]:
    return {r["rule"]: r["zh"] for r in call.warranty_decision.result["reasons"]}


def test_an_air_conditioner_that_waited_35_days_on_site_for_a_part_is_exchanged_and_its_period_extended():
    world = make_world()
    unit, _first, visit_day = on_site_waiting_for_parts(world, days_ago=40, waited=35)
    again = log_call(unit, world["dispatcher"])
    decision = again.warranty_decision
    assert (decision.verdict, decision.liable) == ("exchange", "maker")
    assert decision.policy_version == "air_conditioner/v2"
    why = reasons(again)
    # Counted from the visit that found the fault, like a carry-in from its date in: 35 days > 30.
    assert f"自送修之日（{visit_day}）起超过 30 日未修好（35 日）" in why["delay.parts_supply"]
    assert "修理占用的 35 日" in why["period.repair_days"]
    assert decision.result["repair_until"] == str(add_months(unit.invoice_date, 12) + dt.timedelta(days=35))


def test_still_waiting_for_the_part_35_days_after_the_visit_the_customers_call_gets_the_exchange():
    world = make_world()
    unit, first, visit_day = on_site_waiting_for_parts(world, days_ago=35, waited=None)
    again = log_call(unit, world["dispatcher"], confirm_duplicate_of=first)
    assert again.warranty_decision.verdict == "exchange"
    assert f"自送修之日（{visit_day}）起超过 30 日未修好（35 日）" in reasons(again)["delay.parts_supply"]


@pytest.mark.parametrize(("category", "waited"), [("air_conditioner", 25), ("refrigerator", 35)])
def test_within_the_parts_limit_it_stays_a_free_repair_with_the_days_added_to_the_period(category, waited):
    world = make_world()
    unit, _first, _visit = on_site_waiting_for_parts(world, days_ago=40, waited=waited, category=category)
    again = log_call(unit, world["dispatcher"], symptom=symptom(category=category))
    assert again.warranty_decision.verdict == "free_repair"
    assert "delay.parts_supply" not in reasons(again)
    assert again.warranty_decision.result["repair_until"] == str(
        add_months(unit.invoice_date, 12) + dt.timedelta(days=waited)
    )


def test_the_units_page_shows_the_longer_period_and_the_exchange(client):
    world = make_world()
    unit, _first, visit_day = on_site_waiting_for_parts(world, days_ago=40, waited=35)
    client.force_login(world["dispatcher"])
    html = client.get(reverse("repairs:unit_detail", args=[unit.pk])).content.decode()
    assert str(add_months(unit.invoice_date, 12) + dt.timedelta(days=35)) in html
    assert f"自送修之日（{visit_day}）起超过 30 日未修好（35 日），由销售者免费换货" in html


def test_the_intake_panel_shows_the_exchange_before_the_call_is_logged(client):
    world = make_world()
    unit, _first, visit_day = on_site_waiting_for_parts(world, days_ago=40, waited=35)
    client.force_login(world["dispatcher"])
    html = client.get(reverse("repairs:intake_panel"), {"unit": unit.pk}).content.decode()
    assert 'class="verdict verdict-exchange"' in html
    assert f"自送修之日（{visit_day}）起超过 30 日未修好（35 日）" in html
