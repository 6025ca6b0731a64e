"""Helpers of the tablet tests."""

import base64
import datetime as dt
import io
import uuid

from django.utils import timezone
from PIL import Image, ImageDraw

from inventory.models import DefectiveReturn, StockLevel, StockMovement
from repairs.choices import FaultCodeKind, ServiceType
from repairs.choices import WorkOrderStatus as S
from repairs.factories import WorkOrderFactory
from repairs.models import FaultCode, WorkOrderClosing, WorkOrderPhoto


def order_for(technician, *, status=S.IN_REPAIR, start=None, service_type=ServiceType.FREE, **kwargs):
    start = start or timezone.now().replace(microsecond=0) + dt.timedelta(hours=1)
    return WorkOrderFactory(
        center=technician.center,
        technician=technician,
        status=status,
        appointment_start=start,
        appointment_end=start + dt.timedelta(hours=2),
        call__service_type=service_type,
        **kwargs,
    )


def codes(order, kind):
    return FaultCode.objects.filter(category_id=order.call.unit.model.category_id, kind=kind).order_by(
        "sort_order"
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


def jpeg(name="photo.jpg", size=(64, 48)):
    from django.core.files.uploadedfile import SimpleUploadedFile

    buffer = io.BytesIO()
    Image.new("RGB", size, (90, 140, 200)).save(buffer, format="JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def closing_post(order, **overrides):
    data = {
        "client_id": str(uuid.uuid4()),
        "fault_code": codes(order, FaultCodeKind.FAULT).first().pk,
        "cause": codes(order, FaultCodeKind.CAUSE).first().pk,
        "resolution": "part_replaced",
        "resolution_note": "更换启动电容，试机正常",
        "labour_minutes": "45",
        "signature_data": "data:image/png;base64," + base64.b64encode(signature_png()).decode(),
        "satisfaction": "very_satisfied",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def on_hand(world, part):
    return StockLevel.objects.get(warehouse=world["wh"], part=part).quantity


def state(order):
    """What a refused closing must leave as it was."""
    order.refresh_from_db()
    return (
        order.status,
        StockMovement.objects.count(),
        list(StockLevel.objects.order_by("pk").values_list("quantity", flat=True)),
        WorkOrderClosing.objects.count(),
        WorkOrderPhoto.objects.count(),
        DefectiveReturn.objects.count(),
    )
