"""Benchmark: seed_demo --scale N (default 1,000,000 customers, each with a unit, a repair call and its work
order) on a fresh database.

Usage: .venv/bin/python bench/seed_scale.py [N]
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
N = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
DB_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/aftersales_bench")
ENV = {**os.environ, "DATABASE_URL": DB_URL, "DJANGO_SETTINGS_MODULE": "aftersales.settings"}
PY = sys.executable

COUNTS = """
select (select count(*) from repairs_customer),
       (select count(*) from repairs_productunit),
       (select count(*) from repairs_repaircall),
       (select count(*) from repairs_workorder),
       (select count(*) from repairs_workorder
         where status in ('new', 'dispatched', 'accepted', 'en_route', 'on_site', 'in_repair',
                          'waiting_for_parts')),
       (select max(last) from aftersales_dailysequence where prefix = 'BX'),
       pg_size_pretty(pg_database_size(current_database()))
"""


def manage(*args) -> tuple[float, list[str]]:
    started = time.monotonic()
    done = subprocess.run(
        [PY, "manage.py", *args], cwd=ROOT, env=ENV, check=True, stdout=subprocess.PIPE, text=True
    )
    return time.monotonic() - started, done.stdout.splitlines()


def counts() -> dict:
    out = subprocess.run(["psql", DB_URL, "-Atc", COUNTS], check=True, capture_output=True, text=True)
    customers, units, calls, orders, open_orders, busiest, size = out.stdout.strip().split("|")
    return {
        "customers": int(customers),
        "units": int(units),
        "repair_calls": int(calls),
        "work_orders": int(orders),
        "open_work_orders": int(open_orders),
        "busiest_day_calls": int(busiest or 0),
        "database_size": size,
    }


def main():
    db_name = DB_URL.rsplit("/", 1)[1]
    subprocess.run(
        ["psql", DB_URL.rsplit("/", 1)[0] + "/postgres", "-qc", f"DROP DATABASE IF EXISTS {db_name}"],
        check=True,
    )
    manage("ensure_database")
    results = {"scale": N, "migrate_s": round(manage("migrate", "--noinput")[0], 1)}
    results["seed_demo_s"] = round(manage("seed_demo")[0], 1)
    seconds, lines = manage("seed_demo", "--scale", str(N))
    results["seed_scale_s"] = round(seconds, 1)
    # The phases as seed_scale logged them (seconds since each phase began).
    results["seed_scale_log"] = [line for line in lines if line.startswith("scale:")]
    first = counts()
    results["second_run_s"] = round(manage("seed_demo", "--scale", str(N))[0], 1)
    second = counts()
    results["second_run_added_nothing"] = {k: v for k, v in first.items() if k != "database_size"} == {
        k: v for k, v in second.items() if k != "database_size"
    }
    results.update(first)
    print(json.dumps(results, ensure_ascii=False))
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    (ROOT / "bench" / "results" / f"seed_scale_{N}.json").write_text(
        json.dumps(results, indent=2, ensure_ascii=False)
    )


if __name__ == "__main__":
    main()
