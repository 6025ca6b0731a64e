"""The records of the monthly settlement: statements, their lines, adjustments, rates and disputes
(computed and confirmed by the settlement app)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aftersales.roles import Role, user_roles

from ..choices import (
    AdjustmentKind,
    CenterLevel,
    DisputeStatus,
    ServiceKind,
    SettlementLineKind,
    SettlementStatus,
)
from .organisation import FeeSchedule, ServiceCenter, TravelFee


class SettlementQuerySet(models.QuerySet):
    def for_user(self, user):
        roles = user_roles(user)
        if Role.MANAGER in roles:
            return self
        if Role.SUPERVISOR in roles:
            return self.filter(center__supervisors=user)
        return self.none()


class Settlement(models.Model):
    """月度结算单: what head office pays one centre for one month (`month` is its first day). A draft is
    recomputed at will; once confirmed it never changes — the database refuses it (migration 0006) — and a
    correction goes into a later month as an adjustment referring to it."""

    center = models.ForeignKey(
        ServiceCenter, verbose_name=_("service centre"), on_delete=models.PROTECT, related_name="settlements"
    )
    month = models.DateField(_("month"))
    status = models.CharField(
        _("status"), max_length=10, choices=SettlementStatus.choices, default=SettlementStatus.DRAFT
    )
    center_level = models.CharField(_("centre level"), max_length=16, choices=CenterLevel.choices)
    lines_amount = models.DecimalField(_("work orders (CNY)"), max_digits=14, decimal_places=2, default=0)
    adjustments_amount = models.DecimalField(
        _("adjustments (CNY)"), max_digits=14, decimal_places=2, default=0
    )
    total_amount = models.DecimalField(_("total (CNY)"), max_digits=14, decimal_places=2, default=0)
    computed_at = models.DateTimeField(_("computed"))
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)

    objects = SettlementQuerySet.as_manager()

    class Meta:
        verbose_name = _("settlement")
        verbose_name_plural = _("settlements")
        ordering = ["-month", "center__code"]
        constraints = [
            models.UniqueConstraint(fields=["center", "month"], name="settlement_one_per_center_month"),
            models.CheckConstraint(
                condition=Q(status__in=SettlementStatus.values), name="settlement_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(total_amount=models.F("lines_amount") + models.F("adjustments_amount")),
                name="settlement_total_adds_up",
            ),
        ]

    def __str__(self):
        return f"{self.center} · {self.month:%Y-%m}"

    @property
    def number(self) -> str:
        """The statement's reference, its centre's code and its month: JS-NJ-01-202610 (what corrections
        and the parts credit cite). Not stored: one statement per centre and month makes it unique. It was
        first printed with "JS-" (结算) before the code, which ran into the province's own letters
        (JS-JS-NJ-01-…); corrections still understand that form (settlement.services)."""
        return f"{self.center.code}-{self.month:%Y%m}"


class SettlementLine(models.Model):
    """One paid item of a settlement: the work order, the fee schedule row used (none: a warning), the
    amount. A work order is paid once, ever: (work_order, kind) is unique across all months."""

    settlement = models.ForeignKey(
        Settlement, verbose_name=_("settlement"), on_delete=models.CASCADE, related_name="lines"
    )
    work_order = models.ForeignKey(
        "repairs.WorkOrder", verbose_name=_("work order"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=SettlementLineKind.choices)
    service_kind = models.CharField(_("service kind"), max_length=20, choices=ServiceKind.choices)
    closed_on = models.DateField(_("closed on"))
    fee_schedule = models.ForeignKey(
        FeeSchedule,
        verbose_name=_("fee schedule row"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    travel_fee = models.ForeignKey(
        TravelFee,
        verbose_name=_("travel fee band"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    amount = models.DecimalField(_("amount (CNY)"), max_digits=14, decimal_places=2)
    # What changed the computed amount (an accepted dispute), or what the line is made of (parts).
    note = models.CharField(_("note"), max_length=200, blank=True)
    # The visit where nobody was at home that a wasted-visit line pays (each such visit once).
    not_home_visit = models.ForeignKey(
        "repairs.NotHomeVisit",
        verbose_name=_("visit nobody was at home"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("settlement line")
        verbose_name_plural = _("settlement lines")
        ordering = ["closed_on", "work_order_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["work_order", "kind"],
                condition=Q(not_home_visit__isnull=True),
                name="settlement_line_paid_once",
            ),
            models.UniqueConstraint(
                fields=["not_home_visit"],
                condition=Q(not_home_visit__isnull=False),
                name="settlement_line_wasted_visit_once",
            ),
            models.CheckConstraint(
                condition=Q(kind="wasted_visit", not_home_visit__isnull=False)
                | (~Q(kind="wasted_visit") & Q(not_home_visit__isnull=True)),
                name="settlement_line_wasted_visit_has_visit",
            ),
        ]

    def __str__(self):
        return f"{self.work_order_id} · {self.get_kind_display()} · ¥{self.amount}"


class Adjustment(models.Model):
    """Subsidies, penalties, deductions and deposit movements of a settlement, each with its reason and a
    reference (a complaint, a deadline, a defective-part tag, an earlier settlement)."""

    settlement = models.ForeignKey(
        Settlement, verbose_name=_("settlement"), on_delete=models.CASCADE, related_name="adjustments"
    )
    kind = models.CharField(_("kind"), max_length=25, choices=AdjustmentKind.choices)
    automatic = models.BooleanField(_("computed"), default=True, help_text=_("recomputed with the draft"))
    reason = models.CharField(_("reason"), max_length=200)
    reference = models.CharField(_("reference"), max_length=60, blank=True)
    amount = models.DecimalField(_("amount (CNY)"), max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = _("adjustment")
        verbose_name_plural = _("adjustments")
        ordering = ["kind", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=AdjustmentKind.values), name="adjustment_kind_valid"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · ¥{self.amount}"


class SettlementRate(models.Model):
    """The monthly subsidies and penalties by centre level, in force from a month on: the base subsidy, a
    bonus per paid work order above a threshold, a penalty per SLA breach and per upheld complaint."""

    center_level = models.CharField(_("centre level"), max_length=16, choices=CenterLevel.choices)
    valid_from = models.DateField(_("in force from"))
    base_subsidy_amount = models.DecimalField(
        _("monthly base subsidy (CNY)"), max_digits=14, decimal_places=2
    )
    volume_threshold = models.PositiveIntegerField(_("work orders before the volume bonus"))
    volume_bonus_amount = models.DecimalField(
        _("bonus per work order above it (CNY)"), max_digits=14, decimal_places=2
    )
    breach_penalty_amount = models.DecimalField(
        _("penalty per SLA breach (CNY)"), max_digits=14, decimal_places=2
    )
    complaint_penalty_amount = models.DecimalField(
        _("penalty per upheld complaint (CNY)"), max_digits=14, decimal_places=2
    )

    class Meta:
        verbose_name = _("settlement rate")
        verbose_name_plural = _("settlement rates")
        ordering = ["center_level", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["center_level", "valid_from"], name="settlement_rate_unique"),
            models.CheckConstraint(
                condition=Q(
                    base_subsidy_amount__gte=0,
                    volume_bonus_amount__gte=0,
                    breach_penalty_amount__gte=0,
                    complaint_penalty_amount__gte=0,
                ),
                name="settlement_rate_not_negative",
            ),
        ]

    def __str__(self):
        return f"{self.get_center_level_display()} · {self.valid_from}"


class DisputeQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(settlement__in=Settlement.objects.for_user(user))


class Dispute(models.Model):
    """A centre's objection to one line of a draft statement (对账异议). The manager accepts it — the line's
    amount is changed, 0.00 removes it — or rejects it with an answer. An open dispute blocks confirmation.
    It names the work order and the line's kind, not the line row, so it outlives a recompute of the draft."""

    settlement = models.ForeignKey(
        Settlement, verbose_name=_("settlement"), on_delete=models.CASCADE, related_name="disputes"
    )
    work_order = models.ForeignKey(
        "repairs.WorkOrder", verbose_name=_("work order"), on_delete=models.PROTECT, related_name="+"
    )
    line_kind = models.CharField(_("line"), max_length=20, choices=SettlementLineKind.choices)
    reason = models.CharField(_("reason"), max_length=500)
    claimed_amount = models.DecimalField(
        _("amount claimed (CNY)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("raised by"), on_delete=models.PROTECT, related_name="+"
    )
    raised_at = models.DateTimeField(_("raised"))
    status = models.CharField(
        _("status"), max_length=10, choices=DisputeStatus.choices, default=DisputeStatus.OPEN
    )
    accepted_amount = models.DecimalField(
        _("amount agreed (CNY)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    answer = models.CharField(_("answer"), max_length=500, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)

    objects = DisputeQuerySet.as_manager()

    class Meta:
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        ordering = ["raised_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=DisputeStatus.values), name="dispute_status_valid"),
            # One open dispute per line at a time.
            models.UniqueConstraint(
                fields=["settlement", "work_order", "line_kind"],
                condition=Q(status="open"),
                name="dispute_one_open_per_line",
            ),
            models.CheckConstraint(
                condition=~Q(status="accepted") | Q(accepted_amount__isnull=False),
                name="dispute_accepted_has_amount",
            ),
        ]

    def __str__(self):
        return f"{self.settlement} · {self.work_order_id} · {self.get_status_display()}"
