"""Reads other apps use: which level is in force for a centre in a month (the settlement prices by it), and
the pages' reads."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from network.models import ServiceCenter

from .choices import UNITS, Metric
from .models import Assessment, GradingPolicy, LevelDecision


def month_add(month: dt.date, months: int = 1) -> dt.date:
    """The first day of the month `months` after (or before) `month`."""
    index = month.year * 12 + month.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def levels_in_force(*, centers, month: dt.date) -> dict[int, str]:
    """{centre id: its level in force in `month`}: the latest decision in force from that month or before;
    a centre whose first decision comes later had the level that decision replaced; a centre without any
    decision has ServiceCenter.level. One query, whatever the number of centres."""
    first = month.replace(day=1)
    found = {c.pk: c.level for c in centers}
    settled: set[int] = set()
    for center_id, level, previous, effective in (
        LevelDecision.objects.filter(center_id__in=list(found))
        .order_by("center_id", "effective_from")
        .values_list("center_id", "level", "previous_level", "effective_from")
    ):
        if effective <= first:
            found[center_id] = level
            settled.add(center_id)
        elif center_id not in settled:
            # The first decision is later than the month: the month had the level it replaced.
            found[center_id] = previous
            settled.add(center_id)
    return found


def center_level_in_force(*, center: ServiceCenter, month: dt.date) -> str:
    """The level a centre's work of `month` is paid by (the settlement's level lookup)."""
    return levels_in_force(centers=[center], month=month)[center.pk]


def metric_rows(assessment: Assessment, rules) -> list[dict]:
    """For the pages: each metric's label, value, unit, target, zero point, weight and points."""
    rows = []
    for rule in rules:
        shown = assessment.points.get(rule.metric, {}) if assessment else {}
        rows.append(
            {
                "metric": rule.metric,
                "label": Metric(rule.metric).label,
                "unit": UNITS[Metric(rule.metric)],
                "value": shown.get("value"),
                "points": shown.get("points"),
                "weight": rule.weight,
                "target": rule.target,
                "zero_at": rule.zero_at,
                "lower_is_better": rule.zero_at > rule.target,
            }
        )
    return rows


def policy_rules(policy: GradingPolicy) -> list:
    order = {m: i for i, m in enumerate(Metric.values)}
    return sorted(policy.rules.all(), key=lambda r: order.get(r.metric, 99))


def centres_closed_q(today: dt.date) -> Q:
    """A centre that takes no more work: inactive, on standby, or its agreement ended before `today`."""
    return Q(active=False) | Q(standby=True) | Q(agreement_end__lt=today)
