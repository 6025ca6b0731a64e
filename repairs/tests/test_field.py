"""The field's everyday exceptions: a moved appointment (改约), an order given to someone else (改派) and a visit
where nobody was at home (上门未遇) — each rule, each refusal (with nothing changed), their effect on the SLA,
on the tablets and on the customer's messages."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from aftersales import sms
from care.choices import Stage
from care.models import Deadline
from network.factories import DistrictFactory, ServiceCenterFactory, TechnicianFactory, UserFactory, authorise
from repairs import field, services
from repairs.choices import RescheduleReason as R
from repairs.choices import WorkOrderStatus as S
from repairs.factories import WorkOrderFactory
from repairs.models import NotHomeVisit, ProductCategory, Redispatch, Reschedule, WorkOrder, WorkOrderEvent
from repairs.selectors import tablet_scope

pytestmark = pytest.mark.django_db


def day_at(days: int, hour: int, minute: int = 0) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def jpeg() -> SimpleUploadedFile:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (120, 90, 60)).save(buffer, "JPEG")
    return SimpleUploadedFile("door.jpg", buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture(autouse=True)
def outbox():
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


@pytest.fixture
def world():
    """An air conditioner's call in 梁溪区, dispatched to 梁溪 centre's 钱工 for tomorrow 10:00–12:00; 孙工 of
    the same centre certified too; 惠山 centre covers the district, 广州 does not."""
    air_conditioner = ProductCategory.objects.get(code="air_conditioner")
    liangxi = DistrictFactory(name="梁溪区", parent__name="无锡市", parent__parent__name="江苏省")
    liangxi_centre = ServiceCenterFactory(code="JS-WX-01", name="无锡梁溪服务中心", region=liangxi)
    huishan = ServiceCenterFactory(code="JS-WX-02", name="无锡惠山服务中心", region=liangxi)
    guangzhou = ServiceCenterFactory(code="GD-GZ-01", name="广州天河服务中心")
    qian = TechnicianFactory(center=liangxi_centre, name="钱工", user__username="qian")
    sun = TechnicianFactory(center=liangxi_centre, name="孙工", user__username="sun")
    zhou = TechnicianFactory(center=huishan, name="周工", user__username="zhou")
    qin = TechnicianFactory(center=guangzhou, name="秦工", user__username="qin")
    for tech in (qian, sun, zhou):
        authorise(tech, air_conditioner, liangxi)
    authorise(qin, air_conditioner)
    supervisor = UserFactory(username="sup", first_name="吴主任", roles=["supervisor"])
    liangxi_centre.supervisors.add(supervisor)
    other_supervisor = UserFactory(username="sup2", first_name="郑主任", roles=["supervisor"])
    huishan.supervisors.add(other_supervisor)
    dispatcher = UserFactory(username="disp", first_name="王调度", roles=["dispatcher"])
    order = WorkOrderFactory(
        status=S.NEW,
        call__service_region=liangxi,
        call__unit__model__category=air_conditioner,
        call__caller_phone="13812345678",
    )
    services.work_order_dispatch(
        work_order=order,
        center=liangxi_centre,
        technician=qian,
        appointment_start=day_at(1, 10),
        appointment_end=day_at(1, 12),
        acting_user=dispatcher,
        notify_customer=False,
        now=timezone.now() - dt.timedelta(hours=3),
    )
    order.refresh_from_db()
    return {
        "order": order,
        "category": air_conditioner,
        "centre": liangxi_centre,
        "huishan": huishan,
        "guangzhou": guangzhou,
        "qian": qian,
        "sun": sun,
        "zhou": zhou,
        "qin": qin,
        "supervisor": supervisor,
        "other_supervisor": other_supervisor,
        "dispatcher": dispatcher,
        "manager": UserFactory(username="boss", first_name="赵经理", roles=["manager"]),
    }


def _fresh(order) -> WorkOrder:
    return WorkOrder.objects.get(pk=order.pk)


def _deadline(order, stage) -> Deadline:
    return Deadline.objects.get(work_order=order, stage=stage)


def _move(world, start, end, reason=R.CUSTOMER, user=None, **extra):
    return field.work_order_reschedule(
        work_order=world["order"],
        appointment_start=start,
        appointment_end=end,
        reason=reason,
        acting_user=user or world["dispatcher"],
        **extra,
    )


def _to(order, *statuses, user):
    for status in statuses:
        order = services.work_order_transition(work_order=order, to_status=status, acting_user=user)
    return order


def _not_home(world, user=None, **extra):
    values = {
        "arrived_at": timezone.now() - dt.timedelta(minutes=10),
        "calls_made": 3,
        "travel_km": 18,
        "note": "敲门五分钟无人应答，已在门上留下联系卡",
    }
    values.update(extra)
    return field.work_order_not_home(
        work_order=world["order"], acting_user=user or world["qian"].user, **values
    )


def _on_the_way(world):
    """Accepted and set off now (the window moved to today so that the technician is on his way to it)."""
    order = _to(world["order"], S.ACCEPTED, S.EN_ROUTE, user=world["qian"].user)
    world["order"] = order
    return order


# 改约 ----------------------------------------------------------------------------------------------------


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


# 改派 ----------------------------------------------------------------------------------------------------


def test_a_supervisor_gives_the_order_to_another_of_his_technicians(world):
    accepted = _to(world["order"], S.ACCEPTED, user=world["qian"].user)
    world["order"] = accepted

    row = field.work_order_redispatch(
        work_order=accepted,
        center=world["centre"],
        technician=world["sun"],
        reason="钱工病假",
        acting_user=world["supervisor"],
    )

    order = _fresh(accepted)
    assert order.technician == world["sun"] and order.status == S.DISPATCHED  # 孙工 accepts it himself
    assert (row.from_technician, row.to_technician, row.from_status) == (
        world["qian"],
        world["sun"],
        S.ACCEPTED,
    )
    # Off the first technician's tablet, on the new one's with the whole history.
    assert not tablet_scope(world["qian"].user)[0].filter(pk=order.pk).exists()
    assert tablet_scope(world["sun"].user)[0].filter(pk=order.pk).exists()
    assert WorkOrderEvent.objects.filter(work_order=order).count() >= 3
    assert "钱工病假" in WorkOrderEvent.objects.filter(work_order=order).latest("pk").note
    # The deadlines still running follow (the acceptance met by 钱工 stays his).
    running = Deadline.objects.filter(work_order=order, stopped_at__isnull=True)
    assert _deadline(order, Stage.ACCEPT).technician == world["qian"]
    assert set(running.values_list("technician_id", flat=True)) == {world["sun"].pk}


def test_a_supervisor_cannot_send_it_to_another_centre_a_dispatcher_can(world):
    with pytest.raises(ValidationError) as caught:
        field.work_order_redispatch(
            work_order=world["order"],
            center=world["huishan"],
            technician=world["zhou"],
            reason="本网点人手不足",
            acting_user=world["supervisor"],
        )
    assert "center" in caught.value.message_dict
    assert _fresh(world["order"]).center == world["centre"]

    field.work_order_redispatch(
        work_order=world["order"],
        center=world["huishan"],
        technician=None,
        reason="本网点人手不足",
        acting_user=world["dispatcher"],
    )
    order = _fresh(world["order"])
    assert order.center == world["huishan"] and order.technician is None
    assert set(
        Deadline.objects.filter(work_order=order, stopped_at__isnull=True).values_list("center_id", flat=True)
    ) == {world["huishan"].pk}
    # The new centre's supervisor assigns it among his own technicians.
    field.work_order_redispatch(
        work_order=order,
        center=world["huishan"],
        technician=world["zhou"],
        reason="派给周工",
        acting_user=world["other_supervisor"],
    )
    assert _fresh(order).technician == world["zhou"]


def test_a_centre_that_does_not_cover_the_call_or_has_no_agreement_in_force_is_refused(world):
    with pytest.raises(ValidationError) as caught:
        field.work_order_redispatch(
            work_order=world["order"],
            center=world["guangzhou"],
            technician=world["qin"],
            reason="客户搬家",
            acting_user=world["manager"],
        )
    assert "江苏省无锡市梁溪区" in caught.value.message_dict["center"][0]

    huishan = world["huishan"]
    huishan.agreement_end = timezone.localdate() - dt.timedelta(days=1)
    huishan.save()
    with pytest.raises(ValidationError) as caught:
        field.work_order_redispatch(
            work_order=world["order"],
            center=huishan,
            technician=None,
            reason="x",
            acting_user=world["dispatcher"],
        )
    assert str(timezone.localdate()) in caught.value.message_dict["center"][0]
    assert _fresh(world["order"]).center == world["centre"] and not Redispatch.objects.exists()


@pytest.mark.parametrize("problem", ["inactive", "uncertified", "other-centre", "same", "none"])
def test_a_technician_who_cannot_take_it_is_refused(world, problem):
    technician = world["sun"]
    if problem == "inactive":
        technician.active = False
        technician.save()
    elif problem == "uncertified":
        technician.categories.clear()
    elif problem == "other-centre":
        technician = world["zhou"]
    elif problem == "same":
        technician = world["qian"]
    else:
        technician = None

    with pytest.raises(ValidationError) as caught:
        field.work_order_redispatch(
            work_order=world["order"],
            center=world["centre"],
            technician=technician,
            reason="调整",
            acting_user=world["dispatcher"],
        )

    assert "technician" in caught.value.message_dict
    assert _fresh(world["order"]).technician == world["qian"] and not Redispatch.objects.exists()


def test_parts_issued_from_the_centres_stock_keep_the_order_there(world):
    from decimal import Decimal

    from inventory import services as stock
    from inventory.factories import PartFactory, WarehouseFactory

    order = _to(world["order"], S.ACCEPTED, S.EN_ROUTE, S.ON_SITE, S.IN_REPAIR, user=world["qian"].user)
    warehouse = WarehouseFactory(center=world["centre"])
    part = PartFactory(code="KFR-PCB", category=world["category"], unit_cost_amount=Decimal("120.00"))
    stock.stock_receive(
        warehouse=warehouse, lines=[(part, 3, "120.00")], reference="RK-9", acting_user=world["manager"]
    )
    stock.part_issue(work_order=order, part=part, acting_user=world["manager"], reason="换主板")

    with pytest.raises(ValidationError) as caught:
        field.work_order_redispatch(
            work_order=order,
            center=world["huishan"],
            technician=world["zhou"],
            reason="转惠山",
            acting_user=world["dispatcher"],
        )

    message = caught.value.message_dict["center"][0]
    assert "KFR-PCB ×1" in message and "无锡梁溪服务中心" in message
    assert _fresh(order).center == world["centre"]
    # Within the centre it may still change hands, and in repair it stays in repair.
    field.work_order_redispatch(
        work_order=order,
        center=world["centre"],
        technician=world["sun"],
        reason="钱工下班",
        acting_user=world["dispatcher"],
    )
    order = _fresh(order)
    assert order.technician == world["sun"] and order.status == S.IN_REPAIR


def test_only_a_dispatched_unfinished_order_is_redispatched_and_never_by_a_technician(world):
    with pytest.raises(ValidationError):
        field.work_order_redispatch(
            work_order=world["order"],
            center=world["centre"],
            technician=world["sun"],
            reason="我忙",
            acting_user=world["qian"].user,
        )
    new = WorkOrderFactory(status=S.NEW)
    with pytest.raises(ValidationError) as caught:
        field.work_order_redispatch(
            work_order=new,
            center=world["centre"],
            technician=world["sun"],
            reason="x",
            acting_user=world["dispatcher"],
        )
    assert caught.value.error_dict["status"][0].code == "not_dispatched"
    with pytest.raises(ValidationError):
        field.work_order_redispatch(
            work_order=world["order"],
            center=world["centre"],
            technician=world["sun"],
            reason=" ",
            acting_user=world["dispatcher"],
        )
    assert not Redispatch.objects.exists()


def test_a_redispatch_made_meanwhile_refuses_the_second_naming_who_made_it(world):
    field.work_order_redispatch(
        work_order=world["order"],
        center=world["centre"],
        technician=world["sun"],
        reason="钱工病假",
        acting_user=world["dispatcher"],
        seen_redispatches=0,
    )
    with pytest.raises(ValidationError) as caught:
        field.work_order_redispatch(
            work_order=world["order"],
            center=world["huishan"],
            technician=world["zhou"],
            reason="转惠山",
            acting_user=world["manager"],
            seen_redispatches=0,
        )
    assert "王调度" in caught.value.message_dict["status"][0]
    assert _fresh(world["order"]).technician == world["sun"]


# 上门未遇 -------------------------------------------------------------------------------------------------


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
