"""Benchmark: how long a process takes to start — Django set up and every URL configuration loaded (what a
web worker, a Celery worker and every management command pay before their first request or task).

    .venv/bin/python bench/startup_bench.py [--runs 7] [--root DIR]

Each run is a fresh interpreter; prints each run and the median in milliseconds. With --root, the same
measurement of another checkout (e.g. a git worktree of an earlier commit), for an A/B in turns."""

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

PROBE = (
    "import os, time; t = time.perf_counter(); "
    "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'aftersales.settings'); "
    "import django; django.setup(); "
    "from django.urls import get_resolver; get_resolver().url_patterns; "
    "print(round((time.perf_counter() - t) * 1000))"
)


def run_once(root: Path) -> int:
    env = {**os.environ, "PYTHONPATH": str(root)}
    out = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=root, env=env, capture_output=True, text=True, check=True
    )
    return int(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--root", type=Path, help="another checkout, measured in turns with this one")
    args = parser.parse_args()
    here = Path(__file__).resolve().parent.parent
    roots = [here] + ([args.root.resolve()] if args.root else [])
    times: dict[Path, list[int]] = {root: [] for root in roots}
    for _ in range(args.runs):
        for root in roots:
            times[root].append(run_once(root))
    for root, ms in times.items():
        print(f"{root}: median {statistics.median(ms)} ms  runs {ms}")


if __name__ == "__main__":
    main()
