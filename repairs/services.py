"""Every write of the repair-call register: logging a call, dispatching it, moving a work order through its
statuses, carry-in, loaners, quotes and consent.

Each function is keyword-only, opens its own transaction, locks the rows it changes and checks its guards
under the lock. Errors are `django.core.exceptions.ValidationError`s keyed by the field they are about,
with messages the dispatcher reads (Chinese through the catalogue). HTML views and API actions call the
same functions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import partial

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from aftersales import events
from aftersales.money import money
from aftersales.numbering import next_number
from aftersales.roles import Role, has_role
from aftersales.validators import normalize_phone, validate_phone
from network.models import ServiceCenter, Technician
from warranty.rules import FactsError, RepairRecord
from warranty.services import unit_facts, warranty_decision_record

from .choices import (
    OPEN_STATUSES,
    CallChannel,
    CallCustomerRequest,
    ConsentMethod,
    LoanerStatus,
    Priority,
    QuoteLineKind,
    ServiceMode,
    ServiceType,
    WorkOrderStatus,
)
from .findings import category_component
from .models import (
    CarryIn,
    Consent,
    Customer,
    DispatchOverride,
    FaultSymptom,
    LoanerLoan,
    LoanerUnit,
    ProductUnit,
    Quote,
    QuoteLine,
    RepairCall,
    WorkOrder,
    WorkOrderEvent,
)
from .tasks import confirmation_code_send

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
    """From a stored 三包 decision: A (paid) for paid repair; B (contract) when the free repair comes from
    an extended-warranty contract; C (free) otherwise. The dispatcher may override it with a reason."""
    if decision is None:
        return ServiceTypeSuggestion(ServiceType.PAID, _("No 三包 decision could be taken: paid service."))
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
    from .repair_spans import repair_spans

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


def _lock(work_order: WorkOrder) -> WorkOrder:
    # Lock the work order only, not the call, unit and model rows joined for the checks.
    return (
        WorkOrder.objects.select_for_update(of=("self",))
        .select_related("call__unit__model")
        .get(pk=work_order.pk)
    )


def _not_allowed(order: WorkOrder, to_status: str) -> ValidationError:
    return ValidationError(
        {
            "status": _("Work order %(number)s is “%(current)s”: it cannot become “%(target)s”.")
            % {
                "number": order.number,
                "current": WorkOrderStatus(order.status).label,
                "target": WorkOrderStatus(to_status).label,
            }
        },
        code="transition_not_allowed",
    )


def _check_appointment(
    *, center: ServiceCenter, start: dt.datetime, end: dt.datetime, now: dt.datetime
) -> dict:
    errors = {}
    if end <= start:
        errors["appointment_end"] = _("The appointment must end after it starts.")
        return errors
    if start < now:
        errors["appointment_start"] = _("The appointment cannot be in the past.")
    local_start, local_end = timezone.localtime(start), timezone.localtime(end)
    if local_start.date() != local_end.date():
        errors["appointment_end"] = _("The appointment window must be within one day.")
    elif local_start.time() < center.opens_at or local_end.time() > center.closes_at:
        errors["appointment_start"] = _(
            "%(center)s works from %(opens)s to %(closes)s: choose an appointment inside the service hours."
        ) % {
            "center": center.name,
            "opens": center.opens_at.strftime("%H:%M"),
            "closes": center.closes_at.strftime("%H:%M"),
        }
    return errors


def outside_agreement(*, center: ServiceCenter, district, category) -> list[str]:
    """What of a call the centre's agreement does not cover: the service district, the product category.
    Empty when the centre may take it."""
    outside = []
    if not center.coverage.filter(pk=district.pk).exists():
        outside.append(_("%(district)s is not in its service area") % {"district": district.full_name})
    if not center.categories.filter(pk=category.pk).exists():
        outside.append(_("it is not authorised for %(category)s") % {"category": category.local_name})
    return outside


def work_order_dispatch(
    *,
    work_order: WorkOrder,
    center: ServiceCenter,
    technician: Technician | None,
    appointment_start: dt.datetime,
    appointment_end: dt.datetime,
    mode: str = ServiceMode.ON_SITE,
    acting_user,
    note: str = "",
    now: dt.datetime | None = None,
    notify_customer: bool = True,
    override_reason: str = "",
) -> WorkOrder:
    """派工: gives a new work order to a centre (and technician) with an appointment window.

    A centre whose agreement does not cover the call's district or the unit's category is refused, unless a
    manager gives `override_reason` (kept as a DispatchOverride and in the order's history).

    `notify_customer=False` sends no confirmation code (historic orders written by the demo or an import:
    their visits are long past, and nobody should get a message for them).

    Two dispatchers at once: the row lock makes one wait; it then finds the order dispatched and is told
    by whom and when. Nothing changes when a check fails."""
    now = now or timezone.now()
    with transaction.atomic():
        order = _lock(work_order)
        if order.status != WorkOrderStatus.NEW:
            if order.status == WorkOrderStatus.DISPATCHED and order.dispatched_by_id:
                who = order.dispatched_by.get_full_name() or order.dispatched_by.get_username()
                raise ValidationError(
                    {
                        "status": _(
                            "Work order %(number)s was already dispatched by %(who)s at %(when)s to %(center)s."
                        )
                        % {
                            "number": order.number,
                            "who": who,
                            "when": date_format(timezone.localtime(order.dispatched_at), "Y-m-d H:i"),
                            "center": order.center.name,
                        }
                    },
                    code="already_dispatched",
                )
            raise _not_allowed(order, WorkOrderStatus.DISPATCHED)
        category = order.call.unit.model.category
        day = timezone.localdate(appointment_start)
        errors = {}
        if not ServiceCenter.objects.active_on(day).filter(pk=center.pk).exists():
            errors["center"] = _("%(center)s has no active service agreement on %(day)s.") % {
                "center": center.name,
                "day": day,
            }
        if technician is not None:
            if technician.center_id != center.pk:
                errors["technician"] = _("%(tech)s works for another service centre, not %(center)s.") % {
                    "tech": technician.name,
                    "center": center.name,
                }
            elif not technician.active:
                errors["technician"] = _("%(tech)s is no longer active.") % {"tech": technician.name}
            elif not technician.categories.filter(pk=category.pk).exists():
                errors["technician"] = _("%(tech)s is not certified for %(category)s.") % {
                    "tech": technician.name,
                    "category": category.name,
                }
        outside = outside_agreement(center=center, district=order.call.service_region, category=category)
        override_reason = (override_reason or "").strip()
        if outside and not override_reason:
            refusal = _(
                "%(center)s's agreement does not cover this call: %(outside)s. Choose a centre that covers "
                "it, or have a manager dispatch it with a reason."
            ) % {"center": center.name, "outside": "；".join(outside)}
            # Beside an inactive agreement's refusal, not instead of it: a reason would not cure that one.
            errors["center"] = [message for message in (errors.get("center"), refusal) if message]
        elif outside and not has_role(acting_user, Role.MANAGER):
            errors["override_reason"] = _("Only a manager can dispatch outside a centre's agreement.")
        if mode not in ServiceMode.values:
            errors["mode"] = _("Choose on site or carry-in.")
        errors.update(
            _check_appointment(center=center, start=appointment_start, end=appointment_end, now=now)
        )
        if errors:
            raise ValidationError(errors)
        order.center = center
        order.technician = technician
        order.appointment_start = appointment_start
        order.appointment_end = appointment_end
        order.mode = mode
        order.status = WorkOrderStatus.DISPATCHED
        order.status_changed_at = now
        order.dispatched_at = now
        order.dispatched_by = acting_user
        order.save()
        detail = center.name + (f" · {technician.name}" if technician else "")
        if outside:
            DispatchOverride.objects.create(
                work_order=order,
                center=center,
                outside="；".join(outside)[:300],
                reason=override_reason[:500],
                by=acting_user,
                at=now,
            )
            detail = _("%(detail)s — outside the agreement (%(outside)s), allowed by %(who)s: %(reason)s") % {
                "detail": detail,
                "outside": "；".join(outside),
                "who": acting_user.get_full_name() or acting_user.get_username(),
                "reason": override_reason,
            }
            note = f"{note} · {detail}" if note else detail
        _event(
            order, WorkOrderStatus.NEW, WorkOrderStatus.DISPATCHED, acting_user, now, (note or detail)[:500]
        )
        # The customer's confirmation code for the visit goes out once the dispatch is committed.
        if notify_customer:
            transaction.on_commit(partial(confirmation_code_send.delay, order.pk))
    return order


def _paid_work_guard(order: WorkOrder, to_status: str) -> None:
    """Paid service (A): no repair starts, and none completes, without the customer's consent to every quote."""
    if order.call.service_type != ServiceType.PAID:
        return
    if to_status not in (WorkOrderStatus.IN_REPAIR, WorkOrderStatus.COMPLETED):
        return
    quotes = list(order.quotes.select_related("consent").order_by("sequence"))
    if not quotes:
        raise ValidationError(
            {
                "quote": _(
                    "Paid service: give the customer a quote and record their consent before the repair."
                )
            },
            code="quote_missing",
        )
    # A quote the customer declined is answered: no work is done on it, and it charges nothing.
    pending = [q for q in quotes if not hasattr(q, "consent") and q.declined_at is None]
    if pending:
        raise ValidationError(
            {
                "consent": _("Quote %(numbers)s has no customer consent yet: record it before going on.")
                % {"numbers": "、".join(f"#{q.sequence}" for q in pending)}
            },
            code="consent_missing",
        )
    # Every quote declined: no repair starts (the order is closed as declined, with its closing record).
    if to_status == WorkOrderStatus.IN_REPAIR and not any(hasattr(q, "consent") for q in quotes):
        raise ValidationError(
            {
                "consent": ValidationError(
                    _(
                        "The customer declined the quote: give a new quote and record their consent, or close the "
                        "order as declined."
                    ),
                    code="quote_declined",
                )
            }
        )


def closing_required_error(order: WorkOrder) -> ValidationError:
    return ValidationError(
        {
            "status": ValidationError(
                _(
                    "Work order %(number)s is completed only with its closing record: close it on the tablet, "
                    "or record the closing in the office (fault, cause, what was done, labour, and the "
                    "customer's signature or confirmation code)."
                )
                % {"number": order.number},
                code="closing_required",
            )
        }
    )


def work_order_transition(
    *, work_order: WorkOrder, to_status: str, acting_user, note: str = "", now: dt.datetime | None = None
) -> WorkOrder:
    """Moves a work order along TRANSITIONS — not to dispatched (work_order_dispatch), not to completed: only
    a closing record completes an order (repairs.closing.work_order_close), and not to "to be rescheduled": only
    a visit where nobody was at home leads there (repairs.field.work_order_not_home)."""
    if to_status == WorkOrderStatus.DISPATCHED:
        raise ValueError("dispatch through work_order_dispatch()")
    if to_status == WorkOrderStatus.COMPLETED:
        raise closing_required_error(work_order)
    if to_status == WorkOrderStatus.TO_RESCHEDULE:
        raise ValidationError(
            {
                "status": _(
                    "A work order waits for a new appointment only once a visit where nobody was at home is "
                    "recorded: record that visit."
                )
            },
            code="not_home_required",
        )
    return _move(work_order=work_order, to_status=to_status, acting_user=acting_user, note=note, now=now)


def _move(
    *, work_order: WorkOrder, to_status: str, acting_user, note: str = "", now: dt.datetime | None = None
) -> WorkOrder:
    """The transition itself, under the row lock. Completed is entered only from repairs.closing, which
    writes the closing record in the same transaction (a database trigger refuses the commit otherwise)."""
    from .choices import TRANSITIONS

    now = now or timezone.now()
    with transaction.atomic():
        order = _lock(work_order)
        if to_status not in TRANSITIONS[order.status]:
            raise _not_allowed(order, to_status)
        if to_status == WorkOrderStatus.CANCELLED and not note.strip():
            raise ValidationError({"note": _("Say why the work order is cancelled.")})
        if to_status == WorkOrderStatus.PHONE_GUIDED and not note.strip():
            raise ValidationError({"note": _("Write down the guidance given to the customer.")})
        _paid_work_guard(order, to_status)
        if to_status in (WorkOrderStatus.CLOSED, WorkOrderStatus.CANCELLED):
            carry_in = CarryIn.objects.filter(work_order=order).first()
            if carry_in is not None and carry_in.returned_at is None:
                raise ValidationError(
                    {"status": _("The product is still in the workshop: hand it back before closing.")}
                )
        previous = order.status
        order.status = to_status
        order.status_changed_at = now
        # Waiting for parts has no timestamp of its own (its event records it); a repair resumed after
        # the parts came keeps the day it started, which the 三包 days-in-repair count from.
        stamp = WorkOrder.STATUS_TIMESTAMP.get(to_status)
        if stamp and not (to_status == WorkOrderStatus.IN_REPAIR and order.repair_started_at):
            setattr(order, stamp, now)
        order.save()
        _event(order, previous, to_status, acting_user, now, note.strip()[:500])
        if to_status == WorkOrderStatus.PHONE_GUIDED:
            # The maker's service procedure: the customer is called back 2 hours after the guidance.
            RepairCall.objects.filter(pk=order.call_id).update(callback_due_at=now + PHONE_GUIDANCE_CALLBACK)
    return order


def work_order_contact_record(
    *, work_order: WorkOrder, acting_user, note: str = "", now: dt.datetime | None = None
) -> WorkOrder:
    """The technician reached the customer (confirmed the appointment by phone): the SLA's first contact.
    Only the first contact counts; a second one is recorded in the trail and changes nothing else."""
    now = now or timezone.now()
    with transaction.atomic():
        order = _lock(work_order)
        if order.status not in OPEN_STATUSES or order.status == WorkOrderStatus.NEW:
            raise ValidationError(
                {
                    "status": _("Work order %(number)s is “%(current)s”: no contact to record.")
                    % {"number": order.number, "current": WorkOrderStatus(order.status).label}
                }
            )
        if order.first_contact_at is None:
            order.first_contact_at = now
            order.save(update_fields=["first_contact_at"])
        _event(
            order,
            order.status,
            order.status,
            acting_user,
            now,
            (note.strip() or _("Customer contacted"))[:500],
        )
    return order


def work_order_note(*, work_order: WorkOrder, acting_user, note: str, now: dt.datetime | None = None) -> None:
    """A line in the order's trail that changes no status (a callback's request to correct the record)."""
    now = now or timezone.now()
    with transaction.atomic():
        order = _lock(work_order)
        _event(order, order.status, order.status, acting_user, now, note.strip()[:500])


def work_order_redo(
    *, work_order: WorkOrder, acting_user, note: str, now: dt.datetime | None = None
) -> WorkOrder:
    """退回重办: the job is done again as a new work order of the same call (status new, to be dispatched,
    free for the customer); the first order's payment is held in the settlement until the redo is completed."""
    now = now or timezone.now()
    with transaction.atomic():
        order = _lock(work_order)
        if order.status not in (
            WorkOrderStatus.COMPLETED,
            WorkOrderStatus.PHONE_GUIDED,
            WorkOrderStatus.CLOSED,
        ):
            raise ValidationError(
                {
                    "status": _("Work order %(number)s is still open: it is not redone, it is finished.")
                    % {"number": order.number}
                }
            )
        if order.redos.filter(status__in=OPEN_STATUSES).exists():
            raise ValidationError(
                {"status": _("A redo of %(number)s is open already.") % {"number": order.number}}
            )
        order.payment_held = True
        order.save(update_fields=["payment_held"])
        redo = WorkOrder.objects.create(
            number=next_number(WORK_ORDER_PREFIX, day=timezone.localdate(now)),
            call_id=order.call_id,
            redo_of=order,
            status=WorkOrderStatus.NEW,
            status_changed_at=now,
            created_at=now,
        )
        _event(
            order,
            order.status,
            order.status,
            acting_user,
            now,
            (_("Sent back to be redone as %(n)s: %(note)s") % {"n": redo.number, "note": note})[:500],
        )
        _event(
            redo,
            "",
            WorkOrderStatus.NEW,
            acting_user,
            now,
            (_("Redo of %(n)s: %(note)s") % {"n": order.number, "note": note})[:500],
        )
    return redo


def work_order_guide_by_phone(
    *, work_order: WorkOrder, acting_user, note: str, now: dt.datetime | None = None
) -> WorkOrder:
    """Closes the visit as guided by phone (no visit); the customer is called back 2 hours later."""
    return work_order_transition(
        work_order=work_order,
        to_status=WorkOrderStatus.PHONE_GUIDED,
        acting_user=acting_user,
        note=note,
        now=now,
    )


# Carry-in (客户商品进出登记簿) ------------------------------------------------------------------------

CARRY_IN_FROM = {WorkOrderStatus.ACCEPTED, WorkOrderStatus.ON_SITE, WorkOrderStatus.IN_REPAIR}


def carry_in_receive(
    *, work_order: WorkOrder, acting_user, condition_note: str = "", now: dt.datetime | None = None
) -> CarryIn:
    """Takes the product to the workshop: a carry-in receipt for the customer, the date in logged."""
    now = now or timezone.now()
    with transaction.atomic():
        order = _lock(work_order)
        if CarryIn.objects.filter(work_order=order).exists():
            raise ValidationError(
                {"carry_in": _("The product of this work order is already in the workshop.")}
            )
        if order.status not in CARRY_IN_FROM:
            raise ValidationError(
                {
                    "status": _("Work order %(number)s is “%(current)s”: the product cannot be taken in now.")
                    % {"number": order.number, "current": WorkOrderStatus(order.status).label}
                }
            )
        carry_in = CarryIn.objects.create(
            work_order=order,
            receipt_number=next_number(CARRY_IN_PREFIX, day=timezone.localdate(now)),
            received_at=now,
            received_by=acting_user,
            condition_note=condition_note.strip(),
        )
        order.mode = ServiceMode.CARRY_IN
        order.save(update_fields=["mode"])
        _event(
            order,
            order.status,
            order.status,
            acting_user,
            now,
            _("Taken in, receipt %(n)s") % {"n": carry_in.receipt_number},
        )
    return carry_in


def carry_in_record_repair(*, carry_in: CarryIn, minutes: int, parts: str, acting_user, now=None) -> CarryIn:
    """The repair card (修护卡): actual repair time and the parts replaced."""
    now = now or timezone.now()
    if minutes is None or not 1 <= minutes <= REPAIR_CARD_MAX_MINUTES:
        raise ValidationError(
            {
                "repair_minutes": _("Enter the actual repair time in minutes (1 to %(most)s).")
                % {"most": REPAIR_CARD_MAX_MINUTES}
            }
        )
    with transaction.atomic():
        row = CarryIn.objects.select_for_update().get(pk=carry_in.pk)
        if row.returned_at:
            raise ValidationError(
                {"carry_in": _("The product has been handed back: the repair card is closed.")}
            )
        row.repair_minutes, row.repair_parts, row.repaired_at = minutes, parts.strip(), now
        row.inspected_at = row.inspected_by = None  # a changed card is inspected again
        row.save()
    return row


def carry_in_inspect(*, carry_in: CarryIn, acting_user, note: str = "", now=None) -> CarryIn:
    """The supervisor inspects the repaired product before it goes back to the customer."""
    now = now or timezone.now()
    with transaction.atomic():
        row = CarryIn.objects.select_for_update(of=("self",)).select_related("work_order").get(pk=carry_in.pk)
        # A manager, or a supervisor of the centre doing the repair — not one of another centre.
        if not has_role(acting_user, Role.MANAGER) and not (
            has_role(acting_user, Role.SUPERVISOR)
            and ServiceCenter.objects.filter(pk=row.work_order.center_id, supervisors=acting_user).exists()
        ):
            raise ValidationError(
                {"inspected_by": _("Only a service-centre supervisor inspects carry-in repairs.")}
            )
        if row.repaired_at is None:
            raise ValidationError({"repair_minutes": _("Fill in the repair card before the inspection.")})
        row.inspected_at, row.inspected_by, row.inspection_note = now, acting_user, note.strip()
        row.save()
    return row


def carry_in_return(*, carry_in: CarryIn, returned_to: str, acting_user, now=None) -> CarryIn:
    """Hands the product back: date out logged, the carry-in receipt voided."""
    now = now or timezone.now()
    if not returned_to.strip():
        raise ValidationError({"returned_to": _("Who took the product back?")})
    with transaction.atomic():
        row = CarryIn.objects.select_for_update().get(pk=carry_in.pk)
        if row.returned_at:
            raise ValidationError({"carry_in": _("The product was already handed back.")})
        if row.inspected_at is None:
            raise ValidationError({"inspected_by": _("The supervisor has not inspected the repair yet.")})
        row.returned_at, row.returned_to, row.receipt_voided_at = now, returned_to.strip(), now
        row.save()
        _event(
            row.work_order,
            row.work_order.status,
            row.work_order.status,
            acting_user,
            now,
            _("Handed back to %(who)s, receipt %(n)s voided")
            % {"who": row.returned_to, "n": row.receipt_number},
        )
    return row


def loaner_lend(*, work_order: WorkOrder, loaner: LoanerUnit, acting_user, now=None) -> LoanerLoan:
    now = now or timezone.now()
    with transaction.atomic():
        unit = LoanerUnit.objects.select_for_update().get(pk=loaner.pk)
        if unit.status != LoanerStatus.AVAILABLE:
            raise ValidationError({"loaner": _("Loaner %(loaner)s is not available.") % {"loaner": unit}})
        if work_order.center_id != unit.center_id:
            raise ValidationError({"loaner": _("The loaner belongs to another service centre.")})
        if work_order.status not in OPEN_STATUSES:
            raise ValidationError({"loaner": _("The work order is finished: no loaner is lent on it.")})
        unit.status = LoanerStatus.LENT
        unit.save(update_fields=["status"])
        loan = LoanerLoan.objects.create(loaner=unit, work_order=work_order, lent_at=now, lent_by=acting_user)
    return loan


def loaner_return(*, loan: LoanerLoan, acting_user, now=None) -> LoanerLoan:
    now = now or timezone.now()
    with transaction.atomic():
        row = LoanerLoan.objects.select_for_update().get(pk=loan.pk)
        if row.returned_at:
            raise ValidationError({"loaner": _("The loaner was already returned.")})
        row.returned_at, row.received_by = now, acting_user
        row.save()
        LoanerUnit.objects.filter(pk=row.loaner_id).update(status=LoanerStatus.AVAILABLE)
    return row


# Paid service: quotes and consent -------------------------------------------------------------------


@dataclass(frozen=True)
class QuoteLineInput:
    kind: str
    description: str
    quantity: int
    unit_amount: Decimal


def quote_create(
    *, work_order: WorkOrder, lines: list[QuoteLineInput], acting_user, note: str = "", now=None
) -> Quote:
    """A quote (the first, or an additional repair's): needs its own consent before work goes on."""
    now = now or timezone.now()
    if not lines:
        raise ValidationError({"lines": _("A quote needs at least one line.")})
    errors = {}
    for index, line in enumerate(lines):
        if line.kind not in QuoteLineKind.values:
            errors[f"lines[{index}].kind"] = _("Unknown line kind.")
        if not line.description.strip():
            errors[f"lines[{index}].description"] = _("Describe the line.")
        if line.quantity is None or not 1 <= line.quantity <= QUOTE_MAX_QUANTITY:
            errors[f"lines[{index}].quantity"] = _("The quantity must be from 1 to %(most)s.") % {
                "most": QUOTE_MAX_QUANTITY
            }
        if (
            not isinstance(line.unit_amount, Decimal)
            or not line.unit_amount.is_finite()
            or line.unit_amount < 0
        ):
            errors[f"lines[{index}].unit_amount"] = _("Enter a price of 0 or more, in yuan.")
        elif line.unit_amount > QUOTE_MAX_AMOUNT or (
            line.quantity
            and 0 < line.quantity <= QUOTE_MAX_QUANTITY
            and line.unit_amount * line.quantity > QUOTE_MAX_AMOUNT
        ):
            errors[f"lines[{index}].unit_amount"] = _("A quote line is at most %(most)s yuan.") % {
                "most": f"{QUOTE_MAX_AMOUNT:,}"
            }
        elif line.unit_amount != line.unit_amount.quantize(Decimal("0.01")):
            # Prices are in fen: a quote reads unit price × quantity = amount, exactly.
            errors[f"lines[{index}].unit_amount"] = _("A price has at most two decimal places (fen).")
    if not errors and sum(money(line.unit_amount * line.quantity) for line in lines) > QUOTE_MAX_AMOUNT:
        errors["lines"] = _("A quote is at most %(most)s yuan.") % {"most": f"{QUOTE_MAX_AMOUNT:,}"}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        order = _lock(work_order)
        if order.call.service_type != ServiceType.PAID:
            raise ValidationError({"quote": _("Only paid service (A) is quoted to the customer.")})
        if order.status in (WorkOrderStatus.CLOSED, WorkOrderStatus.CANCELLED, WorkOrderStatus.COMPLETED):
            raise ValidationError({"status": _("The work order is finished: no more quotes.")})
        sequence = (order.quotes.order_by("-sequence").values_list("sequence", flat=True).first() or 0) + 1
        quote = Quote.objects.create(
            work_order=order, sequence=sequence, note=note.strip(), created_by=acting_user, created_at=now
        )
        total = Decimal("0.00")
        for line in lines:
            amount = money(line.unit_amount * line.quantity)
            total += amount
            QuoteLine.objects.create(
                quote=quote,
                kind=line.kind,
                description=line.description.strip(),
                quantity=line.quantity,
                unit_amount=money(line.unit_amount),
                amount=amount,
            )
        quote.total_amount = money(total)
        quote.save(update_fields=["total_amount"])
    return quote


def consent_record(
    *,
    quote: Quote,
    given_by: str,
    method: str,
    acting_user,
    note: str = "",
    signature_png: bytes | None = None,
    now=None,
) -> Consent:
    """The customer's consent to a quote: signed on site — the signature drawn on the tablet is kept with it,
    and a consent "signed on site" without one is refused — or by phone, recorded all the same."""
    from django.core.files.base import ContentFile

    from .closing import _signature_drawn

    now = now or timezone.now()
    errors = {}
    if not given_by.strip():
        errors["given_by"] = _("Who gave the consent?")
    elif len(given_by.strip()) > Consent._meta.get_field("given_by").max_length:
        errors["given_by"] = _("At most %(n)s characters.") % {
            "n": Consent._meta.get_field("given_by").max_length
        }
    if method not in ConsentMethod.values:
        errors["method"] = _("Choose how the consent was given: signature on site or by phone.")
    elif method == ConsentMethod.SIGNATURE and (
        not signature_png or len(signature_png) > 2 * 1024 * 1024 or not _signature_drawn(signature_png)
    ):
        errors["signature"] = _(
            "Signed on site: the customer signs the quote on the tablet's screen (the signature is empty or "
            "unreadable). Consent given by phone is recorded as such."
        )
    if len(note.strip()) > Consent._meta.get_field("note").max_length:
        errors["note"] = _("At most %(n)s characters.") % {"n": Consent._meta.get_field("note").max_length}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        row = Quote.objects.select_for_update().get(pk=quote.pk)
        if Consent.objects.filter(quote=row).exists():
            raise ValidationError({"consent": _("This quote already has the customer's consent.")})
        if row.declined_at is not None:
            raise ValidationError(
                {"consent": _("The customer declined this quote: give a new quote for their consent.")}
            )
        consent = Consent(
            quote=row,
            given_by=given_by.strip(),
            method=method,
            given_at=now,
            recorded_by=acting_user,
            note=note.strip(),
        )
        if method == ConsentMethod.SIGNATURE:
            consent.signature.save("consent.png", ContentFile(signature_png), save=False)
        try:
            consent.save()
        except BaseException:
            if consent.signature:
                consent.signature.storage.delete(consent.signature.name)
            raise
        return consent


# New customers and units, registered inline at intake ------------------------------------------------


def customer_register(
    *, name: str, phone: str, region, address_detail: str, acting_user, now: dt.datetime | None = None
) -> Customer:
    """A new customer with a primary phone and address (the hotline's "new customer")."""
    from .models import CustomerAddress, CustomerPhone

    now = now or timezone.now()
    errors = {}
    if not (name or "").strip():
        errors["name"] = _("Enter the customer's name.")
    try:
        validate_phone(phone)
    except ValidationError as exc:
        errors["phone"] = exc.messages
    if region is None:
        errors["region"] = _("Choose the district of the address.")
    if not (address_detail or "").strip():
        errors["address_detail"] = _("Enter the street address.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        customer = Customer.objects.create(
            number=next_number("KH", day=timezone.localdate(now)), name=name.strip(), created_at=now
        )
        CustomerPhone.objects.create(customer=customer, number=normalize_phone(phone), is_primary=True)
        CustomerAddress.objects.create(
            customer=customer, region=region, detail=address_detail.strip(), is_primary=True
        )
    return customer


def unit_register(*, owner: Customer, dealer=None, visible_to=None, **fields) -> ProductUnit:
    """A unit the customer owns, validated as the foundation says (IMEI check digit, dates, invoice), of a
    category the 三包 rules cover on its sale date. `visible_to`: the registering user when they may not see
    every unit (a dealer) — a serial or IMEI of a unit outside their scope is then only "cannot be
    registered", never "already registered for this model"."""
    from warranty.models import WarrantyPolicy

    unit = ProductUnit(owner=owner, dealer=dealer, **fields)
    errors = {}
    own = ProductUnit.objects.for_user(visible_to) if visible_to is not None else ProductUnit.objects.all()
    taken = _("This serial number or IMEI cannot be registered: check it, or call the after-sales hotline.")
    if unit.imei and ProductUnit.objects.filter(imei=unit.imei).exists():
        errors["imei"] = (
            _("This IMEI is already registered: search for it instead of adding the unit again.")
            if own.filter(imei=unit.imei).exists()
            else taken
        )
    serial = (unit.serial_number or "").strip().upper()
    if serial and ProductUnit.objects.filter(model_id=unit.model_id, serial_number=serial).exists():
        errors["serial_number"] = (
            _(
                "This serial number is already registered for this model: search for it instead of adding it again."
            )
            if own.filter(model_id=unit.model_id, serial_number=serial).exists()
            else taken
        )
    if errors:
        raise ValidationError(errors)
    unit.full_clean()
    category = unit.model.category
    if not WarrantyPolicy.objects.effective_on(category.code, unit.sale_date or timezone.localdate()):
        raise ValidationError(
            {
                "model": _(
                    "No 三包 policy covers %(category)s sold on %(day)s: units of it cannot be registered "
                    "until the policy is set up (admin: 三包 policies)."
                )
                % {"category": category.local_name, "day": unit.sale_date or timezone.localdate()}
            }
        )
    try:
        with transaction.atomic():
            unit.save()
    except IntegrityError as exc:
        # The same unit registered by another request between the check above and this insert.
        field = "imei" if "product_unit_imei_unique" in str(exc) else "serial_number"
        if field == "serial_number" and "product_unit_serial_unique" not in str(exc):
            raise
        if (
            visible_to is not None
            and not own.filter(
                pk__in=ProductUnit.objects.filter(
                    Q(imei=unit.imei) if field == "imei" else Q(model_id=unit.model_id, serial_number=serial)
                ).values("pk")
            ).exists()
        ):
            raise ValidationError({field: taken}) from exc
        raise ValidationError({field: _("This unit was registered a moment ago: search for it.")}) from exc
    return unit
