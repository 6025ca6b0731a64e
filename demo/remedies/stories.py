"""The remedy requests and out-of-box checks of the demo, played through remedies.services: each opened on
a 三包 decision stored as intake stores it, then approved, rejected, cancelled, exchanged (from central or
the dealer's stock, or waiting for it) or refunded; the unit taken back goes to refurbishment."""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.db.models import Count, Max, Q
from django.utils import timezone

from inventory import services as stock
from network.models import Technician
from remedies import services
from remedies.choices import RemedyStatus
from remedies.models import RemedyRequest
from repairs.choices import DONE_STATUSES, OPEN_STATUSES
from repairs.models import ProductUnit
from repairs.services import unit_repair_history
from warranty.rules import RepairRecord
from warranty.services import unit_facts, warranty_decision_record, warranty_evaluate

from .plan import DOA_CHECKS, SALES, STOCK_DAYS, STORIES, TWO_REPAIRS, Doa, Story
from .refurbish import refurbish
from .world import World

OVERDUE_OPENING = "Q1"  # the request left waiting past its 3 working days (on the SLA breaches page)
OTHER_BASES = ("window.", "delay.")


def overdue_opening(w: World, hour: tuple[int, int]) -> int:
    """Days ago the overdue request was opened: the latest day whose 3 working days ran out yesterday."""
    for days in range(4, 30):
        due = services.add_working_days(w.day(days, *hour), services.APPROVAL_WORKING_DAYS)
        if due < w.now - dt.timedelta(hours=20):
            return days
    return 30


def repaired_twice(w: World) -> list[tuple[ProductUnit, tuple[RepairRecord, ...], dt.date]]:
    """Units of the demo repaired twice and still failing (no other request, nothing open, the last repair
    at least six days back and after the whole units came in), one per story of TWO_REPAIRS: (unit, its repairs as the 三包 engine counts
    them, the day the customer asks) — the first two days after its last repair (it is then approved and
    exchanged), the second yesterday (it waits for the manager)."""
    in_repair = Q(repair_calls__work_orders__repair_started_at__isnull=False)
    rows = (
        ProductUnit.objects.filter(
            invoice_date__isnull=False, replaces__isnull=True, remedy_requests__isnull=True
        )
        .annotate(
            done=Count("repair_calls__work_orders", filter=in_repair & _status_in(DONE_STATUSES)),
            open=Count("repair_calls__work_orders", filter=_status_in(OPEN_STATUSES)),
            last=Max("repair_calls__work_orders__completed_at"),
        )
        .filter(done__gte=2, open=0, last__lte=w.now - dt.timedelta(days=6))
        .filter(last__gte=w.now - dt.timedelta(days=STOCK_DAYS - 6))  # exchanged once stock is there
        .select_related("model__category", "owner")
        .order_by("pk")
    )
    found = []
    for unit in rows[:300]:
        day = (
            timezone.localdate(unit.last) + dt.timedelta(days=2)
            if not found
            else w.today - dt.timedelta(days=1)
        )
        repairs = unit_repair_history(unit=unit, symptom=None)
        decision, _policy = warranty_evaluate(facts=unit_facts(unit=unit, report_date=day, repairs=repairs))
        rules = {r.rule for r in decision.reasons}
        if "two_repairs" in rules and not any(r.startswith(OTHER_BASES) for r in rules):
            found.append((unit, repairs, day))
            if len(found) == len(TWO_REPAIRS):
                break
    return found


def _status_in(statuses) -> Q:
    return Q(repair_calls__work_orders__status__in=list(statuses))


def synthetic_repairs(day: dt.date) -> tuple[RepairRecord, ...]:
    """Two repairs of the same fault before `day`, each returned not fixed (the shop's records)."""
    return tuple(
        RepairRecord(
            sent_on=day - dt.timedelta(days=back),
            returned_on=day - dt.timedelta(days=back - 5),
            fixed=False,
            same_fault=True,
        )
        for back in (70, 30)
    )


