"""`seed_demo --scale N`: scale customers with their units, bulk-loaded."""

from __future__ import annotations

import datetime as dt
import io
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone
from stdnum import luhn

from aftersales.demo.names import GIVEN, STREETS, SURNAMES
from network.models import Region
from repairs.models import Customer, ProductModel
from repairs.units_sold import units_sold_recount

PREFIX = "SC"
CUSTOMER_TABLES = (
    "repairs_customer",
    "repairs_customerphone",
    "repairs_customeraddress",
    "repairs_productunit",
)
CALL_TABLES = ("repairs_repaircall", "repairs_workorder", "repairs_workorderclosing")
CHUNK = 100_000


def _reserve_ids(table: str, count: int) -> int:
    """Take `count` ids from the table's identity sequence; returns the first. Runs under a table lock."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        (sequence,) = cursor.fetchone()
        cursor.execute("SELECT nextval(%s)", [sequence])
        (first,) = cursor.fetchone()
        cursor.execute("SELECT setval(%s, %s)", [sequence, first + count - 1])
    return first


@contextmanager
def _bulk_load(tables: tuple[str, ...], adding: int):
    """Around a load of `adding` rows into each table: when that is more than the table holds, drop its
    secondary indexes and its unique and foreign-key constraints first and build them again afterwards —
    one sort per index and one join per key instead of a million index insertions and trigger checks.
    Partial indexes stay (they hold few rows, and their predicate would not read back the same text).
    The definitions come back exactly as they were (pg_get_indexdef, pg_get_constraintdef), inside the
    caller's transaction: all or nothing. Smaller loads keep everything in place."""
    saved = []
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT count(*) FROM {table}")
            if cursor.fetchone()[0] >= adding:
                continue
            if not saved:
                # A table with deferred foreign-key checks still pending cannot be altered: run them now
                # (inside an enclosing transaction, as in tests), then defer again as Django declares them.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            cursor.execute(
                "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint"
                " WHERE conrelid = %s::regclass AND contype IN ('u', 'f') ORDER BY contype DESC, conname",
                [table],
            )
            constraints = cursor.fetchall()
            cursor.execute(
                "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid"
                " WHERE x.indrelid = %s::regclass AND x.indpred IS NULL"
                " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)"
                " ORDER BY i.relname",
                [table],
            )
            indexes = cursor.fetchall()
            for name, _kind, _definition in constraints:
                cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            for name, _definition in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
            saved.append((table, constraints, indexes))
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        for table, constraints, indexes in saved:
            for _name, definition in indexes:
                cursor.execute(definition)
            for name, _kind, definition in constraints:  # unique ('u') before foreign keys ('f')
                cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')


CLOSING_CHECK = "work_order_completed_has_closing_insert"


@contextmanager
def _closings_checked_once(order0: int, count: int):
    """Every completed order needs its closing record (a deferred trigger checks each inserted row at
    commit). A bulk load writes both, so the row trigger is off while it runs — its pending events would
    also stop the indexes from being rebuilt — and one set-based query checks the loaded orders instead,
    in the same transaction: the same rule, all or nothing."""
    with connection.cursor() as cursor:
        # A table with deferred checks still pending (an enclosing transaction, as in tests) cannot be altered:
        # run them now, then defer again as declared.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute(f"ALTER TABLE repairs_workorder DISABLE TRIGGER {CLOSING_CHECK}")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the load's own deferred key checks, as above
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute(f"ALTER TABLE repairs_workorder ENABLE TRIGGER {CLOSING_CHECK}")
        cursor.execute(
            "SELECT count(*) FROM repairs_workorder w"
            " WHERE w.id >= %s AND w.id < %s AND w.status IN ('completed', 'closed') AND w.guided_at IS NULL"
            " AND NOT EXISTS (SELECT 1 FROM repairs_workorderclosing k WHERE k.work_order_id = w.id)",
            [order0, order0 + count],
        )
        (unproven,) = cursor.fetchone()
    if unproven:
        raise RuntimeError(f"{unproven} generated work orders are completed without a closing record")


def _copy(table: str, columns: list[str], rows: Iterator[tuple]) -> None:
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join("\\N" if v is None else str(v) for v in row))
        buffer.write("\n")
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)


@dataclass(frozen=True)
class ScaleAdded:
    customers: int  # each with a mobile, an address and a unit
    calls: int  # each with its work order


