"""The inventory benchmark's database and its seed: 10,000 parts and 10,000,000 movements (COPY)."""

from __future__ import annotations

import datetime as dt
import io
import math
import random
import subprocess
import sys
import time

from .config import DB_URL, DEMO_CUSTOMERS, MONTHS, MOVEMENTS, PARTS, ROOT, say

# --------------------------------------------------------------------------------------------------------
# Database and seed
# --------------------------------------------------------------------------------------------------------


def _psql(sql: str, url: str = DB_URL) -> str:
    done = subprocess.run(["psql", url, "-Atc", sql], capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else ""


def _manage(*args) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


def needs_seed(fresh: bool, movements: int = MOVEMENTS) -> bool:
    if fresh:
        return True
    count = _psql("SELECT count(*) FROM inventory_stockmovement")
    return not count or int(count) < movements


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


def seed_bench(connection, movements: int = MOVEMENTS) -> None:
    """Bench parts up to PARTS and bench movements up to `movements`, then the bench parts' levels."""
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
    budget = movements - StockMovement.objects.count()
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
