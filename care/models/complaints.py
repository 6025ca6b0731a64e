"""Complaints (投诉): registered, replied to, resolved (upheld or not)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..choices import (
    CONDUCT_CATEGORIES,
    ComplaintCategory,
    ComplaintStatus,
)
from .callbacks import CenterScopedQuerySet

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
