"""Logging a repair call: the numbering prefixes and limits the register's services share, the duplicate
guard, the unit's repair history, the service type suggested by the 三包 decision, and the event trail
(`_event`) every change of a work order goes through."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales import events
from aftersales.numbering import next_number
from aftersales.validators import normalize_phone, validate_phone
from warranty.rules import FactsError, RepairRecord
from warranty.services import unit_facts, warranty_decision_record

from ..choices import (
    OPEN_STATUSES,
    CallChannel,
    CallCustomerRequest,
    Priority,
    ServiceType,
    WorkOrderStatus,
)
from ..findings import category_component
from ..models import (
    Customer,
    FaultSymptom,
    ProductUnit,
    RepairCall,
    WorkOrder,
    WorkOrderEvent,
)
from ..repair_spans import repair_spans

CALL_PREFIX = "BX"  # 报修
WORK_ORDER_PREFIX = "PG"  # 派工
CARRY_IN_PREFIX = "SJ"  # 送检
PHONE_GUIDANCE_CALLBACK = dt.timedelta(hours=2)  # phone guidance: the customer is called back 2 hours later
QUOTE_MAX_QUANTITY = 10_000
QUOTE_MAX_AMOUNT = Decimal("999999.99")  # a quote (and each of its lines) in yuan
REPAIR_CARD_MAX_MINUTES = 30 * 24 * 60  # a carry-in repair's actual time: at most the 30 days it may take


class DuplicateCall(ValidationError):
    """An open call exists on the unit: the dispatcher links to it or confirms a new one."""

    def __init__(self, open_calls: list[RepairCall]):
        self.open_calls = open_calls
        super().__init__(
            {
                "duplicate_of": _(
                    "This unit already has an open repair call (%(numbers)s): open it, or confirm that this "
                    "is a new fault."
                )
                % {"numbers": "、".join(c.number for c in open_calls)}
            },
            code="duplicate_call",
        )


@dataclass(frozen=True)
class ServiceTypeSuggestion:
    service_type: str
    reason: str


def service_type_suggest(*, decision: dict | None) -> ServiceTypeSuggestion:
    """From a stored 三包 decision: B (contract) when a maintenance contract pays for the repair or part of
    it, or the free repair comes from an extended-warranty contract; A (paid) for paid repair; C (free)
    otherwise. The dispatcher may override it with a reason."""
    if decision is None:
        return ServiceTypeSuggestion(ServiceType.PAID, _("No 三包 decision could be taken: paid service."))
    # A maintenance contract pays for the whole repair or part of it (the rest is quoted as paid work).
    if any(r["rule"] == "maintenance_contract" for r in decision["reasons"]):
        return ServiceTypeSuggestion(
            ServiceType.CONTRACT, _("Covered by a maintenance contract: contract service.")
        )
    if decision["verdict"] == "paid_repair":
        return ServiceTypeSuggestion(ServiceType.PAID, _("Out of 三包 coverage: paid service."))
    if any(r["rule"] == "extended_warranty" for r in decision["reasons"]):
        return ServiceTypeSuggestion(ServiceType.CONTRACT, _("Covered by an extended-warranty contract."))
    return ServiceTypeSuggestion(ServiceType.FREE, _("Within the 三包 period: free service."))


def unit_repair_history(
    *, unit: ProductUnit, symptom: FaultSymptom | None, exclude_order: WorkOrder | None = None
) -> tuple[RepairRecord, ...]:
    """The unit's earlier repairs as the 三包 engine counts them: work orders that went into repair (not
    `exclude_order`, the one being judged again). One for the same symptom as now counts as the same fault,
    and as not fixed (the fault is back)."""

    records = []
    orders = list(
        WorkOrder.objects.filter(call__unit=unit, repair_started_at__isnull=False)
        .exclude(status=WorkOrderStatus.CANCELLED)
        .exclude(pk=exclude_order.pk if exclude_order else None)
        .select_related("call")
        .order_by("repair_started_at")
    )
    # Each counts from the day it was sent in (a carry-in's date in; an on-site repair that waited for
    # parts, its first visit), with the cause of a delay — the 三包 engine then offers the exchange (art. 12).
    spans = repair_spans(orders=orders)
    for order in orders:
        same = symptom is not None and order.call.symptom_id == symptom.pk
        records.append(
            RepairRecord(
                sent_on=spans[order.pk].sent_on,
                returned_on=timezone.localdate(order.completed_at) if order.completed_at else None,
                fixed=not same,
                performance_fault=True,
                same_fault=same,
                delay_cause=spans[order.pk].delay_cause,
            )
        )
    return tuple(records)


def open_calls_on_unit(*, unit: ProductUnit) -> list[RepairCall]:
    return list(
        RepairCall.objects.filter(unit=unit, work_orders__status__in=OPEN_STATUSES)
        .distinct()
        .order_by("-logged_at")
    )


def call_defaults(
    *, customer: Customer, service_region=None, service_address: str = "", caller_phone: str = ""
) -> tuple:
    """Where and whom a call is about when the caller does not say: the service district and address default
    to the customer's primary address, the caller's phone to the customer's primary phone (each read only
    when it is missing). Returns (service_region or None, service_address, caller's phone or "") — the one rule the register's page and
    the API both apply before repair_call_register."""
    address = None
    if service_region is None or not service_address:
        address = customer.addresses.select_related("region").order_by("-is_primary", "pk").first()
    phone = None if caller_phone else customer.phones.order_by("-is_primary", "pk").first()
    return (
        service_region or (address.region if address else None),
        service_address or (address.detail if address else ""),
        caller_phone or (phone.number if phone else ""),
    )


def _event(work_order: WorkOrder, from_status: str, to_status: str, actor, at, note: str = "") -> None:
    """Appends to the order's trail and publishes WORK_ORDER_CHANGED in the same transaction, so what follows
    from the order's state (its SLA deadlines and callbacks, the dealer's webhooks, whatever listens) is
    brought up to date by the apps that own it (aftersales.events)."""
    WorkOrderEvent.objects.create(
        work_order=work_order, from_status=from_status, to_status=to_status, actor=actor, at=at, note=note
    )
    events.publish(events.WORK_ORDER_CHANGED, order=work_order, previous=from_status, now=at)


def repair_call_register(
    *,
    customer: Customer,
    unit: ProductUnit,
    caller_name: str,
    caller_phone: str,
    service_region,
    service_address: str,
    symptom: FaultSymptom | None,
    symptom_text: str = "",
    customer_request: str = CallCustomerRequest.REPAIR,
    service_type: str | None = None,
    service_type_reason: str = "",
    priority: str = Priority.NORMAL,
    channel: str = CallChannel.HOTLINE,
    performance_fault: bool = True,
    exclusions: tuple[str, ...] = (),
    component: str = "",
    confirm_duplicate_of: RepairCall | None = None,
    dealer=None,
    preferred_start: dt.datetime | None = None,
    preferred_end: dt.datetime | None = None,
    acting_user,
    now: dt.datetime | None = None,
) -> RepairCall:
    """Logs a call with its first work order (status new) and the 三包 decision taken on the facts of today,
    for the faulty part the caller names (`component`, a code of the unit's category; empty: the whole unit).

    Raises DuplicateCall when the unit has an open call the dispatcher has not confirmed past."""
    now = now or timezone.now()
    errors = {}
    try:
        validate_phone(caller_phone)
    except ValidationError as exc:
        errors["caller_phone"] = exc.messages
    caller_phone = normalize_phone(caller_phone)
    if not (caller_name or "").strip():
        errors["caller_name"] = _("Enter the caller's name.")
    elif len(caller_name.strip()) > RepairCall._meta.get_field("caller_name").max_length:
        errors["caller_name"] = _("At most %(n)s characters.") % {
            "n": RepairCall._meta.get_field("caller_name").max_length
        }
    if unit.owner_id != customer.pk:
        errors["unit"] = _("The product unit belongs to another customer.")
    if symptom is not None and symptom.category_id != unit.model.category_id:
        errors["symptom"] = _("The symptom is not one of this product category's.")
    try:
        faulty = category_component(category=unit.model.category, code=component)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if symptom is None and not symptom_text.strip():
        errors["symptom_text"] = _(
            "Describe the fault: pick a common symptom or type what the customer says."
        )
    report_day = timezone.localdate(now)
    if unit.sale_date and unit.sale_date > report_day:
        errors["unit"] = _("The unit's sale date (%(day)s) is after the report date.") % {
            "day": unit.sale_date
        }
    if errors:
        raise ValidationError(errors)

    with transaction.atomic():
        # Lock the unit: two dispatchers logging a call on it at once are serialised here, so the
        # duplicate guard below sees the other's call.
        ProductUnit.objects.select_for_update().filter(pk=unit.pk).first()
        open_calls = open_calls_on_unit(unit=unit)
        if open_calls and (
            confirm_duplicate_of is None or confirm_duplicate_of.pk not in {c.pk for c in open_calls}
        ):
            raise DuplicateCall(open_calls)

        try:
            facts = unit_facts(
                unit=unit,
                report_date=report_day,
                component=faulty.code,
                performance_fault=performance_fault,
                exclusions=tuple(exclusions),
                repairs=unit_repair_history(unit=unit, symptom=symptom),
            )
            decision_row = warranty_decision_record(unit=unit, facts=facts, acting_user=acting_user, now=now)
            decision = decision_row.result
        except FactsError:
            decision_row, decision = None, None
        suggestion = service_type_suggest(decision=decision)
        chosen = service_type or suggestion.service_type
        if chosen not in ServiceType.values:
            raise ValidationError({"service_type": _("Choose a service type A, B, C or D.")})
        if chosen != suggestion.service_type and not service_type_reason.strip():
            raise ValidationError(
                {
                    "service_type_reason": _(
                        "The suggested service type is %(suggested)s: say why this call is %(chosen)s."
                    )
                    % {
                        "suggested": ServiceType(suggestion.service_type).label,
                        "chosen": ServiceType(chosen).label,
                    }
                }
            )
        call = RepairCall.objects.create(
            number=next_number(CALL_PREFIX, day=report_day),
            channel=channel,
            caller_name=caller_name.strip(),
            caller_phone=caller_phone,
            customer=customer,
            unit=unit,
            service_region=service_region,
            service_address=service_address.strip(),
            symptom=symptom,
            symptom_text=symptom_text.strip(),
            customer_request=customer_request,
            service_type=chosen,
            suggested_service_type=suggestion.service_type,
            service_type_reason=service_type_reason.strip() if chosen != suggestion.service_type else "",
            priority=priority,
            component=faulty,
            warranty_decision=decision_row,
            duplicate_of=confirm_duplicate_of,
            dealer=dealer,
            preferred_start=preferred_start,
            preferred_end=preferred_end,
            logged_by=acting_user,
            logged_at=now,
        )
        order = WorkOrder.objects.create(
            number=next_number(WORK_ORDER_PREFIX, day=report_day),
            call=call,
            status=WorkOrderStatus.NEW,
            status_changed_at=now,
            created_at=now,
        )
        _event(order, "", WorkOrderStatus.NEW, acting_user, now, _("Call logged"))
    return call
