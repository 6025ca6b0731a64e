"""Reorder suggestions (补货建议), computed daily for every active warehouse × part that was used in the last
30 days.

- Usage: the 30 Chinese calendar days before `today` (today itself not included). A centre's usage is its
  issues to work orders less the returns from them; the central warehouse's is what it transferred out (to
  the centres). Daily rate = usage / 30.
- Lead time: the central warehouse orders from the supplier (the part's lead time); a centre asks the
  central warehouse (its replenishment days).
- Safety stock = ⌈rate × safety days⌉; reorder point = ⌈rate × lead time⌉ + safety stock.
- On the way: for a centre, what its approved requests will bring and what was shipped to it and not yet
  received.
- Suggest when on hand + on the way ≤ reorder point: ⌈rate × (lead time + 30)⌉ + safety stock − on hand − on
  the way, when positive — enough to last the lead time and 30 days more.

Rates are kept as the fraction usage / 30 until a quantity is rounded up, so no rounding error creeps in.
The day's rows are replaced, so running the job twice gives the same result. Three queries in all.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection, transaction
from django.utils import timezone

from .choices import MovementKind, PartRequestStatus, WarehouseKind
from .models import (
    Part,
    PartRequest,
    PartRequestLine,
    ReorderSuggestion,
    StockLevel,
    StockMovement,
    Warehouse,
)

WINDOW_DAYS = 30

_SQL = """
WITH usage AS (
    SELECT m.warehouse_id, m.part_id, -SUM(m.quantity) AS used
    FROM {movement} m JOIN {warehouse} w ON w.id = m.warehouse_id
    WHERE m.created_at >= %(start)s AND m.created_at < %(end)s
      AND w.active
      AND ((w.kind = %(center)s AND m.kind IN (%(issue)s, %(return)s))
           OR (w.kind = %(central)s AND m.kind = %(transfer_out)s))
    GROUP BY m.warehouse_id, m.part_id
    HAVING -SUM(m.quantity) > 0
), inbound AS (
    SELECT w.id AS warehouse_id, rl.part_id, SUM(rl.quantity) AS quantity
    FROM {request} r
    JOIN {line} rl ON rl.request_id = r.id
    JOIN {warehouse} w ON w.center_id = r.center_id
    WHERE r.status IN (%(approved)s, %(shipped)s)
    GROUP BY w.id, rl.part_id
)
SELECT u.warehouse_id, u.part_id, u.used, w.kind, w.replenish_days, w.safety_days, p.lead_time_days,
       COALESCE(s.quantity, 0), COALESCE(i.quantity, 0)
FROM usage u
JOIN {warehouse} w ON w.id = u.warehouse_id
JOIN {part} p ON p.id = u.part_id AND p.active
LEFT JOIN {level} s ON s.warehouse_id = u.warehouse_id AND s.part_id = u.part_id
LEFT JOIN inbound i ON i.warehouse_id = u.warehouse_id AND i.part_id = u.part_id
"""


def _ceil_div(numerator: int, denominator: int) -> int:
    return -(-numerator // denominator)


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def reorder_suggestions_compute(*, today: dt.date | None = None) -> int:
    """Replaces the suggestions of `today` (default: today in China) and returns how many there are."""
    today = today or timezone.localdate()
    sql = _SQL.format(
        movement=StockMovement._meta.db_table,
        warehouse=Warehouse._meta.db_table,
        request=PartRequest._meta.db_table,
        line=PartRequestLine._meta.db_table,
        part=Part._meta.db_table,
        level=StockLevel._meta.db_table,
    )
    params = {
        "start": _day_start(today - dt.timedelta(days=WINDOW_DAYS)),
        "end": _day_start(today),
        "center": WarehouseKind.CENTER.value,
        "central": WarehouseKind.CENTRAL.value,
        "issue": MovementKind.ISSUE.value,
        "return": MovementKind.RETURN.value,
        "transfer_out": MovementKind.TRANSFER_OUT.value,
        "approved": PartRequestStatus.APPROVED.value,
        "shipped": PartRequestStatus.SHIPPED.value,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    suggestions = []
    for warehouse_id, part_id, used, kind, replenish_days, safety_days, part_lead, on_hand, inbound in rows:
        used, on_hand, inbound = int(used), int(on_hand), int(inbound)
        lead = part_lead if kind == WarehouseKind.CENTRAL else replenish_days
        safety = _ceil_div(used * safety_days, WINDOW_DAYS)
        reorder_point = _ceil_div(used * lead, WINDOW_DAYS) + safety
        if on_hand + inbound > reorder_point:
            continue
        quantity = _ceil_div(used * (lead + WINDOW_DAYS), WINDOW_DAYS) + safety - on_hand - inbound
        if quantity <= 0:
            continue
        suggestions.append(
            ReorderSuggestion(
                computed_on=today,
                warehouse_id=warehouse_id,
                part_id=part_id,
                daily_usage=(Decimal(used) / WINDOW_DAYS).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP),
                lead_time_days=lead,
                safety_stock=safety,
                reorder_point=reorder_point,
                on_hand=on_hand,
                inbound=inbound,
                suggested_quantity=quantity,
            )
        )
    with transaction.atomic():
        ReorderSuggestion.objects.filter(computed_on=today).delete()
        ReorderSuggestion.objects.bulk_create(suggestions, batch_size=2000)
    return len(suggestions)
