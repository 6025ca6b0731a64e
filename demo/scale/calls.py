"""`seed_demo --scale N`: a call with its work order for every scale unit, bulk-loaded."""

from __future__ import annotations

import datetime as dt
import io
import random
import time
from array import array
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from aftersales.models import DailySequence
from network.models import Region, ServiceCenter, Technician
from repairs.choices import CallChannel, FaultCodeKind, Priority, ServiceMode, ServiceType, WorkOrderStatus
from repairs.models import FaultCode, FaultSymptom, ProductModel
from repairs.services import CALL_PREFIX, PHONE_GUIDANCE_CALLBACK, WORK_ORDER_PREFIX

from .customers import (
    CALL_TABLES,
    CHUNK,
    CUSTOMER_TABLES,
    PREFIX,
    _bulk_load,
    _closings_checked_once,
    _copy,
    _districts,
    _reserve_ids,
)

# Repair calls and work orders -------------------------------------------------------------------------
#
# One call with one work order for every scale unit without a call, logged some time after the unit was
# sold (mostly within its first year, so mostly free service C) on one of the days before today — the
# sales go back 1000 days, so do the calls; today is left to the demo and to real intake. Numbers are the
# real ones (BX/PG + YYYYMMDD + "-" + a 5-digit daily sequence): a day's numbers continue after that day's
# DailySequence row (the demo's calls included), follow the order in which the calls were logged, and the
# rows are moved on to the last number used, so next_number() on any of those days continues after them.
# At ~1,000 calls a day the sequence stays far below 99,999.
#
# Work orders are dispatched to a centre covering the customer's district (active, with a technician
# certified for the category where there is one), with a two-hour window inside the centre's hours;
# each order's timeline is played to its end and cut at now, so recent orders are open and old ones
# closed, with a few stalled (overdue) ones. Left out at scale, to keep 1,000,000 calls in minutes:
# the stored 三包 decisions (warranty_decision is NULL), the work-order event trail (WorkOrderEvent,
# one more million-row table with two foreign keys), carry-in receipts, quotes and loaners.

DAY = 1440  # minutes; instants below are local minutes since 0001-01-01 (Asia/Shanghai has no DST)
CALLBACK = int(PHONE_GUIDANCE_CALLBACK.total_seconds()) // 60


@dataclass(frozen=True)
class _Post:
    center: int
    opens: int  # minutes after midnight
    closes: int
    technicians: tuple[int, ...]


def seed_scale_calls(*, now: dt.datetime | None = None, log: Callable[[str], None] = print) -> int:
    """A call and its work order for every scale unit that has none. Returns how many were added."""
    now = timezone.localtime(now or timezone.now())
    started = time.monotonic()
    with transaction.atomic():
        with connection.cursor() as cursor:
            for table in (*CALL_TABLES, DailySequence._meta.db_table):
                # Readers go on; next_number() waits for the commit and then continues after our numbers.
                cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
            for table in CUSTOMER_TABLES:  # the units to call about stay as they are until the commit
                cursor.execute(f"LOCK TABLE {table} IN SHARE MODE")
        sale_days = _units_without_call()
        missing = len(sale_days)
        if not missing:
            log("scale: every scale unit has its repair call, nothing to add")
            return 0
        plan = _ScalePlan.load(now)
        days, late = plan.call_days(sale_days)
        call0 = _reserve_ids("repairs_repaircall", missing)
        order0 = _reserve_ids("repairs_workorder", missing)
        closing0 = _reserve_ids("repairs_workorderclosing", missing)  # at most one per order
        done = 0
        with _closings_checked_once(order0, missing), _bulk_load(CALL_TABLES, missing):
            rows = _units_without_call_rows()  # opened after the indexes are dropped: it reads the table
            while done < missing:
                batch = rows.fetchmany(CHUNK)
                if not batch:
                    raise RuntimeError("scale units changed while the calls were generated")
                calls, orders, closings = plan.rows(batch, days, late, done, call0, order0, closing0)
                _copy("repairs_repaircall", CALL_COLUMNS, iter(calls))
                _copy("repairs_workorder", ORDER_COLUMNS, iter(orders))
                _copy("repairs_workorderclosing", CLOSING_COLUMNS, iter(closings))
                done += len(batch)
                log(f"scale: {done}/{missing} calls with work orders ({time.monotonic() - started:.0f} s)")
            rows.close()
        log(f"scale: calls' indexes and keys in place ({time.monotonic() - started:.0f} s)")
        plan.save_sequences()
    with connection.cursor() as cursor:
        for table in (*CALL_TABLES, DailySequence._meta.db_table):
            cursor.execute(f"ANALYZE {table}")
    return missing


