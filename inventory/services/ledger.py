"""The ledger primitive: `_post()` appends stock movements and moves the levels under row locks taken in
primary-key order, valued at the warehouse's moving average cost; the warehouses it posts to."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _

from aftersales.money import money

from ..choices import (
    WarehouseKind,
)
from ..models import (
    Part,
    PartRequest,
    StockLevel,
    StockMovement,
    Warehouse,
)
from .common import InsufficientStock, _lock_key, _quantity

# --------------------------------------------------------------------------------------------------------
# The ledger primitive
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Move:
    """One line to post: signed quantity; `unit_cost` values an inbound line (None: at average cost, or
    at `value` when given — a transfer in carries the value that went out)."""

    warehouse: Warehouse
    part: Part
    quantity: int
    unit_cost: Decimal | None = None
    value: Decimal | None = None
    serial_number: str = ""


def _post(
    moves: Sequence[Move],
    *,
    kind: str,
    acting_user,
    now: dt.datetime,
    reference: str = "",
    work_order=None,  # a repairs.WorkOrder
    part_request: PartRequest | None = None,
    reason: str = "",
    idempotency_key: str | None = None,
) -> list[StockMovement]:
    """Appends movements and moves the levels, all or nothing. Must run inside the caller's transaction."""
    assert transaction.get_connection().in_atomic_block, "_post() runs inside the caller's transaction"
    levels = _lock_levels({(m.warehouse.pk, m.part.pk) for m in moves}, now=now)
    # Work on copies: the rows are only written when every line passed.
    balance = {key: [lv.quantity, lv.value_amount] for key, lv in levels.items()}
    shortages = []
    rows = []
    for i, m in enumerate(moves):
        key = (m.warehouse.pk, m.part.pk)
        qty, value = balance[key]
        if m.quantity < 0:
            if qty < -m.quantity:
                shortages.append((m.warehouse, m.part, -m.quantity, qty))
                continue
            out_value = value if -m.quantity == qty else money(value * -m.quantity / qty)
            delta = -out_value
        elif m.value is not None:
            delta = money(m.value)
        elif m.unit_cost is not None:
            delta = money(m.unit_cost * m.quantity)
        else:
            average = value / qty if qty else m.part.unit_cost_amount
            delta = money(average * m.quantity)
        balance[key] = [qty + m.quantity, value + delta]
        rows.append(
            StockMovement(
                warehouse=m.warehouse,
                part=m.part,
                kind=kind,
                quantity=m.quantity,
                unit_cost_amount=money(abs(delta) / abs(m.quantity)),
                value_amount=delta,
                reference=reference,
                work_order=work_order,
                part_request=part_request,
                reason=reason,
                serial_number=m.serial_number,
                created_by=acting_user,
                created_at=now,
                idempotency_key=(f"{idempotency_key}:{i}" if len(moves) > 1 else idempotency_key)
                if idempotency_key
                else None,
            )
        )
    if shortages:
        raise InsufficientStock(shortages)
    movements = StockMovement.objects.bulk_create(rows)
    for key, level in levels.items():
        qty, value = balance[key]
        if qty != level.quantity or value != level.value_amount:
            StockLevel.objects.filter(pk=level.pk).update(
                quantity=F("quantity") + (qty - level.quantity),
                value_amount=F("value_amount") + (value - level.value_amount),
                updated_at=now,
            )
    return movements


def _lock_levels(keys: Iterable[tuple[int, int]], *, now) -> dict[tuple[int, int], StockLevel]:
    """Makes sure the (warehouse, part) level rows exist and locks them in primary-key order. An operation
    touching levels in two steps (a transfer: out, then in) locks all of them here first, so two operations
    never take the same rows in opposite orders (and deadlock)."""
    keys = sorted(set(keys))
    StockLevel.objects.bulk_create(
        [StockLevel(warehouse_id=w, part_id=p, updated_at=now) for w, p in keys], ignore_conflicts=True
    )
    condition = Q(pk__in=[])
    for w, p in keys:
        condition |= Q(warehouse_id=w, part_id=p)
    return {
        (lv.warehouse_id, lv.part_id): lv
        for lv in StockLevel.objects.select_for_update().filter(condition).order_by("pk")
    }


def _replayed(idempotency_key: str | None) -> list[StockMovement] | None:
    """The movements an earlier call with the same key posted (a retried request does nothing twice)."""
    if not idempotency_key:
        return None
    _lock_key(idempotency_key)
    found = list(
        StockMovement.objects.filter(
            Q(idempotency_key=idempotency_key) | Q(idempotency_key__startswith=f"{idempotency_key}:")
        ).order_by("pk")
    )
    return found or None


def central_warehouse() -> Warehouse:
    return Warehouse.objects.get(kind=WarehouseKind.CENTRAL)


def defective_warehouse() -> Warehouse:
    return Warehouse.objects.get(kind=WarehouseKind.DEFECTIVE)


def _center_warehouse(center) -> Warehouse:
    try:
        return Warehouse.objects.get(center=center, active=True)
    except Warehouse.DoesNotExist:
        raise ValidationError(_("%(center)s has no warehouse.") % {"center": center}) from None


def _merge_lines(lines: Iterable[tuple[Part, object]]) -> list[tuple[Part, int]]:
    """Validates quantities and adds up repeated parts, keeping the order they came in."""
    merged: dict[int, list] = {}
    errors = []
    for n, (part, quantity) in enumerate(lines, start=1):
        try:
            q = _quantity(quantity)
        except ValidationError as exc:
            errors.append(
                _("Line %(n)s (%(part)s): %(error)s") % {"n": n, "part": part.code, "error": exc.messages[0]}
            )
            continue
        if part.pk in merged:
            merged[part.pk][1] += q
        else:
            merged[part.pk] = [part, q]
    if errors:
        raise ValidationError(errors)
    if not merged:
        raise ValidationError(_("Add at least one part."))
    return [(part, q) for part, q in merged.values()]
