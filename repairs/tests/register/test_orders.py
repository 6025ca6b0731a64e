"""A work order through the register: every allowed transition and the refused ones, dispatch within hours and agreements, guidance by phone."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from repairs import services
from repairs.choices import WorkOrderStatus as S

from .helpers import (
    ALLOWED,
    REFUSED,
    TIMESTAMP,
    _after_closing,
    _agreement_ended,
    _before_opening,
    _centre_inactive,
    _end_before_start,
    _past,
    _technician_not_certified,
    _technician_of_another_centre,
    at,
    certified,
    dispatch,
    errors_of,
    log_call,
    move,
    order_in,
    unit_sold,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("from_status", "to_status"),
    [pytest.param(a, b, id=f"{a}->{b}") for a, b in ALLOWED],
)
def test_every_allowed_transition_moves_the_order_and_writes_one_event(dispatcher, from_status, to_status):
    order = order_in(from_status)
    now = timezone.now()

    move(order, to_status, dispatcher, note="按流程处理", now=now)

    order.refresh_from_db()
    assert order.status == to_status
    assert order.status_changed_at == now
    if to_status in TIMESTAMP:
        assert getattr(order, TIMESTAMP[to_status]) == now
    event = order.events.get()
    assert (event.from_status, event.to_status, event.actor, event.at) == (
        from_status,
        to_status,
        dispatcher,
        now,
    )
    assert event.note


@pytest.mark.parametrize(("from_status", "to_status"), REFUSED, ids=[f"{a}->{b}" for a, b in REFUSED])
def test_a_refused_transition_names_both_statuses_and_changes_nothing(dispatcher, from_status, to_status):
    order = order_in(from_status)
    before = order.status_changed_at

    with pytest.raises(ValidationError) as info:
        move(order, to_status, dispatcher, note="试图跳过")

    message = errors_of(info)["status"][0]
    assert order.number in message
    assert str(S(from_status).label) in message
    assert str(S(to_status).label) in message
    order.refresh_from_db()
    assert (order.status, order.status_changed_at) == (from_status, before)
    assert not order.events.exists()
    if to_status in TIMESTAMP:
        assert getattr(order, TIMESTAMP[to_status]) is None
    assert order.call.callback_due_at is None


@pytest.mark.parametrize("from_status", [v for v in S.values if v != S.COMPLETED])
def test_no_status_becomes_completed_through_the_transition_only_through_a_closing_record(
    dispatcher, from_status
):
    order = order_in(from_status)
    before = order.status_changed_at

    with pytest.raises(ValidationError) as info:
        services.work_order_transition(
            work_order=order, to_status=S.COMPLETED, acting_user=dispatcher, note="直接完工"
        )

    assert info.value.error_dict["status"][0].code == "closing_required"
    message = errors_of(info)["status"][0]
    assert order.number in message and "完工记录" in message
    order.refresh_from_db()
    assert (order.status, order.status_changed_at, order.completed_at) == (from_status, before, None)
    assert not order.events.exists()


def test_an_order_guided_by_phone_after_dispatch_is_closed(dispatcher, centre):
    order = log_call(unit_sold(60), dispatcher).work_orders.get()
    dispatch(order, centre, dispatcher, certified(centre))
    move(order, S.PHONE_GUIDED, dispatcher)

    move(order, S.CLOSED, dispatcher)

    order.refresh_from_db()
    assert order.status == S.CLOSED
    assert order.closed_at is not None


def test_dispatching_through_the_generic_transition_is_a_programming_error(dispatcher):
    order = order_in(S.NEW)

    with pytest.raises(ValueError):
        services.work_order_transition(work_order=order, to_status=S.DISPATCHED, acting_user=dispatcher)


def test_cancelling_needs_a_reason(dispatcher):
    order = order_in(S.DISPATCHED)

    with pytest.raises(ValidationError) as info:
        move(order, S.CANCELLED, dispatcher, note="  ")

    assert set(errors_of(info)) == {"note"}
    order.refresh_from_db()
    assert order.status == S.DISPATCHED
    assert order.cancelled_at is None
    assert not order.events.exists()


def test_a_whole_on_site_visit_leaves_its_trail(dispatcher, centre):
    technician = certified(centre)
    order = log_call(unit_sold(60), dispatcher).work_orders.get()
    dispatch(order, centre, dispatcher, technician)
    path = [
        S.ACCEPTED,
        S.EN_ROUTE,
        S.ON_SITE,
        S.IN_REPAIR,
        S.WAITING_FOR_PARTS,
        S.IN_REPAIR,
        S.COMPLETED,
        S.CLOSED,
    ]

    for status in path:
        move(order, status, technician.user)

    order.refresh_from_db()
    assert order.status == S.CLOSED
    trail = list(order.events.values_list("from_status", "to_status"))
    assert trail == [("", S.NEW), (S.NEW, S.DISPATCHED)] + list(
        zip([S.DISPATCHED, *path[:-1]], path, strict=True)
    )


def test_resuming_after_waiting_for_parts_keeps_when_the_repair_started(dispatcher):
    """The 三包 clock counts days in repair from the day the repair started, not from the parts' arrival."""
    order = order_in(S.ACCEPTED)
    started = timezone.now() - dt.timedelta(days=3)
    move(order, S.IN_REPAIR, dispatcher, now=started)
    move(order, S.WAITING_FOR_PARTS, dispatcher, now=started + dt.timedelta(hours=1))

    move(order, S.IN_REPAIR, dispatcher)

    order.refresh_from_db()
    assert order.repair_started_at == started
    assert order.events.count() == 3


