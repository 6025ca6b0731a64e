"""`python bench/care_bench.py`: make the data if needed, measure, write bench/results/care_bench.json."""

from __future__ import annotations

import argparse
import json
import sys

from .config import DASHBOARD_TARGET_MS, DB_URL, ROOT, SCAN_TARGET_MS, UNITS
from .data import ensure_data
from .measure import _sizes, measure_dashboard, measure_scan


def main() -> None:
    parser = argparse.ArgumentParser(description=sys.modules[__package__].__doc__.split("\n")[0])
    parser.add_argument("--fresh", action="store_true", help="rebuild the bench database first")
    parser.add_argument("--requests", type=int, default=20, help="dashboard requests timed (default 20)")
    parser.add_argument("--gap", type=int, default=5, help="minutes since the last scan (default 5)")
    parser.add_argument(
        "--units",
        type=int,
        default=UNITS,
        help=f"scale units to call about (default {UNITS:,}; for a trial run)",
    )
    args = parser.parse_args()
    meta = ensure_data(fresh=args.fresh, gap=args.gap, units=args.units)

    import django

    django.setup()
    from django.db import connection

    results = {"database": DB_URL.rsplit("/", 1)[1], "data": _sizes(connection), "generated": meta["made"]}
    results["data_now"] = meta["now"].isoformat()
    results["gap_minutes"] = meta["gap"]
    print(f"data in {results['database']}: {json.dumps(results['data'])}", flush=True)
    print(f"the data's instant N: {meta['now']} (last scan at N - {meta['gap']} min)", flush=True)
    results["scan"] = measure_scan(meta["now"])
    results["dashboard"] = measure_dashboard(args.requests)

    scan = results["scan"]
    for label, sql, explain in (
        ("the scan's slowest query", scan["runs"][1]["slowest_sql"], scan.get("explain")),
        ("the page's slowest query", (results["dashboard"].get("page") or {}).get("slowest_sql"),
         (results["dashboard"].get("page") or {}).get("explain")),
    ):  # fmt: skip
        if explain:
            print(f"\n--- {label}\n{sql[:1000]}{' …' if len(sql) > 1000 else ''}")
            print("\n".join(line[:300] for line in explain))
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "care_bench.json").write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str))
    print(f"\nscan median {results['scan']['median_ms']} ms (target {SCAN_TARGET_MS} ms)")
    page = results["dashboard"].get("page")
    if page:
        cold = results["dashboard"]["page_cold"]
        print(
            f"dashboard median {page['median_ms']} ms (target {DASHBOARD_TARGET_MS} ms),"
            f" {page['queries']} queries; {cold['median_ms']} ms and {cold['queries']} queries"
            " when the slow figures are counted on the request"
        )
    print(f"written to {out / 'care_bench.json'}")
