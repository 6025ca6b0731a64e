"""`python bench/inventory_bench.py`: seed if needed, measure, write bench/results/inventory.txt."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys

from .config import DB_URL, ISSUE_TARGET_PER_S, LINES, MOVEMENTS, ROOT, VALUATION_TARGET_S, say
from .data import _manage, create_database, needs_seed, seed_bench
from .measure import bench_lookup, bench_throughput, bench_valuation, data_sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=sys.modules[__package__].__doc__.splitlines()[0])
    parser.add_argument("--fresh", action="store_true", help="drop and rebuild the bench database")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each issue run")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument(
        "--movements",
        type=int,
        default=MOVEMENTS,
        help="ledger size to build (with --fresh, or when the database holds fewer); the issue throughput "
        "does not depend on it, the valuation does",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="runs of the service and of its floor, in turns, on different parts",
    )
    parser.add_argument(
        "--issues-only", action="store_true", help="measure only (c), the part-issue throughput and its floor"
    )
    args = parser.parse_args()

    seed = needs_seed(args.fresh, args.movements)
    if seed:
        create_database()
    else:
        _manage("migrate", "--noinput")

    import django

    django.setup()
    from django.db import connection

    if seed:
        seed_bench(connection, args.movements)
        connection.close()

    say("")
    say("=" * 100)
    say(
        f"Spare-parts stock benchmark — {dt.datetime.now():%Y-%m-%d %H:%M}, database {DB_URL.rsplit('/', 1)[1]}"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT version(), current_setting('max_parallel_workers_per_gather'), current_setting('shared_buffers')"
        )
        version, parallel, buffers = cursor.fetchone()
    say(
        f"machine: {os.cpu_count()} CPUs; {version.split(' on ')[0]}, shared_buffers {buffers}, "
        f"max_parallel_workers_per_gather {parallel}"
    )
    sizes = data_sizes(connection)
    say(
        f"data: {sizes['parts']:,} parts, {sizes['warehouses']} warehouses ({sizes['kinds']}), "
        f"{sizes['movements']:,} movements from {sizes['first']:%Y-%m-%d} to {sizes['last']:%Y-%m-%d}, "
        f"{sizes['levels']:,} stock levels; ledger table with indexes {sizes['ledger_size']}, database {sizes['db_size']}"
    )

    if not args.issues_only:
        _reads(connection)

    say("")
    throughput = bench_throughput(connection, args.workers, args.seconds, args.rounds)
    for kind, roles in throughput["plans"].items():
        say(f"(c) one issue (returnable, frees credit = {kind}): {len(roles)} statements: {', '.join(roles)}")
    say(
        "    the floor's statements and parameters against the service's: "
        + ("the same" if not throughput["plan_differences"] else "; ".join(throughput["plan_differences"]))
    )
    for run in throughput["runs"]:
        say(
            f"(c) {run['side']:<7} {run['workers']} worker(s) × {run['seconds']:.0f} s, {run['label']}: "
            f"{run['issues']:,} issues, {run['per_second']:.0f}/s (target {ISSUE_TARGET_PER_S}); "
            f"latency median {run['median_ms']:.1f} ms, p95 {run['p95_ms']:.1f} ms; per worker {run['per_worker']}; "
            f"lock errors/deadlocks {run['lock_errors']}; errors {run['errors'] or 'none'}"
        )
        say(
            f"      CPU per issue: {run['python_cpu_ms']:.2f} ms in the worker processes, "
            f"{run['other_cpu_ms']:.2f} ms elsewhere (PostgreSQL backends, WAL writer, the machine's other "
            f"work); machine busy {run['cpu_busy_share']:.0%} of {os.cpu_count()} CPUs"
        )
    for label in dict.fromkeys(run["label"] for run in throughput["runs"]):
        service = [
            r["per_second"] for r in throughput["runs"] if r["label"] == label and r["side"] == "service"
        ]
        lowest = [r["per_second"] for r in throughput["runs"] if r["label"] == label and r["side"] == "floor"]
        say(
            f"(c) {label}: service {statistics.median(service):.0f}/s, floor {statistics.median(lowest):.0f}/s"
            f" (median of {len(service)}): the floor is {statistics.median(lowest) / statistics.median(service):.2f}×"
            " the service"
        )
    say(
        f"    share of returnable parts (a defective-return tag each) in the different-parts run: "
        f"{throughput['returnable_share']:.0%}"
    )
    say(
        f"    afterwards: ledger = levels for every warehouse × part: "
        f"{'yes' if not throughput['discrepancies'] else 'NO, ' + str(throughput['discrepancies']) + ' differ'} "
        f"(check over the whole ledger {throughput['check_s']:.1f} s); negative levels: {throughput['negative_levels']}"
    )
    profile = throughput["profile"]
    say(f"    SELECT 1 round trip: median {profile['select_1_ms']:.3f} ms")
    for mode in ("on", "off"):
        row = profile[mode]
        say(
            f"    {row['issues']} issues one at a time in one process, synchronous_commit {mode}: "
            f"{row['wall_ms']:.2f} ms per issue ({1000 / row['wall_ms']:.0f}/s), of which {row['sql_ms']:.2f} ms "
            f"waiting on SQL statements (round trips included) and {row['wall_ms'] - row['sql_ms']:.2f} ms in Python "
            f"and the commit; statements per issue {row['statements_per_issue']}; paths {row['paths']}"
        )
        for name, per_issue, mean in row["per_statement"]:
            say(f"      {per_issue:4.2f} × {mean:6.3f} ms  {name}")
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "inventory.txt").write_text("\n".join(LINES) + "\n")
    print(f"\nwritten to {out / 'inventory.txt'}")


def _reads(connection) -> None:
    """(a) the stock-level read and (b) the month-end valuation."""
    say("")
    lookup = bench_lookup(connection)
    say(
        f"(a) stock level by (warehouse, part), {lookup['n']} random lookups through the ORM: "
        f"median {lookup['median_ms']:.3f} ms, p95 {lookup['p95_ms']:.3f} ms"
    )
    for line in lookup["plan"]:
        say(f"      {line}")

    say("")
    valuations = bench_valuation(connection)
    for label, row in valuations.items():
        say(
            f"(b) valuation of every warehouse at the end of {row['month']} ({label}; at {row['at']}): "
            f"{row['movements_before']:,} movements before, {row['movements_after']:,} since"
        )
        for direction in ("auto", "backward", "forward"):
            runs = row[direction]
            quantity, value = row[f"{direction}_total"]
            mark = "" if min(runs) < VALUATION_TARGET_S else f"  OVER the {VALUATION_TARGET_S:.0f} s target"
            say(
                f"      {direction:<8}{' → ' + row['direction'] if direction == 'auto' else '':<12} "
                f"runs {', '.join(f'{r:.3f}' for r in runs)} s; total {quantity:,} pieces, {value:,} yuan{mark}"
            )
        say(f"      plan of {row['direction']}:")
        for line in row["plan"]:
            say(f"        {line}")
