"""Initial stock import (期初导入) from CSV: the central warehouse's and each centre's count, all or nothing.

The file has a header row and the columns warehouse_code, part_code, quantity, unit_cost (or their Chinese
names 仓库编码, 备件编码, 数量, 单价), in any order. It may be UTF-8 with or without a BOM, or GBK (what Excel
in China saves). Every line is checked before anything is posted; one bad line and nothing is posted, and the
result lists every bad line by its number in the file. A warehouse that already has movements of a part is
refused for that part: an initial import must never count stock twice (a count correction is a stock
adjustment instead).

The level rows of every (warehouse, part) of the file are made and locked in primary-key order, the "no
movements yet" check is repeated under that lock, and the receipts are then written set-based (one INSERT of the
movements, one UPDATE of the levels), so a 10,000-line file takes a few seconds. Valuation is that of
`services._post` for a receipt at a given unit cost; `manage.py check_stock` verifies the result.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.money import money

from .choices import MovementKind, WarehouseKind
from .models import ZERO, Part, StockLevel, StockMovement, Warehouse

COLUMNS = ("warehouse_code", "part_code", "quantity", "unit_cost")
CHINESE_COLUMNS = {
    "仓库编码": "warehouse_code",
    "备件编码": "part_code",
    "数量": "quantity",
    "单价": "unit_cost",
}
CHUNK = 1000
MAX_QUANTITY = 1_000_000
MAX_LINE_VALUE = Decimal("999999999999.99")  # what a value_amount (14 digits, 2 places) can hold
# The reference every movement of one import carries: a document name, kept in the ledger as written.
REFERENCE = "期初导入 {:%Y-%m-%d %H:%M}"


@dataclass(frozen=True)
class LineError:
    line: int  # the line number in the file, the header being line 1
    message: str


@dataclass(frozen=True)
class WarehouseTotal:
    warehouse: Warehouse
    lines: int
    quantity: int
    value: Decimal


@dataclass
class ImportResult:
    errors: list[LineError] = field(default_factory=list)
    totals: list[WarehouseTotal] = field(default_factory=list)
    reference: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def lines(self) -> int:
        return sum(t.lines for t in self.totals)

    @property
    def quantity(self) -> int:
        return sum(t.quantity for t in self.totals)

    @property
    def value(self) -> Decimal:
        return sum((t.value for t in self.totals), ZERO)


@dataclass(frozen=True)
class _Line:
    number: int
    warehouse: Warehouse
    part: Part
    quantity: int
    unit_cost: Decimal


class _Conflict(Exception):
    """Found under the lock: a pair got movements after the first check. Rolls the transaction back."""

    def __init__(self, errors: list[LineError]):
        self.errors = errors


def _decode(file) -> str:
    if hasattr(file, "read"):
        file = file.read()
    if isinstance(file, str):
        return file.removeprefix("\ufeff")
    try:
        return file.decode("utf-8-sig")
    except UnicodeDecodeError:
        # GB18030 is a superset of GBK (and GB2312): every file Excel saves as "CSV" in China reads.
        return file.decode("gb18030")


def _header(row: list[str]) -> tuple[dict[str, int], str | None]:
    names = [cell.strip().lstrip("\ufeff").lower() for cell in row]
    index = {}
    for i, name in enumerate(names):
        key = CHINESE_COLUMNS.get(name, name)
        if key in COLUMNS and key not in index:
            index[key] = i
    missing = [c for c in COLUMNS if c not in index]
    if missing:
        return index, _(
            "The first line must name the columns warehouse_code, part_code, quantity, unit_cost "
            "(or 仓库编码, 备件编码, 数量, 单价); missing: %(missing)s."
        ) % {"missing": ", ".join(missing)}
    return index, None


def _parse_quantity(text: str) -> int | str:
    """A whole number of pieces, or the error message."""
    try:
        number = Decimal(text.replace(",", ""))
    except InvalidOperation:
        return _("the quantity “%(value)s” is not a whole number") % {"value": text}
    if not number.is_finite() or number != number.to_integral_value():
        return _("the quantity “%(value)s” is not a whole number") % {"value": text}
    if number <= 0:
        return _("the quantity must be greater than zero")
    if number > MAX_QUANTITY:
        return _("the quantity %(value)s is more than %(max)s") % {"value": text, "max": MAX_QUANTITY}
    return int(number)


def _parse_cost(text: str) -> Decimal | str:
    try:
        cost = Decimal(text.replace(",", "").removeprefix("¥").removeprefix("￥"))
    except InvalidOperation:
        return _("the unit cost “%(value)s” is not an amount in yuan") % {"value": text}
    if not cost.is_finite():
        return _("the unit cost “%(value)s” is not an amount in yuan") % {"value": text}
    if cost < 0:
        return _("the unit cost cannot be negative")
    if cost != cost.quantize(Decimal("0.01")):
        return _("the unit cost “%(value)s” has more than two decimal places") % {"value": text}
    return cost.quantize(Decimal("0.01"))


def _pairs_with_movements(pairs: list[tuple[int, int]]) -> set[tuple[int, int]]:
    """The (warehouse, part) pairs of the list that already have ledger lines: one query."""
    if not pairs:
        return set()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT k.w, k.p FROM unnest(%s::bigint[], %s::bigint[]) AS k(w, p)
            WHERE EXISTS (SELECT 1 FROM {StockMovement._meta.db_table} m
                          WHERE m.part_id = k.p AND m.warehouse_id = k.w)
            """,
            [[w for w, _p in pairs], [p for _w, p in pairs]],
        )
        return {(w, p) for w, p in cursor.fetchall()}


