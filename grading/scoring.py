"""The score and the proposed level as pure functions (no ORM): see GradingPolicy's docstring."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from network.choices import CenterLevel

from .choices import Metric

HUNDRED = Decimal("100")
ONE_PLACE = Decimal("0.1")
TWO_PLACES = Decimal("0.01")


@dataclass(frozen=True)
class Rule:
    metric: str
    weight: int
    target: Decimal
    zero_at: Decimal


@dataclass
class Counts:
    """A centre's month as counted by grading.services.compute (zero everywhere for a centre without work)."""

    orders: int = 0
    first_time_fixed: int = 0
    response_due: int = 0
    response_on_time: int = 0
    arrival_due: int = 0
    arrival_on_time: int = 0
    repair_hours: Decimal | None = None
    callbacks_scored: int = 0
    satisfaction: Decimal | None = None
    complaints_upheld: int = 0
    repeats: int = 0
    returns_due: int = 0
    returns_on_time: int = 0


def _rate(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (HUNDRED * part / whole).quantize(TWO_PLACES, ROUND_HALF_UP)


def metric_values(c: Counts) -> dict[str, Decimal | None]:
    """Each metric's value for the month, None when there is nothing to measure it by."""
    return {
        Metric.FIRST_TIME_FIX: _rate(c.first_time_fixed, c.orders),
        Metric.RESPONSE_ON_TIME: _rate(c.response_on_time, c.response_due),
        Metric.ARRIVAL_ON_TIME: _rate(c.arrival_on_time, c.arrival_due),
        Metric.REPAIR_HOURS: c.repair_hours if c.orders else None,
        Metric.SATISFACTION: c.satisfaction if c.callbacks_scored else None,
        Metric.COMPLAINTS: _rate(c.complaints_upheld, c.orders),
        Metric.REPEATS: _rate(c.repeats, c.orders),
        Metric.RETURNS_ON_TIME: _rate(c.returns_on_time, c.returns_due),
    }


def metric_points(value: Decimal, rule: Rule) -> Decimal:
    """weight × clamp((value − zero) / (target − zero), 0, 1), to two places."""
    share = (value - rule.zero_at) / (rule.target - rule.zero_at)
    share = min(max(share, Decimal(0)), Decimal(1))
    return (rule.weight * share).quantize(TWO_PLACES, ROUND_HALF_UP)


def score(values: dict[str, Decimal | None], rules: list[Rule]) -> tuple[Decimal | None, dict]:
    """The score (0–100, one decimal; None when no metric has data) and each metric's value and points."""
    detail: dict[str, dict] = {}
    earned = Decimal(0)
    weights = 0
    for rule in rules:
        value = values.get(rule.metric)
        if value is None or rule.weight == 0:
            detail[rule.metric] = {
                "value": None if value is None else str(value),
                "points": None,
                "weight": rule.weight,
            }
            continue
        points = metric_points(value, rule)
        earned += points
        weights += rule.weight
        detail[rule.metric] = {"value": str(value), "points": str(points), "weight": rule.weight}
    if not weights:
        return None, detail
    return (HUNDRED * earned / weights).quantize(ONE_PLACE, ROUND_HALF_UP), detail


def proposed_level(
    total: Decimal | None, thresholds: list[tuple[str, Decimal]], *, current: str, enough_orders: bool
) -> str:
    """The best level whose minimum the score reaches; the current level when there is too little work."""
    if not enough_orders or total is None:
        return current
    for level, minimum in thresholds:
        if total >= minimum:
            return str(level)
    return str(CenterLevel.GENERAL)
