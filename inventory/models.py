"""Spare parts: the catalogue, warehouses, the append-only stock ledger with its cached levels, part requests,
service-centre deposits and parts credit, defective-part returns and reorder suggestions.

Every write goes through inventory.services; nothing here changes stock or money by itself.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.money import money
from aftersales.roles import Role, user_roles

from .choices import (
    INBOUND_KINDS,
    OUTBOUND_KINDS,
    OWED_RETURN_STATUSES,
    CreditEntryKind,
    DefectiveReturnStatus,
    DepositEntryKind,
    InspectionOutcome,
    MovementKind,
    OverCreditPolicy,
    PartRequestStatus,
    WarehouseKind,
)

ZERO = Decimal("0.00")
_ALL = {Role.MANAGER}


def _money_field(verbose_name, **kwargs):
    kwargs.setdefault("default", ZERO)
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=2, **kwargs)


class PartQuerySet(models.QuerySet):
    def compatible_with(self, product_model):
        """Parts listed for the model, and parts of its category that list no model (fit all)."""
        return self.filter(
            Q(compatible_models=product_model)
            | Q(category_id=product_model.category_id, compatible_models__isnull=True)
        ).distinct()


class Part(models.Model):
    """A spare part (备件): what it costs, what it sells for, and whether the replaced one must come back."""

    code = models.CharField(_("part code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    category = models.ForeignKey(
        "repairs.ProductCategory", verbose_name=_("category"), on_delete=models.PROTECT, related_name="parts"
    )
    component = models.ForeignKey(
        "repairs.Component",
        verbose_name=_("component"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="parts",
        help_text=_("The 三包 component this part is (compressor, battery…), if any."),
    )
    compatible_models = models.ManyToManyField(
        "repairs.ProductModel",
        verbose_name=_("compatible models"),
        related_name="parts",
        blank=True,
        help_text=_("Empty: fits every model of the category."),
    )
    unit_cost_amount = _money_field(_("unit cost (CNY)"))
    retail_price_amount = _money_field(_("retail price (CNY)"))
    serialized = models.BooleanField(_("has serial numbers"), default=False)
    return_required = models.BooleanField(_("replaced part must be returned"), default=False)
    # Materials the centre buys itself (refrigerant, copper pipe…): on free and contract work the monthly
    # settlement reimburses them at the cost they were issued at.
    reimbursed_at_cost = models.BooleanField(
        _("reimbursed at cost in the settlement"), default=False, db_default=False
    )
    return_within_days = models.PositiveSmallIntegerField(_("return within (days)"), default=30)
    is_major = models.BooleanField(_("major component"), default=False)
    lead_time_days = models.PositiveSmallIntegerField(_("supplier lead time (days)"), default=14)
    active = models.BooleanField(_("active"), default=True)

    objects = PartQuerySet.as_manager()

    class Meta:
        verbose_name = _("spare part")
        verbose_name_plural = _("spare parts")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(unit_cost_amount__gte=0), name="part_cost_not_negative"),
            models.CheckConstraint(condition=Q(retail_price_amount__gte=0), name="part_price_not_negative"),
            models.CheckConstraint(
                condition=Q(return_required=False) | Q(return_within_days__gt=0),
                name="part_return_days_positive",
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"


class WarehouseQuerySet(models.QuerySet):
    def for_user(self, user):
        roles = user_roles(user)
        if roles & _ALL:
            return self
        scope = Q(pk__in=[])
        if Role.SUPERVISOR in roles:
            scope |= Q(center__supervisors=user)
        if Role.TECHNICIAN in roles:
            scope |= Q(center__technicians__user=user)
        return self.filter(scope).distinct()


class Warehouse(models.Model):
    """The central warehouse, the defective-parts store, and one warehouse per service centre."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=12, choices=WarehouseKind.choices)
    center = models.OneToOneField(
        "network.ServiceCenter",
        verbose_name=_("service centre"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="warehouse",
    )
    # For reorder suggestions: days from ordering to having the parts here, and stock kept in reserve.
    replenish_days = models.PositiveSmallIntegerField(_("replenishment lead time (days)"), default=3)
    safety_days = models.PositiveSmallIntegerField(_("safety stock (days of use)"), default=7)
    active = models.BooleanField(_("active"), default=True)

    objects = WarehouseQuerySet.as_manager()

    class Meta:
        verbose_name = _("warehouse")
        verbose_name_plural = _("warehouses")
        ordering = ["kind", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=WarehouseKind.values), name="warehouse_kind_valid"),
            models.CheckConstraint(
                condition=Q(kind=WarehouseKind.CENTER, center__isnull=False)
                | (~Q(kind=WarehouseKind.CENTER) & Q(center__isnull=True)),
                name="warehouse_center_by_kind",
            ),
            models.UniqueConstraint(
                fields=["kind"],
                condition=~Q(kind=WarehouseKind.CENTER),
                name="warehouse_one_central_one_defective",
            ),
        ]

    def __str__(self):
        return self.name


