"""The rates the manager reads (each defined here once, with its formula shown on the page):
- out-of-box (DOA) rate per model and month = approved out-of-box checks of units sold in the month ÷ units
  of the model sold in the month (units received in an exchange are in neither);
- refurbishment rate per model = units restocked as refurbished ÷ units taken back and finished
  (restocked + scrapped);
- repair-success rate per model = units restocked ÷ units that went through repair (restocked + scrapped after
  repair), the cost per refurbished unit = parts + labour ÷ units restocked."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import Count, Q
from django.utils import timezone

from aftersales.dbrouting import read_connection
from repairs.models import ProductModel, ProductUnit
from repairs.units_sold import units_sold_new

from .choices import DoaStatus, RefurbStatus
from .models import DoaCheck, Refurbishment, RemedyRequest

RATE_FORMULAS = {
    "doa": "开箱损率 = 当月售出并经检验确认开箱损的台数 ÷ 当月该型号售出台数",
    "refurb": "翻新率 = 翻新入库台数 ÷ 已完结的收回台数（翻新入库 + 报废）",
    "success": "修复成功率 = 翻新入库台数 ÷ 经维修的台数（翻新入库 + 维修后报废）",
    "cost": "单台翻新成本 = （配件 + 工时）÷ 翻新入库台数",
}


def _month(day: dt.date) -> dt.date:
    return day.replace(day=1)


# Sales of the months asked: read from the units table alone (an index on the sale date, the model and no
# replacement serves it by an index-only scan).
SOLD_SQL = """
SELECT model_id, date_trunc('month', sale_date::timestamp)::date AS month, count(*) AS units
FROM {unit}
WHERE replaces_id IS NULL AND sale_date >= %(start)s AND sale_date < %(end)s
GROUP BY 1, 2
"""
# Approved checks, each unit looked up by its key (OFFSET 0 keeps it a lookup per check: a join lets the
# planner scan the whole units table, a million rows, for a few thousand checks). A check is recorded on or
# after the day of the sale, so only those since the first day asked are read.
DOA_SQL = """
SELECT u.model_id, date_trunc('month', u.sale_date::timestamp)::date AS month, count(*) AS n
FROM {check} d
CROSS JOIN LATERAL (
    SELECT model_id, sale_date FROM {unit} WHERE id = d.unit_id AND replaces_id IS NULL OFFSET 0
) u
WHERE d.status = %(approved)s AND d.recorded_at >= %(since)s
  AND u.sale_date >= %(start)s AND u.sale_date < %(end)s
