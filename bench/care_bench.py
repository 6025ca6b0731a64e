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
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB_URL = os.environ.get("BENCH_CARE_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/aftersales_carebench")
SCAN_TARGET_MS = 1000
DASHBOARD_TARGET_MS = 500
MAX_AGE = dt.timedelta(hours=12)  # older data is rebuilt: the dashboard reads it against the real clock
UNITS = 950_000
REPEAT_EVERY = 19  # a unit in 19 has a second call: 50,000 repeats, 1,000,000 calls
CALLBACKS = 250_000
COMPLAINTS = 20_000
CHUNK = 100_000
WARM_UP = 3

os.environ.update(
    DATABASE_URL=DB_URL,
    DJANGO_SETTINGS_MODULE="aftersales.settings",
    # A Redis database of its own: nothing this process puts there reaches a worker of the project.
    REDIS_URL=os.environ.get("BENCH_CARE_REDIS_URL", "redis://127.0.0.1:6379/13"),
    DEBUG="0",
    SECURE_SSL_REDIRECT="0",
    SESSION_COOKIE_SECURE="0",
    CSRF_COOKIE_SECURE="0",
    ALLOWED_HOSTS="testserver,localhost",
    LOG_LEVEL="WARNING",
)
sys.path.insert(0, str(ROOT))

META = "carebench_meta"  # one row: when the data was made, its instant N, the gap, what was made
RESET = "carebench_scan_reset"  # the state of the deadlines a scan at N touches, to put back


# The database ---------------------------------------------------------------------------------------------


def _connect(url: str):
    import psycopg2

    conn = psycopg2.connect(url)
    conn.autocommit = True
    return conn


def _meta() -> dict | None:
    """The bench database's description of its data, None when the database or the data is missing."""
    import psycopg2

    try:
        conn = _connect(DB_URL)
    except psycopg2.OperationalError:
        return None
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [META])
            if not cursor.fetchone()[0]:
                return None
            cursor.execute(f"SELECT generated_at, now, gap, made FROM {META} WHERE complete")
            row = cursor.fetchone()
            if row is None:
                return None
            return {"generated_at": row[0], "now": row[1], "gap": row[2], "made": row[3]}
    finally:
        conn.close()


def _rebuild_database() -> None:
    name = DB_URL.rsplit("/", 1)[1]
    conn = _connect(DB_URL.rsplit("/", 1)[0] + "/postgres")
    with conn.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    conn.close()
    env = {**os.environ}
    for args in (["migrate", "--noinput"], ["seed_demo", "--customers", "200"]):
        print(f"manage.py {' '.join(args)}", flush=True)
        subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
        )


def ensure_data(*, fresh: bool, gap: int, units: int) -> dict:
    meta = _meta()
    if meta is not None and not fresh:
        age = dt.datetime.now(dt.UTC) - meta["generated_at"]
        if meta["made"].get("customers_with_units") != units:
            print(
                f"the bench data was made for {meta['made'].get('customers_with_units')} units: rebuilding it"
            )
        elif age >= MAX_AGE:
            print(f"the bench data is {age} old: rebuilding it", flush=True)
        else:
            return meta
    _rebuild_database()
    import django

    django.setup()
    made = generate(gap=gap, units=units)
    return _meta() or sys.exit(f"generation left no complete data in {DB_URL}: {made}")


# Generation -----------------------------------------------------------------------------------------------
#
# Instants are whole minutes since the Unix epoch (UTC); N is the data's "now". Each order's story is
# played to N; each deadline's flags are those the scans running every minute up to P = N - gap left.


class _Clock:
    def __init__(self):
        self.text: dict[int, str] = {}

    def __call__(self, minute: int | None) -> str | None:
        if minute is None:
            return None
        text = self.text.get(minute)
        if text is None:
            moment = dt.datetime.fromtimestamp(minute * 60, dt.UTC)
            text = self.text[minute] = moment.strftime("%Y-%m-%d %H:%M:00+00")
        return text


def _copy(table: str, columns: list[str], rows: list[tuple]) -> None:
    from django.db import connection

    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join("\\N" if v is None else str(v) for v in row))
        buffer.write("\n")
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)


