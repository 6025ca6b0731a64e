"""The service counter's records: carry-in (客户商品进出登记簿), loaner units (周转机), quotes with the
customer's consent for paid service, fault codes, confirmation codes sent."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..choices import (
    ConsentMethod,
    FaultCodeKind,
    LoanerStatus,
    QuoteLineKind,
)
from .calls import WorkOrder
from .catalogue import LocalNameMixin, ProductCategory, SerialNumberField


class CarryIn(models.Model):
    """客户商品进出登记簿: a product taken to the workshop — receipt, date in, repair card, inspection, date out."""

    work_order = models.OneToOneField(
        WorkOrder, verbose_name=_("work order"), on_delete=models.PROTECT, related_name="carry_in"
    )
    receipt_number = models.CharField(_("carry-in receipt number"), max_length=20, unique=True)
    received_at = models.DateTimeField(_("date in"))
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("received by"), on_delete=models.PROTECT, related_name="+"
    )
    condition_note = models.CharField(_("condition and accessories received"), max_length=300, blank=True)
    # 修护卡: the actual repair time and the parts replaced.
    repair_minutes = models.PositiveIntegerField(_("actual repair time (minutes)"), null=True, blank=True)
    repair_parts = models.CharField(_("parts replaced"), max_length=300, blank=True)
    repaired_at = models.DateTimeField(_("repair card filled in"), null=True, blank=True)
    inspected_at = models.DateTimeField(_("inspected"), null=True, blank=True)
    inspected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("inspected by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    inspection_note = models.CharField(_("inspection note"), max_length=300, blank=True)
    returned_at = models.DateTimeField(_("date out"), null=True, blank=True)
    returned_to = models.CharField(_("returned to"), max_length=50, blank=True)
    receipt_voided_at = models.DateTimeField(_("receipt voided"), null=True, blank=True)

    class Meta:
        verbose_name = _("carry-in")
        verbose_name_plural = _("carry-in register")
        ordering = ["-received_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(returned_at__isnull=True) | Q(inspected_at__isnull=False),
                name="carry_in_inspected_before_return",
            ),
            models.CheckConstraint(
                condition=Q(returned_at__isnull=True) | Q(returned_at__gte=models.F("received_at")),
                name="carry_in_out_after_in",
            ),
        ]

    def __str__(self):
        return self.receipt_number


class LoanerUnit(models.Model):
    """A 周转机 a centre lends while the customer's product is in the workshop."""

    center = models.ForeignKey(
        "network.ServiceCenter",
        verbose_name=_("service centre"),
        on_delete=models.PROTECT,
        related_name="loaners",
    )
    category = models.ForeignKey(
        ProductCategory, verbose_name=_("category"), on_delete=models.PROTECT, related_name="+"
    )
    description = models.CharField(_("description"), max_length=100)
    serial_number = SerialNumberField(_("serial number"), max_length=40, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=LoanerStatus.choices, default=LoanerStatus.AVAILABLE
    )

    class Meta:
        verbose_name = _("loaner unit")
        verbose_name_plural = _("loaner units")
        ordering = ["center__code", "serial_number"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=LoanerStatus.values), name="loaner_status_valid")
        ]

    def __str__(self):
        return f"{self.description}（{self.serial_number}）"


