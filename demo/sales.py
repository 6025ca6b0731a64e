"""The demo's sales volume: the units the dealers register as they sell them, about 1,500 a month over the
current month and the fifteen before it (air conditioners peak in summer, phones at 618 and 双11), each with
its buyer (a mobile, sometimes a landline, an address in the dealer's province), a serial number (a phone's
IMEI), a factory date 20–150 days before the sale and, for most, an invoice — so that the service budget's
cost share and the return-repair rate are counted over a network's real number of units sold. The units get
no repair calls: the demo's calls stay on its own customers' units.

Each buyer is numbered as a customer registered on the day of the sale (KH20260612-00042), never with the
demo customers' KH00000001 numbers: the other parts' generators draw from those, and would draw differently.

Idempotent by count: for each month and category the units sold there (every unit sold new, whoever sold
it) are brought up to the month's target; a second run finds every target reached and adds nothing. Bulk
COPY, a few seconds."""

from __future__ import annotations

import calendar
import datetime as dt
import io
import random
from decimal import Decimal

from django.db import connection
from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils import timezone

from aftersales.demo.names import landline_number, mobile_number, person_name, street_address
from aftersales.models import DailySequence
from aftersales.money import money
from aftersales.validators import imei_with_check_digit
from demo.repairs.catalogue import SERIAL_PREFIX
from network.models import Region
from repairs.choices import PhoneLabel
from repairs.models import ProductModel, ProductUnit

MONTHS = 15  # before the current month: the budget's thirteen months, and last month's units in warranty
PER_CATEGORY = 375  # units a month of each of the four categories, before the season (about 1,500 in all)
# The season, January to December, per category.
SEASON = {
    "air_conditioner": (0.5, 0.5, 0.7, 1.0, 1.5, 2.2, 2.4, 1.9, 1.0, 0.6, 0.6, 0.5),
    "refrigerator": (0.9, 0.8, 0.9, 0.9, 1.0, 1.2, 1.3, 1.2, 1.0, 1.0, 1.1, 1.0),
    "washing_machine": (1.0, 0.8, 0.9, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.2, 1.1),
    "mobile_phone": (1.0, 1.1, 0.9, 0.9, 1.0, 1.4, 0.9, 0.9, 1.1, 1.0, 1.5, 1.0),
}
INVOICED = 0.9  # a dealer's sale mostly has its invoice
CUSTOMER_PREFIX = "KH"  # as repairs.services.customer_create numbers a customer registered that day


def _month_add(first: dt.date, months: int) -> dt.date:
    index = first.year * 12 + first.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _targets(today: dt.date, scale: float) -> dict[tuple[dt.date, str], int]:
    """{(first day of month, category code): units sold there}: up to yesterday in the current month."""
    this_month = today.replace(day=1)
    targets = {}
    for back in range(MONTHS + 1):
        month = _month_add(this_month, -back)
        rng = random.Random(f"sales-{month:%Y-%m}")
        days = calendar.monthrange(month.year, month.month)[1]
        elapsed = (today.day - 1) / days if month == this_month else 1.0
        for code, season in SEASON.items():
            wobble = rng.uniform(0.93, 1.07)
            targets[month, code] = round(PER_CATEGORY * season[month.month - 1] * wobble * elapsed * scale)
    return targets


