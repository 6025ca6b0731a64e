"""Benchmark: spare-parts stock at scale — 10,000 parts, 13 warehouses, 10,000,000 stock movements.

Usage: .venv/bin/python bench/inventory_bench.py [--fresh] [--seconds 10] [--workers 4]

Database: aftersales_invbench (BENCH_INVENTORY_DATABASE_URL). When it is missing, or holds fewer than
10,000,000 movements, or with --fresh, it is dropped, created, migrated and seeded: `seed_demo --customers 200`
(13 warehouses: the central warehouse CW, the defective-parts store CW-JJ and the warehouses of the 11 active
service centres; the demo's 62 parts and their three months of history), then bench parts up to 10,000 and
bench movements up to 10,000,000 over the last 12 months, written with COPY in time order with the stock
movements' secondary indexes and keys dropped and rebuilt. The bench history is a simulation per part:
supplier receipts into CW at a cost that drifts, transfers CW → centre, issues to the centres' work orders
at moving-average cost, a few returns and count corrections, old parts back into CW-JJ (worth 0). The levels
of the bench parts are then computed in SQL from the movements (ledger = levels by construction).

Measured:
(a) one stock level read by its unique key (warehouse, part): median and p95 over 1000 random lookups
    through the ORM, and its EXPLAIN;
(b) month-end valuation of every warehouse for the last complete month with inventory.valuation
    (automatic direction, and forced forward / backward), and a mid-year month for comparison;
(c) issue throughput: WORKERS processes calling inventory.services.part_issue for SECONDS each, first on
    different parts (each worker its own centre and parts), then all on the same part of one centre; errors
    by kind; afterwards ledger = levels for every warehouse × part (inventory.checks) and nothing negative.
    One issue's SQL is captured to show where the time goes.
Summary printed and written to bench/results/inventory.txt (not committed).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import math
import multiprocessing as mp
import os
import random
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB_URL = os.environ.get(
    "BENCH_INVENTORY_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/aftersales_invbench"
)
PARTS = 10_000
MOVEMENTS = 10_000_000
MONTHS = 12
DEMO_CUSTOMERS = 200
LOOKUPS = 1000
VALUATION_TARGET_S = 5.0
ISSUE_TARGET_PER_S = 1000

os.environ.update(
    DATABASE_URL=DB_URL,
    DJANGO_SETTINGS_MODULE="aftersales.settings",
    DEBUG="0",
    LOG_LEVEL="WARNING",
    MEDIA_ROOT=str(ROOT / "var" / "bench_media"),
)
sys.path.insert(0, str(ROOT))

LINES: list[str] = []


def say(line: str = "") -> None:
    print(line, flush=True)
    LINES.append(line)


# --------------------------------------------------------------------------------------------------------
# Database and seed
# --------------------------------------------------------------------------------------------------------


def _psql(sql: str, url: str = DB_URL) -> str:
    done = subprocess.run(["psql", url, "-Atc", sql], capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else ""


def _manage(*args) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


def needs_seed(fresh: bool) -> bool:
    if fresh:
        return True
    count = _psql("SELECT count(*) FROM inventory_stockmovement")
    return not count or int(count) < MOVEMENTS


def create_database() -> None:
    name = DB_URL.rsplit("/", 1)[1]
    server = DB_URL.rsplit("/", 1)[0] + "/postgres"
    subprocess.run(["psql", server, "-qc", f"DROP DATABASE IF EXISTS {name}"], check=True)
    _manage("ensure_database")
    started = time.monotonic()
    _manage("migrate", "--noinput")
    _manage("seed_demo", "--customers", str(DEMO_CUSTOMERS))
    say(f"setup: database created, migrated and demo seeded in {time.monotonic() - started:.0f} s")


def _money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


def _half_up(numerator: int, denominator: int) -> int:
    """round(numerator / denominator) half up, both non-negative."""
    return (2 * numerator + denominator) // (2 * denominator)


def seed_bench(connection) -> None:
    """Bench parts up to PARTS and bench movements up to MOVEMENTS, then the bench parts' levels."""
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from inventory.models import Part, StockMovement, Warehouse
    from repairs.models import ProductCategory, WorkOrder

    rng = random.Random(2026_11)
    started = time.monotonic()
    categories = list(ProductCategory.objects.order_by("sort_order"))
    existing_parts = Part.objects.count()
    with connection.cursor() as cursor:
        buffer = io.StringIO()
        first_code = Part.objects.filter(code__startswith="BP").count()
        for n in range(first_code, first_code + PARTS - existing_parts):
            category = categories[n % len(categories)]
            cost = int(math.exp(rng.uniform(math.log(500), math.log(300_000))))  # 5 to 3000 yuan, in fen
            price = cost * rng.choice((14, 15, 16, 18)) // 10
            buffer.write(
                f"BP{n:05d}\t{category.name}备件{n:05d}\t{category.pk}\t\\N\t{_money(cost)}\t{_money(price)}"
                f"\tf\t{'t' if cost >= 30_000 else 'f'}\t30\tf\t14\tt\n"
            )
        buffer.seek(0)
        cursor.cursor.copy_expert(
            "COPY inventory_part (code, name, category_id, component_id, unit_cost_amount, retail_price_amount,"
            " serialized, return_required, return_within_days, is_major, lead_time_days, active) FROM STDIN",
            buffer,
        )
    parts = list(
        Part.objects.filter(code__startswith="BP")
        .order_by("pk")
        .values_list("pk", "unit_cost_amount", "return_required")
    )
    say(f"setup: {len(parts)} bench parts ({Part.objects.count()} parts in all)")

    central = Warehouse.objects.get(kind="central")
    defective = Warehouse.objects.get(kind="defective")
    centers = list(Warehouse.objects.filter(kind="center").order_by("code"))
    User = get_user_model()
    manager = User.objects.get(username="manager").pk
    supervisors = {
        w.pk: (w.center.supervisors.values_list("pk", flat=True).first() or manager) for w in centers
    }
    orders = {
        w.pk: list(WorkOrder.objects.filter(center_id=w.center_id).values_list("pk", flat=True))
        for w in centers
    }
    any_orders = [pk for pks in orders.values() for pk in pks]
    for w in centers:
        orders[w.pk] = orders[w.pk] or any_orders
    budget = MOVEMENTS - StockMovement.objects.count()
    now = timezone.now() - dt.timedelta(hours=1)
    start = now - dt.timedelta(days=365)
    month_seconds = (now - start).total_seconds() / MONTHS
    say(f"setup: generating {budget:,} movements from {start:%Y-%m-%d} to {now:%Y-%m-%d}")

    # Rows per part: lognormal popularity, exact total.
    weights = [rng.lognormvariate(0, 1) for _ in parts]
    total = sum(weights)
    rows = [int(budget * w / total) for w in weights]
    for i in range(budget - sum(rows)):
        rows[i % len(rows)] += 1
    # Per part: quantity and value (fen) in each warehouse (0 central, 1 defective, 2.. centres).
    ws = [central.pk, defective.pk] + [w.pk for w in centers]
    users = [manager, manager] + [supervisors[w.pk] for w in centers]
    n_w = len(ws)
    state = {pk: ([0] * n_w, [0] * n_w) for pk, _c, _r in parts}
    center_weights = [rng.uniform(0.5, 2.0) for _ in centers]

    with transaction.atomic(), _without_secondary_indexes(connection, "inventory_stockmovement"):
        written = 0
        for month in range(MONTHS):
            month_start = start.timestamp() + month * month_seconds
            lines: list[tuple[float, str]] = []
            for (pk, cost, returnable), part_rows in zip(parts, rows, strict=True):
                share = part_rows // MONTHS + (1 if month < part_rows % MONTHS else 0)
                if share:
                    _simulate(
                        rng,
                        pk,
                        int(cost * 100),
                        returnable,
                        share,
                        state[pk],
                        ws,
                        users,
                        orders,
                        center_weights,
                        month_start,
                        month_seconds,
                        lines,
                    )
            lines.sort(key=lambda tl: tl[0])
            buffer = io.StringIO()
            for t, line in lines:
                buffer.write(line.replace("@T@", dt.datetime.fromtimestamp(t, dt.UTC).isoformat(), 1))
            buffer.seek(0)
            with connection.cursor() as cursor:
                cursor.cursor.copy_expert(
                    "COPY inventory_stockmovement (warehouse_id, part_id, kind, quantity, unit_cost_amount,"
                    " value_amount, reference, work_order_id, part_request_id, reason, serial_number,"
                    " created_by_id, created_at, idempotency_key) FROM STDIN",
                    buffer,
                )
            written += len(lines)
            say(
                f"setup: month {month + 1}/{MONTHS}: {written:,} movements ({time.monotonic() - started:.0f} s)"
            )
        say(f"setup: rebuilding the stock movements' indexes and keys ({time.monotonic() - started:.0f} s)")
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO inventory_stocklevel (warehouse_id, part_id, quantity, value_amount, updated_at)"
            " SELECT warehouse_id, part_id, SUM(quantity), SUM(value_amount), MAX(created_at)"
            " FROM inventory_stockmovement WHERE reference = 'BENCH' GROUP BY warehouse_id, part_id"
        )
        say(
            f"setup: {cursor.rowcount:,} bench stock levels from the ledger ({time.monotonic() - started:.0f} s)"
        )
    with connection.cursor() as cursor:  # autocommit again: VACUUM runs outside a transaction
        cursor.execute("VACUUM ANALYZE inventory_stockmovement")
        cursor.execute("VACUUM ANALYZE inventory_stocklevel")
        cursor.execute("VACUUM ANALYZE inventory_part")
    say(f"setup: bench data ready in {time.monotonic() - started:.0f} s")


