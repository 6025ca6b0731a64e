"""Benchmark: POST /api/v1/warranty/evaluate/ on loopback against gunicorn. Target: median under 20 ms.

Starts gunicorn (1 worker) on a free port against the bench database, logs a dispatcher in through a
session created in the database, then sends N requests one after another over a kept-alive connection
with varied facts. Usage: .venv/bin/python bench/warranty_evaluate_http.py [N]
"""

import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
N = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
DB_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/aftersales_bench")
ENV = {
    **os.environ,
    "DATABASE_URL": DB_URL,
    "DJANGO_SETTINGS_MODULE": "aftersales.settings",
    "DEBUG": "0",
    "SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    "SECURE_SSL_REDIRECT": "0",
    "SESSION_COOKIE_SECURE": "0",
    "CSRF_COOKIE_SECURE": "0",
}
PY = sys.executable

SESSION_SCRIPT = """
from django.contrib.auth import get_user_model, SESSION_KEY, BACKEND_SESSION_KEY, HASH_SESSION_KEY
from django.contrib.auth.models import Group
from django.contrib.sessions.backends.db import SessionStore
user, _ = get_user_model().objects.get_or_create(username="bench_dispatcher")
user.groups.add(Group.objects.get(name="dispatcher"))
s = SessionStore()
s[SESSION_KEY] = str(user.pk); s[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
s[HASH_SESSION_KEY] = user.get_session_auth_hash(); s.create()
print(s.session_key)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def body(rng: random.Random) -> bytes:
    category = rng.choice(["mobile_phone", "air_conditioner", "refrigerator", "washing_machine"])
    component = (
        "main_unit"
        if rng.random() < 0.7
        else {"mobile_phone": "battery", "washing_machine": "motor"}.get(category, "compressor")
    )
    day = 1 + rng.randrange(28)
    return json.dumps(
        {
            "category": category,
            "component": component,
            "sale_date": f"2026-01-{day:02d}",
            "invoice_date": f"2026-01-{day:02d}" if rng.random() < 0.85 else None,
            "factory_date": "2025-11-20",
            "report_date": f"2026-{rng.randrange(2, 12):02d}-15",
            "performance_fault": True,
            "repairs": [
                {
                    "sent_on": "2026-02-01",
                    "returned_on": "2026-02-05",
                    "fixed": False,
                    "performance_fault": True,
                    "same_fault": True,
                    "delay_cause": None,
                }
            ]
            * rng.choice((0, 1, 2)),
            "exclusions": [],
            "exchanged_on": None,
            "extended_warranty_until": None,
            "price": "2999.00",
        }
    ).encode()


def main():
    subprocess.run(
        [PY, "manage.py", "ensure_database"], cwd=ROOT, env=ENV, check=True, stdout=subprocess.DEVNULL
    )
    subprocess.run(
        [PY, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=ENV, check=True, stdout=subprocess.DEVNULL
    )
    session = (
        subprocess.run(
            [PY, "manage.py", "shell", "-v", "0", "-c", SESSION_SCRIPT],
            cwd=ROOT,
            env=ENV,
            check=True,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    port = free_port()
    server = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "aftersales.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
        ],
        cwd=ROOT,
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        conn = http.client.HTTPConnection("127.0.0.1", port)
        csrf = (
            "b" * 32
        )  # session-authenticated POSTs need the CSRF cookie and header, as a browser sends them
        headers = {
            "Content-Type": "application/json",
            "Cookie": f"sessionid={session}; csrftoken={csrf}",
            "X-CSRFToken": csrf,
            "Host": "127.0.0.1",
        }
        rng = random.Random(7)
        for _ in range(50):  # warm-up
            conn.request("POST", "/api/v1/warranty/evaluate/", body(rng), headers)
            conn.getresponse().read()
        timings, statuses = [], {}
        for _ in range(N):
            payload = body(rng)
            started = time.perf_counter()
            conn.request("POST", "/api/v1/warranty/evaluate/", payload, headers)
            response = conn.getresponse()
            response.read()
            timings.append((time.perf_counter() - started) * 1000)
            statuses[response.status] = statuses.get(response.status, 0) + 1
        timings.sort()
        result = {
            "requests": N,
            "statuses": statuses,
            "median_ms": round(statistics.median(timings), 2),
            "p95_ms": round(timings[int(N * 0.95)], 2),
            "p99_ms": round(timings[int(N * 0.99)], 2),
        }
        print(json.dumps(result))
        (ROOT / "bench" / "results").mkdir(exist_ok=True)
        (ROOT / "bench" / "results" / "warranty_evaluate_http.json").write_text(json.dumps(result, indent=2))
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
