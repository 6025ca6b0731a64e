"""Benchmark: the monthly service-budget page (/insight/budget/) at 1,000,000 work orders and 1,000,000 units.

Runs against a database of its own, `bench_budget` (BUDGET_BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/bench_budget), made once as a copy of the lead's scale database:
    createdb -h 127.0.0.1 -U postgres -T aftersales_bench bench_budget
(bench/seed_scale.py: 1,000,000 customers with units sold over 34 months, 1,000,000 calls with work orders).
Every run applies pending migrations, then adds what is missing, set-based (INSERT … SELECT, no ORM loops):
- a factory price for every model from 2020, half of them changed on 1 July of this year;
- a national budget per category for last year and this one;
- for the last twelve months, a statement per centre and month (confirmed, the current and last month
  drafts) with a service-fee line for every closed work order, a travel line for on-site ones and a
  parts-charged line for 2 %; an issue movement of the ledger for a third of the closed orders;
- the hotline cost of each month and category;
then computes the rollup of the thirteen months (the nightly job; its time per month is printed).

Measured, in-process with Django's test Client logged in as a manager: 20 requests of the month's page for
the last complete month (after 2 warm-ups), median and p95 in ms, SQL queries per request; the same for one
category. When the median is over the target (500 ms) the slowest query of a request is EXPLAINed.
Results go to bench/results/budget_bench.json (not committed).

Usage: .venv/bin/python bench/budget_bench.py
"""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB_URL = os.environ.get("BUDGET_BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_budget")
TARGET_MS = 500
REQUESTS = 20

os.environ.update(
    DATABASE_URL=DB_URL,
    DJANGO_SETTINGS_MODULE="aftersales.settings",
    DEBUG="0",
    SECURE_SSL_REDIRECT="0",
    SESSION_COOKIE_SECURE="0",
    CSRF_COOKIE_SECURE="0",
    LOG_LEVEL="WARNING",
    ALLOWED_HOSTS="testserver,localhost",
)
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from benchdb import ensure_database  # noqa: E402 (bench/ on the path first)


def _log(message: str) -> None:
    print(message, flush=True)


