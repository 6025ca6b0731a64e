"""Demo: the quality early warning (质量预警). The demo's ~500 customers give too few units a model-month, so
this adds a production history of three air-conditioner models over six production months (about 300 units
each, sold within two months of leaving the factory) with their first year of in-warranty repairs (closed
repair calls and work orders with fault codes and parts), inserted set-based. One model-month — the first
model's fourth month, a compressor and control-board batch — fails about four times as often in its first 90
days. The early warning then runs, so its page shows that open alert.

Everything is numbered as the system numbers it: customers KH, calls BX and work orders PG + their day +
the day's sequence, continuing after that day's DailySequence row and moving it on (so next_number() on
those days continues after them); units with the catalogue's serials, invoices and warranty cards. All of
it lies before the last three months (the demo's running work, settlements and screening are untouched).
Idempotent: a second run adds nothing — the batch is known by its closings' stored signature (one scribble
saved once under work_orders/quality-demo/).
"""

from __future__ import annotations

import datetime as dt
import random
import time
import uuid
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone

from aftersales.models import DailySequence
from care.calendar import CHINA
from demo.repairs import signature_png
from demo.repairs.catalogue import SERIAL_PREFIX
from demo.warranty import decisions_attach
from grading.selectors import month_add
from inventory.choices import MovementKind
from inventory.models import Part, StockLevel, StockMovement, Warehouse
from quality.services import quality_watch
from repairs.choices import CallCustomerRequest, FaultCodeKind, Resolution, ServiceType, WorkOrderStatus
from repairs.models import (
    Customer,
    FaultCode,
    ProductModel,
    ProductUnit,
    RepairCall,
    WorkOrder,
    WorkOrderClosing,
    WorkOrderEvent,
)
from repairs.services import CALL_PREFIX, WORK_ORDER_PREFIX

CUSTOMER_PREFIX = "KH"  # as repairs.services.customer_create numbers a customer registered that day
SIGNATURE_DIR = "work_orders/quality-demo/"
MONTHS = 6
BAD = (0, 3)  # (model index, production month index): the failing batch
NORMAL_EARLY = 0.005  # chance of a repair per month in service, months 1–3
NORMAL_LATER = 0.003  # months 4–12
BAD_EARLY = 0.022


def _choose_models():
    return list(
        ProductModel.objects.filter(category__code="air_conditioner", active=True).order_by(
            "brand", "model_number"
        )[:3]
    )


