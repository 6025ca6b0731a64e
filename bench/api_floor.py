"""The floor under bench/api_bench.py: the same list query (as captured by api_bench.py in
bench/results/api_work_orders.sql) run through psycopg2 with json.dumps of the rows, in a bare script with no
Django: what any implementation must pay at least. Median and p99 over REQUESTS runs.

Usage: .venv/bin/python bench/api_floor.py [REQUESTS] [--timings]   (--timings: every run's time too)
"""

import datetime as dt
import json
import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

import psycopg2

ROOT = Path(__file__).resolve().parent.parent
DB_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/aftersales_bench")
REQUESTS = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 300


def default(value):
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(type(value))


def main():
    sql = (ROOT / "bench" / "results" / "api_work_orders.sql").read_text()
    connection = psycopg2.connect(DB_URL)
    connection.autocommit = True
    timings = []
    with connection.cursor() as cursor:
        for i in range(REQUESTS + 3):
            started = time.perf_counter()
            cursor.execute(sql)
            names = [c.name for c in cursor.description]
            body = json.dumps(
                {"results": [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]},
                default=default,
            )
            elapsed = (time.perf_counter() - started) * 1000
            if i >= 3:
                timings.append(elapsed)
    timings.sort()
    print(
        json.dumps(
            {
                "database": DB_URL.rsplit("/", 1)[1],
                "requests": REQUESTS,
                "bytes": len(body),
                "median_ms": round(statistics.median(timings), 2),
                "p99_ms": round(timings[min(len(timings) - 1, round(0.99 * (len(timings) - 1)))], 2),
                **({"timings_ms": timings} if "--timings" in sys.argv else {}),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
