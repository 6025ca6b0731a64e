"""Benchmark: claim screening (索赔审核) of a month of 100,000 work orders, and how well it finds injected
suspicious claims among normal ones.

Runs against a database of its own, `bench_screening` (SCREENING_BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/bench_screening), set as DATABASE_URL before Django starts (settings
aftersales.settings, DEBUG off). Every run applies pending migrations; what is missing is generated
set-based for the last complete month in China's time:
- 500 centres SB0001–SB0500 and 100,000 work orders closed in the month, skewed over them, with their
  customers, units and calls (bench/settlement_scale.py, the settlement benchmark's generator);
- what the rules read and that generator leaves out, as normal work would have it: technicians (about four
  on-site visits a day each, one after the other: 09:00, 11:00, 13:30, 16:00, an hour each), the distance
  table (each centre to each district 5–44 km) with each on-site order's claimed distance within ±15 % of
  its district's, and parts: 35 % of the repairs one piece, 5 % two (BG-PART, ¥300).

Then the suspicious claims of demo/screening.py's `inject_patterns` (a unit claimed twice in three weeks,
padded parts, a technician in two places at once, one phone behind seven units, an inflated distance, no
proof, a denied visit) are written into 20 centres' month, as the demo writes them — not shaped to the rules,
numbered like any other order and recorded in `demo.PlantedClaim` (a second run finds them there and adds none).
On a demo database (`manage.py seed_demo`) the same precision and recall are measured by
bench/screening_demo_pr.py DATABASE_URL.

Measured, in-process: `screening.services.month_screen(month=…)` (first run, then again: idempotent), wall
time and SQL queries (target < 60 s); then precision and recall of the held flags against the injected
orders (target recall ≥ 0.95 at precision ≥ 0.80), per pattern. Results go to
bench/results/screening_bench.json (not committed).

Usage: .venv/bin/python bench/screening_bench.py
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB_URL = os.environ.get("SCREENING_BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_screening")
TARGET_S = 60
INJECTED_CENTRES = 20

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


def _reference_rows() -> None:
    """What the generators take ids from and a fresh database lacks: districts, product models, a user, a
    part of the first category with a centre warehouse, fee schedules."""
    from django.contrib.auth import get_user_model

    from inventory.models import Part
    from network.choices import CenterLevel, ServiceKind
    from network.models import FeeSchedule, Region, TravelFee
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
    get_user_model().objects.get_or_create(username="manager", defaults={"first_name": "基准经理"})
    if (
        not FeeSchedule.objects.exists()
    ):  # what a held order would be paid: ¥80 a job, travel by distance band
        FeeSchedule.objects.bulk_create(
            FeeSchedule(
                category=c, service_kind=k, center_level=lv, fee_amount="80.00", valid_from="2020-01-01"
            )
            for c in ProductCategory.objects.all()
            for k in ServiceKind.values
            for lv in CenterLevel.values
        )
        TravelFee.objects.bulk_create(
            TravelFee(center_level=lv, km_from=a, km_to=b, fee_amount=fee, valid_from="2020-01-01")
            for lv in CenterLevel.values
            for a, b, fee in ((0, 30, "0.00"), (30, 60, "20.00"), (60, None, "40.00"))
        )
    Part.objects.get_or_create(
        code="BG-PART",
        defaults={
            "name": "基准压缩机",
            "category": ProductCategory.objects.order_by("pk").first(),
            "unit_cost_amount": "300.00",
            "retail_price_amount": "450.00",
        },
    )


def _ensure_rule_inputs(cursor, *, month, start, end) -> dict:
    """Technicians and their visit times, the distance table and claimed distances, parts used."""
    from settlement_scale import _insert

    ym = f"{month:%Y%m}"
    cursor.execute("SELECT count(*) FROM screening_districtdistance")
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

    lap(
        "distance table",
        _insert(
            cursor,
            "screening_districtdistance",
            {"center_id": "c.id", "district_id": "r.id", "km": "5 + (c.id * 7 + r.id * 13) % 40"},
            "FROM network_servicecenter c CROSS JOIN network_region r"
            " WHERE c.code LIKE 'SB%' AND r.level = 'district'",
        ),
    )
    # On-site visits ranked per centre; four a day per technician, as many technicians as that needs.
    cursor.execute(
        """
        CREATE TEMP TABLE sq_visits ON COMMIT DROP AS
        SELECT w.id, w.center_id, c.service_region_id AS district_id,
               row_number() OVER (PARTITION BY w.center_id ORDER BY w.closed_at, w.id) - 1 AS r,
               count(*) OVER (PARTITION BY w.center_id) AS n
        FROM repairs_workorder w JOIN repairs_repaircall c ON c.id = w.call_id
        WHERE w.number LIKE %s AND w.mode = 'on_site' AND w.guided_at IS NULL
        """,
        [f"SBW{ym}%"],
    )
    cursor.execute(
        "CREATE TEMP TABLE sq_teams ON COMMIT DROP AS SELECT center_id, greatest(1, ceil(max(n) / 104.0))::int"
        " AS techs FROM sq_visits GROUP BY center_id"
    )
    lap(
        "technicians' logins",
        _insert(
            cursor,
            "auth_user",
            {
                "username": "'sbt' || t.center_id || '-' || k",
                "password": "'!'",
                "first_name": "'工程师'",
                "is_active": "true",
                "date_joined": "now()",
            },
            "FROM sq_teams t CROSS JOIN LATERAL generate_series(1, t.techs) k",
        ),
    )
    lap(
        "technicians",
        _insert(
            cursor,
            "network_technician",
            {
                "user_id": "u.id",
                "center_id": "split_part(substr(u.username, 4), '-', 1)::bigint",
                "employee_no": "'SBT' || substr(u.username, 4)",
                "name": "'工程师' || u.id",
                "phone": "'138' || lpad(u.id::text, 8, '0')",
                "active": "true",
            },
            "FROM auth_user u WHERE u.username LIKE 'sbt%'",
        ),
    )
    cursor.execute(
        """
        UPDATE repairs_workorder w SET
            technician_id = t.id,
            arrived_at = v.at, repair_started_at = v.at + interval '5 minutes',
            completed_at = v.at + interval '60 minutes',
            closed_at = v.at + interval '70 minutes', status_changed_at = v.at + interval '70 minutes',
            travel_km = greatest(1, round(d.km * (0.85 + ((w.id * 7919) %% 31) / 100.0)))
        FROM (
            SELECT s.id, s.center_id, s.district_id, s.r %% m.techs + 1 AS tech,
                   %(start)s::timestamptz + ((s.r / m.techs) / 4) * interval '1 day'
                       + (ARRAY[interval '9 hours', interval '11 hours', interval '13 hours 30 minutes',
                                interval '16 hours'])[(s.r / m.techs) %% 4 + 1] AS at
            FROM sq_visits s JOIN sq_teams m ON m.center_id = s.center_id
        ) v
        JOIN network_technician t ON t.employee_no = 'SBT' || v.center_id || '-' || v.tech
        JOIN screening_districtdistance d ON d.center_id = v.center_id AND d.district_id = v.district_id
        WHERE w.id = v.id AND v.at + interval '70 minutes' < %(end)s
        """,
        {"start": start, "end": end},
    )
    lap("visits scheduled", cursor.rowcount)
    cursor.execute(
        "CREATE TEMP TABLE sq_ref ON COMMIT DROP AS SELECT"
        " (SELECT id FROM inventory_part WHERE code = 'BG-PART') AS part_id,"
        " (SELECT min(id) FROM auth_user) AS user_id,"
        " (SELECT id FROM inventory_warehouse ORDER BY id LIMIT 1) AS warehouse_id"
    )
    lap(
        "parts issued",
        _insert(
            cursor,
            "inventory_stockmovement",
            {
                "warehouse_id": "r.warehouse_id",
                "part_id": "r.part_id",
                "kind": "'issue'",
                "quantity": "-(CASE WHEN (w.id * 31) %% 100 < 5 THEN 2 ELSE 1 END)",
                "value_amount": "-300.00 * (CASE WHEN (w.id * 31) %% 100 < 5 THEN 2 ELSE 1 END)",
                "reference": "w.number",
                "work_order_id": "w.id",
                "reason": "''",
                "serial_number": "''",
                "created_by_id": "r.user_id",
                "created_at": "w.closed_at",
                "idempotency_key": "NULL",
            },
            "FROM repairs_workorder w CROSS JOIN sq_ref r"
            " WHERE w.number LIKE %s AND w.guided_at IS NULL AND (w.id * 31) %% 100 < 40",
            [f"SBW{ym}%"],
        ),
    )
    for table in (
        "repairs_workorder",
        "network_technician",
        "inventory_stockmovement",
        "screening_districtdistance",
    ):
        cursor.execute(f"ANALYZE {table}")
    lap("analyze", 0)
    return timings


def main() -> None:
    created = ensure_database(DB_URL)
    import django

    django.setup()
    import settlement_scale
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from aftersales.months import month_bounds, previous_month
    from demo.screening import inject_patterns
    from inventory.models import Warehouse
    from network.models import ServiceCenter
    from screening.models import ClaimFlag
    from screening.services import month_screen

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
    first = ServiceCenter.objects.get(code="SB0001")
    Warehouse.objects.get_or_create(
        center=first, defaults={"code": "WH-SB0001", "name": "基准仓库", "kind": "center"}
    )
    with transaction.atomic(), connection.cursor() as cursor:
        results["orders"] = settlement_scale.ensure_orders(
            cursor, month=month, start=start, end=end, log=_log
        )
        results["rule_inputs"] = _ensure_rule_inputs(cursor, month=month, start=start, end=end)
    manager = get_user_model().objects.get(username="manager")
    truth: dict[int, str] = {}
    began = time.perf_counter()
    for center in ServiceCenter.objects.filter(code__startswith="SB").order_by("code")[:INJECTED_CENTRES]:
        truth.update(inject_patterns(month=month, center=center, acting_user=manager))
    _log(
        f"data: {len(truth)} suspicious claims injected in {INJECTED_CENTRES} centres ({time.perf_counter() - began:.1f} s)"
    )
    ClaimFlag.objects.filter(month=month).delete()
    for run in ("first run", "second run"):
        with CaptureQueriesContext(connection) as queries:
            began = time.perf_counter()
            result = month_screen(month=month, now=now)
            seconds = time.perf_counter() - began
        verdict = "OK" if seconds < TARGET_S else "OVER TARGET"
        _log(
            f"screen {month:%Y-%m} ({run}): {result.orders:,} payable orders, {result.flagged:,} flagged,"
            f" held ¥{result.held_amount} in {seconds:.2f} s, {len(queries.captured_queries)} queries"
            f" (target < {TARGET_S} s: {verdict})"
        )
        results[run] = {
            **result.as_json(),
            "seconds": round(seconds, 2),
            "queries": len(queries.captured_queries),
        }
    flagged = dict(ClaimFlag.objects.filter(month=month).values_list("work_order_id", "rules"))
    hits = set(flagged) & set(truth)
    precision = len(hits) / len(flagged) if flagged else 0.0
    recall = len(hits) / len(truth) if truth else 0.0
    by_pattern = {}
    for pattern in sorted(set(truth.values())):
        ids = [pk for pk, p in truth.items() if p == pattern]
        by_pattern[pattern] = f"{sum(pk in flagged for pk in ids)}/{len(ids)}"
    false_rules: dict[str, int] = {}
    for pk, rules in flagged.items():
        if pk not in truth:
            for rule in rules.split(","):
                false_rules[rule] = false_rules.get(rule, 0) + 1
    ok = "OK" if recall >= 0.95 and precision >= 0.8 else "BELOW TARGET"
    _log(
        f"quality: {len(truth)} injected, {len(flagged)} flagged, {len(hits)} of them injected:"
        f" precision {precision:.3f}, recall {recall:.3f} (target recall ≥ 0.95 at precision ≥ 0.80: {ok})"
    )
    _log(
        f"recall by pattern: {json.dumps(by_pattern)}; flags on normal orders by rule: {json.dumps(false_rules)}"
    )
    results["quality"] = {
        "injected": len(truth),
        "flagged": len(flagged),
        "true_positives": len(hits),
        "precision": round(precision, 3),
        "recall": round(recall, 3),
        "recall_by_pattern": by_pattern,
        "normal_orders_flagged_by_rule": false_rules,
    }
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "screening_bench.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
