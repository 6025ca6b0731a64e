"""Centre levels from results (网点等级): the policy that turns a month's results into a score and a proposed
level, each centre's monthly assessment, and the history of the levels decided."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.roles import Role, user_roles
from network.choices import CenterLevel

from .choices import AssessmentStatus, Metric

_SCORE = {"max_digits": 5, "decimal_places": 1}
_VALUE = {"max_digits": 10, "decimal_places": 2}


class GradingPolicy(models.Model):
    """How a month's results make a score and a proposed level (one policy, edited in the admin).

    Each metric (MetricRule) has a weight, a target and a value at which it earns nothing. A metric earns its
    full weight at or beyond the target, nothing at or beyond the zero point, and in between the share of
    the way from the zero point to the target (linear): points = weight × clamp((value − zero) / (target −
    zero), 0, 1). For a metric where lower is better (repair hours, complaints, repeats) the zero point lies
    above the target and the same formula holds. A metric the centre has no data for in the month (no
    callback reached, no part due back) is left out, and the score is taken over the others' weights:
    score = 100 × Σ points / Σ weights, to one decimal (half up).

    The proposed level is the highest whose minimum score is reached (diamond, then gold, then grade A, else
    general). A centre that completed fewer than `min_orders` orders in the month keeps its level: too
    little work to judge by."""

    name = models.CharField(_("name"), max_length=60, default="网点等级评定")
    min_orders = models.PositiveIntegerField(_("minimum completed orders to propose a change"), default=20)
    diamond_min_score = models.DecimalField(
        _("minimum score for diamond"), **_SCORE, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    gold_min_score = models.DecimalField(
        _("minimum score for gold"), **_SCORE, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    a_min_score = models.DecimalField(
        _("minimum score for grade A"), **_SCORE, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )

    class Meta:
        verbose_name = _("grading policy")
        verbose_name_plural = _("grading policy")
        constraints = [
            models.CheckConstraint(
                condition=Q(diamond_min_score__gte=models.F("gold_min_score"))
                & Q(gold_min_score__gte=models.F("a_min_score"))
                & Q(a_min_score__gte=0)
                & Q(diamond_min_score__lte=100),
                name="grading_policy_thresholds_order",
            )
        ]

    def __str__(self):
        return self.name

    def thresholds(self) -> list[tuple[str, Decimal]]:
        """(level, minimum score), best level first; general needs nothing."""
        return [
            (CenterLevel.DIAMOND, self.diamond_min_score),
            (CenterLevel.GOLD, self.gold_min_score),
            (CenterLevel.A, self.a_min_score),
            (CenterLevel.GENERAL, Decimal("0.0")),
        ]


class MetricRule(models.Model):
    """One metric's weight in the score, its target (full points) and the value at which it earns none."""

    policy = models.ForeignKey(
        GradingPolicy, verbose_name=_("grading policy"), on_delete=models.CASCADE, related_name="rules"
    )
    metric = models.CharField(_("metric"), max_length=20, choices=Metric.choices)
    weight = models.PositiveSmallIntegerField(_("weight"))
    target = models.DecimalField(_("target (full points)"), **_VALUE)
    zero_at = models.DecimalField(_("no points at"), **_VALUE)

    class Meta:
        verbose_name = _("metric rule")
        verbose_name_plural = _("metric rules")
        ordering = ["policy", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "metric"], name="metric_rule_unique"),
            models.CheckConstraint(condition=Q(metric__in=Metric.values), name="metric_rule_metric_valid"),
            models.CheckConstraint(
                condition=~Q(target=models.F("zero_at")), name="metric_rule_target_not_zero"
            ),
        ]

    def __str__(self):
        return f"{self.get_metric_display()} · {self.weight}"


class AssessmentQuerySet(models.QuerySet):
    def for_user(self, user):
        roles = user_roles(user)
        if Role.MANAGER in roles:
            return self
        if Role.SUPERVISOR in roles:
            return self.filter(center__supervisors=user)
        return self.none()


