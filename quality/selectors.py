"""The pages' reads: the alerts in hand first, the model-month table, and an alert's evidence with the names
of its fault codes and parts and the chart's series."""

from __future__ import annotations

from django.db.models import Case, F, IntegerField, Value, When

from inventory.models import Part
from repairs.models import FaultCode

from .choices import CHART_MONTHS, AlertStatus
from .models import Alert, ModelMonth
from .services import percent


def alerts_in_order(user):
    """Open first, then acknowledged, then closed; the highest ratio first within each."""
    rank = Case(
        When(status=AlertStatus.OPEN, then=Value(0)),
        When(status=AlertStatus.ACKNOWLEDGED, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return (
        Alert.objects.for_user(user)
        .select_related("model__category")
        .annotate(rank=rank)
        .order_by("rank", "-ratio", "-raised_at", "-pk")
    )


def model_months(*, category: int | None = None, judged_only: bool = False):
    """Every model-month counted, or only those judged (enough units past the window, a baseline to compare
    with: they have a ratio); those above the threshold first, then by ratio."""
    rows = ModelMonth.objects.select_related("model__category")
    if category:
        rows = rows.filter(model__category_id=category)
    if judged_only:
        rows = rows.filter(ratio__isnull=False)
    return rows.order_by("-exceeds", F("ratio").desc(nulls_last=True), "-production_month", "model_id")


def chart_data(evidence: dict) -> dict:
    """What the chart reads: month in service 1…12, the model-month's repair rate in that month (repairs in
    month k ÷ units that completed month k × 100, as strings; null without such units) and the baseline's."""
    by_month = evidence.get("by_month") or []
    rates, units = [], []
    for k in range(CHART_MONTHS):
        exposed, repairs = by_month[k] if k < len(by_month) else (0, 0)
        value = percent(repairs, exposed)
        rates.append(None if value is None else str(value))
        units.append(exposed)
    baseline = list(evidence.get("baseline_by_month") or [])[:CHART_MONTHS]
    baseline += [None] * (CHART_MONTHS - len(baseline))
    return {"months": list(range(1, CHART_MONTHS + 1)), "rate": rates, "baseline": baseline, "units": units}


def evidence_tables(evidence: dict, repairs: int) -> tuple[list[dict], list[dict]]:
    """The top fault codes (code, name, repairs, share of the window's repairs) and parts (code, name,
    quantity): two queries for the names."""
    fault_pairs = evidence.get("faults") or []
    part_pairs = evidence.get("parts") or []
    codes = FaultCode.objects.in_bulk([f for f, _n in fault_pairs])
    parts = Part.objects.in_bulk([p for p, _q in part_pairs])
    faults = [
        {
            "code": codes[f].code if f in codes else "",
            "name": codes[f].local_name if f in codes else "",
            "repairs": n,
            "share": percent(n, repairs),
        }
        for f, n in fault_pairs
    ]
    return faults, [
        {
            "code": parts[p].code if p in parts else "",
            "name": parts[p].name if p in parts else "",
            "quantity": q,
        }
        for p, q in part_pairs
    ]
