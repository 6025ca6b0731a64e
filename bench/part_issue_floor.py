"""The floor of a part issue: the SQL statements `inventory.services.part_issue` runs for one issue, replayed
through psycopg2 with nothing around them — no ORM, no model instances, no Django transaction handling.

The statements are the service's own: at start one issue of each kind (a returnable part or not, on free
service or not) runs through the service under `connection.execute_wrapper`, and its statements, in their
order and with their exact text, become the floor's plan for that kind of issue. The floor then fills each
statement's parameters itself (what the service computes in Python: the moving-average value, the tag's
number and due day, the credit freed), reading what it needs from the rows the statements return, and
checks that its parameters have the service's count and types. Same locks in the same order, one
transaction per issue (psycopg2 sends BEGIN before the first statement, as under Django's atomic()), the
same worker processes each on its own connection, the same (work order, part) tasks.

A statement the floor cannot fill (the service changed) stops the bench with its text, rather than
measuring something else. bench/inventory_bench.py (c) runs the floor in turns with the service.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import re
import statistics
import time
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

CENT = Decimal("0.01")
CHINA = ZoneInfo("Asia/Shanghai")

# Each statement's role, by what its text says (the first that matches).
ROLES = [
    ("key_lock", re.compile(r"pg_advisory_xact_lock")),
    ("replay", re.compile(r'FROM "?inventory_stockmovement"? WHERE .*idempotency_key')),
    ("order_lock", re.compile(r'FROM "?repairs_workorder"?.* FOR NO KEY UPDATE')),
    ("fits", re.compile(r'FROM "?inventory_part"? .*compatible_models')),
    ("warehouse", re.compile(r'FROM "?inventory_warehouse"?')),
    ("level_insert", re.compile(r'^INSERT INTO "?inventory_stocklevel"?')),
    ("level_lock", re.compile(r'FROM "?inventory_stocklevel"?.* FOR UPDATE')),
    ("movement", re.compile(r'^INSERT INTO "?inventory_stockmovement"?')),
    ("level_update", re.compile(r'^UPDATE "?inventory_stocklevel"?')),
    ("number", re.compile(r"INSERT INTO aftersales_dailysequence")),
    ("tag", re.compile(r'^INSERT INTO "?inventory_defectivereturn"?')),
    ("account_lock", re.compile(r'FROM "?inventory_depositaccount"?.* FOR NO KEY UPDATE')),
    ("account_get", re.compile(r'^SELECT .* FROM "?inventory_depositaccount"?')),
    ("account_update", re.compile(r'^UPDATE "?inventory_depositaccount"?')),
    ("credit", re.compile(r'^INSERT INTO "?inventory_creditentry"?')),
]


# Statements whose parameters are keys only: for the same task the floor's must equal the service's (the
# plan was captured on the first task of each kind, the check runs the floor on that task again).
SAME_VALUES = {"order_lock", "fits", "warehouse", "level_lock", "account_get", "account_lock", "number"}


def _role(sql: str) -> str:
    text = " ".join(sql.split())
    for name, pattern in ROLES:
        if pattern.search(text):
            return name
    raise SystemExit(f"part_issue_floor: no floor for this statement of part_issue:\n{sql}")


def _money(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def _select_columns(sql: str) -> list[str]:
    """The select list of a SELECT, one entry per column ("table"."column")."""
    listed = sql.split("SELECT ", 1)[1].split(" FROM ", 1)[0]
    return [c.strip() for c in listed.split(", ")]


def _insert_columns(sql: str) -> list[str]:
    listed = sql.split("(", 1)[1].split(") VALUES", 1)[0]
    return [c.strip().strip('"') for c in listed.split(",")]


class Plan:
    """One kind of issue: its statements (role, text) in the service's order, with what reading them
    needs (the result columns of the row-returning ones, the column lists of the inserts)."""

    def __init__(self, statements: list[tuple[str, object]]):
        self.steps = [(_role(sql), sql) for sql, _params in statements]
        self.service_params = [params for _sql, params in statements]
        self.columns = {}
        for role, sql in self.steps:
            if sql.lstrip().upper().startswith("SELECT"):
                self.columns[role] = {c: i for i, c in enumerate(_select_columns(sql))}
            elif role in ("level_insert", "movement", "tag", "credit"):
                self.columns[role] = _insert_columns(sql)

    def sql(self, role: str) -> str:
        return next(sql for r, sql in self.steps if r == role)

    def at(self, role: str, column: str) -> int:
        """Where "table.column" is in the role's result: written "table"."column" (the ORM), alias.column
        (an alias the statement gives the table) or bare."""
        table, name = column.split(".")
        aliases = {a: t for t, a in re.findall(r'(?:FROM|JOIN) "?(\w+)"? (\w+)', self.sql(role))}
        for written, index in self.columns[role].items():
            qualifier, _dot, bare = written.replace('"', "").rpartition(".")
            if bare == name and qualifier in ("", table) or aliases.get(qualifier) == table and bare == name:
                return index
        raise SystemExit(f"part_issue_floor: {role} does not read {column}")


def capture_plans(tasks, parts, orders, user) -> dict:
    """Runs one issue of each kind among `tasks` through the service and keeps its statements."""
    # Imported here: this module's workers run without Django.
    from django.db import connection

    from inventory import services

    plans = {}
    for order_pk, part_pk in tasks:
        part, order = parts[part_pk], orders[order_pk]
        kind = _kind(part, order.call.service_type)
        if kind in plans:
            continue
        statements = []

        def record(execute, sql, params, many, context, statements=statements):
            statements.append((sql, tuple(params or ())))
            return execute(sql, params, many, context)

        with connection.execute_wrapper(record):
            services.part_issue(
                work_order=order, part=part, acting_user=user, idempotency_key=f"floor:plan:{time.time()}"
            )
        plans[kind] = Plan(statements)
    return plans


def _kind(part, service_type: str) -> tuple[bool, bool]:
    """(a defective-return tag, credit freed): what decides which statements an issue runs."""
    return bool(part.return_required), service_type == "C" and not part.reimbursed_at_cost


def task_facts(tasks, parts, orders) -> dict:
    """What the workers hold in memory, as the service's workers hold the Part and WorkOrder objects."""
    return {
        (o, p): {
            "kind": _kind(parts[p], orders[o].call.service_type),
            "return_within_days": parts[p].return_within_days,
        }
        for o, p in tasks
    }


