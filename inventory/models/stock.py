"""Parts, warehouses, stock levels and the append-only ledger of stock movements; the stock settings."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections, models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.money import money
from aftersales.roles import Role, dealer_ids, user_roles

from ..choices import (
    INBOUND_KINDS,
    OUTBOUND_KINDS,
    SINGLE_WAREHOUSE_KINDS,
    MovementKind,
    OverCreditPolicy,
    UnitSerialStatus,
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
            | Q(category_id=product_model.category_id, compatible_models__isnull=True),
            product_model__isnull=True,
        ).distinct()

    def fits(self, part_id: int, product_model_id: int) -> bool:
        """`compatible_with(model)` asked of one part (of all parts, whatever this queryset filters), in one
        statement written out: a part issue asks it every time, and the ORM's compilation of the query would
        cost more than running it. The same rule: listed for the model, or of the model's category and
        listing no model; never a whole unit (a test holds the two to the same answers)."""
        part = Part._meta
        listed = part.get_field("compatible_models").remote_field.through._meta
        model = part.get_field("product_model").related_model._meta
        part_column = listed.get_field("part").column
        model_column = listed.get_field("productmodel").column
        with connections[self.db].cursor() as cursor:
            cursor.execute(
                f"SELECT EXISTS (SELECT 1 FROM {part.db_table} p WHERE p.id = %s AND p.product_model_id IS NULL"
                f" AND (EXISTS (SELECT 1 FROM {listed.db_table} c WHERE c.{part_column} = p.id"
                f" AND c.{model_column} = %s)"
                f" OR (NOT EXISTS (SELECT 1 FROM {listed.db_table} c WHERE c.{part_column} = p.id)"
                f" AND p.category_id = (SELECT m.category_id FROM {model.db_table} m WHERE m.id = %s))))",
                [part_id, product_model_id, product_model_id],
            )
            return cursor.fetchone()[0]

    def spare(self):
        """Spare parts, not whole units."""
        return self.filter(product_model__isnull=True)


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
    # A whole unit of a model (整机) kept as a stock item with serials: what a 三包 exchange hands over; the
    # refurbished ones are a stock item of their own (another value, another warranty).
    product_model = models.ForeignKey(
        "repairs.ProductModel",
        verbose_name=_("whole unit of model"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="whole_unit_parts",
    )
    refurbished = models.BooleanField(_("refurbished"), default=False, db_default=False)

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
            models.UniqueConstraint(
                fields=["product_model", "refurbished"],
                condition=Q(product_model__isnull=False),
                name="part_one_whole_unit_per_model_grade",
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
        if Role.DEALER in roles:
            scope |= Q(dealer__in=dealer_ids(user))
        return self.filter(scope).distinct()


class Warehouse(models.Model):
    """The central warehouse, the defective-parts and returned-goods stores, one warehouse per service
    centre, and dealers' whole-unit stock."""

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
    dealer = models.OneToOneField(
        "network.Dealer",
        verbose_name=_("dealer"),
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
            models.CheckConstraint(
                condition=Q(kind=WarehouseKind.DEALER, dealer__isnull=False)
                | (~Q(kind=WarehouseKind.DEALER) & Q(dealer__isnull=True)),
                name="warehouse_dealer_by_kind",
            ),
            models.UniqueConstraint(
                fields=["kind"],
                condition=Q(kind__in=SINGLE_WAREHOUSE_KINDS),
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


class UnitSerialQuerySet(models.QuerySet):
    def in_stock(self):
        return self.filter(status=UnitSerialStatus.IN_STOCK)


class UnitSerial(models.Model):
    """One whole unit in stock, by its serial (and IMEI for a phone): which warehouse holds it. The ledger
    counts the units; this says which ones, so an exchange hands over a named serial."""

    part = models.ForeignKey(
        Part, verbose_name=_("stock item"), on_delete=models.PROTECT, related_name="serials"
    )
    serial_number = models.CharField(_("serial number"), max_length=40)
    imei = models.CharField(_("IMEI"), max_length=15, blank=True)
    warehouse = models.ForeignKey(
        Warehouse, verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="unit_serials"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=UnitSerialStatus.choices, default=UnitSerialStatus.IN_STOCK
    )
    unit_cost_amount = _money_field(_("unit cost (CNY)"))
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    objects = UnitSerialQuerySet.as_manager()

    class Meta:
        verbose_name = _("whole unit in stock")
        verbose_name_plural = _("whole units in stock")
        ordering = ["part", "serial_number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=UnitSerialStatus.values), name="unit_serial_status_valid"
            ),
            # A serial is in one place at a time: one row per serial and stock item.
            models.UniqueConstraint(fields=["part", "serial_number"], name="unit_serial_unique"),
        ]
        indexes = [
            models.Index(
                fields=["warehouse", "part", "serial_number"],
                condition=Q(status="in_stock"),
                name="unit_serial_in_stock",
            )
        ]

    def __str__(self):
        return f"{self.part.code} · {self.serial_number}"
