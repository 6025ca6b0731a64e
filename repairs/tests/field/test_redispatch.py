"""改派: giving the order to someone else."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from care.choices import Stage
from care.models import Deadline
from repairs import field
from repairs.choices import WorkOrderStatus as S
from repairs.factories import WorkOrderFactory
from repairs.models import Redispatch, WorkOrderEvent
from repairs.selectors import tablet_scope

from .helpers import _deadline, _fresh, _to

pytestmark = pytest.mark.django_db


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