def floor_issue(cursor, plan: Plan, order_pk: int, part_pk: int, facts: dict, user_pk: int, key: str) -> list:
    """One issue: the plan's statements with the floor's parameters. Returns the parameters it sent."""
    now = dt.datetime.now(dt.UTC)
    state: dict = {}
    sent = []
    for role, sql in plan.steps:
        params = _params(role, plan, state, order_pk, part_pk, facts, user_pk, key, now)
        if params is None:  # nothing to do (a zero amount of credit), as the service does
            continue
        cursor.execute(sql, params)
        sent.append(params)
        if cursor.description is not None:
            state[role] = cursor.fetchone()
            if role == "replay" and state[role] is not None:
                return sent  # posted before: the service returns the earlier movement
    return sent


def _params(role, plan, state, order_pk, part_pk, facts, user_pk, key, now):  # noqa: C901, PLR0911, PLR0912
    quantity = 1
    if role == "key_lock":
        return [f"inventory:{key}"]
    if role == "replay":
        pattern = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + ":%"
        return (key, pattern)
    if role == "order_lock":
        return (order_pk,)
    order = state.get("order_lock")
    if role == "fits":  # the part, then the model twice (listed for it; of its category)
        model = order[plan.at("order_lock", "repairs_productunit.model_id")]
        return (part_pk, model, model)
    center = order[plan.at("order_lock", "repairs_workorder.center_id")]
    if role == "warehouse":
        return (center,)
    warehouse = state["warehouse"][plan.at("warehouse", "inventory_warehouse.id")]
    if role == "level_insert":
        row = {"warehouse_id": warehouse, "part_id": part_pk, "quantity": 0, "value_amount": Decimal("0.00")}
        return tuple(row.get(c, now) for c in plan.columns[role])
    if role == "level_lock":  # the two keys in the order the statement names them
        where = plan.sql(role).split(" WHERE ", 1)[1]
        first_part = where.index("part_id") < where.index("warehouse_id")
        return (part_pk, warehouse) if first_part else (warehouse, part_pk)
    if role == "movement":
        level = state["level_lock"]
        on_hand = level[plan.at("level_lock", "inventory_stocklevel.quantity")]
        value = level[plan.at("level_lock", "inventory_stocklevel.value_amount")]
        if on_hand < quantity:
            raise ValueError(f"floor: not enough of part {part_pk} in warehouse {warehouse}")
        out = value if on_hand == quantity else _money(value * quantity / on_hand)
        state["out"] = out
        number = order[plan.at("order_lock", "repairs_workorder.number")]
        row = {
            "warehouse_id": warehouse,
            "part_id": part_pk,
            "kind": "issue",
            "quantity": -quantity,
            "unit_cost_amount": _money(out / quantity),
            "value_amount": -out,
            "reference": number,
            "work_order_id": order_pk,
            "part_request_id": None,
            "reason": "",
            "serial_number": "",
            "created_by_id": user_pk,
            "created_at": now,
            "idempotency_key": key,
        }
        return tuple(row[c] for c in plan.columns[role])
    if role == "level_update":
        level_pk = state["level_lock"][plan.at("level_lock", "inventory_stocklevel.id")]
        return (-quantity, -state["out"], now, level_pk)
    if role == "number":
        return ["JJ", now.astimezone(CHINA).date()]
    if role == "tag":
        day = now.astimezone(CHINA).date()
        row = dict.fromkeys(plan.columns[role])
        row.update(
            number=f"JJ{day:%Y%m%d}-{state['number'][0]:05d}",
            center_id=center,
            work_order_id=order_pk,
            part_id=part_pk,
            issue_movement_id=state["movement"][0],
            value_amount=state["out"],
            old_serial="",
            new_serial="",
            due_on=day + dt.timedelta(days=facts["return_within_days"]),
            status="open",
            courier="",
            tracking_number="",
            scrap_reason="",
            outcome="",
            inspection_note="",
            created_at=now,
        )
        return tuple(row[c] for c in plan.columns[role])
    if role in ("account_get", "account_lock"):
        return (center,)
    account = state["account_lock"]
    used = account[plan.at("account_lock", "inventory_depositaccount.credit_used_amount")]
    freed = -min(state["out"], max(used, Decimal("0.00")))
    if not freed:
        return None
    account_pk = account[plan.at("account_lock", "inventory_depositaccount.id")]
    if role == "account_update":
        return (freed, now, account_pk)
    if role == "credit":
        number = order[plan.at("order_lock", "repairs_workorder.number")]
        row = {
            "account_id": account_pk,
            "kind": "consumed",
            "amount": freed,
            "used_after": used + freed,
            "part_request_id": None,
            "work_order_id": order_pk,
            "reference": number,
            "created_by_id": user_pk,
            "created_at": now,
        }
        return tuple(row[c] for c in plan.columns[role])
    raise SystemExit(f"part_issue_floor: no parameters for {role}")


