"""Whole units (整机) as stock items with serials: received into a warehouse, handed over as a 三包
replacement, taken back from a customer into the returned-goods store (worth nothing until refurbished),
parts issued to refurbishment, restocked as refurbished, scrapped. Every change is a ledger movement
(`_post`, row locks, levels never negative) and moves the serial's row in the same transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.money import money
from aftersales.validators import validate_imei

from ..choices import MovementKind, UnitSerialStatus, WarehouseKind
from ..models import ZERO, Part, UnitSerial, Warehouse
from .common import _quantity
from .ledger import Move, _merge_lines, _post


def whole_unit_part(*, product_model, refurbished: bool = False) -> Part:
    """The stock item of a model's whole unit (new or refurbished), made on first use."""
    code = f"UNIT-{product_model.model_number}" + ("-R" if refurbished else "")
    part, _created = Part.objects.get_or_create(
        product_model=product_model,
        refurbished=refurbished,
        defaults={
            "code": code[:40],
            "name": (_("%(model)s refurbished unit") if refurbished else _("%(model)s whole unit"))
            % {"model": product_model.model_number},
            "category_id": product_model.category_id,
            "unit_cost_amount": money((product_model.list_price_amount or ZERO) * Decimal("0.7")),
            "retail_price_amount": product_model.list_price_amount or ZERO,
            "serialized": True,
        },
    )
    return part


def returned_goods_warehouse() -> Warehouse:
    warehouse, _created = Warehouse.objects.get_or_create(
        kind=WarehouseKind.RETURNED, defaults={"code": "RETURNED", "name": _("Returned-goods store")}
    )
    return warehouse


def dealer_warehouse(dealer) -> Warehouse:
    """A dealer's whole-unit stock, made on first use."""
    warehouse, _created = Warehouse.objects.get_or_create(
        dealer=dealer,
        defaults={"kind": WarehouseKind.DEALER, "code": f"D-{dealer.code}"[:20], "name": dealer.name},
    )
    return warehouse


def units_receive(
    *,
    warehouse: Warehouse,
    product_model,
    serials: Iterable[tuple[str, str]],
    unit_cost,
    acting_user,
    refurbished: bool = False,
    reference: str = "",
    now: dt.datetime | None = None,
) -> list[UnitSerial]:
    """Whole units received from the factory (or a supplier): (serial, IMEI or "") each, at `unit_cost`."""
    now = now or timezone.now()
    serials = [(str(s).strip(), str(i or "").strip()) for s, i in serials]
    if not serials or any(not s for s, _i in serials):
        raise ValidationError(_("Enter the serial number of every unit."))
    if len({s for s, _i in serials}) != len(serials):
        raise ValidationError(_("A serial number is entered twice."))
    cost = money(unit_cost)
    if cost < 0:
        raise ValidationError(_("The unit cost cannot be negative."))
    if product_model.category.requires_imei:
        # A phone is handed over and registered by its IMEI: each must be a valid one.
        for serial, imei in serials:
            try:
                validate_imei(imei)
            except ValidationError as exc:
                raise ValidationError(f"{serial}：{exc.messages[0]}") from None
    part = whole_unit_part(product_model=product_model, refurbished=refurbished)
    with transaction.atomic():
        taken = set(
            UnitSerial.objects.filter(part=part, serial_number__in=[s for s, _i in serials])
            .exclude(status=UnitSerialStatus.OUT)
            .values_list("serial_number", flat=True)
        )
        if taken:
            raise ValidationError(
                _("Already in stock or scrapped: %(serials)s.") % {"serials": "、".join(sorted(taken))}
            )
        _post(
            [Move(warehouse, part, 1, unit_cost=cost, serial_number=s) for s, _i in serials],
            kind=MovementKind.RECEIPT,
            acting_user=acting_user,
            now=now,
            reference=reference[:40],
        )
        return [_serial_put(part, s, i, warehouse, cost, now) for s, i in serials]


def _serial_put(part: Part, serial: str, imei: str, warehouse: Warehouse, cost, now) -> UnitSerial:
    row, _created = UnitSerial.objects.update_or_create(
        part=part,
        serial_number=serial,
        defaults={
            "imei": imei,
            "warehouse": warehouse,
            "status": UnitSerialStatus.IN_STOCK,
            "unit_cost_amount": money(cost),
            "updated_at": now,
        },
    )
    return row


def units_in_stock(*, product_model, warehouses: Iterable[Warehouse], refurbished: bool = False):
    return (
        UnitSerial.objects.in_stock()
        .filter(
            part__product_model=product_model, part__refurbished=refurbished, warehouse__in=list(warehouses)
        )
        .select_related("warehouse", "part")
        .order_by("warehouse_id", "serial_number")
    )


