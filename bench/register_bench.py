"""Benchmark: the dispatcher's look-up and the register at scale, server time measured in-process.

Runs against the aftersales_bench database (BENCH_DATABASE_URL) seeded by `bench/seed_scale.py`
(1,000,000 customers, each with a unit, a repair call and its work order); when that database is missing
or holds fewer than 100,000 work orders it runs bench/seed_scale.py first (about two minutes), and it
applies pending migrations. Requests go through Django's test Client (no network, the full middleware
stack, settings aftersales.settings) logged in as the demo dispatcher. Each case is requested REQUESTS
times (default 50; a case still running after 30 s stops, with at least 5) after three warm-ups.
Reported: median and p95 in ms and the SQL queries of one request (CaptureQueriesContext), and the
register's query count at page_size=10 and 100 (must be equal). A case over its target (look-up
fragments: median under 50 ms; the register's first page with any single filter: under 200 ms) gets its
slowest query explained with EXPLAIN (ANALYZE, BUFFERS). Results go to bench/results/register_bench.json
(not committed).

Usage: .venv/bin/python bench/register_bench.py [REQUESTS]
"""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REQUESTS = int(sys.argv[1]) if len(sys.argv) > 1 else 50
WARM_UP = 3
MIN_REQUESTS, CASE_BUDGET_MS = 5, 30_000  # a slow case stops after 30 s (and at least 5 requests)
DB_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/aftersales_bench")
LOOKUP_TARGET_MS = 50  # median
REGISTER_TARGET_MS = 200  # median, first page, one filter
MIN_ORDERS = 100_000

os.environ.update(
    DATABASE_URL=DB_URL,
    DJANGO_SETTINGS_MODULE="aftersales.settings",
    DEBUG="0",
    SECURE_SSL_REDIRECT="0",
    SESSION_COOKIE_SECURE="0",
    CSRF_COOKIE_SECURE="0",
    ALLOWED_HOSTS="testserver,localhost",
    LOG_LEVEL="WARNING",
)
sys.path.insert(0, str(ROOT))


def _work_orders_in_bench_db() -> int:
    """How many work orders the bench database holds (0 when it or the table does not exist)."""
    import psycopg2

    try:
        conn = psycopg2.connect(DB_URL)
    except psycopg2.OperationalError:
        return 0
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT to_regclass('repairs_workorder') IS NOT NULL")
            if not cursor.fetchone()[0]:
                return 0
            cursor.execute("SELECT count(*) FROM repairs_workorder")
            return cursor.fetchone()[0]
    finally:
        conn.close()


def ensure_seeded() -> None:
    orders = _work_orders_in_bench_db()
    if orders < MIN_ORDERS:
        print(
            f"bench database has {orders} work orders: seeding it with bench/seed_scale.py first", flush=True
        )
        subprocess.run([sys.executable, str(ROOT / "bench" / "seed_scale.py")], cwd=ROOT, check=True)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def main() -> None:
    ensure_seeded()

    import django

    django.setup()

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django.urls import NoReverseMatch, reverse
    from django.utils import timezone

    setup_test_environment()  # the test Client's template signals; the database stays the bench one
    # No collectstatic for a benchmark: static URLs without the manifest.
    override_settings(
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
    ).enable()
    try:
        lookup_url, register_url = reverse("repairs:lookup"), reverse("repairs:register")
    except NoReverseMatch as exc:
        sys.exit(f"the register's routes are not there yet ({exc}): run this benchmark once they are")

    samples = _samples(connection)
    user = get_user_model().objects.get(username="dispatcher")
    client = Client()
    client.force_login(user)

    today = timezone.localdate()
    cases = [
        ("lookup", "phone prefix (7 digits)", lookup_url, {"q": samples["phone"][:7]}),
        ("lookup", "phone (11 digits)", lookup_url, {"q": samples["phone"]}),
        ("lookup", "IMEI (15 digits)", lookup_url, {"q": samples["imei"]}),
        ("lookup", "serial number prefix", lookup_url, {"q": samples["serial"][:10]}),
        ("register", "no filter", register_url, {}),
        ("register", "status=dispatched", register_url, {"status": "dispatched"}),
        ("register", "center", register_url, {"center": samples["center"]}),
        ("register", "technician", register_url, {"technician": samples["technician"]}),
        ("register", "service_type=A", register_url, {"service_type": "A"}),
        ("register", "category", register_url, {"category": samples["category"]}),
        (
            "register",
            "logged_from=30 days ago",
            register_url,
            {"logged_from": (today - dt.timedelta(days=30)).isoformat()},
        ),
        ("register", "overdue=on", register_url, {"overdue": "on"}),
        ("register", "q=call number", register_url, {"q": samples["call_number"]}),
        ("register", "q=phone", register_url, {"q": samples["call_phone"]}),
        ("register", "q=IMEI", register_url, {"q": samples["call_imei"]}),
        ("register", "q=name prefix 张", register_url, {"q": "张"}),
    ]
    results = {
        "database": DB_URL.rsplit("/", 1)[1],
        "data": _sizes(connection),
        "requests_per_case": REQUESTS,
        "samples": samples,
        "cases": [],
    }
    print(f"{'case':<40} {'median ms':>10} {'p95 ms':>8} {'queries':>8} {'n':>4}  target")
    for kind, name, url, params in cases:
        row = _measure(client, connection, CaptureQueriesContext, url, params)
        target = LOOKUP_TARGET_MS if kind == "lookup" else REGISTER_TARGET_MS
        row.update(kind=kind, case=name, target_ms=target, over_target=row["median_ms"] >= target)
        print(
            f"{kind + ' · ' + name:<40} {row['median_ms']:>10.1f} {row['p95_ms']:>8.1f} {row['queries']:>8}"
            f" {row['requests']:>4}"
            f"  {'OVER ' if row['over_target'] else ''}{target} ms"
            + ("" if row["status"] == 200 else f"  (HTTP {row['status']})")
        )
        if row["over_target"]:
            row["explain"] = _explain(connection, row["slowest_sql"])
        results["cases"].append(row)

    # The register's query count must not grow with the page size.
    sizes = {}
    for size in (10, 100):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(register_url, {"page_size": size})
        sizes[size] = {"queries": len(captured.captured_queries), "status": response.status_code}
    results["register_queries_by_page_size"] = sizes
    equal = sizes[10]["queries"] == sizes[100]["queries"]
    results["register_queries_equal_for_page_sizes"] = equal
    print(
        f"register queries at page_size=10: {sizes[10]['queries']}, at page_size=100: {sizes[100]['queries']}"
        f" ({'equal' if equal else 'NOT EQUAL'})"
    )

    for row in results["cases"]:
        if row.get("explain"):
            print(f"\n--- {row['kind']} · {row['case']}: slowest query {row['slowest_query_ms']} ms")
            print(row["slowest_sql"])
            print("\n".join(row["explain"]))

    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "register_bench.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(f"\nwritten to {out / 'register_bench.json'}")