class StockLevel(models.Model):
    """Quantity and value on hand of a part in a warehouse: the cached sum of its ledger, changed only by
    inventory.services together with a movement, under a row lock."""

    warehouse = models.ForeignKey(
        Warehouse, verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="levels"
    )
    part = models.ForeignKey(Part, verbose_name=_("part"), on_delete=models.PROTECT, related_name="levels")
    quantity = models.IntegerField(_("on hand"), default=0)
    value_amount = _money_field(_("value (CNY)"))
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("stock level")
        verbose_name_plural = _("stock levels")
        ordering = ["warehouse", "part"]
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "part"], name="stock_level_unique"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="stock_level_not_negative"),
            models.CheckConstraint(condition=Q(value_amount__gte=0), name="stock_level_value_not_negative"),
            models.CheckConstraint(
                condition=Q(quantity__gt=0) | Q(value_amount=0), name="stock_level_empty_has_no_value"
            ),
        ]

    def __str__(self):
        return f"{self.warehouse} · {self.part.code}: {self.quantity}"

    @property
    def average_cost(self) -> Decimal:
        return money(self.value_amount / self.quantity) if self.quantity else ZERO


class StockMovementQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(warehouse__in=Warehouse.objects.for_user(user))


class StockMovement(models.Model):
    """One line of the append-only stock ledger. Quantity is signed (+ in, − out); value is the signed
    value at moving average cost, so the ledger sums to both the level's quantity and its value. A database
    trigger refuses UPDATE and DELETE: a mistake is corrected by a new movement."""

    warehouse = models.ForeignKey(
        Warehouse, verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="movements"
    )
    part = models.ForeignKey(Part, verbose_name=_("part"), on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(_("kind"), max_length=14, choices=MovementKind.choices)
    quantity = models.IntegerField(_("quantity"))
    unit_cost_amount = _money_field(_("unit cost (CNY)"))
    value_amount = _money_field(_("value (CNY)"))
    reference = models.CharField(_("reference"), max_length=40, blank=True)
    work_order = models.ForeignKey(
        "repairs.WorkOrder",
        verbose_name=_("work order"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="stock_movements",
    )
    part_request = models.ForeignKey(
        "inventory.PartRequest",
        verbose_name=_("part request"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="movements",
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    serial_number = models.CharField(_("serial number"), max_length=40, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("at"), default=timezone.now)
    idempotency_key = models.CharField(
        _("idempotency key"), max_length=64, null=True, blank=True, unique=True
    )  # noqa: DJ001

    objects = StockMovementQuerySet.as_manager()

    class Meta:
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["part", "warehouse", "created_at", "id"], name="stock_movement_ledger"),
            models.Index(fields=["warehouse", "created_at"], name="stock_movement_warehouse"),
            models.Index(
                fields=["work_order"], condition=Q(work_order__isnull=False), name="stock_movement_work_order"
            ),
            models.Index(
                fields=["warehouse", "part", "created_at"],
                condition=Q(kind="issue"),
                name="stock_movement_issues",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=MovementKind.values), name="stock_movement_kind_valid"
            ),
            models.CheckConstraint(condition=~Q(quantity=0), name="stock_movement_quantity_not_zero"),
            models.CheckConstraint(
                condition=~Q(kind__in=sorted(INBOUND_KINDS)) | (Q(quantity__gt=0) & Q(value_amount__gte=0)),
                name="stock_movement_inbound_positive",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=sorted(OUTBOUND_KINDS)) | (Q(quantity__lt=0) & Q(value_amount__lte=0)),
                name="stock_movement_outbound_negative",
            ),
            models.CheckConstraint(
                condition=~Q(kind=MovementKind.ADJUSTMENT) | ~Q(reason=""),
                name="stock_movement_adjustment_reason",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=[MovementKind.ISSUE, MovementKind.RETURN])
                | Q(work_order__isnull=False),
                name="stock_movement_issue_has_work_order",
            ),
            models.CheckConstraint(
                condition=Q(unit_cost_amount__gte=0), name="stock_movement_cost_not_negative"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.part_id} × {self.quantity}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ValidationError(_("Stock movements are never changed: record a correcting movement."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("Stock movements are never deleted: record a correcting movement."))


class InventorySettings(models.Model):
    """The approval limits of part requests (one row)."""

    auto_approve_max_quantity = models.PositiveIntegerField(
        _("approved automatically up to (total quantity)"), default=20
    )
    auto_approve_max_amount = _money_field(
        _("approved automatically up to (CNY)"), default=Decimal("2000.00")
    )
    over_credit_policy = models.CharField(
        _("a request over the parts credit"),
        max_length=10,
        choices=OverCreditPolicy.choices,
        default=OverCreditPolicy.REFUSE,
    )

    class Meta:
        verbose_name = _("spare-parts settings")
        verbose_name_plural = _("spare-parts settings")
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="inventory_settings_single_row"),
            models.CheckConstraint(
                condition=Q(over_credit_policy__in=OverCreditPolicy.values),
                name="inventory_settings_policy_valid",
            ),
            models.CheckConstraint(
                condition=Q(auto_approve_max_amount__gte=0), name="inventory_settings_amount_not_negative"
            ),
        ]

    def __str__(self):
        return str(_("spare-parts settings"))

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def current(cls) -> InventorySettings:
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj


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