GROUP BY 1, 2
"""
# Per model of the unit taken back (looked up by key, as above), then named and ordered by brand and model.
REFURB_SQL = """
SELECT m.id, m.brand, m.model_number, a.received, a.open, a.restocked, a.scrapped, a.scrapped_after_repair, a.cost
FROM (
    SELECT u.model_id,
           count(*) AS received,
           count(*) FILTER (WHERE f.status NOT IN (%(restocked)s, %(scrapped)s)) AS open,
           count(*) FILTER (WHERE f.status = %(restocked)s) AS restocked,
           count(*) FILTER (WHERE f.status = %(scrapped)s) AS scrapped,
           count(*) FILTER (WHERE f.status = %(scrapped)s AND f.repaired_at IS NOT NULL) AS scrapped_after_repair,
           sum(f.parts_cost_amount + f.labour_cost_amount) FILTER (WHERE f.status = %(restocked)s) AS cost
    FROM {refurb} f
    CROSS JOIN LATERAL (SELECT model_id FROM {unit} WHERE id = f.unit_id OFFSET 0) u
    WHERE (%(since)s::timestamptz IS NULL OR f.finished_at >= %(since)s)
      AND (%(until)s::timestamptz IS NULL OR f.finished_at < %(until)s)
    GROUP BY 1
) a
JOIN {model} m ON m.id = a.model_id
ORDER BY m.brand, m.model_number
"""


def _tables(**names) -> dict:
    return {key: connection.ops.quote_name(model._meta.db_table) for key, model in names.items()}


def _doa_found(cursor, *, start: dt.date, end: dt.date) -> dict[tuple[int, dt.date], int]:
    """{(model id, month of sale): approved out-of-box checks} of the units sold in [start, end)."""
    params = {
        "start": start,
        "end": end,
        "approved": DoaStatus.APPROVED.value,
        "since": timezone.make_aware(dt.datetime.combine(start, dt.time.min)),
    }
    cursor.execute(DOA_SQL.format(**_tables(unit=ProductUnit, check=DoaCheck)), params)
    return {(model_id, month): n for model_id, month, n in cursor.fetchall()}


def doa_rates(*, start: dt.date, end: dt.date) -> list[dict]:
    """Per model and month of sale in [start, end): units sold, approved out-of-box checks, the rate."""
    with read_connection().cursor() as cursor:
        cursor.execute(SOLD_SQL.format(**_tables(unit=ProductUnit)), {"start": start, "end": end})
        sold = cursor.fetchall()
        found = _doa_found(cursor, start=start, end=end)
    return _doa_rows(sold, found)


def _doa_rows(sold: list[tuple[int, dt.date, int]], found: dict[tuple[int, dt.date], int]) -> list[dict]:
    names = {
        pk: f"{brand} {number}"
        for pk, brand, number in ProductModel.objects.filter(pk__in={r[0] for r in sold}).values_list(
            "pk", "brand", "model_number"
        )
    }
    rows = []
    for model_id, month, units in sold:
        n = found.get((model_id, month), 0)
        rows.append(
            {
                "model_id": model_id,
                "model": names[model_id],
                "month": month,
                "units": units,
                "doa": n,
                "rate": _pct(n, units),
            }
        )
    rows.sort(key=lambda r: (r["month"], -(r["rate"] or 0), r["model"]), reverse=False)
    return rows


def refurbishment_rates(*, finished_since=None, finished_until=None) -> list[dict]:
    """Per model: taken back, still in refurbishment, restocked, scrapped, the rates and the cost. With
    `finished_since`/`finished_until` (instants), only the units restocked or scrapped in [since, until)."""
    tables = _tables(refurb=Refurbishment, unit=ProductUnit, model=ProductModel)
    params = {
        "restocked": RefurbStatus.RESTOCKED.value,
        "scrapped": RefurbStatus.SCRAPPED.value,
        "since": finished_since,
        "until": finished_until,
    }
    keys = (
        "model_id",
        "brand",
        "model",
        "received",
        "open",
        "restocked",
        "scrapped",
        "scrapped_after_repair",
        "cost",
    )
    with read_connection().cursor() as cursor:
        cursor.execute(REFURB_SQL.format(**tables), params)
        rows = [dict(zip(keys, row, strict=True)) for row in cursor.fetchall()]
    out = []
    for r in rows:
        finished = r["restocked"] + r["scrapped"]
        repaired = r["restocked"] + r["scrapped_after_repair"]
        out.append(
            r
            | {
                "refurb_rate": _pct(r["restocked"], finished),
                "success_rate": _pct(r["restocked"], repaired),
                "cost_each": (r["cost"] / r["restocked"]).quantize(Decimal("0.01"))
                if r["restocked"]
                else None,
            }
        )
    return out


def _pct(part: int, whole: int) -> Decimal | None:
    """A percentage to two places, 四舍五入 (ROUND_HALF_UP), as insight.rates rounds every rate."""
    return (Decimal(part) * 100 / whole).quantize(Decimal("0.01"), ROUND_HALF_UP) if whole else None


def remedies_summary(*, today: dt.date, now) -> dict:
    """The dashboard's panel: the approval queue (and how much of it is late), the out-of-box rate of the
    last three months of sales with its worst models, the refurbishment and repair-success rates."""
    queue = RemedyRequest.objects.filter(status="awaiting_approval").aggregate(
        n=Count("pk"), late=Count("pk", filter=Q(approval_due_at__lt=now))
    )
    start = today.replace(day=1)
    for _i in range(2):
        start = (start - dt.timedelta(days=1)).replace(day=1)
    # The units sold from the kept counts (repairs.units_sold: exact for every registration, a correction of a
    # unit taken in overnight), not counted here: three months of sales are 0.1 s of index at 10 million units.
    # A sale is never dated after today, so the months' sales are those through today, as doa_rates counts them.
    sold = units_sold_new(first=start, last=today.replace(day=1))
    with read_connection().cursor() as cursor:
        found = _doa_found(cursor, start=start, end=today + dt.timedelta(days=1))
    rows = _doa_rows([(model_id, month, units) for (model_id, month), units in sold.items()], found)
    units = sum(r["units"] for r in rows)
    doa = sum(r["doa"] for r in rows)
    by_model: dict[str, list[int]] = {}
    for r in rows:
        pair = by_model.setdefault(r["model"], [0, 0])
        pair[0] += r["units"]
        pair[1] += r["doa"]
    worst = sorted(
        ((m, u, d, _pct(d, u)) for m, (u, d) in by_model.items() if d),
        key=lambda x: (-(x[3] or 0), x[0]),
    )[:5]
    refurb = refurbishment_rates()
    restocked = sum(r["restocked"] for r in refurb)
    scrapped = sum(r["scrapped"] for r in refurb)
    repaired = restocked + sum(r["scrapped_after_repair"] for r in refurb)
    return {
        "queue": queue["n"],
        "queue_late": queue["late"],
        "doa_since": start,
        "doa_rate": _pct(doa, units),
        "doa_worst": worst,
        "refurb_rate": _pct(restocked, restocked + scrapped),
        "success_rate": _pct(restocked, repaired),
    }
