"""Benchmark: spare-parts stock at scale — 10,000 parts, 13 warehouses, 10,000,000 stock movements.

Usage: .venv/bin/python bench/inventory_bench.py [--fresh] [--seconds 10] [--workers 4] [--rounds 3]
                                                [--movements N] [--issues-only]

Database: aftersales_invbench (BENCH_INVENTORY_DATABASE_URL). When it is missing, or holds fewer than
10,000,000 movements (--movements N: fewer than N), or with --fresh, it is dropped, created, migrated and seeded: `seed_demo --customers 200`
(13 warehouses: the central warehouse CW, the defective-parts store CW-JJ and the warehouses of the 11 active
service centres; the demo's 62 parts and their three months of history), then bench parts up to 10,000 and
bench movements up to 10,000,000 (N) over the last 12 months, written with COPY in time order with the stock
movements' secondary indexes and keys dropped and rebuilt. The bench history is a simulation per part:
supplier receipts into CW at a cost that drifts, transfers CW → centre, issues to the centres' work orders
at moving-average cost, a few returns and count corrections, old parts back into CW-JJ (worth 0). The levels
of the bench parts are then computed in SQL from the movements (ledger = levels by construction).

Measured:
(a) one stock level read by its unique key (warehouse, part): median and p95 over 1000 random lookups
    through the ORM, and its EXPLAIN;
(b) month-end valuation of every warehouse for the last complete month with inventory.valuation
    (automatic direction, and forced forward / backward), and a mid-year month for comparison;
(c) issue throughput: WORKERS processes calling inventory.services.part_issue for SECONDS each, on
    different parts (each worker its own centre and parts; ROUNDS runs), then all on the same part of one
    centre, then one worker alone; each run followed by the same run of its floor (bench/part_issue_floor.py:
    the statements the service runs, replayed through psycopg2 alone), so the two are measured in turns on
    the same machine state; errors by kind; afterwards ledger = levels for every warehouse × part
    (inventory.checks) and nothing negative. One issue's SQL is captured to show where the time goes.
    The throughput does not depend on the ledger's size (1,000,000 and 10,000,000 movements give the same
    figures): `--movements 1000000` builds a smaller database in a minute, `--issues-only` skips (a) and (b).
Summary printed and written to bench/results/inventory.txt (not committed).
"""

from .cli import main
from .config import (
    DB_URL,
    DEMO_CUSTOMERS,
    ISSUE_TARGET_PER_S,
    LINES,
    LOOKUPS,
    MONTHS,
    MOVEMENTS,
    PARTS,
    ROOT,
    VALUATION_TARGET_S,
    say,
)
from .data import (
    _half_up,
    _manage,
    _money,
    _psql,
    _simulate,
    _without_secondary_indexes,
    create_database,
    needs_seed,
    seed_bench,
)
from .measure import (
    _busy_cpu_seconds,
    _statement,
    _stock_up,
    _worker,
    bench_lookup,
    bench_orders,
    bench_throughput,
    bench_valuation,
    data_sizes,
    profile_issue,
    run_issues,
)
