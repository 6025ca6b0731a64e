"""Deadlines are computed when the work order is dispatched or changes, stored, stopped when met, paused
while the order waits in a status the policy names, and moved when it resumes — in the centre's working
time (default calendar: Monday–Friday 9:00–18:00, lunch 12:00–13:00)."""

import datetime as dt

import pytest

from care.choices import Stage, StopReason
from care.models import Deadline, SlaPolicy, WorkCalendar
from network.factories import ProvinceFactory
from repairs import services
from repairs.choices import Priority
from repairs.choices import WorkOrderStatus as S

from .helpers import MONDAY_10, at, dispatched, make_world, move

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return make_world()


def deadlines(order) -> dict:
    return {d.stage: d for d in Deadline.objects.filter(work_order=order)}


def local(instant):
    return instant.astimezone(at(2026, 1, 1).tzinfo).replace(tzinfo=None)


def test_dispatch_stores_each_stage_on_its_clock(world):
    order = dispatched(world)
    d = deadlines(order)
    assert set(d) == {Stage.ACCEPT, Stage.FIRST_CONTACT, Stage.ON_SITE, Stage.COMPLETION}
    assert local(d[Stage.ACCEPT].due_at) == dt.datetime(2026, 11, 23, 12, 0)  # 2 working hours
    # The hotline's answer within 4 hours runs around the clock: lunch is not skipped.
    assert local(d[Stage.FIRST_CONTACT].due_at) == dt.datetime(2026, 11, 23, 14, 0)
    assert local(d[Stage.ON_SITE].due_at) == dt.datetime(2026, 11, 23, 14, 15)  # appointment + 15 min
    # 16 working hours: Monday 7, Tuesday 8, Wednesday 9:00–10:00.
    assert local(d[Stage.COMPLETION].due_at) == dt.datetime(2026, 11, 25, 10, 0)
    assert all(row.center_id == world["center"].pk and row.stopped_at is None for row in d.values())


def test_each_stage_stops_when_it_is_met_and_says_whether_on_time(world):
    order = dispatched(world)
    tech = world["technician"].user
    move(order, S.ACCEPTED, tech, at(2026, 11, 23, 11, 0))
    services.work_order_contact_record(work_order=order, acting_user=tech, now=at(2026, 11, 23, 13, 30))
    move(order, S.EN_ROUTE, tech, at(2026, 11, 23, 13, 40))
    move(order, S.ON_SITE, tech, at(2026, 11, 23, 14, 20))  # five minutes past the grace
    d = deadlines(order)
    assert d[Stage.ACCEPT].met_on_time is True
    assert d[Stage.FIRST_CONTACT].stopped_at == at(2026, 11, 23, 13, 30)
    assert d[Stage.FIRST_CONTACT].met_on_time is True
    assert d[Stage.ON_SITE].stop_reason == StopReason.MET and d[Stage.ON_SITE].met_on_time is False
    assert d[Stage.COMPLETION].stopped_at is None
    move(order, S.IN_REPAIR, tech, at(2026, 11, 23, 14, 30))
    move(order, S.COMPLETED, tech, at(2026, 11, 23, 15, 30))
    assert deadlines(order)[Stage.COMPLETION].met_on_time is True


def test_a_second_contact_does_not_move_the_first(world):
    order = dispatched(world)
    tech = world["technician"].user
    move(order, S.ACCEPTED, tech, at(2026, 11, 23, 10, 30))
    services.work_order_contact_record(work_order=order, acting_user=tech, now=at(2026, 11, 23, 10, 40))
    services.work_order_contact_record(work_order=order, acting_user=tech, now=at(2026, 11, 23, 16, 0))
    order.refresh_from_db()
    assert order.first_contact_at == at(2026, 11, 23, 10, 40)
    assert deadlines(order)[Stage.FIRST_CONTACT].stopped_at == at(2026, 11, 23, 10, 40)


def test_waiting_for_parts_stops_the_clock_and_resuming_moves_the_deadline(world):
    order = dispatched(world)
    tech = world["technician"].user
    move(order, S.ACCEPTED, tech, at(2026, 11, 23, 10, 30))
    move(order, S.EN_ROUTE, tech, at(2026, 11, 23, 13, 30))
    move(order, S.ON_SITE, tech, at(2026, 11, 23, 14, 0))
    move(order, S.IN_REPAIR, tech, at(2026, 11, 23, 14, 10))
    move(order, S.WAITING_FOR_PARTS, tech, at(2026, 11, 23, 16, 0))
    completion = deadlines(order)[Stage.COMPLETION]
    # Left at 16:00 Monday until Wednesday 10:00: Monday 2 h, Tuesday 8 h, Wednesday 1 h.
    assert completion.paused_at == at(2026, 11, 23, 16, 0) and completion.remaining_seconds == 11 * 3600
    # The parts come on Thursday at 9:00: 11 working hours more end on Friday at 12:00.
    move(order, S.IN_REPAIR, tech, at(2026, 11, 26, 9, 0))
    completion = deadlines(order)[Stage.COMPLETION]
    assert completion.paused_at is None and completion.remaining_seconds is None
    assert local(completion.due_at) == dt.datetime(2026, 11, 27, 12, 0)
    assert local(completion.warn_at) == dt.datetime(2026, 11, 27, 11, 30)


