"""Benchmark: the daily inspection job (inspections.services.inspections_plan) over 100,000 inspection plans.

Runs against a database of its own, `aftersales_inspectionsbench` (BENCH_INSPECTIONS_DATABASE_URL), and Redis
database 13 (BENCH_INSPECTIONS_REDIS_URL). The database is migrated; when it holds fewer than PLANS plans (or
with `--fresh`) the bench data are inserted in bulk, in one transaction, then ANALYZE: 10 districts served by
5 centres (each covering two districts and air conditioners, with 4 certified technicians), 100,000 customers
each with a phone, an address and one air conditioner, and one inspection plan per unit (free, 12 a year):
8,000 whose first visit falls in the job's window (seven days back to 14 ahead), the rest first visited 15 to
400 days from now. Then the job runs twice: the first creates the 8,000 visits (calls, work orders dispatched by
the normal rules, SLA deadlines), the second finds them all already planned. Target: each run under 60 s.
Results go to bench/results/inspections_bench.json (not committed).

Usage: .venv/bin/python bench/inspections_bench.py [--plans 100000] [--due 8000] [--fresh]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB_URL = os.environ.get(
    "BENCH_INSPECTIONS_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/aftersales_inspectionsbench"
)
REDIS_URL = os.environ.get("BENCH_INSPECTIONS_REDIS_URL", "redis://127.0.0.1:6379/13")
TARGET_S = 60

sys.path.insert(0, str(ROOT / "bench"))
from benchdb import ensure_database  # noqa: E402 (bench/ on the path first)


def _ensure_database() -> bool:
    return ensure_database(DB_URL)


def _build(plans: int, due: int) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from inspections.models import InspectionPlan
    from network.factories import (
        DistrictFactory,
        ServiceCenterFactory,
        TechnicianFactory,
        UserFactory,
        authorise,
    )
    from repairs.models import (
        Customer,
        CustomerAddress,
        CustomerPhone,
        ProductCategory,
        ProductModel,
        ProductUnit,
    )

    rng = random.Random(7)
    now = timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        category = ProductCategory.objects.get(code="air_conditioner")
        model, _ = ProductModel.objects.get_or_create(
            brand="格力", model_number="KFR-BENCH", defaults={"name": "巡检基准机型", "category": category}
        )
        districts = [DistrictFactory() for _ in range(10)]
        for index in range(5):
            center = ServiceCenterFactory(code=f"IB-{index}", region=districts[2 * index])
            for _t in range(4):
                technician = TechnicianFactory(center=center, user=UserFactory(roles=["technician"]))
                authorise(technician, category, districts[2 * index], districts[2 * index + 1])
        base = Customer.objects.count()
        customers = Customer.objects.bulk_create(
            [Customer(number=f"IB{base + i:09d}", name="巡检用户") for i in range(plans)], batch_size=5000
        )
        CustomerPhone.objects.bulk_create(
            [
                CustomerPhone(customer=c, number=f"139{i:08d}", is_primary=True)
                for i, c in enumerate(customers)
            ],
            batch_size=5000,
        )
        CustomerAddress.objects.bulk_create(
            [
                CustomerAddress(customer=c, region=districts[i % 10], detail="中山路 1 号", is_primary=True)
                for i, c in enumerate(customers)
            ],
            batch_size=5000,
        )
        sold = today - dt.timedelta(days=200)
        units = ProductUnit.objects.bulk_create(
            [
                ProductUnit(model=model, serial_number=f"IBS{base + i:09d}", owner=c, sale_date=sold)
                for i, c in enumerate(customers)
            ],
            batch_size=5000,
        )
        from inspections.models import InspectionPolicy

        policy, _ = InspectionPolicy.objects.get_or_create(
            category=category, model=model, defaults={"per_year": 12}
        )
        rows = []
        for i, unit in enumerate(units):
            offset = rng.randint(-7, 14) if i < due else rng.randint(15, 400)
            rows.append(
                InspectionPlan(
                    unit=unit,
                    policy=policy,
                    service_type="C",
                    per_year=12,
                    visit_mode="phone",
                    first_on=today + dt.timedelta(days=offset),
                    starts_on=today - dt.timedelta(days=30),
                    created_at=now,
                )
            )
        InspectionPlan.objects.bulk_create(rows, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--plans", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=8_000)
    parser.add_argument("--fresh", action="store_true")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = DB_URL
    os.environ["REDIS_URL"] = REDIS_URL
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings")
    _ensure_database()
    if args.fresh:
        import psycopg2

        conn = psycopg2.connect(DB_URL)
        conn.autocommit = True
        with conn.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        conn.close()
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "-v0"], check=True, cwd=ROOT)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection

    from inspections.models import Inspection, InspectionPlan
    from inspections.services import inspections_plan

    if InspectionPlan.objects.count() < args.plans or args.fresh:
        started = time.perf_counter()
        _build(args.plans, args.due)
        print(f"built {args.plans} plans in {time.perf_counter() - started:.1f} s", flush=True)
    # The job's own output from an earlier run is removed, so that the first run creates the visits again.
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE gone AS SELECT work_order_id AS id FROM inspections_inspection "
            "WHERE work_order_id IS NOT NULL"
        )
        cursor.execute("DELETE FROM inspections_inspection")
        cursor.execute("DELETE FROM care_deadline WHERE work_order_id IN (SELECT id FROM gone)")
        cursor.execute("DELETE FROM repairs_workorderevent WHERE work_order_id IN (SELECT id FROM gone)")
        cursor.execute(
            "CREATE TEMP TABLE gone_calls AS SELECT call_id AS id FROM repairs_workorder WHERE id IN (SELECT id FROM gone)"
        )
        cursor.execute("DELETE FROM repairs_workorder WHERE id IN (SELECT id FROM gone)")
        cursor.execute("DELETE FROM repairs_repaircall WHERE id IN (SELECT id FROM gone_calls)")
        cursor.execute("DROP TABLE gone, gone_calls")
        cursor.execute("ANALYZE")
    runs = []
    for label in ("first", "second"):
        started = time.perf_counter()
        result = inspections_plan()
        seconds = time.perf_counter() - started
        runs.append(
            {"run": label, "seconds": round(seconds, 2), **result.as_dict(), "dispatched": result.dispatched}
        )
        print(json.dumps(runs[-1]), flush=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM care_deadline WHERE stage = 'inspection'")
        (deadlines,) = cursor.fetchone()
    report = {
        "plans": InspectionPlan.objects.count(),
        "inspections": Inspection.objects.count(),
        "inspection_deadlines": deadlines,
        "runs": runs,
        "target_s": TARGET_S,
        "ok": all(r["seconds"] < TARGET_S for r in runs),
    }
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "inspections_bench.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report))
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
