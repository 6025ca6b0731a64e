"""The service budget (服务预算): factory prices with their history, a yearly budget per product category
(national, or per province), the costs no other app records (hotline and other), and the monthly rollup of
the actual costs the budget page reads (refreshed by a job and on demand: see insight.budget_services)."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


def _money(verbose_name, **kwargs):
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=2, **kwargs)


def _percent(verbose_name, **kwargs):
    return models.DecimalField(verbose_name, max_digits=5, decimal_places=2, **kwargs)


class BudgetHead(models.TextChoices):
    """The heads a service budget is split into, in the order the page lists them."""

    NETWORK_FEES = "network_fees", _("Network service fees")
    TRAVEL = "travel", pgettext_lazy("budget head", "Travel")
    PARTS = "parts", pgettext_lazy("budget head", "Parts")
    EXCHANGES = "exchanges", _("Exchanges and refunds")
    REFURBISHMENT = "refurbishment", _("Refurbishment")
    HOTLINE_OTHER = "hotline_other", _("Hotline and other")


class Measure(models.TextChoices):
    """What a rollup row counts. Costs are positive; recoveries are positive amounts taken off a head."""

    SALES_VALUE = "sales_value", _("Factory value of units sold")
    SALES_UNPRICED = "sales_unpriced", _("Units sold without a factory price")
    NETWORK_FEES = "network_fees", _("Network service fees")
    TRAVEL = "travel", pgettext_lazy("budget head", "Travel")
    PARTS = "parts", pgettext_lazy("budget head", "Parts")
    EXCHANGES = "exchanges", _("Exchanges and refunds")
    REFURBISHMENT = "refurbishment", _("Refurbishment")
    RECOVERED_PARTS = "recovered_parts", _("Parts charged to centres (paid work)")
    RECOVERED_REMEDIES = "recovered_remedies", _("Exchanges and refunds charged to repairers")


# The head each cost measure adds to, and the head each recovery is taken off.
HEAD_OF_MEASURE = {
    Measure.NETWORK_FEES: BudgetHead.NETWORK_FEES,
    Measure.TRAVEL: BudgetHead.TRAVEL,
    Measure.PARTS: BudgetHead.PARTS,
    Measure.EXCHANGES: BudgetHead.EXCHANGES,
    Measure.REFURBISHMENT: BudgetHead.REFURBISHMENT,
}
RECOVERY_OF_HEAD = {
    BudgetHead.PARTS: Measure.RECOVERED_PARTS,
    BudgetHead.EXCHANGES: Measure.RECOVERED_REMEDIES,
}
# Measures read from settlements: counted from confirmed (and paid) statements, drafts on request.
SETTLED_MEASURES = (
    Measure.NETWORK_FEES,
    Measure.TRAVEL,
    Measure.RECOVERED_PARTS,
    Measure.RECOVERED_REMEDIES,
)

# The budget's split: one percentage field per head.
SHARE_FIELDS = {
    BudgetHead.NETWORK_FEES: "share_network_fees",
    BudgetHead.TRAVEL: "share_travel",
    BudgetHead.PARTS: "share_parts",
    BudgetHead.EXCHANGES: "share_exchanges",
    BudgetHead.REFURBISHMENT: "share_refurbishment",
    BudgetHead.HOTLINE_OTHER: "share_hotline_other",
}


class FactoryPrice(models.Model):
    """A model's factory price (出厂价) from a day on; the price in force on a unit's sale date values it."""

    model = models.ForeignKey(
        "repairs.ProductModel",
        verbose_name=_("model"),
        on_delete=models.PROTECT,
        related_name="factory_prices",
    )
    price_amount = _money(_("factory price (CNY)"))
    valid_from = models.DateField(_("in force from"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("entered"), default=timezone.now)

    class Meta:
        verbose_name = _("factory price")
        verbose_name_plural = _("factory prices")
        ordering = ["model_id", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["model", "valid_from"], name="factory_price_one_per_day"),
            models.CheckConstraint(condition=Q(price_amount__gte=0), name="factory_price_not_negative"),
        ]

    def __str__(self):
        return f"{self.model} · {self.valid_from} · ¥{self.price_amount}"


class Budget(models.Model):
    """A year's service budget for one product category, national (no region) or for one province: the
    planned cost as a share of the factory value of the units sold, split across the heads (the split sums to
    100 %). A category's budget for a year is either national or per province, never both."""

    year = models.PositiveSmallIntegerField(_("year"))
    category = models.ForeignKey(
        "repairs.ProductCategory", verbose_name=_("category"), on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey(
        "network.Region",
        verbose_name=_("province"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty: the whole country."),
    )
    rate_percent = _percent(_("budget rate, percent of factory value"))
    repair_rate_percent = _percent(_("assumed return-repair rate (%)"), default=Decimal("8.00"))
    share_network_fees = _percent(_("network service fees (%)"), default=Decimal("0"))
    share_travel = _percent(_("travel (%)"), default=Decimal("0"))
    share_parts = _percent(_("parts (%)"), default=Decimal("0"))
    share_exchanges = _percent(_("exchanges and refunds (%)"), default=Decimal("0"))
    share_refurbishment = _percent(_("refurbishment (%)"), default=Decimal("0"))
    share_hotline_other = _percent(_("hotline and other (%)"), default=Decimal("0"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("changed"), default=timezone.now)

    class Meta:
        verbose_name = _("service budget")
        verbose_name_plural = _("service budgets")
        ordering = ["-year", "category__sort_order", "category__code", "region__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "category", "region"], nulls_distinct=False, name="budget_one_per_scope"
            ),
            models.CheckConstraint(
                condition=Q(rate_percent__gte=0, rate_percent__lte=100), name="budget_rate_percent"
            ),
            models.CheckConstraint(
                condition=Q(repair_rate_percent__gte=0, repair_rate_percent__lte=100),
                name="budget_repair_rate_percent",
            ),
            models.CheckConstraint(
                condition=Q(
                    share_network_fees__gte=0,
                    share_travel__gte=0,
                    share_parts__gte=0,
                    share_exchanges__gte=0,
                    share_refurbishment__gte=0,
                    share_hotline_other__gte=0,
                ),
                name="budget_shares_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(
                    share_network_fees__exact=100
                    - F("share_travel")
                    - F("share_parts")
                    - F("share_exchanges")
                    - F("share_refurbishment")
                    - F("share_hotline_other")
                ),
                name="budget_shares_sum_to_100",
            ),
        ]

    def __str__(self):
        scope = self.region.name if self.region_id else _("national")
        return f"{self.year} · {self.category} · {scope} · {self.rate_percent}%"

    def share(self, head) -> Decimal:
        return getattr(self, SHARE_FIELDS[head])


class ManualCostItem(models.TextChoices):
    HOTLINE = "hotline", _("Hotline")
    OTHER = "other", _("Other")


class ManualCost(models.Model):
    """A month's cost that no other record holds (the hotline, other service costs), entered by a manager
    per category (and optionally province); it counts under the head "hotline and other"."""

    month = models.DateField(_("month"))
    item = models.CharField(pgettext_lazy("budget", "item"), max_length=10, choices=ManualCostItem.choices)
    category = models.ForeignKey(
        "repairs.ProductCategory", verbose_name=_("category"), on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey(
        "network.Region",
        verbose_name=_("province"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    amount = _money(_("amount (CNY)"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    entered_at = models.DateTimeField(_("entered"), default=timezone.now)

    class Meta:
        verbose_name = _("manual cost")
        verbose_name_plural = _("manual costs")
        ordering = ["-month", "category_id", "item"]
        constraints = [
            models.UniqueConstraint(
                fields=["month", "item", "category", "region"],
                nulls_distinct=False,
                name="manual_cost_one_per_scope",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="manual_cost_not_negative"),
            models.CheckConstraint(
                condition=Q(item__in=ManualCostItem.values), name="manual_cost_item_valid"
            ),
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} · {self.get_item_display()} · ¥{self.amount}"


class BudgetActual(models.Model):
    """The rollup the budget page reads: one month's sum of one measure per category and province (the
    province of the selling dealer for sales, of the centre for costs; none when unknown), from settlements
    in draft or not. Replaced as a whole per month by budget_actuals_refresh()."""

    month = models.DateField(_("month"))
    category = models.ForeignKey(
        "repairs.ProductCategory", verbose_name=_("category"), on_delete=models.CASCADE, related_name="+"
    )
    region = models.ForeignKey(
        "network.Region",
        verbose_name=_("province"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    measure = models.CharField(_("measure"), max_length=20, choices=Measure.choices)
    draft = models.BooleanField(_("from draft settlements"), default=False)
    amount = _money(_("amount (CNY)"), default=Decimal("0.00"))
    quantity = models.IntegerField(_("count"), default=0)

    class Meta:
        verbose_name = _("budget actual")
        verbose_name_plural = _("budget actuals")
        indexes = [models.Index(fields=["month", "category", "measure"], name="budget_actual_month")]
        constraints = [
            models.CheckConstraint(
                condition=Q(measure__in=Measure.values), name="budget_actual_measure_valid"
            ),
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} · {self.measure} · ¥{self.amount}"


class BudgetRefresh(models.Model):
    """When a month's rollup was last computed, and how long it took (the page shows its freshness)."""

    month = models.DateField(_("month"), unique=True)
    computed_at = models.DateTimeField(_("computed"))
    seconds = models.DecimalField(_("seconds"), max_digits=8, decimal_places=2, default=Decimal("0"))

    class Meta:
        verbose_name = _("budget refresh")
        verbose_name_plural = _("budget refreshes")
        ordering = ["-month"]

    def __str__(self):
        return f"{self.month:%Y-%m} · {self.computed_at:%Y-%m-%d %H:%M}"


class RatesMonth(models.Model):
    """The service rates' counts of one month at their grain (model, centre), as `insight.rates` counts them:
    the rates page, its exports, the API and the dashboard read these rows (one per month), kept fresh by the
    beat jobs (the two open months every ten minutes, the twelve nightly) and `manage.py rates_refresh`."""

    month = models.DateField(_("month"), unique=True)
    counts = models.JSONField(_("counts"))
    counted_at = models.DateTimeField(_("counted"))

    class Meta:
        verbose_name = _("rates of a month")
        verbose_name_plural = _("rates of the months")
        ordering = ["-month"]

    def __str__(self):
        return f"{self.month:%Y-%m} · {self.counted_at:%Y-%m-%d %H:%M}"
