"""Benchmark: a dealer's work-order list over the API at 1,000,000 work orders.

The case: `GET /api/v1/work-orders/?status=<s>&ordering=-created&page_size=50` with a dealer's API key
(newest first, cursor pages), on the database of `bench/seed_scale.py` (BENCH_DATABASE_URL, default
aftersales_bench). The scale data sells no unit through a dealer; with --assign-dealers (only on a copy of
your own: it writes) the scale units are spread over the demo dealers, so the first dealer owns about a
sixth of them. An API key of that dealer is made once (on the copy) or passed with --key.

1. Server time in-process (Django's test Client, full middleware, settings aftersales.settings): median and
   p99 over REQUESTS requests per status (first pages, and pages 2–5 by cursor), with the SQL of one request
   and EXPLAIN (ANALYZE, BUFFERS) of the list query. Target: median < 20 ms, p99 < 60 ms.
2. The floor, in the same run: the list query as it ran (the closed orders' first page) is written to
   bench/results/api_work_orders.sql and bench/api_floor.py runs it through psycopg2 + json.dumps in a bare
   script. Target: the closed orders' median at most 5× the floor's. Then both again in turns (six
   rounds of each), the ratio over the rounds: the one to read on a machine whose speed drifts.
3. Sustained requests per second: gunicorn with 2 sync workers on 127.0.0.1, driven by wrk (4 connections,
   --seconds), rate limits raised for the run.

Usage: .venv/bin/python bench/api_bench.py [--requests 300] [--seconds 20] [--assign-dealers] [--key KEY]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DB_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/aftersales_bench")
STATUSES = ["closed", "new", "dispatched", "completed"]
SERVER_ENV = {
    "DATABASE_URL": DB_URL,
    "DJANGO_SETTINGS_MODULE": "aftersales.settings",
    "DEBUG": "0",
    "SECURE_SSL_REDIRECT": "0",
    "SESSION_COOKIE_SECURE": "0",
    "CSRF_COOKIE_SECURE": "0",
    "ALLOWED_HOSTS": "testserver,localhost,127.0.0.1",
    "LOG_LEVEL": "WARNING",
    "API_THROTTLE_BURST": "100000000/min",
    "API_THROTTLE_SUSTAINED": "1000000000/day",
}
os.environ.update(SERVER_ENV)
sys.path.insert(0, str(ROOT))


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def prepare(assign_dealers: bool, key: str | None):
    import django

    django.setup()
    from django.db import connection

    from integrations.services import api_key_create
    from network.models import Dealer
    from repairs.models import ProductUnit

    dealers = list(Dealer.objects.filter(active=True).order_by("pk"))
    if not dealers:
        sys.exit("no dealer in the database: seed it with bench/seed_scale.py")
    dealer = dealers[0]
    owned = ProductUnit.objects.filter(dealer=dealer).count()
    if owned < 1000:
        if not assign_dealers:
            sys.exit(f"dealer {dealer.code} sold {owned} units: run on a copy with --assign-dealers")
        ids = [d.pk for d in dealers]
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE repairs_productunit SET dealer_id = (%s::bigint[])[1 + id %% %s] WHERE dealer_id IS NULL",
                [ids, len(ids)],
            )
            # The units' new dealers reached the work orders (unit_dealer, by trigger): without fresh
            # statistics the planner takes the dealer's 100,000 closed orders for 30 and sorts them all.
            cursor.execute("ANALYZE repairs_productunit")
            cursor.execute("ANALYZE repairs_workorder")
        owned = ProductUnit.objects.filter(dealer=dealer).count()
    if key is None:
        key = api_key_create(dealer=dealer, name="bench").raw_key
    return dealer, owned, key


def server_time(key: str, requests: int) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_AUTHORIZATION=f"Api-Key {key}")
    url = "/api/v1/work-orders/"
    results, list_sql = {}, None
    for status in STATUSES:
        params = {"status": status, "ordering": "-created", "page_size": 50}
        for _ in range(20):  # a long-lived worker's state: connection, caches, imports
            first = client.get(url, params)
        assert first.status_code == 200, first.content[:300]
        timings, rows = [], len(first.json()["results"])
        for _ in range(requests):
            started = time.perf_counter()
            response = client.get(url, params)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        # Pages 2–5 by cursor.
        deep, next_url = [], first.json()["next"]
        for _ in range(4):
            if not next_url:
                break
            started = time.perf_counter()
            page = client.get(next_url)
            deep.append((time.perf_counter() - started) * 1000)
            next_url = page.json()["next"]
        with CaptureQueriesContext(connection) as queries:
            client.get(url, params)
        if list_sql is None or status == STATUSES[0]:
            list_sql = next(q["sql"] for q in queries.captured_queries if "repairs_workorder" in q["sql"])
        results[status] = {
            "rows": rows,
            "median_ms": round(statistics.median(timings), 2),
            "p99_ms": round(percentile(timings, 99), 2),
            "max_ms": round(max(timings), 2),
            "deeper_pages_median_ms": round(statistics.median(deep), 2) if deep else None,
            "queries": len(queries.captured_queries),
        }
    with connection.cursor() as cursor:
        sql = [q["sql"] for q in queries.captured_queries]
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + list_sql)
        plan = "\n".join(r[0] for r in cursor.fetchall())
    return {"cases": results, "sql": sql, "list_sql": list_sql, "plan": plan}


def side_by_side(key: str, rounds: int, per_round: int) -> dict:
    """The closed orders' first page and the floor taken in turns (a round of each, `rounds` times), so that
    both see the machine in the same state: this VM's speed drifts by tens of percent within minutes."""
    from django.test import Client

    client = Client(HTTP_AUTHORIZATION=f"Api-Key {key}")
    params = {"status": "closed", "ordering": "-created", "page_size": 50}
    server, floor = [], []
    for _ in range(rounds):
        floor += measure_floor(per_round, timings=True)["timings_ms"]
        for _ in range(per_round):
            started = time.perf_counter()
            response = client.get("/api/v1/work-orders/", params)
            server.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
    server_median, floor_median = statistics.median(server), statistics.median(floor)
    return {
        "rounds": rounds,
        "requests": len(server),
        "server_median_ms": round(server_median, 2),
        "server_p99_ms": round(percentile(server, 99), 2),
        "floor_median_ms": round(floor_median, 2),
        "ratio": round(server_median / floor_median, 1),
    }


