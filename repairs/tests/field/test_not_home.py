"""上门未遇: a visit where nobody was at home."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from aftersales import sms
from care.choices import Stage
from repairs import field, services
from repairs.choices import RescheduleReason as R
from repairs.choices import WorkOrderStatus as S
from repairs.factories import WorkOrderFactory
from repairs.models import NotHomeVisit, WorkOrderEvent

from .helpers import _deadline, _fresh, _move, _not_home, _on_the_way, _to, day_at, jpeg

pytestmark = pytest.mark.django_db


def test_nobody_at_home_waits_for_a_new_appointment_tells_the_customer_and_keeps_the_visit(
    world, django_capture_on_commit_callbacks
):
    _on_the_way(world)

    with django_capture_on_commit_callbacks(execute=True):
        visit = _not_home(world, photo=jpeg())

    order = _fresh(world["order"])
    assert order.status == S.TO_RESCHEDULE and order.arrived_at == visit.arrived_at
    assert (visit.center, visit.technician, visit.calls_made, visit.travel_km) == (
        world["centre"],
        world["qian"],
        3,
        18,
    )
    assert visit.photo.name.startswith("work-orders/not-home/")
    event = WorkOrderEvent.objects.filter(work_order=order).latest("pk")
    assert (event.from_status, event.to_status) == (S.EN_ROUTE, S.TO_RESCHEDULE)
    assert "3" in event.note and "18 公里" in event.note
    assert _deadline(order, Stage.ON_SITE).stop_reason == "met"  # the technician was at the door
    assert len(sms.outbox) == 1 and order.number in sms.outbox[0].body
    assert NotHomeVisit.objects.get(pk=visit.pk).customer_told
    visit.photo.delete(save=False)

    # A new appointment after it: the customer's absence, the order dispatched again.
    _move(world, day_at(2, 9), day_at(2, 11), R.NOT_HOME)
    order = _fresh(order)
    assert order.status == S.DISPATCHED and order.customer_wait_seconds > 0


@pytest.mark.parametrize("status", [S.NEW, S.DISPATCHED, S.IN_REPAIR])
def test_nobody_at_home_is_refused_before_the_visit_or_once_in_repair(world, status):
    if status == S.NEW:
        world["order"] = WorkOrderFactory(status=S.NEW)
    elif status == S.IN_REPAIR:
        world["order"] = _to(
            world["order"], S.ACCEPTED, S.EN_ROUTE, S.ON_SITE, S.IN_REPAIR, user=world["qian"].user
        )

    with pytest.raises(ValidationError) as caught:
        _not_home(world, user=world["dispatcher"])

    code = caught.value.error_dict["status"][0].code
    assert code == ("not_dispatched" if status == S.NEW else "not_on_the_way")
    assert _fresh(world["order"]).status == status and not NotHomeVisit.objects.exists()


@pytest.mark.parametrize(
    ("values", "field_name"),
    [
        ({"calls_made": 0}, "calls_made"),
        ({"calls_made": "abc"}, "calls_made"),
        ({"note": ""}, "note"),
        ({"photo": SimpleUploadedFile("door.jpg", b"not a photo")}, "photo"),
        ({"travel_km": -3}, "travel_km"),
        ({"travel_km": 1001}, "travel_km"),
        ({"arrived_at": None}, "arrived_at"),
        ({"arrived_at": timezone.now() + dt.timedelta(hours=2)}, "arrived_at"),
    ],
    ids=[
        "no-call",
        "calls-not-a-number",
        "neither-photo-nor-note",
        "not-a-photo",
        "negative-km",
        "too-far",
        "no-arrival",
        "arrival-in-the-future",
    ],
)
def test_nobody_at_home_needs_a_call_a_photo_or_note_and_the_distance(world, values, field_name):
    _on_the_way(world)
    with pytest.raises(ValidationError) as caught:
        _not_home(world, **values)
    assert field_name in caught.value.message_dict
    assert _fresh(world["order"]).status == S.EN_ROUTE and not NotHomeVisit.objects.exists()


def test_the_second_to_record_the_same_visit_is_told_who_did(world):
    _on_the_way(world)
    _not_home(world)
    with pytest.raises(ValidationError) as caught:
        _not_home(world, user=world["dispatcher"])
    assert world["qian"].user.first_name in caught.value.message_dict["status"][0]
    assert NotHomeVisit.objects.count() == 1


def test_the_status_machinery_does_not_enter_to_be_rescheduled_by_itself(world):
    order = _on_the_way(world)
    with pytest.raises(ValidationError) as caught:
        services.work_order_transition(
            work_order=order, to_status=S.TO_RESCHEDULE, acting_user=world["dispatcher"]
        )
    assert caught.value.message_dict["status"]
    assert _fresh(order).status == S.EN_ROUTE


def test_after_two_visits_the_supervisor_decides(world, django_capture_on_commit_callbacks):
    _on_the_way(world)
    _not_home(world)
    _move(world, day_at(2, 9), day_at(2, 11), R.NOT_HOME)
    world["order"] = _to(_fresh(world["order"]), S.ACCEPTED, S.EN_ROUTE, user=world["qian"].user)
    _not_home(world, arrived_at=timezone.now() - dt.timedelta(minutes=1))
    sms.outbox.clear()

    for user in (world["dispatcher"], world["qian"].user):
        with pytest.raises(ValidationError) as caught:
            _move(world, day_at(3, 9), day_at(3, 11), R.NOT_HOME, user=user)
        assert "2" in caught.value.message_dict["reason"][0]
        with pytest.raises(ValidationError):
            field.work_order_not_home_cancel(work_order=world["order"], acting_user=user, note="客户联系不上")
    assert _fresh(world["order"]).status == S.TO_RESCHEDULE

    with django_capture_on_commit_callbacks(execute=True):
        field.work_order_not_home_cancel(
            work_order=world["order"], acting_user=world["supervisor"], note="两次上门未遇，客户电话停机"
        )
    order = _fresh(world["order"])
    assert order.status == S.CANCELLED
    assert "两次上门未遇" in WorkOrderEvent.objects.filter(work_order=order).latest("pk").note
    assert len(sms.outbox) == 1 and order.number in sms.outbox[0].body


def test_after_two_visits_the_supervisor_may_send_the_technician_once_more(world):
    _on_the_way(world)
    _not_home(world)
    _move(world, day_at(2, 9), day_at(2, 11), R.NOT_HOME)
    world["order"] = _to(_fresh(world["order"]), S.ACCEPTED, S.EN_ROUTE, user=world["qian"].user)
    _not_home(world, arrived_at=timezone.now() - dt.timedelta(minutes=1))

    _move(world, day_at(3, 9), day_at(3, 11), R.NOT_HOME, user=world["supervisor"])

    order = _fresh(world["order"])
    assert order.status == S.DISPATCHED and order.reschedule_count == 2


def test_the_settlement_pays_the_centre_that_completed_the_redispatched_work(world):
    from decimal import Decimal

    from network.models import FeeSchedule, SettlementRate
    from repairs.factories import finish
    from settlement.services import previous_month, settlement_compute

    field.work_order_redispatch(
        work_order=world["order"],
        center=world["huishan"],
        technician=world["zhou"],
        reason="转惠山网点",
        acting_user=world["dispatcher"],
    )
    month = previous_month(timezone.now())
    closed = timezone.make_aware(dt.datetime.combine(month.replace(day=15), dt.time(15)))
    finish(world["order"], closed_at=closed, completed_at=closed)
    SettlementRate.objects.all().update(base_subsidy_amount=Decimal("0.00"))
    FeeSchedule.objects.create(
        category=world["category"],
        service_kind="on_site_repair",
        center_level=world["huishan"].level,
        fee_amount=Decimal("80.00"),
        valid_from=month,
    )

    paid = settlement_compute(center=world["huishan"], month=month)
    first = settlement_compute(center=world["centre"], month=month)

    assert [(line.work_order_id, line.amount) for line in paid.lines.all()] == [
        (world["order"].pk, Decimal("80.00"))
    ]
    assert not first.lines.exists()


def test_a_visit_nobody_was_at_home_is_paid_once_by_its_distance_to_the_centre_that_made_it(world):
    from decimal import Decimal

    from network.models import SettlementRate, TravelFee
    from settlement.services import settlement_compute

    month = timezone.localdate().replace(day=1)
    SettlementRate.objects.all().update(base_subsidy_amount=Decimal("0.00"))
    TravelFee.objects.all().delete()
    level = world["centre"].level
    for km_from, km_to, fee in ((0, 10, "0.00"), (10, 30, "20.00"), (30, None, "45.00")):
        TravelFee.objects.create(
            center_level=level, km_from=km_from, km_to=km_to, fee_amount=Decimal(fee), valid_from=month
        )
    _on_the_way(world)
    first = _not_home(world, travel_km=18)
    _move(world, day_at(2, 9), day_at(2, 11), R.NOT_HOME)
    world["order"] = _to(_fresh(world["order"]), S.ACCEPTED, S.EN_ROUTE, user=world["qian"].user)
    _not_home(world, arrived_at=timezone.now() - dt.timedelta(minutes=1), travel_km=4)  # the free band

    statement = settlement_compute(center=world["centre"], month=month)
    lines = [(line.kind, line.not_home_visit_id, line.amount) for line in statement.lines.all()]
    assert lines == [("wasted_visit", first.pk, Decimal("20.00"))]
    # Computed again, the visit is still paid once; another centre's statement has nothing of it.
    again = settlement_compute(center=world["centre"], month=month)
    assert [(line.not_home_visit_id, line.amount) for line in again.lines.all()] == [
        (first.pk, Decimal("20.00"))
    ]
    assert not settlement_compute(center=world["huishan"], month=month).lines.exists()
