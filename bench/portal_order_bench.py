"""Benchmark: the customer's order page (/my/orders/<id>/) at a million customers.

On the scale database (PORTAL_BENCH_DATABASE_URL, else CURVES_DATABASE_URL, else `aftersales_curves`, as built
by bench/curves.py: seed_demo's 1,000,000 scale customers and up, each with a mobile number, a unit, a repair
call and its work order, their event trail, callbacks and deadlines), migrated first: a sample of random work
orders (TABLESAMPLE, fixed seed) and, so that every state is read, up to --per-status more of each status. For
each order the customer's own account is made on the fly for their mobile number (PortalAccount and a user with
the customer role, as the sign-in makes them) and the page is requested in-process through Django's test Client
signed in as that account, the way a phone asks for it. Everything the run writes (accounts, users, sessions)
sits in one transaction rolled back at the end: the database is left as it was.

Prints the data size, then the median, p95 and max server time per status and overall, the queries of a
request (the same for every order of a status), and the slowest query's EXPLAIN when the median misses the
target (100 ms). Writes bench/results/portal_order.json.

Usage: .venv/bin/python bench/portal_order_bench.py [--sample 300] [--per-status 30] [--repeat 3] [--no-migrate]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB_URL = os.environ.get(
    "PORTAL_BENCH_DATABASE_URL",
    os.environ.get("CURVES_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/aftersales_curves"),
)
REDIS_URL = os.environ.get("PORTAL_BENCH_REDIS_URL", "redis://127.0.0.1:6379/8")
RESULTS = ROOT / "bench" / "results" / "portal_order.json"
TARGET_MS = 100.0
os.environ.update(DATABASE_URL=DB_URL, REDIS_URL=REDIS_URL, DJANGO_SETTINGS_MODULE="aftersales.settings")
sys.path.insert(0, str(ROOT))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def setup(migrate: bool) -> None:
    if migrate:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput"],
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    import django

    django.setup()
    from django.conf import settings
    from django.test import override_settings
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test Client's signals; the database stays this one
    override_settings(  # no collectstatic for a benchmark
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
        ALLOWED_HOSTS=["testserver"],
    ).enable()


def data_size() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM repairs_customer), (SELECT count(*) FROM repairs_workorder),"
            " (SELECT reltuples::bigint FROM pg_class WHERE relname = 'repairs_workorderevent'),"
            " (SELECT reltuples::bigint FROM pg_class WHERE relname = 'care_callback'),"
            " pg_size_pretty(pg_database_size(current_database()))"
        )
        customers, orders, events, callbacks, size = cursor.fetchone()
    return {
        "customers": customers,
        "work_orders": orders,
        "work_order_events": events,
        "callbacks": callbacks,
        "database": size,
    }


# A work order of a customer with a mobile number (the one the account signs in with).
_SAMPLE = """
SELECT w.id, w.status, p.number
FROM repairs_workorder w TABLESAMPLE BERNOULLI (%(percent)s) REPEATABLE (42)
JOIN repairs_repaircall c ON c.id = w.call_id
JOIN LATERAL (
    SELECT number FROM repairs_customerphone p
    WHERE p.customer_id = c.customer_id AND p.number ~ '^1[0-9]{10}$' ORDER BY p.is_primary DESC, p.id LIMIT 1
) p ON true
LIMIT %(n)s
"""
_PER_STATUS = """
SELECT w.id, w.status, p.number
FROM repairs_workorder w
JOIN repairs_repaircall c ON c.id = w.call_id
JOIN LATERAL (
    SELECT number FROM repairs_customerphone p
    WHERE p.customer_id = c.customer_id AND p.number ~ '^1[0-9]{10}$' ORDER BY p.is_primary DESC, p.id LIMIT 1
) p ON true
WHERE w.status = %(status)s
ORDER BY w.id DESC
LIMIT %(n)s
"""


def sample(n: int, per_status: int) -> list[tuple[int, str, str]]:
    from django.db import connection

    from repairs.choices import WorkOrderStatus

    rows: dict[int, tuple[int, str, str]] = {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'repairs_workorder'")
        total = max(cursor.fetchone()[0], 1)
        percent = min(100.0, n * 3 * 100 / total)
        cursor.execute(_SAMPLE, {"percent": percent, "n": n})
        rows.update({row[0]: row for row in cursor.fetchall()})
        for status in WorkOrderStatus.values:
            cursor.execute(_PER_STATUS, {"status": status, "n": per_status})
            rows.update({row[0]: row for row in cursor.fetchall()})
    return list(rows.values())


def account_for(phone: str):
    """The account the sign-in would make for this number: a user with the customer role."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from aftersales.roles import Role
    from portal.models import PortalAccount

    account = PortalAccount.objects.filter(phone=phone).select_related("user").first()
    if account is None:
        user = get_user_model().objects.create_user(username=f"bench-customer-{phone}")
        user.groups.add(Group.objects.get_or_create(name=Role.CUSTOMER)[0])
        account = PortalAccount.objects.create(user=user, phone=phone)
    return account


