"""The product catalogue (master data) and the customers with the units they own: categories, components,
models, customers with their phones and addresses, product units, fault symptoms and labour rates."""

import uuid
from decimal import Decimal

from django.contrib.postgres.indexes import OpClass
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from aftersales.images import PhotoField
from aftersales.parsing import FIRST_DAY
from aftersales.roles import Role, dealer_ids, user_roles
from aftersales.validators import format_phone, validate_imei
from network.models import PhoneField, Region

from ..choices import (
    ComponentKind,
    PhoneLabel,
)


class SerialNumberField(models.CharField):
    """Serial numbers are stored upper-case without surrounding spaces, so look-ups need no Upper()."""

    def to_python(self, value):
        value = super().to_python(value)
        return value.strip().upper() if value else value

    def pre_save(self, model_instance, add):
        value = self.to_python(getattr(model_instance, self.attname))
        setattr(model_instance, self.attname, value)
        return value


class LocalNameMixin:
    @property
    def local_name(self) -> str:
        """The name in the user's language: Chinese by default, English when switched."""
        return self.name_en if get_language() == "en" and self.name_en else self.name


class ProductCategory(LocalNameMixin, models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=50)
    name_en = models.CharField(_("English name"), max_length=80)
    requires_imei = models.BooleanField(_("units carry an IMEI"), default=False)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("product category")
        verbose_name_plural = _("product categories")
        ordering = ["sort_order", "code"]

    def __str__(self):
        return self.local_name


class Component(models.Model):
    """A part of a product that the 三包 rules name: whole unit, compressor, battery, charger…"""

    category = models.ForeignKey(
        ProductCategory, verbose_name=_("category"), on_delete=models.CASCADE, related_name="components"
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=50)
    name_en = models.CharField(_("English name"), max_length=80)
    kind = models.CharField(_("kind"), max_length=20, choices=ComponentKind.choices)

    class Meta:
        verbose_name = _("component")
        verbose_name_plural = _("components")
        ordering = ["category__sort_order", "kind", "code"]
        constraints = [
            models.UniqueConstraint(fields=["category", "code"], name="component_unique_per_category"),
            models.CheckConstraint(condition=Q(kind__in=ComponentKind.values), name="component_kind_valid"),
        ]

    def __str__(self):
        return f"{self.category.name} · {self.name}"