def _lock_levels(pairs: list[tuple[int, int]], now: dt.datetime) -> None:
    """Creates the level rows and locks them all, in primary-key order, before anything is checked again:
    a receipt of the same pair in another transaction waits until the import has committed."""
    table = StockLevel._meta.db_table
    columns = [[w for w, _p in pairs], [p for _w, p in pairs]]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table} (warehouse_id, part_id, quantity, value_amount, updated_at)
            SELECT k.w, k.p, 0, 0, %s FROM unnest(%s::bigint[], %s::bigint[]) AS k(w, p)
            ON CONFLICT (warehouse_id, part_id) DO NOTHING
            """,
            [now, *columns],
        )
        cursor.execute(
            f"""
            SELECT l.id FROM {table} l
            JOIN unnest(%s::bigint[], %s::bigint[]) AS k(w, p) ON l.warehouse_id = k.w AND l.part_id = k.p
            ORDER BY l.id FOR UPDATE OF l
            """,
            columns,
        )


def _post_receipts(lines: list[_Line], *, acting_user, now: dt.datetime, reference: str) -> list[Decimal]:
    """The receipts of an import, set-based: one INSERT of every movement and one UPDATE of every level;
    returns each line's value. Valued as `services._post` values a receipt at a given unit cost. Only for
    pairs whose level rows this transaction has locked (`_lock_levels`) and that have no movements yet,
    checked under that lock."""
    values = [money(ln.unit_cost * ln.quantity) for ln in lines]
    columns = [
        [ln.warehouse.pk for ln in lines],
        [ln.part.pk for ln in lines],
        [ln.quantity for ln in lines],
        [money(v / ln.quantity) for v, ln in zip(values, lines, strict=True)],
        values,
    ]
    unnest = (
        "unnest(%s::bigint[], %s::bigint[], %s::integer[], %s::numeric[], %s::numeric[]) AS k(w, p, q, c, v)"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {StockMovement._meta.db_table}
                (warehouse_id, part_id, kind, quantity, unit_cost_amount, value_amount, reference, reason,
                 serial_number, created_by_id, created_at)
            SELECT k.w, k.p, %s, k.q, k.c, k.v, %s, %s, '', %s, %s FROM {unnest}
            """,
            [
                MovementKind.RECEIPT.value,
                reference,
                _("Initial stock import"),
                acting_user.pk if acting_user is not None else None,
                now,
                *columns,
            ],
        )
        if cursor.rowcount != len(lines):
            raise RuntimeError(f"{cursor.rowcount} movements written for {len(lines)} lines")
        cursor.execute(
            f"""
            UPDATE {StockLevel._meta.db_table} l
            SET quantity = l.quantity + k.q, value_amount = l.value_amount + k.v, updated_at = %s
            FROM {unnest}
            WHERE l.warehouse_id = k.w AND l.part_id = k.p
            """,
            [now, *columns],
        )
        if cursor.rowcount != len(lines):  # every pair was made and locked above: never expected
            raise RuntimeError(f"{cursor.rowcount} stock levels updated for {len(lines)} receipts")
    return values


def _already_stocked(line: _Line) -> LineError:
    return LineError(
        line.number,
        _(
            "%(warehouse)s already has stock movements of %(part)s: an initial import would count it twice "
            "(correct a count with a stock adjustment)."
        )
        % {"warehouse": line.warehouse.code, "part": line.part.code},
    )