def run(orders, repeat: int) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    timings: dict[str, list[float]] = {}
    queries: dict[str, set[int]] = {}
    slowest: tuple[float, str] = (0.0, "")
    for index, (pk, status, phone) in enumerate(orders):
        client = Client()
        client.force_login(account_for(phone).user)
        url = f"/my/orders/{pk}/"
        for attempt in range(repeat + (1 if index == 0 else 0)):  # the very first request warms the process
            connection.queries_log.clear()  # a long run fills the log: each request counted alone
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                answer = client.get(url, secure=True)
                elapsed = (time.perf_counter() - started) * 1000
            assert answer.status_code == 200, (url, answer.status_code)
            if index == 0 and attempt == 0:
                continue
            timings.setdefault(status, []).append(elapsed)
            queries.setdefault(status, set()).add(len(captured.captured_queries))
            for query in captured.captured_queries:
                if float(query["time"]) * 1000 > slowest[0]:
                    slowest = (float(query["time"]) * 1000, query["sql"])
    rows = {}
    everything = [t for values in timings.values() for t in values]
    for status, values in sorted(timings.items(), key=lambda kv: -len(kv[1])):
        rows[status] = _row(values, queries[status])
    rows["all"] = _row(everything, set().union(*queries.values()))
    return {"cases": rows, "slowest_query_ms": round(slowest[0], 1), "slowest_query": slowest[1]}


def _row(values: list[float], queries: set[int]) -> dict:
    return {
        "requests": len(values),
        "median_ms": round(statistics.median(values), 1),
        "p95_ms": round(percentile(values, 95), 1),
        "max_ms": round(max(values), 1),
        "queries": sorted(queries),
    }


def explain(sql: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sample", type=int, default=300, help="random work orders")
    parser.add_argument("--per-status", type=int, default=30, help="more orders of each status")
    parser.add_argument("--repeat", type=int, default=3, help="requests per order")
    parser.add_argument("--no-migrate", action="store_true")
    args = parser.parse_args()
    setup(migrate=not args.no_migrate)
    from django.db import transaction

    report = {"database": DB_URL.rsplit("/", 1)[1], "data": data_size(), "target_median_ms": TARGET_MS}
    print(f"portal order page: {report['data']}", flush=True)
    with transaction.atomic():
        orders = sample(args.sample, args.per_status)
        print(f"portal order page: {len(orders)} orders, {args.repeat} requests each", flush=True)
        result = run(orders, args.repeat)
        if result["cases"]["all"]["median_ms"] >= TARGET_MS and result["slowest_query"]:
            result["slowest_explain"] = explain(result["slowest_query"])
        transaction.set_rollback(True)  # the accounts, users and sessions made for the run
    report.update(result)
    report["measured_at"] = time.strftime("%Y-%m-%d %H:%M:%S")
    for status, row in report["cases"].items():
        print(
            f"  {status:<18} {row['requests']:>5} requests  median {row['median_ms']:>6.1f} ms  "
            f"p95 {row['p95_ms']:>6.1f} ms  max {row['max_ms']:>6.1f} ms  queries {row['queries']}"
        )
    print(f"  slowest query {report['slowest_query_ms']} ms: {report['slowest_query'][:400]}")
    if "slowest_explain" in report:
        print(report["slowest_explain"])
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