class ProductModel(models.Model):
    brand = models.CharField(_("brand"), max_length=50)
    model_number = models.CharField(_("model number"), max_length=60)
    name = models.CharField(_("name"), max_length=100)
    category = models.ForeignKey(
        ProductCategory, verbose_name=_("category"), on_delete=models.PROTECT, related_name="models"
    )
    list_price_amount = models.DecimalField(
        _("list price (CNY)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("product model")
        verbose_name_plural = _("product models")
        ordering = ["brand", "model_number"]
        constraints = [
            models.UniqueConstraint(fields=["brand", "model_number"], name="product_model_unique"),
            models.CheckConstraint(
                condition=Q(list_price_amount__isnull=True) | Q(list_price_amount__gte=0),
                name="product_model_price_not_negative",
            ),
        ]

    def __str__(self):
        return f"{self.brand} {self.model_number}"


_INTERNAL = {Role.MANAGER, Role.DISPATCHER}


def _orders_of_staff(user, roles):
    """The work orders a supervisor (their centres') or a technician (their own) works on; None for
    neither. Units and customers are in their scope through these orders only."""
    # Work orders are built on the catalogue's models (calls imports catalogue): imported here, not above.
    from .calls import WorkOrder

    scope = None
    if Role.SUPERVISOR in roles:
        scope = Q(center__supervisors=user)
    if Role.TECHNICIAN in roles:
        scope = Q(technician__user=user) if scope is None else scope | Q(technician__user=user)
    return None if scope is None else WorkOrder.objects.filter(scope)


class CustomerQuerySet(models.QuerySet):
    def for_user(self, user):
        roles = user_roles(user)
        if roles & _INTERNAL:
            # The hotline (dispatchers) and managers reach every customer.
            return self
        scope = Q(pk__in=[])
        orders = _orders_of_staff(user, roles)
        if orders is not None:
            # A service centre's supervisor, a technician: the customers of their work orders.
            scope |= Q(pk__in=orders.values("call__customer_id"))
        if Role.DEALER in roles:
            scope |= Q(pk__in=ProductUnit.objects.filter(dealer_id__in=dealer_ids(user)).values("owner_id"))
        return self.filter(scope)


class Customer(models.Model):
    number = models.CharField(_("customer number"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=50)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = CustomerQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["number"]
        indexes = [
            # The register finds customers by the start of their name (张 → 张三, 张三丰).
            models.Index(OpClass("name", name="varchar_pattern_ops"), name="customer_name_prefix"),
        ]

    def __str__(self):
        return f"{self.name}（{self.number}）"


class CustomerPhone(models.Model):
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="phones"
    )
    number = PhoneField(_("phone"))
    label = models.CharField(_("label"), max_length=10, choices=PhoneLabel.choices, default=PhoneLabel.MOBILE)
    is_primary = models.BooleanField(_("primary"), default=False)

    class Meta:
        verbose_name = _("customer phone")
        verbose_name_plural = _("customer phones")
        indexes = [
            # The hotline looks customers up by the digits typed so far: prefix search.
            models.Index(OpClass("number", name="varchar_pattern_ops"), name="customer_phone_number_prefix"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["customer", "number"], name="customer_phone_unique"),
        ]

    def __str__(self):
        return format_phone(self.number)


class CustomerAddress(models.Model):
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="addresses"
    )
    region = models.ForeignKey(Region, verbose_name=_("district"), on_delete=models.PROTECT, related_name="+")
    detail = models.CharField(_("street address"), max_length=200)
    is_primary = models.BooleanField(_("primary"), default=False)

    class Meta:
        verbose_name = _("customer address")
        verbose_name_plural = _("customer addresses")

    def __str__(self):
        return f"{self.region.full_name}{self.detail}"


class ProductUnitQuerySet(models.QuerySet):
    def for_user(self, user):
        roles = user_roles(user)
        if roles & _INTERNAL:
            return self
        scope = Q(pk__in=[])
        orders = _orders_of_staff(user, roles)
        if orders is not None:
            # A service centre's supervisor, a technician: the units their work orders are about.
            scope |= Q(pk__in=orders.values("call__unit_id"))
        if Role.DEALER in roles:
            scope |= Q(dealer_id__in=dealer_ids(user))
        return self.filter(scope)


def _invoice_photo_path(instance, filename):
    return f"units/invoices/{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}.jpg"


class ProductUnit(models.Model):
    """One sold product: the thing a repair call is about and the 三包 clock runs for."""

    model = models.ForeignKey(
        ProductModel, verbose_name=_("model"), on_delete=models.PROTECT, related_name="units"
    )
    serial_number = SerialNumberField(_("serial number"), max_length=40, blank=True)
    # NULL, not "", for units without an IMEI: the unique constraint then ignores them.
    imei = models.CharField(_("IMEI"), max_length=15, null=True, blank=True, validators=[validate_imei])  # noqa: DJ001
    owner = models.ForeignKey(
        Customer, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="units"
    )
    dealer = models.ForeignKey(
        "network.Dealer",
        verbose_name=_("sold by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="units",
    )
    sale_date = models.DateField(_("sale date"), null=True, blank=True)
    invoice_number = models.CharField(_("invoice number"), max_length=40, blank=True)
    invoice_date = models.DateField(_("invoice date"), null=True, blank=True)
    invoice_amount = models.DecimalField(
        _("invoice price (CNY)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    factory_date = models.DateField(_("factory date"), null=True, blank=True)
    warranty_card_number = models.CharField(_("warranty card number"), max_length=40, blank=True)
    # The invoice as the customer photographed it when registering the unit on their own pages: the proof of
    # purchase the 三包 period runs from, checked by the dispatcher (served only through a scoped view).
    invoice_photo = PhotoField(_("invoice photo"), upload_to=_invoice_photo_path, blank=True, db_default="")
    created_at = models.DateTimeField(_("registered"), default=timezone.now)
    # A unit received in a 三包 exchange: the unit it replaced, and the exchange date — its repair period
    # starts again then, while the return and exchange windows still count from the original sale.
    replaces = models.OneToOneField(
        "self",
        verbose_name=_("replaces unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
    )
    exchanged_on = models.DateField(_("exchanged on"), null=True, blank=True)
    # Sold as refurbished (翻新机): the refurbished warranty applies, not the new unit's.
    refurbished = models.BooleanField(_("refurbished"), default=False, db_default=False)
    # The day the installation was accepted (安装验收) under the maker's service standard: inspections count
    # from it. Set by the acceptance of a passed trial run, never by a failed one.
    accepted_on = models.DateField(_("installation accepted on"), null=True, blank=True)

    objects = ProductUnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("product unit")
        verbose_name_plural = _("product units")
        indexes = [
            # Exact and prefix look-ups of what a clerk reads off the rating plate or the box.
            models.Index(
                OpClass("serial_number", name="varchar_pattern_ops"), name="product_unit_serial_prefix"
            ),
            models.Index(OpClass("imei", name="varchar_pattern_ops"), name="product_unit_imei_prefix"),
            # Units sold per model and month (the out-of-box rate's denominator), read from the index alone.
            models.Index(
                fields=["sale_date", "model"], condition=Q(replaces__isnull=True), name="product_unit_sold"
            ),
            # A dealer's units over the API, newest first, a cursor page at a time: a range of this index
            # (without it every page read and sorted all the dealer's units).
            models.Index(
                fields=["dealer", "-created_at", "-id"],
                condition=Q(dealer__isnull=False),
                name="product_unit_dealer",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["imei"], condition=Q(imei__isnull=False), name="product_unit_imei_unique"
            ),
            models.UniqueConstraint(
                fields=["model", "serial_number"],
                condition=~Q(serial_number=""),
                name="product_unit_serial_unique",
            ),
            models.CheckConstraint(
                condition=Q(invoice_date__isnull=True)
                | Q(factory_date__isnull=True)
                | Q(invoice_date__gte=models.F("factory_date")),
                name="product_unit_invoice_after_factory",
            ),
            models.CheckConstraint(
                condition=Q(sale_date__isnull=True)
                | Q(factory_date__isnull=True)
                | Q(sale_date__gte=models.F("factory_date")),
                name="product_unit_sale_after_factory",
            ),
            models.CheckConstraint(
                condition=Q(invoice_amount__isnull=True) | Q(invoice_amount__gte=Decimal("0")),
                name="product_unit_invoice_amount_not_negative",
            ),
            models.CheckConstraint(
                condition=~Q(serial_number="") | Q(imei__isnull=False),
                name="product_unit_identified",
            ),
            models.CheckConstraint(
                condition=Q(replaces__isnull=True, exchanged_on__isnull=True)
                | Q(replaces__isnull=False, exchanged_on__isnull=False),
                name="product_unit_exchange_dated",
            ),
        ]

    def __str__(self):
        return f"{self.model} · {self.imei or self.serial_number}"

    def clean(self):
        errors = {}
        today = timezone.localdate()
        if self.sale_date and self.sale_date > today:
            errors["sale_date"] = _("The sale date cannot be later than today.")
        if self.invoice_date and self.invoice_date > today:
            errors["invoice_date"] = _("The invoice date cannot be later than today.")
        if self.factory_date and self.factory_date > today:
            errors["factory_date"] = _("The factory date cannot be later than today.")
        if self.invoice_date and self.factory_date and self.invoice_date < self.factory_date:
            errors["invoice_date"] = _("The invoice date cannot be earlier than the factory date.")
        if self.sale_date and self.factory_date and self.sale_date < self.factory_date:
            errors.setdefault("sale_date", _("The sale date cannot be earlier than the factory date."))
        for name, label in (
            ("sale_date", _("sale date")),
            ("invoice_date", _("invoice date")),
            ("factory_date", _("factory date")),
        ):
            day = getattr(self, name)
            if day and day < FIRST_DAY:
                errors.setdefault(
                    name,
                    _("The %(what)s cannot be before %(day)s.")
                    % {"what": label, "day": FIRST_DAY.isoformat()},
                )
        if self.invoice_date and not self.invoice_number:
            errors["invoice_number"] = _("Enter the invoice number printed on the invoice.")
        if self.model_id and self.model.category.requires_imei:
            if not self.imei:
                errors["imei"] = _("A mobile phone is identified by its IMEI: enter the 15 digits.")
        else:
            if self.imei:
                errors["imei"] = _("Only mobile phones have an IMEI: leave it empty for this product.")
            if not self.serial_number:
                errors["serial_number"] = _("Enter the serial number from the rating plate.")
        if errors:
            raise ValidationError(errors)


class FaultSymptom(LocalNameMixin, models.Model):
    """A common fault symptom of a product category, picked at intake (free text adds the details)."""

    category = models.ForeignKey(
        ProductCategory, verbose_name=_("category"), on_delete=models.CASCADE, related_name="symptoms"
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=50)
    name_en = models.CharField(_("English name"), max_length=80)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("fault symptom")
        verbose_name_plural = _("fault symptoms")
        ordering = ["category__sort_order", "sort_order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["category", "code"], name="fault_symptom_unique_per_category")
        ]

    def __str__(self):
        return self.local_name


class LabourRate(models.Model):
    """The customer-facing fee standard (收费标准) for paid service: what a quote's labour lines start from."""

    category = models.ForeignKey(
        ProductCategory, verbose_name=_("category"), on_delete=models.CASCADE, related_name="labour_rates"
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=60)
    amount = models.DecimalField(_("amount (CNY)"), max_digits=14, decimal_places=2)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("labour rate")
        verbose_name_plural = _("labour rates")
        ordering = ["category__sort_order", "amount"]
        constraints = [
            models.UniqueConstraint(fields=["category", "code"], name="labour_rate_unique_per_category"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="labour_rate_amount_not_negative"),
        ]

    def __str__(self):
        return f"{self.name} ¥{self.amount}"
