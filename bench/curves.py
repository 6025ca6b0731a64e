"""Benchmark: cost curves at 1 M, 3 M and 10 M work orders on one growing database.

For each size (`--sizes`, default 1M,3M,10M) the database `aftersales_curves` (CURVES_DATABASE_URL) is
grown to that many scale customers — each with a unit sold through a demo dealer, a repair call and its
work order (`seed_demo --scale`'s generator, COPY), with in proportion the work-order events, stock
movements, callbacks and SLA deadlines the scale seed leaves out (bench/curves_data.py, INSERT … SELECT,
ANALYZE after) — and then measured (bench/curves_measure.py), in-process with Django's test Client as the
user of each page: median and p99 of REQUESTS requests and the queries of one, for the dispatcher's look-ups,
the register (first page, filtered pages, page 200), the technician's day, the supervisor's board, the
manager's dashboard (cached and counted on the request) and care's, the nightly count of the technicians'
days of the month (run first, as the night before would have), the dealer API's list (first pages and
cursor pages 2–5, and the floor of bench/api_floor.py in turns), the SLA scan (care_bench's, at the data's
instant), one month's settlement drafts for every centre, and the dealer API's sustained throughput
against gunicorn (2 workers) on loopback from bench/loadgen.py. A size already built is not built again
(resumable); a fresh database is created, migrated and given the demo (`seed_demo`) first.

Printed: a table (size × case: median, p99, queries) and a growth label per case from the smallest to the
largest size measured (flat, logarithmic, linear, from the exponent k of time ∝ size^k). Written to
bench/results/curves.json, merged with the sizes measured before.

Usage: .venv/bin/python bench/curves.py [--sizes 1M,3M,10M] [--requests 40] [--seconds 20] [--build-only]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB_URL = os.environ.get("CURVES_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/aftersales_curves")
REDIS_URL = os.environ.get("CURVES_REDIS_URL", "redis://127.0.0.1:6379/8")
RESULTS = ROOT / "bench" / "results" / "curves.json"
PORT = 18293
# The benches this one reuses read their database from these when they are imported.
os.environ.update(
    BENCH_DATABASE_URL=DB_URL,
    BENCH_CARE_DATABASE_URL=DB_URL,
    BENCH_CARE_REDIS_URL=REDIS_URL,
    DATABASE_URL=DB_URL,
    REDIS_URL=REDIS_URL,
)
sys.path.insert(0, str(ROOT / "bench"))

import api_bench  # noqa: E402  (its environment — the raised rate limits — before Django's settings)
import carebench  # noqa: E402,F401  (the same)
from benchdb import ensure_database  # noqa: E402

_argv, sys.argv = sys.argv, sys.argv[:1]  # register_bench reads a request count from the command line
import register_bench  # noqa: E402,F401

sys.argv = _argv


def parse_size(text: str) -> int:
    text = text.strip().upper()
    factor = {"K": 1_000, "M": 1_000_000}.get(text[-1:], 1)
    return int(float(text.rstrip("KM")) * factor)


def setup() -> None:
    created = ensure_database(DB_URL)
    env = {**os.environ, "DATABASE_URL": DB_URL, "REDIS_URL": REDIS_URL}
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    if created:
        print("curves: a new database: seed_demo first (about a minute)", flush=True)
        subprocess.run([sys.executable, "manage.py", "seed_demo"], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip
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
        }
    ).enable()
    from aftersales.startup import freeze_startup_heap

    freeze_startup_heap()  # as the web process does after loading (aftersales/wsgi.py)


def build(size: int) -> dict:
    import curves_data
    from django.db import connection

    with connection.cursor() as cursor:
        if curves_data._progress(cursor, f"size {size}"):
            print(f"curves: {size:,} already built", flush=True)
            return {"built": False}
    started = time.monotonic()
    print(f"curves: growing to {size:,}", flush=True)
    timings = curves_data.grow(size, log=lambda line: print(line, flush=True))
    with connection.cursor() as cursor:
        curves_data._done(cursor, f"size {size}", int(time.time()))
    seconds = round(time.monotonic() - started, 1)
    print(f"curves: {size:,} built in {seconds} s", flush=True)
    return {"built": True, "seconds": seconds, **timings}


def data_sizes() -> dict:
    from django.db import connection

    sizes = {}
    with connection.cursor() as cursor:
        for table in (
            "repairs_customer",
            "repairs_productunit",
            "repairs_repaircall",
            "repairs_workorder",
            "repairs_workorderevent",
            "inventory_stockmovement",
            "care_callback",
            "care_deadline",
        ):
            cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = %s", [table])
            sizes[table] = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM repairs_workorder")  # the size measured: exact
        sizes["repairs_workorder"] = cursor.fetchone()[0]
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        sizes["database"] = cursor.fetchone()[0]
    return sizes


def throughput(key: str, seconds: int) -> dict:
    """The dealer's first page of closed orders against gunicorn (2 workers) from bench/loadgen.py."""
    import loadgen

    env = {
        **os.environ,
        **api_bench.SERVER_ENV,
        "DATABASE_URL": DB_URL,
        "REDIS_URL": REDIS_URL,
        # Production settings refuse to start without a gateway for texts; the list sends none.
        "SMS_BACKEND": "aftersales.sms.backends.filebased.SmsBackend",
        "SMS_FILE_PATH": str(ROOT / "var" / "curves-sms"),
    }
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "aftersales.wsgi:application", "--workers=2",
         f"--bind=127.0.0.1:{PORT}", "--log-level=warning"],
        cwd=ROOT, env=env, start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{PORT}/api/v1/work-orders/?status=closed&ordering=-created&page_size=50"
    headers = {"Authorization": f"Api-Key {key}"}
    try:
        for _ in range(150):
            try:
                with urllib.request.urlopen(
                    urllib.request.Request(url, headers=headers), timeout=5
                ) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                time.sleep(0.2)
        loadgen.run(url, headers, seconds=2, processes=2)  # both workers warm
        result = loadgen.run(url, headers, seconds=seconds, processes=4)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    print(
        f"  api throughput (4 connections, gunicorn 2 workers): {result['requests_per_second']} req/s,"
        f" median {result['latency_median_ms']} ms, p99 {result['latency_p99_ms']} ms under load,"
        f" {result['not_200']} not 200",
        flush=True,
    )
    return result