def _months_back(first: dt.date, count: int) -> dt.date:
    index = first.year * 12 + first.month - 1 - count
    return dt.date(index // 12, index % 12 + 1, 1)


PRICES_SQL = """
INSERT INTO insight_factoryprice (model_id, price_amount, valid_from, created_at)
SELECT m.id, round(m.list_price_amount * 0.6), date '2020-01-01', now() FROM repairs_productmodel m
UNION ALL
SELECT m.id, round(m.list_price_amount * 0.57), make_date(%(year)s, 7, 1), now()
FROM repairs_productmodel m WHERE m.id %% 2 = 0
ON CONFLICT DO NOTHING
"""

SETTLEMENTS_SQL = """
INSERT INTO network_settlement (center_id, month, status, center_level, lines_amount, adjustments_amount,
                                total_amount, computed_at)
SELECT c.id, m.month, 'draft', c.level, 0, 0, 0, now()
FROM network_servicecenter c
CROSS JOIN (SELECT generate_series(%(first)s::date, %(last)s::date, interval '1 month')::date AS month) m
ON CONFLICT DO NOTHING
"""

LINES_SQL = """
INSERT INTO network_settlementline (settlement_id, work_order_id, kind, service_kind, closed_on, amount, note)
SELECT s.id, w.id, k.kind, CASE WHEN w.mode = 'carry_in' THEN 'carry_in_repair' ELSE 'on_site_repair' END,
       (w.closed_at AT TIME ZONE 'Asia/Shanghai')::date, k.amount, ''
FROM repairs_workorder w
JOIN network_settlement s
  ON s.center_id = w.center_id
 AND s.month = date_trunc('month', w.closed_at AT TIME ZONE 'Asia/Shanghai')::date
 AND s.status = 'draft'
CROSS JOIN LATERAL (
    VALUES ('service_fee', 80.00, true), ('travel_fee', 30.00, w.mode = 'on_site'),
           ('parts_charged', -45.00, w.id %% 50 = 0)
) k(kind, amount, wanted)
WHERE w.status = 'closed' AND w.closed_at >= %(start)s AND w.closed_at < %(end)s AND k.wanted
  AND NOT EXISTS (SELECT 1 FROM network_settlementline l WHERE l.work_order_id = w.id AND l.kind = k.kind)
ON CONFLICT DO NOTHING
"""

CONFIRM_SQL = """
UPDATE network_settlement s SET status = 'confirmed', confirmed_at = now(),
       lines_amount = t.total, total_amount = t.total + s.adjustments_amount
FROM (SELECT settlement_id, sum(amount) AS total FROM network_settlementline GROUP BY 1) t
WHERE t.settlement_id = s.id AND s.status = 'draft' AND s.month < %(keep_draft)s
"""

MOVEMENTS_SQL = """
INSERT INTO inventory_stockmovement (warehouse_id, part_id, kind, quantity, unit_cost_amount, value_amount,
                                     reference, work_order_id, reason, serial_number, created_at)
SELECT COALESCE(h.id, %(central)s), %(part)s, 'issue', -1, 85.00, -85.00, 'BENCH', w.id, '', '',
       w.closed_at - interval '1 hour'
FROM repairs_workorder w
LEFT JOIN inventory_warehouse h ON h.center_id = w.center_id
WHERE w.status = 'closed' AND w.closed_at >= %(start)s AND w.closed_at < %(end)s AND w.id %% 3 = 0
  AND NOT EXISTS (SELECT 1 FROM inventory_stockmovement sm WHERE sm.work_order_id = w.id AND sm.reference = 'BENCH')
"""


def prepare(now) -> dict:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import connection, transaction
    from django.utils import timezone

    from aftersales.months import month_bounds
    from insight.budget_services import budget_actuals_refresh, budget_save
    from insight.models import Budget, BudgetHead, ManualCost
    from inventory.models import Part, Warehouse
    from repairs.models import ProductCategory

    today = timezone.localdate(now)
    this_month = today.replace(day=1)
    first = _months_back(this_month, 12)
    start, _ = month_bounds(first)
    _, end = month_bounds(this_month)
    manager, _ = get_user_model().objects.get_or_create(username="bench_budget_mgr")
    manager.groups.add(*Group.objects.filter(name="manager"))
    figures = {}
    began = time.monotonic()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(PRICES_SQL, {"year": today.year})
        figures["factory_prices_added"] = cursor.rowcount
        cursor.execute(SETTLEMENTS_SQL, {"first": first, "last": this_month})
        cursor.execute(LINES_SQL, {"start": start, "end": end})
        figures["settlement_lines_added"] = cursor.rowcount
        cursor.execute(CONFIRM_SQL, {"keep_draft": _months_back(this_month, 1)})
        central = Warehouse.objects.filter(kind="central").values_list("pk", flat=True).first()
        part = Part.objects.order_by("pk").values_list("pk", flat=True).first()
        cursor.execute(MOVEMENTS_SQL, {"start": start, "end": end, "central": central, "part": part})
        figures["movements_added"] = cursor.rowcount
    # What autovacuum would do after such a load: the planner's statistics of the grown tables.
    with connection.cursor() as cursor:
        for table in (
            "network_settlement",
            "network_settlementline",
            "inventory_stockmovement",
            "insight_factoryprice",
        ):
            cursor.execute(f"ANALYZE {table}")  # noqa: S608 (fixed names)
    shares = {
        BudgetHead.NETWORK_FEES: "40",
        BudgetHead.TRAVEL: "12",
        BudgetHead.PARTS: "25",
        BudgetHead.EXCHANGES: "12",
        BudgetHead.REFURBISHMENT: "5",
        BudgetHead.HOTLINE_OTHER: "6",
    }
    for year in (today.year - 1, today.year):
        for category in ProductCategory.objects.all():
            if not Budget.objects.filter(year=year, category=category).exists():
                budget_save(
                    year=year, category=category, rate_percent="3.00", shares=shares, acting_user=manager
                )
    for back in range(13):
        for category in ProductCategory.objects.all():
            ManualCost.objects.get_or_create(
                month=_months_back(this_month, back),
                item="hotline",
                category=category,
                region=None,
                defaults={"amount": "25000.00", "entered_by": manager},
            )
    figures["data_s"] = round(time.monotonic() - began, 1)
    refresh = []
    from insight.models import BudgetRefresh

    added = figures["settlement_lines_added"] + figures["movements_added"] + figures["factory_prices_added"]
    for back in range(13 if added or BudgetRefresh.objects.count() < 13 else 0):
        done = budget_actuals_refresh(month=_months_back(this_month, back))
        refresh.append(float(done.seconds))
    if refresh:
        figures["refresh_s_per_month"] = {"median": statistics.median(refresh), "max": max(refresh)}
    with connection.cursor() as cursor:
        for table in (
            "repairs_workorder",
            "repairs_productunit",
            "network_settlementline",
            "inventory_stockmovement",
            "insight_budgetactual",
        ):
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 (fixed names)
            figures[table] = cursor.fetchone()[0]
    return figures


def measure(url: str, params: dict) -> dict:
    # No collectstatic for a benchmark: static URLs without the manifest.
    from django.conf import settings
    from django.test.utils import override_settings

    plain = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=plain):
        return _measure(url, params)


