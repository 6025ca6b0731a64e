"""Part requests from the centres to the central warehouse, their lines and events."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.money import money
from aftersales.roles import Role, user_roles

from ..choices import (
    PartRequestStatus,
)
from .stock import _ALL, Part, _money_field


class PartRequestQuerySet(models.QuerySet):
    def for_user(self, user):
        roles = user_roles(user)
        if roles & _ALL:
            return self
        if Role.SUPERVISOR in roles:
            return self.filter(center__supervisors=user)
        return self.none()


class PartRequest(models.Model):
    """A service centre asks the central warehouse for parts (备件申请)."""

    number = models.CharField(_("request number"), max_length=20, unique=True)
    center = models.ForeignKey(
        "network.ServiceCenter",
        verbose_name=_("service centre"),
        on_delete=models.PROTECT,
        related_name="part_requests",
    )
    work_order = models.ForeignKey(
        "repairs.WorkOrder",
        verbose_name=_("for work order"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="part_requests",
    )
    status = models.CharField(
        _("status"), max_length=12, choices=PartRequestStatus.choices, default=PartRequestStatus.PENDING
    )
    amount = _money_field(_("amount (CNY)"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    approval_reason = models.CharField(_("why a manager decides"), max_length=300, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    auto_approved = models.BooleanField(_("approved automatically"), default=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    rejection_reason = models.CharField(_("reason for rejection"), max_length=300, blank=True)
    shipped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("shipped by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    shipped_at = models.DateTimeField(_("shipped"), null=True, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("received by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    received_at = models.DateTimeField(_("received"), null=True, blank=True)

    objects = PartRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("part request")
        verbose_name_plural = _("part requests")
        ordering = ["-requested_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-requested_at"], name="part_request_status"),
            models.Index(fields=["center", "-requested_at"], name="part_request_center"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=PartRequestStatus.values), name="part_request_status_valid"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="part_request_amount_not_negative"),
            models.CheckConstraint(
                condition=~Q(status=PartRequestStatus.REJECTED) | ~Q(rejection_reason=""),
                name="part_request_rejection_has_reason",
            ),
        ]

    def __str__(self):
        return self.number

    @property
    def before_shipping(self) -> bool:
        """Not shipped yet (nor received): the central warehouse's stock still matters to it."""
        return self.status not in (PartRequestStatus.SHIPPED, PartRequestStatus.RECEIVED)

    @property
    def total_quantity(self) -> int:
        return sum(line.quantity for line in self.lines.all())


class PartRequestLine(models.Model):
    request = models.ForeignKey(
        PartRequest, verbose_name=_("part request"), on_delete=models.CASCADE, related_name="lines"
    )
    part = models.ForeignKey(Part, verbose_name=_("part"), on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_cost_amount = _money_field(_("unit cost (CNY)"))

    class Meta:
        verbose_name = _("request line")
        verbose_name_plural = _("request lines")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["request", "part"], name="part_request_line_unique"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="part_request_line_quantity_positive"),
        ]

    def __str__(self):
        return f"{self.part_id} × {self.quantity}"

    @property
    def line_amount(self) -> Decimal:
        return money(self.unit_cost_amount * self.quantity)


class PartRequestEvent(models.Model):
    """The audit trail of a part request."""

    request = models.ForeignKey(
        PartRequest, verbose_name=_("part request"), on_delete=models.CASCADE, related_name="events"
    )
    from_status = models.CharField(_("from"), max_length=12, choices=PartRequestStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=12, choices=PartRequestStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("part request event")
        verbose_name_plural = _("part request events")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.from_status} → {self.to_status}"