def measure_floor(requests: int, timings: bool = False) -> dict:
    """bench/api_floor.py on the list query just captured (the closed orders' first page), in this run."""
    out = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "api_floor.py"),
            str(requests),
            *(["--timings"] if timings else []),
        ],
        cwd=ROOT,
        env={**os.environ, "BENCH_DATABASE_URL": DB_URL},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out)


def sustained(key: str, seconds: int) -> dict:
    if not shutil.which("wrk"):
        return {"skipped": "wrk is not installed (apt-get install wrk)"}
    port = 18231
    env = {**os.environ, **SERVER_ENV}
    server = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "aftersales.wsgi:application",
            "--workers=2",
            f"--bind=127.0.0.1:{port}",
            "--log-level=warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        url = f"http://127.0.0.1:{port}/api/v1/work-orders/?status=closed&ordering=-created&page_size=50"
        import urllib.request

        for _ in range(100):
            try:
                request = urllib.request.Request(url, headers={"Authorization": f"Api-Key {key}"})
                with urllib.request.urlopen(request, timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.2)
        out = subprocess.run(
            ["wrk", "-t2", "-c4", f"-d{seconds}s", "--latency", "-H", f"Authorization: Api-Key {key}", url],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    rps = next((line.split()[1] for line in out.splitlines() if line.startswith("Requests/sec")), None)
    non_2xx = next((line.strip() for line in out.splitlines() if "Non-2xx" in line), "")
    return {"requests_per_second": float(rps) if rps else None, "non_2xx": non_2xx, "wrk": out}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--assign-dealers", action="store_true")
    parser.add_argument("--key")
    args = parser.parse_args()
    dealer, owned, key = prepare(args.assign_dealers, args.key)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM repairs_workorder")
        orders = cursor.fetchone()[0]
    timing = server_time(key, args.requests)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "api_work_orders.sql").write_text(timing["list_sql"] + "\n")
    floor = measure_floor(args.requests)
    turns = side_by_side(key, rounds=6, per_round=max(args.requests // 6, 20))
    load = sustained(key, args.seconds)
    report = {
        "database": DB_URL.rsplit("/", 1)[1],
        "work_orders": orders,
        "dealer": dealer.code,
        "dealer_units": owned,
        "requests_per_case": args.requests,
        "server_time": timing["cases"],
        "floor": floor,
        "closed_median_vs_floor": round(timing["cases"]["closed"]["median_ms"] / floor["median_ms"], 1),
        "closed_and_floor_in_turns": turns,
        "queries_of_one_request": timing["sql"],
        "sustained": {k: v for k, v in load.items() if k != "wrk"},
    }
    (RESULTS / "api_bench.json").write_text(json.dumps(report, ensure_ascii=False, indent=2))
    print(
        json.dumps(
            {k: v for k, v in report.items() if k != "queries_of_one_request"}, ensure_ascii=False, indent=2
        )
    )
    print("\nEXPLAIN (ANALYZE, BUFFERS) of the list query:\n" + timing["plan"])
    if "wrk" in load:
        print("\n" + load["wrk"])


if __name__ == "__main__":
    main()
