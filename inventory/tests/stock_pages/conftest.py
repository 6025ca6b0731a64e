"""Fixtures of the stock_pages tests."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from inventory import services
from inventory.factories import PartFactory, WarehouseFactory
from network.factories import ServiceCenterFactory, UserFactory
from repairs.choices import WorkOrderStatus
from repairs.factories import WorkOrderFactory


@pytest.fixture
def world(users):
    """The central warehouse, centre A (the `users` supervisor's) and centre B with their warehouses and
    supervisors, two parts, stock in all three warehouses."""
    manager = users["manager"]
    central = WarehouseFactory(central=True)
    wa = WarehouseFactory(center=users["center"])
    center_b = ServiceCenterFactory(code="SC-B", name="乙网点")
    sup_b = UserFactory(username="sup_b", roles=["supervisor"])
    center_b.supervisors.add(sup_b)
    wb = WarehouseFactory(center=center_b)
    compressor = PartFactory(code="YSJ-001", name="压缩机", is_major=True, unit_cost_amount=Decimal("800.00"))
    board = PartFactory(code="ZB-002", name="主板", unit_cost_amount=Decimal("120.00"))
    services.stock_receive(
        warehouse=central,
        lines=[(compressor, 10, "800.00"), (board, 20, "120.00")],
        reference="RK-1",
        acting_user=manager,
    )
    services.deposit_pay(center=users["center"], amount="10000", acting_user=manager)
    services.deposit_pay(center=center_b, amount="10000", acting_user=manager)
    services.stock_transfer(source=central, destination=wa, lines=[(compressor, 2)], acting_user=manager)
    services.stock_transfer(source=central, destination=wb, lines=[(board, 3)], acting_user=manager)
    return {
        "central": central,
        "wa": wa,
        "wb": wb,
        "center_a": users["center"],
        "center_b": center_b,
        "sup_b": sup_b,
        "compressor": compressor,
        "board": board,
    }


@pytest.fixture
def centre_activity(users, world):
    """Centre A: a part request awaiting a manager, an approved one, a defective return overdue and one
    still in time."""
    manager = users["manager"]
    order = WorkOrderFactory(center=world["center_a"], status=WorkOrderStatus.IN_REPAIR)
    returnable = PartFactory(
        code="HX-9",
        name="换向阀",
        category=order.call.unit.model.category,
        return_required=True,
        return_within_days=7,
    )
    services.stock_receive(
        warehouse=world["wa"], lines=[(returnable, 3, "60.00")], reference="R", acting_user=manager
    )
    services.part_issue(
        work_order=order, part=returnable, acting_user=manager, now=timezone.now() - dt.timedelta(days=10)
    )
    services.part_issue(work_order=order, part=returnable, acting_user=manager)
    small = services.part_request_submit(
        center=world["center_a"], lines=[(world["board"], 2)], acting_user=users["supervisor"]
    )
    big = services.part_request_submit(
        center=world["center_a"], lines=[(world["compressor"], 5)], acting_user=users["supervisor"]
    )
    return {"order": order, "returnable": returnable, "small": small, "big": big}
