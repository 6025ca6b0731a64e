"""Benchmark: the customer's "send me a sign-in code" (POST /my/sign-in/code/) under load, and its limits.

Starts gunicorn (--workers sync workers, 4 by default: twice the cores, so that one worker's wait for the
commit's disk flush overlaps another's Python) on its own database (`aftersales_smsbench`,
BENCH_SMS_DATABASE_URL; migrated when needed; its sign-in codes and sessions emptied first) with the file SMS
backend and NUM_PROXIES=1, then PROCESSES load processes post the form back to back for SECONDS: a realistic
mix — a few hot numbers and addresses hammered (HOT_NUMBER_SHARE, HOT_ADDRESS_SHARE), many one-off numbers
from many addresses, the caller's address in X-Forwarded-For. Afterwards it checks in the database that no
number got more than 5 codes and no address more than 20 (all within the hour), and prints req/s, median
and p99 latency, codes issued (302) vs refused (429). Target: at least 200 req/s on the 2-core machine.

Usage: .venv/bin/python bench/portal_sms_bench.py [--seconds 20] [--processes 8] [--workers 4]
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import benchdb  # noqa: E402
import loadgen  # noqa: E402

DB_URL = os.environ.get("BENCH_SMS_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/aftersales_smsbench")
REDIS_URL = os.environ.get("BENCH_SMS_REDIS_URL", "redis://127.0.0.1:6379/1")
PATH = "/my/sign-in/code/"
CSRF = "s" * 32  # the CSRF cookie a browser would hold; the form sends the same value
HOT_NUMBERS = [f"1380000{i:04d}" for i in range(8)]
HOT_ADDRESSES = [f"198.51.100.{i}" for i in range(1, 5)]
HOT_NUMBER_SHARE = 0.2  # of the requests, for one of the hot numbers (the rest: a number never seen before)
HOT_ADDRESS_SHARE = 0.3  # from one of the hot addresses (the rest: one of 60,000 addresses)
ENV = {
    **os.environ,
    "DATABASE_URL": DB_URL,
    "REDIS_URL": REDIS_URL,
    "CACHE_KEY_PREFIX": "aftersales_smsbench",
    "DJANGO_SETTINGS_MODULE": "aftersales.settings",
    "DEBUG": "0",
    "SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    "SECURE_SSL_REDIRECT": "0",
    "SESSION_COOKIE_SECURE": "0",
    "CSRF_COOKIE_SECURE": "0",
    "NUM_PROXIES": "1",  # the caller's address is the last hop of X-Forwarded-For, as behind the TLS proxy
    # Production settings refuse to start without a gateway for texts: files, redacted, never sent.
    "SMS_BACKEND": "aftersales.sms.backends.filebased.SmsBackend",
    "SMS_FILE_PATH": str(ROOT / "var" / "smsbench-sms"),
}


def wsgi_app():
    """The application gunicorn serves (`portal_sms_bench:wsgi_app()`): the production settings, but static
    URLs without collectstatic's manifest (no collectstatic for a benchmark)."""
    from django.core.wsgi import get_wsgi_application  # noqa: PLC0415 (in gunicorn's worker only)
    from django.test.utils import override_settings  # noqa: PLC0415

    application = get_wsgi_application()
    from django.conf import settings  # noqa: PLC0415 (configured by the line above)

    static = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    override_settings(STORAGES={**settings.STORAGES, "staticfiles": static}).enable()
    return application


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _post_worker(args) -> dict:
    """One keep-alive connection (reopened when the server closes it), posting the form back to back."""
    port, seconds, seed = args
    rng = random.Random(seed)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    latencies, statuses = [], {}
    cpu = time.process_time()
    deadline = time.monotonic() + seconds
    n = 0
    while time.monotonic() < deadline:
        n += 1
        number = rng.choice(HOT_NUMBERS) if rng.random() < HOT_NUMBER_SHARE else f"15{seed % 100:02d}{n:07d}"
        address = (
            rng.choice(HOT_ADDRESSES)
            if rng.random() < HOT_ADDRESS_SHARE
            else f"10.{rng.randrange(1, 240)}.{rng.randrange(0, 250)}.{rng.randrange(1, 250)}"
        )
        body = urlencode({"phone": number, "csrfmiddlewaretoken": CSRF})
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={CSRF}",
            "X-Forwarded-For": address,
            "Host": "127.0.0.1",
        }
        started = time.perf_counter()
        try:
            connection.request("POST", PATH, body, headers)
            response = connection.getresponse()
            response.read()
        except (OSError, http.client.HTTPException):
            statuses["error"] = statuses.get("error", 0) + 1
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            continue
        latencies.append((time.perf_counter() - started) * 1000)
        statuses[response.status] = statuses.get(response.status, 0) + 1
    connection.close()
    return {"latencies": latencies, "statuses": statuses, "cpu": time.process_time() - cpu}


