"""Benchmark-scale data: N customers, each with a mobile, an address and one unit, and for every unit one
repair call with its work order, written with COPY.

Rows are derived from their index, so a second run only adds what is missing and every value is
unique where the schema wants it (customer number, mobile, serial, IMEI, call and work-order number).
"""

from __future__ import annotations

import datetime as dt
import io
import random
import time
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone
from stdnum import luhn

from aftersales.demo.names import GIVEN, STREETS, SURNAMES
from aftersales.models import DailySequence
from network.models import Region, ServiceCenter, Technician

from .choices import CallChannel, Priority, ServiceMode, ServiceType, WorkOrderStatus
from .models import Customer, FaultSymptom, ProductModel, RepairCall, WorkOrder
from .services import CALL_PREFIX, PHONE_GUIDANCE_CALLBACK, WORK_ORDER_PREFIX

PREFIX = "SC"
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
            for table in (
                "repairs_customer",
                "repairs_customerphone",
                "repairs_customeraddress",
                "repairs_productunit",
            ):
                cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
        cust0 = _reserve_ids("repairs_customer", missing)
        phone0 = _reserve_ids("repairs_customerphone", missing)
        addr0 = _reserve_ids("repairs_customeraddress", missing)
        unit0 = _reserve_ids("repairs_productunit", missing)
        for chunk_start in range(0, missing, CHUNK):
            chunk = range(chunk_start, min(missing, chunk_start + CHUNK))
            _copy_chunk(chunk, existing, cust0, phone0, addr0, unit0, models, districts, today, now)
            done = chunk.stop
            log(f"scale: {existing + done}/{target} customers ({time.monotonic() - started:.0f} s)")
    with connection.cursor() as cursor:
        for table in (
            "repairs_customer",
            "repairs_customerphone",
            "repairs_customeraddress",
            "repairs_productunit",
        ):
            cursor.execute(f"ANALYZE {table}")
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
