"""Fixtures of the services tests."""

from decimal import Decimal

import pytest

from inventory import services
from inventory.choices import (
    OverCreditPolicy,
)
from inventory.factories import PartFactory, WarehouseFactory
from inventory.models import (
    DefectiveReturn,
    InventorySettings,
)
from network.factories import ServiceCenterFactory, UserFactory

from .helpers import NOW, receive, work_order


@pytest.fixture
def world(users):
    """The central warehouse, the defective-parts store, centre A (the `users` fixture's, with its supervisor)
    and centre B (with a supervisor of its own), each with a warehouse; three parts of the air-conditioner
    category."""
    other = ServiceCenterFactory(code="SC-B", name="乙网点")
    other_supervisor = UserFactory(username="sup_b", roles=["supervisor"])
    other.supervisors.add(other_supervisor)
    return {
        **users,
        "central": WarehouseFactory(central=True),
        "defective": WarehouseFactory(defective=True),
        "wh_a": WarehouseFactory(center=users["center"]),
        "other": other,
        "other_supervisor": other_supervisor,
        "wh_b": WarehouseFactory(center=other),
        "compressor": PartFactory(code="YSJ-01", name="压缩机", unit_cost_amount=Decimal("100.00")),
        "board": PartFactory(code="ZB-01", name="主板", unit_cost_amount=Decimal("50.00")),
        "fan": PartFactory(code="FS-01", name="风扇电机", unit_cost_amount=Decimal("10.00")),
    }


@pytest.fixture
def limits(db):
    settings = InventorySettings.current()
    settings.auto_approve_max_quantity = 10
    settings.auto_approve_max_amount = Decimal("1000.00")
    settings.over_credit_policy = OverCreditPolicy.REFUSE
    settings.save()
    return settings


@pytest.fixture
def tag(world, settings, tmp_path):
    """An open tag of centre A: a returnable compressor issued to one of its work orders."""
    settings.MEDIA_ROOT = tmp_path
    compressor = world["compressor"]
    compressor.return_required = True
    compressor.save()
    receive(world, world["wh_a"], compressor, 1, "100.00")
    services.part_issue(
        work_order=work_order(world),
        part=compressor,
        old_serial="OLD-9",
        acting_user=world["technician"],
        now=NOW,
    )
    return DefectiveReturn.objects.get()
