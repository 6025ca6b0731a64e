"""Benchmark: the monthly settlement at scale — by default 100,000 closed work orders across 500 centres.

The shape is --centers N and --orders N (defaults 500 and 100,000, the figures published so far; the
network's target is 300,000 orders over 2,000 centres). Runs against a database of its own,
`aftersales_settlebench` at the default shape and `aftersales_settlebench_<N>c_<N>o` at any other
(aftersales_settlebench_2000c_300000o), or the one SETTLE_BENCH_DATABASE_URL names, set as DATABASE_URL
before Django starts (settings aftersales.settings, DEBUG off). Every run first applies pending migrations;
when the database is missing it is created and given the demo's reference data and demo (`seed_demo`); then
whatever of the benchmark data is missing is generated set-based by bench/settlement_scale.py (INSERT …
SELECT over generate_series, well under a minute at the default shape, a few minutes at 300,000): active
centres SB0001… of mixed levels and, for the last complete month in China's time, the closed work orders
with their customers, units and calls, skewed over the centres (SB0001: 2,000 free or contract orders + 200
paid ones, the largest statement; SB0002–SB0010 about 1,700–1,950 free or contract orders each; SB0011–SB0060
400–594 orders; the other centres share the rest, 43–216 each at the two shapes above, the last one more),
mostly free (C) service, some contract (B) and paid (A), on-site (with a distance, for travel fees) and
carry-in, installations, inspections and phone guidance, and a few orders whose payment is held for a redo.
The demo's fee schedule (demo.network.seed_fees) prices them.

Measured, in-process:
(a) `settlements_compute_month(month=…)` for every active centre (the bench's and the demo's), after the
    settlement tables are vacuumed and the month's drafts deleted (first run), and again (recompute): wall
    time, centres, lines; the SQL queries (counted by an execute wrapper: in all and per centre) and the
    seconds spent in them, the seconds spent in the commits (one per centre: the lines' deferred foreign-key
    checks run there) and the CPU seconds of this process and of its PostgreSQL backend (read from /proc
    when the database runs on this machine: on a shared machine their sum is roughly what a quiet one would
    need, the rest of the wall time being the wait for a core or the disk); its resident memory before and
    its peak (ru_maxrss) after; the load average (1 min) before and after. Target: under 30 s at the
    default shape; at any other shape the network's target, under 180 s (a month's 300,000 orders at 2,000
    centres in under 3 minutes). In a new database the first run's settlement table is nearly empty, and
    PostgreSQL may plan the lines' foreign-key check of it as a scan for the whole run: measure a second run.
(b) a statement PDF of exactly 2,000 lines, each render in a fresh subprocess: its time, the PDF's pages
    and size, the process's resident memory before the call and its peak (ru_maxrss) after. When the
    largest settlement has exactly 2,000 lines, `settlement.pdf.statement_pdf` renders it; otherwise (with
    travel-fee lines SB0001 has about 3,300) its first 2,000 lines are rendered with statement_context, the
    same template and `settlement.pdf.statement_pdf_from_html` (the renderer statement_pdf uses), and the
    whole largest statement is rendered by statement_pdf as well. Then a statement of about 500 lines
    (statement_pdf), so the growth per line shows. Each render also reports its CPU seconds (on a shared
    machine the wall time is the CPU time plus the wait for a core). Target: under 10 s and under 300 MB
    peak for the 2,000 lines. --drafts-only leaves (b) out.
(c) the SQL queries of one centre's recompute (`settlement_compute`, CaptureQueriesContext) for the
    2,000-line centre and for the smallest one: equal counts show it does not grow with the lines.
One line per figure is printed; results go to bench/results/settlement_bench.json, or
settlement_bench_<N>c_<N>o.json at another shape (not committed).

Usage: .venv/bin/python bench/settlement_bench.py [--centers 2000] [--orders 300000] [--drafts-only]
       (internal: bench/settlement_bench.py --pdf SETTLEMENT_ID [--lines N] renders one statement, prints JSON)
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import resource
import subprocess
import sys
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import settlement_scale  # noqa: E402 (bench/ on the path first; no Django in it)
from benchdb import ensure_database  # noqa: E402


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="The monthly settlement at scale (see the docstring).")
    parser.add_argument("--centers", type=int, default=settlement_scale.CENTERS, help="SB centres (500)")
    parser.add_argument("--orders", type=int, default=settlement_scale.ORDERS, help="closed orders (100,000)")
    parser.add_argument("--drafts-only", action="store_true", help="the drafts and queries, no statement PDF")
    parser.add_argument("--pdf", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--lines", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    try:
        settlement_scale._allocation(args.centers, args.orders)
    except ValueError as exc:
        parser.error(str(exc))
    return args


ARGS = _arguments()
DEFAULT_SHAPE = (ARGS.centers, ARGS.orders) == (settlement_scale.CENTERS, settlement_scale.ORDERS)
SHAPE = "" if DEFAULT_SHAPE else f"_{ARGS.centers}c_{ARGS.orders}o"
DB_URL = os.environ.get(
    "SETTLE_BENCH_DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/aftersales_settlebench{SHAPE}"
)
# The bench's first target at its default shape; the network's (300,000 orders, 2,000 centres) otherwise.
DRAFTS_TARGET_S = 30 if DEFAULT_SHAPE else 180
PDF_TARGET_S = 10
PDF_TARGET_PEAK_MB = 300
PDF_LINES = 2_000
RESULTS = ROOT / "bench" / "results" / f"settlement_bench{SHAPE}.json"

os.environ.update(
    DATABASE_URL=DB_URL,
    DJANGO_SETTINGS_MODULE="aftersales.settings",
    DEBUG="0",
    SECURE_SSL_REDIRECT="0",
    SESSION_COOKIE_SECURE="0",
    CSRF_COOKIE_SECURE="0",
    LOG_LEVEL="WARNING",
)


def _log(message: str) -> None:
    print(message, flush=True)


def _ensure_database() -> bool:
    return ensure_database(DB_URL)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _pdf_pages(pdf: bytes) -> int:
    """Pages of a WeasyPrint PDF (its objects sit in compressed object streams)."""
    pages = 0
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            body = zlib.decompress(match.group(1))
        except zlib.error:
            continue
        pages += len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", body))
    return pages or len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


def render_one(settlement_id: int, lines: int | None) -> dict:
    """In a fresh process: one statement PDF, timed, with the process's memory before and at its peak."""
    import django

    django.setup()
    import weasyprint  # noqa: F401  (imported before the baseline: the library is not the statement's cost)
    from django.db import connection
    from django.template.loader import render_to_string
    from django.utils import translation

    from network.models import Settlement
    from settlement.pdf import (
        STATEMENT_LANGUAGE,
        statement_context,
        statement_pdf,
        statement_pdf_from_html,
    )

    connection.ensure_connection()
    settlement = Settlement.objects.select_related("center").get(pk=settlement_id)
    total = settlement.lines.count()
    before_mb = _rss_mb()
    started = time.perf_counter()
    cpu_started = time.process_time()
    if lines is None or lines == total:
        how = "settlement.pdf.statement_pdf"
        pdf = statement_pdf(settlement)
        rendered = total
    else:
        how = f"statement_context, first {lines} of {total} lines, statement_pdf_from_html"
        context = statement_context(settlement)
        context["lines"] = context["lines"][:lines]
        rendered = len(context["lines"])
        with translation.override(STATEMENT_LANGUAGE):
            html = render_to_string("network/pdf/statement.html", context)
        del context  # as statement_pdf lets the lines go once their HTML is made
        pdf = statement_pdf_from_html(html)
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    peak_mb = _peak_mb()
    if how.endswith("statement_pdf"):
        rendered = len(statement_context(settlement)["lines"])  # what the template was given
    return {
        "center": settlement.center.code,
        "settlement_lines": total,
        "pdf_lines": rendered,
        "how": how,
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu_seconds, 2),
        "pages": _pdf_pages(pdf),
        "kb": len(pdf) // 1024,
        "rss_before_mb": round(before_mb),
        "peak_rss_mb": round(peak_mb),
        "growth_mb": round(peak_mb - before_mb),
    }