def test_a_cancelled_order_stops_what_is_still_running(world):
    order = dispatched(world)
    move(order, S.ACCEPTED, world["technician"].user, at(2026, 11, 23, 10, 30))
    move(order, S.CANCELLED, world["dispatcher"], at(2026, 11, 23, 11, 0), note="客户取消")
    d = deadlines(order)
    assert d[Stage.ACCEPT].stop_reason == StopReason.MET
    assert {d[s].stop_reason for s in (Stage.FIRST_CONTACT, Stage.ON_SITE, Stage.COMPLETION)} == {
        StopReason.CANCELLED
    }
    assert not Deadline.objects.running().filter(work_order=order).exists()


def test_phone_guidance_meets_the_order_and_no_visit_is_owed(world):
    order = dispatched(world)
    move(order, S.PHONE_GUIDED, world["dispatcher"], at(2026, 11, 23, 10, 20))
    d = deadlines(order)
    assert d[Stage.COMPLETION].met_on_time is True
    assert d[Stage.ON_SITE].stop_reason == StopReason.CANCELLED


def test_a_carry_in_adds_the_30_day_promise_and_drops_the_visit(world):
    order = dispatched(world)
    tech = world["technician"].user
    move(order, S.ACCEPTED, tech, at(2026, 11, 23, 10, 30))
    services.carry_in_receive(work_order=order, acting_user=tech, now=at(2026, 11, 23, 11, 0))
    d = deadlines(order)
    assert d[Stage.CARRY_IN_30].due_at == at(2026, 12, 23, 11, 0)
    assert d[Stage.ON_SITE].stop_reason == StopReason.CANCELLED
    assert d[Stage.FIRST_CONTACT].stopped_at == at(2026, 11, 23, 11, 0)  # the customer handed it over


def test_the_centres_own_calendar_counts_its_hours(world):
    WorkCalendar.objects.create(
        center=world["center"],
        name="全年无休",
        opens=dt.time(8, 0),
        closes=dt.time(20, 0),
        break_start=None,
        break_end=None,
        weekdays=list(range(7)),
        statutory_holidays=False,
    )
    order = dispatched(world, now=at(2026, 11, 28, 19, 0), start=at(2026, 11, 29, 9, 0))  # a Saturday evening
    assert local(deadlines(order)[Stage.ACCEPT].due_at) == dt.datetime(2026, 11, 29, 9, 0)


def test_the_most_specific_policy_applies(world):
    province = world["center"].region.parent.parent
    SlaPolicy.objects.create(name="省内紧急", priority=Priority.URGENT, region=province, accept_minutes=15)
    SlaPolicy.objects.create(
        name="他省紧急", priority=Priority.URGENT, region=ProvinceFactory(), accept_minutes=5
    )
    order = dispatched(world, priority=Priority.URGENT, service_region=world["center"].region)
    accept = deadlines(order)[Stage.ACCEPT]
    assert accept.policy.name == "省内紧急"
    assert local(accept.due_at) == dt.datetime(2026, 11, 23, 10, 15)
    normal = dispatched(world)
    assert deadlines(normal)[Stage.ACCEPT].policy.name == "默认时效"


def test_syncing_again_changes_nothing(world):
    from care.deadlines import work_order_deadlines_sync

    order = dispatched(world)
    before = list(Deadline.objects.filter(work_order=order).order_by("stage").values())
    work_order_deadlines_sync(order=order, now=at(2026, 11, 23, 11, 0))
    assert list(Deadline.objects.filter(work_order=order).order_by("stage").values()) == before


def test_a_new_call_has_no_deadline_until_dispatched(world):
    from repairs.factories import WorkOrderFactory

    order = WorkOrderFactory(status=S.NEW)
    services.work_order_note(
        work_order=order, acting_user=world["dispatcher"], note="客户改约", now=MONDAY_10
    )
    assert not Deadline.objects.filter(work_order=order).exists()


def test_with_every_policy_switched_off_the_defaults_apply_again(world):
    SlaPolicy.objects.update(active=False)
    order = dispatched(world)
    assert deadlines(order)[Stage.ACCEPT].policy.name == "默认时效"
    assert SlaPolicy.objects.get(name="默认时效").active


def test_an_on_site_repair_started_without_tapping_arrived_meets_the_visit(world):
    order = dispatched(world)
    tech = world["technician"].user
    move(order, S.ACCEPTED, tech, at(2026, 11, 23, 10, 30))
    move(order, S.IN_REPAIR, tech, at(2026, 11, 23, 14, 5))  # the register allows accepted → in repair
    on_site = deadlines(order)[Stage.ON_SITE]
    assert on_site.stop_reason == StopReason.MET and on_site.stopped_at == at(2026, 11, 23, 14, 5)
    move(order, S.COMPLETED, tech, at(2026, 11, 23, 15, 0))
    from care.services import sla_scan

    assert sla_scan(now=at(2026, 11, 30, 9, 0))["breached"] == 0
