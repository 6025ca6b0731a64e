"""Paid service (有费服务, A) as it happens at the customer's, and the office's change of a call's service type.

- The quote the technician shows: parts at their list (retail) price, labour from the category's fee standard
  (LabourRate), and the call-out fee (上门费, the LabourRate with code "call_out") when the technician came to
  the customer. Work starts only with the customer's consent (repairs.services); the customer may decline
  instead (quote_decline), and the order then closes as "customer declined the paid repair", charging the
  call-out fee only.
- What the customer owes at closing (amount_due): the consented quotes; only the call-out fee when nothing was
  repaired (declined, or could not be fixed — a repair that fails costs the customer nothing else). It is paid
  on the spot (cash, WeChat or Alipay with its transaction number, bank card) or later: the invoice is asked
  for and the amount outstanding becomes the centre's Receivable (the service standard: small fees collected
  on the spot, otherwise the invoice made out and the money collected later). No paid order closes owing money
  without one of the two (checked here, and by a database trigger at commit).
- A dispatcher, a manager or the order's centre's supervisor changes the call's service type (A/B/C/D) with a
  reason (call_service_type_change): a DecisionChange and an event of the order. The monthly settlement pays
  by the type in force when it is computed, so a confirmed statement is never changed by it: the change is
  refused once an order of the call is on one.

Amounts are Decimal yuan to the fen (aftersales.money).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.money import CENT, ZERO, money, yuan
from aftersales.parsing import parse_amount
from aftersales.roles import Role, has_role, may_act_for_center
from network.choices import SettlementStatus
from network.models import Settlement, SettlementLine

from .choices import (
    CALL_OUT_ONLY,
    PAYMENT_NEEDS_REFERENCE,
    DecisionChangeKind,
    PaymentMethod,
    QuoteLineKind,
    Resolution,
    ServiceMode,
    ServiceType,
    WorkOrderStatus,
)
from .models import DecisionChange, LabourRate, Quote, Receivable, RepairCall, WorkOrder
from .reference import CALL_OUT
from .services import _event, _lock, work_order_note

REFERENCE_MAX = 64
NOTE_MAX = 200
REASON_MAX = 200  # the call's service_type_reason holds it
# Where the customer can still decline: the technician is with them (on site), or the product is in the
# workshop waiting for their answer (a carry-in accepted, repair not started).
DECLINABLE_STATUSES = frozenset({WorkOrderStatus.ON_SITE, WorkOrderStatus.ACCEPTED})
QUOTABLE_STATUSES = frozenset(
    {
        WorkOrderStatus.ACCEPTED,
        WorkOrderStatus.ON_SITE,
        WorkOrderStatus.IN_REPAIR,
        WorkOrderStatus.WAITING_FOR_PARTS,
    }
)


def is_paid(order: WorkOrder) -> bool:
    return order.call.service_type == ServiceType.PAID


# The fee schedule ---------------------------------------------------------------------------------------


def call_out_rate(*, category_id: int) -> LabourRate | None:
    return LabourRate.objects.filter(category_id=category_id, code=CALL_OUT, active=True).first()


def call_out_fee(*, order: WorkOrder) -> Decimal:
    """The schedule's call-out fee for the unit's category when the technician goes to the customer (on-site
    work, or an arrival before the product was taken in); 0.00 for work brought to the workshop, and where the
    schedule has none."""
    if order.arrived_at is None and order.mode != ServiceMode.ON_SITE:
        return ZERO
    rate = call_out_rate(category_id=order.call.unit.model.category_id)
    return money(rate.amount) if rate is not None else ZERO


def labour_rates(*, category_id: int) -> list[LabourRate]:
    """The category's labour lines a quote picks from (the call-out fee is added by itself)."""
    return list(
        LabourRate.objects.filter(category_id=category_id, active=True)
        .exclude(code=CALL_OUT)
        .order_by("amount")
    )


def consented_quotes(order: WorkOrder) -> list[Quote]:
    return [q for q in order.quotes.select_related("consent").order_by("sequence") if hasattr(q, "consent")]


def amount_due(*, order: WorkOrder, resolution: str) -> Decimal:
    """What the customer of a paid (A) order owes at closing: the quotes they agreed to; the call-out fee alone
    when nothing was repaired. Nothing on any other service type."""
    if not is_paid(order):
        return ZERO
    if resolution in CALL_OUT_ONLY:
        return call_out_fee(order=order)
    return money(sum((q.total_amount for q in consented_quotes(order)), ZERO))


# The quote and the customer's answer ----------------------------------------------------------------------