def _bench_policies():
    """Two inactive policies in calendar time (never chosen for a new dispatch; referenced by the rows)."""
    from care.models import SlaPolicy

    common = {
        "active": False,
        "accept_clock": "always",
        "first_contact_clock": "always",
        "completion_clock": "always",
        "pause_statuses": ["waiting_for_parts"],
    }
    normal, _created = SlaPolicy.objects.get_or_create(
        name="bench: 24-hour hotline",
        defaults={
            **common,
            "accept_minutes": 120,
            "first_contact_minutes": 240,
            "on_site_grace_minutes": 15,
            "completion_minutes": 3 * 1440,
        },
    )
    urgent, _created = SlaPolicy.objects.get_or_create(
        name="bench: 24-hour hotline, urgent",
        defaults={
            **common,
            "priority": "urgent",
            "accept_minutes": 30,
            "first_contact_minutes": 60,
            "on_site_grace_minutes": 15,
            "completion_minutes": 2 * 1440,
            "escalate_supervisor_minutes": 30,
            "escalate_manager_minutes": 120,
        },
    )
    return normal, urgent


def _units():
    """The scale units with what their calls need, in unit order."""
    from django.db import connection

    buffer = io.StringIO()
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(
            """COPY (SELECT u.id, c.id, c.name, p.number, a.region_id, a.detail, u.model_id
                 FROM repairs_productunit u
                 JOIN repairs_customer c ON c.id = u.owner_id
                 JOIN repairs_customerphone p ON p.customer_id = c.id AND p.is_primary
                 JOIN repairs_customeraddress a ON a.customer_id = c.id AND a.is_primary
                 WHERE u.serial_number LIKE 'SN%' ORDER BY u.id) TO STDOUT""",
            buffer,
        )
    rows = []
    for line in buffer.getvalue().splitlines():
        unit, customer, name, phone, region, detail, model = line.split("\t")
        rows.append((int(unit), int(customer), name, phone, int(region), detail, int(model)))
    return rows


CALL_COLUMNS = [
    "id", "number", "channel", "caller_name", "caller_phone", "service_address", "symptom_text",
    "customer_request", "service_type", "suggested_service_type", "service_type_reason", "priority",
    "logged_at", "customer_id", "logged_by_id", "service_region_id", "unit_id",
]  # fmt: skip
ORDER_COLUMNS = [
    "id", "number", "call_id", "center_id", "technician_id", "mode", "appointment_start", "appointment_end",
    "status", "status_changed_at", "created_at", "dispatched_at", "dispatched_by_id", "accepted_at",
    "en_route_at", "arrived_at", "repair_started_at", "first_contact_at", "note", "confirmation_code_hash",
    "confirmation_failures", "payment_held", "diagnosis_note",
]  # fmt: skip
DEADLINE_COLUMNS = [
    "id", "stage", "work_order_id", "policy_id", "center_id", "technician_id", "started_at", "due_at",
    "warn_at", "working_time", "paused_at", "remaining_seconds", "stopped_at", "stop_reason", "warned_at",
    "breached_at", "escalation_level", "next_escalation_at",
]  # fmt: skip
CALLBACK_COLUMNS = [
    "id", "call_id", "work_order_id", "center_id", "technician_id", "reason", "status", "due_at",
    "attempts", "satisfaction", "solved", "customer_words", "reached_at", "review", "review_note",
    "done_at", "done_by_id", "created_at",
]  # fmt: skip
COMPLAINT_COLUMNS = [
    "id", "number", "call_id", "work_order_id", "center_id", "technician_id", "category", "description",
    "status", "received_at", "received_by_id", "reply_due_at", "resolve_due_at", "replied_at", "reply",
    "resolved_at", "resolution", "upheld", "handled_by_id",
]  # fmt: skip