# The scale units (serial SN…) of scale customers that have no call yet, in customer-number order.
_UNITS_WITHOUT_CALL = f"""
    FROM repairs_customer c
    JOIN repairs_productunit u ON u.owner_id = c.id AND u.serial_number LIKE 'SN%'
    JOIN repairs_customerphone p ON p.customer_id = c.id AND p.is_primary
    JOIN repairs_customeraddress a ON a.customer_id = c.id AND a.is_primary
    WHERE c.number LIKE '{PREFIX}%'
      AND NOT EXISTS (SELECT 1 FROM repairs_repaircall r WHERE r.unit_id = u.id)
    ORDER BY c.number, u.id, p.id, a.id
"""


def _units_without_call() -> array:
    """The sale days (ordinals) of the scale units without a call."""
    buffer = io.StringIO()
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(f"COPY (SELECT u.sale_date {_UNITS_WITHOUT_CALL}) TO STDOUT", buffer)
    fromisoformat = dt.date.fromisoformat
    return array("l", (fromisoformat(line[:10]).toordinal() for line in buffer.getvalue().splitlines()))


def _units_without_call_rows():
    """The same units, in the same order, with what their call needs, from a server-side cursor."""
    cursor = connection.connection.cursor(name="scale_units")
    cursor.itersize = 20_000
    cursor.execute(
        f"SELECT c.id, c.name, p.number, a.region_id, a.detail, u.id, u.model_id {_UNITS_WITHOUT_CALL}"
    )
    return cursor


CALL_COLUMNS = [
    "id",
    "number",
    "channel",
    "caller_name",
    "caller_phone",
    "service_address",
    "symptom_text",
    "customer_request",
    "service_type",
    "suggested_service_type",
    "service_type_reason",
    "priority",
    "callback_due_at",
    "logged_at",
    "customer_id",
    "logged_by_id",
    "service_region_id",
    "symptom_id",
    "unit_id",
]
ORDER_COLUMNS = [
    "id",
    "number",
    "call_id",
    "center_id",
    "technician_id",
    "mode",
    "appointment_start",
    "appointment_end",
    "status",
    "status_changed_at",
    "created_at",
    "dispatched_at",
    "dispatched_by_id",
    "accepted_at",
    "en_route_at",
    "arrived_at",
    "repair_started_at",
    "completed_at",
    "closed_at",
    "cancelled_at",
    "guided_at",
    "note",
    "confirmation_code_hash",
    "confirmation_failures",
    "diagnosis_note",
]
CLOSING_COLUMNS = [
    "id",
    "work_order_id",
    "client_id",
    "fault_code_id",
    "cause_id",
    "resolution",
    "resolution_note",
    "labour_minutes",
    "collected_amount",
    "payment_method",
    "signature",
    "confirmed_by_code",
    "satisfaction",
    "channel",
    "proof_exception_reason",
    "proof_cleared_note",
    "closed_by_id",
    "closed_at",
]
_S = WorkOrderStatus
_DONE = {_S.COMPLETED, _S.CLOSED}


