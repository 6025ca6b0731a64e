"""Closing an inspection: the checklist of the unit's category (each item in order, needing attention, or not
checked), the readings where an item measures something, the findings — each may open a repair call on the
spot, linked to the inspection — and the customer's confirmation (signature or SMS code). The work order is
completed through repairs' own closing (repairs.closing.work_order_close), in the same transaction."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from repairs.choices import (
    CallCustomerRequest,
    FaultCodeKind,
    Resolution,
    WorkOrderStatus,
)
from repairs.closing import ClosingInput, _code_check, technician_may_act, work_order_close
from repairs.models import FaultCode, WorkOrder
from repairs.services import call_defaults, repair_call_take, work_order_transition

from ..choices import ItemResult
from ..models import ChecklistItem, Inspection, InspectionFinding, InspectionResult

MAX_FINDINGS = 10
# The shortest way to "in repair" (the one status an order is closed from) for an inspection made by phone,
# remotely, or once the technician is there.
_STEPS = {
    WorkOrderStatus.DISPATCHED: WorkOrderStatus.ACCEPTED,
    WorkOrderStatus.ACCEPTED: WorkOrderStatus.IN_REPAIR,
    WorkOrderStatus.EN_ROUTE: WorkOrderStatus.ON_SITE,
    WorkOrderStatus.ON_SITE: WorkOrderStatus.IN_REPAIR,
}


@dataclass(frozen=True)
class FindingInput:
    description: str
    open_call: bool = False


@dataclass(frozen=True)
class InspectionInput:
    client_id: str
    # checklist item pk → (result, reading as typed)
    results: dict
    findings: tuple = ()
    labour_minutes: object = 30
    summary: str = ""
    signature_png: bytes | None = None
    confirmation_code: str = ""
    extra: dict = field(default_factory=dict)


def checklist(inspection: Inspection) -> list[ChecklistItem]:
    category_id = inspection.plan.unit.model.category_id
    return list(
        ChecklistItem.objects.filter(category_id=category_id, active=True).order_by("sort_order", "code")
    )


def _reading(item: ChecklistItem, raw) -> Decimal:
    text = "" if raw is None else str(raw).strip().replace("，", ".")
    try:
        value = Decimal(text)
        if not value.is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        raise ValidationError(
            _("%(item)s: the reading must be a number in %(unit)s.") % {"item": item.name, "unit": item.unit}
        ) from None
    if not item.min_value <= value <= item.max_value:
        raise ValidationError(
            _("%(item)s: %(value)s %(unit)s is outside %(low)s–%(high)s %(unit)s; check the reading.")
            % {
                "item": item.name,
                "value": value,
                "unit": item.unit,
                "low": item.min_value,
                "high": item.max_value,
            }
        )
    return value.quantize(Decimal("0.01"))


def _validate(items, data: InspectionInput) -> tuple[dict, list]:
    errors: dict[str, list] = {}
    rows = []
    for item in items:
        key = f"item_{item.pk}"
        result, raw = data.results.get(item.pk, data.results.get(str(item.pk), ("", "")))
        if result not in ItemResult.values:
            errors[key] = [_("%(item)s: say whether it is in order.") % {"item": item.name}]
            continue
        reading = None
        if item.unit and result != ItemResult.NOT_CHECKED:
            try:
                reading = _reading(item, raw)
            except ValidationError as exc:
                errors[key] = exc.messages
                continue
        rows.append((item, result, reading))
    findings = [f for f in data.findings if f.description.strip()]
    if len(findings) > MAX_FINDINGS:
        errors["findings"] = [_("At most %(n)s findings.") % {"n": MAX_FINDINGS}]
    for finding in findings:
        if len(finding.description.strip()) > 500:
            errors["findings"] = [_("A finding has at most 500 characters.")]
    if len(data.summary) > 500:
        errors["summary"] = [_("At most 500 characters.")]
    return errors, findings, rows


def inspection_complete(
    *, inspection: Inspection, data: InspectionInput, acting_user, now: dt.datetime | None = None
) -> Inspection:
    """Records the inspection and completes its work order, all or nothing."""
    now = now or timezone.now()
    order = inspection.work_order
    if order is None:
        raise ValidationError({"status": _("This inspection has no work order yet.")})
    if not technician_may_act(acting_user, order):
        raise ValidationError(
            {"status": _("Only the order's technician or the centre's supervisor records it.")}
        )
    if inspection.done_at is not None:
        raise ValidationError({"status": _("This inspection was already recorded.")}, code="done")
    items = checklist(inspection)
    errors, findings, rows = _validate(items, data)
    if errors:
        raise ValidationError(errors)
    category_id = inspection.plan.unit.model.category_id
    fault = FaultCode.objects.filter(
        category_id=category_id, kind=FaultCodeKind.FAULT, code__endswith="-E0"
    ).first()
    cause = FaultCode.objects.filter(category_id=category_id, kind=FaultCodeKind.CAUSE, code="C-WEAR").first()
    if fault is None or cause is None:
        raise ValidationError({"status": _("This product category has no closing codes for an inspection.")})
    if data.confirmation_code.strip() and not data.signature_png:
        _code_check(order, data.confirmation_code)  # a wrong code is counted even though nothing else is kept

    with transaction.atomic():
        locked = Inspection.objects.select_for_update().get(pk=inspection.pk)
        if locked.done_at is not None:
            raise ValidationError({"status": _("This inspection was already recorded.")}, code="done")
        current = WorkOrder.objects.get(pk=order.pk)
        for _i in range(3):
            step = _STEPS.get(current.status)
            if step is None:
                break
            current = work_order_transition(
                work_order=current,
                to_status=step,
                acting_user=acting_user,
                note=_("Periodic inspection"),
                now=now,
            )
        InspectionResult.objects.bulk_create(
            [
                InspectionResult(inspection=locked, item=item, result=result, reading=reading)
                for item, result, reading in rows
            ]
        )
        call = current.call
        for finding in findings:
            repair_call = None
            if finding.open_call:
                region, address, phone = call_defaults(
                    customer=call.customer,
                    service_region=call.service_region,
                    service_address=call.service_address,
                    caller_phone=call.caller_phone,
                )
                try:
                    repair_call = repair_call_take(
                        unit=call.unit,
                        acting_user=acting_user,
                        now=now,
                        caller_name=call.caller_name,
                        caller_phone=phone,
                        service_region=region,
                        service_address=address,
                        symptom=None,
                        symptom_text=(
                            _("Found on inspection: %(finding)s") % {"finding": finding.description.strip()}
                        )[:500],
                        customer_request=CallCustomerRequest.REPAIR,
                        confirm_duplicate_of=call,
                    )
                except ValidationError as exc:
                    raise ValidationError({"findings": exc.messages}) from None
            InspectionFinding.objects.create(
                inspection=locked,
                description=finding.description.strip(),
                repair_call=repair_call,
                created_at=now,
            )
        attention = findings or any(result == ItemResult.ATTENTION for _i, result, _r in rows)
        closing_input = ClosingInput(
            client_id=str(data.client_id or uuid.uuid4()),
            fault_code=fault,
            cause=cause,
            resolution=Resolution.ADVICE if attention else Resolution.NO_FAULT,
            resolution_note=(data.summary or _("Periodic inspection"))[:500],
            labour_minutes=data.labour_minutes,
            signature_png=data.signature_png,
            confirmation_code=data.confirmation_code,
        )
        work_order_close(work_order=current, data=closing_input, acting_user=acting_user, now=now)
        locked.done_at = now
        locked.done_by = acting_user
        locked.summary = data.summary.strip()[:500]
        locked.save(update_fields=["done_at", "done_by", "summary"])
    return locked