class _Stories:
    """Each call's order and deadlines, played to N, flags as of P = N - gap."""

    def __init__(self, *, now: int, gap: int, plan, normal, urgent, clock: _Clock):
        self.n, self.p, self.plan, self.at = now, now - gap, plan, clock
        self.policies = {
            False: (normal.pk, normal.escalate_supervisor_minutes, normal.escalate_manager_minutes),
            True: (urgent.pk, urgent.escalate_supervisor_minutes, urgent.escalate_manager_minutes),
        }
        self.minutes = {
            False: (normal.accept_minutes, normal.first_contact_minutes, normal.completion_minutes),
            True: (urgent.accept_minutes, urgent.first_contact_minutes, urgent.completion_minutes),
        }
        self.grace, self.warn = normal.on_site_grace_minutes, normal.warn_before_minutes
        self.deadlines: list[tuple] = []
        self.escalations: list[tuple] = []
        self.counts = {"met_on_time": 0, "met_late": 0, "running": 0, "paused": 0, "breached_running": 0}

    def deadline(self, *, pk, stage, order, urgent, center, tech, start, due, met, paused=None):
        """One deadline row; met is the minute it was met (None: not yet); paused the minute the clock
        stopped (the completion of an order waiting for parts)."""
        at, p = self.at, self.p
        policy, to_supervisor, to_manager = self.policies[urgent]
        warn_at = due - self.warn
        met = met if met is not None and met <= self.n else None
        running_at = p if met is None else min(p, met)  # the last instant a scan saw it running
        if paused is not None:
            running_at = min(running_at, paused)
        warned = warn_at if warn_at <= running_at and warn_at < due else None
        breached = due if due <= running_at else None
        level, following = 0, None
        if breached is not None:
            for number, when in enumerate((due, due + to_supervisor, due + to_manager), start=1):
                if when <= running_at:
                    level = number
                    self.escalations.append((pk, number, at(when)))
                elif following is None:
                    following = when
        if met is not None:
            following = None
            self.counts["met_on_time" if met <= due else "met_late"] += 1
        elif paused is not None:
            self.counts["paused"] += 1
        else:
            self.counts["running"] += 1
            if breached is not None:
                self.counts["breached_running"] += 1
        self.deadlines.append(
            (
                pk,
                stage,
                order,
                policy,
                center,
                tech,
                at(start),
                at(due),
                at(warn_at),
                "f",
                at(paused),
                (due - paused) * 60 if paused is not None else None,
                at(met),
                "met" if met is not None else "",
                at(warned),
                at(breached),
                level,
                at(following),
            )
        )

    def order(self, rng, *, order_pk, call_pk, deadline_pk, dispatched, waiting, urgent, on_site, post, tech):
        """The order's row; appends its deadlines. Returns (row, next deadline pk)."""
        rand, at, n = rng.random, self.at, self.n
        accept_min, contact_min, completion_min = self.minutes[urgent]
        d = dispatched
        # The appointment: 1–26 hours after the dispatch, inside 8:00–18:00 China time, on 10 minutes.
        start = d + 60 + int(rand() * 1500)
        local = (start + 480) % 1440
        if local < 480 or local >= 1080:
            start += (480 - local) % 1440 + int(rand() * 600)
        start -= start % 10
        stall = 1.0 if waiting else rand()  # a few stop where they are: never accepted, contacted, visited
        due_accept = d + accept_min
        accepted = None if stall < 0.004 else _met(rand, d, due_accept)
        due_contact = d + contact_min
        contacted = None
        if accepted is not None and stall >= 0.01:
            contacted = max(accepted + 1, _met(rand, d, due_contact))
        due_visit = start + self.grace
        arrived = en_route = repair = None
        if on_site and accepted is not None and stall >= 0.02:
            late = rand() < 0.25
            arrived = start + (16 + int(rand() * 105) if late else int(rand() * 25) - 10)
            arrived = max(arrived, accepted + 30)
            en_route = arrived - 10 - int(rand() * 30)
            repair = arrived + 15 + int(rand() * 15)
        elif not on_site and accepted is not None and stall >= 0.02:
            repair = start + 30 + int(rand() * 570)  # taken in at the centre at the appointment
        waiting_from = None
        if waiting:
            # Every stage before the repair was played; parts ordered 20–60 minutes into it.
            waiting_from = repair + 20 + int(rand() * 40)
        stamps = [
            ("dispatched", d),
            ("accepted", accepted),
            ("en_route", en_route),
            ("on_site", arrived),
            ("in_repair", repair),
            ("waiting_for_parts", waiting_from),
        ]
        status, changed = "dispatched", d
        for name, minute in stamps:
            if minute is not None and minute <= n:
                status, changed = name, minute
        center = post.center

        def seen(minute):
            return minute if minute is not None and minute <= n else None

        pk = deadline_pk
        # As care.deadlines does: a stage is met by its own stamp or by any later step, whichever came first.
        later = [m for m in (seen(en_route), seen(arrived), seen(repair)) if m is not None]
        first_contact = min([m for m in (seen(contacted),) if m is not None] + later, default=None)
        accept_met = min([m for m in (seen(accepted),) if m is not None] + later, default=None)
        self.deadline(
            pk=pk, stage="accept", order=order_pk, urgent=urgent, center=center, tech=tech,
            start=d, due=due_accept, met=accept_met,
        )  # fmt: skip
        self.deadline(
            pk=pk + 1, stage="first_contact", order=order_pk, urgent=urgent, center=center, tech=tech,
            start=d, due=due_contact, met=first_contact,
        )  # fmt: skip
        pk += 2
        if on_site:
            self.deadline(
                pk=pk, stage="on_site", order=order_pk, urgent=urgent, center=center, tech=tech,
                start=d, due=due_visit, met=seen(arrived),
            )  # fmt: skip
            pk += 1
        # The clock stops while waiting for parts, unless the completion was breached before: then it runs.
        paused = seen(waiting_from)
        if paused is not None and paused >= d + completion_min:
            paused = None
        self.deadline(
            pk=pk, stage="completion", order=order_pk, urgent=urgent, center=center, tech=tech,
            start=d, due=d + completion_min, met=None, paused=paused,
        )  # fmt: skip
        pk += 1
        row = (
            order_pk,
            f"PGC{order_pk:09d}",
            call_pk,
            center,
            tech,
            "on_site" if on_site else "carry_in",
            at(start),
            at(start + 120),
            status,
            at(changed),
            at(d),
            at(d),
            self.plan.dispatcher,
            at(seen(accepted)),
            at(seen(en_route)),
            at(seen(arrived)),
            at(seen(repair)),
            at(seen(contacted)),
            "",
            "",
            0,
            "f",
        )
        return row, pk


