"""Claim screening before settlement (索赔审核): the thresholds of the rules, the distance from each centre to
the districts it serves, customers' denials of a visit, and the flags on suspicious payable work orders with
the trail of the decisions on them."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.roles import Role, user_roles

from .choices import FlagAction, FlagStatus, Rule

_POSITIVE = [MinValueValidator(1)]
_POSITIVE_DECIMAL = [MinValueValidator(Decimal("0.01"))]


class ScreeningSettings(models.Model):
    """The rules' thresholds (one row, edited by a manager on the screening page or in the admin; the
    migration ships the defaults). Every threshold is above zero."""

    repeat_days = models.PositiveIntegerField(
        _("same unit claimed again within (days)"), default=30, validators=_POSITIVE
    )
    repeat_year_max = models.PositiveIntegerField(
        _("claims of one unit allowed in 365 days"), default=3, validators=_POSITIVE
    )
    outlier_z = models.DecimalField(
        _("robust z-score above which parts or cost are abnormal"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("3.50"),
        validators=_POSITIVE_DECIMAL,
    )
    min_peers = models.PositiveIntegerField(
        _("peer orders needed for a norm (same category and fault code)"), default=10, validators=_POSITIVE
    )
    norm_days = models.PositiveIntegerField(
        _("norm taken over the last (days)"), default=365, validators=_POSITIVE
    )
    parts_min_spread = models.DecimalField(
        _("smallest spread of parts per repair (pieces)"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("1.00"),
        validators=_POSITIVE_DECIMAL,
    )
    cost_min_spread = models.DecimalField(
        _("smallest spread of parts cost per repair (CNY)"),
        max_digits=14,
        decimal_places=2,
        default=Decimal("100.00"),
        validators=_POSITIVE_DECIMAL,
    )
    overlap_minutes = models.PositiveIntegerField(
        _("visits may overlap by at most (minutes)"), default=10, validators=_POSITIVE
    )
    travel_kmh = models.PositiveIntegerField(
        _("travel speed between visits (km/h)"), default=40, validators=_POSITIVE
    )
    phone_units_max = models.PositiveIntegerField(
        _("units behind one phone at most"), default=5, validators=_POSITIVE
    )
    phone_customers_max = models.PositiveIntegerField(
        _("customers behind one phone at most"), default=3, validators=_POSITIVE
    )
    km_tolerance_percent = models.PositiveIntegerField(
        _("travel distance tolerance (%)"), default=30, validators=_POSITIVE
    )
    km_slack = models.PositiveIntegerField(_("travel distance slack (km)"), default=5, validators=_POSITIVE)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    THRESHOLDS = (
        "repeat_days",
        "repeat_year_max",
        "outlier_z",
        "min_peers",
        "norm_days",
        "parts_min_spread",
        "cost_min_spread",
        "overlap_minutes",
        "travel_kmh",
        "phone_units_max",
        "phone_customers_max",
        "km_tolerance_percent",
        "km_slack",
    )

    class Meta:
        verbose_name = _("screening thresholds")
        verbose_name_plural = _("screening thresholds")
        constraints = [
            models.CheckConstraint(
                condition=Q(repeat_days__gt=0)
                & Q(repeat_year_max__gt=0)
                & Q(outlier_z__gt=0)
                & Q(min_peers__gt=0)
                & Q(norm_days__gt=0)
                & Q(parts_min_spread__gt=0)
                & Q(cost_min_spread__gt=0)
                & Q(overlap_minutes__gt=0)
                & Q(travel_kmh__gt=0)
                & Q(phone_units_max__gt=0)
                & Q(phone_customers_max__gt=0)
                & Q(km_tolerance_percent__gt=0)
                & Q(km_slack__gt=0),
                name="screening_thresholds_positive",
            )
        ]

    def __str__(self):
        return str(_("screening thresholds"))


class DistrictDistance(models.Model):
    """How far a district is from a centre by road (km, one way): what a travel distance claimed is checked
    against. Edited in the admin; nothing else in the application holds distances."""

    center = models.ForeignKey(
        "network.ServiceCenter", verbose_name=_("service centre"), on_delete=models.CASCADE, related_name="+"
    )
    district = models.ForeignKey(
        "network.Region", verbose_name=_("district"), on_delete=models.CASCADE, related_name="+"
    )
    km = models.PositiveIntegerField(_("distance (km)"))

    class Meta:
        verbose_name = _("district distance")
        verbose_name_plural = _("district distances")
        ordering = ["center", "district"]
        constraints = [
            models.UniqueConstraint(fields=["center", "district"], name="district_distance_once"),
            models.CheckConstraint(condition=Q(km__lte=1000), name="district_distance_range"),
        ]

    def __str__(self):
        return f"{self.center} → {self.district}: {self.km} km"


class VisitDenial(models.Model):
    """The customer said no one came (or no work was done): recorded from a callback or a customer's call.
    The care app's callback outcomes have no such answer; this is where it is kept."""

    work_order = models.OneToOneField(
        "repairs.WorkOrder", verbose_name=_("work order"), on_delete=models.CASCADE, related_name="+"
    )
    customer_words = models.CharField(_("the customer's words"), max_length=500)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("denied visit")
        verbose_name_plural = _("denied visits")
        ordering = ["-recorded_at"]

    def __str__(self):
        return f"{self.work_order_id} · {self.customer_words[:30]}"


