"""Benchmark: the month's centre assessment (网点等级) — 500 centres, 100,000 work orders.

Runs against a database of its own, `bench_grading` (GRADING_BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/bench_grading), set as DATABASE_URL before Django starts (settings
aftersales.settings, DEBUG off). Every run applies pending migrations; whatever of the data is missing is
generated set-based (INSERT … SELECT over generate_series, no ORM loops), for the last complete month in
China's time:
- 500 centres SB0001–SB0500 and 100,000 work orders completed in the month, skewed over them, with their
  customers, units and calls (bench/settlement_scale.py, the settlement benchmark's generator);
- in proportion: an accept, a first-contact and (on site) an on-site deadline per order, settled — 90 % met
  on time, 5 % met late, 5 % breached (about 260,000); a callback with a score for 60 % of the orders;
  an upheld or rejected complaint for 1 %; a later work order of the same unit for 3 % (repeat repairs);
  a wait for parts for 4 %; a defective-part tag for 5 % (85 % shipped by the due date).

Measured, in-process: `grading.services.centres_assess(month=…)` for every centre (first run, then again:
the refresh of the same proposals), wall time, centres and SQL queries. Target: under 30 s.
One line per figure is printed; results go to bench/results/grading_bench.json (not committed).

Usage: .venv/bin/python bench/grading_bench.py
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB_URL = os.environ.get("GRADING_BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_grading")
TARGET_S = 30

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
sys.path.insert(0, str(ROOT / "bench"))

from benchdb import ensure_database  # noqa: E402 (bench/ on the path first)


def _log(message: str) -> None:
    print(message, flush=True)


def _ensure_database() -> bool:
    return ensure_database(DB_URL)


def _reference_rows() -> None:
    """What the generators take ids from and a fresh database lacks: districts, product models, a user, a part."""
    from django.contrib.auth import get_user_model

    from inventory.models import Part, StockMovement, Warehouse
    from network.models import Region, ServiceCenter
    from repairs.models import ProductCategory, ProductModel

    if not Region.objects.filter(level="district").exists():
        province = Region.objects.create(code="BG44", name="基准省", level="province")
        city = Region.objects.create(code="BG4401", name="基准市", level="city", parent=province)
        for n in range(1, 11):
            Region.objects.create(code=f"BG4401{n:02d}", name=f"基准{n}区", level="district", parent=city)
    for category in ProductCategory.objects.order_by("pk")[:4]:
        ProductModel.objects.get_or_create(
            brand="基准",
            model_number=f"BG-{category.pk}",
            defaults={"name": f"基准{category.name}", "category": category, "list_price_amount": "2999.00"},
        )
    user, _ = get_user_model().objects.get_or_create(username="bench", defaults={"first_name": "基准"})
    part, _ = Part.objects.get_or_create(
        code="BG-PART",
        defaults={
            "name": "基准压缩机",
            "category": ProductCategory.objects.order_by("pk").first(),
            "unit_cost_amount": "300.00",
            "retail_price_amount": "450.00",
            "return_required": True,
        },
    )
    center = ServiceCenter.objects.filter(code="SB0001").first()
    if center is not None and not StockMovement.objects.filter(reference="BG-ISSUE").exists():
        warehouse, _ = Warehouse.objects.get_or_create(
            code="WH-SB0001", defaults={"name": "基准仓库", "center": center, "kind": "center"}
        )
        StockMovement.objects.create(
            warehouse=warehouse,
            part=part,
            kind="adjustment",
            quantity=1,
            reference="BG-ISSUE",
            reason="基准数据",
            created_by=user,
        )


def _ensure_care_rows(cursor, *, month, start, end) -> dict:
    """Deadlines, callbacks, complaints, repeats, waits for parts and tags of the month's bench orders."""
    from settlement_scale import _insert

    ym = f"{month:%Y%m}"
    cursor.execute(
        "SELECT count(*) FROM care_deadline d JOIN repairs_workorder w ON w.id = d.work_order_id"
        " WHERE w.number LIKE %s",
        [f"SBW{ym}%"],
    )
    if cursor.fetchone()[0]:
        return {}
    timings = {}
    began = time.perf_counter()

    def lap(name: str, rows: int) -> None:
        nonlocal began
        now = time.perf_counter()
        timings[name] = {"rows": rows, "seconds": round(now - began, 2)}
        _log(f"data: {name}: {rows:,} rows in {now - began:.1f} s")
        began = now

    cursor.execute(
        """
        CREATE TEMP TABLE bg_orders ON COMMIT DROP AS
        SELECT w.id, w.call_id, w.center_id, w.mode, w.completed_at AS ts,
               substr(w.number, 10)::int AS g, c.unit_id
        FROM repairs_workorder w JOIN repairs_repaircall c ON c.id = w.call_id
        WHERE w.number LIKE %s AND w.completed_at IS NOT NULL
        """,
        [f"SBW{ym}%"],
    )
    lap("orders read", cursor.rowcount)
    cursor.execute(
        "CREATE TEMP TABLE bg_ref ON COMMIT DROP AS SELECT"
        " (SELECT min(id) FROM care_slapolicy) AS policy_id,"
        " (SELECT min(id) FROM auth_user) AS user_id,"
        " (SELECT id FROM inventory_part WHERE code = 'BG-PART') AS part_id,"
        " (SELECT id FROM inventory_stockmovement WHERE reference = 'BG-ISSUE') AS movement_id"
    )
    # Three promises an order (on site only for on-site work), due in the month: 90 % met on time, 5 % met
    # late, 5 % breached.
    deadline = {
        "stage": "s.stage",
        "work_order_id": "o.id",
        "policy_id": "r.policy_id",
        "center_id": "o.center_id",
        "started_at": "o.ts - interval '30 hours'",
        "due_at": "greatest(%(start)s::timestamptz, o.ts - interval '30 hours' + s.offs)",
        "warn_at": "greatest(%(start)s::timestamptz, o.ts - interval '31 hours' + s.offs)",
        "working_time": "true",
        "stopped_at": "CASE WHEN (o.g * 13 + s.n) %% 100 < 90"
        " THEN greatest(%(start)s::timestamptz, o.ts - interval '30 hours' + s.offs) - interval '10 minutes'"
        " WHEN (o.g * 13 + s.n) %% 100 < 95"
        " THEN greatest(%(start)s::timestamptz, o.ts - interval '30 hours' + s.offs) + interval '40 minutes' END",
        "stop_reason": "CASE WHEN (o.g * 13 + s.n) %% 100 < 95 THEN 'met' ELSE '' END",
        "breached_at": "CASE WHEN (o.g * 13 + s.n) %% 100 >= 95"
        " THEN greatest(%(start)s::timestamptz, o.ts - interval '30 hours' + s.offs) END",
        "escalation_level": "0",
    }
    lap(
        "deadlines",
        _insert(
            cursor,
            "care_deadline",
            deadline,
            "FROM bg_orders o CROSS JOIN bg_ref r CROSS JOIN (VALUES"
            " (1, 'accept', interval '2 hours'), (2, 'first_contact', interval '4 hours'),"
            " (3, 'on_site', interval '24 hours')) AS s(n, stage, offs)"
            " WHERE s.stage <> 'on_site' OR o.mode = 'on_site'",
            {"start": start},
        ),
    )
    callback = {
        "call_id": "o.call_id",
        "work_order_id": "o.id",
        "center_id": "o.center_id",
        "reason": "'work_order_closed'",
        "status": "'done'",
        "due_at": "o.ts + interval '1 day'",
        "attempts": "1",
        "satisfaction": "CASE WHEN o.g %% 10 < 7 THEN 5 WHEN o.g %% 10 < 9 THEN 4 ELSE 3 END",
        "solved": "true",
        "customer_words": "''",
        "reached_at": "least(o.ts + interval '1 day', %(end)s::timestamptz - interval '1 minute')",
        "review": "'close'",
        "review_note": "''",
        "done_at": "least(o.ts + interval '1 day', %(end)s::timestamptz - interval '1 minute')",
        "created_at": "o.ts",
    }
    lap(
        "callbacks",
        _insert(
            cursor,
            "care_callback",
            callback,
            "FROM bg_orders o WHERE (o.g * 7) %% 100 < 60"
            " AND NOT EXISTS (SELECT 1 FROM care_callback c WHERE c.work_order_id = o.id)",
            {"end": end},
        ),
    )
    complaint = {
        "number": f"'SBT{ym}' || lpad(o.g::text, 6, '0')",
        "call_id": "o.call_id",
        "work_order_id": "o.id",
        "center_id": "o.center_id",
        "category": "'late'",
        "description": "'上门迟到'",
        "status": "'resolved'",
        "received_at": "o.ts",
        "received_by_id": "r.user_id",
        "reply_due_at": "o.ts + interval '1 day'",
        "resolve_due_at": "o.ts + interval '30 days'",
        "replied_at": "o.ts + interval '2 hours'",
        "reply": "''",
        "resolved_at": "least(o.ts + interval '2 days', %(end)s::timestamptz - interval '1 minute')",
        "resolution": "''",
        "upheld": "o.g %% 2 = 0",
    }
    lap(
        "complaints",
        _insert(
            cursor,
            "care_complaint",
            complaint,
            "FROM bg_orders o CROSS JOIN bg_ref r WHERE (o.g * 11) %% 100 < 1",
            {"end": end},
        ),
    )
    repeat = {
        "id": "nextval(pg_get_serial_sequence('repairs_workorder', 'id'))",
        "number": f"'SBG{ym}' || lpad(o.g::text, 6, '0')",
        "call_id": "o.call_id",
        "center_id": "o.center_id",
        "mode": "'on_site'",
        "status": "'dispatched'",
        "status_changed_at": "least(o.ts + interval '5 days', %(end)s::timestamptz - interval '1 minute')",
        "created_at": "least(o.ts + interval '5 days', %(end)s::timestamptz - interval '1 minute')",
        "dispatched_at": "least(o.ts + interval '5 days', %(end)s::timestamptz - interval '1 minute')",
        "note": "''",
        "confirmation_code_hash": "''",
        "confirmation_failures": "0",
        "payment_held": "false",
    }
    lap(
        "repeat work orders",
        _insert(
            cursor,
            "repairs_workorder",
            repeat,
            "FROM bg_orders o WHERE (o.g * 17) %% 100 < 3",
            {"end": end},
            optional={"travel_km": "NULL"},
        ),
    )
    event = {
        "work_order_id": "o.id",
        "from_status": "'in_repair'",
        "to_status": "'waiting_for_parts'",
        "at": "o.ts - interval '10 hours'",
        "note": "''",
    }
    lap(
        "waits for parts",
        _insert(
            cursor,
            "repairs_workorderevent",
            event,
            "FROM bg_orders o WHERE (o.g * 19) %% 100 < 4",
            {"end": end},
        ),
    )
    tag = {
        "number": f"'SBJ{ym}' || lpad(o.g::text, 6, '0')",
        "center_id": "o.center_id",
        "work_order_id": "o.id",
        "part_id": "r.part_id",
        "issue_movement_id": "r.movement_id",
        "value_amount": "300.00",
        "old_serial": "''",
        "new_serial": "''",
        "due_on": "((o.ts AT TIME ZONE 'Asia/Shanghai')::date + 15)",
        "status": "CASE WHEN o.g %% 20 < 17 THEN 'shipped' ELSE 'open' END",
        "courier": "CASE WHEN o.g %% 20 < 17 THEN '顺丰' ELSE '' END",
        "tracking_number": "CASE WHEN o.g %% 20 < 17 THEN 'SF' || o.g ELSE '' END",
        "shipped_at": "CASE WHEN o.g %% 20 < 17 THEN o.ts + interval '5 days' END",
        "scrap_reason": "''",
        "outcome": "''",
        "inspection_note": "''",
        "created_at": "o.ts",
    }
    lap(
        "defective-part tags",
        _insert(
            cursor,
            "inventory_defectivereturn",
            tag,
            "FROM bg_orders o CROSS JOIN bg_ref r WHERE (o.g * 23) %% 100 < 5",
            {"end": end},
        ),
    )
    for table in (
        "care_deadline",
        "care_callback",
        "care_complaint",
        "repairs_workorder",
        "repairs_workorderevent",
        "inventory_defectivereturn",
    ):
        cursor.execute(f"ANALYZE {table}")
    lap("analyze", 0)
    return timings