def _met(rand, start: int, due: int) -> int:
    """When a stage is met: on time 92 % (anywhere in its window), late 8 % (up to three hours)."""
    if rand() < 0.92:
        return start + 1 + int(rand() * max(due - start - 1, 1))
    return due + 1 + int(rand() * 180)


def _reserve(table: str, count: int) -> int:
    from demo.scale import _reserve_ids

    return _reserve_ids(table, count)


def generate(*, gap: int, units: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.utils import timezone

    from demo.scale import CUSTOMER_TABLES, _bulk_load, _ScalePlan, _seed_customers

    started = time.monotonic()
    real_now = timezone.now()
    now = int(real_now.timestamp()) // 60  # N, on the minute
    clock = _Clock()

    def log(text):
        print(f"[{time.monotonic() - started:5.0f} s] {text}", flush=True)

    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {META} (generated_at timestamptz NOT NULL, now timestamptz NOT NULL,"
            " gap integer NOT NULL, made jsonb NOT NULL, complete boolean NOT NULL DEFAULT false)"
        )
        cursor.execute(f"DELETE FROM {META}")
        cursor.execute(f"DROP TABLE IF EXISTS {RESET}")
    _seed_customers(target=units, today=timezone.localdate(real_now), log=log)
    normal, urgent = _bench_policies()
    plan = _ScalePlan.load(timezone.localtime(real_now))
    unit_rows = _units()
    log(f"{len(unit_rows)} units read")
    users = get_user_model().objects
    manager = users.get(username="manager").pk
    dispatcher = plan.dispatcher

    rng = random.Random(2026_11)
    # The calls: one per unit, a second one for a unit in REPEAT_EVERY; dispatch instants for each.
    calls = []  # (unit row, dispatched minute, waiting for parts)
    for i, unit in enumerate(unit_rows):
        waiting = rng.random() < 0.3
        age = 3 * 1440 + int(rng.random() * 18 * 1440) if waiting else int(rng.random() * (3 * 1440 + 10))
        calls.append((unit, now - age, waiting))
        if i % REPEAT_EVERY == 7:
            # Called again 1–25 days after the first call, or 1–25 days before it.
            shift = (1 + int(rng.random() * 25)) * 1440 + int(rng.random() * 600)
            other = now - age + shift if age > shift + 60 else now - age - shift
            if other < now - 21 * 1440:
                other = now - age + 60 + int(rng.random() * max(age - 120, 1))
            again = now - other > 3 * 1440 + 10
            calls.append((unit, other, again))
    calls.sort(key=lambda c: c[1])  # numbers and ids in the order the calls came in
    total = len(calls)
    log(f"{total} calls planned")

    stories = _Stories(now=now, gap=gap, plan=plan, normal=normal, urgent=urgent, clock=clock)
    tables = ("repairs_repaircall", "repairs_workorder", "care_deadline", "care_escalation")
    with transaction.atomic():
        call0 = _reserve("repairs_repaircall", total)
        order0 = _reserve("repairs_workorder", total)
        deadline0 = _reserve("care_deadline", total * 4)
        next_deadline = deadline0
        escalation_pk = _reserve("care_escalation", total)  # far more than needed; ids are cheap
        orders_meta = []  # per order: (call pk, center, tech, dispatched) for callbacks and complaints
        with _bulk_load(tables, total):
            for chunk_start in range(0, total, CHUNK):
                call_rows, order_rows = [], []
                for position in range(chunk_start, min(total, chunk_start + CHUNK)):
                    (unit, customer, name, phone, region, detail, model), dispatched, waiting = calls[
                        position
                    ]
                    rand = rng.random
                    call_pk, order_pk = call0 + position, order0 + position
                    category, _imei = plan.categories[model]
                    posts = plan.posts.get((region, category)) or plan.everywhere
                    post = posts[int(rand() * len(posts))]
                    tech = post.technicians[int(rand() * len(post.technicians))] if post.technicians else None
                    is_urgent = rand() < 0.03
                    roll = rand()
                    service_type = "A" if roll < 0.15 else "B" if roll < 0.2 else "C"
                    logged = dispatched - 5 - int(rand() * 115)
                    call_rows.append(
                        (
                            call_pk, f"BXC{call_pk:09d}", "hotline", name, phone, detail, "", "repair",
                            service_type, service_type, "", "urgent" if is_urgent else "normal",
                            clock(logged), customer, dispatcher, region, unit,
                        )
                    )  # fmt: skip
                    row, next_deadline = stories.order(
                        rng,
                        order_pk=order_pk,
                        call_pk=call_pk,
                        deadline_pk=next_deadline,
                        dispatched=dispatched,
                        waiting=waiting,
                        urgent=is_urgent,
                        on_site=rand() < 0.85,
                        post=post,
                        tech=tech,
                    )
                    order_rows.append((*row, ""))  # no diagnosis recorded
                    orders_meta.append((call_pk, order_pk, post.center, tech, dispatched))
                _copy("repairs_repaircall", CALL_COLUMNS, call_rows)
                _copy("repairs_workorder", ORDER_COLUMNS, order_rows)
                _copy("care_deadline", DEADLINE_COLUMNS, stories.deadlines)
                escalations = [(escalation_pk + k, *e) for k, e in enumerate(stories.escalations)]
                escalation_pk += len(escalations)
                _copy("care_escalation", ["id", "deadline_id", "level", "created_at"], escalations)
                stories.deadlines.clear()
                stories.escalations.clear()
                log(f"{min(total, chunk_start + CHUNK)}/{total} calls with orders and deadlines")
            log("rebuilding the indexes and keys of calls, orders, deadlines and escalations")
        made_deadlines = next_deadline - deadline0
        callbacks, complaints = _callbacks_and_complaints(
            rng,
            orders_meta,
            now=now,
            clock=clock,
            manager=manager,
            dispatcher=dispatcher,
            callbacks=CALLBACKS * units // UNITS,
            complaints=COMPLAINTS * units // UNITS,
        )
        log(f"{callbacks} callbacks, {complaints} complaints")
        with connection.cursor() as cursor:
            for table in ("care_deadline", "care_escalation"):
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                )
    log("VACUUM ANALYZE")
    conn = _connect(DB_URL)
    with conn.cursor() as cursor:
        for table in (
            *CUSTOMER_TABLES,
            "repairs_repaircall",
            "repairs_workorder",
            "care_deadline",
            "care_escalation",
            "care_callback",
            "care_complaint",
        ):
            cursor.execute(f"VACUUM (ANALYZE) {table}")
    conn.close()
    made = {
        "customers_with_units": units,
        "repair_calls": total,
        "open_work_orders": total,
        "deadlines": made_deadlines,
        "deadline_states": stories.counts,
        "callbacks": callbacks,
        "complaints": complaints,
        "seconds": round(time.monotonic() - started),
    }
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {META} (generated_at, now, gap, made, complete) VALUES (%s, %s, %s, %s, true)",
            [real_now, dt.datetime.fromtimestamp(now * 60, dt.UTC), gap, json.dumps(made)],
        )
    log(f"generated: {json.dumps(made)}")
    return made