def unit_hand_over(
    *,
    product_model,
    warehouse: Warehouse,
    acting_user,
    serial_number: str = "",
    reference: str = "",
    now: dt.datetime | None = None,
) -> UnitSerial | None:
    """Takes one new unit of the model out of `warehouse` as a 三包 replacement (the named serial, or the
    first in stock). None when the warehouse has none (the caller waits for stock); an unknown serial is
    refused. Must run inside the caller's transaction."""
    assert transaction.get_connection().in_atomic_block, (
        "unit_hand_over() runs inside the caller's transaction"
    )
    now = now or timezone.now()
    rows = UnitSerial.objects.select_for_update(skip_locked=not serial_number).filter(
        part__product_model=product_model,
        part__refurbished=False,
        warehouse=warehouse,
        status=UnitSerialStatus.IN_STOCK,
    )
    if serial_number:
        row = rows.filter(serial_number=serial_number.strip()).first()
        if row is None:
            raise ValidationError(
                _("%(serial)s is not a %(model)s in stock at %(warehouse)s.")
                % {"serial": serial_number, "model": product_model.model_number, "warehouse": warehouse}
            )
    else:
        row = rows.order_by("serial_number").first()
        if row is None:
            return None
    moves = _post(
        [Move(warehouse, row.part, -1, serial_number=row.serial_number)],
        kind=MovementKind.UNIT_OUT,
        acting_user=acting_user,
        now=now,
        reference=reference[:40],
    )
    row.status, row.updated_at = UnitSerialStatus.OUT, now
    row.unit_cost_amount = moves[0].unit_cost_amount
    row.save(update_fields=["status", "updated_at", "unit_cost_amount"])
    return row


def unit_take_back(
    *, product_model, serial_number: str, imei: str = "", acting_user, reference: str = "", now=None
) -> UnitSerial:
    """A unit taken back from a customer goes into the returned-goods store, at no value."""
    assert transaction.get_connection().in_atomic_block, (
        "unit_take_back() runs inside the caller's transaction"
    )
    now = now or timezone.now()
    part = whole_unit_part(product_model=product_model)
    store = returned_goods_warehouse()
    if UnitSerial.objects.filter(
        part=part, serial_number=serial_number, status=UnitSerialStatus.IN_STOCK
    ).exists():
        raise ValidationError(_("%(serial)s is already in stock.") % {"serial": serial_number})
    _post(
        [Move(store, part, 1, unit_cost=ZERO, serial_number=serial_number)],
        kind=MovementKind.UNIT_BACK,
        acting_user=acting_user,
        now=now,
        reference=reference[:40],
    )
    return _serial_put(part, serial_number, imei or "", store, ZERO, now)


def refurbishment_parts_issue(
    *, warehouse: Warehouse, lines: Iterable[tuple[Part, object]], acting_user, reference: str, now=None
) -> Decimal:
    """Parts issued from `warehouse` to refurbish a unit; returns their value at average cost."""
    assert transaction.get_connection().in_atomic_block
    now = now or timezone.now()
    lines = list(lines)
    if not lines:
        return ZERO
    merged = _merge_lines((part, _quantity(q)) for part, q in lines)
    if any(part.product_model_id for part, _q in merged):
        raise ValidationError(_("A whole unit is not a spare part."))
    if not merged:
        return ZERO
    moves = _post(
        [Move(warehouse, part, -q) for part, q in merged],
        kind=MovementKind.REFURB_ISSUE,
        acting_user=acting_user,
        now=now,
        reference=reference[:40],
    )
    return money(sum((-m.value_amount for m in moves), ZERO))


def _serial_out_of_returned(product_model, serial_number: str) -> UnitSerial:
    row = (
        UnitSerial.objects.select_for_update()
        .filter(
            part__product_model=product_model,
            part__refurbished=False,
            serial_number=serial_number,
            status=UnitSerialStatus.IN_STOCK,
            warehouse__kind=WarehouseKind.RETURNED,
        )
        .select_related("part", "warehouse")
        .first()
    )
    if row is None:
        raise ValidationError(_("%(serial)s is not in the returned-goods store.") % {"serial": serial_number})
    return row


def unit_restock_refurbished(
    *,
    product_model,
    serial_number: str,
    warehouse: Warehouse,
    unit_cost,
    acting_user,
    reference: str,
    now=None,
) -> UnitSerial:
    """A refurbished unit leaves the returned-goods store and enters `warehouse` as a refurbished stock item,
    valued at its refurbishment cost."""
    assert transaction.get_connection().in_atomic_block
    now = now or timezone.now()
    row = _serial_out_of_returned(product_model, serial_number)
    refurbished = whole_unit_part(product_model=product_model, refurbished=True)
    _post(
        [Move(row.warehouse, row.part, -1, serial_number=serial_number)],
        kind=MovementKind.TRANSFER_OUT,
        acting_user=acting_user,
        now=now,
        reference=reference[:40],
    )
    _post(
        [Move(warehouse, refurbished, 1, unit_cost=money(unit_cost), serial_number=serial_number)],
        kind=MovementKind.REFURB_IN,
        acting_user=acting_user,
        now=now,
        reference=reference[:40],
    )
    row.status, row.updated_at = UnitSerialStatus.OUT, now
    row.save(update_fields=["status", "updated_at"])
    return _serial_put(refurbished, serial_number, row.imei, warehouse, unit_cost, now)


def unit_scrap(
    *, product_model, serial_number: str, reason: str, acting_user, reference: str, now=None
) -> None:
    assert transaction.get_connection().in_atomic_block
    now = now or timezone.now()
    row = _serial_out_of_returned(product_model, serial_number)
    _post(
        [Move(row.warehouse, row.part, -1, serial_number=serial_number)],
        kind=MovementKind.SCRAP,
        acting_user=acting_user,
        now=now,
        reference=reference[:40],
        reason=reason[:200],
    )
    row.status, row.updated_at = UnitSerialStatus.SCRAPPED, now
    row.save(update_fields=["status", "updated_at"])