class ClaimFlagQuerySet(models.QuerySet):
    def for_user(self, user):
        roles = user_roles(user)
        if Role.MANAGER in roles:
            return self
        if Role.SUPERVISOR in roles:
            return self.filter(center__supervisors=user)
        return self.none()


class ClaimFlag(models.Model):
    """A payable work order the screening found suspicious: which rules it tripped with their evidence, what
    it would be paid, and the decision. Held (or disputed) and rejected orders are left out of the
    settlement's payable lines; a cleared one is paid."""

    work_order = models.OneToOneField(
        "repairs.WorkOrder", verbose_name=_("work order"), on_delete=models.PROTECT, related_name="+"
    )
    center = models.ForeignKey(
        "network.ServiceCenter", verbose_name=_("service centre"), on_delete=models.PROTECT, related_name="+"
    )
    month = models.DateField(_("month"))
    status = models.CharField(_("status"), max_length=10, choices=FlagStatus.choices, default=FlagStatus.HELD)
    # [{"rule": "repeat_30", "evidence": {...}}] — evidence values are strings or numbers, shown as they are.
    hits = models.JSONField(_("rules tripped"), default=list)
    rules = models.CharField(_("rules"), max_length=200, default="")  # comma-separated, for filtering
    amount = models.DecimalField(
        _("amount held (CNY)"), max_digits=14, decimal_places=2, default=Decimal("0.00")
    )
    flagged_at = models.DateTimeField(_("flagged"), default=timezone.now)
    screened_at = models.DateTimeField(_("screened"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    dispute_reason = models.CharField(_("the centre's dispute"), max_length=500, blank=True)
    disputed_at = models.DateTimeField(_("disputed"), null=True, blank=True)

    objects = ClaimFlagQuerySet.as_manager()

    class Meta:
        verbose_name = _("claim flag")
        verbose_name_plural = _("claim flags")
        ordering = ["center", "work_order"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=FlagStatus.values), name="claim_flag_status_valid"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="claim_flag_amount_not_negative"),
            # A decision says who, when and why.
            models.CheckConstraint(
                condition=~Q(status__in=[FlagStatus.CLEARED, FlagStatus.REJECTED])
                | (Q(decided_by__isnull=False, decided_at__isnull=False) & ~Q(reason="")),
                name="claim_flag_decision_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["month", "center"], name="claim_flag_month_center"),
            # The settlement's month of cleared flags (paid then).
            models.Index(fields=["decided_at"], condition=Q(status="cleared"), name="claim_flag_cleared"),
        ]

    def __str__(self):
        return f"{self.work_order_id} · {self.get_status_display()}"

    @property
    def rule_labels(self) -> list[str]:
        return [Rule(h["rule"]).label for h in self.hits if h.get("rule") in Rule.values]


class FlagEvent(models.Model):
    """The audit trail: each flag's screening, decisions and disputes (append-only)."""

    flag = models.ForeignKey(
        ClaimFlag, verbose_name=_("claim flag"), on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField(_("action"), max_length=10, choices=FlagAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("claim flag event")
        verbose_name_plural = _("claim flag events")
        ordering = ["flag", "at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(action__in=FlagAction.values), name="flag_event_action_valid")
        ]

    def __str__(self):
        return f"{self.flag_id} · {self.get_action_display()}"
