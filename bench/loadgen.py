"""A small load generator (no wrk, no locust needed): PROCESSES processes, each with one keep-alive HTTP/1.1
connection, send GET requests back to back for SECONDS and record every latency. Requests per second over
all, latency median and p99 under that load, and the answers that were not 200.

Usage: .venv/bin/python bench/loadgen.py URL [--seconds 20] [--processes 4] [--header 'Name: value']
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import statistics
import time
from urllib.parse import urlsplit


def _worker(args) -> tuple[int, int, list[float]]:
    url, headers, seconds = args
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    connection = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=30)
    latencies, errors = [], 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        started = time.perf_counter()
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
        except (OSError, http.client.HTTPException):
            errors += 1
            connection.close()
            connection = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=30)
            continue
        latencies.append((time.perf_counter() - started) * 1000)
        if response.status != 200:
            errors += 1
    connection.close()
    return len(latencies), errors, latencies


def run(url: str, headers: dict, *, seconds: float = 20, processes: int = 4) -> dict:
    started = time.monotonic()
    with multiprocessing.Pool(processes) as pool:
        done = pool.map(_worker, [(url, headers, seconds)] * processes)
    elapsed = time.monotonic() - started
    latencies = sorted(t for _n, _e, ts in done for t in ts)
    requests = sum(n for n, _e, _ts in done)
    return {
        "processes": processes,
        "seconds": round(elapsed, 1),
        "requests": requests,
        "not_200": sum(e for _n, e, _ts in done),
        "requests_per_second": round(requests / seconds, 1),
        "latency_median_ms": round(statistics.median(latencies), 1) if latencies else None,
        "latency_p99_ms": round(latencies[min(len(latencies) - 1, round(0.99 * (len(latencies) - 1)))], 1)
        if latencies
        else None,
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--header", action="append", default=[])
    args = parser.parse_args()
    headers = dict(h.split(": ", 1) for h in args.header)
    print(json.dumps(run(args.url, headers, seconds=args.seconds, processes=args.processes), indent=2))


if __name__ == "__main__":
    main()
