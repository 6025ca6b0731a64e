"""A model-month's units and repairs for the early-warning tests, inserted in bulk (a few hundred rows in a
few queries): units sold on a day, some repaired a number of days after the sale, with a fault code and a
part replaced."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from decimal import Decimal

from care.calendar import CHINA
from inventory.choices import MovementKind
from inventory.factories import PartFactory, WarehouseFactory
from inventory.models import StockMovement
from network.factories import DistrictFactory, ServiceCenterFactory, UserFactory
from repairs.choices import CallCustomerRequest, FaultCodeKind, Resolution, ServiceType, WorkOrderStatus
from repairs.factories import CustomerFactory, ProductCategoryFactory, ProductModelFactory
from repairs.models import FaultCode, ProductUnit, RepairCall, WorkOrder, WorkOrderClosing

NOW = dt.datetime(2026, 12, 1, 10, 0, tzinfo=CHINA)
SOLD = dt.date(2026, 6, 1)  # in service for six months by NOW
_serial = itertools.count(1)


def fault(category, code="E1", name="压缩机不启动", kind=FaultCodeKind.FAULT):
    found, _created = FaultCode.objects.get_or_create(
        category=category, kind=kind, code=code, defaults={"name": name, "name_en": code}
    )
    return found


def aircon(number: str):
    return ProductModelFactory(model_number=number, category=ProductCategoryFactory(code="air_conditioner"))


def batch(
    model,
    made: dt.date,
    *,
    units: int,
    repairs: int = 0,
    sold: dt.date = SOLD,
    after_days: int = 10,
    service_type: str = ServiceType.FREE,
    request: str = CallCustomerRequest.REPAIR,
    fault_code=None,
    part=None,
) -> list[ProductUnit]:
    """`units` units of `model` made on `made` and sold on `sold`; the first `repairs` of them repaired (a
    closed work order) `after_days` days after the sale, with `fault_code` and one `part` issued."""
    owner = CustomerFactory()
    rows = ProductUnit.objects.bulk_create(
        [
            ProductUnit(
                model=model,
                serial_number=f"QT{next(_serial):08d}",
                owner=owner,
                sale_date=sold,
                factory_date=made,
            )
            for _ in range(units)
        ]
    )
    if repairs:
        repair(
            rows[:repairs],
            days=after_days,
            service_type=service_type,
            request=request,
            fault_code=fault_code,
            part=part,
        )
    return rows


def repair(
    units,
    *,
    days,
    service_type=ServiceType.FREE,
    request=CallCustomerRequest.REPAIR,
    fault_code=None,
    part=None,
):
    """A closed repair of each unit, called in `days` days after its sale."""
    region = DistrictFactory()
    center = ServiceCenterFactory(code="SC-Q")
    user = UserFactory(username="closer")
    category = units[0].model.category
    fault_code = fault_code or fault(category)
    cause = fault(category, "C1", "元件老化", FaultCodeKind.CAUSE)
    calls = RepairCall.objects.bulk_create(
        [
            RepairCall(
                number=f"BXQ{next(_serial):09d}",
                caller_name="张三",
                caller_phone="13812345678",
                customer_id=u.owner_id,
                unit=u,
                service_region=region,
                service_address="中山路 1 号",
                customer_request=request,
                service_type=service_type,
                suggested_service_type=service_type,
                logged_at=dt.datetime.combine(
                    u.sale_date + dt.timedelta(days=days), dt.time(9), tzinfo=CHINA
                ),
            )
            for u in units
        ]
    )
    orders = WorkOrder.objects.bulk_create(
        [
            WorkOrder(
                number=f"PGQ{next(_serial):09d}",
                call=c,
                center=center,
                status=WorkOrderStatus.CLOSED,
                completed_at=c.logged_at + dt.timedelta(days=1),
                closed_at=c.logged_at + dt.timedelta(days=1),
            )
            for c in calls
        ]
    )
    WorkOrderClosing.objects.bulk_create(
        [
            WorkOrderClosing(
                work_order=o,
                client_id=uuid.uuid4(),
                fault_code=fault_code,
                cause=cause,
                resolution=Resolution.REPAIRED,
                labour_minutes=60,
                confirmed_by_code=True,
                closed_by=user,
                closed_at=o.closed_at,
            )
            for o in orders
        ]
    )
    if part is not None:
        warehouse = WarehouseFactory(code="WH-Q", center=center)
        StockMovement.objects.bulk_create(
            [
                StockMovement(
                    warehouse=warehouse,
                    part=part,
                    kind=MovementKind.ISSUE,
                    quantity=-1,
                    unit_cost_amount=Decimal("100.00"),
                    value_amount=Decimal("-100.00"),
                    work_order=o,
                )
                for o in orders
            ]
        )
    return orders


def compressor(category):
    return PartFactory(code="QP-COMP", name="压缩机", category=category)