def _render_in_subprocess(settlement_id: int, lines: int | None) -> dict:
    command = [sys.executable, __file__, "--pdf", str(settlement_id)]
    if lines is not None:
        command += ["--lines", str(lines)]
    env = {**os.environ, "SETTLE_BENCH_DATABASE_URL": DB_URL}  # the parent's database, whatever the shape
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    args = ARGS
    if args.pdf:
        print(json.dumps(render_one(args.pdf, args.lines)))
        return

    results: dict = {
        "database": DB_URL.rsplit("/", 1)[1],
        "shape": {"centers": args.centers, "orders": args.orders},
        "cpus": os.cpu_count(),
    }
    created = _ensure_database()
    import django

    django.setup()

    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from demo.network import seed_fees
    from network.models import ServiceCenter, Settlement
    from repairs.models import ProductModel
    from settlement.services import (
        month_bounds,
        previous_month,
        settlement_compute,
    )

    generation: dict = {}
    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    generation["migrate_s"] = round(time.perf_counter() - started, 1)
    if created or not ProductModel.objects.exists():
        _log(
            f"data: {'new' if created else 'empty'} database {results['database']}: seed_demo (a minute or two)"
        )
        started = time.perf_counter()
        call_command("seed_demo", stdout=io.StringIO())  # its log and demo logins: not ours
        generation["seed_demo_s"] = round(time.perf_counter() - started, 1)
        _log(f"data: seed_demo in {generation['seed_demo_s']} s")

    now = timezone.now()
    today = timezone.localdate(now)
    month = previous_month(now)
    start, end = month_bounds(month)
    results["month"] = f"{month:%Y-%m}"
    seed_fees(today=today)
    if month.year != today.year:  # the demo's schedule starts with today's year: cover the month too
        seed_fees(today=month)

    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        added_centers = settlement_scale.ensure_centers(cursor, month=month, log=_log, centers=args.centers)
        steps = settlement_scale.ensure_orders(
            cursor, month=month, start=start, end=end, log=_log, centers=args.centers, orders=args.orders
        )
    if added_centers or steps:
        generation.update(
            generated_s=round(time.perf_counter() - started, 1), centers_added=added_centers, steps=steps
        )
        _log(f"data: generated in {generation['generated_s']} s")
    else:
        _log(f"data: {args.centers:,} centres and the {month:%Y-%m} orders already there")
        if RESULTS.exists():  # keep the figures of the run that generated the data
            previous = json.loads(RESULTS.read_text()).get("generation", {})
            kept = previous.get("when_generated") or (previous if "generated_s" in previous else None)
            if kept:
                generation["when_generated"] = kept
    results["generation"] = generation

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FILTER (WHERE w.closed_at >= %s AND w.closed_at < %s),"
            " count(*) FILTER (WHERE w.closed_at >= %s AND w.closed_at < %s AND c.service_type IN ('B', 'C')),"
            " count(DISTINCT w.center_id) FILTER (WHERE w.closed_at >= %s AND w.closed_at < %s),"
            " count(*) FROM repairs_workorder w JOIN repairs_repaircall c ON c.id = w.call_id"
            " WHERE w.status = 'closed'",
            [start, end] * 3,
        )
        closed, paid_types, centres_with_orders, closed_all = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM repairs_workorder")
        (orders_all,) = cursor.fetchone()
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        (db_size,) = cursor.fetchone()
    active = ServiceCenter.objects.active_on(month).count()
    results["data"] = {
        "active_centres": active,
        "closed_in_month": closed,
        "closed_in_month_b_or_c": paid_types,
        "centres_with_closed_orders": centres_with_orders,
        "closed_all_months": closed_all,
        "work_orders_all": orders_all,
        "database_size": db_size,
    }
    _log(
        f"data: {month:%Y-%m}: {closed:,} work orders closed ({paid_types:,} free or contract) at "
        f"{centres_with_orders} centres; {active} active centres; {orders_all:,} work orders in all; {db_size}"
    )

    # (a) every active centre's draft, from none and again. The settlement tables are vacuumed first, as
    # autovacuum would have done since the last run (it may be off on a bench machine, and each run leaves
    # the month's old lines dead), and not after the drafts are deleted: a settlement table believed empty
    # has the lines' foreign-key check planned as a scan of it, once per connection, kept as it fills up.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE network_settlementline, network_adjustment, network_settlement")
    Settlement.objects.filter(month=month, status="draft").delete()
    results["drafts"], drafts = _drafts_runs(month)

    by_lines = sorted(
        _with_line_counts(Settlement, [s.pk for s in drafts]), key=lambda s: (s.n_lines, s.center.code)
    )
    largest = by_lines[-1]
    smallest = next(
        (s for s in by_lines if s.center.code.startswith(settlement_scale.CENTER_PREFIX)), by_lines[0]
    )
    medium = min(by_lines, key=lambda s: (abs(s.n_lines - 500), s.center.code))

    # (c) one centre's recompute: the queries must not grow with its lines.
    per_centre = []
    for settlement in (largest, smallest):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            settlement_compute(center=settlement.center, month=month)
            seconds = time.perf_counter() - started
        per_centre.append(
            {
                "center": settlement.center.code,
                "lines": settlement.n_lines,
                "queries": len(captured.captured_queries),
                "seconds": round(seconds, 3),
            }
        )
    equal = per_centre[0]["queries"] == per_centre[1]["queries"]
    results["one_centre_compute"] = {"centres": per_centre, "queries_equal": equal}
    _log(
        "(c) one centre's recompute: "
        + ", ".join(
            f"{c['center']} {c['lines']:,} lines: {c['queries']} queries, {c['seconds'] * 1000:.0f} ms"
            for c in per_centre
        )
        + (" (equal)" if equal else " (NOT EQUAL)")
    )

    # (b) the statement PDFs, each in a fresh process.
    if not args.drafts_only:
        results["pdf"] = _pdfs(largest, medium)

    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    _log(f"written to {RESULTS}")


