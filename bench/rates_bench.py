"""Benchmark: the service rates page (服务指标, /insight/rates/) by category, model and centre, and the managers'
API (GET /api/v1/rates/), at 1,000,000 work orders and 1,000,000 units.

Runs against a copy of the lead's scale database (`createdb -T aftersales_bench bench_rates`; RATES_BENCH_DATABASE_URL,
default postgres://postgres@127.0.0.1:5432/bench_rates) and Redis database 6 (RATES_BENCH_REDIS_URL); nothing is
added to it. Measured in-process through Django's test Client logged in as the demo manager (the whole
middleware stack), for the busiest month of the data (the last complete month):

1. one month counted live (insight.rates.month_counts: every query of the month, the slowest EXPLAINed);
2. the page cold (no month kept: the twelve months of the trend counted, once, and kept);
3. the page warm (the months kept, as the beat jobs, `manage.py rates_refresh` or an earlier visit leave them): median
   and p95 of REQUESTS requests per case, queries per request. Target: under TARGET_MS.

One line per figure is printed; the results go to bench/results/rates_bench.json (not committed).

Usage: .venv/bin/python bench/rates_bench.py
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB_URL = os.environ.get("RATES_BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_rates")
TARGET_MS = 500
REQUESTS = 20
WARM_UP = 2

os.environ.update(
    DATABASE_URL=DB_URL,
    DJANGO_SETTINGS_MODULE="aftersales.settings",
    REDIS_URL=os.environ.get("RATES_BENCH_REDIS_URL", "redis://127.0.0.1:6379/6"),
    DEBUG="0",
    SECURE_SSL_REDIRECT="0",
    SESSION_COOKIE_SECURE="0",
    CSRF_COOKIE_SECURE="0",
    ALLOWED_HOSTS="testserver,localhost",
    LOG_LEVEL="WARNING",
)
sys.path.insert(0, str(ROOT))


def _log(message: str) -> None:
    print(message, flush=True)


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def _explain(sql: str) -> list[str]:
    # The apps load once django.setup() has run in main().
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return [line for (line,) in cursor.fetchall()]


def sizes() -> dict:
    # The apps load once django.setup() has run in main().
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM repairs_workorder), (SELECT count(*) FROM repairs_productunit),"
            " (SELECT max(completed_at) FROM repairs_workorder)"
        )
        orders, units, last = cursor.fetchone()
    return {"work_orders": orders, "units": units, "last_completed": last}


def count_live(month) -> dict:
    """One month counted with every query timed; the slowest EXPLAINed."""
    # The apps load once django.setup() has run in main().
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from insight import rates

    began = time.perf_counter()
    with CaptureQueriesContext(connection) as captured:
        rates.month_counts(month)
    elapsed = (time.perf_counter() - began) * 1000
    queries = list(captured.captured_queries)
    slowest = max(queries, key=lambda q: float(q["time"]))
    return {
        "month": f"{month:%Y-%m}",
        "ms": round(elapsed, 1),
        "queries": len(queries),
        "query_ms": sorted((round(float(q["time"]) * 1000, 1) for q in queries), reverse=True)[:6],
        "slowest_sql": slowest["sql"][:400],
        "explain": _explain(slowest["sql"]),
    }


def measure(month) -> tuple[dict, list[dict]]:
    # The apps load once django.setup() has run in main().
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django.urls import reverse

    from insight.models import RatesMonth

    setup_test_environment()  # the test Client's template signals; the database stays the bench one
    override_settings(
        STORAGES={**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    ).enable()  # fmt: skip
    client = Client()
    client.force_login(get_user_model().objects.get(username="manager"))
    page = reverse("insight:rates")
    params = {"month": f"{month:%Y-%m}"}
    RatesMonth.objects.all().delete()
    began = time.perf_counter()
    with CaptureQueriesContext(connection) as captured:
        status = client.get(page, {**params, "by": "category"}).status_code
    cold = {
        "case": "page by category, no month kept (twelve months counted)",
        "status": status,
        "ms": round((time.perf_counter() - began) * 1000, 1),
        "queries": len(captured.captured_queries),
    }
    cases = [
        ("page by category", page, {**params, "by": "category"}),
        ("page by model", page, {**params, "by": "model"}),
        ("page by centre", page, {**params, "by": "centre"}),
        ("page by model, one category, trend of the cost", page, {**params, "by": "model", "category": "1", "rate": "cost_per_repair"}),
        ("API by model", "/api/v1/rates/", {**params, "by": "model"}),
        ("API by centre", "/api/v1/rates/", {**params, "by": "centre"}),
    ]  # fmt: skip
    results = []
    for name, url, query in cases:
        for _i in range(WARM_UP):
            client.get(url, query)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, query)
        queries = list(captured.captured_queries)
        timings = []
        for _i in range(REQUESTS):
            began = time.perf_counter()
            client.get(url, query)
            timings.append((time.perf_counter() - began) * 1000)
        slowest = max(queries, key=lambda q: float(q["time"]), default=None)
        row = {
            "case": name,
            "url": url,
            "params": query,
            "status": response.status_code,
            "bytes": len(response.content),
            "requests": len(timings),
            "median_ms": round(statistics.median(timings), 1),
            "p95_ms": round(_percentile(timings, 95), 1),
            "queries": len(queries),
            "slowest_query_ms": round(float(slowest["time"]) * 1000, 1) if slowest else None,
        }
        row["over"] = row["median_ms"] >= TARGET_MS or row["p95_ms"] >= TARGET_MS
        if row["over"] and slowest:
            row["explain"] = _explain(slowest["sql"])
        results.append(row)
    return cold, results


def main():
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from grading.selectors import month_add

    call_command("migrate", "--noinput", verbosity=0)  # the kept months' table, on a copy made before it
    facts = sizes()
    _log(f"data: {facts['work_orders']:,} work orders, {facts['units']:,} units")
    month = month_add(timezone.localdate(facts["last_completed"]).replace(day=1), -1)
    live = count_live(month)
    _log(
        f"one month counted live ({live['month']}): {live['ms']:.0f} ms, {live['queries']} queries, "
        f"slowest {live['query_ms']} ms"
    )
    _log("  EXPLAIN of the slowest:\n    " + "\n    ".join(live["explain"][:12]))
    cold, results = measure(month)
    _log(f"{cold['case']}: {cold['ms']:.0f} ms, {cold['queries']} queries (status {cold['status']})")
    for row in results:
        flag = "OVER" if row["over"] else "ok"
        _log(
            f"{row['case']}: median {row['median_ms']} ms, p95 {row['p95_ms']} ms, {row['queries']} queries, "
            f"status {row['status']} [{flag} < {TARGET_MS} ms]"
        )
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "rates_bench.json").write_text(
        json.dumps({**facts, "month": f"{month:%Y-%m}", "live": live, "cold": cold, "warm": results}, indent=2, default=str, ensure_ascii=False)
    )  # fmt: skip


if __name__ == "__main__":
    main()