def _measure(url: str, params: dict) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(get_user_model().objects.get(username="bench_budget_mgr"))
    for _ in range(2):
        assert client.get(url, params).status_code == 200
    times, queries, slowest = [], 0, None
    for _ in range(REQUESTS):
        with CaptureQueriesContext(connection) as captured:
            began = time.perf_counter()
            response = client.get(url, params)
            times.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200
        queries = len(captured.captured_queries)
        worst = max(captured.captured_queries, key=lambda q: float(q["time"]))
        if slowest is None or float(worst["time"]) > float(slowest["time"]):
            slowest = worst
    times.sort()
    result = {
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[int(len(times) * 0.95) - 1], 1),
        "queries": queries,
        "slowest_query_ms": round(float(slowest["time"]) * 1000, 1),
    }
    if result["median_ms"] > TARGET_MS:
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest["sql"])
            result["explain"] = [row[0] for row in cursor.fetchall()]
    return result


def main() -> None:
    ensure_database(DB_URL)
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    now = timezone.now()
    figures = prepare(now)
    for key, value in figures.items():
        _log(f"{key}: {value}")
    month = _months_back(timezone.localdate(now).replace(day=1), 1)
    from repairs.models import ProductCategory

    category = ProductCategory.objects.order_by("sort_order", "code").first()
    results = {
        "budget page, all categories": measure("/insight/budget/", {"month": f"{month:%Y-%m}"}),
        f"budget page, category {category.code}": measure(
            "/insight/budget/", {"month": f"{month:%Y-%m}", "category": category.code}
        ),
    }
    # The drill-down behind three figures (no target of its own; paged at 50 rows, with its total).
    for measure_name in ("sales_value", "network_fees", "parts"):
        results[f"drill-down {measure_name}"] = measure(
            "/insight/budget/lines/", {"month": f"{month:%Y-%m}", "measure": measure_name}
        )
    for name, result in results.items():
        verdict = "OK" if result["median_ms"] < TARGET_MS and result["p95_ms"] < TARGET_MS else "OVER"
        _log(
            f"{name}, {month:%Y-%m}: median {result['median_ms']} ms, p95 {result['p95_ms']} ms, "
            f"{result['queries']} queries, slowest query {result['slowest_query_ms']} ms "
            f"(target < {TARGET_MS} ms: {verdict})"
        )
        for line in result.get("explain", []):
            _log("    " + line)
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "budget_bench.json").write_text(json.dumps({"figures": figures, "results": results}, indent=2))


if __name__ == "__main__":
    main()
