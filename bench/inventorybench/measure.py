"""(a) a stock-level read, (b) the month-end valuation, (c) part-issue throughput."""

from __future__ import annotations

import datetime as dt
import multiprocessing as mp
import os
import random
import statistics
import time
from collections import Counter

from .config import ISSUE_TARGET_PER_S, LOOKUPS

# --------------------------------------------------------------------------------------------------------
# (a) stock level read
# --------------------------------------------------------------------------------------------------------


def bench_lookup(connection) -> dict:
    from inventory.models import StockLevel

    rng = random.Random(7)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT warehouse_id, part_id FROM inventory_stocklevel TABLESAMPLE SYSTEM (5) REPEATABLE (7) LIMIT 20000"
        )
        keys = cursor.fetchall()
    sample = rng.sample(keys, min(LOOKUPS, len(keys)))
    for w, p in sample[:50]:  # warm-up
        StockLevel.objects.get(warehouse_id=w, part_id=p)
    timings = []
    for w, p in sample:
        started = time.perf_counter()
        StockLevel.objects.get(warehouse_id=w, part_id=p)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    w, p = sample[0]
    query = StockLevel.objects.filter(warehouse_id=w, part_id=p).order_by()  # as get() runs it
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        plan = [line for (line,) in cursor.fetchall()]
    return {
        "n": len(timings),
        "median_ms": statistics.median(timings),
        "p95_ms": timings[int(len(timings) * 0.95) - 1],
        "plan": plan,
    }


# --------------------------------------------------------------------------------------------------------
# (b) month-end valuation
# --------------------------------------------------------------------------------------------------------


def bench_valuation(connection) -> dict:
    from django.utils import timezone

    from inventory import valuation

    today = timezone.localdate()
    last = today.replace(day=1) - dt.timedelta(days=1)  # a day of the last complete month
    mid = (today.replace(day=1) - dt.timedelta(days=170)).replace(day=1)
    results = {}
    for label, day in (("last complete month", last), ("six months back", mid)):
        at = valuation.month_end(day.year, day.month)
        row = {"month": f"{day:%Y-%m}", "at": at.isoformat(), "direction": valuation.choose_direction(at)}
        for direction in (valuation.AUTO, valuation.BACKWARD, valuation.FORWARD):
            runs = []
            for _ in range(3):
                started = time.perf_counter()
                rows = valuation.stock_valuation(at=at, direction=direction)
                runs.append(time.perf_counter() - started)
            row[direction] = runs
            row[f"{direction}_total"] = (
                sum(r["quantity"] for r in rows),
                sum((r["value_amount"] for r in rows), start=0),
            )
        with connection.cursor() as cursor:
            sql = valuation._sql(
                valuation._BACKWARD_SQL if row["direction"] == valuation.BACKWARD else valuation._FORWARD_SQL
            )
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, {"at": at})
            row["plan"] = [line for (line,) in cursor.fetchall()]
            cursor.execute(
                "SELECT count(*) FILTER (WHERE created_at < %s), count(*) FILTER (WHERE created_at >= %s)"
                " FROM inventory_stockmovement",
                [at, at],
            )
            row["movements_before"], row["movements_after"] = cursor.fetchone()
        results[label] = row
    return results


# --------------------------------------------------------------------------------------------------------
# (c) issue throughput
# --------------------------------------------------------------------------------------------------------


