"""Benchmark: customer care at 1,000,000 open work orders — the SLA scan and the manager's dashboard.

Runs against a database of its own, `aftersales_carebench` (BENCH_CARE_DATABASE_URL). When it is missing,
incomplete, older than MAX_AGE or `--fresh` is given, it is dropped, created, migrated, given the demo's
users, centres and catalogue (`seed_demo --customers 200`) and then filled with COPY (about 7 minutes on
2 cores, most of it rebuilding indexes):

- 950,000 customers each with a mobile, an address and a unit (demo.scale's scale customers);
- 1,000,000 repair calls, each with one OPEN work order (a unit in 19 is called about twice, 1–25 days
  apart: the repeat repairs); 70 % dispatched in the last three days and on their way (dispatched,
  accepted, en route, on site, in repair), 30 % dispatched 3–21 days ago and waiting for parts;
- their deadlines (accept, first contact, on site for on-site visits, completion): most met or not due yet,
  a realistic few thousand in the warning window, breached, or awaiting their next escalation — a few
  orders are never accepted, never contacted or never visited, and some stages are met late. The
  deadlines run in calendar time under two inactive bench policies (24-hour hotline: accept 2 h, first
  contact 4 h, on site 15 min after the appointment, completion 3 days; urgent: 30 min, 1 h, 15 min,
  2 days), so the scan's load does not depend on the hour the benchmark runs at;
- the state of the deadlines as left by scans that ran every minute until GAP minutes ago (`--gap`,
  default 5: the scanner was stopped for a deploy), with their escalations; so the measured scan finds
  GAP minutes' worth of newly due, newly breached and escalating deadlines;
- 250,000 callbacks over the last 60 days (most done with a satisfaction score, some pending, some due or
  overdue) and 20,000 complaints (60 % resolved, 40 % of those upheld).

Measured, in-process with settings aftersales.settings:
(a) `care.services.sla_scan(now=N)` at the data's instant N, three times, each on the same fresh state
    (the touched deadlines' warned/breached/escalation columns are put back and the escalations and
    notifications it created, stamped N, deleted between runs); median, counts and queries; then a second
    scan right after (N + 1 s: nothing new). Target: under 1 s. Email is not sent: the broker call after
    commit (`notifications_email.delay`) is replaced by a counter. The state put back is the one the
    generation left (a digest of it is compared after the runs). Over target: EXPLAIN (ANALYZE, BUFFERS)
    of the slowest statement (rolled back) and a cProfile of one more scan.
(b) the manager's dashboard: each selector of care/dashboard.py on its own (median of 5); the page
    (`care:dashboard`) through Django's test Client as the demo manager, three times with the cache of
    the slow figures emptied first (what the first manager after CACHE_SECONDS waits), then — the slow
    figures cached — three warm-ups and the median and p95 of REQUESTS (default 20) requests, with the
    query counts. Target: median under 500 ms. Over target: EXPLAIN (ANALYZE, BUFFERS) of the slowest
    query.
Results go to bench/results/care_bench.json (not committed).

Usage: .venv/bin/python bench/care_bench.py [--fresh] [--requests 20] [--gap 5] [--units 950000]

The code is in bench/carebench/ (config, data, measure, cli)."""

from carebench.cli import main

if __name__ == "__main__":
    main()