def check_plans(dsn: str, plans: dict, tasks, facts: dict, user_pk: int) -> list[str]:
    """Runs one floor issue of each kind and compares what it sent with what the service sent: the same
    statements, parameters of the same count and types, the same keys where a statement takes keys only.
    Returns the differences (none: the same)."""
    import psycopg2  # noqa: PLC0415 (imported where used: the parent may not need a connection)

    differences = []
    connection = psycopg2.connect(dsn)
    with connection.cursor() as cursor:
        for kind, plan in plans.items():
            order_pk, part_pk = next(t for t in tasks if facts[t]["kind"] == kind)
            sent = floor_issue(
                cursor,
                plan,
                order_pk,
                part_pk,
                facts[(order_pk, part_pk)],
                user_pk,
                f"floor:check:{time.time()}",
            )
            connection.commit()
            if len(sent) != len(plan.service_params):
                differences.append(
                    f"{kind}: {len(sent)} statements, the service ran {len(plan.service_params)}"
                )
            for (role, _sql), ours, theirs in zip(plan.steps, sent, plan.service_params, strict=False):
                ours_t = [type(v).__name__ for v in ours]
                theirs_t = [_base_type(v) for v in theirs]
                if ours_t != theirs_t:
                    differences.append(f"{kind} {role}: parameters {ours_t}, the service's {theirs_t}")
                elif role in SAME_VALUES and tuple(ours) != tuple(theirs):
                    differences.append(f"{kind} {role}: parameters {ours}, the service's {theirs}")
    connection.close()
    return differences