class LoanerLoan(models.Model):
    loaner = models.ForeignKey(
        LoanerUnit, verbose_name=_("loaner unit"), on_delete=models.PROTECT, related_name="loans"
    )
    work_order = models.ForeignKey(
        WorkOrder, verbose_name=_("work order"), on_delete=models.PROTECT, related_name="loaner_loans"
    )
    lent_at = models.DateTimeField(_("lent"))
    lent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("lent by"), on_delete=models.PROTECT, related_name="+"
    )
    returned_at = models.DateTimeField(_("returned"), null=True, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("received back by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("loaner loan")
        verbose_name_plural = _("loaner loans")
        ordering = ["-lent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["loaner"], condition=Q(returned_at__isnull=True), name="loaner_one_open_loan"
            ),
        ]

    def __str__(self):
        return f"{self.loaner} → {self.work_order}"


class Quote(models.Model):
    """A quote for paid service (A): labour from the fee standard and parts. Work starts only after the
    customer's consent; an additional repair is a further quote that needs its own consent."""

    work_order = models.ForeignKey(
        WorkOrder, verbose_name=_("work order"), on_delete=models.PROTECT, related_name="quotes"
    )
    sequence = models.PositiveSmallIntegerField(_("quote no."))
    total_amount = models.DecimalField(
        _("total (CNY)"), max_digits=14, decimal_places=2, default=Decimal("0.00")
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("quoted by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("quoted at"), default=timezone.now)
    # The customer said no to this quote (repairs.paid.quote_decline): no work is done on it. A first quote
    # declined closes the order as "customer declined the paid repair" with the call-out fee only.
    declined_at = models.DateTimeField(_("declined at"), null=True, blank=True)
    declined_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decline recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    declined_note = models.CharField(
        _("why the customer declined"), max_length=200, blank=True, db_default=""
    )

    class Meta:
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        ordering = ["work_order", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["work_order", "sequence"], name="quote_sequence_unique"),
            models.CheckConstraint(condition=Q(total_amount__gte=0), name="quote_total_not_negative"),
            models.CheckConstraint(
                condition=Q(declined_at__isnull=True, declined_by__isnull=True)
                | Q(declined_at__isnull=False, declined_by__isnull=False),
                name="quote_declined_says_who",
            ),
        ]

    def __str__(self):
        return f"{self.work_order} #{self.sequence}"

    @property
    def is_additional(self) -> bool:
        return self.sequence > 1

    @property
    def is_declined(self) -> bool:
        return self.declined_at is not None


class QuoteLine(models.Model):
    quote = models.ForeignKey(Quote, verbose_name=_("quote"), on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(_("kind"), max_length=10, choices=QuoteLineKind.choices)
    description = models.CharField(_("description"), max_length=100)
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    unit_amount = models.DecimalField(_("unit price (CNY)"), max_digits=14, decimal_places=2)
    amount = models.DecimalField(_("amount (CNY)"), max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = _("quote line")
        verbose_name_plural = _("quote lines")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=QuoteLineKind.values), name="quote_line_kind_valid"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="quote_line_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_amount__gte=0), name="quote_line_price_not_negative"),
        ]

    def __str__(self):
        return f"{self.description} × {self.quantity}"


def _consent_signature_path(instance, filename):
    return (
        f"work_orders/{instance.quote.work_order_id}/consent-{instance.quote.sequence}-{uuid.uuid4().hex}.png"
    )


class Consent(models.Model):
    """The customer's consent to a quote: who, when, how — signed on site (the signature drawn on the tablet is
    kept) or by phone. Recorded, never edited."""

    quote = models.OneToOneField(
        Quote, verbose_name=_("quote"), on_delete=models.PROTECT, related_name="consent"
    )
    given_by = models.CharField(_("given by"), max_length=50)
    method = models.CharField(_("how"), max_length=10, choices=ConsentMethod.choices)
    given_at = models.DateTimeField(_("given at"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    signature = models.ImageField(
        _("customer's signature"), upload_to=_consent_signature_path, blank=True, db_default=""
    )

    class Meta:
        verbose_name = _("customer consent")
        verbose_name_plural = _("customer consents")
        constraints = [
            models.CheckConstraint(condition=Q(method__in=ConsentMethod.values), name="consent_method_valid")
        ]

    def __str__(self):
        return f"{self.quote}: {self.given_by}"


class FaultCode(LocalNameMixin, models.Model):
    """The closing lists of a category (reference data): fault codes and their causes."""

    category = models.ForeignKey(
        ProductCategory, verbose_name=_("category"), on_delete=models.PROTECT, related_name="fault_codes"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=FaultCodeKind.choices)
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=60)
    name_en = models.CharField(_("English name"), max_length=80)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("fault code")
        verbose_name_plural = _("fault codes")
        ordering = ["category__sort_order", "kind", "sort_order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["category", "kind", "code"], name="fault_code_unique"),
            models.CheckConstraint(condition=Q(kind__in=FaultCodeKind.values), name="fault_code_kind_valid"),
        ]

    def __str__(self):
        return f"{self.code} {self.local_name}"


class ConfirmationCodeSend(models.Model):
    """Each confirmation code texted to the customer: at dispatch, or sent again from the tablet (a resend is
    limited per hour; the count of wrong codes typed is not reset by it)."""

    work_order = models.ForeignKey(
        WorkOrder, verbose_name=_("work order"), on_delete=models.CASCADE, related_name="code_sends"
    )
    sent_at = models.DateTimeField(_("sent"))
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    resend = models.BooleanField(_("sent again"), default=False)

    class Meta:
        verbose_name = _("confirmation code sent")
        verbose_name_plural = _("confirmation codes sent")
        indexes = [models.Index(fields=["work_order", "sent_at"], name="code_send_order")]

    def __str__(self):
        return f"{self.work_order_id} {self.sent_at:%Y-%m-%d %H:%M}"
