"""Generating 1,000,000 open work orders with their deadlines, callbacks and complaints (COPY)."""

from __future__ import annotations

import datetime as dt
import io
import json
import random
import time

from ..config import CALLBACKS, CHUNK, COMPLAINTS, DB_URL, META, REPEAT_EVERY, RESET, UNITS
from .database import _connect

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
