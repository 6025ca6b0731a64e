"""The manager's dashboard: pure reads, each figure one or two aggregate queries on an index, so the page
costs the same few queries however many centres, orders and deadlines there are.

Every selector takes `now` (read once by `manager_dashboard`). Managers see everything: nothing here is
scoped, and the view is for managers only. Weeks start on Monday 00:00 in China's time; "the last 30 days"
is (now − 30 days, now].
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Avg, Count, DateTimeField, Exists, ExpressionWrapper, F, OuterRef, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from repairs.choices import OPEN_STATUSES, WorkOrderStatus
from repairs.models import RepairCall, WorkOrder

from .calendar import CHINA
from .choices import COMPLIANCE_STAGES, CallbackStatus, Stage, StopReason
from .models import Callback, Complaint, Deadline

PERIOD = dt.timedelta(days=30)
CALLBACK_OVERDUE = dt.timedelta(days=1)


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
    province; a call logged against a city or a province counts there). One grouped query."""
    region = "call__service_region"
    rows = (
        WorkOrder.objects.filter(status__in=OPEN_STATUSES)
        .values(
            "status",
            province_id=Coalesce(f"{region}__parent__parent_id", f"{region}__parent_id", f"{region}_id"),
            province_name=Coalesce(
                f"{region}__parent__parent__name", f"{region}__parent__name", f"{region}__name"
            ),
        )
        .annotate(n=Count("pk"))
        .order_by()
    )
    by_status = {s: 0 for s in WorkOrderStatus.values if s in OPEN_STATUSES}
    provinces: dict[int, dict] = {}
    for row in rows:
        by_status[row["status"]] += row["n"]
        province = provinces.setdefault(
            row["province_id"], {"id": row["province_id"], "name": row["province_name"], "n": 0}
        )
        province["n"] += row["n"]
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
    the share met on time. One range scan of deadline_stage_due (stage, due_at)."""
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
            this_on_time=Count("pk", filter=this & on_time),
            this_settled=Count("pk", filter=this),
            last_on_time=Count("pk", filter=~this & on_time),
            last_settled=Count("pk", filter=~this),
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
    their share of the period's calls. One query; the look-back is an index probe of repair_call_unit
    (unit, -logged_at) per call."""
    earlier = RepairCall.objects.filter(
        unit=OuterRef("unit"),
        logged_at__lt=OuterRef("logged_at"),
        logged_at__gte=ExpressionWrapper(OuterRef("logged_at") - PERIOD, output_field=DateTimeField()),
    )
    figures = RepairCall.objects.filter(logged_at__gt=now - PERIOD, logged_at__lte=now).aggregate(
        calls=Count("pk"), repeats=Count("pk", filter=Exists(earlier))
    )
    return {**figures, "rate": _rate(figures["repeats"], figures["calls"])}


# Complaints ---------------------------------------------------------------------------------------------


def upheld_complaints(*, now: dt.datetime) -> dict:
    """Complaints resolved as upheld in the last 30 days, per centre."""
    rows = (
        Complaint.objects.filter(upheld=True, resolved_at__gt=now - PERIOD, resolved_at__lte=now)
        .values("center_id", "center__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "center__name")
    )
    centers = [{"id": r["center_id"], "name": r["center__name"] or "", "n": r["n"]} for r in rows]
    return {"total": sum(c["n"] for c in centers), "by_center": centers}


def manager_dashboard(*, now: dt.datetime | None = None) -> dict:
    """Every figure of the manager's dashboard, as of one instant."""
    now = now or timezone.now()
    return {
        "now": now,
        "open_orders": open_work_orders(),
        "compliance": sla_compliance(now=now),
        "breaches": breaches_now(),
        "callbacks": callbacks_due(now=now),
        "satisfaction": satisfaction_by_center(now=now),
        "repeats": repeat_repairs(now=now),
        "complaints": upheld_complaints(now=now),
    }