def _simulate(rng, part, cost, returnable, budget, st, ws, users, orders, center_weights, t0, span, lines):
    """Appends `budget` rows of one part for one month to `lines` as (epoch seconds, COPY line with @T@
    where the time goes). Events first, then times: n events get n sorted instants across the month."""
    qty, val = st
    events: list[list[tuple]] = []  # each event: rows (w index, kind, quantity, value, work order, reason)
    pending_back: list[int] = []  # events from now on which an old part arrives in CW-JJ
    centers = range(2, len(ws))
    left = budget

    def out(w, q):
        v = val[w] if q == qty[w] else _half_up(val[w] * q, qty[w])
        qty[w] -= q
        val[w] -= v
        return v

    def inn(w, q, v):
        qty[w] += q
        val[w] += v

    while left > 0:
        if pending_back and pending_back[0] <= len(events):
            pending_back.pop(0)
            inn(1, 1, 0)
            events.append([(1, "defective_in", 1, 0, None, "")])
            left -= 1
            continue
        roll = rng.random()
        c = rng.choices(centers, weights=center_weights)[0]
        if roll < 0.015 and left >= 1:  # a count correction
            w = rng.choice((0, c))
            if qty[w] > 0 and rng.random() < 0.6:
                v = out(w, 1)
                events.append([(w, "adjustment", -1, -v, None, "盘点短少")])
            else:
                v = _half_up(val[w], qty[w]) if qty[w] else cost
                inn(w, 1, v)
                events.append([(w, "adjustment", 1, v, None, "盘点多出")])
            left -= 1
            continue
        if roll < 0.025 and qty[1] > 0 and left >= 1:  # old parts written off in CW-JJ
            q = qty[1]
            out(1, q)
            events.append([(1, "adjustment", -q, 0, None, "旧件报废")])
            left -= 1
            continue
        q = 1 if rng.random() < 0.9 else 2
        rows = []
        need = 1
        batch = 0
        if qty[c] < q:
            batch = max(q, rng.randint(3, 12))
            need += 2
            if qty[0] < batch:
                need += 1
        if need > left:  # no room for a whole issue: fill with receipts
            while left > 0:
                price = cost * rng.randint(95, 105) // 100
                inn(0, 5, price * 5)
                events.append([(0, "receipt", 5, price * 5, None, "")])
                left -= 1
            break
        if batch:
            if qty[0] < batch:
                received = batch + rng.randint(20, 80)
                price = cost * rng.randint(95, 105) // 100
                inn(0, received, price * received)
                rows.append((0, "receipt", received, price * received, None, ""))
            v = out(0, batch)
            rows.append((0, "transfer_out", -batch, -v, None, ""))
            inn(c, batch, v)
            rows.append((c, "transfer_in", batch, v, None, ""))
        order = rng.choice(orders[ws[c]])
        v = out(c, q)
        rows.append((c, "issue", -q, -v, order, ""))
        left -= len(rows)
        events.append(rows)
        if returnable and left > 0:
            pending_back.append(len(events) + rng.randint(2, 6))
        elif left > 0 and rng.random() < 0.01:  # an unused part back from the work order
            inn(c, 1, _half_up(v, q))
            events.append([(c, "return", 1, _half_up(v, q), order, "未使用退回")])
            left -= 1
    times = sorted(t0 + rng.random() * span for _ in events)
    for t, rows in zip(times, events, strict=True):
        for i, (w, kind, q, v, order, reason) in enumerate(rows):
            unit = _half_up(abs(v), abs(q))
            lines.append(
                (
                    t + i,
                    f"{ws[w]}\t{part}\t{kind}\t{q}\t{_money(unit)}\t{_money(v)}\tBENCH"
                    f"\t{order if order else chr(92) + 'N'}\t\\N\t{reason}\t\t{users[w]}\t@T@\t\\N\n",
                )
            )