class DepositAccountQuerySet(models.QuerySet):
    def for_user(self, user):
        roles = user_roles(user)
        if roles & _ALL:
            return self
        if Role.SUPERVISOR in roles:
            return self.filter(center__supervisors=user)
        return self.none()


class DepositAccount(models.Model):
    """A centre's deposit (押金) and the parts credit it backs: credit = deposit × leverage ratio (放大比例).
    Both balances are cached sums of their ledgers (DepositEntry, CreditEntry), changed under a row lock."""

    center = models.OneToOneField(
        "network.ServiceCenter",
        verbose_name=_("service centre"),
        on_delete=models.PROTECT,
        related_name="deposit_account",
    )
    deposit_amount = _money_field(_("deposit (CNY)"))
    leverage_ratio = models.DecimalField(
        _("leverage ratio"), max_digits=5, decimal_places=2, default=Decimal("3")
    )
    credit_used_amount = _money_field(_("credit used (CNY)"))
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    objects = DepositAccountQuerySet.as_manager()

    class Meta:
        verbose_name = _("deposit account")
        verbose_name_plural = _("deposit accounts")
        ordering = ["center__code"]
        constraints = [
            models.CheckConstraint(condition=Q(deposit_amount__gte=0), name="deposit_not_negative"),
            models.CheckConstraint(condition=Q(leverage_ratio__gt=0), name="deposit_ratio_positive"),
            models.CheckConstraint(
                condition=Q(credit_used_amount__gte=0), name="deposit_credit_used_not_negative"
            ),
        ]

    def __str__(self):
        return str(self.center)

    @property
    def credit_limit(self) -> Decimal:
        return money(self.deposit_amount * self.leverage_ratio)

    @property
    def credit_available(self) -> Decimal:
        return self.credit_limit - self.credit_used_amount