def _pdfs(largest, medium) -> list[dict]:
    """(b): the statement PDFs, each rendered in a fresh process."""
    lines_wanted = None if largest.n_lines == PDF_LINES else PDF_LINES
    if lines_wanted:
        _log(
            f"(b) note: the largest settlement has {largest.n_lines:,} lines: rendering its first {PDF_LINES:,}"
        )
    pdfs = []
    renders = [(largest, lines_wanted), (medium, None)]
    if lines_wanted:
        renders.insert(1, (largest, None))  # and the largest statement whole
    for settlement, wanted in renders:
        row = _render_in_subprocess(settlement.pk, wanted)
        row["under_target"] = row["seconds"] < PDF_TARGET_S and row["peak_rss_mb"] < PDF_TARGET_PEAK_MB
        pdfs.append(row)
        _log(
            f"(b) statement PDF of {row['center']}, {row['pdf_lines']:,} lines: {row['seconds']:.2f} s"
            f" ({row['cpu_seconds']:.2f} s CPU), {row['pages']} pages, {row['kb']:,} KB, RSS"
            f" {row['rss_before_mb']} MB before → peak {row['peak_rss_mb']} MB (+{row['growth_mb']} MB)"
            f" (target < {PDF_TARGET_S} s, < {PDF_TARGET_PEAK_MB} MB)"
        )
    if pdfs[0]["pdf_lines"] != PDF_LINES:
        _log(f"(b) WARNING: the PDF has {pdfs[0]['pdf_lines']} lines, not {PDF_LINES}")
    return pdfs