def quote_decline(*, quote: Quote, acting_user, note: str = "", now: dt.datetime | None = None) -> Quote:
    """The customer says no to a quote: nothing is done on it. The first quote declined (none agreed to) leaves
    the order to be closed as declined; an additional repair declined leaves the agreed repair to be done."""

    now = now or timezone.now()
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ValidationError({"declined_note": _("At most %(n)s characters.") % {"n": NOTE_MAX}})
    with transaction.atomic():
        order = _lock(quote.work_order)
        row = Quote.objects.select_for_update().get(pk=quote.pk, work_order=order)
        if order.status not in QUOTABLE_STATUSES:
            raise ValidationError(
                {
                    "status": _("Work order %(number)s is “%(status)s”: its quotes are no longer answered.")
                    % {"number": order.number, "status": order.get_status_display()}
                }
            )
        if hasattr(row, "consent"):
            raise ValidationError({"quote": _("The customer agreed to this quote already.")})
        if row.declined_at is not None:
            raise ValidationError({"quote": _("The customer declined this quote already.")})
        row.declined_at, row.declined_by, row.declined_note = now, acting_user, note
        row.save(update_fields=["declined_at", "declined_by", "declined_note"])
        what = _("The customer declined quote #%(n)s (%(total)s)") % {
            "n": row.sequence,
            "total": yuan(row.total_amount),
        }
        _event(
            order, order.status, order.status, acting_user, now, (f"{what}: {note}" if note else what)[:500]
        )
    return row


def may_decline(order: WorkOrder) -> bool:
    """Whether the order can be closed as declined now: paid, before any repair, nothing agreed to, a quote to
    decline (open or declined already)."""
    if not is_paid(order) or order.status not in DECLINABLE_STATUSES:
        return False
    if order.status == WorkOrderStatus.ACCEPTED and not hasattr(order, "carry_in"):
        return False
    quotes = list(order.quotes.select_related("consent"))
    return bool(quotes) and not any(hasattr(q, "consent") for q in quotes)


def decline_errors(order: WorkOrder, *, parts: int) -> dict[str, list[str]]:
    """Why the order cannot be closed as declined (empty: it can). `order` is locked by the caller."""
    errors: dict[str, list[str]] = {}
    if not is_paid(order):
        errors["resolution"] = [
            _("Only a paid (A) order is declined by the customer: this one is %(type)s.")
            % {"type": order.call.get_service_type_display()}
        ]
        return errors
    quotes = list(order.quotes.select_related("consent").order_by("sequence"))
    agreed = [q for q in quotes if hasattr(q, "consent")]
    if agreed:
        errors["resolution"] = [
            _(
                "The customer agreed to quote #%(n)s: close the repair as done, or as could not be fixed (only the "
                "call-out fee is charged then)."
            )
            % {"n": agreed[0].sequence}
        ]
    elif not quotes:
        errors["resolution"] = [
            _("Show the customer the quote first: what they decline is on it, the call-out fee included.")
        ]
    if parts:
        errors["parts"] = [_("Nothing is repaired on a declined order: no part is used.")]
    return errors


def quotes_decline_open(*, order: WorkOrder, acting_user, now: dt.datetime) -> None:
    """The quotes still open when the order is closed as declined are declined with it."""
    order.quotes.filter(declined_at__isnull=True, consent__isnull=True).update(
        declined_at=now, declined_by=acting_user
    )


@dataclass(frozen=True)
class QuoteDraftLine:
    kind: str
    description: str
    quantity: int
    unit_amount: Decimal


def quote_lines_from_schedule(
    *, order: WorkOrder, rates: list[tuple[LabourRate, int]], parts: list[tuple[object, int]]
) -> list[QuoteDraftLine]:
    """The quote's lines as the fee schedule prices them: labour rates, parts at their list price, and the
    call-out fee on the first quote of a visit (when the schedule has one)."""
    lines = []
    fee = call_out_fee(order=order)
    if fee > 0 and not order.quotes.exists():
        rate = call_out_rate(category_id=order.call.unit.model.category_id)
        lines.append(QuoteDraftLine(QuoteLineKind.TRAVEL, rate.name, 1, fee))
    for rate, quantity in rates:
        lines.append(QuoteDraftLine(QuoteLineKind.LABOUR, rate.name, quantity, money(rate.amount)))
    for part, quantity in parts:
        lines.append(
            QuoteDraftLine(
                QuoteLineKind.PART, f"{part.code} {part.name}"[:100], quantity, part.retail_price_amount
            )
        )
    return lines


