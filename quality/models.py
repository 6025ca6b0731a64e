"""Quality early warning (质量预警): its settings, the figures of every model and production month counted by
the daily run (quality.services.watch), the alerts raised from them and their trail."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.roles import Role, has_role

from .choices import NOT_CLOSED, AlertAction, AlertStatus

_RATE = {"max_digits": 9, "decimal_places": 2}


class QualitySettings(models.Model):
    """The early warning's thresholds and who is told (one row, shipped by the migration, edited in the
    admin): a model-month is alerted when its repair rate over the first `window_days` days in service is
    above `factor` × its category's baseline, with at least `min_units` units counted."""

    factor = models.DecimalField(
        _("alert factor (× the category's baseline)"), max_digits=5, decimal_places=2, default=Decimal("1.50")
    )
    min_units = models.PositiveIntegerField(_("minimum units of a model-month"), default=200)
    window_days = models.PositiveSmallIntegerField(_("window (days in service)"), default=90)
    contacts = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("quality contacts"),
        blank=True,
        related_name="+",
        help_text=_("Told of every new alert (bell and e-mail). None chosen: the managers."),
    )

    class Meta:
        verbose_name = _("quality early-warning settings")
        verbose_name_plural = _("quality early-warning settings")
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="quality_settings_single_row"),
            models.CheckConstraint(condition=Q(factor__gt=1), name="quality_settings_factor_above_one"),
            models.CheckConstraint(condition=Q(min_units__gt=0), name="quality_settings_min_units_positive"),
            models.CheckConstraint(
                condition=Q(window_days__gte=30, window_days__lte=365), name="quality_settings_window_range"
            ),
        ]

    def __str__(self):
        return str(_("quality early-warning settings"))

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)

    def clean(self):
        errors = {}
        if self.factor is not None and self.factor <= 1:
            errors["factor"] = _(
                "The factor must be greater than 1: a model-month is alerted when its repair rate is this many "
                "times its category's (for example 1.5)."
            )
        if self.min_units is not None and self.min_units <= 0:
            errors["min_units"] = _("The minimum number of units must be at least 1 (for example 200).")
        if self.window_days is not None and not 30 <= self.window_days <= 365:
            errors["window_days"] = _("The window is between 30 and 365 days in service (for example 90).")
        if errors:
            raise ValidationError(errors)

    @classmethod
    def current(cls) -> QualitySettings:
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj


def may_watch_quality(user) -> bool:
    """Who sees the early warning and acts on its alerts: managers and the named quality contacts."""
    if not getattr(user, "is_authenticated", False):
        return False
    if has_role(user, Role.MANAGER):
        return True
    return QualitySettings.contacts.through.objects.filter(qualitysettings_id=1, user_id=user.pk).exists()


class ModelMonth(models.Model):
    """One model's units of one production month (from the units' factory date), as the last run counted
    them: units, units past the window, repairs in the window, the rate, the category's baseline and the
    ratio; the repairs and units per month in service (the chart), the top fault codes and parts."""

    model = models.ForeignKey(
        "repairs.ProductModel", verbose_name=_("model"), on_delete=models.CASCADE, related_name="+"
    )
    production_month = models.DateField(_("production month"))
    units = models.PositiveIntegerField(_("units in service"), default=0)
    units_counted = models.PositiveIntegerField(_("units past the window"), default=0)
    repairs = models.PositiveIntegerField(_("repairs in the window"), default=0)
    rate = models.DecimalField(_("repair rate (%)"), **_RATE, null=True, blank=True)
    baseline = models.DecimalField(_("category baseline (%)"), **_RATE, null=True, blank=True)
    ratio = models.DecimalField(_("ratio to the baseline"), **_RATE, null=True, blank=True)
    exceeds = models.BooleanField(_("above the alert threshold"), default=False)
    # [[units that completed month k, repairs in month k], …] for k = 1…12, and the baseline's rate per month.
    by_month = models.JSONField(_("per month in service"), default=list, blank=True)
    baseline_by_month = models.JSONField(_("baseline per month in service"), default=list, blank=True)
    # [[fault code id, repairs], …] and [[part id, quantity], …], most first.
    faults = models.JSONField(_("top fault codes"), default=list, blank=True)
    parts = models.JSONField(_("top parts replaced"), default=list, blank=True)
    computed_at = models.DateTimeField(_("computed"), default=timezone.now)

    class Meta:
        verbose_name = _("model-month figures")
        verbose_name_plural = _("model-month figures")
        ordering = ["-production_month", "model_id"]
        constraints = [
            models.UniqueConstraint(fields=["model", "production_month"], name="quality_model_month_unique"),
        ]
        indexes = [models.Index(fields=["-ratio"], name="quality_model_month_ratio")]

    def __str__(self):
        return f"{self.model_id} · {self.production_month:%Y-%m}"


