"""The manager's dashboard: pure reads, each figure one or two aggregate queries, so the page costs the
same few queries however many centres, orders and deadlines there are.

Every selector takes `now` (read once by `manager_dashboard`). Managers see everything: nothing here is
scoped, and the view is for managers only. Weeks start on Monday 00:00 in China's time; "the last 30 days"
is (now − 30 days, now].

What is late right now (breaches, callbacks due) and the upheld complaints are read on every request: each
is one query on a partial index or a small table. The figures that count over every open order, a fortnight of
deadlines or a month of calls — open orders by status and province, SLA compliance, satisfaction, repeat
repairs — take seconds at a million open orders (bench/care_bench.py), move slowly, and are kept in the
cache for CACHE_SECONDS: the page shows when they were counted. `dashboard_refresh()` recounts them (for a
periodic task, so that no request waits for the count).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.cache import cache
from django.db import connection
from django.db.models import Avg, Count, F, Q, Window
from django.db.models.functions import Lead
from django.utils import timezone

from network.models import Region
from repairs.choices import OPEN_STATUSES, WorkOrderStatus
from repairs.models import RepairCall, WorkOrder

from .calendar import CHINA
from .choices import COMPLIANCE_STAGES, CallbackStatus, Stage, StopReason
from .models import Callback, Complaint, Deadline

PERIOD = dt.timedelta(days=30)
CALLBACK_OVERDUE = dt.timedelta(days=1)
CACHE_SECONDS = 5 * 60


def week_start(now: dt.datetime) -> dt.datetime:
    """Monday 00:00 (China's time) of the week `now` falls in."""
    local = timezone.localtime(now, CHINA)
    monday = local.date() - dt.timedelta(days=local.weekday())
    return dt.datetime.combine(monday, dt.time.min, tzinfo=CHINA)


def _rate(part: int, whole: int) -> float | None:
    """A percentage with one decimal, None when there is nothing to divide by."""
    return round(100 * part / whole, 1) if whole else None


# Open work orders ---------------------------------------------------------------------------------------


def open_work_orders() -> dict:
    """Open orders by status and by province of the call's service district (district → city →
    province; a call logged against a city or a province counts there). One grouped query over the open
    orders and their calls, one for the districts' provinces."""
    rows = list(
        WorkOrder.objects.filter(status__in=OPEN_STATUSES)
        .values("status", "call__service_region_id")
        .annotate(n=Count("*"))
        .order_by()
    )
    regions = {
        r["pk"]: r
        for r in Region.objects.filter(pk__in={row["call__service_region_id"] for row in rows}).values(
            "pk", "name", "parent_id", "parent__name", "parent__parent_id", "parent__parent__name"
        )
    }
    by_status = {s: 0 for s in WorkOrderStatus.values if s in OPEN_STATUSES}
    provinces: dict[int, dict] = {}
    for row in rows:
        by_status[row["status"]] += row["n"]
        region = regions[row["call__service_region_id"]]
        if region["parent__parent_id"]:
            key, name = region["parent__parent_id"], region["parent__parent__name"]
        elif region["parent_id"]:
            key, name = region["parent_id"], region["parent__name"]
        else:
            key, name = region["pk"], region["name"]
        provinces.setdefault(key, {"id": key, "name": name, "n": 0})["n"] += row["n"]
    return {
        "total": sum(by_status.values()),
        "by_status": [{"status": s, "label": WorkOrderStatus(s).label, "n": n} for s, n in by_status.items()],
        "by_province": sorted(provinces.values(), key=lambda p: (-p["n"], p["name"])),
    }


# SLA compliance -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Compliance:
    on_time: int
    settled: int  # met (on time or late) or breached; cancelled ones left out

    @property
    def late(self) -> int:
        return self.settled - self.on_time

    @property
    def rate(self) -> float | None:
        return _rate(self.on_time, self.settled)


def sla_compliance(*, now: dt.datetime) -> dict:
    """This week and last week, per stage: of the deadlines due in the week that were met or breached,
    the share met on time. One range scan of deadline_stage_due (stage, due_at) — or, at a fortnight of
    millions of deadlines, of the whole table: then an index holding the columns counted would serve it
    alone (see bench/care_bench.py)."""
    this_week = week_start(now)
    last_week = this_week - dt.timedelta(days=7)
    next_week = this_week + dt.timedelta(days=7)
    met = Q(stop_reason=StopReason.MET)
    on_time = met & Q(stopped_at__lte=F("due_at"))
    this = Q(due_at__gte=this_week)
    rows = {
        row["stage"]: row
        for row in Deadline.objects.filter(
            stage__in=COMPLIANCE_STAGES, due_at__gte=last_week, due_at__lt=next_week
        )
        .filter(met | Q(breached_at__isnull=False))
        .exclude(stop_reason=StopReason.CANCELLED)
        .values("stage")
        .annotate(
            this_on_time=Count("due_at", filter=this & on_time),
            this_settled=Count("due_at", filter=this),
            last_on_time=Count("due_at", filter=~this & on_time),
            last_settled=Count("due_at", filter=~this),
        )
        .order_by()
    }
    stages = []
    for stage in COMPLIANCE_STAGES:
        row = rows.get(stage, {})
        stages.append(
            {
                "stage": str(stage),
                "label": Stage(stage).label,
                "this": Compliance(row.get("this_on_time", 0), row.get("this_settled", 0)),
                "last": Compliance(row.get("last_on_time", 0), row.get("last_settled", 0)),
            }
        )
    return {"this_week": this_week, "last_week": last_week, "stages": stages}


# Breaches now -------------------------------------------------------------------------------------------


def breaches_now() -> dict:
    """Running deadlines past due (breached, not stopped, not paused), by stage and by centre. One query
    on the partial index deadline_breached_open (center, stage, due_at)."""
    rows = (
        Deadline.objects.breached_now()
        .values("center_id", "center__name", "stage")
        .annotate(n=Count("pk"))
        .order_by()
    )
    by_stage = {str(s): 0 for s in Stage}
    centers: dict[int | None, dict] = {}
    for row in rows:
        by_stage[row["stage"]] += row["n"]
        center = centers.setdefault(
            row["center_id"], {"id": row["center_id"], "name": row["center__name"] or "", "n": 0}
        )
        center["n"] += row["n"]
    return {
        "total": sum(by_stage.values()),
        "by_stage": [{"stage": s, "label": Stage(s).label, "n": n} for s, n in by_stage.items() if n],
        "by_center": sorted(centers.values(), key=lambda c: (-c["n"], c["name"])),
    }


# Callbacks ----------------------------------------------------------------------------------------------


def callbacks_due(*, now: dt.datetime) -> dict:
    """Callbacks still to make whose time has come (`due`), those a day or more past it (`overdue`) and the
    rest (`due_within_day`: the callback queue's "due now"). One query on callback_pending_due."""
    figures = Callback.objects.filter(status=CallbackStatus.PENDING, due_at__lte=now).aggregate(
        due=Count("pk"), overdue=Count("pk", filter=Q(due_at__lte=now - CALLBACK_OVERDUE))
    )
    return {**figures, "due_within_day": figures["due"] - figures["overdue"]}


def satisfaction_by_center(*, now: dt.datetime) -> list[dict]:
    """The customers' average score (1–5) per centre over the callbacks that reached them in the last 30
    days, with how many there were."""
    rows = (
        Callback.objects.filter(satisfaction__isnull=False, reached_at__gt=now - PERIOD, reached_at__lte=now)
        .values("center_id", "center__name")
        .annotate(average=Avg("satisfaction"), n=Count("pk"))
        .order_by("center__name", "center_id")
    )
    return [
        {
            "id": r["center_id"],
            "name": r["center__name"] or "",
            "average": round(r["average"], 2),
            "n": r["n"],
        }
        for r in rows
    ]


# Repeat repairs -----------------------------------------------------------------------------------------


def repeat_repairs(*, now: dt.datetime) -> dict:
    """Repair calls logged in the last 30 days whose unit had another call in the 30 days before it, and
    their share of the period's calls. One query: each call of the last 60 days next to the unit's call
    before it (a window over repair_call_unit (unit, -logged_at), read in its order), counted for the last
    30 days. Two calls at the same instant: one of them is the repeat."""
    earlier = Window(Lead("logged_at"), partition_by=[F("unit_id")], order_by=F("logged_at").desc())
    figures = (
        RepairCall.objects.filter(logged_at__gt=now - 2 * PERIOD, logged_at__lte=now)
        .annotate(earlier=earlier)
        .aggregate(
            calls=Count("logged_at", filter=Q(logged_at__gt=now - PERIOD)),
            repeats=Count(
                "logged_at", filter=Q(logged_at__gt=now - PERIOD, earlier__gte=F("logged_at") - PERIOD)
            ),
        )
    )
    return {**figures, "rate": _rate(figures["repeats"], figures["calls"])}


# Complaints ---------------------------------------------------------------------------------------------


def upheld_since(now: dt.datetime) -> dt.date:
    """The first of the last 30 days (today included): the complaints list filters from the same day."""
    return timezone.localdate(now) - PERIOD + dt.timedelta(days=1)


def upheld_complaints(*, now: dt.datetime) -> dict:
    """Complaints resolved as upheld in the last 30 days (from the start of upheld_since), per centre."""
    since = timezone.make_aware(dt.datetime.combine(upheld_since(now), dt.time.min))
    rows = (
        Complaint.objects.filter(upheld=True, resolved_at__gte=since, resolved_at__lte=now)
        .values("center_id", "center__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "center__name")
    )
    centers = [{"id": r["center_id"], "name": r["center__name"] or "", "n": r["n"]} for r in rows]
    return {"total": sum(c["n"] for c in centers), "by_center": centers, "since": upheld_since(now)}


# The page ---------------------------------------------------------------------------------------------


def slow_figures(*, now: dt.datetime) -> dict:
    """The figures counted over every open order, a fortnight of deadlines or a month of calls."""
    return {
        "counted_at": now,
        "open_orders": open_work_orders(),
        "compliance": sla_compliance(now=now),
        "satisfaction": satisfaction_by_center(now=now),
        "repeats": repeat_repairs(now=now),
    }


def _cache_key() -> str:
    # Per database: test runs and environments sharing one Redis keep apart.
    return f"care:dashboard:{connection.settings_dict['NAME']}"


def dashboard_refresh(*, now: dt.datetime | None = None) -> dict:
    """Counts the slow figures again and keeps them for CACHE_SECONDS."""
    figures = slow_figures(now=now or timezone.now())
    cache.set(_cache_key(), figures, CACHE_SECONDS)
    return figures


def manager_dashboard(*, now: dt.datetime | None = None, cached: bool = True) -> dict:
    """Every figure of the manager's dashboard: what is late as of `now`, the slow figures as of when they
    were counted (at most CACHE_SECONDS ago; `cached=False` counts them now)."""
    now = now or timezone.now()
    slow = cache.get(_cache_key()) if cached else None
    if slow is None:
        slow = dashboard_refresh(now=now) if cached else slow_figures(now=now)
    return {
        **slow,
        "now": now,
        "breaches": breaches_now(),
        "callbacks": callbacks_due(now=now),
        "complaints": upheld_complaints(now=now),
    }
