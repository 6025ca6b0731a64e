"""Fixtures of the flow_pages tests."""

from decimal import Decimal

import pytest

from inventory import services
from inventory.factories import PartFactory, WarehouseFactory
from inventory.models import (
    DefectiveReturn,
)
from network.factories import ServiceCenterFactory, UserFactory
from repairs.choices import WorkOrderStatus
from repairs.factories import WorkOrderFactory


@pytest.fixture
def shop(users, settings, tmp_path):
    """Centre A (supervised by sup_a) and centre B (sup_b), each with a warehouse and a deposit of 2,000
    yuan at ratio 3 (credit 6,000); the central warehouse holds 100 compressors (300 yuan) and 100 filters
    (20 yuan); compressors must come back when replaced."""
    settings.MEDIA_ROOT = tmp_path / "media"
    manager = users["manager"]
    center_a = users["center"]
    center_b = ServiceCenterFactory(code="SC-B", name="乙网点")
    sup_b = UserFactory(username="sup_b", roles=["supervisor"])
    center_b.supervisors.add(sup_b)
    central = WarehouseFactory(central=True)
    WarehouseFactory(defective=True)
    wh_a = WarehouseFactory(center=center_a)
    WarehouseFactory(center=center_b)
    compressor = PartFactory(
        code="YSJ-001", name="压缩机", unit_cost_amount=Decimal("300.00"), return_required=True
    )
    filter_ = PartFactory(code="LW-002", name="滤网", unit_cost_amount=Decimal("20.00"))
    services.stock_receive(
        warehouse=central,
        lines=[(compressor, 100, "300.00"), (filter_, 100, "20.00")],
        reference="RK-1",
        acting_user=manager,
    )
    for center in (center_a, center_b):
        services.deposit_pay(center=center, amount="2000.00", acting_user=manager)
    return {
        "manager": manager,
        "own": users["supervisor"],
        "other": sup_b,
        "nobody": users["nobody"],
        "center": center_a,
        "center_b": center_b,
        "central": central,
        "wh_a": wh_a,
        "compressor": compressor,
        "filter": filter_,
    }


@pytest.fixture
def tag(shop):
    """One compressor issued at centre A to a work order: one tag owed back."""
    services.stock_receive(
        warehouse=shop["wh_a"],
        lines=[(shop["compressor"], 5, "300.00")],
        reference="RK-A",
        acting_user=shop["manager"],
    )
    order = WorkOrderFactory(center=shop["center"], status=WorkOrderStatus.IN_REPAIR)
    services.part_issue(
        work_order=order,
        part=shop["compressor"],
        quantity=1,
        old_serial="OLD-123",
        serial_number="NEW-456",
        reason="测试",
        acting_user=shop["manager"],
    )
    return DefectiveReturn.objects.get()
