"""Complaints: registered, replied to, resolved; a resolved complaint is called back."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.numbering import next_number

from ..choices import (
    CallbackReason,
    ComplaintCategory,
    ComplaintStatus,
    Stage,
)
from ..deadlines import (
    complaint_deadline_stop,
    complaint_deadlines_create,
    policy_for,
)
from ..models import Complaint
from .callbacks import COMPLAINT_PREFIX, _callback_schedule

# Complaints --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ComplaintInput:
    call: object
    category: str
    description: str
    work_order: object | None = None
    technician: object | None = None


def complaint_register(*, data: ComplaintInput, acting_user, now: dt.datetime | None = None) -> Complaint:
    """Logs a complaint with its reply (24 hours) and resolution (30 days) deadlines from the call's policy."""
    now = now or timezone.now()
    errors = {}
    if data.category not in ComplaintCategory.values:
        errors["category"] = _("Choose what the complaint is about.")
    if not data.description.strip():
        errors["description"] = _("Write down what the customer says.")
    elif len(data.description) > 1000:
        errors["description"] = _("At most 1000 characters.")
    if data.work_order is not None and data.work_order.call_id != data.call.pk:
        errors["work_order"] = _("The work order belongs to another call.")
    center_id = data.work_order.center_id if data.work_order is not None else None
    if data.technician is not None and center_id and data.technician.center_id != center_id:
        errors["technician"] = _("The staff member works for another centre than the work order's.")
    if errors:
        raise ValidationError(errors)
    policy = policy_for(data.call)
    with transaction.atomic():
        complaint = Complaint.objects.create(
            number=next_number(COMPLAINT_PREFIX, day=timezone.localdate(now)),
            call=data.call,
            work_order=data.work_order,
            center_id=center_id or (data.technician.center_id if data.technician else None),
            technician=data.technician,
            category=data.category,
            description=data.description.strip(),
            received_at=now,
            received_by=acting_user,
            reply_due_at=now + dt.timedelta(hours=policy.complaint_reply_hours),
            resolve_due_at=now + dt.timedelta(days=policy.complaint_resolve_days),
        )
        complaint_deadlines_create(complaint=complaint, policy=policy)
    return complaint


def _lock_complaint(complaint: Complaint) -> Complaint:
    return Complaint.objects.select_for_update().get(pk=complaint.pk)


def complaint_reply(
    *, complaint: Complaint, reply: str, acting_user, now: dt.datetime | None = None
) -> Complaint:
    now = now or timezone.now()
    if not reply.strip():
        raise ValidationError({"reply": _("Write the reply given to the customer.")})
    with transaction.atomic():
        row = _lock_complaint(complaint)
        if row.status != ComplaintStatus.OPEN:
            raise ValidationError({"status": _("The complaint was replied to already.")})
        row.status, row.replied_at, row.reply, row.handled_by = (
            ComplaintStatus.REPLIED,
            now,
            reply.strip()[:1000],
            acting_user,
        )
        row.save()
        complaint_deadline_stop(complaint=row, stage=Stage.COMPLAINT_REPLY, at=now)
    return row


def complaint_resolve(
    *, complaint: Complaint, resolution: str, upheld: bool | None, acting_user, now: dt.datetime | None = None
) -> Complaint:
    """Resolves the complaint: upheld or not (an upheld one counts against the staff member and the centre);
    the customer is called back after it."""
    now = now or timezone.now()
    errors = {}
    if not resolution.strip():
        errors["resolution"] = _("Say how the complaint was resolved.")
    if upheld is None:
        errors["upheld"] = _("Say whether the complaint is upheld.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        row = _lock_complaint(complaint)
        if row.status == ComplaintStatus.RESOLVED:
            raise ValidationError({"status": _("The complaint is resolved already.")})
        if row.replied_at is None:
            row.replied_at, row.reply = now, resolution.strip()[:1000]
            complaint_deadline_stop(complaint=row, stage=Stage.COMPLAINT_REPLY, at=now)
        row.status, row.resolved_at, row.resolution, row.upheld = (
            ComplaintStatus.RESOLVED,
            now,
            resolution.strip()[:1000],
            upheld,
        )
        row.handled_by = acting_user
        row.save()
        complaint_deadline_stop(complaint=row, stage=Stage.COMPLAINT_RESOLVE, at=now)
        order = row.work_order or row.call.work_orders.order_by("-created_at").first()
        if order is not None:
            _callback_schedule(
                order=order,
                reason=CallbackReason.COMPLAINT_RESOLVED,
                due=now + dt.timedelta(days=settings.CARE_CALLBACK_AFTER_DAYS),
                complaint=row,
            )
    return row