# Payment at closing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Payment:
    """How a closing's amount due is settled: collected on the spot, and outstanding (a receivable)."""

    due: Decimal = ZERO
    collected: Decimal = ZERO
    outstanding: Decimal = ZERO
    method: str = ""
    reference: str = ""
    note: str = ""


def clean_reference(method: str, reference: str, add, field: str = "payment_reference") -> str:
    reference = (reference or "").strip()
    if len(reference) > REFERENCE_MAX:
        add(field, _("At most %(n)s characters.") % {"n": REFERENCE_MAX})
    elif reference and not reference.isprintable():
        add(field, _("The transaction number holds characters that are not printable: type it again."))
    elif method in PAYMENT_NEEDS_REFERENCE and not reference:
        add(
            field,
            _("%(method)s: enter the payment's transaction number, as the customer's phone shows it.")
            % {"method": PaymentMethod(method).label},
        )
    return reference


def payment_check(
    *,
    order: WorkOrder,
    resolution: str,
    collected_amount,
    payment_method: str,
    payment_reference: str,
    pay_later: bool,
    note: str,
    add,
) -> Payment:
    """Reads the closing's payment fields against what the order charges; every problem is reported through
    `add(field, message)`. A paid order's amount due is collected on the spot, or — for what is not — the
    customer pays later (the invoice is asked for) and a receivable is recorded."""
    raw = "" if collected_amount is None else str(collected_amount).strip()
    if not is_paid(order):
        if raw not in ("", "0", "0.0", "0.00"):
            add("collected_amount", _("Nothing is collected on a job that is not paid service (A)."))
        return Payment()
    due = amount_due(order=order, resolution=resolution)
    typed = parse_amount(raw) if raw else ZERO
    if typed is None:
        add("collected_amount", _("Enter the amount collected in yuan, e.g. 180.00."))
        return Payment(due=due)
    if typed < 0:
        add("collected_amount", _("The amount collected cannot be negative."))
        return Payment(due=due)
    if typed != typed.quantize(CENT):
        add("collected_amount", _("An amount has at most two decimal places (fen)."))
        return Payment(due=due)
    collected = money(typed)
    if collected > due:
        add(
            "collected_amount",
            _("The customer owes %(due)s for this order: collect no more than that.") % {"due": yuan(due)}
            if due > 0
            else _("The customer owes nothing for this order: collect nothing."),
        )
        return Payment(due=due)
    method = payment_method if collected > 0 else ""
    reference = ""
    if collected > 0:
        if payment_method not in PaymentMethod.values:
            add("payment_method", _("Choose how the customer paid."))
        else:
            reference = clean_reference(payment_method, payment_reference, add)
    outstanding = due - collected
    note = (note or "").strip()
    if outstanding > 0 and not pay_later:
        add(
            "collected_amount",
            _(
                "The customer owes %(due)s and %(left)s of it is not collected: collect it, or record that the "
                "customer pays later (invoice requested)."
            )
            % {"due": yuan(due), "left": yuan(outstanding)},
        )
        if collected == 0 and payment_method not in PaymentMethod.values:
            add("payment_method", _("Choose how the customer paid."))
    if outstanding > 0 and len(note) > NOTE_MAX:
        add("receivable_note", _("At most %(n)s characters.") % {"n": NOTE_MAX})
    return Payment(
        due=due,
        collected=collected,
        outstanding=outstanding if pay_later else ZERO,
        method=method,
        reference=reference,
        note=note[:NOTE_MAX] if outstanding > 0 else "",
    )


def receivable_record(
    *, order: WorkOrder, payment: Payment, acting_user, now: dt.datetime
) -> Receivable | None:
    """The amount outstanding of a closing, owed to the order's centre. In the closing's transaction."""
    if payment.outstanding <= 0:
        return None
    return Receivable.objects.create(
        work_order=order,
        center_id=order.center_id,
        amount=payment.outstanding,
        note=payment.note,
        created_by=acting_user,
        created_at=now,
    )


def payment_summary(payment: Payment, resolution: str) -> str:
    """The closing event's words on the money (empty when nothing is charged)."""
    parts = []
    if resolution == Resolution.DECLINED:
        parts.append(_("the customer declined the paid repair"))
    if resolution in CALL_OUT_ONLY and payment.due > 0:
        parts.append(_("call-out fee %(fee)s") % {"fee": yuan(payment.due)})
    if payment.collected > 0:
        parts.append(
            _("%(amount)s collected (%(method)s)")
            % {"amount": yuan(payment.collected), "method": PaymentMethod(payment.method).label}
        )
    if payment.outstanding > 0:
        parts.append(_("%(amount)s outstanding, invoice requested") % {"amount": yuan(payment.outstanding)})
    return "，".join(parts)