def _base_type(value) -> str:
    """A parameter's type as psycopg2 sends it (Django's choices are str)."""
    return "str" if isinstance(value, str) else type(value).__name__


def _worker(dsn, index, tasks, plans, facts, user_pk, start_at, seconds, results):
    import psycopg2  # noqa: PLC0415 (in the forked process: its own connection)

    connection = psycopg2.connect(dsn)
    cursor = connection.cursor()
    rng = random.Random(index)
    done, errors, latencies = 0, Counter(), []
    while time.time() < start_at:
        time.sleep(0.001)
    deadline = start_at + seconds
    n = 0
    cpu_started = time.process_time()
    while time.time() < deadline:
        order_pk, part_pk = rng.choice(tasks)
        n += 1
        task = facts[(order_pk, part_pk)]
        started = time.perf_counter()
        try:
            floor_issue(
                cursor,
                plans[task["kind"]],
                order_pk,
                part_pk,
                task,
                user_pk,
                f"floor:{os.getpid()}:{start_at}:{n}",
            )
            connection.commit()
            done += 1
        except (psycopg2.Error, ValueError) as exc:
            connection.rollback()
            errors[f"{type(exc).__name__} {str(exc).splitlines()[0][:60]}"] += 1
        latencies.append((time.perf_counter() - started) * 1000)
    cpu = time.process_time() - cpu_started
    connection.close()
    results.put({"worker": index, "done": done, "errors": dict(errors), "latencies": latencies, "cpu": cpu})


def run_floor(dsn, label, task_lists, plans, facts, user_pk, seconds, busy_cpu_seconds) -> dict:
    """The floor from len(task_lists) processes for `seconds`: the same figures as the service's run."""
    import multiprocessing as mp  # noqa: PLC0415 (only the parent forks)

    ctx = mp.get_context("fork")
    results = ctx.Queue()
    start_at = time.time() + 2.0
    procs = [
        ctx.Process(target=_worker, args=(dsn, i, tasks, plans, facts, user_pk, start_at, seconds, results))
        for i, tasks in enumerate(task_lists)
    ]
    for p in procs:
        p.start()
    while time.time() < start_at:
        time.sleep(0.001)
    busy_before = busy_cpu_seconds()
    rows = [results.get() for _ in procs]
    busy = busy_cpu_seconds() - busy_before
    for p in procs:
        p.join()
    done = sum(r["done"] for r in rows)
    errors = Counter()
    for r in rows:
        errors.update(r["errors"])
    latencies = sorted(x for r in rows for x in r["latencies"])
    return {
        "label": label,
        "workers": len(procs),
        "seconds": seconds,
        "issues": done,
        "per_second": done / seconds,
        "errors": dict(errors),
        "lock_errors": sum(
            v for k, v in errors.items() if k.startswith(("Lock", "Deadlock", "Serialization"))
        ),
        "median_ms": statistics.median(latencies) if latencies else None,
        "p95_ms": latencies[int(len(latencies) * 0.95) - 1] if latencies else None,
        "per_worker": [r["done"] for r in sorted(rows, key=lambda r: r["worker"])],
        "python_cpu_ms": sum(r["cpu"] for r in rows) * 1000 / max(done, 1),
        "other_cpu_ms": max(0.0, busy - sum(r["cpu"] for r in rows)) * 1000 / max(done, 1),
        "cpu_busy_share": busy / (seconds * (os.cpu_count() or 1)),
    }
