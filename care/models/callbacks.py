"""Satisfaction callbacks (回访) and each attempt to reach the customer."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.roles import Role, user_roles

from ..choices import (
    CallbackOutcome,
    CallbackReason,
    CallbackReview,
    CallbackStatus,
)
from .setup import _INTERNAL

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
