"""SLA deadlines of work orders and complaints, their escalations, and the notifications behind the bell."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.roles import Role, user_roles

from ..choices import (
    Clock,
    EscalationLevel,
    Stage,
    StopReason,
)
from .setup import _INTERNAL, SlaPolicy

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
    remedy_request = models.ForeignKey(
        "remedies.RemedyRequest",
        verbose_name=_("remedy request"),
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
                condition=Q(work_order__isnull=False, complaint__isnull=True, remedy_request__isnull=True)
                | Q(work_order__isnull=True, complaint__isnull=False, remedy_request__isnull=True)
                | Q(work_order__isnull=True, complaint__isnull=True, remedy_request__isnull=False),
                name="deadline_one_subject",
            ),
            models.UniqueConstraint(
                fields=["remedy_request", "stage"],
                condition=Q(remedy_request__isnull=False),
                name="deadline_unique_remedy_request_stage",
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
        if self.work_order_id:
            return self.work_order
        return self.complaint if self.complaint_id else self.remedy_request

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