def _callbacks_and_complaints(
    rng, orders, *, now, clock, manager, dispatcher, callbacks: int, complaints: int
) -> tuple[int, int]:
    """Callbacks on a quarter of the orders' calls over the last 60 days, complaints on 2 % of them."""
    from demo.scale import _bulk_load

    rand = rng.random
    picked = rng.sample(orders, callbacks + complaints)
    callback0 = _reserve("care_callback", callbacks)
    rows = []
    for k, (call, order, center, tech, _dispatched) in enumerate(picked[:callbacks]):
        due = now - int(rand() * 60 * 1440)
        roll = rand()
        status, satisfaction, solved, reached, done, attempts = "done", None, None, None, None, 1
        if roll < 0.08 and due > now - 3 * 1440:
            status, attempts = "pending", 0
            due = now - int(rand() * 3 * 1440) if rand() < 0.7 else now + int(rand() * 1440)
        elif roll < 0.16:
            status, attempts, done = "unreachable", 3, min(due + 2 * 1440, now)
        else:
            reached = min(due + int(rand() * 1440), now)
            satisfaction = rng.choices((1, 2, 3, 4, 5), weights=(3, 4, 10, 33, 50))[0]
            solved = "t" if satisfaction >= 3 or rand() < 0.3 else "f"
            if roll < 0.2:
                status = "reached"
            else:
                done = reached + 5 + int(rand() * 600)
                done = min(done, now)
        rows.append(
            (
                callback0 + k, call, order, center, tech, "work_order_closed", status, clock(due), attempts,
                satisfaction, solved, "", clock(reached), "close" if status == "done" and reached else "", "",
                clock(done), manager if done else None, clock(due - 1440),
            )
        )  # fmt: skip
    complaint0 = _reserve("care_complaint", complaints)
    categories = ("attitude", "late", "quality", "charges", "parts", "other")
    complaint_rows = []
    for k, (call, order, center, tech, _dispatched) in enumerate(picked[callbacks:]):
        received = now - int(rand() * 60 * 1440)
        roll = rand()
        replied = resolved = upheld = handled = None
        status = "open"
        if roll < 0.85:
            replied = min(received + 30 + int(rand() * 1500), now)
            status, handled = "replied", dispatcher
        if roll < 0.6:
            resolved = min(replied + int(rand() * 10 * 1440), now)
            status, upheld, handled = "resolved", "t" if rand() < 0.4 else "f", manager
        complaint_rows.append(
            (
                complaint0 + k, f"TSC{complaint0 + k:09d}", call, order, center, tech, categories[k % 6],
                "客户来电投诉（基准数据）", status, clock(received), dispatcher, clock(received + 1440),
                clock(received + 30 * 1440), clock(replied), "已回复" if replied else "", clock(resolved),
                "已处理" if resolved else "", upheld, handled,
            )
        )  # fmt: skip
    with _bulk_load(("care_callback", "care_complaint"), len(rows)):
        _copy("care_callback", CALLBACK_COLUMNS, rows)
        _copy("care_complaint", COMPLAINT_COLUMNS, complaint_rows)
    return len(rows), len(complaint_rows)


