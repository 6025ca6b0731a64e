"""改约: moving the appointment."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from aftersales import sms
from care.choices import Stage
from repairs.choices import RescheduleReason as R
from repairs.choices import WorkOrderStatus as S
from repairs.models import Reschedule, WorkOrderEvent

from .helpers import _deadline, _fresh, _move, _on_the_way, _to, day_at

pytestmark = pytest.mark.django_db


def test_a_customers_move_follows_the_new_window_and_tells_the_customer(
    world, django_capture_on_commit_callbacks
):
    on_site_before = _deadline(world["order"], Stage.ON_SITE).due_at
    completion_before = _deadline(world["order"], Stage.COMPLETION).due_at

    with django_capture_on_commit_callbacks(execute=True):
        row = _move(world, day_at(2, 14), day_at(2, 16), note="客户周六才在家")

    order = _fresh(world["order"])
    assert (order.appointment_start, order.appointment_end) == (day_at(2, 14), day_at(2, 16))
    assert order.reschedule_count == 1 and order.status == S.DISPATCHED
    assert (row.old_start, row.new_start, row.reason, row.by) == (
        day_at(1, 10),
        day_at(2, 14),
        R.CUSTOMER,
        world["dispatcher"],
    )
    # The SLA follows the customer: the visit is due after the new window, the completion 28 h later.
    assert order.accountable_start is None and order.customer_wait_seconds == 28 * 3600
    assert _deadline(order, Stage.ON_SITE).due_at == on_site_before + dt.timedelta(hours=28)
    assert _deadline(order, Stage.COMPLETION).due_at == completion_before + dt.timedelta(hours=28)
    event = WorkOrderEvent.objects.filter(work_order=order).latest("pk")
    assert "客户周六才在家" in event.note and event.actor == world["dispatcher"]
    assert [m.to for m in sms.outbox] == ["13812345678"]
    assert order.number in sms.outbox[0].body and timezone.localtime(day_at(2, 14)).strftime("%H:%M") in (
        sms.outbox[0].body
    )
    assert Reschedule.objects.get(pk=row.pk).customer_told


def test_a_technicians_delay_keeps_the_centre_answering_for_the_first_appointment(world):
    on_site_before = _deadline(world["order"], Stage.ON_SITE).due_at
    completion_before = _deadline(world["order"], Stage.COMPLETION).due_at

    _move(world, day_at(1, 15), day_at(1, 17), R.TECHNICIAN_DELAYED, user=world["qian"].user)

    order = _fresh(world["order"])
    assert order.accountable_start == day_at(1, 10) and order.customer_wait_seconds == 0
    assert _deadline(order, Stage.ON_SITE).due_at == on_site_before  # still 10:00 + grace
    assert _deadline(order, Stage.COMPLETION).due_at == completion_before
    # A later move the customer asks for frees the centre of the first appointment.
    _move(world, day_at(3, 9), day_at(3, 11), R.CUSTOMER, seen_reschedules=1)
    order = _fresh(order)
    assert order.accountable_start is None
    assert order.customer_wait_seconds == int((day_at(3, 9) - day_at(1, 15)).total_seconds())
    assert _deadline(order, Stage.ON_SITE).due_at > day_at(3, 9)


@pytest.mark.parametrize(
    ("start", "end", "field_name"),
    [
        (
            lambda: timezone.now() - dt.timedelta(hours=3),
            lambda: timezone.now() - dt.timedelta(hours=1),
            "start",
        ),
        (lambda: day_at(2, 6), lambda: day_at(2, 8), "start"),  # the centre opens at 8:00
        (lambda: day_at(2, 19), lambda: day_at(2, 21), "start"),  # and closes at 20:00
        (lambda: day_at(2, 12), lambda: day_at(2, 11), "end"),
    ],
    ids=["past", "before-opening", "after-closing", "ends-before-it-starts"],
)
def test_a_window_in_the_past_or_outside_service_hours_is_refused_and_nothing_changes(
    world, start, end, field_name
):
    with pytest.raises(ValidationError) as caught:
        _move(world, start(), end())

    assert f"appointment_{field_name}" in caught.value.message_dict
    order = _fresh(world["order"])
    assert order.appointment_start == day_at(1, 10) and order.reschedule_count == 0
    assert not Reschedule.objects.exists() and not sms.outbox


def test_other_needs_a_note_and_not_at_home_needs_such_a_visit(world):
    with pytest.raises(ValidationError) as caught:
        _move(world, day_at(2, 9), day_at(2, 11), R.OTHER)
    assert "note" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        _move(world, day_at(2, 9), day_at(2, 11), R.NOT_HOME)
    assert "reason" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        _move(world, day_at(2, 9), day_at(2, 11), "whim")
    assert "reason" in caught.value.message_dict
    assert not Reschedule.objects.exists()


def test_the_third_move_is_the_supervisors(world):
    _move(world, day_at(2, 9), day_at(2, 11))
    _move(world, day_at(2, 14), day_at(2, 16), R.WEATHER, user=world["qian"].user)

    with pytest.raises(ValidationError) as caught:
        _move(world, day_at(3, 9), day_at(3, 11))
    assert caught.value.error_dict["reason"][0].code == "supervisor_required"
    with pytest.raises(ValidationError):  # a supervisor of another centre is not this order's
        _move(world, day_at(3, 9), day_at(3, 11), user=world["other_supervisor"])
    assert _fresh(world["order"]).reschedule_count == 2

    _move(world, day_at(3, 9), day_at(3, 11), user=world["supervisor"])
    _move(world, day_at(3, 14), day_at(3, 16), user=world["manager"])
    assert _fresh(world["order"]).reschedule_count == 4


def test_only_the_orders_own_technician_moves_it_from_the_tablet(world):
    with pytest.raises(ValidationError):
        _move(world, day_at(2, 9), day_at(2, 11), user=world["sun"].user)
    assert not Reschedule.objects.exists()
    _move(world, day_at(2, 9), day_at(2, 11), user=world["qian"].user)
    assert _fresh(world["order"]).reschedule_count == 1


def test_a_technician_on_his_way_turns_back_and_an_order_in_repair_keeps_its_appointment(world):
    _on_the_way(world)
    _move(world, day_at(2, 9), day_at(2, 11), R.TECHNICIAN_DELAYED, user=world["qian"].user)
    order = _fresh(world["order"])
    assert order.status == S.ACCEPTED

    order = _to(order, S.EN_ROUTE, S.ON_SITE, S.IN_REPAIR, user=world["qian"].user)
    world["order"] = order
    with pytest.raises(ValidationError) as caught:
        _move(world, day_at(3, 9), day_at(3, 11))
    assert "status" in caught.value.message_dict
    assert _fresh(order).reschedule_count == 1


def test_a_move_made_meanwhile_refuses_the_second_naming_who_made_it(world):
    _move(world, day_at(2, 9), day_at(2, 11), seen_reschedules=0)

    with pytest.raises(ValidationError) as caught:
        _move(world, day_at(2, 14), day_at(2, 16), user=world["supervisor"], seen_reschedules=0)

    message = caught.value.message_dict["status"][0]
    assert "王调度" in message and world["order"].number in message
    order = _fresh(world["order"])
    assert order.reschedule_count == 1 and order.appointment_start == day_at(2, 9)
