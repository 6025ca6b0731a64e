"""Callbacks (回访) as the clerks live them: scheduled by the events that owe them, tried again after no
answer and closed as unreachable after the last attempt, and ended by a review that closes the order,
sends it back to correct its record, or to be redone with its payment held."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from care import services
from care.choices import CallbackReason, CallbackReview, CallbackStatus
from care.models import Callback, CallbackAttempt, Notification
from network.factories import authorise
from repairs.choices import WorkOrderStatus as S
from repairs.models import WorkOrder, WorkOrderEvent

from .helpers import at, dispatched, make_world, move

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return make_world()


def completed(world, when=None):
    """An order repaired on Monday afternoon (2026-11-23), or `when`."""
    when = when or at(2026, 11, 23, 15, 0)
    order = dispatched(world)
    tech = world["technician"].user
    move(order, S.ACCEPTED, tech, at(2026, 11, 23, 10, 30))
    move(order, S.IN_REPAIR, tech, at(2026, 11, 23, 11, 0))
    move(order, S.COMPLETED, tech, when)
    order.refresh_from_db()
    return order


def test_phone_guidance_owes_a_callback_two_hours_later(world):
    order = dispatched(world)
    move(order, S.PHONE_GUIDED, world["dispatcher"], at(2026, 11, 23, 10, 20))
    callback = Callback.objects.get(work_order=order)
    assert callback.reason == CallbackReason.PHONE_GUIDANCE and callback.due_at == at(2026, 11, 23, 12, 20)
    assert callback.center_id == world["center"].pk and callback.status == CallbackStatus.PENDING


def test_a_completed_repair_is_called_back_the_next_working_day_after_opening(world):
    friday = completed(world, when=at(2026, 11, 27, 17, 0))  # Friday: the callback waits for Monday
    callback = Callback.objects.get(work_order=friday)
    assert callback.reason == CallbackReason.WORK_ORDER_CLOSED
    assert callback.due_at == at(2026, 11, 30, 10, 0)  # Monday, an hour after 9:00


def test_no_answer_is_tried_again_then_unreachable_after_the_last_attempt(world, settings):
    settings.CARE_CALLBACK_MAX_ATTEMPTS = 3
    callback = Callback.objects.get(work_order=completed(world))
    clerk = world["dispatcher"]
    first = services.callback_record_attempt(
        callback=callback, outcome="no_answer", acting_user=clerk, now=at(2026, 11, 24, 10, 5)
    )
    assert first.status == CallbackStatus.PENDING and first.due_at == at(2026, 11, 24, 12, 5)
    services.callback_record_attempt(
        callback=callback, outcome="no_answer", acting_user=clerk, now=at(2026, 11, 24, 12, 10)
    )
    last = services.callback_record_attempt(
        callback=callback, outcome="no_answer", acting_user=clerk, now=at(2026, 11, 24, 14, 20)
    )
    assert last.status == CallbackStatus.UNREACHABLE and last.attempts == 3 and last.done_by == clerk
    with pytest.raises(ValidationError):
        services.callback_record_attempt(
            callback=callback, outcome="reached", satisfaction=5, solved=True, acting_user=clerk
        )
    assert CallbackAttempt.objects.filter(callback=callback).count() == 3


def test_a_wrong_number_ends_the_callback_at_once(world):
    callback = Callback.objects.get(work_order=completed(world))
    row = services.callback_record_attempt(
        callback=callback, outcome="wrong_number", acting_user=world["dispatcher"]
    )
    assert row.status == CallbackStatus.UNREACHABLE and row.attempts == 1


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"satisfaction": None, "solved": True}, "satisfaction"),
        ({"satisfaction": 6, "solved": True}, "satisfaction"),
        ({"satisfaction": 4, "solved": None}, "solved"),
    ],
)
def test_a_reached_customer_needs_a_score_of_1_to_5_and_whether_it_is_solved(world, fields, field):
    callback = Callback.objects.get(work_order=completed(world))
    with pytest.raises(ValidationError) as info:
        services.callback_record_attempt(
            callback=callback, outcome="reached", acting_user=world["dispatcher"], **fields
        )
    assert field in info.value.message_dict
    callback.refresh_from_db()
    assert callback.attempts == 0 and not CallbackAttempt.objects.exists()


def test_solved_and_closed(world):
    order = completed(world)
    callback = Callback.objects.get(work_order=order)
    clerk = world["dispatcher"]
    services.callback_record_attempt(
        callback=callback, outcome="reached", satisfaction=5, solved=True, words="很满意", acting_user=clerk
    )
    row = services.callback_review(callback=callback, review=CallbackReview.CLOSE, acting_user=clerk)
    order.refresh_from_db()
    assert row.status == CallbackStatus.DONE and order.status == S.CLOSED


def test_not_solved_cannot_be_closed_and_is_redone_with_the_payment_held(world):
    order = completed(world)
    callback = Callback.objects.get(work_order=order)
    clerk = world["dispatcher"]
    services.callback_record_attempt(
        callback=callback,
        outcome="reached",
        satisfaction=2,
        solved=False,
        words="还是不制冷",
        acting_user=clerk,
    )
    with pytest.raises(ValidationError) as info:
        services.callback_review(callback=callback, review=CallbackReview.CLOSE, acting_user=clerk)
    assert "review" in info.value.message_dict
    with pytest.raises(ValidationError):
        services.callback_review(callback=callback, review=CallbackReview.REDO, acting_user=clerk, note="")
    row = services.callback_review(
        callback=callback, review=CallbackReview.REDO, acting_user=clerk, note="客户反映仍不制冷，重新上门"
    )
    order.refresh_from_db()
    redo = row.redo_order
    assert order.payment_held and order.status == S.COMPLETED
    assert redo.status == S.NEW and redo.redo_of == order and redo.call_id == order.call_id
    assert Notification.objects.filter(user=world["supervisor"], kind="callback").count() == 1
    # The redo is dispatched and completed: the first order's payment is released.
    from repairs import services as repairs

    authorise(world["technician"], order.call.unit.model.category, redo.call.service_region)
    repairs.work_order_dispatch(
        work_order=redo,
        center=world["center"],
        technician=world["technician"],
        appointment_start=at(2026, 11, 25, 14, 0),
        appointment_end=at(2026, 11, 25, 16, 0),
        acting_user=clerk,
        now=at(2026, 11, 24, 11, 0),
    )
    tech = world["technician"].user
    move(redo, S.ACCEPTED, tech, at(2026, 11, 25, 9, 0))
    move(redo, S.IN_REPAIR, tech, at(2026, 11, 25, 14, 10))
    move(redo, S.COMPLETED, tech, at(2026, 11, 25, 15, 0))
    order.refresh_from_db()
    assert not order.payment_held


def test_sending_back_to_correct_records_it_on_the_order(world):
    order = completed(world)
    callback = Callback.objects.get(work_order=order)
    clerk = world["dispatcher"]
    services.callback_record_attempt(
        callback=callback, outcome="reached", satisfaction=4, solved=True, acting_user=clerk
    )
    services.callback_review(
        callback=callback, review=CallbackReview.CORRECT, note="故障代码与客户描述不符", acting_user=clerk
    )
    assert WorkOrderEvent.objects.filter(work_order=order, note__contains="故障代码与客户描述不符").exists()
    assert WorkOrder.objects.get(pk=order.pk).status == S.COMPLETED


def test_scheduling_twice_makes_one_callback(world):
    order = completed(world)
    services.work_order_changed(order=order, previous=S.IN_REPAIR, now=at(2026, 11, 23, 16, 0))
    assert Callback.objects.filter(work_order=order).count() == 1


def test_a_resolved_complaint_is_called_back(world):
    order = completed(world)
    complaint = services.complaint_register(
        data=services.ComplaintInput(
            call=order.call, work_order=order, category="attitude", description="态度差"
        ),
        acting_user=world["dispatcher"],
        now=at(2026, 11, 24, 9, 0),
    )
    services.complaint_resolve(
        complaint=complaint,
        resolution="已道歉并批评教育",
        upheld=True,
        acting_user=world["manager"],
        now=at(2026, 11, 25, 9, 0),
    )
    callback = Callback.objects.get(complaint=complaint)
    assert callback.reason == CallbackReason.COMPLAINT_RESOLVED
    assert callback.due_at == at(2026, 11, 25, 9, 0) + dt.timedelta(days=1)