# Receivables ----------------------------------------------------------------------------------------------


def may_manage_receivable(user, receivable: Receivable) -> bool:
    """The centre's supervisor, or a manager."""
    return may_act_for_center(user, receivable.center)


def receivable_mark_paid(
    *,
    receivable: Receivable,
    method: str,
    reference: str = "",
    note: str = "",
    acting_user,
    now: dt.datetime | None = None,
) -> Receivable:
    """The customer paid what they owed: how (and the transaction number of an app payment), who recorded it.
    Once: a second attempt is refused with who recorded the first."""
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}

    def add(field, message):
        errors.setdefault(field, []).append(message)

    if method not in PaymentMethod.values:
        add("payment_method", _("Choose how the customer paid."))
    else:
        reference = clean_reference(method, reference, add)
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        add("paid_note", _("At most %(n)s characters.") % {"n": NOTE_MAX})
    with transaction.atomic():
        row = (
            Receivable.objects.select_for_update(of=("self",))
            .select_related("work_order", "center")
            .get(pk=receivable.pk)
        )
        if not may_manage_receivable(acting_user, row):
            raise ValidationError(
                {
                    "status": ValidationError(
                        _("Only the centre's supervisor or a manager records what a customer paid."),
                        code="not_allowed",
                    )
                }
            )
        if row.paid_at is not None:
            raise ValidationError(
                {
                    "status": ValidationError(
                        _("%(number)s was marked paid by %(who)s on %(when)s.")
                        % {
                            "number": row.work_order.number,
                            "who": row.paid_by.get_full_name() or row.paid_by.get_username(),
                            "when": f"{timezone.localtime(row.paid_at):%Y-%m-%d %H:%M}",
                        },
                        code="already_paid",
                    )
                }
            )
        if errors:
            raise ValidationError(errors)
        row.paid_at, row.paid_by = now, acting_user
        row.payment_method, row.payment_reference, row.paid_note = method, reference, note
        row.save(update_fields=["paid_at", "paid_by", "payment_method", "payment_reference", "paid_note"])

        work_order_note(
            work_order=row.work_order,
            acting_user=acting_user,
            note=_("The customer paid the %(amount)s outstanding (%(method)s)")
            % {"amount": yuan(row.amount), "method": PaymentMethod(method).label},
            now=now,
        )
    return row


# The office changes a call's service type -------------------------------------------------------------------


def may_change_service_type(user, call: RepairCall) -> bool:
    """Dispatchers and managers; a supervisor for a call of their own centre."""
    if has_role(user, Role.DISPATCHER, Role.MANAGER):
        return True
    return (
        has_role(user, Role.SUPERVISOR)
        and WorkOrder.objects.filter(call=call, center__supervisors=user).exists()
    )


def _on_confirmed_statement(order_ids: list[int]) -> list[str]:
    """The numbers of the confirmed (or paid) statements that hold any of the orders. The settlement reads
    the service type when it computes; a confirmed statement is never changed afterwards."""

    statements = (
        Settlement.objects.filter(
            pk__in=SettlementLine.objects.filter(work_order_id__in=order_ids).values("settlement_id")
        )
        .exclude(status=SettlementStatus.DRAFT)
        .select_related("center")
    )
    return sorted(s.number for s in statements)