def plan(w: World) -> list[str]:
    """Schedules the sales, requests and checks of the plan on the world's clock; returns the models the
    exchanges of the demo's own repair history need in the central warehouse."""
    twice = repaired_twice(w)
    own = {s.key for s in TWO_REPAIRS[: len(twice)]}
    q1 = next(s for s in STORIES if s.key == OVERDUE_OPENING)
    q1_opened = overdue_opening(w, q1.hour)
    for sale in SALES:
        if sale.key in own:
            continue  # the demo's own history has this case
        if sale.key == OVERDUE_OPENING:
            sale = dataclasses.replace(sale, sold=q1_opened + 9)  # in the exchange period
        w.at(w.day(sale.sold, 10, 0), lambda _at, s=sale: w.sell(s))
    for story in STORIES:
        opened = q1_opened if story.key == OVERDUE_OPENING else story.opened
        w.at(w.day(opened, *story.hour), lambda at, s=story: open_request(w, s, at))
    for index, story in enumerate(TWO_REPAIRS):
        if index < len(twice):
            unit, repairs, day = twice[index]
            w.units[story.key] = unit
            at = w.day((w.today - day).days, *story.hour)
        else:
            at = w.day(33 if index == 0 else 1, *story.hour)
            repairs = synthetic_repairs(timezone.localdate(at))
        w.at(at, lambda at, s=story, r=repairs: open_request(w, s, at, repairs=r))
    for check in DOA_CHECKS:
        w.at(w.day(check.checked, *check.hour), lambda at, c=check: doa(w, c, at))
    first = TWO_REPAIRS[0].key
    return [twice[0][0].model.model_number] if twice else [next(s.model for s in SALES if s.key == first)]


def open_request(w: World, story: Story, at: dt.datetime, *, repairs=(), work_order=None):
    """The customer's request on today's decision (stored as intake stores it), the documents ticked."""
    unit = w.units.get(story.key)
    if unit is None:
        return None
    by = w.who(story.by)
    facts = unit_facts(unit=unit, report_date=timezone.localdate(at), repairs=repairs)
    decision = warranty_decision_record(unit=unit, facts=facts, acting_user=by, now=at)
    codes = [
        i.code
        for i in services.checklist(unit.model.category_id, story.remedy)
        if i.code not in story.missing
    ]
    row = services.remedy_request_open(
        decision=decision,
        remedy=story.remedy,
        documents=codes,
        override_reason=story.override,
        customer_note=story.note,
        work_order=work_order,
        acting_user=by,
        now=at,
    )
    w.requests[story.key] = row
    w.made["requests"] += 1
    follow(w, story, 0, at)
    return row


def follow(w: World, story: Story, index: int, after: dt.datetime) -> None:
    """Schedules the story's step `index` after the one before."""
    if index >= len(story.steps):
        return
    _what, when, _who, _detail = story.steps[index]
    at = w.next_working(after) if when == "next" else after + dt.timedelta(hours=when)
    w.at(at, lambda t: step(w, story, index, t))


def step(w: World, story: Story, index: int, at: dt.datetime) -> None:
    what, _when, who, detail = story.steps[index]
    row, actor = w.requests[story.key], w.who(who)
    if what == "approve":
        row = services.remedy_request_approve(request=row, note=detail, acting_user=actor, now=at)
    elif what == "reject":
        row = services.remedy_request_reject(request=row, reason=detail, acting_user=actor, now=at)
    elif what == "cancel":
        row = services.remedy_request_cancel(request=row, reason=detail, acting_user=actor, now=at)
    elif what in ("exchange", "wait"):
        source = stock.dealer_warehouse(row.dealer or row.unit.dealer) if detail == "dealer" else None
        row = services.remedy_exchange(
            request=row, warehouse=source or stock.central_warehouse(), acting_user=actor, now=at
        )
    elif what == "refund":
        method, reference = detail
        if method == "wechat":
            reference = "4200" + "".join(w.rng.choice("0123456789") for _ in range(24))
        elif reference:
            reference = f"{reference}{at:%m%d}{w.rng.randint(10**5, 10**6 - 1)}"
        row = services.remedy_refund(
            request=row, method=method, reference=reference, acting_user=actor, now=at
        )
    w.requests[story.key] = row
    if row.status == RemedyStatus.DONE:
        refurbish(w, story.key, row, at)
        return
    follow(w, story, index + 1, at)


def doa(w: World, check: Doa, at: dt.datetime) -> None:
    """The out-of-box check at the dealer, the fault confirmed by a technician of the centre; approved, the
    unit is exchanged at once from the dealer's stock and the dealer credited."""
    unit = w.units.get(check.key)
    if unit is None:
        return
    center = w.centers.get(check.center)
    technician = (
        Technician.objects.filter(center=center, active=True, categories=unit.model.category_id)
        .order_by("pk")
        .first()
    )
    codes = [i.code for i in services.checklist(unit.model.category_id, "doa") if i.code not in check.missing]
    row = services.doa_check_record(
        unit=unit,
        fault=check.fault,
        confirmed_by=technician.name if technician else "服务中心技术员",
        checked=codes,
        center=center,
        acting_user=w.who(check.by),
        now=at,
    )
    w.made["doa_checks"] += 1
    if row.request_id:
        request = RemedyRequest.objects.get(pk=row.request_id)
        w.requests[check.key] = request
        w.made["requests"] += 1
        if request.status == RemedyStatus.DONE:
            refurbish(w, check.key, request, at)