def _numbers(prefix: str, days: list[dt.date]) -> list[str]:
    """The numbers next_number(prefix, day=…) would give, one per entry of `days` in that order, each day
    continuing after its DailySequence row; the rows are moved on to the last number used. Runs in the
    caller's transaction with the sequence table locked (next_number() waits, then continues after us)."""
    table = DailySequence._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
    last = dict(DailySequence.objects.filter(prefix=prefix, day__in=set(days)).values_list("day", "last"))
    numbers = []
    for day in days:
        last[day] = last.get(day, 0) + 1
        numbers.append(f"{prefix}{day:%Y%m%d}-{last[day]:05d}")
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table} (prefix, day, last)
            SELECT %s, * FROM unnest(%s::date[], %s::integer[])
            ON CONFLICT (prefix, day) DO UPDATE SET last = GREATEST({table}.last, EXCLUDED.last)
            """,
            [prefix, list(last), list(last.values())],
        )
    return numbers


def seed_quality(*, now: dt.datetime, network) -> str:
    """Adds the production history once, then runs the early warning. Returns the line seed_demo prints."""
    started = time.monotonic()
    if WorkOrderClosing.objects.filter(signature__startswith=SIGNATURE_DIR).exists():
        result = quality_watch(now=now)
        return f"quality early warning: {result['models']} models examined, {result['alerts']} alerts open"
    models = _choose_models()
    if len(models) < 3:
        return ""
    category = models[0].category
    faults = list(
        FaultCode.objects.filter(category=category, kind=FaultCodeKind.FAULT, active=True).order_by(
            "sort_order", "code"
        )
    )
    causes = list(
        FaultCode.objects.filter(category=category, kind=FaultCodeKind.CAUSE, active=True).order_by(
            "sort_order", "code"
        )
    )
    parts = list(
        Part.objects.filter(category=category, product_model__isnull=True, active=True).order_by("code")
    )
    if not faults or not causes:
        return ""
    # The batch's own failure: the compressor fault and part, and a control board (PCB) where there is one.
    bad_faults = [f for f in faults if "压缩机" in f.name][:1] + [
        f for f in faults if "控制板" in f.name or "主板" in f.name
    ][:1]
    bad_faults = bad_faults or faults[:2]
    bad_parts = [p for p in parts if "-CMP-" in p.code][:1] + [p for p in parts if "-PCB-" in p.code][:1]
    bad_parts = bad_parts or parts[:2]
    rng = random.Random(2026_97)
    today = timezone.localdate(now)
    first_month = month_add(today.replace(day=1), -(17 + MONTHS))  # the last month made 18 months ago
    last_day = today - dt.timedelta(days=100)  # nothing in the last three months
    centers = [c for c in network.centers if c.active and not c.standby] or list(network.centers)
    closer = (
        get_user_model().objects.filter(username="manager").first()
        or get_user_model().objects.order_by("pk").first()
    )
    warehouses = {w.center_id: w for w in Warehouse.objects.filter(center__in=centers)}
    # Each repair goes to a centre whose agreement covers the call's district and air conditioners, as
    # dispatch sends it: (centre, district) pairs to take in turn.
    category = models[0].category_id
    centers = [
        (c, district)
        for c in centers
        if c.categories.filter(pk=category).exists()
        for district in c.coverage.order_by("pk").values_list("pk", flat=True)
    ]
    with transaction.atomic():
        return _seed(
            now=now,
            started=started,
            models=models,
            faults=faults,
            causes=causes,
            parts=parts,
            bad=(bad_faults, bad_parts),
            rng=rng,
            first_month=first_month,
            last_day=last_day,
            centers=centers,
            closer=closer,
            warehouses=warehouses,
        )


def _seed(
    *,
    now,
    started,
    models,
    faults,
    causes,
    parts,
    bad,
    rng,
    first_month,
    last_day,
    centers,
    closer,
    warehouses,
) -> str:
    bad_faults, bad_parts = bad
    tz = timezone.get_current_timezone()
    serials = set(ProductUnit.objects.values_list("serial_number", flat=True))

    customers, units = [], []
    n = 0
    for mi, model in enumerate(models):
        for k in range(MONTHS):
            month = month_add(first_month, k)
            for _ in range(rng.randint(270, 340)):
                n += 1
                made = month + dt.timedelta(days=rng.randint(0, 27))
                sold = made + dt.timedelta(days=rng.randint(10, 60))
                # Registered the day the unit was sold (numbered below, day by day).
                customers.append(
                    Customer(
                        name=rng.choice("张王李赵刘陈杨黄周吴")
                        + rng.choice(["伟", "芳", "娜", "敏", "静", "磊", "洋", "勇"]),
                        created_at=dt.datetime.combine(sold, dt.time(10 + n % 8, n % 60), tzinfo=tz),
                    )
                )
                serial = ""
                while not serial or serial in serials:
                    serial = f"{SERIAL_PREFIX[model.category.code]}{rng.randint(0, 10**12 - 1):012d}"
                serials.add(serial)
                units.append(
                    ProductUnit(
                        model=model,
                        serial_number=serial,
                        sale_date=sold,
                        invoice_number=f"{rng.randint(10**7, 10**8 - 1)}",
                        invoice_date=sold,
                        invoice_amount=model.list_price_amount,
                        factory_date=made,
                        warranty_card_number=f"WK{rng.randint(10**9, 10**10 - 1)}"
                        if rng.random() < 0.7
                        else "",
                        created_at=customers[-1].created_at,
                    )
                )
                units[-1]._bad = (mi, k) == BAD
    by_day = sorted(range(len(customers)), key=lambda i: customers[i].created_at)
    numbers = _numbers(CUSTOMER_PREFIX, [customers[i].created_at.date() for i in by_day])
    for i, number in zip(by_day, numbers, strict=True):
        customers[i].number = number
    Customer.objects.bulk_create(customers, batch_size=2000)
    for unit, customer in zip(units, customers, strict=True):
        unit.owner = customer
    ProductUnit.objects.bulk_create(units, batch_size=2000)

    calls, orders_meta = [], []
    seq = 0
    # Each model-month's repairs month by month in service: a count near its rate (±15 %, so that only the
    # failing batch stands out), on units drawn at random.
    by_batch: dict[tuple, list] = {}
    for unit in units:
        by_batch.setdefault((unit.model_id, unit.factory_date.replace(day=1)), []).append(unit)
    plan = []
    for batch in by_batch.values():
        for month_in_service in range(1, 13):
            p = (BAD_EARLY if batch[0]._bad else NORMAL_EARLY) if month_in_service <= 3 else NORMAL_LATER
            count = round(len(batch) * p * rng.uniform(0.85, 1.15))
            plan += [(unit, month_in_service) for unit in rng.sample(batch, count)]
    for unit, month_in_service in plan:
        day = unit.sale_date + dt.timedelta(days=(month_in_service - 1) * 30 + rng.randint(1, 29))
        if day > last_day:
            continue
        seq += 1
        center, district = centers[seq % len(centers)]
        logged = dt.datetime.combine(day, dt.time(9 + seq % 8, (seq * 7) % 60), tzinfo=CHINA)
        calls.append(
            RepairCall(
                caller_name=unit.owner.name,
                caller_phone=f"139{seq:08d}",
                customer=unit.owner,
                unit=unit,
                service_region_id=district,
                service_address="人民路 88 号",
                symptom_text="不制冷",
                customer_request=CallCustomerRequest.REPAIR,
                service_type=ServiceType.FREE,
                suggested_service_type=ServiceType.FREE,
                logged_at=logged,
            )
        )
        early = unit._bad and month_in_service <= 3 and rng.random() < 0.8
        fault = rng.choice(bad_faults) if early else rng.choice(faults)
        part = (
            rng.choice(bad_parts) if early else (rng.choice(parts) if parts and rng.random() < 0.4 else None)
        )
        orders_meta.append((center, logged, fault, part))
    # Numbered day by day in the order they were logged, calls BX and their orders PG, as intake does.
    by_day = sorted(range(len(calls)), key=lambda i: calls[i].logged_at)
    days = [calls[i].logged_at.date() for i in by_day]
    order_numbers = [""] * len(calls)
    for i, call_number, order_number in zip(
        by_day, _numbers(CALL_PREFIX, days), _numbers(WORK_ORDER_PREFIX, days), strict=True
    ):
        calls[i].number, order_numbers[i] = call_number, order_number
    RepairCall.objects.bulk_create(calls, batch_size=2000)
    decisions_attach(calls)  # the 三包 decision intake takes, as the register shows it
    orders = WorkOrder.objects.bulk_create(
        [
            WorkOrder(
                number=number,
                call=call,
                center=center,
                status=WorkOrderStatus.CLOSED,
                created_at=logged,
                status_changed_at=logged + dt.timedelta(days=2),
                dispatched_at=logged + dt.timedelta(minutes=30),
                # on site the next day: repaired in the three hours before completion (the part issued then)
                arrived_at=logged + dt.timedelta(days=1, hours=-3),
                repair_started_at=logged + dt.timedelta(days=1, hours=-3),
                completed_at=logged + dt.timedelta(days=1),
                closed_at=logged + dt.timedelta(days=2),
            )
            for call, number, (center, logged, _f, _p) in zip(calls, order_numbers, orders_meta, strict=True)
        ],
        batch_size=2000,
    )
    WorkOrderEvent.objects.bulk_create(
        [
            event
            for order in orders
            for event in (
                WorkOrderEvent(
                    work_order=order, from_status="", to_status=WorkOrderStatus.NEW, at=order.created_at
                ),
                WorkOrderEvent(
                    work_order=order,
                    from_status=WorkOrderStatus.NEW,
                    to_status=WorkOrderStatus.CLOSED,
                    at=order.closed_at,
                    note="质量预警演示数据",
                ),
            )
        ],
        batch_size=4000,
    )
    # The customer signed each closing (one scribble, stored once for the batch).
    signature = default_storage.save(f"{SIGNATURE_DIR}signature.png", ContentFile(signature_png()))
    WorkOrderClosing.objects.bulk_create(
        [
            WorkOrderClosing(
                work_order=order,
                client_id=uuid.UUID(int=rng.getrandbits(128)),
                fault_code=fault,
                cause=rng.choice(causes),
                resolution=Resolution.REPAIRED,
                resolution_note=f"更换{part.name}" if part else "检修",
                labour_minutes=rng.choice([45, 60, 90, 120]),
                signature=signature,
                closed_by=closer,
                closed_at=order.completed_at,
            )
            for order, (_c, _l, fault, part) in zip(orders, orders_meta, strict=True)
        ],
        batch_size=2000,
    )
    # The part replaced: received at the centre and issued to the order the same day, at its cost (the
    # warehouse's balance and value are unchanged).
    movements = []
    for order, (center, _l, _f, part) in zip(orders, orders_meta, strict=True):
        warehouse = warehouses.get(center.pk)
        if part is None or warehouse is None:
            continue
        cost = part.unit_cost_amount
        movements += [
            StockMovement(
                warehouse=warehouse,
                part=part,
                kind=MovementKind.RECEIPT,
                quantity=1,
                unit_cost_amount=cost,
                value_amount=cost,
                reference=order.number,
                reason="质量预警演示数据",
                created_at=order.completed_at - dt.timedelta(hours=2),
            ),
            StockMovement(
                warehouse=warehouse,
                part=part,
                kind=MovementKind.ISSUE,
                quantity=-1,
                unit_cost_amount=cost,
                value_amount=-cost if cost else Decimal("0.00"),
                reference=order.number,
                work_order=order,
                created_at=order.completed_at - dt.timedelta(hours=1),
            ),
        ]
    StockMovement.objects.bulk_create(movements, batch_size=2000)
    # Received and issued the same day: the ledger nets to nothing, and the level it caches says so (a row for
    # every warehouse and part the ledger names).
    StockLevel.objects.bulk_create(
        [StockLevel(warehouse=w, part=p) for w, p in {(m.warehouse, m.part) for m in movements}],
        ignore_conflicts=True,
    )
    result = quality_watch(now=now)
    return (
        f"quality early warning: {len(units)} units of {len(models)} models over {MONTHS} production months, "
        f"{len(orders)} repairs; {result['models']} models examined, {result['alerts']} alerts open"
        f" ({time.monotonic() - started:.1f} s)"
    )
