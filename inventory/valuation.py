"""Stock valuation at an instant (库存估值): the quantity and value every warehouse held, from the ledger.

The value at `at` is the sum of the movements with created_at < at. Two ways give the same numbers:

- forward: add up the movements before `at` — cost grows with the history (9 of 10 million rows for last
  month's closing at the end of a year);
- backward: today's levels minus the movements since `at` — cost grows with what happened since, which for
  a month end is at most a month of movements. It rests on the invariant that the levels are the ledger's
  sums (kept by inventory.services in the same transaction, verified by `manage.py check_stock`).

Both run as one statement, so they read one snapshot: a movement and its level change are either both in
it or both not. `stock_valuation()` picks the direction that reads fewer movements (by the planner's
estimates): backward, one bitmap scan of the (warehouse, created_at) index ranges, or a sequential scan
when the range is long; forward, one (parallel) sequential scan.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from .models import StockLevel, StockMovement, Warehouse

FORWARD, BACKWARD, AUTO = "forward", "backward", "auto"


def month_end(year: int, month: int) -> dt.datetime:
    """The instant a month closes: the first instant of the next month in Asia/Shanghai (the project's
    time zone). Pass it as `at`: movements before it belong to the month."""
    if not 1 <= month <= 12:
        raise ValueError(f"month must be 1..12, not {month}")
    next_year, next_month = (year + 1, 1) if month == 12 else (year, month + 1)
    return timezone.make_aware(dt.datetime(next_year, next_month, 1), timezone.get_default_timezone())


_COLUMNS = "w.id, w.code, w.name, w.kind"

# Most of the table: one (parallel) sequential scan grouped by warehouse.
_FORWARD_SQL = f"""
SELECT {_COLUMNS}, COALESCE(m.quantity, 0), COALESCE(m.value, 0)
FROM {{warehouse}} w
LEFT JOIN (
    SELECT warehouse_id, SUM(quantity) AS quantity, SUM(value_amount) AS value
    FROM {{movement}} WHERE created_at < %(at)s GROUP BY warehouse_id
) m ON m.warehouse_id = w.id
ORDER BY w.kind, w.code
"""

# Levels now, less the movements at or after `at`. `warehouse_id = ANY(ids)` makes one bitmap of the
# (warehouse, created_at) index ranges of all warehouses, so each heap page is read once (a scan per
# warehouse would read the pages they share once per warehouse); for a long range the planner may prefer
# one sequential scan.
_BACKWARD_SQL = f"""
SELECT {_COLUMNS}, COALESCE(l.quantity, 0) - COALESCE(m.quantity, 0), COALESCE(l.value, 0) - COALESCE(m.value, 0)
FROM {{warehouse}} w
LEFT JOIN (
    SELECT warehouse_id, SUM(quantity) AS quantity, SUM(value_amount) AS value
    FROM {{level}} GROUP BY warehouse_id
) l ON l.warehouse_id = w.id
LEFT JOIN (
    SELECT warehouse_id, SUM(quantity) AS quantity, SUM(value_amount) AS value
    FROM {{movement}}
    WHERE warehouse_id = ANY(ARRAY(SELECT id FROM {{warehouse}})) AND created_at >= %(at)s
    GROUP BY warehouse_id
) m ON m.warehouse_id = w.id
ORDER BY w.kind, w.code
"""

# Which end of the history is shorter: the planner's row estimates for both ranges, read from
# EXPLAIN without running anything (pg_stats histograms on created_at; a few milliseconds).
_ESTIMATE_SQL = "EXPLAIN (FORMAT JSON) SELECT 1 FROM {movement} WHERE created_at {op} %(at)s"


def _sql(template: str) -> str:
    return template.format(
        warehouse=Warehouse._meta.db_table,
        movement=StockMovement._meta.db_table,
        level=StockLevel._meta.db_table,
    )


def _estimated_rows(cursor, op: str, at: dt.datetime) -> float:
    cursor.execute(_sql(_ESTIMATE_SQL.replace("{op}", op)), {"at": at})
    (plan,) = cursor.fetchone()
    if isinstance(plan, str):  # psycopg2 without a json type adapter
        plan = json.loads(plan)
    return float(plan[0]["Plan"]["Plan Rows"])


def choose_direction(at: dt.datetime) -> str:
    """BACKWARD when fewer movements lie at or after `at` than before it (by the planner's estimate)."""
    with connection.cursor() as cursor:
        before = _estimated_rows(cursor, "<", at)
        after = _estimated_rows(cursor, ">=", at)
    return BACKWARD if after < before else FORWARD


def stock_valuation(*, at: dt.datetime, direction: str = AUTO) -> list[dict]:
    """Every warehouse (active or not) with the quantity and value (CNY) it held at `at`, i.e. the sums of
    its movements with created_at < at. For a month's closing pass month_end(year, month).

    Rows: {"warehouse_id", "code", "name", "kind", "quantity", "value_amount"}, in warehouse order.
    `direction` forces FORWARD or BACKWARD (both give the same numbers; see the module docstring)."""
    if timezone.is_naive(at):
        raise ValueError("stock_valuation() needs an aware datetime")
    if direction == AUTO:
        direction = choose_direction(at)
    if direction not in (FORWARD, BACKWARD):
        raise ValueError(f"direction must be {FORWARD!r}, {BACKWARD!r} or {AUTO!r}")
    sql = _sql(_FORWARD_SQL if direction == FORWARD else _BACKWARD_SQL)
    with connection.cursor() as cursor:
        cursor.execute(sql, {"at": at})
        rows = cursor.fetchall()
    return [
        {
            "warehouse_id": pk,
            "code": code,
            "name": name,
            "kind": kind,
            "quantity": int(quantity),
            "value_amount": Decimal(value).quantize(Decimal("0.01")),
        }
        for pk, code, name, kind, quantity, value in rows
    ]
