"""Benchmark: seed_demo --scale N (default 1,000,000 customers, each with a unit) on a fresh database.

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


def manage(*args):
    started = time.monotonic()
    subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=ENV, check=True, stdout=subprocess.DEVNULL)
    return time.monotonic() - started


def main():
    db_name = DB_URL.rsplit("/", 1)[1]
    subprocess.run(
        ["psql", DB_URL.rsplit("/", 1)[0] + "/postgres", "-qc", f"DROP DATABASE IF EXISTS {db_name}"],
        check=True,
    )
    manage("ensure_database")
    results = {"scale": N, "migrate_s": round(manage("migrate", "--noinput"), 1)}
    results["seed_demo_s"] = round(manage("seed_demo"), 1)
    results["seed_scale_s"] = round(manage("seed_demo", "--scale", str(N)), 1)
    results["second_run_s"] = round(manage("seed_demo", "--scale", str(N)), 1)
    out = (
        subprocess.run(
            [
                "psql",
                DB_URL,
                "-Atc",
                "select (select count(*) from repairs_customer), (select count(*) from repairs_productunit),"
                " pg_size_pretty(pg_database_size(current_database()))",
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .split("|")
    )
    results.update(customers=int(out[0]), units=int(out[1]), database_size=out[2])
    print(json.dumps(results, ensure_ascii=False))
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    (ROOT / "bench" / "results" / f"seed_scale_{N}.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