def bench_orders(per_center: int, center_count: int) -> dict:
    """Work orders in an issuable status (dispatched, then accepted) at centres with warehouses, made
    through the repairs services on demo units without an open call. Returns centre pk → [order pk]."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from inventory.models import Warehouse
    from repairs.choices import OPEN_STATUSES, WorkOrderStatus
    from repairs.models import CustomerAddress, CustomerPhone, ProductUnit, WorkOrder
    from repairs.services import repair_call_register, work_order_dispatch, work_order_transition

    existing = {}
    for pk, center in WorkOrder.objects.filter(note="bench").values_list("pk", "center_id"):
        existing.setdefault(center, []).append(pk)
    if len(existing) >= center_count and all(len(v) >= per_center for v in existing.values()):
        return existing
    dispatcher = get_user_model().objects.get(username="dispatcher")
    manager = get_user_model().objects.get(username="manager")
    warehouses = list(
        Warehouse.objects.filter(kind="center", center__active=True).select_related("center").order_by("code")
    )[:center_count]
    units = list(
        ProductUnit.objects.filter(owner__number__regex=r"^KH\d{8}$")
        .exclude(repair_calls__work_orders__status__in=OPEN_STATUSES)  # no second call while one is open
        .select_related("owner", "model")
        .order_by("pk")
    )
    rng = random.Random(3)
    rng.shuffle(units)
    now = timezone.now()
    tomorrow = timezone.localdate(now) + dt.timedelta(days=1)
    made = {}
    for warehouse in warehouses:
        center = warehouse.center
        for _ in range(per_center):
            unit = units.pop()
            phone = CustomerPhone.objects.filter(customer=unit.owner, is_primary=True).first()
            address = CustomerAddress.objects.filter(customer=unit.owner, is_primary=True).first()
            call = repair_call_register(
                customer=unit.owner,
                unit=unit,
                caller_name=unit.owner.name,
                caller_phone=phone.number,
                service_region=address.region,
                service_address=address.detail,
                symptom=None,
                symptom_text="基准测试：更换配件",
                acting_user=dispatcher,
            )
            order = call.work_orders.get()
            start = timezone.make_aware(dt.datetime.combine(tomorrow, dt.time(10, 0)))
            order = work_order_dispatch(
                work_order=order,
                center=center,
                technician=None,
                appointment_start=start,
                appointment_end=start + dt.timedelta(hours=2),
                acting_user=manager,
                override_reason="基准测试：任意网点",  # the bench spreads orders over every centre
                notify_customer=False,
            )
            order = work_order_transition(
                work_order=order, to_status=WorkOrderStatus.ACCEPTED, acting_user=manager
            )
            WorkOrder.objects.filter(pk=order.pk).update(note="bench")
            made.setdefault(center.pk, []).append(order.pk)
    return made


def _stock_up(tasks_by_center: dict, per_pair: int) -> None:
    """Makes sure each centre holds `per_pair` of each of its parts: a purchase into CW, then a transfer."""
    from django.contrib.auth import get_user_model

    from inventory import services
    from inventory.models import Part, StockLevel, Warehouse

    manager = get_user_model().objects.get(username="manager")
    central = services.central_warehouse()
    for center_pk, part_pks in tasks_by_center.items():
        warehouse = Warehouse.objects.get(center_id=center_pk)
        have = dict(
            StockLevel.objects.filter(warehouse=warehouse, part_id__in=part_pks).values_list(
                "part_id", "quantity"
            )
        )
        parts = {p.pk: p for p in Part.objects.filter(pk__in=part_pks)}
        short = [(parts[pk], per_pair - have.get(pk, 0)) for pk in part_pks if have.get(pk, 0) < per_pair]
        if not short:
            continue
        services.stock_receive(
            warehouse=central,
            lines=[(p, q, p.unit_cost_amount) for p, q in short],
            reference="BENCH-STOCK",
            acting_user=manager,
        )
        services.stock_transfer(
            source=central, destination=warehouse, lines=short, acting_user=manager, reference="BENCH-STOCK"
        )


def _worker(index, tasks, user_pk, start_at, seconds, results):
    """Issues one piece at a time from random (work order, part) tasks until the deadline."""
    from django.contrib.auth import get_user_model
    from django.core.exceptions import ValidationError
    from django.db import OperationalError, connections

    from inventory import services
    from inventory.models import Part
    from repairs.models import WorkOrder

    connections.close_all()
    user = get_user_model().objects.get(pk=user_pk)
    orders = {o.pk: o for o in WorkOrder.objects.filter(pk__in={t[0] for t in tasks})}
    parts = {p.pk: p for p in Part.objects.filter(pk__in={t[1] for t in tasks})}
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
        started = time.perf_counter()
        try:
            services.part_issue(
                work_order=orders[order_pk],
                part=parts[part_pk],
                quantity=1,
                acting_user=user,
                idempotency_key=f"bench:{os.getpid()}:{start_at}:{n}",
            )
            done += 1
        except ValidationError as exc:
            errors[f"ValidationError {getattr(exc, 'code', '') or exc.messages[0][:60]}"] += 1
        except OperationalError as exc:  # deadlock, lock or statement timeout, serialization failure
            errors[
                f"OperationalError {getattr(exc.__cause__, 'pgcode', '')} {str(exc).splitlines()[0][:60]}"
            ] += 1
        except Exception as exc:  # noqa: BLE001 - counted and reported, never hidden
            errors[f"{type(exc).__name__} {str(exc).splitlines()[0][:60]}"] += 1
        latencies.append((time.perf_counter() - started) * 1000)
    cpu = time.process_time() - cpu_started
    connections.close_all()
    results.put({"worker": index, "done": done, "errors": dict(errors), "latencies": latencies, "cpu": cpu})


def _busy_cpu_seconds() -> float:
    """CPU seconds the whole machine spent busy (/proc/stat: all but idle and iowait)."""
    with open("/proc/stat") as stat:
        fields = [int(x) for x in stat.readline().split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def run_issues(label: str, task_lists: list, user_pk: int, seconds: float) -> dict:
    from django.db import connections

    connections.close_all()  # the children must not share the parent's connection
    ctx = mp.get_context("fork")
    results = ctx.Queue()
    start_at = time.time() + 2.0
    procs = [
        ctx.Process(target=_worker, args=(i, tasks, user_pk, start_at, seconds, results))
        for i, tasks in enumerate(task_lists)
    ]
    for p in procs:
        p.start()
    while time.time() < start_at:
        time.sleep(0.001)
    busy_before = _busy_cpu_seconds()
    rows = [results.get() for _ in procs]
    busy = _busy_cpu_seconds() - busy_before
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
        "lock_errors": sum(v for k, v in errors.items() if k.startswith("OperationalError")),
        "median_ms": statistics.median(latencies) if latencies else None,
        "p95_ms": latencies[int(len(latencies) * 0.95) - 1] if latencies else None,
        "per_worker": [r["done"] for r in sorted(rows, key=lambda r: r["worker"])],
        # CPU per issue: the workers' own (Python, psycopg2), and the rest of the machine (PostgreSQL).
        "python_cpu_ms": sum(r["cpu"] for r in rows) * 1000 / max(done, 1),
        "other_cpu_ms": max(0.0, busy - sum(r["cpu"] for r in rows)) * 1000 / max(done, 1),
        "cpu_busy_share": busy / (seconds * (os.cpu_count() or 1)),
    }


def bench_throughput(connection, workers: int, seconds: float, rounds: int = 3) -> dict:
    """The service's part issues and their floor (bench/part_issue_floor.py), in turns: `rounds` runs of
    each on different parts, then one of each on the same part, then one worker alone."""
    import part_issue_floor as floor
    from django.contrib.auth import get_user_model

    from inventory.checks import stock_discrepancies
    from inventory.models import Part, StockLevel, StockMovement
    from repairs.models import WorkOrder

    from .config import DB_URL

    orders_by_center = bench_orders(per_center=8, center_count=workers)
    manager = get_user_model().objects.get(username="manager")
    categories_of = dict(
        WorkOrder.objects.filter(pk__in=[pk for pks in orders_by_center.values() for pk in pks]).values_list(
            "pk", "call__unit__model__category_id"
        )
    )
    bench_parts = {}
    for pk, category, returnable in Part.objects.filter(code__startswith="BP").values_list(
        "pk", "category_id", "return_required"
    ):
        bench_parts.setdefault(category, []).append((pk, returnable))
    rng = random.Random(11)
    centers = sorted(orders_by_center)[:workers]

    # Each worker its own centre, its own 96 parts (of its orders' categories).
    task_lists, parts_by_center, used = [], {}, set()
    for center in centers:
        tasks = []
        for order in orders_by_center[center]:
            pool = [pk for pk, _r in bench_parts[categories_of[order]] if pk not in used]
            chosen = rng.sample(pool, 12)
            used.update(chosen)
            tasks += [(order, pk) for pk in chosen]
        task_lists.append(tasks)
        parts_by_center[center] = sorted({pk for _o, pk in tasks})
    runs_on_them = 2 * rounds + 2  # both sides' rounds and the lone worker's two runs, with room
    expected = int(ISSUE_TARGET_PER_S * seconds * 1.5 * runs_on_them / workers / 12 / 8) + 5
    _stock_up(parts_by_center, per_pair=max(40, expected))
    # The same part for every worker (not returnable, so only the stock row is shared).
    center = centers[0]
    order_category = categories_of[orders_by_center[center][0]]
    same_orders = [o for o in orders_by_center[center] if categories_of[o] == order_category]
    part = next(pk for pk, r in bench_parts[order_category] if not r and pk not in used)
    _stock_up({center: [part]}, per_pair=int(ISSUE_TARGET_PER_S * seconds * 2 * 2))
    same_tasks = [(o, part) for o in same_orders]

    all_tasks = [t for tasks in task_lists for t in tasks] + same_tasks
    parts = {p.pk: p for p in Part.objects.filter(pk__in={p for _o, p in all_tasks})}
    orders = {
        o.pk: o for o in WorkOrder.objects.filter(pk__in={o for o, _p in all_tasks}).select_related("call")
    }
    plans = floor.capture_plans(all_tasks, parts, orders, manager)
    facts = floor.task_facts(all_tasks, parts, orders)
    plan_differences = floor.check_plans(DB_URL, plans, all_tasks, facts, manager.pk)

    returnable = {pk for pks in bench_parts.values() for pk, r in pks if r}
    share = sum(1 for tasks in task_lists for _o, p in tasks if p in returnable) / sum(map(len, task_lists))
    before = StockMovement.objects.count()
    connection.close()  # the children must not share the parent's connection

    def both(label, lists, length):
        service = run_issues(label, lists, manager.pk, length)
        service["side"] = "service"
        lowest = floor.run_floor(DB_URL, label, lists, plans, facts, manager.pk, length, _busy_cpu_seconds)
        lowest["side"] = "floor"
        return [service, lowest]

    runs = []
    for _round in range(rounds):
        runs += both("different parts (one centre and 96 parts per worker)", task_lists, seconds)
    runs += both(
        f"same part (part {part}, {len(same_orders)} work orders of one centre)",
        [same_tasks] * workers,
        seconds,
    )
    runs += both("one worker alone, different parts", task_lists[:1], seconds / 2)

    started = time.perf_counter()
    differences = stock_discrepancies()
    check_s = time.perf_counter() - started
    negative = (
        StockLevel.objects.filter(quantity__lt=0).count()
        + StockLevel.objects.filter(value_amount__lt=0).count()
    )
    return {
        "runs": runs,
        "plans": {kind: [role for role, _sql in plan.steps] for kind, plan in plans.items()},
        "plan_differences": plan_differences,
        "added_movements": StockMovement.objects.count() - before,
        "discrepancies": len(differences),
        "negative_levels": negative,
        "check_s": check_s,
        "returnable_share": share,
        "profile": profile_issue(task_lists[0], manager),
    }


def _statement(sql: str) -> str:
    """A statement's shape: its verb and main table."""
    words = sql.split()
    verb = words[0].upper() if words else "?"
    table = next(
        (w.strip('"(') for w in words if w.strip('"').startswith(("inventory_", "repairs_", "aftersales_"))),
        "",
    )
    if "pg_advisory_xact_lock" in sql:
        table = "pg_advisory_xact_lock(idempotency key)"
    if verb == "SELECT" and "FOR NO KEY UPDATE" in sql:
        verb = "SELECT … FOR NO KEY UPDATE"
    elif verb == "SELECT" and "FOR UPDATE" in sql:
        verb = "SELECT … FOR UPDATE"
    elif verb == "INSERT" and "ON CONFLICT" in sql.upper():
        verb = "INSERT … ON CONFLICT"
    return f"{verb} {table}".strip()


