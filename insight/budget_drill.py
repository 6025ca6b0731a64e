"""The drill-down of the budget page: the records behind one figure of a month (category and province
optional), read live from their own tables, with their sum as the figure counts it (recoveries positive).
The same rules as insight.budget_sql, written with the ORM."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Case, Count, DecimalField, F, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce

from aftersales.money import ZERO
from aftersales.months import month_bounds
from inventory.choices import MovementKind
from inventory.models import StockMovement
from network.choices import SettlementLineKind, SettlementStatus
from network.models import SettlementLine
from remedies.choices import RefurbStatus, RemedyKind, RemedyStatus
from remedies.models import Refurbishment, RemedyRequest
from repairs.models import ProductUnit

from .models import FactoryPrice, ManualCost, Measure

HOTLINE_OTHER = "hotline_other"
DRILL_MEASURES = (
    Measure.SALES_VALUE,
    Measure.NETWORK_FEES,
    Measure.TRAVEL,
    Measure.PARTS,
    Measure.EXCHANGES,
    Measure.REFURBISHMENT,
    HOTLINE_OTHER,
    Measure.RECOVERED_PARTS,
    Measure.RECOVERED_REMEDIES,
)
LINE_KINDS = {
    Measure.NETWORK_FEES: [SettlementLineKind.SERVICE_FEE],
    Measure.TRAVEL: [SettlementLineKind.TRAVEL_FEE, SettlementLineKind.WASTED_VISIT],
    Measure.RECOVERED_PARTS: [SettlementLineKind.PARTS_CHARGED],
    Measure.RECOVERED_REMEDIES: [SettlementLineKind.REMEDY_CHARGE],
}
_MONEY = DecimalField(max_digits=14, decimal_places=2)


def _in_province(prefix: str, region) -> Q:
    """The region at `prefix` is the province or lies in it (a city, a district)."""
    return (
        Q(**{f"{prefix}_id": region.pk})
        | Q(**{f"{prefix}__parent_id": region.pk})
        | Q(**{f"{prefix}__parent__parent_id": region.pk})
    )


def _total(rows, field: str, sign: int = 1):
    value = rows.aggregate(s=Sum(field))["s"] or ZERO
    return value * sign


def _sales_total(units) -> Decimal:
    """Σ factory price in force on the sale date, counted per model and sale day (read from the sold-units
    index) rather than unit by unit: the same sum, a few hundred price look-ups instead of one per unit."""
    groups = list(units.values_list("model_id", "sale_date").annotate(n=Count("pk")).order_by())
    prices: dict[int, list] = {}
    for model_id, valid_from, price in (
        FactoryPrice.objects.filter(model_id__in={model_id for model_id, _day, _n in groups})
        .values_list("model_id", "valid_from", "price_amount")
        .order_by("model_id", "-valid_from")
    ):
        prices.setdefault(model_id, []).append((valid_from, price))
    total = ZERO
    for model_id, day, count in groups:
        price = next((p for valid_from, p in prices.get(model_id, []) if valid_from <= day), None)
        if price is not None:
            total += price * count
    return total


def drill_rows(*, measure: str, month: dt.date, category=None, region=None, drafts: bool = False):
    """(kind, rows, total) for one figure: kind names the template's columns."""
    month = month.replace(day=1)
    start, end = month_bounds(month)
    if measure == Measure.SALES_VALUE:
        price = FactoryPrice.objects.filter(
            model_id=OuterRef("model_id"), valid_from__lte=OuterRef("sale_date")
        )
        rows = ProductUnit.objects.filter(
            replaces__isnull=True, sale_date__gte=month, sale_date__lt=end.date()
        )
        if category is not None:
            rows = rows.filter(model__category=category)
        if region is not None:
            rows = rows.filter(_in_province("dealer__region", region))
        total = _sales_total(rows)
        rows = (
            rows.annotate(factory_price=Subquery(price.order_by("-valid_from").values("price_amount")[:1]))
            .select_related("model", "dealer")
            .order_by("sale_date", "pk")
        )
        return "units", rows, total
    if measure in LINE_KINDS:
        rows = SettlementLine.objects.filter(settlement__month=month, kind__in=LINE_KINDS[measure])
        if not drafts:
            rows = rows.filter(settlement__status__in=[SettlementStatus.CONFIRMED, SettlementStatus.PAID])
        if category is not None:
            rows = rows.filter(work_order__call__unit__model__category=category)
        if region is not None:
            rows = rows.filter(_in_province("settlement__center__region", region))
        rows = rows.select_related("settlement__center", "work_order__call__unit__model").order_by(
            "settlement__center__code", "closed_on", "pk"
        )
        recovery = measure in (Measure.RECOVERED_PARTS, Measure.RECOVERED_REMEDIES)
        return "lines", rows, _total(rows, "amount", -1 if recovery else 1)
    if measure == Measure.PARTS:
        rows = StockMovement.objects.filter(
            kind__in=[MovementKind.ISSUE, MovementKind.RETURN], created_at__gte=start, created_at__lt=end
        )
        if category is not None:
            rows = rows.filter(work_order__call__unit__model__category=category)
        if region is not None:
            rows = rows.filter(_in_province("work_order__center__region", region))
        rows = rows.select_related("part", "warehouse", "work_order").order_by("created_at", "pk")
        return "movements", rows, _total(rows, "value_amount", -1)
    if measure == Measure.EXCHANGES:
        rows = RemedyRequest.objects.filter(
            status=RemedyStatus.DONE, done_at__gte=start, done_at__lt=end
        ).annotate(
            cost=Case(
                When(remedy=RemedyKind.EXCHANGE, then=F("replacement_cost_amount")),
                default=Coalesce(F("refund__amount"), Value(ZERO)),
                output_field=_MONEY,
            )
        )
        if category is not None:
            rows = rows.filter(unit__model__category=category)
        if region is not None:
            rows = rows.filter(_in_province("work_order__center__region", region))
        rows = rows.select_related("unit__model", "work_order__center").order_by("done_at", "pk")
        return "remedies", rows, _total(rows, "cost")
    if measure == Measure.REFURBISHMENT:
        rows = Refurbishment.objects.filter(
            status__in=[RefurbStatus.RESTOCKED, RefurbStatus.SCRAPPED],
            finished_at__gte=start,
            finished_at__lt=end,
        ).annotate(cost=F("parts_cost_amount") + F("labour_cost_amount"))
        if category is not None:
            rows = rows.filter(unit__model__category=category)
        if region is not None:
            rows = rows.filter(_in_province("request__work_order__center__region", region))
        rows = rows.select_related("unit__model").order_by("finished_at", "pk")
        return "refurbishments", rows, _total(rows, "cost")
    if measure == HOTLINE_OTHER:
        rows = ManualCost.objects.filter(month=month)
        if category is not None:
            rows = rows.filter(category=category)
        if region is not None:
            rows = rows.filter(region=region)
        rows = rows.select_related("category", "region", "entered_by").order_by(
            "category__sort_order", "item", "pk"
        )
        return "manual", rows, _total(rows, "amount")
    raise ValueError(f"no drill-down for {measure!r}")
