"""Benchmark: the quality early warning (质量预警) over 1,000,000 units and 1,000,000 work orders.

Runs against a database of its own, `bench_quality` (QUALITY_BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/bench_quality), created when missing as a copy of the scale database
`aftersales_bench` (bench/seed_scale.py: ~1,000,000 customers with a unit each and a repair call with its
work order per unit), set as DATABASE_URL before Django starts (settings aftersales.settings, DEBUG off).
Every run applies pending migrations; once, set-based (UPDATE/INSERT … SELECT, no ORM loops):
- every unit gets a factory date 10–89 days before its sale (its production month), so its model (40 models
  over 4 categories, as the scale generator spread them) and production month make ~1,500 model-months;
- 30 % of the closed repair orders get the part they replaced (an issue from a centre's warehouse, one of
  the category's parts), ~270,000 stock movements.

Measured, in-process: `quality.services.quality_watch()` — all model-months counted with one grouped
query per source, compared with their category's baseline, stored, alerts raised — first run (the figures
and alerts emptied before it), then again (the refresh of the same alerts): wall time and SQL queries.
Target: under 60 s each. The e-mails it queues are purged from the broker afterwards (their recipients are
the managers of the copy). One line per figure is printed; results go to bench/results/quality_bench.json.

Usage: .venv/bin/python bench/quality_bench.py
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB_URL = os.environ.get("QUALITY_BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_quality")
TEMPLATE = os.environ.get("QUALITY_BENCH_TEMPLATE", "aftersales_bench")
TARGET_S = 60

os.environ.update(
    DATABASE_URL=DB_URL,
    DJANGO_SETTINGS_MODULE="aftersales.settings",
    DEBUG="0",
    SECURE_SSL_REDIRECT="0",
    SESSION_COOKIE_SECURE="0",
    CSRF_COOKIE_SECURE="0",
    LOG_LEVEL="WARNING",
)
sys.path.insert(0, str(ROOT))

FACTORY_DATES = """
UPDATE repairs_productunit
SET factory_date = sale_date - (10 + (id * 7919) % 80)::int
WHERE sale_date IS NOT NULL
  AND (factory_date IS NULL OR factory_date <> sale_date - (10 + (id * 7919) % 80)::int)
  AND (invoice_date IS NULL OR invoice_date >= sale_date - (10 + (id * 7919) % 80)::int)
"""

PARTS_ISSUED = """
WITH parts AS (
    SELECT category_id, array_agg(id ORDER BY id) AS ids, count(*) AS of
    FROM inventory_part WHERE product_model_id IS NULL
    GROUP BY category_id
), wh AS (SELECT min(id) AS id FROM inventory_warehouse WHERE center_id IS NOT NULL)
INSERT INTO inventory_stockmovement
    (warehouse_id, part_id, kind, quantity, unit_cost_amount, value_amount, reference, work_order_id, reason,
     serial_number, created_at)
SELECT wh.id, p.ids[1 + (w.id * 31) % p.of], 'issue', -1, 100.00, -100.00, 'QB-' || w.id, w.id, '', '',
       w.closed_at
FROM repairs_workorder w
JOIN repairs_repaircall c ON c.id = w.call_id
JOIN repairs_productunit u ON u.id = c.unit_id
JOIN repairs_productmodel m ON m.id = u.model_id
JOIN parts p ON p.category_id = m.category_id
CROSS JOIN wh
WHERE w.status = 'closed' AND w.closed_at IS NOT NULL AND w.id % 10 < 3
  AND NOT EXISTS (SELECT 1 FROM inventory_stockmovement s WHERE s.reference LIKE 'QB-%')
"""


def _log(message: str) -> None:
    print(message, flush=True)


def _ensure_database() -> bool:
    import psycopg2  # noqa: PLC0415 (imported when the bench starts)
    from psycopg2 import sql  # noqa: PLC0415

    base, name = DB_URL.rsplit("/", 1)
    conn = psycopg2.connect(base + "/postgres")
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone():
                return False
            cursor.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(name), sql.Identifier(TEMPLATE)
                )
            )
            return True
    finally:
        conn.close()


def _prepare() -> dict:
    from django.db import connection, transaction  # noqa: PLC0415 (Django is set up first)

    started = time.monotonic()
    with connection.cursor() as cursor:  # the copy's planner statistics, before the big statements
        cursor.execute(
            "ANALYZE repairs_productunit, repairs_repaircall, repairs_workorder, inventory_part,"
            " inventory_stockmovement, repairs_productmodel"
        )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(FACTORY_DATES)
        dated = cursor.rowcount
        cursor.execute(PARTS_ISSUED)
        issued = cursor.rowcount
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE repairs_productunit; ANALYZE inventory_stockmovement")
        cursor.execute("SELECT count(*) FROM repairs_productunit")
        units = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM repairs_workorder")
        orders = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(DISTINCT (model_id, date_trunc('month', factory_date))) FROM repairs_productunit"
        )
        model_months = cursor.fetchone()[0]
    return {
        "units": units,
        "work_orders": orders,
        "model_months": model_months,
        "units_dated_now": dated,
        "parts_issued_now": issued,
        "prepare_s": round(time.monotonic() - started, 1),
    }


def _run() -> dict:
    from django.db import connection  # noqa: PLC0415
    from django.test.utils import CaptureQueriesContext  # noqa: PLC0415

    from quality.services import quality_watch  # noqa: PLC0415

    with CaptureQueriesContext(connection) as queries:
        started = time.monotonic()
        result = quality_watch()
        wall = time.monotonic() - started
    return {"wall_s": round(wall, 2), "queries": len(queries), **result}


def main() -> None:
    created = _ensure_database()
    import django  # noqa: PLC0415

    django.setup()
    from django.core.management import call_command  # noqa: PLC0415
    from django.db import connection  # noqa: PLC0415

    from aftersales.celery import app  # noqa: PLC0415
    from care.models import Notification  # noqa: PLC0415

    call_command("migrate", verbosity=0)
    figures = {"database_created": created, **_prepare()}
    for key, value in figures.items():
        _log(f"{key}: {value}")
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE quality_alertevent, quality_alert, quality_modelmonth")
    Notification.objects.filter(kind="quality").delete()
    first = _run()
    second = _run()
    app.control.purge()  # the e-mails the runs queued for the copy's managers
    figures.update({"first_run": first, "second_run": second, "target_s": TARGET_S})
    figures["ok"] = first["wall_s"] < TARGET_S and second["wall_s"] < TARGET_S
    _log(f"first run: {first}")
    _log(f"second run: {second}")
    out = ROOT / "bench" / "results" / "quality_bench.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(figures, indent=2))
    _log(json.dumps(figures))


if __name__ == "__main__":
    main()