def _cpu_seconds(pids) -> float:
    """User + system CPU time the processes have used so far (Linux /proc)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / os.sysconf("SC_CLK_TCK")


def _server_pids(server_pid: int) -> list[int]:
    children = Path(f"/proc/{server_pid}/task/{server_pid}/children").read_text().split()
    return [server_pid, *map(int, children)]


def _backend_pids() -> list[int]:
    """The PostgreSQL backends serving the bench database (gunicorn's workers keep theirs: CONN_MAX_AGE)."""
    import psycopg2  # noqa: PLC0415 (see _prepare)

    with psycopg2.connect(DB_URL) as conn, conn.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return [pid for (pid,) in cursor.fetchall()]


def _prepare() -> None:
    shutil.rmtree(ENV["SMS_FILE_PATH"], ignore_errors=True)  # the last run's texts (one file each)
    benchdb.ensure_database(DB_URL)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=ROOT,
        env=ENV,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    import psycopg2  # noqa: PLC0415 (the bench's own process needs no Django)

    with psycopg2.connect(DB_URL) as conn, conn.cursor() as cursor:
        cursor.execute("TRUNCATE portal_signincode, django_session")


def _database_check() -> dict:
    import psycopg2  # noqa: PLC0415 (see _prepare)

    with psycopg2.connect(DB_URL) as conn, conn.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), max(sent_at) - min(sent_at) < interval '1 hour' FROM portal_signincode"
        )
        rows, within_the_hour = cursor.fetchone()
        cursor.execute(
            "SELECT coalesce(max(n), 0) FROM (SELECT count(*) n FROM portal_signincode GROUP BY phone) c"
        )
        per_number = cursor.fetchone()[0]
        cursor.execute(
            "SELECT coalesce(max(n), 0) FROM (SELECT count(*) n FROM portal_signincode WHERE ip IS NOT NULL"
            " GROUP BY ip) c"
        )
        per_address = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM portal_signincode WHERE phone = ANY(%s)", [HOT_NUMBERS])
        hot_numbers = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM portal_signincode WHERE host(ip) = ANY(%s)", [HOT_ADDRESSES])
        hot_addresses = cursor.fetchone()[0]
    return {
        "codes_in_database": rows,
        "all_within_one_hour": bool(within_the_hour) if rows else True,
        "max_codes_per_number": per_number,
        "max_codes_per_address": per_address,
        "codes_to_hot_numbers": hot_numbers,
        "codes_from_hot_addresses": hot_addresses,
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--processes", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()

    _prepare()
    port = _free_port()
    log = ROOT / "var" / "smsbench-gunicorn.log"
    log.parent.mkdir(exist_ok=True)
    with log.open("w") as log_file:
        server = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "gunicorn"), "portal_sms_bench:wsgi_app()",
             f"--pythonpath={ROOT},{ROOT / 'bench'}", f"--workers={args.workers}",
             f"--bind=127.0.0.1:{port}", "--log-level=warning"],
            cwd=ROOT, env=ENV, start_new_session=True, stdout=log_file, stderr=log_file,
        )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}/my/"
        for _ in range(150):
            try:
                with urllib.request.urlopen(url, timeout=5) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                time.sleep(0.2)
        loadgen.run(url, {}, seconds=2, processes=2)  # both workers warm (the sign-in page)
        web_pids = _server_pids(server.pid)
        web_cpu = _cpu_seconds(web_pids)
        started = time.monotonic()
        with multiprocessing.Pool(args.processes) as pool:
            done = pool.map(_post_worker, [(port, args.seconds, 1000 + i) for i in range(args.processes)])
        elapsed = time.monotonic() - started
        web_cpu = _cpu_seconds(web_pids) - web_cpu
        # The workers' backends connected with their first POST (the sign-in page reads nothing): all theirs.
        db_cpu = _cpu_seconds(_backend_pids())
        # The reference under the same load: the sign-in page itself (GET, no database), from loadgen.py —
        # what any page of this Django stack gets from this machine at this moment.
        page_cpu = _cpu_seconds(web_pids)
        page = loadgen.run(url, {}, seconds=10, processes=args.processes)
        page["web_cpu_ms_per_request"] = round(
            (_cpu_seconds(web_pids) - page_cpu) * 1000 / max(page["requests"], 1), 2
        )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    latencies = sorted(t for d in done for t in d["latencies"])
    statuses: dict = {}
    for d in done:
        for status, n in d["statuses"].items():
            statuses[str(status)] = statuses.get(str(status), 0) + n
    check = _database_check()
    result = {
        "gunicorn_workers": args.workers,
        "load_processes": args.processes,
        "seconds": round(elapsed, 1),
        "requests": len(latencies),
        "requests_per_second": round(len(latencies) / elapsed, 1),
        "latency_median_ms": round(statistics.median(latencies), 1) if latencies else None,
        "latency_p99_ms": round(latencies[min(len(latencies) - 1, round(0.99 * (len(latencies) - 1)))], 1)
        if latencies
        else None,
        # Where the time goes: CPU per request of the web workers and of their PostgreSQL backends (on a
        # machine shared with other work the wall time is this plus waiting for a core and for the disk).
        "web_cpu_ms_per_request": round(web_cpu * 1000 / max(len(latencies), 1), 2),
        "postgres_cpu_ms_per_request": round(db_cpu * 1000 / max(len(latencies), 1), 2),
        "loadgen_cpu_ms_per_request": round(sum(d["cpu"] for d in done) * 1000 / max(len(latencies), 1), 2),
        "load_average_1min_after": round(os.getloadavg()[0], 1),
        "issued_302": statuses.get("302", 0),
        "refused_429": statuses.get("429", 0),
        "statuses": statuses,
        **check,
        "reference_get_sign_in_page": {
            k: page[k] for k in ("requests_per_second", "latency_median_ms", "web_cpu_ms_per_request")
        },
    }
    result["limits_held"] = (
        check["max_codes_per_number"] <= 5
        and check["max_codes_per_address"] <= 20
        and check["codes_in_database"] == result["issued_302"]
        and check["all_within_one_hour"]
    )
    shutil.rmtree(ENV["SMS_FILE_PATH"], ignore_errors=True)
    print(json.dumps(result, indent=2))
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    (ROOT / "bench" / "results" / "portal_sms_bench.json").write_text(json.dumps(result, indent=2))
    if not result["limits_held"]:
        sys.exit("a limit did not hold")


if __name__ == "__main__":
    main()
