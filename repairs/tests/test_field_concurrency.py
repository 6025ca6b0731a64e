"""Two people acting on one work order at the same instant, for real (threads, each its own connection and
transaction): the row lock lets one through, and the other is told who did what."""

import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from network.factories import DistrictFactory, ServiceCenterFactory, TechnicianFactory, UserFactory, authorise
from repairs import field, services
from repairs.choices import RescheduleReason
from repairs.choices import WorkOrderStatus as S
from repairs.factories import WorkOrderFactory
from repairs.models import NotHomeVisit, ProductCategory, Reschedule, WorkOrder
from repairs.tests.test_register_concurrency import run_in_threads

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reference_data")]


def day_at(days: int, hour: int) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


@pytest.fixture
def on_the_way():
    """An order its technician set off for; a dispatcher and the centre's supervisor."""
    category = ProductCategory.objects.get(code="washing_machine")
    district = DistrictFactory()
    centre = ServiceCenterFactory()
    tech = TechnicianFactory(center=centre, user__first_name="杨工")
    authorise(tech, category, district)
    supervisor = UserFactory(username="he", first_name="何主任", roles=["supervisor"])
    centre.supervisors.add(supervisor)
    dispatcher = UserFactory(username="lv", first_name="吕调度", roles=["dispatcher"])
    order = WorkOrderFactory(
        status=S.NEW, call__service_region=district, call__unit__model__category=category
    )
    services.work_order_dispatch(
        work_order=order,
        center=centre,
        technician=tech,
        appointment_start=day_at(1, 10),
        appointment_end=day_at(1, 12),
        acting_user=dispatcher,
        notify_customer=False,
        now=timezone.now() - dt.timedelta(hours=2),
    )
    for status in (S.ACCEPTED, S.EN_ROUTE):
        order = services.work_order_transition(work_order=order, to_status=status, acting_user=tech.user)
    return {"order": order, "tech": tech, "supervisor": supervisor, "dispatcher": dispatcher}


def test_nobody_at_home_recorded_twice_at_once_is_recorded_once(on_the_way):
    barrier = threading.Barrier(2)

    def record_as(user):
        def attempt():
            barrier.wait(timeout=10)
            return field.work_order_not_home(
                work_order=on_the_way["order"],
                arrived_at=timezone.now() - dt.timedelta(minutes=5),
                calls_made=2,
                travel_km=11,
                note="无人应答",
                acting_user=user,
                notify_customer=False,
            )

        return attempt

    results = run_in_threads([record_as(on_the_way["tech"].user), record_as(on_the_way["dispatcher"])])

    won = [r for r in results if isinstance(r, NotHomeVisit)]
    lost = [r for r in results if isinstance(r, ValidationError)]
    assert len(won) == 1 and len(lost) == 1, results
    assert won[0].by.first_name in lost[0].message_dict["status"][0]
    assert NotHomeVisit.objects.count() == 1
    assert WorkOrder.objects.get(pk=on_the_way["order"].pk).status == S.TO_RESCHEDULE


def test_two_new_appointments_at_once_one_wins_the_other_is_told_who(on_the_way):
    field.work_order_not_home(
        work_order=on_the_way["order"],
        arrived_at=timezone.now() - dt.timedelta(minutes=5),
        calls_made=2,
        travel_km=11,
        note="无人应答",
        acting_user=on_the_way["tech"].user,
        notify_customer=False,
    )
    barrier = threading.Barrier(2)

    def move_as(user, hour):
        def attempt():
            barrier.wait(timeout=10)
            return field.work_order_reschedule(
                work_order=on_the_way["order"],
                appointment_start=day_at(2, hour),
                appointment_end=day_at(2, hour + 2),
                reason=RescheduleReason.NOT_HOME,
                acting_user=user,
                seen_reschedules=0,
                notify_customer=False,
            )

        return attempt

    results = run_in_threads([move_as(on_the_way["dispatcher"], 9), move_as(on_the_way["supervisor"], 14)])

    won = [r for r in results if isinstance(r, Reschedule)]
    lost = [r for r in results if isinstance(r, ValidationError)]
    assert len(won) == 1 and len(lost) == 1, results
    assert won[0].by.first_name in lost[0].message_dict["status"][0]
    order = WorkOrder.objects.get(pk=on_the_way["order"].pk)
    assert order.reschedule_count == 1 and order.status == S.DISPATCHED
    assert order.appointment_start == won[0].new_start
