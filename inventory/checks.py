"""The stock invariant, checked against the database: for every warehouse × part the ledger's sums (quantity
and value) equal the cached stock level. Run by `manage.py check_stock`."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import connection

from .models import Part, StockLevel, StockMovement, Warehouse


@dataclass(frozen=True)
class Discrepancy:
    warehouse_code: str
    part_code: str
    ledger_quantity: int
    ledger_value: Decimal
    level_quantity: int | None  # None: the level row is missing
    level_value: Decimal | None


_SQL = """
WITH ledger AS (
    SELECT warehouse_id, part_id, SUM(quantity) AS quantity, SUM(value_amount) AS value
    FROM {movement} GROUP BY warehouse_id, part_id
)
SELECT w.code, p.code, COALESCE(l.quantity, 0), COALESCE(l.value, 0.00), s.quantity, s.value_amount
FROM ledger l
FULL OUTER JOIN {level} s ON s.warehouse_id = l.warehouse_id AND s.part_id = l.part_id
JOIN {warehouse} w ON w.id = COALESCE(s.warehouse_id, l.warehouse_id)
JOIN {part} p ON p.id = COALESCE(s.part_id, l.part_id)
WHERE s.id IS NULL
   OR s.quantity <> COALESCE(l.quantity, 0)
   OR s.value_amount <> COALESCE(l.value, 0)
ORDER BY w.code, p.code
"""


def stock_discrepancies() -> list[Discrepancy]:
    """Every warehouse × part whose level differs from its ledger, including ledger lines without a level
    row (levels without any movement must be zero). One query."""
    sql = _SQL.format(
        movement=StockMovement._meta.db_table,
        level=StockLevel._meta.db_table,
        warehouse=Warehouse._meta.db_table,
        part=Part._meta.db_table,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [Discrepancy(*row) for row in cursor.fetchall()]
