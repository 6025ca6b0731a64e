"""Helpers of the services tests."""

import datetime as dt
import io
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from inventory import services
from inventory.models import (
    CreditEntry,
    DefectiveReturn,
    DepositAccount,
    DepositEntry,
    PartRequest,
    StockLevel,
    StockMovement,
)
from repairs.choices import ServiceType
from repairs.choices import WorkOrderStatus as S
from repairs.factories import WorkOrderFactory

# 2026-03-01 17:30 UTC is already 2 March in Shanghai: day boundaries are Chinese ones.
NOW = dt.datetime(2026, 3, 1, 17, 30, tzinfo=dt.UTC)


def level(warehouse, part) -> tuple[int, Decimal]:
    row = StockLevel.objects.filter(warehouse=warehouse, part=part).first()
    return (row.quantity, row.value_amount) if row else (0, Decimal("0.00"))


def receive(world, warehouse, part, quantity, cost, reference="RK-1"):
    return services.stock_receive(
        warehouse=warehouse,
        lines=[(part, quantity, cost)],
        reference=reference,
        acting_user=world["manager"],
        now=NOW,
    )


def stock_centre(world, part, quantity, cost="100.00", center_key="a"):
    """Central receives the parts and transfers them to a centre (which uses its credit)."""
    receive(world, world["central"], part, quantity, cost)
    services.stock_transfer(
        source=world["central"],
        destination=world[f"wh_{center_key}"],
        lines=[(part, quantity)],
        acting_user=world["manager"],
        now=NOW,
    )


def work_order(world, *, service_type=ServiceType.FREE, status=S.IN_REPAIR, center=None):
    return WorkOrderFactory(center=center or world["center"], status=status, call__service_type=service_type)


def account(center) -> DepositAccount:
    return DepositAccount.objects.get_or_create(center=center)[0]


def fund(world, center, deposit="1000.00", ratio="3"):
    services.deposit_pay(center=center, amount=deposit, acting_user=world["manager"], now=NOW)
    services.deposit_set_ratio(center=center, ratio=ratio, acting_user=world["manager"], now=NOW)


def png(name="part.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def snapshot():
    """Everything a refused operation must leave as it was."""
    return (
        list(
            StockLevel.objects.order_by("pk").values_list(
                "warehouse_id", "part_id", "quantity", "value_amount"
            )
        ),
        StockMovement.objects.count(),
        list(DepositAccount.objects.order_by("pk").values_list("deposit_amount", "credit_used_amount")),
        CreditEntry.objects.count(),
        DepositEntry.objects.count(),
        list(PartRequest.objects.order_by("pk").values_list("status", flat=True)),
        list(DefectiveReturn.objects.order_by("pk").values_list("status", flat=True)),
    )


def submit(world, lines, center=None, user=None, **kwargs):
    return services.part_request_submit(
        center=center or world["center"],
        lines=lines,
        acting_user=user or world["supervisor"],
        now=NOW,
        **kwargs,
    )


BAD_AMOUNTS = ["0", "-5", Decimal("0.001"), "abc", "", None, "NaN", "Infinity", "1e30", "10000000000000"]