def call_service_type_change(
    *, call: RepairCall, service_type: str, reason: str, acting_user, now: dt.datetime | None = None
) -> DecisionChange:
    """The office gives the call another service type (A paid, B contract, C free, D administrative) and says
    why. Kept as a DecisionChange of the call's current work order (before, after, reason, who, when) and an
    event of it; the settlement pays by the new type from its next computation.

    Refused: an order of the call on a confirmed statement (what was paid stays as it was paid); a change to or
    from paid (A) once an order of the call is closed — the customer's bill (quote, consent, payment) was
    settled by the type it was closed under."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    errors: dict[str, list[str]] = {}
    if service_type not in ServiceType.values:
        errors["service_type"] = [_("Choose a service type A, B, C or D.")]
    if not reason:
        errors["service_type_reason"] = [
            _("Say why the service type changes: the settlement and audit read it.")
        ]
    elif len(reason) > REASON_MAX:
        errors["service_type_reason"] = [_("At most %(n)s characters.") % {"n": REASON_MAX}]
    if errors:
        raise ValidationError(errors)

    with transaction.atomic():
        row = RepairCall.objects.select_for_update().get(pk=call.pk)
        if not may_change_service_type(acting_user, row):
            raise ValidationError(
                {
                    "service_type": ValidationError(
                        _(
                            "Only a dispatcher, a manager or the supervisor of the call's centre changes its "
                            "service type."
                        ),
                        code="not_allowed",
                    )
                }
            )
        before = row.service_type
        if service_type == before:
            raise ValidationError(
                {"service_type": _("The call is %(type)s already.") % {"type": ServiceType(before).label}}
            )
        orders = list(
            WorkOrder.objects.select_for_update(of=("self",))
            .filter(call=row)
            .select_related("closing")
            .order_by("pk")
        )
        statements = _on_confirmed_statement([o.pk for o in orders])
        if statements:
            raise ValidationError(
                {
                    "service_type": ValidationError(
                        _(
                            "The work of this call is on the confirmed statement %(numbers)s: its service type stays "
                            "as it was paid. Correct it with an adjustment in a later month."
                        )
                        % {"numbers": "、".join(statements)},
                        code="settled",
                    )
                }
            )
        closed = [o for o in orders if hasattr(o, "closing")]
        if closed and ServiceType.PAID in (before, service_type):
            raise ValidationError(
                {
                    "service_type": ValidationError(
                        _(
                            "Work order %(number)s is closed as %(type)s: the customer's bill (quote, consent, payment) "
                            "was settled by it, so it neither becomes nor stops being paid service now."
                        )
                        % {"number": closed[-1].number, "type": ServiceType(before).label},
                        code="closed",
                    )
                }
            )
        current = next((o for o in reversed(orders) if o.status != WorkOrderStatus.CANCELLED), orders[-1])
        change = DecisionChange.objects.create(
            work_order=current,
            kind=DecisionChangeKind.SERVICE_TYPE,
            service_type_before=before,
            service_type_after=service_type,
            reason=reason,
            by=acting_user,
            at=now,
        )
        row.service_type = service_type
        # The call keeps the reason its type differs from the one suggested at intake (a database check).
        row.service_type_reason = reason if service_type != row.suggested_service_type else ""
        row.save(update_fields=["service_type", "service_type_reason"])
        current.call = row
        _event(
            current,
            current.status,
            current.status,
            acting_user,
            now,
            (
                _("Service type changed from %(before)s to %(after)s: %(reason)s")
                % {
                    "before": ServiceType(before).label,
                    "after": ServiceType(service_type).label,
                    "reason": reason,
                }
            )[:500],
        )
    return change


# The tablet -----------------------------------------------------------------------------------------------


def tablet_view(order: WorkOrder) -> dict | None:
    """What the tablet's order page shows of a paid order: why it is paid, its quotes and their answers, what
    can be done next. None for other service types."""
    if not is_paid(order):
        return None
    quotes = list(order.quotes.select_related("consent").prefetch_related("lines").order_by("sequence"))
    waiting = next((q for q in quotes if not hasattr(q, "consent") and q.declined_at is None), None)
    return {
        "reasons": paid_reasons(order),
        "quotes": quotes,
        "waiting": waiting,
        "can_quote": order.status in QUOTABLE_STATUSES,
        "can_decline": may_decline(order),
    }


# Why the customer pays ------------------------------------------------------------------------------------


def paid_reasons(order: WorkOrder) -> list[str]:
    """Why a paid (A) order is paid, in words the customer reads on the tablet: the latest decision taken on
    site or the office's reason for the change, else the dispatcher's reason at intake, else the 三包 decision
    taken at intake (its reasons are written in Chinese by the rules). Empty for other service types."""
    if not is_paid(order):
        return []
    change = (
        DecisionChange.objects.filter(work_order__call_id=order.call_id, service_type_after=ServiceType.PAID)
        .select_related("decision")
        .order_by("-at", "-pk")
        .first()
    )
    latest = (
        DecisionChange.objects.filter(work_order__call_id=order.call_id)
        .order_by("-at", "-pk")
        .values("pk")
        .first()
    )
    if change is not None and latest is not None and latest["pk"] == change.pk:
        if change.kind == DecisionChangeKind.SERVICE_TYPE:
            return [change.reason]
        reasons = [r["zh"] for r in (change.decision.result if change.decision else {}).get("reasons", [])]
        return reasons or [change.reason]
    call = order.call
    if call.service_type != call.suggested_service_type and call.service_type_reason:
        return [call.service_type_reason]
    decision = call.warranty_decision
    if decision is None:
        return [
            _(
                "The 三包 period could not be worked out when the call was logged (no purchase date or invoice "
                "was given), so the repair is paid. Show the invoice and the repair can be looked at again."
            )
        ]
    reasons = [r["zh"] for r in decision.result.get("reasons", [])]
    return reasons or [_("The product is outside the 三包 coverage: the repair is paid by the customer.")]
