"""Payment at closing: cash, WeChat Pay, Alipay or card, or owed (a receivable)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from aftersales.money import CENT, ZERO, money, yuan
from aftersales.parsing import parse_amount

from ..choices import (
    CALL_OUT_ONLY,
    PAYMENT_NEEDS_REFERENCE,
    PaymentMethod,
    Resolution,
)
from ..models import Receivable, WorkOrder
from .quotes import NOTE_MAX, REFERENCE_MAX, amount_due, is_paid

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