def seed_scale(
    *,
    target: int,
    today: dt.date | None = None,
    now: dt.datetime | None = None,
    log: Callable[[str], None] = print,
) -> ScaleAdded:
    """Make sure `target` scale customers exist (with units), and a repair call with its work order for
    every scale unit. Returns how many of each were added."""
    # The calls are played on the customers made here, and demo.scale.calls imports this module.
    from .calls import seed_scale_calls

    now = now or timezone.now()
    today = today or timezone.localdate(now)
    customers = _seed_customers(target=target, today=today, log=log)
    calls = seed_scale_calls(now=now, log=log)
    return ScaleAdded(customers=customers, calls=calls)


def _seed_customers(*, target: int, today: dt.date, log: Callable[[str], None]) -> int:
    existing = Customer.objects.filter(number__startswith=PREFIX).count()
    missing = target - existing
    if missing <= 0:
        log(f"scale: {existing} customers already present, nothing to add")
        return 0
    models = list(ProductModel.objects.select_related("category").order_by("pk"))
    districts = _districts()
    if not models or not districts:
        raise RuntimeError("seed the catalogue and regions first (run seed_demo without --scale once)")
    now = timezone.now().isoformat()
    started = time.monotonic()
    done = 0
    with transaction.atomic():
        with connection.cursor() as cursor:
            for table in CUSTOMER_TABLES:
                cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
        cust0 = _reserve_ids("repairs_customer", missing)
        phone0 = _reserve_ids("repairs_customerphone", missing)
        addr0 = _reserve_ids("repairs_customeraddress", missing)
        unit0 = _reserve_ids("repairs_productunit", missing)
        with _bulk_load(CUSTOMER_TABLES, missing):
            for chunk_start in range(0, missing, CHUNK):
                chunk = range(chunk_start, min(missing, chunk_start + CHUNK))
                _copy_chunk(chunk, existing, cust0, phone0, addr0, unit0, models, districts, today, now)
                done = chunk.stop
                log(f"scale: {existing + done}/{target} customers ({time.monotonic() - started:.0f} s)")
        log(f"scale: customers' indexes and keys in place ({time.monotonic() - started:.0f} s)")
    with connection.cursor() as cursor:
        for table in CUSTOMER_TABLES:
            cursor.execute(f"ANALYZE {table}")
    units_sold_recount()  # the units loaded past the dashboard's kept counts, counted once (not on each read)
    return missing


def _districts() -> list[int]:
    return list(Region.objects.filter(level="district").order_by("pk").values_list("pk", flat=True))


def _copy_chunk(chunk, existing, cust0, phone0, addr0, unit0, models, districts, today, now) -> None:
    rng = random.Random(chunk.start + existing)
    customers, phones, addresses, units = [], [], [], []
    n_models, n_districts = len(models), len(districts)
    for offset in chunk:
        index = existing + offset  # global, stable index of this scale customer
        cid = cust0 + offset
        name = (
            SURNAMES[index % len(SURNAMES)]
            + GIVEN[(index // 7) % len(GIVEN)]
            + GIVEN[(index // 131) % len(GIVEN)]
        )
        customers.append((cid, f"{PREFIX}{index:010d}", name, "", now))
        phones.append((phone0 + offset, cid, f"13{index:09d}", "mobile", "t"))
        addresses.append(
            (
                addr0 + offset,
                cid,
                districts[index % n_districts],
                f"{STREETS[index % len(STREETS)]}{index % 997 + 1}号{index % 30 + 1}栋{index % 28 + 1:02d}01室",
                "t",
            )
        )
        model = models[index % n_models]
        sale = today - dt.timedelta(days=1 + rng.randrange(1000))
        factory = sale - dt.timedelta(days=20 + rng.randrange(120))
        has_invoice = rng.random() < 0.85
        imei = None
        if model.category.requires_imei:
            body = f"35{index:012d}"
            imei = body + luhn.calc_check_digit(body)
        units.append(
            (
                unit0 + offset,
                model.pk,
                f"SN{index:012d}",
                imei,
                cid,
                None,
                sale.isoformat(),
                f"{90000000 + index % 9999999}" if has_invoice else "",
                sale.isoformat() if has_invoice else None,
                model.list_price_amount if has_invoice else None,
                factory.isoformat(),
                "",
                now,
            )
        )
    _copy("repairs_customer", ["id", "number", "name", "note", "created_at"], iter(customers))
    _copy("repairs_customerphone", ["id", "customer_id", "number", "label", "is_primary"], iter(phones))
    _copy(
        "repairs_customeraddress", ["id", "customer_id", "region_id", "detail", "is_primary"], iter(addresses)
    )
    _copy(
        "repairs_productunit",
        [
            "id",
            "model_id",
            "serial_number",
            "imei",
            "owner_id",
            "dealer_id",
            "sale_date",
            "invoice_number",
            "invoice_date",
            "invoice_amount",
            "factory_date",
            "warranty_card_number",
            "created_at",
        ],
        iter(units),
    )
