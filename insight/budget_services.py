"""Writes of the service budget: budgets, manual costs, factory prices, and the monthly rollup's refresh.

Overlap rule: a category's budget for a year is either national (no province) or per province, never both —
a national budget and a provincial one would plan the same units twice. The check runs under a lock on the
category's row, so two managers saving at once cannot both pass it."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.money import money
from aftersales.months import month_bounds
from network.choices import RegionLevel
from repairs.models import ProductCategory

from .budget_sql import ALL_SQL
from .models import SHARE_FIELDS, Budget, BudgetActual, BudgetRefresh, FactoryPrice, ManualCost

HUNDRED = Decimal("100")
FIRST_YEAR, LAST_YEAR = 2000, 2100


def _percent(value, field: str, errors: dict, *, label: str) -> Decimal | None:
    try:
        number = Decimal(str(value).strip().rstrip("%").strip())
    except (InvalidOperation, ValueError):
        errors.setdefault(field, []).append(_("%(label)s is not a number.") % {"label": label})
        return None
    if not number.is_finite():
        errors.setdefault(field, []).append(_("%(label)s is not a number.") % {"label": label})
        return None
    if number < 0 or number > HUNDRED:
        errors.setdefault(field, []).append(_("%(label)s must be between 0 and 100 %%.") % {"label": label})
        return None
    if number != number.quantize(Decimal("0.01")):
        errors.setdefault(field, []).append(_("%(label)s has at most two decimal places.") % {"label": label})
        return None
    return number


def budget_save(
    *,
    year: int,
    category: ProductCategory,
    region=None,
    rate_percent,
    shares: dict,
    repair_rate_percent="8.00",
    note: str = "",
    acting_user,
    budget: Budget | None = None,
    now: dt.datetime | None = None,
) -> Budget:
    """Creates a budget or changes `budget`. Refused, nothing changed: a rate or a share outside 0–100 %, a
    split not summing to 100 %, a region that is not a province, a second budget for the same year, category
    and province, or a national and a provincial budget for the same year and category."""
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    if not FIRST_YEAR <= int(year) <= LAST_YEAR:
        errors["year"] = [_("Enter a year between 2000 and 2100.")]
    rate = _percent(rate_percent, "rate_percent", errors, label=_("The budget rate"))
    repair_rate = _percent(repair_rate_percent, "repair_rate_percent", errors, label=_("The repair rate"))
    values = {}
    for head, field in SHARE_FIELDS.items():
        values[field] = _percent(shares.get(head, "0") or "0", field, errors, label=head.label)
    if None not in values.values() and sum(values.values()) != HUNDRED:
        errors.setdefault("__all__", []).append(
            _("The split across the heads sums to %(total)s %%, not 100 %%.")
            % {"total": f"{sum(values.values()):.2f}"}
        )
    if region is not None and region.level != RegionLevel.PROVINCE:
        errors["region"] = [_("A regional budget is for a province.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        ProductCategory.objects.select_for_update().filter(pk=category.pk).first()
        same_year = Budget.objects.filter(year=year, category=category)
        if budget is not None:
            budget = Budget.objects.select_for_update().get(pk=budget.pk)
            same_year = same_year.exclude(pk=budget.pk)
        if same_year.filter(region=region).exists():
            where = region.name if region is not None else _("the whole country")
            raise ValidationError(
                {
                    "region": _(
                        "%(category)s already has a budget for %(year)s for %(where)s: change that one."
                    )
                    % {"category": category, "year": year, "where": where}
                }
            )
        if region is None and same_year.exists():
            raise ValidationError(
                {
                    "region": _(
                        "%(category)s has provincial budgets for %(year)s: a national one would plan the same "
                        "units twice."
                    )
                    % {"category": category, "year": year}
                }
            )
        if region is not None and same_year.filter(region__isnull=True).exists():
            raise ValidationError(
                {
                    "region": _(
                        "%(category)s has a national budget for %(year)s: a provincial one would plan the same "
                        "units twice."
                    )
                    % {"category": category, "year": year}
                }
            )
        budget = budget or Budget()
        budget.year, budget.category, budget.region = year, category, region
        budget.rate_percent, budget.repair_rate_percent = rate, repair_rate
        for field, value in values.items():
            setattr(budget, field, value)
        budget.note = note.strip()[:200]
        budget.updated_by, budget.updated_at = acting_user, now
        budget.save()
    return budget


def manual_cost_save(
    *,
    month: dt.date,
    item: str,
    category: ProductCategory,
    region=None,
    amount,
    note: str = "",
    acting_user,
    now=None,
) -> ManualCost:
    """Enters (or corrects) a month's hotline or other cost for a category (and province). Refused: a
    negative or non-numeric amount, a month to come, a region that is not a province."""
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    first = month.replace(day=1)
    if first > timezone.localdate(now):
        errors["month"] = [
            _("%(month)s has not begun: enter its costs once it has.") % {"month": f"{first:%Y-%m}"}
        ]
    try:
        value = money(str(amount).strip())
    except (InvalidOperation, ValueError, TypeError):
        value = None
        errors["amount"] = [_("Enter the amount in yuan, e.g. 12000.00.")]
    if value is not None and (value < 0 or not value.is_finite()):
        errors["amount"] = [_("A cost is not negative.")]
    if value is not None and value >= Decimal("1e12"):
        errors["amount"] = [_("Enter the amount in yuan, e.g. 12000.00.")]
    if region is not None and region.level != RegionLevel.PROVINCE:
        errors["region"] = [_("A regional budget is for a province.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        ProductCategory.objects.select_for_update().filter(pk=category.pk).first()
        cost, _created = ManualCost.objects.update_or_create(
            month=first,
            item=item,
            category=category,
            region=region,
            defaults={
                "amount": value,
                "note": note.strip()[:200],
                "entered_by": acting_user,
                "entered_at": now,
            },
        )
    return cost


def factory_price_add(
    *, model, price_amount, valid_from: dt.date, acting_user=None, now=None
) -> FactoryPrice:
    """A model's factory price from a day on (a later price does not change the earlier units' value).
    Refused: a negative or non-numeric price, a second price for the same model and day."""
    now = now or timezone.now()
    try:
        value = money(str(price_amount).strip())
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({"price_amount": _("Enter the price in yuan, e.g. 1850.00.")}) from None
    if value < 0 or value >= Decimal("1e12"):
        raise ValidationError({"price_amount": _("Enter the price in yuan, e.g. 1850.00.")})
    with transaction.atomic():
        # The model's row locked: two clerks adding the same day's price at once get the message, not a 500.
        type(model).objects.select_for_update(no_key=True).filter(pk=model.pk).first()
        if FactoryPrice.objects.filter(model=model, valid_from=valid_from).exists():
            raise ValidationError(
                {
                    "valid_from": _("%(model)s already has a price from %(day)s.")
                    % {"model": model, "day": valid_from}
                }
            )
        return FactoryPrice.objects.create(
            model=model, price_amount=value, valid_from=valid_from, created_by=acting_user, created_at=now
        )


def budget_actuals_refresh(*, month: dt.date, now: dt.datetime | None = None) -> BudgetRefresh:
    """Recomputes a month's rollup from the records (units sold, statements, the stock ledger, remedies,
    refurbishment) in one transaction: the page sees the old rows or the new ones, never half."""
    now = now or timezone.now()
    first = month.replace(day=1)
    start, end = month_bounds(first)
    params = {"month": first, "next": end.date(), "start": start, "end": end}
    began = time.monotonic()
    with transaction.atomic():
        # One refresh of a month at a time; a second waits, then recomputes the same.
        refresh, _created = BudgetRefresh.objects.get_or_create(month=first, defaults={"computed_at": now})
        refresh = BudgetRefresh.objects.select_for_update().get(pk=refresh.pk)
        BudgetActual.objects.filter(month=first).delete()
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
            for sql in ALL_SQL:
                cursor.execute(sql, params)
        refresh.computed_at = now
        refresh.seconds = Decimal(f"{time.monotonic() - began:.2f}")
        refresh.save()
    return refresh


def budget_actuals_refresh_recent(*, now: dt.datetime | None = None, months: int = 3) -> list[BudgetRefresh]:
    """The nightly job: this month and the `months - 1` before it (statements of a month are confirmed in the
    next one, so the month before last still changes)."""
    now = now or timezone.now()
    first = timezone.localdate(now).replace(day=1)
    done = []
    for _step in range(months):
        done.append(budget_actuals_refresh(month=first, now=now))
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return done
