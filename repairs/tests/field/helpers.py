"""Helpers of the field tests."""

from __future__ import annotations

import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from care.models import Deadline
from repairs import field, services
from repairs.choices import RescheduleReason as R
from repairs.choices import WorkOrderStatus as S
from repairs.models import WorkOrder


def day_at(days: int, hour: int, minute: int = 0) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def jpeg() -> SimpleUploadedFile:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (120, 90, 60)).save(buffer, "JPEG")
    return SimpleUploadedFile("door.jpg", buffer.getvalue(), content_type="image/jpeg")


def _fresh(order) -> WorkOrder:
    return WorkOrder.objects.get(pk=order.pk)


def _deadline(order, stage) -> Deadline:
    return Deadline.objects.get(work_order=order, stage=stage)


def _move(world, start, end, reason=R.CUSTOMER, user=None, **extra):
    return field.work_order_reschedule(
        work_order=world["order"],
        appointment_start=start,
        appointment_end=end,
        reason=reason,
        acting_user=user or world["dispatcher"],
        **extra,
    )


def _to(order, *statuses, user):
    for status in statuses:
        order = services.work_order_transition(work_order=order, to_status=status, acting_user=user)
    return order


def _not_home(world, user=None, **extra):
    values = {
        "arrived_at": timezone.now() - dt.timedelta(minutes=10),
        "calls_made": 3,
        "travel_km": 18,
        "note": "敲门五分钟无人应答，已在门上留下联系卡",
    }
    values.update(extra)
    return field.work_order_not_home(
        work_order=world["order"], acting_user=user or world["qian"].user, **values
    )


def _on_the_way(world):
    """Accepted and set off now (the window moved to today so that the technician is on his way to it)."""
    order = _to(world["order"], S.ACCEPTED, S.EN_ROUTE, user=world["qian"].user)
    world["order"] = order
    return order