def measure(size: int, args) -> dict:
    import curves_data
    import curves_measure
    from django.db import connection

    report = {"data": data_sizes()}
    print(f"curves: measuring at {report['data']['repairs_workorder']:,} work orders", flush=True)
    nightly = curves_measure.time_rollup()  # the technicians' days counted, as the nightly job keeps them
    cases = curves_measure.pages(args.requests)
    cases["time rollup: this month's days (nightly)"] = nightly
    api = curves_measure.api(args.requests, args.rounds)
    cases.update(api["cases"])
    report["api_floor_in_turns"] = api["floor_in_turns"]
    with connection.cursor() as cursor:
        instant = curves_data.instant(cursor)
    cases["sla scan"] = curves_measure.sla_scan(instant)
    cases["settlement: month, every centre"] = curves_measure.settlement_month()
    report["api_throughput"] = throughput(api["key"], args.seconds)
    for row in cases.values():
        if row.get("median_ms", 0) < 50:  # the slowest query is kept for the slower cases only
            row.pop("slowest_sql", None)
    report["cases"] = cases
    return report


def growth(small: dict, large: dict, ratio: float) -> dict:
    """time ∝ size^k between two sizes: flat (k < 0.1), logarithmic (k < 0.4), linear."""
    a, b = max(small["median_ms"], 0.1), max(large["median_ms"], 0.1)
    k = math.log(b / a) / math.log(ratio) if ratio > 1 else 0.0
    label = "flat" if k < 0.1 else "logarithmic" if k < 0.4 else "linear"
    return {"ratio": round(b / a, 2), "k": round(k, 2), "label": label}


def table(results: dict) -> list[str]:
    columns = [(f"{int(s) / 1e6:g} M", results["sizes"][s]) for s in sorted(results["sizes"], key=int)]
    for tag, sizes in results.get("tagged", {}).items():
        columns += [(f"{int(s) / 1e6:g} M {tag}", sizes[s]) for s in sorted(sizes, key=int)]
    names = list(dict.fromkeys(n for _label, report in columns for n in report["cases"]))
    lines = [f"{'case (median / p99 ms / queries)':<40}" + "".join(f"{label:>28}" for label, _r in columns)]
    for name in names:
        cells = []
        for _label, report in columns:
            row = report["cases"].get(name)
            cells.append(
                f"{row['median_ms']:>12.1f} /{row['p99_ms']:>8.1f} /{row['queries']:>4}" if row else " " * 28
            )
        label = results.get("growth", {}).get(name)
        tail = f"   {label['label']} (×{label['ratio']}, k={label['k']})" if label else ""
        lines.append(f"{name:<40}" + "".join(cells) + tail)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1M,3M,10M")
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=6, help="rounds of the API and its floor in turns")
    parser.add_argument("--seconds", type=int, default=20, help="of sustained load on the API")
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument(
        "--tag", help="keep these figures apart under this name (e.g. a size measured again after a change)"
    )
    args = parser.parse_args()
    sizes = sorted(parse_size(s) for s in args.sizes.split(","))
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {"sizes": {}}
    results["database"] = DB_URL.rsplit("/", 1)[1]
    setup()
    for size in sizes:
        built = build(size)
        if args.build_only:
            continue
        report = measure(size, args)
        report["build"] = built if built["built"] else results["sizes"].get(str(size), {}).get("build", built)
        report["measured_at"] = time.strftime("%Y-%m-%d %H:%M:%S")
        if args.tag:
            results.setdefault("tagged", {}).setdefault(args.tag, {})[str(size)] = report
        else:
            results["sizes"][str(size)] = report
        _save(results)
    _save(results)
    if results["sizes"]:
        print("\n".join(table(results)))


def _save(results: dict) -> None:
    sizes = sorted(results["sizes"], key=int)
    results["growth"] = {}
    if len(sizes) > 1:
        small, large = results["sizes"][sizes[0]], results["sizes"][sizes[-1]]
        ratio = large["data"]["repairs_workorder"] / small["data"]["repairs_workorder"]
        for name, row in large["cases"].items():
            if name in small["cases"]:
                results["growth"][name] = growth(small["cases"][name], row, ratio)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()