def _check(text: str) -> tuple[list[_Line], list[LineError]]:
    reader = csv.reader(io.StringIO(text))
    errors: list[LineError] = []
    try:
        header = next(reader)
    except StopIteration:
        return [], [LineError(1, _("The file is empty."))]
    except csv.Error as exc:
        return [], [LineError(1, _("The file is not a readable CSV file (%(error)s).") % {"error": exc})]
    index, problem = _header(header)
    if problem:
        return [], [LineError(1, problem)]
    width = max(index.values()) + 1
    raw = []
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            raw.append((reader.line_num, row))
    except csv.Error as exc:
        errors.append(
            LineError(reader.line_num, _("The line cannot be read as CSV (%(error)s).") % {"error": exc})
        )
    if not raw and not errors:
        return [], [LineError(1, _("The file has a header but no lines to import."))]

    def cell(row, name):
        i = index[name]
        return row[i].strip() if i < len(row) else ""

    warehouses = {
        w.code: w
        for w in Warehouse.objects.filter(
            code__in={cell(r, "warehouse_code") for _n, r in raw if len(r) >= width}
        )
    }
    parts = {
        p.code: p
        for p in Part.objects.filter(code__in={cell(r, "part_code") for _n, r in raw if len(r) >= width})
    }
    lines: list[_Line] = []
    seen: dict[tuple[int, int], int] = {}
    for number, row in raw:
        if len(row) < width:
            errors.append(
                LineError(
                    number,
                    _("%(found)s columns where %(wanted)s are needed.")
                    % {"found": len(row), "wanted": width},
                )
            )
            continue
        problems = []
        wcode, pcode = cell(row, "warehouse_code"), cell(row, "part_code")
        warehouse, part = warehouses.get(wcode), parts.get(pcode)
        if not wcode:
            problems.append(_("the warehouse code is empty"))
        elif warehouse is None:
            problems.append(_("no warehouse has the code “%(code)s”") % {"code": wcode})
        elif not warehouse.active:
            problems.append(_("warehouse %(code)s is no longer in use") % {"code": wcode})
        elif warehouse.kind == WarehouseKind.DEFECTIVE:
            problems.append(_("the defective-parts store is not stocked by import"))
        if not pcode:
            problems.append(_("the part code is empty"))
        elif part is None:
            problems.append(_("no part has the code “%(code)s”") % {"code": pcode})
        quantity = _parse_quantity(cell(row, "quantity"))
        if isinstance(quantity, str):
            problems.append(quantity)
        cost = _parse_cost(cell(row, "unit_cost"))
        if isinstance(cost, str):
            problems.append(cost)
        if not problems and cost * quantity > MAX_LINE_VALUE:
            problems.append(_("quantity × unit cost is too large"))
        if not problems:
            key = (warehouse.pk, part.pk)
            if key in seen:
                problems.append(
                    _("%(warehouse)s × %(part)s is already on line %(line)s")
                    % {"warehouse": wcode, "part": pcode, "line": seen[key]}
                )
            else:
                seen[key] = number
        if problems:
            errors.append(LineError(number, "；".join(problems)))
        else:
            lines.append(_Line(number, warehouse, part, quantity, cost))
    stocked = _pairs_with_movements(list(seen))
    errors.extend(_already_stocked(line) for line in lines if (line.warehouse.pk, line.part.pk) in stocked)
    errors.sort(key=lambda e: e.line)
    return lines, errors


def stock_import_csv(*, file, acting_user, now=None) -> ImportResult:
    """Checks every line of the file, then posts one receipt per line in one transaction, or nothing.

    `file`: the CSV as text, bytes, or a file object. Returns the errors line by line, or what was imported
    per warehouse."""
    now = now or timezone.now()
    text = _decode(file)
    lines, errors = _check(text)
    if errors:
        return ImportResult(errors=errors)
    reference = REFERENCE.format(timezone.localtime(now))
    by_warehouse: dict[int, list[_Line]] = {}
    for line in lines:
        by_warehouse.setdefault(line.warehouse.pk, []).append(line)
    pairs = sorted((line.warehouse.pk, line.part.pk) for line in lines)
    try:
        with transaction.atomic():
            _lock_levels(pairs, now)
            stocked = _pairs_with_movements(pairs)
            if stocked:
                raise _Conflict(
                    [_already_stocked(ln) for ln in lines if (ln.warehouse.pk, ln.part.pk) in stocked]
                )
            values = _post_receipts(lines, acting_user=acting_user, now=now, reference=reference)
    except _Conflict as conflict:
        return ImportResult(errors=conflict.errors)
    value_by_line = dict(zip((ln.number for ln in lines), values, strict=True))
    totals = [
        WarehouseTotal(
            group[0].warehouse,
            len(group),
            sum(ln.quantity for ln in group),
            sum((value_by_line[ln.number] for ln in group), ZERO),
        )
        for group in by_warehouse.values()
    ]
    totals.sort(key=lambda t: (t.warehouse.kind != WarehouseKind.CENTRAL, t.warehouse.code))
    return ImportResult(totals=totals, reference=reference)
