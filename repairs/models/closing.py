"""The closing record of a work order (the technician's tablet or the office) and its photos."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aftersales.images import PhotoField

from ..choices import (
    ClosingChannel,
    PaymentMethod,
    PhotoKind,
    Resolution,
    Satisfaction,
)
from .calls import WorkOrder
from .counter import FaultCode


def _signature_path(instance, filename):
    return f"work_orders/{instance.work_order_id}/signature-{instance.client_id}.png"


def _photo_path(instance, filename):
    return f"work_orders/{instance.work_order_id}/{instance.kind}-{uuid.uuid4().hex}.jpg"


class WorkOrderClosingQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(work_order__in=WorkOrder.objects.for_user(user).values("pk"))

    def proof_pending(self):
        """Closed without the customer's proof, not yet cleared by a manager: held out of the settlement."""
        return self.exclude(proof_exception_reason="").filter(proof_cleared_at__isnull=True)


class WorkOrderClosing(models.Model):
    """The closing record of a work order (完工): fault, cause, resolution, labour, payment, and the
    customer's proof — their signature or the confirmation code they were sent, or failing both a
    supervisor's recorded exception that a manager must clear before the centre is paid. Written once, by
    repairs.closing.work_order_close (on the tablet or in the office), in the transaction that completes the
    order and consumes its parts; `client_id` makes a resubmission a no-op. A work order is completed only
    with one (a database trigger checks it at commit)."""

    work_order = models.OneToOneField(
        WorkOrder, verbose_name=_("work order"), on_delete=models.PROTECT, related_name="closing"
    )
    client_id = models.UUIDField(_("submission id"), unique=True)
    fault_code = models.ForeignKey(
        FaultCode, verbose_name=_("fault code"), on_delete=models.PROTECT, related_name="+"
    )
    cause = models.ForeignKey(FaultCode, verbose_name=_("cause"), on_delete=models.PROTECT, related_name="+")
    resolution = models.CharField(_("resolution"), max_length=20, choices=Resolution.choices)
    resolution_note = models.CharField(_("what was done"), max_length=500, blank=True)
    labour_minutes = models.PositiveSmallIntegerField(_("labour (minutes)"))
    collected_amount = models.DecimalField(
        _("amount collected (CNY)"), max_digits=14, decimal_places=2, default=Decimal("0.00")
    )
    payment_method = models.CharField(
        _("payment method"), max_length=10, choices=PaymentMethod.choices, blank=True
    )
    # The transaction number of a WeChat or Alipay payment, as the customer's phone shows it.
    payment_reference = models.CharField(_("payment reference"), max_length=64, blank=True, db_default="")
    # Paid service (A): what the customer owes and did not pay on the spot (the invoice is asked for, the money
    # comes later) — a Receivable of the centre. What the order charges is collected + outstanding.
    outstanding_amount = models.DecimalField(
        _("amount outstanding (CNY)"),
        max_digits=14,
        decimal_places=2,
        default=Decimal("0.00"),
        db_default=Decimal("0.00"),
    )
    signature = models.ImageField(_("customer's signature"), upload_to=_signature_path, blank=True)
    confirmed_by_code = models.BooleanField(_("confirmed by the customer's code"), default=False)
    satisfaction = models.CharField(
        _("satisfaction on the spot"), max_length=20, choices=Satisfaction.choices, blank=True
    )
    channel = models.CharField(
        _("closed"), max_length=10, choices=ClosingChannel.choices, default=ClosingChannel.TABLET
    )
    # No signature and no code: a supervisor's (or manager's) recorded exception with its reason. The work
    # is not paid to the centre until a manager has cleared it (the settlement holds it until then).
    proof_exception_reason = models.CharField(
        _("closed without the customer's proof, because"), max_length=500, blank=True
    )
    proof_cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("exception cleared by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    proof_cleared_at = models.DateTimeField(_("exception cleared"), null=True, blank=True)
    proof_cleared_note = models.CharField(_("why it may be paid"), max_length=500, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("closed by"), on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed at"))

    objects = WorkOrderClosingQuerySet.as_manager()

    class Meta:
        verbose_name = _("work order closing")
        verbose_name_plural = _("work order closings")
        indexes = [
            # The manager's list of closings without the customer's proof still to be cleared.
            models.Index(
                fields=["closed_at"],
                condition=~Q(proof_exception_reason="") & Q(proof_cleared_at__isnull=True),
                name="closing_proof_pending",
            ),
            # The settlement's month of exceptions cleared (paid then).
            models.Index(
                fields=["proof_cleared_at"],
                condition=Q(proof_cleared_at__isnull=False),
                name="closing_proof_cleared",
            ),
            # A month's closings (the technicians' time by service type on the supervisor's page and the
            # time pages): that month's rows, not a scan of every closing ever made.
            models.Index(fields=["closed_at"], name="closing_closed_at"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(labour_minutes__gte=1, labour_minutes__lte=1440),
                name="closing_labour_minutes_range",
            ),
            models.CheckConstraint(
                condition=Q(collected_amount__gte=0), name="closing_collected_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(collected_amount=0) | ~Q(payment_method=""), name="closing_collected_has_method"
            ),
            models.CheckConstraint(
                condition=Q(outstanding_amount__gte=0), name="closing_outstanding_not_negative"
            ),
            # The customer's proof — a signature or the code they were sent — or a recorded exception.
            models.CheckConstraint(
                condition=~Q(signature="") | Q(confirmed_by_code=True) | ~Q(proof_exception_reason=""),
                name="closing_signed_or_confirmed",
            ),
            # Only an exception is cleared, and a clearing says who and when.
            models.CheckConstraint(
                condition=Q(proof_cleared_at__isnull=True, proof_cleared_by__isnull=True)
                | (
                    ~Q(proof_exception_reason="")
                    & Q(proof_cleared_at__isnull=False, proof_cleared_by__isnull=False)
                ),
                name="closing_cleared_only_exceptions",
            ),
            models.CheckConstraint(
                condition=Q(channel__in=ClosingChannel.values), name="closing_channel_valid"
            ),
            models.CheckConstraint(
                condition=Q(resolution__in=Resolution.values), name="closing_resolution_valid"
            ),
            models.CheckConstraint(
                condition=Q(payment_method__in=[*PaymentMethod.values, ""]),
                name="closing_payment_method_valid",
            ),
            models.CheckConstraint(
                condition=Q(satisfaction__in=[*Satisfaction.values, ""]), name="closing_satisfaction_valid"
            ),
        ]

    def __str__(self):
        return f"{self.work_order} {self.closed_at:%Y-%m-%d}"

    @property
    def proof_exception(self) -> bool:
        return bool(self.proof_exception_reason)

    @property
    def proof_pending(self) -> bool:
        """Closed without the customer's proof and not yet cleared by a manager: not paid."""
        return self.proof_exception and self.proof_cleared_at is None

    @property
    def charged_amount(self) -> Decimal:
        """What the customer was charged: paid on the spot and still owed."""
        return self.collected_amount + self.outstanding_amount


class WorkOrderPhoto(models.Model):
    """A before/after photo of the job, taken on the tablet (shrunk there) and kept with the closing."""

    work_order = models.ForeignKey(
        WorkOrder, verbose_name=_("work order"), on_delete=models.PROTECT, related_name="photos"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=PhotoKind.choices)
    image = PhotoField(_("photo"), upload_to=_photo_path)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"))

    class Meta:
        verbose_name = _("work order photo")
        verbose_name_plural = _("work order photos")
        ordering = ["work_order", "kind", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=PhotoKind.values), name="work_order_photo_kind_valid")
        ]

    def __str__(self):
        return f"{self.work_order} {self.kind}"