def test_dispatch_gives_the_order_to_the_centre_and_engineer_and_records_who(dispatcher, centre):
    technician = certified(centre)
    order = log_call(unit_sold(60), dispatcher).work_orders.get()
    now = timezone.now()

    dispatch(order, centre, dispatcher, technician, now=now)

    order.refresh_from_db()
    assert order.status == S.DISPATCHED
    assert (order.center, order.technician) == (centre, technician)
    assert (order.appointment_start, order.appointment_end) == (at(1, 10), at(1, 12))
    assert (order.dispatched_by, order.dispatched_at, order.status_changed_at) == (dispatcher, now, now)
    event = order.events.get(to_status=S.DISPATCHED)
    assert (event.from_status, event.actor, event.at) == (S.NEW, dispatcher, now)
    assert centre.name in event.note and technician.name in event.note


def test_an_appointment_filling_the_service_hours_exactly_is_accepted(dispatcher, centre):
    order = order_in(S.NEW)

    dispatch(
        order, centre, dispatcher, certified(centre), appointment_start=at(1, 9), appointment_end=at(1, 18)
    )

    order.refresh_from_db()
    assert order.status == S.DISPATCHED


@pytest.mark.parametrize(
    ("case", "field"),
    [
        (_past, "appointment_start"),
        (_before_opening, "appointment_start"),
        (_after_closing, "appointment_start"),
        (_end_before_start, "appointment_end"),
        (_technician_of_another_centre, "technician"),
        (_technician_not_certified, "technician"),
        (_agreement_ended, "center"),
        (_centre_inactive, "center"),
    ],
    ids=lambda v: v.__name__.strip("_") if callable(v) else v,
)
def test_a_dispatch_that_cannot_be_kept_is_refused_and_changes_nothing(dispatcher, centre, case, field):
    order = log_call(unit_sold(60), dispatcher).work_orders.get()
    changes = {"technician": certified(centre), **case(centre)}

    with pytest.raises(ValidationError) as info:
        dispatch(order, centre, dispatcher, **changes)

    assert field in errors_of(info)
    order.refresh_from_db()
    assert order.status == S.NEW
    assert (order.center, order.technician, order.appointment_start, order.dispatched_by) == (
        None,
        None,
        None,
        None,
    )
    assert order.events.count() == 1


def test_the_opening_hours_message_names_the_centres_hours(dispatcher, centre):
    order = order_in(S.NEW)

    with pytest.raises(ValidationError) as info:
        dispatch(order, centre, dispatcher, appointment_start=at(1, 18), appointment_end=at(1, 19))

    message = errors_of(info)["appointment_start"][0]
    assert "09:00" in message and "18:00" in message


def test_an_order_already_past_dispatch_cannot_be_dispatched_again(dispatcher, centre):
    order = order_in(S.ACCEPTED, center=centre)

    with pytest.raises(ValidationError) as info:
        dispatch(order, centre, dispatcher)

    assert "status" in errors_of(info)
    order.refresh_from_db()
    assert order.status == S.ACCEPTED


def test_guidance_by_phone_sets_the_callback_two_hours_later(dispatcher):
    order = log_call(unit_sold(60), dispatcher).work_orders.get()
    now = timezone.now()

    services.work_order_guide_by_phone(
        work_order=order, acting_user=dispatcher, note="指导客户清洗滤网后恢复制冷", now=now
    )

    order.refresh_from_db()
    assert order.status == S.PHONE_GUIDED
    assert order.guided_at == now
    assert order.call.callback_due_at == now + dt.timedelta(hours=2)
    event = order.events.get(to_status=S.PHONE_GUIDED)
    assert event.note == "指导客户清洗滤网后恢复制冷"


def test_guidance_by_phone_needs_a_note(dispatcher):
    order = log_call(unit_sold(60), dispatcher).work_orders.get()

    with pytest.raises(ValidationError) as info:
        services.work_order_guide_by_phone(work_order=order, acting_user=dispatcher, note=" ")

    assert set(errors_of(info)) == {"note"}
    order.refresh_from_db()
    assert order.status == S.NEW
    assert order.call.callback_due_at is None
