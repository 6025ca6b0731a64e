"""Carrying out an approved remedy: the exchange (a replacement unit from whole-unit stock, registered to the
customer, its repair period restarting) or the return (the refund); the unit taken back goes into the
returned-goods store and to refurbishment; the cost is charged to a late repairer or credited to the dealer."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.money import money
from aftersales.numbering import next_number
from aftersales.roles import Role
from inventory import services as stock
from inventory.choices import WarehouseKind
from inventory.models import Warehouse
from repairs.models import ProductUnit
from warranty.rules import FactsError
from warranty.services import facts_from_record, warranty_evaluate

from ..choices import Basis, Payer, RefundMethod, RemedyKind, RemedyStatus
from ..models import ZERO, DealerCredit, Refund, Refurbishment, RefurbishmentEvent, RemedyRequest
from .common import lock, move, require, tell_customer
from .requests import OFFICE

MAX_REFUND = Decimal("9999999.99")


def default_warehouse(row: RemedyRequest) -> Warehouse | None:
    """Where the replacement comes from: the dealer's stock for an out-of-box exchange, else the centre of
    the repair when it holds a new unit of the model, else the maker's central warehouse."""
    if row.basis == Basis.DOA and row.dealer_id:
        return stock.dealer_warehouse(row.dealer)
    if row.work_order_id and row.work_order.center_id:
        found = Warehouse.objects.filter(center_id=row.work_order.center_id, active=True).first()
        if (
            found is not None
            and stock.units_in_stock(product_model=row.unit.model, warehouses=[found]).exists()
        ):
            return found
    return Warehouse.objects.filter(kind=WarehouseKind.CENTRAL, active=True).first()


def remedy_exchange(
    *,
    request: RemedyRequest,
    acting_user,
    warehouse: Warehouse | None = None,
    serial_number: str = "",
    now=None,
) -> RemedyRequest:
    """Hands over a new unit of the same model. Without one in the warehouse, the request waits for stock
    (the days count); a later call, when it arrived, completes it."""
    require(acting_user, *OFFICE, Role.DEALER)
    now = now or timezone.now()
    with transaction.atomic():
        row = lock(request)
        if row.remedy != RemedyKind.EXCHANGE:
            raise ValidationError(
                _("Remedy request %(number)s is a return, not an exchange.") % {"number": row.number}
            )
        if row.status not in (RemedyStatus.APPROVED, RemedyStatus.WAITING_STOCK):
            raise ValidationError(
                _("Remedy request %(number)s is %(status)s: it cannot be carried out.")
                % {"number": row.number, "status": row.get_status_display()},
                code="state",
            )
        old = row.unit
        source = warehouse or default_warehouse(row)
        if source is None:
            raise ValidationError({"warehouse": [_("Choose the warehouse the replacement comes from.")]})
        if source.kind == WarehouseKind.RETURNED or source.kind == WarehouseKind.DEFECTIVE:
            raise ValidationError(
                {"warehouse": [_("Replacements are new units: not from %(w)s.") % {"w": source}]}
            )
        taken = stock.unit_hand_over(
            product_model=old.model,
            warehouse=source,
            acting_user=acting_user,
            serial_number=serial_number,
            reference=row.number,
            now=now,
        )
        if taken is None:
            if row.status == RemedyStatus.APPROVED:
                move(
                    row,
                    RemedyStatus.WAITING_STOCK,
                    actor=acting_user,
                    now=now,
                    note=_("No %(model)s in stock at %(w)s: ordered.")
                    % {"model": old.model.model_number, "w": source},
                )
                row.source_warehouse = source
                row.save(update_fields=["status", "source_warehouse"])
            return row
        clash = ProductUnit.objects.filter(
            Q(model=old.model, serial_number=taken.serial_number)
            | (Q(imei=taken.imei) if taken.imei else Q(pk__in=[]))
        ).first()
        if clash is not None:
            raise ValidationError(
                {
                    "serial_number": [
                        _("%(serial)s is already registered to a customer: choose another unit.")
                        % {"serial": taken.imei or taken.serial_number}
                    ]
                }
            )
        today = timezone.localdate(now)
        is_phone = old.model.category.requires_imei
        new = ProductUnit.objects.create(
            model=old.model,
            serial_number=taken.serial_number,
            imei=(taken.imei or None) if is_phone else None,
            owner=old.owner,
            dealer=old.dealer,
            # The return and exchange windows still count from the original sale; the repair period from
            # the exchange (the national 三包 regulation art. 14).
            sale_date=old.sale_date,
            invoice_number=old.invoice_number,
            invoice_date=old.invoice_date,
            invoice_amount=old.invoice_amount,
            warranty_card_number=old.warranty_card_number,
            replaces=old,
            exchanged_on=today,
            created_at=now,
        )
        _take_back(row, acting_user=acting_user, now=now)
        cost = taken.unit_cost_amount
        move(
            row,
            RemedyStatus.DONE,
            actor=acting_user,
            now=now,
            note=_("Replacement %(serial)s from %(w)s")
            % {"serial": taken.imei or taken.serial_number, "w": source},
        )
        row.replacement, row.source_warehouse, row.replacement_cost_amount, row.done_at = (
            new,
            source,
            cost,
            now,
        )
        row.save(
            update_fields=["status", "replacement", "source_warehouse", "replacement_cost_amount", "done_at"]
        )
        _settle_cost(row, cost, now=now)
        tell_customer(
            old,
            _("Your exchange %(number)s is done: the new unit %(serial)s is under warranty from %(day)s.")
            % {"number": row.number, "serial": taken.imei or taken.serial_number, "day": today},
        )
    return row


