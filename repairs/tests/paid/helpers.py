"""Helpers of the paid tests."""

from __future__ import annotations

import base64
import datetime as dt
import io
import uuid
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone
from PIL import Image, ImageDraw

from repairs import services
from repairs.choices import (
    ConsentMethod,
    FaultCodeKind,
    QuoteLineKind,
    ServiceType,
)
from repairs.choices import WorkOrderStatus as S
from repairs.factories import WorkOrderFactory, close_with_record
from repairs.models import (
    FaultCode,
    Receivable,
    WorkOrderClosing,
)
from repairs.services import QuoteLineInput

CHINA = ZoneInfo("Asia/Shanghai")


def paid_order(technician, *, status=S.ON_SITE, arrived=True, service_type=ServiceType.PAID, **kwargs):
    now = timezone.now().replace(microsecond=0)
    return WorkOrderFactory(
        center=technician.center,
        technician=technician,
        status=status,
        appointment_start=now - dt.timedelta(hours=1),
        appointment_end=now + dt.timedelta(hours=1),
        arrived_at=now - dt.timedelta(minutes=30) if arrived else None,
        call__service_type=service_type,
        **kwargs,
    )


def signature_png(ink=True) -> bytes:
    image = Image.new("RGBA", (380, 120), (0, 0, 0, 0))
    if ink:
        ImageDraw.Draw(image).line(
            [(20, 80), (120, 30), (200, 90), (340, 40)], fill=(17, 17, 17, 255), width=4
        )
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def signature_data(ink=True) -> str:
    return "data:image/png;base64," + base64.b64encode(signature_png(ink)).decode()


def quoted(order, user, amount="80.00", *, consent=True):
    quote = services.quote_create(
        work_order=order,
        lines=[
            QuoteLineInput(QuoteLineKind.TRAVEL, "上门检测费", 1, Decimal("50.00")),
            QuoteLineInput(QuoteLineKind.LABOUR, "小修工时费", 1, Decimal(amount)),
        ],
        acting_user=user,
    )
    if consent:
        services.consent_record(
            quote=quote, given_by="张三", method=ConsentMethod.PHONE, acting_user=user, note="电话确认"
        )
    return quote


def fault(order, kind=FaultCodeKind.FAULT):
    return (
        FaultCode.objects.filter(category_id=order.call.unit.model.category_id, kind=kind)
        .order_by("pk")
        .first()
    )


def closing_post(order, **overrides):
    data = {
        "client_id": str(uuid.uuid4()),
        "fault_code": fault(order).pk,
        "cause": fault(order, FaultCodeKind.CAUSE).pk,
        "resolution": "repaired",
        "labour_minutes": "40",
        "signature_data": signature_data(),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def errors_of(response) -> dict:
    return response.json()["errors"]


def nothing_closed(order):
    order.refresh_from_db()
    return (
        order.status,
        WorkOrderClosing.objects.filter(work_order=order).exists(),
        Receivable.objects.filter(work_order=order).exists(),
    )


def owed(technician, user, amount="80.00"):
    order = paid_order(technician, status=S.IN_REPAIR)
    quoted(order, user, amount=amount)
    close_with_record(order, user, collected_amount="0", pay_later=True, receivable_note="下周转账")
    return order.receivable


def _pdf_text(pdf: bytes, tmp_path) -> str:
    import subprocess

    path = tmp_path / "voucher.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout
