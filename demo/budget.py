"""Demo data of the service budget (服务预算): factory prices for the demo's models (60 % of the list price
from the start of last year; the first model's price lowered by 5 % three months ago, a change the page
values by sale date), a national budget per category for last year and this one (2.5 %–3.5 % of the factory
value, split over the heads), the hotline and other costs of the last three months, and the rollup of the
last thirteen months computed — so /insight/budget/ shows three months of actuals and a trend.

Idempotent: prices, budgets and costs already there are left as they are; the rollup is computed again."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from aftersales.months import previous_month
from insight.budget_services import budget_actuals_refresh, budget_save
from insight.models import Budget, BudgetHead, FactoryPrice, ManualCost, ManualCostItem
from repairs.models import ProductCategory, ProductModel

SPLIT = {
    BudgetHead.NETWORK_FEES: Decimal("40"),
    BudgetHead.TRAVEL: Decimal("12"),
    BudgetHead.PARTS: Decimal("25"),
    BudgetHead.EXCHANGES: Decimal("12"),
    BudgetHead.REFURBISHMENT: Decimal("5"),
    BudgetHead.HOTLINE_OTHER: Decimal("6"),
}
RATES = (Decimal("3.00"), Decimal("2.50"), Decimal("3.50"), Decimal("2.80"), Decimal("3.20"))


def _months_back(first: dt.date, count: int) -> dt.date:
    index = first.year * 12 + first.month - 1 - count
    return dt.date(index // 12, index % 12 + 1, 1)


def seed_budget(*, now, network=None) -> str:
    today = timezone.localdate(now)
    manager = get_user_model().objects.filter(username="manager").first()
    this_month = today.replace(day=1)
    start = dt.date(today.year - 1, 1, 1)
    made = {"prices": 0, "budgets": 0, "costs": 0}
    models = list(ProductModel.objects.order_by("brand", "model_number"))
    for index, model in enumerate(models):
        price = (model.list_price_amount * Decimal("0.60")).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
        _row, created = FactoryPrice.objects.get_or_create(
            model=model,
            valid_from=start,
            defaults={"price_amount": price, "created_by": manager, "created_at": now},
        )
        made["prices"] += created
        if index == 0:
            lowered = (price * Decimal("0.95")).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
            _row, created = FactoryPrice.objects.get_or_create(
                model=model,
                valid_from=_months_back(this_month, 3),
                defaults={"price_amount": lowered, "created_by": manager, "created_at": now},
            )
            made["prices"] += created
    categories = list(ProductCategory.objects.order_by("sort_order", "code"))
    for year in (today.year - 1, today.year):
        for index, category in enumerate(categories):
            if Budget.objects.filter(year=year, category=category).exists():
                continue
            budget_save(
                year=year,
                category=category,
                rate_percent=RATES[index % len(RATES)],
                shares=SPLIT,
                note="演示预算",
                acting_user=manager,
                now=now,
            )
            made["budgets"] += 1
    last = previous_month(now)
    for back in range(3):
        month = _months_back(last, back)
        for index, category in enumerate(categories):
            for item, base in (
                (ManualCostItem.HOTLINE, Decimal("160")),
                (ManualCostItem.OTHER, Decimal("45")),
            ):
                _row, created = ManualCost.objects.get_or_create(
                    month=month,
                    item=item,
                    category=category,
                    region=None,
                    defaults={
                        "amount": base + Decimal(15 * index + 5 * back),
                        "note": "呼叫中心分摊" if item == ManualCostItem.HOTLINE else "杂费",
                        "entered_by": manager,
                        "entered_at": now,
                    },
                )
                made["costs"] += created
    for back in range(13):
        budget_actuals_refresh(month=_months_back(this_month, back), now=now)
    if not any(made.values()):
        return ""
    return (
        f"service budget: {made['prices']} factory prices, {made['budgets']} budgets, "
        f"{made['costs']} hotline and other costs; thirteen months' figures computed"
    )