class AlertQuerySet(models.QuerySet):
    def for_user(self, user):
        return self if may_watch_quality(user) else self.none()

    def not_closed(self):
        return self.filter(status__in=NOT_CLOSED)


class Alert(models.Model):
    """An alert on one model-month: raised by the run, its evidence refreshed by every run while it is not
    closed; acknowledged and closed (with a note) by the quality contact or a manager."""

    model = models.ForeignKey(
        "repairs.ProductModel", verbose_name=_("model"), on_delete=models.PROTECT, related_name="+"
    )
    production_month = models.DateField(_("production month"))
    status = models.CharField(
        _("status"), max_length=12, choices=AlertStatus.choices, default=AlertStatus.OPEN
    )
    # The figures as the last run found them (copied from ModelMonth).
    units_counted = models.PositiveIntegerField(_("units past the window"))
    repairs = models.PositiveIntegerField(_("repairs in the window"))
    rate = models.DecimalField(_("repair rate (%)"), **_RATE)
    baseline = models.DecimalField(_("category baseline (%)"), **_RATE)
    ratio = models.DecimalField(_("ratio to the baseline"), **_RATE)
    factor = models.DecimalField(_("alert factor"), max_digits=5, decimal_places=2)
    exceeds = models.BooleanField(_("still above the threshold"), default=True)
    evidence = models.JSONField(_("evidence"), default=dict, blank=True)
    raised_at = models.DateTimeField(_("raised"), default=timezone.now)
    refreshed_at = models.DateTimeField(_("evidence refreshed"), default=timezone.now)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acknowledged by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    close_note = models.CharField(_("closing note"), max_length=1000, blank=True)

    objects = AlertQuerySet.as_manager()

    class Meta:
        verbose_name = _("quality alert")
        verbose_name_plural = _("quality alerts")
        ordering = ["-raised_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=AlertStatus.values), name="quality_alert_status_valid"
            ),
            # One alert in the contact's hands per model-month; closed ones stay as history.
            models.UniqueConstraint(
                fields=["model", "production_month"],
                condition=~Q(status=AlertStatus.CLOSED),
                name="quality_alert_one_open_per_model_month",
            ),
            models.CheckConstraint(
                condition=~Q(status=AlertStatus.CLOSED)
                | (Q(closed_at__isnull=False) & Q(closed_by__isnull=False) & ~Q(close_note="")),
                name="quality_alert_closed_with_note",
            ),
        ]
        indexes = [models.Index(fields=["model", "production_month"], name="quality_alert_model_month")]

    def __str__(self):
        return f"{self.model_id} · {self.production_month:%Y-%m}"

    @property
    def is_closed(self) -> bool:
        return self.status == AlertStatus.CLOSED


class AlertEvent(models.Model):
    """The alert's trail: raised, acknowledged, closed — who, when, with what note. Append-only."""

    alert = models.ForeignKey(Alert, verbose_name=_("alert"), on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=12, choices=AlertAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    note = models.CharField(_("note"), max_length=1000, blank=True)

    class Meta:
        verbose_name = _("alert event")
        verbose_name_plural = _("alert events")
        ordering = ["alert", "at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=AlertAction.values), name="quality_alert_event_action_valid"
            ),
        ]

    def __str__(self):
        return f"{self.alert_id} {self.action}"
