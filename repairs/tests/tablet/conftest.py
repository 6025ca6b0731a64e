"""Fixtures of the tablet tests."""

from decimal import Decimal

import pytest

from aftersales import sms
from inventory import services as inventory
from inventory.factories import PartFactory, WarehouseFactory
from network.factories import ServiceCenterFactory, TechnicianFactory, UserFactory


@pytest.fixture(autouse=True)
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    sms.outbox.clear()


@pytest.fixture
def world(users):
    center = users["center"]
    other_center = ServiceCenterFactory(code="SC-B", name="乙网点")
    other_supervisor = UserFactory(username="sup_b", roles=["supervisor"])
    other_center.supervisors.add(other_supervisor)
    colleague = TechnicianFactory(user=UserFactory(username="tech_b", roles=["technician"]), center=center)
    central = WarehouseFactory(central=True)
    WarehouseFactory(defective=True)
    wh = WarehouseFactory(center=center)
    compressor = PartFactory(
        code="YSJ-01",
        name="压缩机",
        unit_cost_amount=Decimal("300.00"),
        return_required=True,
        serialized=True,
    )
    capacitor = PartFactory(code="DR-01", name="启动电容", unit_cost_amount=Decimal("12.00"))
    inventory.deposit_pay(center=center, amount="5000.00", acting_user=users["manager"])  # credit 15,000
    inventory.stock_receive(
        warehouse=central,
        lines=[(compressor, 5, "300.00"), (capacitor, 20, "12.00")],
        reference="RK-1",
        acting_user=users["manager"],
    )
    inventory.stock_transfer(
        source=central, destination=wh, lines=[(compressor, 2), (capacitor, 10)], acting_user=users["manager"]
    )
    return {
        **users,
        "tech": users["technician"].technician,
        "colleague": colleague,
        "other_supervisor": other_supervisor,
        "wh": wh,
        "compressor": compressor,
        "capacitor": capacitor,
    }
