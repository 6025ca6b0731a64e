"""Reads of the service budget: the month's budget against actual cost (per head and category, year to date,
twelve months' trend) from the rollup, and the records behind each figure (the drill-down).

Planned cost of a head = factory value of the units sold × budget rate × the head's share, per category and
province (a province's own budget, else the national one), rounded to the fen per cell and then added up.
Actual cost of a head = its gross cost − what was recovered for it (parts charged to centres on paid work,
exchanges and refunds charged to the repairer that caused them)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q, Sum
from django.utils.translation import gettext_lazy as _

from aftersales.money import ZERO, money

from .models import (
    HEAD_OF_MEASURE,
    RECOVERY_OF_HEAD,
    SETTLED_MEASURES,
    Budget,
    BudgetActual,
    BudgetHead,
    BudgetRefresh,
    ManualCost,
    Measure,
)

HUNDRED = Decimal("100")
TREND_MONTHS = 12


def add_months(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def _ratio(part: Decimal, whole: Decimal) -> Decimal | None:
    """part / whole as a percentage with two places; None when there is no whole."""
    if not whole:
        return None
    return (part * HUNDRED / whole).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)  # 四舍五入


class _Figures:
    """Sums of one scope (a month, a year to date): planned and actual per head, sales."""

    def __init__(self):
        self.planned = defaultdict(lambda: ZERO)
        self.gross = defaultdict(lambda: ZERO)
        self.recovered = defaultdict(lambda: ZERO)
        self.counts = defaultdict(int)
        self.sales_value = ZERO
        self.sales_units = 0
        self.unpriced_units = 0
        self.unbudgeted_value = ZERO

    def heads(self) -> list[dict]:
        rows = []
        for head in BudgetHead:
            net = self.gross[head] - self.recovered[head]
            planned = self.planned[head]
            rows.append(
                {
                    "head": head,
                    "label": head.label,
                    "planned": planned,
                    "gross": self.gross[head],
                    "recovered": self.recovered[head],
                    "recovery_measure": RECOVERY_OF_HEAD.get(head, ""),
                    "actual": net,
                    "variance": net - planned,
                    "used": _ratio(net, planned),
                    "count": self.counts[head],
                }
            )
        return rows

    @property
    def planned_total(self) -> Decimal:
        return sum(self.planned.values(), ZERO)

    @property
    def actual_total(self) -> Decimal:
        return sum(self.gross.values(), ZERO) - sum(self.recovered.values(), ZERO)

    def summary(self) -> dict:
        return {
            "planned": self.planned_total,
            "actual": self.actual_total,
            "variance": self.actual_total - self.planned_total,
            "used": _ratio(self.actual_total, self.planned_total),
            "sales_value": self.sales_value,
            "sales_units": self.sales_units,
            "unpriced_units": self.unpriced_units,
            "unbudgeted_value": self.unbudgeted_value,
            "actual_rate": _ratio(self.actual_total, self.sales_value),
            "planned_rate": _ratio(self.planned_total, self.sales_value),
        }


def _budget_for(budgets: dict, year: int, category_id: int, region_id):
    return budgets.get((year, category_id, region_id)) or budgets.get((year, category_id, None))


def budget_report(*, month: dt.date, category=None, region=None, drafts: bool = False) -> dict:
    """Everything the monthly page, its export and its PDF show, in a fixed number of queries."""
    month = month.replace(day=1)
    trend_first = add_months(month, -(TREND_MONTHS - 1))
    first = min(trend_first, month.replace(month=1))
    scope = Q(month__gte=first, month__lte=month)
    if category is not None:
        scope &= Q(category=category)
    if region is not None:
        scope &= Q(region=region)
    sales = (
        BudgetActual.objects.filter(scope, measure__in=[Measure.SALES_VALUE, Measure.SALES_UNPRICED])
        .values_list("month", "category_id", "region_id", "measure")
        .annotate(amount=Sum("amount"), quantity=Sum("quantity"))
        .order_by()
    )
    costs = BudgetActual.objects.filter(scope).exclude(
        measure__in=[Measure.SALES_VALUE, Measure.SALES_UNPRICED]
    )
    if not drafts:
        costs = costs.filter(draft=False)
    costs = (
        costs.values_list("month", "category_id", "measure")
        .annotate(amount=Sum("amount"), quantity=Sum("quantity"))
        .order_by()
    )
    manual = (
        ManualCost.objects.filter(scope)
        .values_list("month", "category_id")
        .annotate(amount=Sum("amount"), quantity=Sum(1))
        .order_by()
    )
    budgets = {
        (b.year, b.category_id, b.region_id): b
        for b in Budget.objects.filter(year__in={first.year, month.year})
    }
    months = [
        add_months(first, i) for i in range((month.year - first.year) * 12 + month.month - first.month + 1)
    ]
    by_month = {m: _Figures() for m in months}
    by_category: dict[int, _Figures] = defaultdict(_Figures)
    for m, category_id, region_id, measure, amount, quantity in sales:
        figures = by_month[m]
        if measure == Measure.SALES_UNPRICED:
            figures.unpriced_units += quantity
            if m == month:
                by_category[category_id].unpriced_units += quantity
            continue
        budget = _budget_for(budgets, m.year, category_id, region_id)
        targets = [figures] + ([by_category[category_id]] if m == month else [])
        for target in targets:
            target.sales_value += amount
            target.sales_units += quantity
            if budget is None:
                target.unbudgeted_value += amount
        if budget is None:
            continue
        for head in BudgetHead:
            planned = money(amount * budget.rate_percent * budget.share(head) / (HUNDRED * HUNDRED))
            for target in targets:
                target.planned[head] += planned
    recovered_heads = {measure: head for head, measure in RECOVERY_OF_HEAD.items()}
    for m, category_id, measure, amount, quantity in costs:
        targets = [by_month[m]] + ([by_category[category_id]] if m == month else [])
        for target in targets:
            if measure in recovered_heads:
                target.recovered[recovered_heads[measure]] += amount
            else:
                target.gross[HEAD_OF_MEASURE[measure]] += amount
                target.counts[HEAD_OF_MEASURE[measure]] += quantity
    for m, category_id, amount, quantity in manual:
        targets = [by_month[m]] + ([by_category[category_id]] if m == month else [])
        for target in targets:
            target.gross[BudgetHead.HOTLINE_OTHER] += amount
            target.counts[BudgetHead.HOTLINE_OTHER] += quantity
    year_to_date = _Figures()
    for m in months:
        if m.year != month.year:
            continue
        f = by_month[m]
        for head in BudgetHead:
            year_to_date.planned[head] += f.planned[head]
            year_to_date.gross[head] += f.gross[head]
            year_to_date.recovered[head] += f.recovered[head]
            year_to_date.counts[head] += f.counts[head]
        year_to_date.sales_value += f.sales_value
        year_to_date.sales_units += f.sales_units
        year_to_date.unpriced_units += f.unpriced_units
        year_to_date.unbudgeted_value += f.unbudgeted_value
    this = by_month[month]
    pending = ZERO
    if not drafts:
        pending = (
            BudgetActual.objects.filter(
                scope, month=month, draft=True, measure__in=SETTLED_MEASURES[:2]
            ).aggregate(s=Sum("amount"))["s"]
            or ZERO
        )
    refreshes = {r.month: r for r in BudgetRefresh.objects.filter(month__gte=first, month__lte=month)}
    ytd_heads = {row["head"]: row for row in year_to_date.heads()}
    heads = this.heads()
    for row in heads:
        row["ytd"] = ytd_heads[row["head"]]
    return {
        "month": month,
        "heads": heads,
        "summary": this.summary(),
        "ytd": year_to_date.summary(),
        "by_category": by_category,
        "trend": [{"month": m, **by_month[m].summary()} for m in months if m >= trend_first],
        "pending_drafts": pending,
        "refresh": refreshes.get(month),
        "stale_months": [m for m in months if m not in refreshes],
        "budgets": [b for b in budgets.values() if b.year == month.year],
    }


def category_rows(report: dict, categories) -> list[dict]:
    """The month's figures per category, in the catalogue's order (categories with nothing left out)."""
    rows = []
    for category in categories:
        figures = report["by_category"].get(category.pk)
        if figures is None:
            continue
        rows.append({"category": category, **figures.summary()})
    return rows


MEASURE_LABELS = {**{m.value: m.label for m in Measure}, "hotline_other": _("Hotline and other")}