class _ScalePlan:
    """What every generated call needs: centres and technicians per district and category, symptoms, the
    numbering state of each day, and a clock that formats local minutes for COPY."""

    def __init__(
        self,
        now: dt.datetime,
        *,
        posts,
        categories,
        symptoms,
        dispatcher,
        sequences,
        codes=None,
        tech_users=None,
    ):
        self.now = now
        self.now_minutes = now.date().toordinal() * DAY + now.hour * 60 + now.minute
        offset = now.utcoffset()
        self.zone = f"{'+' if offset >= dt.timedelta(0) else '-'}{abs(offset) // dt.timedelta(hours=1):02d}"
        self.posts = posts  # (district, category) → [_Post]
        self.everywhere = [p for ps in posts.values() for p in ps]
        self.categories = categories  # model → (category, requires IMEI)
        self.symptoms = symptoms  # category → [symptom]
        self.dispatcher = dispatcher
        self.sequences = sequences  # (prefix, day ordinal) → last number before this run
        self.codes = codes or {}  # category → ([fault code ids], [cause ids])
        self.tech_users = tech_users or {}  # technician → user
        self.counts: dict[int, int] = {}
        self.seen: dict[int, int] = {}
        self.day_text: dict[int, tuple[str, str]] = {}
        self.clock = [f"{m // 60:02d}:{m % 60:02d}:00{self.zone}" for m in range(DAY)]

    @classmethod
    def load(cls, now: dt.datetime) -> _ScalePlan:
        districts = _districts()
        models = ProductModel.objects.select_related("category")
        categories = {m.pk: (m.category_id, m.category.requires_imei) for m in models}
        centers = list(
            ServiceCenter.objects.active_on(now.date())
            .prefetch_related("coverage", "categories")
            .order_by("code")
        )
        if not centers:
            raise RuntimeError("seed the service network first (run seed_demo without --scale once)")
        certified: dict[tuple[int, int], list[int]] = {}
        for tech in Technician.objects.filter(active=True).prefetch_related("categories").order_by("pk"):
            for category in tech.categories.all():
                certified.setdefault((tech.center_id, category.pk), []).append(tech.pk)
        region_parent = dict(Region.objects.values_list("pk", "parent_id"))
        posts = {}
        agreed = {c.pk: {category.pk for category in c.categories.all()} for c in centers}
        for district in districts:
            in_area = [c for c in centers if district in {r.pk for r in c.coverage.all()}]
            in_city = [c for c in centers if c.region.parent_id == region_parent[district]]
            for category in {c for c, _ in categories.values()}:
                # The centres whose agreement covers the district and the category (the demo network
                # covers every pair); a district or category no agreement covers (regions added by hand)
                # falls back to the district's, the city's, then any centre.
                covering = [c for c in in_area if category in agreed[c.pk]] or in_area or in_city or centers
                staffed = [c for c in covering if certified.get((c.pk, category))] or covering
                posts[(district, category)] = [
                    _Post(
                        center=c.pk,
                        opens=c.opens_at.hour * 60 + c.opens_at.minute,
                        closes=c.closes_at.hour * 60 + c.closes_at.minute,
                        technicians=tuple(certified.get((c.pk, category), ())),
                    )
                    for c in staffed
                ]
        symptoms = {}
        for symptom_id, category in FaultSymptom.objects.order_by("pk").values_list("pk", "category_id"):
            symptoms.setdefault(category, []).append(symptom_id)
        sequences = {
            (prefix, day.toordinal()): last
            for prefix, day, last in DailySequence.objects.filter(
                prefix__in=(CALL_PREFIX, WORK_ORDER_PREFIX)
            ).values_list("prefix", "day", "last")
        }
        dispatcher = (
            get_user_model().objects.filter(username="dispatcher").values_list("pk", flat=True).first()
        )
        codes: dict[int, tuple[list[int], list[int]]] = {}
        for pk, category, kind in (
            FaultCode.objects.filter(active=True).order_by("pk").values_list("pk", "category_id", "kind")
        ):
            codes.setdefault(category, ([], []))[0 if kind == FaultCodeKind.FAULT else 1].append(pk)
        return cls(
            now,
            posts=posts,
            categories=categories,
            symptoms=symptoms,
            dispatcher=dispatcher,
            sequences=sequences,
            codes=codes,
            tech_users=dict(Technician.objects.values_list("pk", "user_id")),
        )

    def closing(
        self, *, closing_id: int, order_id: int, category: int, service_type: str, tech, mode, completed
    ):
        """The closing record of a completed order: confirmed with the customer's code; fault and cause of
        its category picked by the order's id; the amount collected on paid work."""
        faults, causes = self.codes.get(category, ([], []))
        if not faults or not causes:
            raise RuntimeError("every category needs its fault codes (run migrate)")
        paid = service_type == ServiceType.PAID
        return (
            closing_id,
            order_id,
            f"00000000-0000-4000-8000-{order_id:012x}",
            faults[order_id % len(faults)],
            causes[order_id // 7 % len(causes)],
            "part_replaced" if order_id % 3 == 0 else "repaired",
            "",
            30 + order_id % 120,
            "180.00" if paid else "0.00",
            "wechat" if paid else "",
            "",
            "t",
            "",
            "office" if mode == ServiceMode.CARRY_IN else "tablet",
            "",
            "",
            self.tech_users.get(tech, self.dispatcher),
            completed,
        )

    def call_days(self, sale_days: array) -> tuple[array, bytearray]:
        """The day each call is logged (after the sale, mostly within the first year, before today) and
        whether that is more than a year after the sale."""
        rng = random.Random(len(sale_days))
        today = self.now.date().toordinal()
        days, late = array("l", [0]) * len(sale_days), bytearray(len(sale_days))
        counts = self.counts
        for i, sale in enumerate(sale_days):
            since_sale = max(1, today - sale)  # days from the sale to yesterday, inclusive
            delay = int(rng.expovariate(1 / 150))
            if delay >= since_sale:
                delay = rng.randrange(since_sale)
            day = min(today - 1, sale + delay)
            days[i] = day
            late[i] = day - sale > 365
            counts[day] = counts.get(day, 0) + 1
        return days, late

    def _day(self, day: int) -> tuple[str, str]:
        text = self.day_text.get(day)
        if text is None:
            date = dt.date.fromordinal(day)
            text = self.day_text[day] = (date.isoformat() + " ", f"{date:%Y%m%d}")
        return text

    def at(self, minutes: int | None) -> str | None:
        if minutes is None:
            return None
        day, minute = divmod(minutes, DAY)
        return self._day(day)[0] + self.clock[minute]

    def rows(self, batch, days, late, done, call0, order0, closing0) -> tuple[list, list, list]:
        rng = random.Random(call0 + done)
        rand = rng.random
        now_m, at, dispatcher = self.now_minutes, self.at, self.dispatcher
        calls, orders, closings = [], [], []
        for offset, (customer, name, phone, region, detail, unit, model) in enumerate(batch):
            position = done + offset
            day = days[position]
            k = self.seen.get(day, 0)
            self.seen[day] = k + 1
            stamp = self._day(day)[1]
            number = f"{stamp}-{self.sequences.get((CALL_PREFIX, day), 0) + k + 1:05d}"
            order_number = f"{stamp}-{self.sequences.get((WORK_ORDER_PREFIX, day), 0) + k + 1:05d}"
            # Logged in the hotline's hours, in number order.
            logged = day * DAY + 480 + int((k + rand()) * 720 / self.counts[day])
            category, carried = self.categories[model]
            carry_in = carried and rand() < 0.7
            # Service type: after the first year paid (A), or free under an extended-warranty contract
            # (B); within it free (C) unless misused.
            roll = rand()
            if late[position]:
                service_type = ServiceType.CONTRACT if roll < 0.15 else ServiceType.PAID
            else:
                service_type = ServiceType.PAID if roll < 0.05 else ServiceType.FREE
            symptoms = self.symptoms.get(category)
            symptom = symptoms[int(rand() * len(symptoms))] if symptoms else None
            priority_roll = rand()
            priority = (
                Priority.URGENT
                if priority_roll < 0.03
                else Priority.HIGH
                if priority_roll < 0.15
                else Priority.NORMAL
            )
            channel_roll = rand()
            channel = (
                CallChannel.WALK_IN
                if carry_in and channel_roll < 0.3
                else CallChannel.WEB
                if channel_roll > 0.9
                else CallChannel.HOTLINE
            )
            posts = self.posts.get((region, category)) or self.everywhere
            post = posts[int(rand() * len(posts))]
            techs = post.technicians
            tech = techs[int(rand() * len(techs))] if techs else None
            order, callback = self._order(rand, logged, post, carry_in, now_m)
            calls.append(
                (
                    call0 + position,
                    CALL_PREFIX + number,
                    channel,
                    name,
                    phone,
                    detail,
                    "",
                    "repair",
                    service_type,
                    service_type,
                    "",
                    priority,
                    at(callback),
                    at(logged),
                    customer,
                    dispatcher,
                    region,
                    symptom,
                    unit,
                )
            )
            status, stamps, start = order
            orders.append(
                (
                    order0 + position,
                    WORK_ORDER_PREFIX + order_number,
                    call0 + position,
                    post.center,
                    tech,
                    ServiceMode.CARRY_IN if carry_in else ServiceMode.ON_SITE,
                    at(start),
                    at(start + 120),
                    status,
                    at(max(stamps.values(), default=logged)),
                    at(logged),
                    at(stamps.get(_S.DISPATCHED)),
                    dispatcher,
                    at(stamps.get(_S.ACCEPTED)),
                    at(stamps.get(_S.EN_ROUTE)),
                    at(stamps.get(_S.ON_SITE)),
                    at(stamps.get(_S.IN_REPAIR)),
                    at(stamps.get(_S.COMPLETED)),
                    at(stamps.get(_S.CLOSED)),
                    at(stamps.get(_S.CANCELLED)),
                    at(stamps.get(_S.PHONE_GUIDED)),
                    "",
                    "",  # no confirmation code: the scale orders were dispatched before the tablet existed
                    0,
                    "",  # nor a diagnosis recorded on the tablet
                )
            )
            if status in _DONE and _S.COMPLETED in stamps:
                closings.append(
                    self.closing(
                        closing_id=closing0 + position,
                        order_id=order0 + position,
                        category=category,
                        service_type=service_type,
                        tech=tech,
                        mode=ServiceMode.CARRY_IN if carry_in else ServiceMode.ON_SITE,
                        completed=at(stamps[_S.COMPLETED]),
                    )
                )
        return calls, orders, closings

    @staticmethod
    def _order(rand, logged: int, post: _Post, carry_in: bool, now_m: int):
        """One work order's timeline, played to its end and cut at now: (status, {status: minute}, window)."""
        dispatched = logged + 5 + int(rand() * 115)
        day, minute = divmod(dispatched, DAY)
        if minute < 12 * 60 and rand() < 0.4:
            earliest = minute + 60
        else:
            day += 1 if rand() < 0.75 else 2
            earliest = 0
        slots = range(post.opens, post.closes - 119, 120)
        fitting = [s for s in slots if s >= earliest] or []
        if not fitting:
            day += 1
            fitting = list(slots)
        start = day * DAY + fitting[int(rand() * len(fitting))]
        steps = [(_S.DISPATCHED, dispatched)]
        callback = None
        roll = rand()
        if roll < 0.05:
            steps.append((_S.CANCELLED, min(dispatched + 60 + int(rand() * 1200), start - 10)))
        elif roll < 0.09:
            guided = min(dispatched + 10 + int(rand() * 110), start - 10)
            callback = guided + CALLBACK
            steps += [(_S.PHONE_GUIDED, guided), (_S.CLOSED, guided + 120 + int(rand() * 1440))]
        else:
            # A few stories stop where they are while time goes on: never accepted, never visited
            # (overdue), a repair left open, parts that never came, an order nobody closed.
            stall = rand()
            accepted = min(dispatched + 5 + int(rand() * 85), start - 5)
            if stall >= 0.003:
                steps.append((_S.ACCEPTED, accepted))
            t = accepted
            if stall >= 0.008:
                if carry_in:
                    t = max(t + 5, start + int(rand() * 90)) + 30 + int(rand() * 600)
                else:
                    t = max(t + 5, start - 10 - int(rand() * 35))
                    steps.append((_S.EN_ROUTE, t))
                    t = max(t + 10, start + int(rand() * 80))
                    steps.append((_S.ON_SITE, t))
                    t += 15 + int(rand() * 15)
                steps.append((_S.IN_REPAIR, t))
            if stall >= 0.012 and rand() < 0.2:
                t += 20 + int(rand() * 40)
                steps.append((_S.WAITING_FOR_PARTS, t))
                if stall >= 0.015:
                    t = (t // DAY + 1 + int(rand() * 6)) * DAY + post.opens + 30 + int(rand() * 300)
                    steps.append((_S.IN_REPAIR, t))
            if stall >= 0.015:
                t += 30 + int(rand() * 120)
                steps.append((_S.COMPLETED, t))
            if stall >= 0.03:
                steps.append((_S.CLOSED, t + 240 + int(rand() * 4080)))
        stamps: dict[str, int | None] = {}
        status = _S.NEW
        for step, minute in steps:
            if minute > now_m:
                break
            status = step
            stamps[step] = minute
        if _S.PHONE_GUIDED not in stamps:
            callback = None
        return (status, stamps, start), callback

    def save_sequences(self) -> None:
        """Moves each day's counters on to the last number used, so next_number() continues after them."""
        prefixes, days, lasts = [], [], []
        for day, count in self.counts.items():
            date = dt.date.fromordinal(day)
            for prefix in (CALL_PREFIX, WORK_ORDER_PREFIX):
                prefixes.append(prefix)
                days.append(date)
                lasts.append(self.sequences.get((prefix, day), 0) + count)
        table = DailySequence._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                INSERT INTO {table} (prefix, day, last)
                SELECT * FROM unnest(%s::varchar[], %s::date[], %s::integer[])
                ON CONFLICT (prefix, day) DO UPDATE SET last = GREATEST({table}.last, EXCLUDED.last)
                """,
                [prefixes, days, lasts],
            )