class _QueryCounter:
    """An execute wrapper: the queries run and the seconds spent in them, nothing kept of their SQL; and,
    while `timing_commits(connection)` is open, the seconds its commits take (the deferred foreign-key
    checks of the lines run there)."""

    def __init__(self) -> None:
        self.queries, self.seconds, self.commit_seconds = 0, 0.0, 0.0

    @contextlib.contextmanager
    def timing_commits(self, connection):
        commit = connection._commit

        def timed():
            started = time.perf_counter()
            try:
                return commit()
            finally:
                self.commit_seconds += time.perf_counter() - started

        connection._commit = timed
        try:
            yield
        finally:
            del connection._commit  # the class's own again

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.queries += 1
            self.seconds += time.perf_counter() - started


def _backend_cpu_s(connection) -> float | None:
    """The CPU seconds of this connection's PostgreSQL backend so far, when it runs on this machine."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _drafts_runs(month) -> tuple[list[dict], list]:
    """(a): settlements_compute_month twice (from none, then again), timed and counted."""
    # Django's modules once django.setup() has run (main sets the database up first).
    from django.db import connection  # noqa: PLC0415

    from network.models import SettlementLine  # noqa: PLC0415
    from settlement.services import settlements_compute_month  # noqa: PLC0415

    runs = []
    for label in ("first run", "recompute"):
        counter = _QueryCounter()
        load_before, rss_before = os.getloadavg()[0], _rss_mb()
        backend_before = _backend_cpu_s(connection)
        started, cpu_started = time.perf_counter(), time.process_time()
        with connection.execute_wrapper(counter), counter.timing_commits(connection):
            computed = settlements_compute_month(month=month)
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
        backend_after = _backend_cpu_s(connection)
        backend_cpu = None if backend_before is None else backend_after - backend_before
        drafts = [s for _c, s, _p in computed if s is not None]
        refused = [(c.code, p) for c, s, p in computed if s is None]
        lines = SettlementLine.objects.filter(settlement__in=[s.pk for s in drafts]).count()
        per_centre = counter.queries / max(len(computed), 1)
        runs.append(
            {
                "run": label,
                "seconds": round(seconds, 2),
                "centres": len(drafts),
                "lines": lines,
                "refused": refused,
                "queries": counter.queries,
                "queries_per_centre": round(per_centre, 2),
                "sql_seconds": round(counter.seconds, 2),
                "commit_seconds": round(counter.commit_seconds, 2),
                "python_cpu_seconds": round(cpu_seconds, 2),
                "database_cpu_seconds": None if backend_cpu is None else round(backend_cpu, 2),
                "rss_before_mb": round(rss_before),
                "peak_rss_mb": round(_peak_mb()),
                "load_1min_before": round(load_before, 2),
                "load_1min_after": round(os.getloadavg()[0], 2),
                "under_target": seconds < DRAFTS_TARGET_S,
            }
        )
        row = runs[-1]
        _log(
            f"(a) drafts of {month:%Y-%m}, {label}: {seconds:.2f} s for {len(drafts):,} centres, {lines:,} lines"
            + (f", {len(refused)} refused" if refused else "")
            + f"; {counter.queries:,} queries ({per_centre:.2f} per centre), {counter.seconds:.1f} s in SQL,"
            f" {counter.commit_seconds:.1f} s in commits; CPU {cpu_seconds:.1f} s here"
            + ("" if backend_cpu is None else f" + {backend_cpu:.1f} s in its database backend")
            + ";"
            f" RSS {row['rss_before_mb']} MB → peak {row['peak_rss_mb']} MB; load"
            f" {row['load_1min_before']} → {row['load_1min_after']} (target < {DRAFTS_TARGET_S} s)"
        )
    return runs, drafts


def _with_line_counts(settlement_model, pks: list[int]):
    from django.db.models import Count

    return (
        settlement_model.objects.filter(pk__in=pks).select_related("center").annotate(n_lines=Count("lines"))
    )


if __name__ == "__main__":
    main()
