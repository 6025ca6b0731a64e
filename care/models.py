"""Customer care: the promises kept — SLA policies and working calendars, deadlines stored on indexed
columns, escalations (one per deadline and level, by a unique constraint) and in-app notifications;
satisfaction callbacks (回访) with their attempts; the complaint register (投诉)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.roles import Role, user_roles
from repairs.choices import Priority, ServiceType, WorkOrderStatus

from .calendar import WorkingHours
from .choices import (
    CONDUCT_CATEGORIES,
    CallbackOutcome,
    CallbackReason,
    CallbackReview,
    CallbackStatus,
    Clock,
    ComplaintCategory,
    ComplaintStatus,
    EscalationLevel,
    Stage,
    StopReason,
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


# Deadlines ---------------------------------------------------------------------------------------------

OPEN_DEADLINE = Q(stopped_at__isnull=True, paused_at__isnull=True)


class DeadlineQuerySet(models.QuerySet):
    def for_user(self, user):
        roles = user_roles(user)
        if roles & _INTERNAL:
            return self
        scope = Q(pk__in=[])
        if Role.SUPERVISOR in roles:
            scope |= Q(center__in=user.supervised_centers.all())
        if Role.TECHNICIAN in roles:
            scope |= Q(technician__user=user)
        return self.filter(scope)

    def running(self):
        return self.filter(OPEN_DEADLINE)

    def breached_now(self):
        return self.running().filter(breached_at__isnull=False)


class Deadline(models.Model):
    """One promise of one work order or complaint, with its due instant stored (never recomputed by a
    scan). Stopped when met or no longer applicable; paused (with the working time left) while the order is
    in a status the policy stops the clock for. The scan reads three partial indexes: what is to be
    warned about, what has just been breached, and what is due for its next escalation."""

    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices)
    work_order = models.ForeignKey(
        "repairs.WorkOrder",
        verbose_name=_("work order"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deadlines",
    )
    complaint = models.ForeignKey(
        "care.Complaint",
        verbose_name=_("complaint"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deadlines",
    )
    policy = models.ForeignKey(
        SlaPolicy, verbose_name=_("SLA policy"), on_delete=models.PROTECT, related_name="+"
    )
    center = models.ForeignKey(
        "network.ServiceCenter",
        verbose_name=_("service centre"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    technician = models.ForeignKey(
        "network.Technician",
        verbose_name=_("technician"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    started_at = models.DateTimeField(_("clock started"))
    due_at = models.DateTimeField(_("due"))
    warn_at = models.DateTimeField(_("warn from"))
    working_time = models.BooleanField(_("in working time"), default=True)
    paused_at = models.DateTimeField(_("paused"), null=True, blank=True)
    remaining_seconds = models.IntegerField(_("time left when paused (s)"), null=True, blank=True)
    stopped_at = models.DateTimeField(_("stopped"), null=True, blank=True)
    stop_reason = models.CharField(
        _("stopped because"), max_length=10, choices=StopReason.choices, blank=True
    )
    warned_at = models.DateTimeField(_("warned"), null=True, blank=True)
    breached_at = models.DateTimeField(_("breached"), null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(_("escalated to level"), default=0)
    next_escalation_at = models.DateTimeField(_("next escalation"), null=True, blank=True)

    objects = DeadlineQuerySet.as_manager()

    class Meta:
        verbose_name = _("deadline")
        verbose_name_plural = _("deadlines")
        ordering = ["due_at"]
        constraints = [
            models.CheckConstraint(condition=Q(stage__in=Stage.values), name="deadline_stage_valid"),
            models.CheckConstraint(
                condition=Q(work_order__isnull=False, complaint__isnull=True)
                | Q(work_order__isnull=True, complaint__isnull=False),
                name="deadline_one_subject",
            ),
            models.UniqueConstraint(
                fields=["work_order", "stage"],
                condition=Q(work_order__isnull=False),
                name="deadline_unique_work_order_stage",
            ),
            models.UniqueConstraint(
                fields=["complaint", "stage"],
                condition=Q(complaint__isnull=False),
                name="deadline_unique_complaint_stage",
            ),
            models.CheckConstraint(
                condition=Q(stopped_at__isnull=True, stop_reason="")
                | Q(stopped_at__isnull=False, stop_reason__in=StopReason.values),
                name="deadline_stop_reason",
            ),
        ]
        indexes = [
            models.Index(
                fields=["warn_at"],
                condition=Q(stopped_at__isnull=True, paused_at__isnull=True, warned_at__isnull=True),
                name="deadline_to_warn",
            ),
            models.Index(
                fields=["due_at"],
                condition=Q(stopped_at__isnull=True, paused_at__isnull=True, breached_at__isnull=True),
                name="deadline_to_breach",
            ),
            models.Index(
                fields=["next_escalation_at"],
                condition=Q(stopped_at__isnull=True, next_escalation_at__isnull=False),
                name="deadline_to_escalate",
            ),
            models.Index(
                fields=["center", "stage", "due_at"],
                condition=Q(stopped_at__isnull=True, breached_at__isnull=False),
                name="deadline_breached_open",
            ),
            models.Index(fields=["stage", "due_at"], name="deadline_stage_due"),
            # The dashboard's compliance: the settled deadlines of a week, answered from the index alone.
            models.Index(
                fields=["stage", "due_at"],
                include=["stop_reason", "stopped_at"],
                condition=Q(stop_reason="met") | Q(breached_at__isnull=False),
                name="deadline_compliance",
            ),
        ]

    def __str__(self):
        return f"{self.get_stage_display()} · {timezone.localtime(self.due_at):%Y-%m-%d %H:%M}"

    @property
    def subject(self):
        return self.work_order if self.work_order_id else self.complaint

    @property
    def clock(self) -> str:
        return Clock.WORKING if self.working_time else Clock.ALWAYS

    def get_clock_display(self) -> str:
        return Clock(self.clock).label

    @property
    def met_on_time(self) -> bool | None:
        if self.stop_reason != StopReason.MET:
            return None
        return self.stopped_at <= self.due_at


class Escalation(models.Model):
    """A breach told to one level of the chain, once: (deadline, level) is unique."""

    deadline = models.ForeignKey(
        Deadline, verbose_name=_("deadline"), on_delete=models.CASCADE, related_name="escalations"
    )
    level = models.PositiveSmallIntegerField(_("level"), choices=EscalationLevel.choices)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["deadline", "level"], name="escalation_once_per_level"),
            models.CheckConstraint(
                condition=Q(level__in=EscalationLevel.values), name="escalation_level_valid"
            ),
        ]

    def __str__(self):
        return f"{self.deadline} → {self.get_level_display()}"


class NotificationQuerySet(models.QuerySet):
    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """The bell: what one person is told in the application (and by email when they have an address)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    escalation = models.ForeignKey(
        Escalation,
        verbose_name=_("escalation"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    deadline = models.ForeignKey(
        Deadline,
        verbose_name=_("deadline"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=20)  # warning | breach | carry_in_30 | correction
    title = models.CharField(_("title"), max_length=200)
    body = models.CharField(_("text"), max_length=500, blank=True)
    url = models.CharField(_("link"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("emailed"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="notification_user"),
            models.Index(fields=["user"], condition=Q(read_at__isnull=True), name="notification_unread"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "deadline", "kind"],
                condition=Q(escalation__isnull=True, deadline__isnull=False),
                name="notification_once_per_deadline_kind",
            ),
            models.UniqueConstraint(
                fields=["user", "escalation"],
                condition=Q(escalation__isnull=False),
                name="notification_once_per_escalation",
            ),
        ]

    def __str__(self):
        return self.title


# Callbacks ---------------------------------------------------------------------------------------------


class CenterScopedQuerySet(models.QuerySet):
    """Dispatchers and managers see every row; a supervisor the rows of their centres; nobody else any."""

    def for_user(self, user):
        roles = user_roles(user)
        if roles & _INTERNAL:
            return self
        if Role.SUPERVISOR in roles:
            return self.filter(center__in=user.supervised_centers.all())
        return self.none()


class Callback(models.Model):
    """回访: a call to the customer after phone guidance, a repair or a resolved complaint. Due at a stored
    instant; a no-answer is tried again later, at most CARE_CALLBACK_MAX_ATTEMPTS times."""

    call = models.ForeignKey(
        "repairs.RepairCall",
        verbose_name=_("repair call"),
        on_delete=models.PROTECT,
        related_name="callbacks",
    )
    work_order = models.ForeignKey(
        "repairs.WorkOrder",
        verbose_name=_("work order"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="callbacks",
    )
    complaint = models.ForeignKey(
        "care.Complaint",
        verbose_name=_("complaint"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="callbacks",
    )
    center = models.ForeignKey(
        "network.ServiceCenter",
        verbose_name=_("service centre"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    technician = models.ForeignKey(
        "network.Technician",
        verbose_name=_("technician"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.CharField(_("reason"), max_length=20, choices=CallbackReason.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=CallbackStatus.choices, default=CallbackStatus.PENDING
    )
    due_at = models.DateTimeField(_("due"))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    satisfaction = models.PositiveSmallIntegerField(_("satisfaction (1–5)"), null=True, blank=True)
    solved = models.BooleanField(_("problem solved"), null=True, blank=True)
    customer_words = models.CharField(_("the customer's words"), max_length=500, blank=True)
    reached_at = models.DateTimeField(_("reached"), null=True, blank=True)
    review = models.CharField(_("review"), max_length=10, choices=CallbackReview.choices, blank=True)
    review_note = models.CharField(_("review note"), max_length=300, blank=True)
    redo_order = models.ForeignKey(
        "repairs.WorkOrder",
        verbose_name=_("work order to redo"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("done by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = CenterScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("callback")
        verbose_name_plural = _("callbacks")
        ordering = ["due_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=CallbackStatus.values), name="callback_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(reason__in=CallbackReason.values), name="callback_reason_valid"
            ),
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=True) | Q(satisfaction__gte=1, satisfaction__lte=5),
                name="callback_satisfaction_1_5",
            ),
            # One callback per reason and subject: scheduling twice (a retried task) makes nothing new.
            models.UniqueConstraint(
                fields=["work_order", "reason"],
                condition=Q(work_order__isnull=False, complaint__isnull=True),
                name="callback_once_per_order_reason",
            ),
            models.UniqueConstraint(
                fields=["complaint"], condition=Q(complaint__isnull=False), name="callback_once_per_complaint"
            ),
        ]
        indexes = [
            models.Index(fields=["due_at"], condition=Q(status="pending"), name="callback_pending_due"),
            models.Index(fields=["center", "status", "due_at"], name="callback_center"),
            # The settlement's month of phone guidance proven by its callback (paid then).
            models.Index(
                fields=["reached_at"],
                condition=Q(reason="phone_guidance", solved=True),
                name="callback_guidance_solved",
            ),
        ]

    def __str__(self):
        return f"{self.call.number} · {self.get_reason_display()}"


class CallbackAttempt(models.Model):
    callback = models.ForeignKey(
        Callback, verbose_name=_("callback"), on_delete=models.CASCADE, related_name="attempts_made"
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.CharField(_("outcome"), max_length=15, choices=CallbackOutcome.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("callback attempt")
        verbose_name_plural = _("callback attempts")
        ordering = ["at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome__in=CallbackOutcome.values), name="callback_attempt_outcome"
            )
        ]

    def __str__(self):
        return f"{self.callback} · {self.get_outcome_display()}"


# Complaints --------------------------------------------------------------------------------------------


class Complaint(models.Model):
    """投诉: linked to the call, work order, centre and staff member; replied within 24 hours and resolved
    within 30 days (the policy's deadlines); an upheld complaint counts towards the centre's settlement
    penalties and, when it is about the staff member's own conduct, towards their three steps (warning,
    penalty, dismissal)."""

    number = models.CharField(_("complaint number"), max_length=20, unique=True)
    call = models.ForeignKey(
        "repairs.RepairCall",
        verbose_name=_("repair call"),
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    work_order = models.ForeignKey(
        "repairs.WorkOrder",
        verbose_name=_("work order"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    center = models.ForeignKey(
        "network.ServiceCenter",
        verbose_name=_("service centre"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    technician = models.ForeignKey(
        "network.Technician",
        verbose_name=_("staff member"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    category = models.CharField(_("category"), max_length=10, choices=ComplaintCategory.choices)
    description = models.CharField(_("what the customer says"), max_length=1000)
    status = models.CharField(
        _("status"), max_length=10, choices=ComplaintStatus.choices, default=ComplaintStatus.OPEN
    )
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("received by"), on_delete=models.PROTECT, related_name="+"
    )
    reply_due_at = models.DateTimeField(_("reply due"))
    resolve_due_at = models.DateTimeField(_("resolution due"))
    replied_at = models.DateTimeField(_("replied"), null=True, blank=True)
    reply = models.CharField(_("reply"), max_length=1000, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    resolution = models.CharField(_("resolution"), max_length=1000, blank=True)
    upheld = models.BooleanField(_("upheld"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = CenterScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ComplaintStatus.values), name="complaint_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(category__in=ComplaintCategory.values), name="complaint_category_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status=ComplaintStatus.RESOLVED)
                | Q(resolved_at__isnull=False, upheld__isnull=False),
                name="complaint_resolved_has_verdict",
            ),
        ]
        indexes = [
            models.Index(fields=["technician", "upheld"], name="complaint_staff"),
            models.Index(fields=["center", "-received_at"], name="complaint_center"),
        ]

    def __str__(self):
        return self.number

    @property
    def about_conduct(self) -> bool:
        """About the staff member's own conduct: an upheld one counts towards their three steps."""
        return self.category in CONDUCT_CATEGORIES