class Assessment(models.Model):
    """A centre's results for one month, counted from its work (grading.services.compute), with the score
    and the level they propose. Refreshed while proposed; once confirmed (a LevelDecision) never again."""

    center = models.ForeignKey(
        "network.ServiceCenter", verbose_name=_("service centre"), on_delete=models.PROTECT, related_name="+"
    )
    month = models.DateField(_("month"))
    status = models.CharField(
        _("status"), max_length=10, choices=AssessmentStatus.choices, default=AssessmentStatus.PROPOSED
    )
    current_level = models.CharField(_("current level"), max_length=16, choices=CenterLevel.choices)
    proposed_level = models.CharField(_("proposed level"), max_length=16, choices=CenterLevel.choices)
    score = models.DecimalField(_("score"), **_SCORE, null=True, blank=True)
    enough_orders = models.BooleanField(_("enough orders to judge"), default=True)
    # The counts behind the rates (what a centre can check against its own records).
    orders = models.PositiveIntegerField(_("orders completed"), default=0)
    first_time_fixed = models.PositiveIntegerField(_("fixed the first time"), default=0)
    response_due = models.PositiveIntegerField(_("response deadlines settled"), default=0)
    response_on_time = models.PositiveIntegerField(_("responses on time"), default=0)
    arrival_due = models.PositiveIntegerField(_("arrival deadlines settled"), default=0)
    arrival_on_time = models.PositiveIntegerField(_("arrivals on time"), default=0)
    repair_hours = models.DecimalField(_("average repair time (h)"), **_VALUE, null=True, blank=True)
    callbacks_scored = models.PositiveIntegerField(_("callbacks with a score"), default=0)
    satisfaction = models.DecimalField(_("average satisfaction"), **_VALUE, null=True, blank=True)
    complaints_upheld = models.PositiveIntegerField(_("upheld complaints"), default=0)
    repeats = models.PositiveIntegerField(_("repeat repairs"), default=0)
    returns_due = models.PositiveIntegerField(_("defective parts due back"), default=0)
    returns_on_time = models.PositiveIntegerField(_("returned on time"), default=0)
    # Per metric: {"value": "96.5", "points": "18.2", "weight": 20} (strings: exact decimals).
    points = models.JSONField(_("points per metric"), default=dict, blank=True)
    computed_at = models.DateTimeField(_("computed"), default=timezone.now)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("centre assessment")
        verbose_name_plural = _("centre assessments")
        ordering = ["-month", "center__code"]
        constraints = [
            models.UniqueConstraint(fields=["center", "month"], name="assessment_once_per_month"),
            models.CheckConstraint(
                condition=Q(status__in=AssessmentStatus.values), name="assessment_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(current_level__in=CenterLevel.values) & Q(proposed_level__in=CenterLevel.values),
                name="assessment_levels_valid",
            ),
        ]
        indexes = [models.Index(fields=["month", "status"], name="assessment_month")]

    def __str__(self):
        return f"{self.center} · {self.month:%Y-%m}"


class LevelDecision(models.Model):
    """The history of a centre's levels: the level decided on an assessment, in force from a month on (its
    settlement is priced by it) until the next decision. Append-only."""

    center = models.ForeignKey(
        "network.ServiceCenter", verbose_name=_("service centre"), on_delete=models.PROTECT, related_name="+"
    )
    level = models.CharField(_("level"), max_length=16, choices=CenterLevel.choices)
    previous_level = models.CharField(_("level before"), max_length=16, choices=CenterLevel.choices)
    proposed_level = models.CharField(_("proposed level"), max_length=16, choices=CenterLevel.choices)
    effective_from = models.DateField(_("in force from (month)"))
    assessment = models.OneToOneField(
        Assessment, verbose_name=_("assessment"), on_delete=models.PROTECT, related_name="decision"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), default=timezone.now)
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("level decision")
        verbose_name_plural = _("level history")
        ordering = ["center", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["center", "effective_from"], name="level_decision_once_per_month"
            ),
            models.CheckConstraint(
                condition=Q(level__in=CenterLevel.values)
                & Q(previous_level__in=CenterLevel.values)
                & Q(proposed_level__in=CenterLevel.values),
                name="level_decision_levels_valid",
            ),
            # An override of the proposal says why.
            models.CheckConstraint(
                condition=Q(level=models.F("proposed_level")) | ~Q(reason=""),
                name="level_decision_override_has_reason",
            ),
        ]

    def __str__(self):
        return f"{self.center} · {self.get_level_display()} · {self.effective_from:%Y-%m}"

    @property
    def overridden(self) -> bool:
        return self.level != self.proposed_level
