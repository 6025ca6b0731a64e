"""The field's exceptions and their paperwork: reschedules, re-dispatches, visits nobody was home for,
findings on site and the decision changes they cause, and what customers still owe (receivables)."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.images import PhotoField
from aftersales.roles import Role, user_roles

from ..choices import (
    DecisionChangeKind,
    PaymentMethod,
    RescheduleReason,
    ServiceType,
    SiteFindingKind,
    WorkOrderStatus,
)
from .calls import WorkOrder
from .catalogue import Component


class Reschedule(models.Model):
    """改约: an appointment moved, why, by whom — the old and the new window."""

    work_order = models.ForeignKey(
        WorkOrder, verbose_name=_("work order"), on_delete=models.PROTECT, related_name="reschedules"
    )
    old_start = models.DateTimeField(_("old appointment from"), null=True, blank=True)
    old_end = models.DateTimeField(_("old appointment until"), null=True, blank=True)
    new_start = models.DateTimeField(_("new appointment from"))
    new_end = models.DateTimeField(_("new appointment until"))
    reason = models.CharField(_("reason"), max_length=20, choices=RescheduleReason.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    customer_told = models.BooleanField(_("customer told by SMS"), default=False)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("reschedule")
        verbose_name_plural = _("reschedules")
        ordering = ["work_order", "at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(reason__in=RescheduleReason.values), name="reschedule_reason_valid"
            ),
            models.CheckConstraint(condition=Q(new_end__gt=models.F("new_start")), name="reschedule_window"),
        ]

    def __str__(self):
        return f"{self.work_order} · {self.get_reason_display()}"


class Redispatch(models.Model):
    """改派: an order given to another technician or another centre before the work was finished."""

    work_order = models.ForeignKey(
        WorkOrder, verbose_name=_("work order"), on_delete=models.PROTECT, related_name="redispatches"
    )
    from_center = models.ForeignKey(
        "network.ServiceCenter", verbose_name=_("from centre"), on_delete=models.PROTECT, related_name="+"
    )
    from_technician = models.ForeignKey(
        "network.Technician",
        verbose_name=_("from technician"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    to_center = models.ForeignKey(
        "network.ServiceCenter", verbose_name=_("to centre"), on_delete=models.PROTECT, related_name="+"
    )
    to_technician = models.ForeignKey(
        "network.Technician",
        verbose_name=_("to technician"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    from_status = models.CharField(_("status then"), max_length=20, choices=WorkOrderStatus.choices)
    reason = models.CharField(_("reason"), max_length=300)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("re-dispatch")
        verbose_name_plural = _("re-dispatches")
        ordering = ["work_order", "at", "pk"]

    def __str__(self):
        return f"{self.work_order} → {self.to_center}"


def _not_home_photo_path(instance, filename):
    return f"work-orders/not-home/{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}.jpg"


class NotHomeVisit(models.Model):
    """上门未遇: the technician came and nobody was there — when, the calls made, a photo of the door or a
    note. The wasted visit is paid once as a travel fee (the fee schedule's distance band)."""

    work_order = models.ForeignKey(
        WorkOrder, verbose_name=_("work order"), on_delete=models.PROTECT, related_name="not_home_visits"
    )
    center = models.ForeignKey(
        "network.ServiceCenter", verbose_name=_("service centre"), on_delete=models.PROTECT, related_name="+"
    )
    technician = models.ForeignKey(
        "network.Technician",
        verbose_name=_("technician"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    arrived_at = models.DateTimeField(_("arrived"))
    calls_made = models.PositiveSmallIntegerField(_("calls made to the customer"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    photo = PhotoField(_("photo of the door"), upload_to=_not_home_photo_path, blank=True)
    travel_km = models.PositiveIntegerField(_("distance to the customer (km)"), null=True, blank=True)
    customer_told = models.BooleanField(_("customer told by SMS"), default=False)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("not-at-home visit")
        verbose_name_plural = _("not-at-home visits")
        ordering = ["work_order", "at", "pk"]
        indexes = [models.Index(fields=["center", "at"], name="not_home_center_at")]
        constraints = [
            models.CheckConstraint(condition=~Q(photo="") | ~Q(note=""), name="not_home_photo_or_note"),
        ]

    def __str__(self):
        return f"{self.work_order} · {self.arrived_at:%Y-%m-%d %H:%M}"


class DecisionChange(models.Model):
    """A 三包 decision taken again after intake (another faulty part after diagnosis, an exclusion found on
    site) or a service type changed by the office: before and after, who and why. The intake decision stays
    on the call; the latest change decides the service type the order is settled by."""

    work_order = models.ForeignKey(
        WorkOrder, verbose_name=_("work order"), on_delete=models.PROTECT, related_name="decision_changes"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=DecisionChangeKind.choices)
    decision = models.ForeignKey(
        "warranty.WarrantyDecision",
        verbose_name=_("warranty decision"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    component = models.ForeignKey(
        Component,
        verbose_name=_("faulty part"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    service_type_before = models.CharField(
        _("service type before"), max_length=1, choices=ServiceType.choices
    )
    service_type_after = models.CharField(_("service type after"), max_length=1, choices=ServiceType.choices)
    reason = models.CharField(_("reason"), max_length=300)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("decision change")
        verbose_name_plural = _("decision changes")
        ordering = ["work_order", "at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=DecisionChangeKind.values), name="decision_change_kind_valid"
            ),
        ]

    def __str__(self):
        return f"{self.work_order} · {self.get_kind_display()}"


def _finding_photo_path(instance, filename):
    return f"work-orders/findings/{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}.jpg"


class SiteFinding(models.Model):
    """An exclusion the technician found on site (liquid damage, a home-made repair…), shown by photos."""

    work_order = models.ForeignKey(
        WorkOrder, verbose_name=_("work order"), on_delete=models.PROTECT, related_name="site_findings"
    )
    kind = models.CharField(_("finding"), max_length=30, choices=SiteFindingKind.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    change = models.ForeignKey(
        DecisionChange,
        verbose_name=_("decision change"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="findings",
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("site finding")
        verbose_name_plural = _("site findings")
        ordering = ["work_order", "at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=SiteFindingKind.values), name="site_finding_kind_valid"
            ),
        ]

    def __str__(self):
        return f"{self.work_order} · {self.get_kind_display()}"


class SiteFindingPhoto(models.Model):
    finding = models.ForeignKey(
        SiteFinding, verbose_name=_("site finding"), on_delete=models.PROTECT, related_name="photos"
    )
    image = PhotoField(_("photo"), upload_to=_finding_photo_path)

    class Meta:
        verbose_name = _("site finding photo")
        verbose_name_plural = _("site finding photos")
        ordering = ["finding", "pk"]

    def __str__(self):
        return f"{self.finding} #{self.pk}"


class ReceivableQuerySet(models.QuerySet):
    def for_user(self, user):
        """A centre's supervisors see their centres' receivables, managers every centre's; nobody else."""
        roles = user_roles(user)
        if Role.MANAGER in roles:
            return self
        if Role.SUPERVISOR in roles:
            return self.filter(center__in=user.supervised_centers.all())
        return self.none()

    def open(self):
        return self.filter(paid_at__isnull=True)


class Receivable(models.Model):
    """应收款: what the customer of a paid (A) order still owes once it is closed. The service standard: small
    fees are collected on the spot, otherwise the invoice is made out and the money collected later. Written
    with the closing record (repairs.closing.work_order_close), in its transaction; the centre marks it paid
    when the money comes (repairs.paid.receivable_mark_paid)."""

    work_order = models.OneToOneField(
        WorkOrder, verbose_name=_("work order"), on_delete=models.PROTECT, related_name="receivable"
    )
    center = models.ForeignKey(
        "network.ServiceCenter", verbose_name=_("service centre"), on_delete=models.PROTECT, related_name="+"
    )
    amount = models.DecimalField(_("amount (CNY)"), max_digits=14, decimal_places=2)
    note = models.CharField(_("invoice and payment arrangement"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"))
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("payment recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    payment_method = models.CharField(
        _("payment method"), max_length=10, choices=PaymentMethod.choices, blank=True
    )
    payment_reference = models.CharField(_("payment reference"), max_length=64, blank=True)
    paid_note = models.CharField(_("payment note"), max_length=200, blank=True)

    objects = ReceivableQuerySet.as_manager()

    class Meta:
        verbose_name = _("receivable")
        verbose_name_plural = _("receivables")
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The centre's list: still owed, oldest first; and everything, newest first.
            models.Index(
                fields=["center", "created_at"], condition=Q(paid_at__isnull=True), name="receivable_open"
            ),
            models.Index(fields=["center", "-created_at", "-id"], name="receivable_center"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="receivable_amount_positive"),
            models.CheckConstraint(
                condition=Q(paid_at__isnull=True, paid_by__isnull=True, payment_method="")
                | (Q(paid_at__isnull=False, paid_by__isnull=False) & ~Q(payment_method="")),
                name="receivable_paid_says_how",
            ),
            models.CheckConstraint(
                condition=Q(payment_method__in=[*PaymentMethod.values, ""]),
                name="receivable_payment_method_valid",
            ),
            models.CheckConstraint(
                condition=~Q(payment_method__in=["wechat", "alipay"]) | ~Q(payment_reference=""),
                name="receivable_app_payment_has_reference",
            ),
        ]

    def __str__(self):
        return f"{self.work_order} ¥{self.amount}"

    @property
    def is_paid(self) -> bool:
        return self.paid_at is not None
