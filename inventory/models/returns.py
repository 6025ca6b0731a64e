"""Defective-part returns (旧件返还) and their photos."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.images import PhotoField
from aftersales.roles import Role, user_roles

from ..choices import (
    OWED_RETURN_STATUSES,
    DefectiveReturnStatus,
    InspectionOutcome,
)
from .stock import _ALL, Part, StockMovement, _money_field


class DefectiveReturnQuerySet(models.QuerySet):
    def for_user(self, user):
        roles = user_roles(user)
        if roles & _ALL:
            return self
        scope = Q(pk__in=[])
        if Role.SUPERVISOR in roles:
            scope |= Q(center__supervisors=user)
        if Role.TECHNICIAN in roles:
            scope |= Q(work_order__technician__user=user)
        return self.filter(scope).distinct()

    def owed(self):
        return self.filter(status__in=sorted(OWED_RETURN_STATUSES))

    def overdue(self, today):
        """Tags the centre still owes whose due date has passed (deducted in the settlement)."""
        return self.owed().filter(due_on__lt=today)


class DefectiveReturn(models.Model):
    """A tag (旧件标签) on a replaced part that must go back: the old part's serial linked to the new one's,
    a due date, and how it came back — by courier, or scrapped on site with photos and a manager's approval."""

    number = models.CharField(_("tag number"), max_length=20, unique=True)
    center = models.ForeignKey(
        "network.ServiceCenter",
        verbose_name=_("service centre"),
        on_delete=models.PROTECT,
        related_name="defective_returns",
    )
    work_order = models.ForeignKey(
        "repairs.WorkOrder",
        verbose_name=_("work order"),
        on_delete=models.PROTECT,
        related_name="defective_returns",
    )
    part = models.ForeignKey(Part, verbose_name=_("part"), on_delete=models.PROTECT, related_name="+")
    issue_movement = models.ForeignKey(
        StockMovement, verbose_name=_("issue"), on_delete=models.PROTECT, related_name="defective_returns"
    )
    value_amount = _money_field(_("value (CNY)"))
    old_serial = models.CharField(_("old part serial"), max_length=40, blank=True)
    new_serial = models.CharField(_("new part serial"), max_length=40, blank=True)
    due_on = models.DateField(_("due"))
    status = models.CharField(
        _("status"), max_length=16, choices=DefectiveReturnStatus.choices, default=DefectiveReturnStatus.OPEN
    )
    courier = models.CharField(_("courier"), max_length=40, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=40, blank=True)
    shipped_at = models.DateTimeField(_("shipped"), null=True, blank=True)
    scrap_reason = models.CharField(_("reason for scrapping on site"), max_length=300, blank=True)
    scrap_requested_at = models.DateTimeField(_("scrapping requested"), null=True, blank=True)
    scrap_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("scrapping approved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    scrapped_at = models.DateTimeField(_("scrapped"), null=True, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("received by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    received_at = models.DateTimeField(_("received"), null=True, blank=True)
    receipt_movement = models.OneToOneField(
        StockMovement,
        verbose_name=_("receipt"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="defective_receipt",
    )
    outcome = models.CharField(_("inspection"), max_length=12, choices=InspectionOutcome.choices, blank=True)
    inspection_note = models.CharField(_("inspection note"), max_length=300, blank=True)
    inspected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("inspected by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    inspected_at = models.DateTimeField(_("inspected"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = DefectiveReturnQuerySet.as_manager()

    class Meta:
        verbose_name = _("defective-part return")
        verbose_name_plural = _("defective-part returns")
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(
                fields=["center", "due_on"],
                condition=Q(status__in=sorted(OWED_RETURN_STATUSES)),
                name="defective_return_owed",
            ),
            models.Index(fields=["status", "due_on"], name="defective_return_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=DefectiveReturnStatus.values), name="defective_return_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status=DefectiveReturnStatus.SHIPPED) | ~Q(tracking_number=""),
                name="defective_return_shipped_has_tracking",
            ),
            models.CheckConstraint(
                condition=~Q(status=DefectiveReturnStatus.SCRAPPED) | Q(scrap_approved_by__isnull=False),
                name="defective_return_scrap_approved",
            ),
            models.CheckConstraint(
                condition=~Q(status=DefectiveReturnStatus.INSPECTED) | ~Q(outcome=""),
                name="defective_return_inspected_has_outcome",
            ),
        ]

    def __str__(self):
        return self.number

    @property
    def is_owed(self) -> bool:
        """The centre still owes the old part: awaiting return, or its scrapping on site is asked for."""
        return self.status in OWED_RETURN_STATUSES


def _photo_path(instance, filename):
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "jpg"
    return f"defective/{instance.defective_return_id}/{timezone.now():%Y%m%d%H%M%S%f}.{ext}"


class DefectiveReturnPhoto(models.Model):
    """A photo of a part to be scrapped on site (就地报废), for the manager who approves it."""

    defective_return = models.ForeignKey(
        DefectiveReturn,
        verbose_name=_("defective-part return"),
        on_delete=models.PROTECT,
        related_name="photos",
    )
    image = PhotoField(_("photo"), upload_to=_photo_path)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return self.image.name
