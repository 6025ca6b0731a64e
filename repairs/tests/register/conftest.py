"""Fixtures of the register tests."""

import datetime as dt

import pytest

from network.factories import (
    DistrictFactory,
    ServiceCenterFactory,
    UserFactory,
)
from repairs import services
from repairs.choices import ServiceType
from repairs.choices import WorkOrderStatus as S
from repairs.models import (
    LoanerUnit,
    ProductCategory,
)

from .helpers import certified, dispatch, log_call, move, unit_sold


@pytest.fixture
def dispatcher():
    return UserFactory(username="disp_wang", first_name="王调度", roles=["dispatcher"])


@pytest.fixture
def centre():
    """A centre covering its district, open 9:00–18:00, with an engineer certified for air conditioners."""
    district = DistrictFactory()
    center = ServiceCenterFactory(region=district, opens_at=dt.time(9, 0), closes_at=dt.time(18, 0))
    center.coverage.add(district)
    supervisor = UserFactory(roles=["supervisor"])
    center.supervisors.add(supervisor)
    return center


@pytest.fixture
def paid_order(dispatcher, centre):
    """An out-of-warranty call, dispatched and accepted by the engineer."""
    call = log_call(unit_sold(730), dispatcher)
    assert call.service_type == ServiceType.PAID
    order = call.work_orders.get()
    technician = certified(centre)
    dispatch(order, centre, dispatcher, technician)
    move(order, S.ACCEPTED, technician.user)
    return order


@pytest.fixture
def taken_in(dispatcher, centre):
    """An accepted on-site order whose product the engineer takes to the workshop."""
    technician = certified(centre)
    order = log_call(unit_sold(60), dispatcher).work_orders.get()
    dispatch(order, centre, dispatcher, technician)
    move(order, S.ACCEPTED, technician.user)
    carry_in = services.carry_in_receive(
        work_order=order, acting_user=technician.user, condition_note="外壳有划痕"
    )
    return {
        "order": order,
        "carry_in": carry_in,
        "technician": technician.user,
        "supervisor": centre.supervisors.get(),
    }


@pytest.fixture
def loaner(centre):
    return LoanerUnit.objects.create(
        center=centre,
        category=ProductCategory.objects.get(code="air_conditioner"),
        description="周转空调 1.5 匹",
        serial_number="ln-0001",
    )