def refund_due(row: RemedyRequest, on: dt.date) -> tuple[Decimal, Decimal]:
    """(price, refund) on a return made on `on`: the invoice price, less the policy's depreciation per day
    from the invoice to the return less the days in repair, where it applies (re-decided on the request's
    facts for that day)."""
    price = row.unit.invoice_amount
    if price is None:
        raise ValidationError(_("The unit's invoice price is not recorded: the refund cannot be computed."))
    decided_on = dt.date.fromisoformat(row.decision.facts["report_date"])
    facts = facts_from_record(row.decision.facts, report_date=max(on, decided_on), price=price)
    try:
        decision, _policy = warranty_evaluate(facts=facts)
    except FactsError:
        return price, price
    refund = decision.refund_amount if decision.refund_amount is not None else price
    return price, min(max(refund, ZERO), price)


def remedy_refund(
    *, request: RemedyRequest, method: str, acting_user, amount=None, reference: str = "", now=None
) -> RemedyRequest:
    """Pays the refund of an approved return (by default the amount due; never negative, never above the
    invoice price) and takes the unit back."""
    require(acting_user, *OFFICE, Role.DEALER)
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    if method not in RefundMethod.values:
        errors["method"] = [_("Choose how the refund is paid.")]
    reference = (reference or "").strip()
    if len(reference) > 60:
        errors["reference"] = [_("At most 60 characters.")]
    value = None
    if amount not in (None, ""):
        try:
            value = Decimal(str(amount).strip())
            if not value.is_finite() or abs(value) > MAX_REFUND:
                raise InvalidOperation
            value = money(value)
        except (InvalidOperation, ValueError):
            errors["amount"] = [_("Enter the amount in yuan, e.g. 1999.00.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        row = lock(request)
        if row.remedy != RemedyKind.RETURN:
            raise ValidationError(
                _("Remedy request %(number)s is an exchange, not a return.") % {"number": row.number}
            )
        if row.status != RemedyStatus.APPROVED:
            raise ValidationError(
                _("Remedy request %(number)s is %(status)s: it cannot be carried out.")
                % {"number": row.number, "status": row.get_status_display()},
                code="state",
            )
        price, due = refund_due(row, timezone.localdate(now))
        value = due if value is None else value
        if value < 0:
            raise ValidationError({"amount": [_("The refund cannot be negative.")]})
        if value > price:
            raise ValidationError(
                {
                    "amount": [
                        _("The refund cannot exceed the invoice price of %(price)s yuan.") % {"price": price}
                    ]
                }
            )
        Refund.objects.create(
            request=row,
            amount=value,
            price_amount=price,
            depreciation_amount=price - due,
            payer=row.liable,
            method=method,
            reference=reference,
            paid_by=acting_user,
            paid_at=now,
        )
        _take_back(row, acting_user=acting_user, now=now)
        move(
            row,
            RemedyStatus.DONE,
            actor=acting_user,
            now=now,
            note=_("Refund %(amount)s yuan") % {"amount": value},
        )
        row.done_at = now
        row.save(update_fields=["status", "done_at"])
        _settle_cost(row, value, now=now)
        tell_customer(
            row.unit,
            _("Your return %(number)s is done: %(amount)s yuan refunded.")
            % {"number": row.number, "amount": value},
        )
    return row


def _take_back(row: RemedyRequest, *, acting_user, now) -> Refurbishment:
    unit = row.unit
    stock.unit_take_back(
        product_model=unit.model,
        serial_number=unit.imei or unit.serial_number,
        imei=unit.imei or "",
        acting_user=acting_user,
        reference=row.number,
        now=now,
    )
    item = Refurbishment.objects.create(
        number=next_number("FX", day=timezone.localdate(now)), unit=unit, request=row, received_at=now
    )
    RefurbishmentEvent.objects.create(
        item=item, status=item.status, actor=acting_user, at=now, note=row.number
    )
    return item


def _settle_cost(row: RemedyRequest, amount: Decimal, *, now) -> None:
    """A late repairer pays through its next monthly settlement; when the seller or maker is liable, the
    dealer who sold (or exchanged) the unit is credited."""
    if amount <= 0:
        return
    if row.liable == Payer.REPAIRER and row.charged_center_id:
        row.charge_amount = amount
        row.save(update_fields=["charge_amount"])
        return
    dealer = row.dealer or row.unit.dealer
    if dealer is not None:
        DealerCredit.objects.create(
            number=next_number("XD", day=timezone.localdate(now)),
            dealer=dealer,
            request=row,
            amount=amount,
            reason=(_("Exchange %(number)s") if row.remedy == RemedyKind.EXCHANGE else _("Refund %(number)s"))
            % {"number": row.number},
            created_at=now,
        )