class _without_secondary_indexes:
    """Drops the table's secondary indexes and unique/foreign-key constraints, rebuilds them on exit
    (one sort per index and one join per key instead of 10 million index insertions and key checks)."""

    def __init__(self, connection, table):
        self.connection, self.table, self.saved = connection, table, None

    def __enter__(self):
        with self.connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
                " WHERE conrelid = %s::regclass AND contype IN ('u', 'f') ORDER BY contype DESC, conname",
                [self.table],
            )
            constraints = cursor.fetchall()
            cursor.execute(
                "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid"
                " WHERE x.indrelid = %s::regclass"
                " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)",
                [self.table],
            )
            indexes = cursor.fetchall()
            for name, _definition in constraints:
                cursor.execute(f'ALTER TABLE {self.table} DROP CONSTRAINT "{name}"')
            for name, _definition in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
        self.saved = (constraints, indexes)
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            return False
        constraints, indexes = self.saved
        with self.connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
            for _name, definition in indexes:
                cursor.execute(definition)
            for name, definition in constraints:
                cursor.execute(f'ALTER TABLE {self.table} ADD CONSTRAINT "{name}" {definition}')
        return False


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
    from repairs.choices import WorkOrderStatus
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
        .exclude(
            repair_calls__work_orders__status__in=[
                "new",
                "dispatched",
                "accepted",
                "en_route",
                "on_site",
                "in_repair",
                "waiting_for_parts",
                "completed",
            ]
        )
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