# (a) The scan ---------------------------------------------------------------------------------------------


def measure_scan(now: dt.datetime) -> dict:
    from unittest import mock

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from care import tasks
    from care.services import sla_scan

    with connection.cursor() as cursor:
        # The deadlines a scan at N touches, as the generation left them (made once: a snapshot taken from
        # a state a broken-off run left behind would make that state the fresh one).
        cursor.execute(
            f"""CREATE TABLE IF NOT EXISTS {RESET} AS
                SELECT id, warned_at, breached_at, escalation_level, next_escalation_at FROM care_deadline
                WHERE (stopped_at IS NULL AND paused_at IS NULL AND warned_at IS NULL AND warn_at <= %(now)s)
                   OR (stopped_at IS NULL AND paused_at IS NULL AND breached_at IS NULL AND due_at <= %(now)s)
                   OR (stopped_at IS NULL AND next_escalation_at IS NOT NULL AND next_escalation_at <= %(now)s)""",
            {"now": now},
        )
        cursor.execute(f"SELECT count(*) FROM {RESET}")
        (touched,) = cursor.fetchone()

    def reset():
        with connection.cursor() as cursor:
            cursor.execute(
                f"""UPDATE care_deadline d SET warned_at = r.warned_at, breached_at = r.breached_at,
                           escalation_level = r.escalation_level, next_escalation_at = r.next_escalation_at
                    FROM {RESET} r WHERE d.id = r.id"""
            )
            # Everything a scan writes is stamped with its `now` (the measured runs' and the second one's).
            for table in ("care_notification", "care_escalation"):
                cursor.execute(f"DELETE FROM {table} WHERE created_at IN (%s, %s)", [now, second_at])

    second_at = now + dt.timedelta(seconds=1)
    emails = []
    runs = []
    reset()  # a run broken off earlier leaves nothing behind
    before = _scan_state(connection)
    with mock.patch.object(
        tasks.notifications_email, "delay", side_effect=lambda ids: emails.append(len(ids))
    ):
        for _ in range(3):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                counts = sla_scan(now=now)
                elapsed = (time.perf_counter() - started) * 1000
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM care_notification WHERE created_at = %s", [now])
                (notes,) = cursor.fetchone()
            queries = list(captured.captured_queries)
            slowest = max(queries, key=lambda q: float(q["time"]))
            runs.append(
                {
                    "ms": round(elapsed, 1),
                    "counts": counts,
                    "notifications": notes,
                    "queries": len(queries),
                    "sql_ms": round(sum(float(q["time"]) for q in queries) * 1000, 1),
                    "slowest_query_ms": round(float(slowest["time"]) * 1000, 1),
                    "slowest_sql": slowest["sql"],
                }
            )
            print(
                f"scan: {elapsed:7.1f} ms  {counts}  {notes} notifications, {len(queries)} queries"
                f" ({runs[-1]['sql_ms']} ms in SQL)",
                flush=True,
            )
            if len(runs) < 3:
                reset()
        # Right after the third run: nothing new.
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            second = sla_scan(now=second_at)
            second_ms = (time.perf_counter() - started) * 1000
        second_queries = len(captured.captured_queries)
        print(
            f"second scan (nothing new): {second_ms:.1f} ms  {second}  {second_queries} queries", flush=True
        )
    reset()
    restored = _scan_state(connection) == before
    if not restored:
        print("WARNING: the deadlines were not put back as they were before the scans", flush=True)
    median = statistics.median(r["ms"] for r in runs)
    result = {
        "now": now.isoformat(),
        "rows_to_touch": touched,
        "state_restored": restored,
        "runs": runs,
        "median_ms": round(median, 1),
        "target_ms": SCAN_TARGET_MS,
        "over_target": median >= SCAN_TARGET_MS,
        "email_tasks_scheduled_per_run": len(emails) // 3 if emails else 0,
        "second_scan": {"ms": round(second_ms, 1), "counts": second, "queries": second_queries},
    }
    if result["over_target"]:
        result["explain"] = _explain(connection, runs[len(runs) // 2]["slowest_sql"])
        result["profile"] = _profile_scan(sla_scan, now, reset)
        print("\nthe scan over its target, where the time goes (cProfile, cumulative):")
        print("\n".join(result["profile"]))
    return result


def _profile_scan(sla_scan, now, reset) -> list[str]:
    """One more scan on the fresh state under cProfile: the care and ORM functions taking the most time."""
    import cProfile
    import pstats
    from unittest import mock

    from care import tasks

    profile = cProfile.Profile()
    with mock.patch.object(tasks.notifications_email, "delay"):
        profile.enable()
        sla_scan(now=now)
        profile.disable()
    reset()
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out).sort_stats("cumulative")
    stats.print_stats(r"care/services|django/db/models/(query|base)\.py|psycopg2", 14)
    lines = [line.rstrip() for line in out.getvalue().splitlines() if line.strip()]
    start = next((i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls")), 0)
    return [line.replace(str(ROOT) + "/", "") for line in lines[start:]]


def _scan_state(connection) -> str:
    """A digest of what a scan changes on the running deadlines."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT md5(string_agg(concat_ws('|', id, warned_at, breached_at, escalation_level,"
            " next_escalation_at), ',' ORDER BY id)) FROM care_deadline WHERE stopped_at IS NULL"
        )
        return cursor.fetchone()[0]


# (b) The dashboard ----------------------------------------------------------------------------------------


def measure_dashboard(requests: int) -> dict:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django.urls import NoReverseMatch, reverse
    from django.utils import timezone

    from care import dashboard

    setup_test_environment()
    override_settings(
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
    ).enable()
    result: dict = {}
    # Each figure on its own (the selectors, without the page around them).
    now = timezone.now()
    parts = {
        "open_work_orders": dashboard.open_work_orders,
        "sla_compliance": lambda: dashboard.sla_compliance(now=now),
        "breaches_now": dashboard.breaches_now,
        "callbacks_due": lambda: dashboard.callbacks_due(now=now),
        "satisfaction_by_center": lambda: dashboard.satisfaction_by_center(now=now),
        "repeat_repairs": lambda: dashboard.repeat_repairs(now=now),
        "upheld_complaints": lambda: dashboard.upheld_complaints(now=now),
        "slow_figures (the cached four)": lambda: dashboard.slow_figures(now=now),
    }
    result["selectors_ms"] = {}
    for name, part in parts.items():
        part()
        timings = []
        for _ in range(5):
            started = time.perf_counter()
            part()
            timings.append((time.perf_counter() - started) * 1000)
        result["selectors_ms"][name] = round(statistics.median(timings), 1)
    figures = dashboard.manager_dashboard(cached=False)
    result["figures"] = {
        "open_orders": figures["open_orders"]["total"],
        "open_by_status": {s["status"]: s["n"] for s in figures["open_orders"]["by_status"]},
        "provinces": len(figures["open_orders"]["by_province"]),
        "compliance": {
            s["stage"]: {
                "this_week": [s["this"].on_time, s["this"].settled],
                "last_week": [s["last"].on_time, s["last"].settled],
            }
            for s in figures["compliance"]["stages"]
        },
        "breaches_now": figures["breaches"]["total"],
        "callbacks": figures["callbacks"],
        "satisfaction_centres": len(figures["satisfaction"]),
        "repeats": figures["repeats"],
        "upheld_complaints": figures["complaints"]["total"],
    }
    print("selectors (median of 5, ms): " + ", ".join(f"{k} {v}" for k, v in result["selectors_ms"].items()))
    print(f"figures: {json.dumps(result['figures'], ensure_ascii=False, default=str)}")

    try:
        url = reverse("care:dashboard")
    except NoReverseMatch:
        print("the route care:dashboard is not registered yet: the page is not measured")
        result["page"] = None
        return result
    client = Client()
    client.force_login(get_user_model().objects.get(username="manager"))
    client.get(url)  # templates, translations, the session

    def one(*, cold: bool) -> tuple[float, list, object]:
        if cold:
            cache.delete(dashboard._cache_key())
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            elapsed = (time.perf_counter() - started) * 1000
        return elapsed, list(captured.captured_queries), response

    # Cold: the slow figures counted on the request (what the first manager after CACHE_SECONDS waits).
    cold = [one(cold=True) for _ in range(3)]
    cold_ms = statistics.median(t for t, _q, _r in cold)
    cold_queries = cold[-1][1]
    cold_slowest = max(cold_queries, key=lambda q: float(q["time"]))
    result["page_cold"] = {
        "requests": len(cold),
        "median_ms": round(cold_ms, 1),
        "queries": len(cold_queries),
        "sql_ms": round(sum(float(q["time"]) for q in cold_queries) * 1000, 1),
        "slowest_query_ms": round(float(cold_slowest["time"]) * 1000, 1),
        "slowest_sql": cold_slowest["sql"],
    }
    print(
        f"dashboard, slow figures counted on the request (cache emptied; median of {len(cold)}):"
        f" {cold_ms:.1f} ms, {len(cold_queries)} queries ({result['page_cold']['sql_ms']} ms in SQL)",
        flush=True,
    )
    # Warm: the page as managers get it within CACHE_SECONDS of the last count.
    for _ in range(WARM_UP):
        one(cold=False)
    _t, queries, response = one(cold=False)
    slowest = max(queries, key=lambda q: float(q["time"]))
    timings = sorted(one(cold=False)[0] for _ in range(requests))
    median = statistics.median(timings)
    page = {
        "url": url,
        "status": response.status_code,
        "bytes": len(response.content),
        "requests": requests,
        "median_ms": round(median, 1),
        "p95_ms": round(timings[max(0, int(len(timings) * 0.95) - 1)], 1),
        "queries": len(queries),
        "sql_ms": round(sum(float(q["time"]) for q in queries) * 1000, 1),
        "slowest_query_ms": round(float(slowest["time"]) * 1000, 1),
        "slowest_sql": slowest["sql"],
        "target_ms": DASHBOARD_TARGET_MS,
        "over_target": median >= DASHBOARD_TARGET_MS,
    }
    print(
        f"dashboard (slow figures from the cache): median {page['median_ms']} ms, p95 {page['p95_ms']} ms,"
        f" {page['queries']} queries ({page['sql_ms']} ms in SQL), HTTP {page['status']},"
        f" {page['bytes'] / 1024:.1f} KB" + ("  OVER" if page["over_target"] else "")
    )
    if page["over_target"]:
        page["explain"] = _explain(connection, page["slowest_sql"])
    result["page"] = page
    return result


def _explain(connection, sql: str) -> list[str]:
    """EXPLAIN ANALYZE runs the statement: in a transaction rolled back, for the scan's UPDATEs."""
    from django.db import transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        lines = [line for (line,) in cursor.fetchall()]
        transaction.set_rollback(True)
    return lines


def _sizes(connection) -> dict:
    sizes = {}
    with connection.cursor() as cursor:
        for table in (
            "repairs_customer",
            "repairs_productunit",
            "repairs_repaircall",
            "repairs_workorder",
            "care_deadline",
            "care_escalation",
            "care_callback",
            "care_complaint",
        ):
            cursor.execute(f"SELECT count(*), pg_size_pretty(pg_total_relation_size('{table}')) FROM {table}")
            rows, size = cursor.fetchone()
            sizes[table] = {"rows": rows, "size": size}
        cursor.execute(
            "SELECT count(*) FROM repairs_workorder WHERE status IN"
            " ('new', 'dispatched', 'accepted', 'en_route', 'on_site', 'in_repair', 'waiting_for_parts')"
        )
        sizes["open_work_orders"] = cursor.fetchone()[0]
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        sizes["database"] = cursor.fetchone()[0]
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
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


if __name__ == "__main__":
    main()
