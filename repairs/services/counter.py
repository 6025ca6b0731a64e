"""The service counter: carry-in (客户商品进出登记簿), loaners (周转机), quotes and the customer's consent."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.money import money
from aftersales.numbering import next_number
from aftersales.roles import Role, has_role
from network.models import ServiceCenter

from ..choices import (
    CARRY_IN_FROM,
    OPEN_STATUSES,
    ConsentMethod,
    LoanerStatus,
    QuoteLineKind,
    ServiceMode,
    WorkOrderStatus,
)
from ..models import (
    CarryIn,
    Consent,
    LoanerLoan,
    LoanerUnit,
    Quote,
    QuoteLine,
    WorkOrder,
)
from .register import CARRY_IN_PREFIX, QUOTE_MAX_AMOUNT, QUOTE_MAX_QUANTITY, REPAIR_CARD_MAX_MINUTES, _event
from .work_orders import _lock

# Carry-in (客户商品进出登记簿) ------------------------------------------------------------------------


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
        if not order.quoted_as_paid:
            raise ValidationError({"quote": _("Only paid service (A) is quoted to the customer.")})
        # Under a maintenance contract the quote lists only what the contract does not pay.
        covered = sorted({line.kind for line in lines} - order.quoted_kinds)
        if covered:
            raise ValidationError(
                {
                    "lines": _(
                        "The maintenance contract pays for %(kinds)s: the quote lists only what it does not cover."
                    )
                    % {"kinds": "、".join(str(QuoteLineKind(k).label) for k in covered)}
                },
                code="contract_covered",
            )
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

    # repairs.closing imports the services: a module-level import would be a circle.
    from ..closing import _signature_drawn

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