def bench_throughput(connection, workers: int, seconds: float) -> dict:
    from django.contrib.auth import get_user_model

    from inventory.checks import stock_discrepancies
    from inventory.models import Part, StockLevel, StockMovement
    from repairs.models import WorkOrder

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

    # Run 1: each worker its own centre, its own 100 parts (of its orders' categories).
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
    expected = int(ISSUE_TARGET_PER_S * seconds * 1.5 / workers / 12 / 8) + 5
    _stock_up(parts_by_center, per_pair=max(40, expected))
    returnable = {pk for pks in bench_parts.values() for pk, r in pks if r}
    share = sum(1 for tasks in task_lists for _o, p in tasks if p in returnable) / sum(map(len, task_lists))
    before = StockMovement.objects.count()
    different = run_issues(
        "different parts (one centre and 96 parts per worker)", task_lists, manager.pk, seconds
    )
    different["returnable_share"] = share

    # Run 2: every worker on the same part of the same centre (not returnable, so only the stock row is shared).
    center = centers[0]
    order_category = categories_of[orders_by_center[center][0]]
    same_orders = [o for o in orders_by_center[center] if categories_of[o] == order_category]
    part = next(pk for pk, r in bench_parts[order_category] if not r and pk not in used)
    _stock_up({center: [part]}, per_pair=int(ISSUE_TARGET_PER_S * seconds * 2))
    tasks = [(o, part) for o in same_orders]
    same = run_issues(
        f"same part (part {part}, {len(same_orders)} work orders of one centre)",
        [tasks] * workers,
        manager.pk,
        seconds,
    )

    # Run 3: one worker alone, for the per-issue cost without contention.
    single = run_issues("one worker alone, different parts", task_lists[:1], manager.pk, seconds / 2)

    started = time.perf_counter()
    differences = stock_discrepancies()
    check_s = time.perf_counter() - started
    negative = (
        StockLevel.objects.filter(quantity__lt=0).count()
        + StockLevel.objects.filter(value_amount__lt=0).count()
    )
    return {
        "runs": [different, same, single],
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fresh", action="store_true", help="drop and rebuild the bench database")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each issue run")
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()

    seed = needs_seed(args.fresh)
    if seed:
        create_database()
    else:
        _manage("migrate", "--noinput")

    import django

    django.setup()
    from django.db import connection

    if seed:
        seed_bench(connection)
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

    say("")
    throughput = bench_throughput(connection, args.workers, args.seconds)
    for run in throughput["runs"]:
        say(
            f"(c) part_issue, {run['workers']} worker(s) × {run['seconds']:.0f} s, {run['label']}: "
            f"{run['issues']:,} issues, {run['per_second']:.0f} issues/s (target {ISSUE_TARGET_PER_S}); "
            f"latency median {run['median_ms']:.1f} ms, p95 {run['p95_ms']:.1f} ms; per worker {run['per_worker']}; "
            f"lock errors/deadlocks {run['lock_errors']}; errors {run['errors'] or 'none'}"
        )
        say(
            f"      CPU per issue: {run['python_cpu_ms']:.2f} ms in the worker processes (Django, psycopg2), "
            f"{run['other_cpu_ms']:.2f} ms elsewhere (PostgreSQL backends, WAL writer); machine busy "
            f"{run['cpu_busy_share']:.0%} of {os.cpu_count()} CPUs"
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


if __name__ == "__main__":
    main()
