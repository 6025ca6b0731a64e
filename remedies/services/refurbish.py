"""Refurbishment (翻新) of the units taken back: inspected and graded, repaired with parts from the ledger,
tested, then restocked as refurbished (at their refurbishment cost) or scrapped with a reason."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.money import money
from aftersales.roles import Role
from inventory import services as stock
from inventory.choices import WarehouseKind
from inventory.models import Warehouse

from ..choices import Grade, RefurbStatus
from ..models import Refurbishment, RefurbishmentEvent
from .common import require

MAX_LABOUR = Decimal("999999.99")


def _lock(item: Refurbishment) -> Refurbishment:
    return Refurbishment.objects.select_for_update(of=("self",)).select_related("unit__model").get(pk=item.pk)


def _state(row: Refurbishment, *allowed: str) -> None:
    if row.status not in allowed:
        raise ValidationError(
            _("Refurbishment %(number)s is %(status)s: not possible now.")
            % {"number": row.number, "status": row.get_status_display()},
            code="state",
        )


def _central():
    return Warehouse.objects.filter(kind=WarehouseKind.CENTRAL, active=True).first()


def _log(row: Refurbishment, *, actor, now, note: str = "") -> None:
    RefurbishmentEvent.objects.create(item=row, status=row.status, actor=actor, at=now, note=note[:300])


def _serial(row: Refurbishment) -> str:
    return row.unit.imei or row.unit.serial_number


def refurbishment_inspect(
    *, item: Refurbishment, grade: str, note: str = "", acting_user, now=None
) -> Refurbishment:
    require(acting_user, Role.MANAGER)
    now = now or timezone.now()
    if grade not in Grade.values:
        raise ValidationError({"grade": [_("Choose a grade: A, B, C or scrap.")]})
    note = (note or "").strip()[:300]
    with transaction.atomic():
        row = _lock(item)
        _state(row, RefurbStatus.RECEIVED, RefurbStatus.INSPECTED)
        row.grade, row.inspection_note, row.inspected_at, row.status = (
            grade,
            note,
            now,
            RefurbStatus.INSPECTED,
        )
        row.save(update_fields=["grade", "inspection_note", "inspected_at", "status"])
        _log(row, actor=acting_user, now=now, note=f"{row.get_grade_display()} {note}".strip())
    return row


def refurbishment_repair(
    *, item: Refurbishment, parts=(), labour_amount="0", warehouse=None, acting_user, now=None
) -> Refurbishment:
    """Parts from `warehouse` (the central warehouse by default) through the ledger, and the labour."""
    require(acting_user, Role.MANAGER)
    now = now or timezone.now()
    try:
        labour = Decimal(str(labour_amount or "0").strip())
        if not labour.is_finite() or labour < 0 or labour > MAX_LABOUR:
            raise InvalidOperation
        labour = money(labour)
    except (InvalidOperation, ValueError):
        raise ValidationError({"labour_amount": [_("Enter the labour in yuan, not negative.")]}) from None
    with transaction.atomic():
        row = _lock(item)
        _state(row, RefurbStatus.INSPECTED, RefurbStatus.REPAIRED)
        if row.grade == Grade.SCRAP:
            raise ValidationError(_("A unit graded scrap is scrapped, not repaired."))
        source = warehouse or _central()
        if source is None and parts:
            raise ValidationError({"warehouse": [_("Choose the warehouse the parts come from.")]})
        value = stock.refurbishment_parts_issue(
            warehouse=source, lines=parts, acting_user=acting_user, reference=row.number, now=now
        )
        row.parts_cost_amount += value
        row.labour_cost_amount += labour
        row.repaired_at, row.status = now, RefurbStatus.REPAIRED
        row.save(update_fields=["parts_cost_amount", "labour_cost_amount", "repaired_at", "status"])
        _log(row, actor=acting_user, now=now, note=f"¥{value} + ¥{labour}")
    return row


def refurbishment_test(
    *, item: Refurbishment, passed: bool, note: str = "", acting_user, now=None
) -> Refurbishment:
    require(acting_user, Role.MANAGER)
    now = now or timezone.now()
    note = (note or "").strip()[:300]
    with transaction.atomic():
        row = _lock(item)
        _state(row, RefurbStatus.INSPECTED, RefurbStatus.REPAIRED)
        if row.grade == Grade.SCRAP:
            raise ValidationError(_("A unit graded scrap is scrapped, not tested."))
        if not passed:
            # Failed: back to repair.
            row.test_note, row.status = note or _("Failed the test"), RefurbStatus.INSPECTED
            row.save(update_fields=["test_note", "status"])
            _log(row, actor=acting_user, now=now, note=row.test_note)
            return row
        row.test_note, row.tested_at, row.status = note, now, RefurbStatus.TESTED
        row.save(update_fields=["test_note", "tested_at", "status"])
        _log(row, actor=acting_user, now=now, note=note)
    return row


def refurbishment_restock(*, item: Refurbishment, warehouse=None, acting_user, now=None) -> Refurbishment:
    require(acting_user, Role.MANAGER)
    now = now or timezone.now()
    with transaction.atomic():
        row = _lock(item)
        _state(row, RefurbStatus.TESTED)
        target = warehouse or _central()
        if target is None or target.kind in (WarehouseKind.RETURNED, WarehouseKind.DEFECTIVE):
            raise ValidationError({"warehouse": [_("Refurbished units go to a warehouse that sells them.")]})
        stock.unit_restock_refurbished(
            product_model=row.unit.model,
            serial_number=_serial(row),
            warehouse=target,
            unit_cost=row.cost_amount,
            acting_user=acting_user,
            reference=row.number,
            now=now,
        )
        row.restocked_to, row.finished_at, row.status = target, now, RefurbStatus.RESTOCKED
        row.save(update_fields=["restocked_to", "finished_at", "status"])
        _log(row, actor=acting_user, now=now, note=str(target))
    return row


def refurbishment_scrap(*, item: Refurbishment, reason: str, acting_user, now=None) -> Refurbishment:
    require(acting_user, Role.MANAGER)
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Give the reason for scrapping.")]})
    with transaction.atomic():
        row = _lock(item)
        _state(
            row, *[s for s in RefurbStatus.values if s not in (RefurbStatus.RESTOCKED, RefurbStatus.SCRAPPED)]
        )
        stock.unit_scrap(
            product_model=row.unit.model,
            serial_number=_serial(row),
            reason=reason,
            acting_user=acting_user,
            reference=row.number,
            now=now,
        )
        row.scrap_reason, row.finished_at, row.status = reason[:300], now, RefurbStatus.SCRAPPED
        if not row.grade:
            row.grade = Grade.SCRAP
        row.save(update_fields=["scrap_reason", "finished_at", "status", "grade"])
        _log(row, actor=acting_user, now=now, note=reason)
    return row