def _measure(client, connection, capture, url: str, params: dict) -> dict:
    for _ in range(WARM_UP):
        client.get(url, params)
    with capture(connection) as captured:
        response = client.get(url, params)
    queries = list(captured.captured_queries)  # a view on the connection's log, which the next request clears
    slowest = max(queries, key=lambda q: float(q["time"]), default=None)
    timings = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        client.get(url, params)
        timings.append((time.perf_counter() - started) * 1000)
        if len(timings) >= MIN_REQUESTS and sum(timings) > CASE_BUDGET_MS:
            break  # a case far over its target: a few requests tell enough
    timings.sort()
    return {
        "url": url,
        "params": params,
        "status": response.status_code,
        "bytes": len(response.content),
        "requests": len(timings),
        "median_ms": round(statistics.median(timings), 1),
        "p95_ms": round(timings[max(0, int(len(timings) * 0.95) - 1)], 1),
        "queries": len(queries),
        "slowest_query_ms": round(float(slowest["time"]) * 1000, 1) if slowest else None,
        "slowest_sql": slowest["sql"] if slowest else None,
    }


def _explain(connection, sql: str | None) -> list[str]:
    if not sql:
        return []
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return [line for (line,) in cursor.fetchall()]


def _samples(connection) -> dict:
    """Existing values to look up: a scale customer's mobile, a scale phone's IMEI, a serial number, a
    call with its number, phone and unit, the busiest centre, a technician and a category."""
    with connection.cursor() as cursor:

        def one(sql: str, params=None):
            cursor.execute(sql, params)
            row = cursor.fetchone()
            if row is None:
                sys.exit(f"the bench database lacks data for: {sql}")
            return row

        (phone,) = one(
            "SELECT p.number FROM repairs_customerphone p JOIN repairs_customer c ON c.id = p.customer_id"
            " WHERE c.number = 'SC0000543210' AND p.is_primary"
        )
        (imei, serial) = one(
            "SELECT imei, serial_number FROM repairs_productunit"
            " WHERE serial_number LIKE 'SN%' AND imei IS NOT NULL ORDER BY serial_number OFFSET 123456 LIMIT 1"
        )
        (call_number, call_phone, call_imei) = one(
            "SELECT r.number, r.caller_phone, u.imei FROM repairs_repaircall r"
            " JOIN repairs_productunit u ON u.id = r.unit_id"
            " WHERE r.id = (SELECT max(r2.id) - 654321 FROM repairs_repaircall r2)"
        )
        if not call_imei:
            (call_imei,) = one(
                "SELECT u.imei FROM repairs_repaircall r JOIN repairs_productunit u ON u.id = r.unit_id"
                " WHERE u.imei IS NOT NULL ORDER BY r.id DESC OFFSET 4321 LIMIT 1"
            )
        (center,) = one("SELECT id FROM network_servicecenter WHERE code = 'GD-GZ-01'")
        (technician,) = one(
            "SELECT t.id FROM network_technician t JOIN auth_user u ON u.id = t.user_id WHERE u.username = 'tech'"
        )
        (category,) = one("SELECT id FROM repairs_productcategory WHERE code = 'air_conditioner'")
    return {
        "phone": phone,
        "imei": imei,
        "serial": serial,
        "call_number": call_number,
        "call_phone": call_phone,
        "call_imei": call_imei,
        "center": center,
        "technician": technician,
        "category": category,
    }


def _sizes(connection) -> dict:
    with connection.cursor() as cursor:
        sizes = {}
        for table in ("repairs_customer", "repairs_productunit", "repairs_repaircall", "repairs_workorder"):
            cursor.execute(f"SELECT count(*) FROM {table}")
            sizes[table] = cursor.fetchone()[0]
        return sizes


if __name__ == "__main__":
    main()