def main() -> None:
    created = _ensure_database()
    import django

    django.setup()
    import settlement_scale
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from aftersales.months import month_bounds, previous_month
    from grading.models import Assessment
    from grading.services import centres_assess

    results: dict = {"database": DB_URL.rsplit("/", 1)[1], "created": created}
    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    _log(f"data: migrate in {time.perf_counter() - started:.1f} s")
    now = timezone.now()
    month = previous_month(now)
    start, end = month_bounds(month)
    results["month"] = f"{month:%Y-%m}"
    _reference_rows()
    with transaction.atomic(), connection.cursor() as cursor:
        settlement_scale.ensure_centers(cursor, month=month, log=_log)
    _reference_rows()  # the part's issue needs SB0001
    with transaction.atomic(), connection.cursor() as cursor:
        results["orders"] = settlement_scale.ensure_orders(
            cursor, month=month, start=start, end=end, log=_log
        )
        results["care"] = _ensure_care_rows(cursor, month=month, start=start, end=end)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM repairs_workorder), (SELECT count(*) FROM network_servicecenter),"
            " (SELECT count(*) FROM care_deadline), (SELECT count(*) FROM care_callback),"
            " (SELECT count(*) FROM care_complaint), (SELECT count(*) FROM inventory_defectivereturn)"
        )
        orders, centers, deadlines, callbacks, complaints, tags = cursor.fetchone()
    results["size"] = {
        "work_orders": orders,
        "centres": centers,
        "deadlines": deadlines,
        "callbacks": callbacks,
        "complaints": complaints,
        "defective_returns": tags,
    }
    _log(
        f"size: {centers} centres, {orders:,} work orders, {deadlines:,} deadlines, {callbacks:,} callbacks,"
        f" {complaints:,} complaints, {tags:,} defective-part tags"
    )
    Assessment.objects.filter(month=month, status="proposed").delete()
    for run in ("first run", "refresh"):
        with CaptureQueriesContext(connection) as queries:
            began = time.perf_counter()
            done = centres_assess(month=month, now=now)
            seconds = time.perf_counter() - began
        verdict = "OK" if seconds < TARGET_S else "OVER TARGET"
        _log(
            f"assess {month:%Y-%m} ({run}): {len(done)} centres in {seconds:.2f} s,"
            f" {len(queries.captured_queries)} queries (target < {TARGET_S} s: {verdict})"
        )
        results[run] = {
            "centres": len(done),
            "seconds": round(seconds, 2),
            "queries": len(queries.captured_queries),
        }
    top = next(a for a in done if a.center.code == "SB0001")
    _log(
        f"SB0001: {top.orders} orders, score {top.score}, {top.current_level} → {top.proposed_level},"
        f" points {json.dumps(top.points, ensure_ascii=False)}"
    )
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "grading_bench.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