def profile_issue(tasks, user, issues: int = 300) -> dict:
    """`issues` issues in this process, one at a time, with every statement timed (perf_counter around the
    driver call: round trip included), then again with synchronous_commit off (the commit's WAL flush)."""
    from django.db import connection

    from inventory import services
    from inventory.models import Part
    from repairs.models import WorkOrder

    parts = {p.pk: p for p in Part.objects.filter(pk__in=[p for _o, p in tasks])}
    orders = {o.pk: o for o in WorkOrder.objects.filter(pk__in=[o for o, _p in tasks]).select_related("call")}
    rng = random.Random(5)
    result = {}
    with connection.cursor() as cursor:
        timings = []
        for _ in range(1000):
            started = time.perf_counter()
            cursor.execute("SELECT 1")
            cursor.fetchone()
            timings.append((time.perf_counter() - started) * 1000)
        result["select_1_ms"] = statistics.median(timings)
    for mode in ("on", "off"):
        with connection.cursor() as cursor:
            cursor.execute(f"SET synchronous_commit TO {mode}")
        per_statement: dict[str, list[float]] = {}
        counts = Counter()

        def timed(execute, sql, params, many, context, per_statement=per_statement):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                per_statement.setdefault(_statement(sql), []).append((time.perf_counter() - started) * 1000)

        walls, sql_ms, kinds = [], 0.0, Counter()
        for n in range(issues):
            order_pk, part_pk = rng.choice(tasks)
            before = sum(len(v) for v in per_statement.values())
            with connection.execute_wrapper(timed):
                started = time.perf_counter()
                services.part_issue(
                    work_order=orders[order_pk],
                    part=parts[part_pk],
                    acting_user=user,
                    idempotency_key=f"bench:profile:{mode}:{time.time()}:{n}",
                )
                walls.append((time.perf_counter() - started) * 1000)
            # The commit happens in psycopg2's connection.commit(), outside execute_wrapper: timed as the rest.
            counts[sum(len(v) for v in per_statement.values()) - before] += 1
            kinds[(parts[part_pk].return_required, orders[order_pk].call.service_type)] += 1
        sql_ms = sum(sum(v) for v in per_statement.values()) / issues
        result[mode] = {
            "issues": issues,
            "wall_ms": statistics.mean(walls),
            "sql_ms": sql_ms,
            "statements_per_issue": dict(sorted(counts.items())),
            "paths": {f"returnable={r}, service type {t}": n for (r, t), n in sorted(kinds.items())},
            "per_statement": sorted(
                ((name, len(v) / issues, statistics.mean(v)) for name, v in per_statement.items()),
                key=lambda row: -row[1] * row[2],
            ),
        }
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO DEFAULT")
    return result


# --------------------------------------------------------------------------------------------------------


def data_sizes(connection) -> dict:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM inventory_part), (SELECT count(*) FROM inventory_warehouse),"
            " (SELECT count(*) FROM inventory_stockmovement), (SELECT count(*) FROM inventory_stocklevel),"
            " (SELECT min(created_at) FROM inventory_stockmovement), (SELECT max(created_at) FROM inventory_stockmovement),"
            " pg_size_pretty(pg_total_relation_size('inventory_stockmovement')),"
            " pg_size_pretty(pg_database_size(current_database())),"
            " (SELECT string_agg(kind || ' ' || n, ', ' ORDER BY kind) FROM"
            "   (SELECT kind, count(*) n FROM inventory_warehouse GROUP BY kind) k)"
        )
        keys = [
            "parts",
            "warehouses",
            "movements",
            "levels",
            "first",
            "last",
            "ledger_size",
            "db_size",
            "kinds",
        ]
        return dict(zip(keys, cursor.fetchone(), strict=True))