class _AppendOnlyEntry:
    """The ORM side of the ledgers' append-only trigger: an entry is written once, never changed or deleted."""

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ValidationError(_("Ledger entries are never changed: record a correcting entry."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("Ledger entries are never deleted: record a correcting entry."))


class DepositEntry(_AppendOnlyEntry, models.Model):
    """The deposit ledger: payments and refunds, append-only."""

    account = models.ForeignKey(
        DepositAccount, verbose_name=_("deposit account"), on_delete=models.PROTECT, related_name="entries"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=DepositEntryKind.choices)
    amount = _money_field(_("amount (CNY)"))
    balance_after = _money_field(_("deposit after (CNY)"))
    reference = models.CharField(_("reference"), max_length=60, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    # Paid or refunded through the monthly settlement (deducted from it, or added to it) rather than by a
    # separate bank transfer: the settlement of the entry's month carries it as an adjustment.
    via_settlement = models.BooleanField(_("through the monthly settlement"), default=False, db_default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("deposit entry")
        verbose_name_plural = _("deposit entries")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=DepositEntryKind.values), name="deposit_entry_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind=DepositEntryKind.PAYMENT, amount__gt=0)
                | Q(kind=DepositEntryKind.REFUND, amount__lt=0),
                name="deposit_entry_sign_by_kind",
            ),
            models.CheckConstraint(
                condition=Q(balance_after__gte=0), name="deposit_entry_balance_not_negative"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount}"


class CreditEntry(_AppendOnlyEntry, models.Model):
    """The parts-credit ledger: what raised or lowered a centre's credit used, append-only."""

    account = models.ForeignKey(
        DepositAccount,
        verbose_name=_("deposit account"),
        on_delete=models.PROTECT,
        related_name="credit_entries",
    )
    kind = models.CharField(_("kind"), max_length=12, choices=CreditEntryKind.choices)
    amount = _money_field(_("amount (CNY)"))
    used_after = _money_field(_("credit used after (CNY)"))
    part_request = models.ForeignKey(
        PartRequest,
        verbose_name=_("part request"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    work_order = models.ForeignKey(
        "repairs.WorkOrder",
        verbose_name=_("work order"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reference = models.CharField(_("reference"), max_length=60, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("credit entry")
        verbose_name_plural = _("credit entries")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=CreditEntryKind.values), name="credit_entry_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=[CreditEntryKind.SHIPPED, CreditEntryKind.UNCONSUMED], amount__gte=0)
                | (~Q(kind__in=[CreditEntryKind.SHIPPED, CreditEntryKind.UNCONSUMED]) & Q(amount__lte=0)),
                name="credit_entry_sign_by_kind",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount}"


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
    image = models.ImageField(_("photo"), upload_to=_photo_path)
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


class ReorderSuggestion(models.Model):
    """What the daily reorder job advises for a warehouse × part: order from the supplier (central warehouse)
    or ask for a transfer (service centre)."""

    computed_on = models.DateField(_("computed on"))
    warehouse = models.ForeignKey(
        Warehouse, verbose_name=_("warehouse"), on_delete=models.CASCADE, related_name="reorder_suggestions"
    )
    part = models.ForeignKey(Part, verbose_name=_("part"), on_delete=models.CASCADE, related_name="+")
    daily_usage = models.DecimalField(_("daily usage (30 days)"), max_digits=10, decimal_places=3)
    lead_time_days = models.PositiveSmallIntegerField(_("lead time (days)"))
    safety_stock = models.PositiveIntegerField(_("safety stock"))
    reorder_point = models.PositiveIntegerField(_("reorder point"))
    on_hand = models.IntegerField(_("on hand"))
    inbound = models.IntegerField(_("on the way"))
    suggested_quantity = models.PositiveIntegerField(_("suggested quantity"))

    class Meta:
        verbose_name = _("reorder suggestion")
        verbose_name_plural = _("reorder suggestions")
        ordering = ["-computed_on", "warehouse", "part"]
        constraints = [
            models.UniqueConstraint(
                fields=["computed_on", "warehouse", "part"], name="reorder_suggestion_unique"
            ),
            models.CheckConstraint(condition=Q(suggested_quantity__gt=0), name="reorder_suggestion_positive"),
        ]

    def __str__(self):
        return f"{self.warehouse_id} · {self.part_id}: {self.suggested_quantity}"

    @property
    def from_supplier(self) -> bool:
        return self.warehouse.kind == WarehouseKind.CENTRAL
