"""Paid work (A): the fee schedule's call-out fee and labour rates, quotes and the customer's answer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.money import ZERO, money, yuan

from ..choices import (
    CALL_OUT_ONLY,
    QuoteLineKind,
    ServiceMode,
    WorkOrderStatus,
)
from ..models import LabourRate, Quote, WorkOrder
from ..reference import CALL_OUT
from ..services import _event, _lock

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
    """Paid service (A), or contract service (B) whose contract leaves part of the work to be paid."""
    return order.quoted_as_paid


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
    kinds = order.quoted_kinds  # under a maintenance contract, only what the contract does not pay
    fee = call_out_fee(order=order) if QuoteLineKind.TRAVEL in kinds else ZERO
    if fee > 0 and not order.quotes.exists():
        rate = call_out_rate(category_id=order.call.unit.model.category_id)
        lines.append(QuoteDraftLine(QuoteLineKind.TRAVEL, rate.name, 1, fee))
    for rate, quantity in rates if QuoteLineKind.LABOUR in kinds else ():
        lines.append(QuoteDraftLine(QuoteLineKind.LABOUR, rate.name, quantity, money(rate.amount)))
    for part, quantity in parts if QuoteLineKind.PART in kinds else ():
        lines.append(
            QuoteDraftLine(
                QuoteLineKind.PART, f"{part.code} {part.name}"[:100], quantity, part.retail_price_amount
            )
        )
    return lines