def _numbers(days: list[dt.date]) -> list[str]:
    """The numbers next_number(CUSTOMER_PREFIX, day=…) would give, one per entry of `days` in that order;
    the DailySequence rows move on to the last number used (the table locked meanwhile)."""
    table = DailySequence._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
    last = dict(
        DailySequence.objects.filter(prefix=CUSTOMER_PREFIX, day__in=set(days)).values_list("day", "last")
    )
    numbers = []
    for day in days:
        last[day] = last.get(day, 0) + 1
        numbers.append(f"{CUSTOMER_PREFIX}{day:%Y%m%d}-{last[day]:05d}")
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table} (prefix, day, last)
            SELECT %s, * FROM unnest(%s::date[], %s::integer[])
            ON CONFLICT (prefix, day) DO UPDATE SET last = GREATEST({table}.last, EXCLUDED.last)
            """,
            [CUSTOMER_PREFIX, list(last), list(last.values())],
        )
    return numbers


def _ids(table: str, count: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count]
        )
        return [row[0] for row in cursor.fetchall()]


def _copy(table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join("\\N" if v is None else str(v) for v in row))
        buffer.write("\n")
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)


def _identities(rng: random.Random, models: list[ProductModel]) -> list[tuple[str, str | None]]:
    """A serial number (and a phone's IMEI, Luhn-checked) per model, of the demo's formats, that no unit has."""
    drawn: list[tuple[str, str | None]] = []
    for model in models:
        serial = f"{SERIAL_PREFIX[model.category.code]}{rng.randint(0, 10**12 - 1):012d}"
        imei = (
            imei_with_check_digit(f"86{rng.randint(0, 10**12 - 1):012d}")
            if model.category.requires_imei
            else None
        )
        drawn.append((serial, imei))
    taken = set(
        ProductUnit.objects.filter(serial_number__in=[s for s, _ in drawn]).values_list(
            "serial_number", flat=True
        )
    ) | set(ProductUnit.objects.filter(imei__in=[i for _, i in drawn if i]).values_list("imei", flat=True))
    seen: set[str] = set()
    for n, (serial, imei) in enumerate(drawn):
        while serial in taken or serial in seen or (imei and (imei in taken or imei in seen)):
            serial = f"{SERIAL_PREFIX[models[n].category.code]}{rng.randint(0, 10**12 - 1):012d}"
            imei = imei and imei_with_check_digit(f"86{rng.randint(0, 10**12 - 1):012d}")
            taken |= set(
                ProductUnit.objects.filter(serial_number=serial).values_list("serial_number", flat=True)
            )
            if imei:
                taken |= set(ProductUnit.objects.filter(imei=imei).values_list("imei", flat=True))
        seen.add(serial)
        if imei:
            seen.add(imei)
        drawn[n] = (serial, imei)
    return drawn


def seed_sales(*, now: dt.datetime, network, customers: int = 500, log=None) -> str:
    """Brings each month's units sold up to its target (scaled by `customers` / 500, as the demo's size).
    Returns one line saying what it added, or "" when nothing; `log` is given that line when there is one."""
    line = _seed_sales(now=now, network=network, scale=customers / 500)
    if line and log is not None:
        log(line)
    return line


def _seed_sales(*, now: dt.datetime, network, scale: float) -> str:
    if not network.dealers or not network.districts:
        return ""
    today = timezone.localdate(now)
    targets = _targets(today, scale)
    first = min(month for month, _ in targets)
    sold = _sold(first, today)
    missing = {key: target - sold.get(key, 0) for key, target in targets.items() if target > sold.get(key, 0)}
    if not missing:
        return ""
    models_of: dict[str, list[ProductModel]] = {}
    for model in (
        ProductModel.objects.filter(active=True).select_related("category").order_by("brand", "model_number")
    ):
        models_of.setdefault(model.category.code, []).append(model)
    # The cheaper a model, the more it sells.
    weights = {
        code: [1 / float(m.list_price_amount) ** 0.5 for m in models] for code, models in models_of.items()
    }
    province = dict(
        Region.objects.filter(pk__in=[d.pk for d in network.districts.values()]).values_list(
            "pk", "parent__parent_id"
        )
    )
    dealer_province = dict(
        Region.objects.filter(pk__in=[d.region_id for d in network.dealers]).values_list(
            "pk", "parent__parent_id"
        )
    )
    districts_of: dict[int, list[str]] = {}
    for code in sorted(network.districts):
        districts_of.setdefault(province[network.districts[code].pk], []).append(code)
    dealers = [d for d in network.dealers if districts_of.get(dealer_province[d.region_id])]
    if not dealers:
        return ""
    tz = timezone.get_current_timezone()
    buyers, units = [], []  # (day, name, created_at, phones, district code, address); unit fields
    for (month, code), count in sorted(missing.items()):
        if not models_of.get(code):
            continue
        rng = random.Random(f"sales-{month:%Y-%m}-{code}-{count}")
        last_day = min(_month_add(month, 1), today) - dt.timedelta(days=1)
        span = (last_day - month).days
        if span < 0:
            continue
        chosen = rng.choices(models_of[code], weights=weights[code], k=count)
        for model, (serial, imei) in zip(chosen, _identities(rng, chosen), strict=True):
            day = month + dt.timedelta(days=rng.randint(0, span))
            at = dt.datetime.combine(day, dt.time(rng.randint(10, 20), rng.randint(0, 59)), tzinfo=tz)
            dealer = rng.choice(dealers)
            district = rng.choice(districts_of[dealer_province[dealer.region_id]])
            phones = [(mobile_number(rng), PhoneLabel.MOBILE, True)]
            if rng.random() < 0.2:
                phones.append((landline_number(rng, network.area_codes[district]), PhoneLabel.HOME, False))
            buyers.append((day, person_name(rng), at, phones, district, street_address(rng)))
            invoiced = rng.random() < INVOICED
            price = model.list_price_amount * Decimal(rng.choice(("1.00", "0.95", "0.90", "0.88")))
            units.append(
                (
                    serial,
                    imei,
                    day,
                    f"{rng.randint(10**7, 10**8 - 1)}" if invoiced else "",
                    day if invoiced else None,
                    money(price) if invoiced else None,
                    day - dt.timedelta(days=rng.randint(20, 150)),
                    f"WK{rng.randint(10**9, 10**10 - 1)}" if rng.random() < 0.7 else "",
                    at.isoformat(),
                    dealer.pk,
                    model.pk,
                )
            )
    if not units:
        return ""
    _load(buyers, units, network)
    return f"{len(units)} units sold by the dealers over the last {MONTHS + 1} months registered"


def _sold(first: dt.date, today: dt.date) -> dict[tuple[dt.date, str], int]:
    """{(month, category code): units sold new from `first` to yesterday}."""
    rows = (
        ProductUnit.objects.filter(replaces__isnull=True, sale_date__gte=first, sale_date__lt=today)
        .annotate(month=TruncMonth("sale_date"))
        .values_list("month", "model__category__code")
        .annotate(n=Count("pk"))
    )
    return {(month, code): n for month, code, n in rows}


def _load(buyers: list[tuple], units: list[tuple], network) -> None:
    order = sorted(range(len(buyers)), key=lambda i: buyers[i][2])  # numbered in the order they came in
    numbers = dict(zip(order, _numbers([buyers[i][0] for i in order]), strict=True))
    customer_ids = _ids("repairs_customer", len(buyers))
    phone_count = sum(len(b[3]) for b in buyers)
    phone_ids = iter(_ids("repairs_customerphone", phone_count))
    address_ids = _ids("repairs_customeraddress", len(buyers))
    unit_ids = _ids("repairs_productunit", len(units))
    customers, phones, addresses, rows = [], [], [], []
    for i, (_day, name, at, numbers_of, district, detail) in enumerate(buyers):
        cid = customer_ids[i]
        customers.append((cid, numbers[i], name, "", at.isoformat()))
        for number, label, primary in numbers_of:
            phones.append((next(phone_ids), cid, number, label, "t" if primary else "f"))
        addresses.append((address_ids[i], cid, network.districts[district].pk, detail, "t"))
        rows.append((unit_ids[i], *units[i], cid, "f"))
    _copy("repairs_customer", ("id", "number", "name", "note", "created_at"), customers)
    _copy("repairs_customerphone", ("id", "customer_id", "number", "label", "is_primary"), phones)
    _copy("repairs_customeraddress", ("id", "customer_id", "region_id", "detail", "is_primary"), addresses)
    _copy(
        "repairs_productunit",
        (
            "id",
            "serial_number",
            "imei",
            "sale_date",
            "invoice_number",
            "invoice_date",
            "invoice_amount",
            "factory_date",
            "warranty_card_number",
            "created_at",
            "dealer_id",
            "model_id",
            "owner_id",
            "refurbished",
        ),
        rows,
    )
    with connection.cursor() as cursor:
        for table in (
            "repairs_customer",
            "repairs_customerphone",
            "repairs_customeraddress",
            "repairs_productunit",
        ):
            cursor.execute(f"ANALYZE {table}")
