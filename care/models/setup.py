"""Working calendars, SLA policies and the regional managers escalations go to."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aftersales.roles import Role
from repairs.choices import Priority, ServiceType, WorkOrderStatus

from ..calendar import WorkingHours
from ..choices import (
    Clock,
    Stage,
)

_INTERNAL = {Role.MANAGER, Role.DISPATCHER}


class WorkCalendar(models.Model):
    """A centre's working time for deadlines counted in working hours: daily hours with one break, the
    working weekdays, and whether China's public holidays (with 调休) are days off. The calendar without a
    centre is the default for centres that have none of their own."""

    center = models.OneToOneField(
        "network.ServiceCenter",
        verbose_name=_("service centre"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="work_calendar",
    )
    name = models.CharField(_("name"), max_length=60)
    opens = models.TimeField(_("opens"), default=dt.time(9, 0))
    closes = models.TimeField(_("closes"), default=dt.time(18, 0))
    break_start = models.TimeField(_("break from"), null=True, blank=True, default=dt.time(12, 0))
    break_end = models.TimeField(_("break until"), null=True, blank=True, default=dt.time(13, 0))
    weekdays = ArrayField(
        models.PositiveSmallIntegerField(),
        verbose_name=_("working weekdays (0 = Monday)"),
        default=list,
        size=7,
    )
    statutory_holidays = models.BooleanField(_("public holidays are days off"), default=True)
    closed_dates = ArrayField(
        models.DateField(), verbose_name=_("other closed days"), default=list, blank=True
    )

    class Meta:
        verbose_name = _("working calendar")
        verbose_name_plural = _("working calendars")
        constraints = [
            models.UniqueConstraint(
                fields=["name"], condition=Q(center__isnull=True), name="work_calendar_one_default_name"
            ),
            models.CheckConstraint(condition=Q(closes__gt=models.F("opens")), name="work_calendar_hours"),
            models.CheckConstraint(
                condition=Q(break_start__isnull=True, break_end__isnull=True)
                | Q(
                    break_start__gte=models.F("opens"),
                    break_end__gt=models.F("break_start"),
                    break_end__lte=models.F("closes"),
                ),
                name="work_calendar_break_inside",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.opens and self.closes and self.closes <= self.opens:
            raise ValidationError({"closes": _("The working day must end after it begins.")})
        if (self.break_start is None) != (self.break_end is None):
            raise ValidationError({"break_end": _("Give the break's start and end, or neither.")})
        if self.break_start and not (self.opens <= self.break_start < self.break_end <= self.closes):
            raise ValidationError({"break_start": _("The break lies inside the working day.")})
        if any(day > 6 for day in self.weekdays or []):
            raise ValidationError({"weekdays": _("Weekdays run from 0 (Monday) to 6 (Sunday).")})

    def hours(self) -> WorkingHours:
        return WorkingHours(
            opens=self.opens,
            closes=self.closes,
            breaks=((self.break_start, self.break_end),) if self.break_start else (),
            weekdays=frozenset(self.weekdays),
            statutory=self.statutory_holidays,
            closed_dates=frozenset(self.closed_dates),
        )


class SlaPolicy(models.Model):
    """The deadlines for one service type, priority and region (blank: any). The most specific active
    policy applies: a district before its city before its province before none, then priority, then type."""

    name = models.CharField(_("name"), max_length=80)
    service_type = models.CharField(
        _("service type"), max_length=1, choices=ServiceType.choices, blank=True, help_text=_("blank: any")
    )
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, blank=True, help_text=_("blank: any")
    )
    region = models.ForeignKey(
        "network.Region",
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("a province, city or district; blank: everywhere"),
    )
    active = models.BooleanField(_("active"), default=True)
    # Each deadline counted in minutes says which clock it runs on. The others run around the clock by
    # nature: the visit is due at the appointment, the carry-in's 30 days and the complaint's 24 hours and
    # 30 days are calendar time.
    accept_minutes = models.PositiveIntegerField(_("accept within (minutes)"), default=120)
    accept_clock = models.CharField(
        _("accept: clock"), max_length=10, choices=Clock.choices, default=Clock.WORKING
    )
    first_contact_minutes = models.PositiveIntegerField(_("first contact within (minutes)"), default=240)
    first_contact_clock = models.CharField(
        _("first contact: clock"),
        max_length=10,
        choices=Clock.choices,
        default=Clock.ALWAYS,
        help_text=_("The hotline serves 24 hours a day: its answer within 4 hours runs around the clock."),
    )
    on_site_grace_minutes = models.PositiveIntegerField(
        _("on site: minutes after the appointment starts"), default=15
    )
    completion_minutes = models.PositiveIntegerField(
        _("complete within (minutes)"), default=2 * 8 * 60, help_text=_("two working days of 8 hours")
    )
    completion_clock = models.CharField(
        _("completion: clock"), max_length=10, choices=Clock.choices, default=Clock.WORKING
    )
    pause_statuses = ArrayField(
        models.CharField(max_length=20, choices=WorkOrderStatus.choices),
        verbose_name=_("the clock stops in"),
        default=list,
        blank=True,
    )
    complaint_reply_hours = models.PositiveIntegerField(_("complaint reply within (hours)"), default=24)
    complaint_resolve_days = models.PositiveIntegerField(_("complaint resolved within (days)"), default=30)
    carry_in_days = models.PositiveIntegerField(
        _("carry-in repair within (days)"), default=30, help_text=_("三包: past it the customer may exchange")
    )
    warn_before_minutes = models.PositiveIntegerField(_("warn before the deadline (minutes)"), default=30)
    escalate_supervisor_minutes = models.PositiveIntegerField(
        _("to the supervisor after a breach (minutes)"), default=60
    )
    escalate_manager_minutes = models.PositiveIntegerField(
        _("to the regional manager after a breach (minutes)"), default=240
    )

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(escalate_manager_minutes__gt=models.F("escalate_supervisor_minutes")),
                name="sla_policy_escalation_order",
            ),
            models.CheckConstraint(
                condition=Q(accept_minutes__gt=0, first_contact_minutes__gt=0, completion_minutes__gt=0),
                name="sla_policy_positive",
            ),
            models.CheckConstraint(
                condition=Q(
                    accept_clock__in=Clock.values,
                    first_contact_clock__in=Clock.values,
                    completion_clock__in=Clock.values,
                ),
                name="sla_policy_clocks_valid",
            ),
        ]

    def __str__(self):
        return self.name

    def clock_for(self, stage: str) -> str:
        """The clock a stage's deadline runs on (calendar time for the stages without a choice)."""
        return {
            Stage.ACCEPT: self.accept_clock,
            Stage.FIRST_CONTACT: self.first_contact_clock,
            Stage.COMPLETION: self.completion_clock,
        }.get(stage, Clock.ALWAYS)

    def clean(self):
        bad = [s for s in self.pause_statuses or [] if s not in WorkOrderStatus.values]
        if bad:
            raise ValidationError({"pause_statuses": _("Unknown status: %(s)s") % {"s": ", ".join(bad)}})
        if self.escalate_manager_minutes <= self.escalate_supervisor_minutes:
            raise ValidationError(
                {"escalate_manager_minutes": _("The manager is told after the supervisor.")}
            )


class RegionalManager(models.Model):
    """The manager told last about breaches in a region (a province or a city)."""

    region = models.ForeignKey(
        "network.Region", verbose_name=_("region"), on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("manager"), on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        verbose_name = _("regional manager")
        verbose_name_plural = _("regional managers")
        constraints = [models.UniqueConstraint(fields=["region", "user"], name="regional_manager_unique")]

    def __str__(self):
        return f"{self.region} · {self.user}"
