"""Fixtures of the field tests."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from aftersales import sms
from network.factories import DistrictFactory, ServiceCenterFactory, TechnicianFactory, UserFactory, authorise
from repairs import services
from repairs.choices import WorkOrderStatus as S
from repairs.factories import WorkOrderFactory
from repairs.models import ProductCategory

from .helpers import day_at


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
