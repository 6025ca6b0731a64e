"""三包 remedies carried out: the remedy request (exchange or return) with its documents and approval, the
refund, the dealer's credit, the repairer's charge, the out-of-box (DOA) check, and refurbishment of the
units taken back. Every write goes through remedies.services."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.roles import Role, dealer_ids, user_roles

from .choices import (
    OPEN_STATUSES,
    Basis,
    ChecklistKind,
    DoaStatus,
    Grade,
    Payer,
    RefundMethod,
    RefurbStatus,
    RemedyKind,
    RemedyStatus,
)

ZERO = Decimal("0.00")
_INTERNAL = {Role.MANAGER, Role.DISPATCHER}


def _money(verbose_name, **kwargs):
    kwargs.setdefault("default", ZERO)
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=2, **kwargs)


class ChecklistItem(models.Model):
    """One document or condition checked before a remedy, per product category and remedy (the maker's
    rules: the warranty card, the invoice with model and IMEI, no wear…). Edited in the admin."""

    category = models.ForeignKey(
        "repairs.ProductCategory", verbose_name=_("category"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("remedy"), max_length=10, choices=ChecklistKind.choices)
    code = models.SlugField(_("code"), max_length=40)
    text = models.CharField(_("what is checked"), max_length=200)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["category", "kind", "sort_order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["category", "kind", "code"], name="checklist_item_unique"),
            models.CheckConstraint(
                condition=Q(kind__in=ChecklistKind.values), name="checklist_item_kind_valid"
            ),
        ]

    def __str__(self):
        return self.text


class RemedyRequestQuerySet(models.QuerySet):
    def for_user(self, user):
        """The hotline and managers: every request; a centre's supervisor: those about its work or charged
        to it; a dealer: those about units it sold or that it opened."""
        roles = user_roles(user)
        if roles & _INTERNAL:
            return self
        scope = Q(pk__in=[])
        if Role.SUPERVISOR in roles:
            centers = user.supervised_centers.all()
            scope |= Q(work_order__center__in=centers) | Q(charged_center__in=centers) | Q(opened_by=user)
        if Role.DEALER in roles:
            dealers = dealer_ids(user)
            scope |= Q(unit__dealer_id__in=dealers) | Q(dealer_id__in=dealers)
        return self.filter(scope)

    def open(self):
        return self.filter(status__in=OPEN_STATUSES)


class RemedyRequest(models.Model):
    """The customer's choice of remedy on a 三包 decision, carried through: documents checked, approved
    (at once or by the after-sales manager), then the exchange or the refund."""

    number = models.CharField(_("number"), max_length=20, unique=True)
    decision = models.ForeignKey(
        "warranty.WarrantyDecision",
        verbose_name=_("warranty decision"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    unit = models.ForeignKey(
        "repairs.ProductUnit",
        verbose_name=_("product unit"),
        on_delete=models.PROTECT,
        related_name="remedy_requests",
    )
    work_order = models.ForeignKey(
        "repairs.WorkOrder",
        verbose_name=_("work order"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="remedy_requests",
        help_text=_("The repair the remedy follows (for a repairer's delay: the late repair)."),
    )
    remedy = models.CharField(_("remedy"), max_length=10, choices=RemedyKind.choices)
    basis = models.CharField(_("basis"), max_length=20, choices=Basis.choices)
    liable = models.CharField(_("who pays"), max_length=10, choices=Payer.choices)
    status = models.CharField(_("status"), max_length=20, choices=RemedyStatus.choices)
    documents = models.JSONField(_("documents checked"), default=list, blank=True)
    override_reason = models.CharField(_("documents missing, accepted because"), max_length=300, blank=True)
    customer_note = models.CharField(_("the customer's words"), max_length=300, blank=True)
    dealer = models.ForeignKey(
        "network.Dealer",
        verbose_name=_("dealer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="remedy_requests",
        help_text=_("The dealer who opened the request or hands over the unit."),
    )
    charged_center = models.ForeignKey(
        "network.ServiceCenter",
        verbose_name=_("charged to centre"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="remedy_charges",
    )
    charge_amount = _money(_("charged to the centre (CNY)"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("opened by"), on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    approval_due_at = models.DateTimeField(_("approval due"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved or rejected by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("approved or rejected"), null=True, blank=True)
    decision_note = models.CharField(_("reason"), max_length=300, blank=True)
    auto_approved = models.BooleanField(_("approved by the rules"), default=False)
    # The exchange.
    replacement = models.OneToOneField(
        "repairs.ProductUnit",
        verbose_name=_("replacement unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="received_by_remedy",
    )
    source_warehouse = models.ForeignKey(
        "inventory.Warehouse",
        verbose_name=_("replacement taken from"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    replacement_cost_amount = _money(_("replacement unit's cost (CNY)"))
    done_at = models.DateTimeField(_("carried out"), null=True, blank=True)

    objects = RemedyRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("remedy request")
        verbose_name_plural = _("remedy requests")
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(remedy__in=RemedyKind.values), name="remedy_request_remedy_valid"
            ),
            models.CheckConstraint(condition=Q(basis__in=Basis.values), name="remedy_request_basis_valid"),
            models.CheckConstraint(condition=Q(liable__in=Payer.values), name="remedy_request_liable_valid"),
            models.CheckConstraint(
                condition=Q(status__in=RemedyStatus.values), name="remedy_request_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(charge_amount__gte=0), name="remedy_request_charge_not_negative"
            ),
            # Two requests open on one unit at once: the backstop of the service's check.
            models.UniqueConstraint(
                fields=["unit"],
                condition=Q(status__in=OPEN_STATUSES),
                name="remedy_request_one_open_per_unit",
            ),
            models.CheckConstraint(
                condition=Q(replacement__isnull=True) | Q(remedy=RemedyKind.EXCHANGE),
                name="remedy_request_replacement_only_on_exchange",
            ),
        ]
        indexes = [
            models.Index(
                fields=["approval_due_at", "id"],
                condition=Q(status="awaiting_approval"),
                name="remedy_request_queue",
            ),
            models.Index(fields=["status", "opened_at"], name="remedy_request_status"),
        ]

    def __str__(self):
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class RemedyEvent(models.Model):
    """The audit trail of a remedy request: every step, who, when, why."""

    request = models.ForeignKey(
        RemedyRequest, verbose_name=_("remedy request"), on_delete=models.CASCADE, related_name="events"
    )
    from_status = models.CharField(_("from"), max_length=20, choices=RemedyStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=RemedyStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("remedy event")
        verbose_name_plural = _("remedy events")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.from_status} → {self.to_status}"


class Refund(models.Model):
    """The money back on a return: the invoice price less depreciation where it applies."""

    request = models.OneToOneField(
        RemedyRequest, verbose_name=_("remedy request"), on_delete=models.PROTECT, related_name="refund"
    )
    amount = _money(_("refund (CNY)"))
    price_amount = _money(_("invoice price (CNY)"))
    depreciation_amount = _money(_("depreciation deducted (CNY)"))
    payer = models.CharField(_("paid by"), max_length=10, choices=Payer.choices)
    method = models.CharField(_("method"), max_length=20, choices=RefundMethod.choices)
    reference = models.CharField(_("payment reference"), max_length=60, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("paid out by"), on_delete=models.PROTECT, related_name="+"
    )
    paid_at = models.DateTimeField(_("paid out"), default=timezone.now)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="refund_not_negative"),
            models.CheckConstraint(
                condition=Q(amount__lte=models.F("price_amount")), name="refund_not_above_price"
            ),
            models.CheckConstraint(condition=Q(method__in=RefundMethod.values), name="refund_method_valid"),
        ]

    def __str__(self):
        return f"{self.request} ¥{self.amount}"


class DealerCreditQuerySet(models.QuerySet):
    def for_user(self, user):
        roles = user_roles(user)
        if roles & _INTERNAL:
            return self
        if Role.DEALER in roles:
            return self.filter(dealer_id__in=dealer_ids(user))
        return self.none()


class DealerCredit(models.Model):
    """A credit note to a dealer: the exchange or refund it carried out when the seller or maker is liable
    (and the out-of-box exchange from its own stock)."""

    number = models.CharField(_("credit note"), max_length=20, unique=True)
    dealer = models.ForeignKey(
        "network.Dealer", verbose_name=_("dealer"), on_delete=models.PROTECT, related_name="credits"
    )
    request = models.ForeignKey(
        RemedyRequest, verbose_name=_("remedy request"), on_delete=models.PROTECT, related_name="credits"
    )
    amount = _money(_("amount (CNY)"))
    reason = models.CharField(_("reason"), max_length=200)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = DealerCreditQuerySet.as_manager()

    class Meta:
        verbose_name = _("dealer credit")
        verbose_name_plural = _("dealer credits")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="dealer_credit_positive"),
            models.UniqueConstraint(fields=["request"], name="dealer_credit_once_per_request"),
        ]

    def __str__(self):
        return self.number


class DoaCheckQuerySet(models.QuerySet):
    def for_user(self, user):
        roles = user_roles(user)
        if roles & _INTERNAL:
            return self
        scope = Q(pk__in=[])
        if Role.SUPERVISOR in roles:
            scope |= Q(center__in=user.supervised_centers.all()) | Q(recorded_by=user)
        if Role.DEALER in roles:
            dealers = dealer_ids(user)
            scope |= Q(dealer_id__in=dealers) | Q(unit__dealer_id__in=dealers)
        return self.filter(scope)


class DoaCheck(models.Model):
    """An out-of-box failure (开箱损) checked against the maker's checklist at the dealer or a centre."""

    number = models.CharField(_("number"), max_length=20, unique=True)
    unit = models.ForeignKey(
        "repairs.ProductUnit",
        verbose_name=_("product unit"),
        on_delete=models.PROTECT,
        related_name="doa_checks",
    )
    dealer = models.ForeignKey(
        "network.Dealer",
        verbose_name=_("dealer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    center = models.ForeignKey(
        "network.ServiceCenter",
        verbose_name=_("service centre"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    fault = models.CharField(_("fault found"), max_length=300)
    confirmed_by = models.CharField(_("fault confirmed by (technician)"), max_length=50)
    checked = models.JSONField(_("checklist items passed"), default=list, blank=True)
    missing = models.JSONField(_("checklist items failed"), default=list, blank=True)
    status = models.CharField(_("result"), max_length=10, choices=DoaStatus.choices)
    request = models.OneToOneField(
        RemedyRequest,
        verbose_name=_("exchange"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="doa_check",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    objects = DoaCheckQuerySet.as_manager()

    class Meta:
        verbose_name = _("out-of-box check")
        verbose_name_plural = _("out-of-box checks")
        ordering = ["-recorded_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=DoaStatus.values), name="doa_check_status_valid"),
        ]
        indexes = [models.Index(fields=["status", "recorded_at"], name="doa_check_status")]

    def __str__(self):
        return self.number


class RefurbishmentQuerySet(models.QuerySet):
    def for_user(self, user):
        roles = user_roles(user)
        if Role.MANAGER in roles:
            return self
        return self.none()


class Refurbishment(models.Model):
    """A unit taken back (returned, exchanged, out-of-box) through refurbishment: received, inspected and
    graded, repaired with parts from the ledger, tested, then restocked as refurbished or scrapped."""

    number = models.CharField(_("number"), max_length=20, unique=True)
    unit = models.ForeignKey(
        "repairs.ProductUnit",
        verbose_name=_("product unit"),
        on_delete=models.PROTECT,
        related_name="refurbishments",
    )
    request = models.ForeignKey(
        RemedyRequest,
        verbose_name=_("remedy request"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="refurbishments",
    )
    status = models.CharField(
        _("status"), max_length=12, choices=RefurbStatus.choices, default=RefurbStatus.RECEIVED
    )
    grade = models.CharField(_("grade"), max_length=6, choices=Grade.choices, blank=True)
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    inspected_at = models.DateTimeField(_("inspected"), null=True, blank=True)
    inspection_note = models.CharField(_("inspection"), max_length=300, blank=True)
    parts_cost_amount = _money(_("parts (CNY)"))
    labour_cost_amount = _money(_("labour (CNY)"))
    repaired_at = models.DateTimeField(_("repaired"), null=True, blank=True)
    tested_at = models.DateTimeField(_("tested"), null=True, blank=True)
    test_note = models.CharField(_("test"), max_length=300, blank=True)
    finished_at = models.DateTimeField(_("restocked or scrapped"), null=True, blank=True)
    scrap_reason = models.CharField(_("scrapped because"), max_length=300, blank=True)
    restocked_to = models.ForeignKey(
        "inventory.Warehouse",
        verbose_name=_("restocked to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = RefurbishmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("refurbishment")
        verbose_name_plural = _("refurbishments")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=RefurbStatus.values), name="refurbishment_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(grade="") | Q(grade__in=Grade.values), name="refurbishment_grade_valid"
            ),
            models.CheckConstraint(
                condition=Q(parts_cost_amount__gte=0, labour_cost_amount__gte=0),
                name="refurbishment_cost_not_negative",
            ),
            models.CheckConstraint(
                condition=~Q(status=RefurbStatus.SCRAPPED) | ~Q(scrap_reason=""),
                name="refurbishment_scrap_reason",
            ),
        ]
        indexes = [models.Index(fields=["status", "received_at"], name="refurbishment_status")]

    def __str__(self):
        return self.number

    @property
    def cost_amount(self) -> Decimal:
        return self.parts_cost_amount + self.labour_cost_amount


class RefurbishmentEvent(models.Model):
    """The audit trail of a refurbishment: each step, who, when, what."""

    item = models.ForeignKey(
        Refurbishment, verbose_name=_("refurbishment"), on_delete=models.CASCADE, related_name="events"
    )
    status = models.CharField(_("status"), max_length=12, choices=RefurbStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("refurbishment event")
        verbose_name_plural = _("refurbishment events")
        ordering = ["at", "id"]

    def __str__(self):
        return self.status
