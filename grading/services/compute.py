"""The month's assessment of every centre: results counted set-based, scored, a level proposed."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.months import month_bounds
from network.models import ServiceCenter

from .. import scoring
from ..choices import AssessmentStatus
from ..defaults import default_policy_sync
from ..models import Assessment, GradingPolicy, MetricRule
from ..selectors import levels_in_force, month_add
from .sql import QUERIES

COUNT_FIELDS = [
    "orders",
    "first_time_fixed",
    "response_due",
    "response_on_time",
    "arrival_due",
    "arrival_on_time",
    "repair_hours",
    "callbacks_scored",
    "satisfaction",
    "complaints_upheld",
    "repeats",
    "returns_due",
    "returns_on_time",
]
UPDATED_FIELDS = [
    *COUNT_FIELDS,
    "current_level",
    "proposed_level",
    "score",
    "enough_orders",
    "points",
    "computed_at",
]
TWO = Decimal("0.01")


def policy_in_force() -> GradingPolicy:
    """The grading policy (the shipped defaults when a database has none yet), its rules prefetched."""
    policy = GradingPolicy.objects.prefetch_related("rules").order_by("pk").first()
    if policy is None:
        default_policy_sync(GradingPolicy, MetricRule)
        policy = GradingPolicy.objects.prefetch_related("rules").order_by("pk").first()
    return policy


def month_assessable(month: dt.date, now: dt.datetime) -> dt.date:
    """The month's first day; refused when the month is not over yet (its results are not all in)."""
    first = month.replace(day=1)
    _start, end = month_bounds(first)
    if end > now:
        raise ValidationError(
            {
                "month": _("%(month)s is not over yet: its results cannot be assessed.")
                % {"month": f"{first:%Y-%m}"}
            }
        )
    return first


def centres_of_month(first: dt.date):
    """The centres with an agreement in force at any time of the month (not standby providers)."""
    _start, end = month_bounds(first)
    last_day = (end - dt.timedelta(days=1)).date()
    return (
        ServiceCenter.objects.filter(active=True, standby=False, agreement_start__lte=last_day)
        .filter(Q(agreement_end__isnull=True) | Q(agreement_end__gte=first))
        .order_by("code")
    )


def results_count(*, center_ids: list[int], first: dt.date) -> dict[int, scoring.Counts]:
    """Every centre's counts for the month: one grouped query per source (grading/services/sql.py)."""
    start, end = month_bounds(first)
    params = {
        "centers": center_ids,
        "start": start,
        "end": end,
        "first": first,
        "last": (end - dt.timedelta(days=1)).date(),
        "tz": settings.TIME_ZONE,
    }
    counts = {pk: scoring.Counts() for pk in center_ids}
    with connection.cursor() as cursor:
        for sql in QUERIES:
            cursor.execute(sql, params)
            names = [col.name for col in cursor.description]
            for row in cursor.fetchall():
                record = dict(zip(names, row, strict=True))
                target = counts[record.pop("center_id")]
                for name, value in record.items():
                    if name in ("repair_hours", "satisfaction"):
                        value = None if value is None else Decimal(value).quantize(TWO, ROUND_HALF_UP)
                    setattr(target, name, value)
    return counts


def centres_assess(*, month: dt.date, now: dt.datetime | None = None) -> list[Assessment]:
    """Counts the month's results of every centre, scores them and proposes a level; stores one
    Assessment per centre and month. Run again, it refreshes the proposals still open (the same rows) and
    never touches a confirmed one. Refused: a month not over yet."""
    now = now or timezone.now()
    first = month_assessable(month, now)
    centers = list(centres_of_month(first))
    policy = policy_in_force()
    rules = [
        scoring.Rule(metric=r.metric, weight=r.weight, target=r.target, zero_at=r.zero_at)
        for r in policy.rules.all()
    ]
    thresholds = policy.thresholds()
    counts = results_count(center_ids=[c.pk for c in centers], first=first)
    # What the proposal would change: the level in force after the month (a decision already taken for
    # that month included).
    current = levels_in_force(centers=centers, month=month_add(first))
    with transaction.atomic():
        # Every row of the month locked: a confirmation waits for the refresh, or the refresh for it.
        confirmed = {
            center_id
            for center_id, status in Assessment.objects.select_for_update()
            .filter(month=first)
            .values_list("center_id", "status")
            if status == AssessmentStatus.CONFIRMED
        }
        rows = []
        for center in centers:
            if center.pk in confirmed:
                continue
            c = counts[center.pk]
            total, detail = scoring.score(scoring.metric_values(c), rules)
            enough = c.orders >= policy.min_orders
            rows.append(
                Assessment(
                    center=center,
                    month=first,
                    status=AssessmentStatus.PROPOSED,
                    current_level=current[center.pk],
                    proposed_level=scoring.proposed_level(
                        total, thresholds, current=current[center.pk], enough_orders=enough
                    ),
                    score=total,
                    enough_orders=enough,
                    points=detail,
                    computed_at=now,
                    **{name: getattr(c, name) for name in COUNT_FIELDS},
                )
            )
        Assessment.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["center", "month"], update_fields=UPDATED_FIELDS
        )
    return list(Assessment.objects.filter(month=first).select_related("center").order_by("center__code"))
