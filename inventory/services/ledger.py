"""The ledger primitive: `_post()` appends stock movements and moves the levels under row locks taken in
primary-key order, valued at the warehouse's moving average cost; the warehouses it posts to.

Every part issued on a repair passes through here, many a second at peak: the statements of that path are
written out in SQL (table and column names from the models) rather than compiled by the ORM on each call,
whose compilation cost several times what PostgreSQL spends running them (bench/inventory_bench.py
measures the issue against the bare statements). What they do is what the ORM's would."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from aftersales.money import money

from ..choices import (
    WarehouseKind,
)
from ..models import (
    ZERO,
    Part,
    PartRequest,
    StockLevel,
    StockMovement,
    Warehouse,
)
from .common import InsufficientStock, _lock_key, _quantity

_LEVEL = StockLevel._meta.db_table
_MOVEMENT = StockMovement._meta.db_table
_MOVEMENT_FIELDS = [f for f in StockMovement._meta.concrete_fields if not f.primary_key]
_MOVEMENT_INSERT = "INSERT INTO {table} ({columns}) VALUES {rows} RETURNING id".format(
    table=_MOVEMENT, columns=", ".join(f.column for f in _MOVEMENT_FIELDS), rows="{rows}"
)
_MOVEMENT_ROW = "(" + ", ".join(["%s"] * len(_MOVEMENT_FIELDS)) + ")"
_LEVEL_NAMES = [f.attname for f in StockLevel._meta.concrete_fields]
_LEVEL_SELECT = "SELECT {columns} FROM {table}".format(
    columns=", ".join(f.column for f in StockLevel._meta.concrete_fields), table=_LEVEL
)
_MOVEMENT_SELECT = "SELECT {columns} FROM {table}".format(
    columns=", ".join(f.column for f in StockMovement._meta.concrete_fields), table=_MOVEMENT
)
_WAREHOUSE_SELECT = "SELECT {columns} FROM {table}".format(
    columns=", ".join(f.column for f in Warehouse._meta.concrete_fields), table=Warehouse._meta.db_table
)

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
    levels = _lock_levels(
        {(m.warehouse.pk, m.part.pk) for m in moves}, now=now, create=any(m.quantity > 0 for m in moves)
    )
    # Work on copies: the rows are only written when every line passed.
    balance = {key: [lv.quantity, lv.value_amount] for key, lv in levels.items()}
    shortages = []
    rows = []
    for i, m in enumerate(moves):
        key = (m.warehouse.pk, m.part.pk)
        qty, value = balance.get(key, (0, ZERO))  # no level row: nothing on hand
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
    movements = _insert_movements(rows)
    with connection.cursor() as cursor:
        for key, level in levels.items():
            qty, value = balance[key]
            if qty != level.quantity or value != level.value_amount:
                cursor.execute(
                    f"UPDATE {_LEVEL} SET quantity = quantity + %s, value_amount = value_amount + %s,"
                    " updated_at = %s WHERE id = %s",
                    [qty - level.quantity, value - level.value_amount, now, level.pk],
                )
    return movements


def _insert_movements(rows: list[StockMovement]) -> list[StockMovement]:
    """`bulk_create(rows)` written out: one INSERT … RETURNING id, the values prepared by each field as the
    ORM prepares them; the rows come back saved, with their ids."""
    params = [
        field.get_db_prep_save(getattr(row, field.attname), connection)
        for row in rows
        for field in _MOVEMENT_FIELDS
    ]
    with connection.cursor() as cursor:
        cursor.execute(_MOVEMENT_INSERT.format(rows=", ".join([_MOVEMENT_ROW] * len(rows))), params)
        ids = [pk for (pk,) in cursor.fetchall()]
    for row, pk in zip(rows, ids, strict=True):
        row.pk = pk
        row._state.adding = False
        row._state.db = connection.alias
    return rows


def _lock_levels(
    keys: Iterable[tuple[int, int]], *, now, create: bool = True
) -> dict[tuple[int, int], StockLevel]:
    """Locks the (warehouse, part) level rows in primary-key order, first making sure they exist (`create`:
    a line coming in needs its row; a line going out of a warehouse without one finds nothing on hand, and
    its shortage is refused either way). An operation touching levels in two steps (a transfer: out, then
    in) locks all of them here first, so two operations never take the same rows in opposite orders (and
    deadlock)."""
    keys = sorted(set(keys))
    if not keys:
        return {}
    if create:
        StockLevel.objects.bulk_create(
            [StockLevel(warehouse_id=w, part_id=p, updated_at=now) for w, p in keys], ignore_conflicts=True
        )
    with connection.cursor() as cursor:
        cursor.execute(
            f"{_LEVEL_SELECT} WHERE (warehouse_id, part_id) IN ({', '.join(['(%s, %s)'] * len(keys))})"
            " ORDER BY id FOR UPDATE",
            [value for key in keys for value in key],
        )
        levels = [StockLevel.from_db(connection.alias, _LEVEL_NAMES, row) for row in cursor.fetchall()]
    return {(lv.warehouse_id, lv.part_id): lv for lv in levels}


def _replayed(idempotency_key: str | None) -> list[StockMovement] | None:
    """The movements an earlier call with the same key posted (a retried request does nothing twice)."""
    if not idempotency_key:
        return None
    _lock_key(idempotency_key)
    prefix = idempotency_key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + ":%"
    with connection.cursor() as cursor:
        cursor.execute(
            f"{_MOVEMENT_SELECT} WHERE idempotency_key = %s OR idempotency_key LIKE %s ORDER BY id",
            [idempotency_key, prefix],
        )
        rows = cursor.fetchall()
    names = [f.attname for f in StockMovement._meta.concrete_fields]
    found = [StockMovement.from_db(connection.alias, names, row) for row in rows]
    return found or None


def central_warehouse() -> Warehouse:
    return Warehouse.objects.get(kind=WarehouseKind.CENTRAL)


def defective_warehouse() -> Warehouse:
    return Warehouse.objects.get(kind=WarehouseKind.DEFECTIVE)


def _center_warehouse(center) -> Warehouse:
    """The active warehouse of the centre (a ServiceCenter, or its primary key)."""
    center_id = center if isinstance(center, int) else center.pk
    with connection.cursor() as cursor:
        cursor.execute(f"{_WAREHOUSE_SELECT} WHERE center_id = %s AND active", [center_id])
        rows = cursor.fetchall()
    if len(rows) != 1:
        if isinstance(center, int):  # named in the message
            center = Warehouse._meta.get_field("center").related_model.objects.get(pk=center)
        if rows:
            raise Warehouse.MultipleObjectsReturned(f"{center} has {len(rows)} active warehouses")
        raise ValidationError(_("%(center)s has no warehouse.") % {"center": center})
    return Warehouse.from_db(connection.alias, [f.attname for f in Warehouse._meta.concrete_fields], rows[0])


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
