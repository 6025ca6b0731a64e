"""The product catalogue (master data), the customers with the units they own, and the repair-call
register: calls (叫修), work orders (派工单) with their event history, carry-in (客户商品进出登记簿),
loaner units (周转机), and quotes with the customer's consent for paid service.
"""

import uuid
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.indexes import OpClass
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from aftersales.parsing import FIRST_DAY
from aftersales.roles import Role, dealer_ids, user_roles
from aftersales.validators import format_phone, validate_imei
from network.models import PhoneField, Region

from .choices import (
    BEFORE_VISIT,
    OPEN_STATUSES,
    CallChannel,
    CallCustomerRequest,
    ClosingChannel,
    ComponentKind,
    ConsentMethod,
    DecisionChangeKind,
    FaultCodeKind,
    LoanerStatus,
    PaymentMethod,
    PhoneLabel,
    PhotoKind,
    Priority,
    QuoteLineKind,
    RescheduleReason,
    Resolution,
    Satisfaction,
    ServiceMode,
    ServiceType,
    SiteFindingKind,
    WorkOrderStatus,
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
    created_at = models.DateTimeField(_("registered"), default=timezone.now)

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


class RepairCallQuerySet(models.QuerySet):
    def for_user(self, user):
        roles = user_roles(user)
        if roles & _INTERNAL:
            return self
        scope = Q(pk__in=[])
        if Role.SUPERVISOR in roles:
            scope |= Q(pk__in=WorkOrder.objects.filter(center__supervisors=user).values("call_id"))
        if Role.TECHNICIAN in roles:
            scope |= Q(pk__in=WorkOrder.objects.filter(technician__user=user).values("call_id"))
        if Role.DEALER in roles:
            scope |= Q(unit__dealer_id__in=dealer_ids(user))
        return self.filter(scope)


class RepairCall(models.Model):
    """A repair call (叫修) as logged in the register: who called, about which unit, what is wrong, and the
    三包 decision taken at intake (why the repair is free or not)."""

    number = models.CharField(_("call number"), max_length=20, unique=True)
    channel = models.CharField(
        _("channel"), max_length=10, choices=CallChannel.choices, default=CallChannel.HOTLINE
    )
    caller_name = models.CharField(_("caller"), max_length=50)
    caller_phone = PhoneField(_("caller phone"))
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="repair_calls"
    )
    unit = models.ForeignKey(
        ProductUnit, verbose_name=_("product unit"), on_delete=models.PROTECT, related_name="repair_calls"
    )
    service_region = models.ForeignKey(
        Region, verbose_name=_("service district"), on_delete=models.PROTECT, related_name="+"
    )
    service_address = models.CharField(_("service address"), max_length=200)
    symptom = models.ForeignKey(
        FaultSymptom,
        verbose_name=_("fault symptom"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    symptom_text = models.CharField(_("symptom details"), max_length=500, blank=True)
    customer_request = models.CharField(
        _("customer's request"),
        max_length=20,
        choices=CallCustomerRequest.choices,
        default=CallCustomerRequest.REPAIR,
    )
    service_type = models.CharField(_("service type"), max_length=1, choices=ServiceType.choices)
    suggested_service_type = models.CharField(
        _("suggested service type"), max_length=1, choices=ServiceType.choices
    )
    service_type_reason = models.CharField(_("reason for another service type"), max_length=200, blank=True)
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    # What is faulty: the 三包 period is the component's (a phone's battery, an air conditioner's
    # compressor). Empty on calls logged before the component was asked: the whole unit.
    component = models.ForeignKey(
        Component,
        verbose_name=_("faulty part"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    warranty_decision = models.ForeignKey(
        "warranty.WarrantyDecision",
        verbose_name=_("warranty decision at intake"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="repair_calls",
    )
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("confirmed despite open call"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    dealer = models.ForeignKey(
        "network.Dealer",
        verbose_name=_("logged by dealer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="repair_calls",
    )
    # Phone guidance (the maker's service procedure): the customer is called back 2 hours later.
    callback_due_at = models.DateTimeField(_("callback due"), null=True, blank=True, db_index=True)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("logged by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    logged_at = models.DateTimeField(_("logged at"), default=timezone.now)

    objects = RepairCallQuerySet.as_manager()

    class Meta:
        verbose_name = _("repair call")
        verbose_name_plural = _("repair calls")
        ordering = ["-logged_at", "-pk"]
        indexes = [
            models.Index(fields=["unit", "-logged_at"], name="repair_call_unit"),
            models.Index(fields=["customer", "-logged_at"], name="repair_call_customer"),
            models.Index(
                OpClass("caller_phone", name="varchar_pattern_ops"), name="repair_call_phone_prefix"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(channel__in=CallChannel.values), name="repair_call_channel_valid"
            ),
            models.CheckConstraint(
                condition=Q(service_type__in=ServiceType.values)
                & Q(suggested_service_type__in=ServiceType.values),
                name="repair_call_service_type_valid",
            ),
            models.CheckConstraint(
                condition=Q(priority__in=Priority.values), name="repair_call_priority_valid"
            ),
            models.CheckConstraint(
                condition=Q(service_type=models.F("suggested_service_type")) | ~Q(service_type_reason=""),
                name="repair_call_override_has_reason",
            ),
        ]

    def __str__(self):
        return self.number

    @property
    def caller_phone_display(self) -> str:
        return format_phone(self.caller_phone)


class WorkOrderQuerySet(models.QuerySet):
    def for_user(self, user):
        roles = user_roles(user)
        if roles & _INTERNAL:
            return self
        scope = Q(pk__in=[])
        if Role.SUPERVISOR in roles:
            scope |= Q(center__in=user.supervised_centers.all())
        if Role.TECHNICIAN in roles:
            scope |= Q(technician__user=user)
        if Role.DEALER in roles:
            # unit_dealer is call__unit__dealer, kept by triggers; the ids are read first so that one
            # dealer's list is a range of the work_order_dealer indexes.
            scope |= Q(unit_dealer_id__in=dealer_ids(user))
        return self.filter(scope)

    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def overdue(self, now):
        """Open orders whose appointment window has ended."""
        return self.open().filter(appointment_end__lt=now)


class WorkOrder(models.Model):
    """A work order (派工单): the job a service centre and its technician do for a call. Its status changes
    only through repairs.services (TRANSITIONS in choices.py), each change recorded as a WorkOrderEvent."""

    number = models.CharField(_("work order number"), max_length=20, unique=True)
    call = models.ForeignKey(
        RepairCall, verbose_name=_("repair call"), on_delete=models.PROTECT, related_name="work_orders"
    )
    center = models.ForeignKey(
        "network.ServiceCenter",
        verbose_name=_("service centre"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="work_orders",
    )
    technician = models.ForeignKey(
        "network.Technician",
        verbose_name=_("technician"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="work_orders",
    )
    mode = models.CharField(
        _("service mode"), max_length=10, choices=ServiceMode.choices, default=ServiceMode.ON_SITE
    )
    appointment_start = models.DateTimeField(_("appointment from"), null=True, blank=True)
    appointment_end = models.DateTimeField(_("appointment until"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=WorkOrderStatus.choices, default=WorkOrderStatus.NEW
    )
    status_changed_at = models.DateTimeField(_("status changed"), default=timezone.now)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    dispatched_at = models.DateTimeField(_("dispatched"), null=True, blank=True)
    dispatched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("dispatched by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    en_route_at = models.DateTimeField(_("set off"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("arrived"), null=True, blank=True)
    repair_started_at = models.DateTimeField(_("repair started"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    guided_at = models.DateTimeField(_("guided by phone"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    # The customer's confirmation code (proof of the visit where no signature can be had): sent by SMS
    # when the order is dispatched, kept only as a hash, typed in by the technician at closing.
    confirmation_code_hash = models.CharField(_("confirmation code (hashed)"), max_length=128, blank=True)
    confirmation_sent_at = models.DateTimeField(_("confirmation code sent"), null=True, blank=True)
    confirmation_failures = models.PositiveSmallIntegerField(_("wrong confirmation codes typed"), default=0)
    # The first time the technician reached the customer (the SLA's first contact), however it happened.
    first_contact_at = models.DateTimeField(_("first contact with the customer"), null=True, blank=True)
    # 退回重办: a callback sent the job back to be redone as a new work order of the same call; this one's
    # payment is held in the settlement until the redo is completed.
    redo_of = models.ForeignKey(
        "self",
        verbose_name=_("redo of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="redos",
    )
    payment_held = models.BooleanField(_("payment held until redone"), default=False, db_default=False)
    # One-way distance to the customer, entered at closing on the tablet: the settlement's travel fee band.
    travel_km = models.PositiveIntegerField(_("distance to the customer (km)"), null=True, blank=True)
    # 检测: what the technician found once at the product (the fault, its cause if known, a note), recorded
    # on the tablet before the repair (repairs.closing.work_order_diagnose); the closing form starts from it.
    # Fault codes are retired (active=False), never deleted: no index is needed behind PROTECT.
    diagnosis_fault = models.ForeignKey(
        "FaultCode",
        verbose_name=_("fault found"),
        null=True,
        blank=True,
        db_index=False,
        on_delete=models.PROTECT,
        related_name="+",
    )
    diagnosis_cause = models.ForeignKey(
        "FaultCode",
        verbose_name=_("cause found"),
        null=True,
        blank=True,
        db_index=False,
        on_delete=models.PROTECT,
        related_name="+",
    )
    diagnosis_note = models.CharField(_("what was found"), max_length=500, blank=True)
    reschedule_count = models.PositiveSmallIntegerField(_("times rescheduled"), default=0, db_default=0)
    # The appointment the centre answers for on the SLA (empty: the current one). A move the customer asked
    # for lets the clock follow the new window; a delay on the service side keeps the first one.
    accountable_start = models.DateTimeField(_("appointment the SLA holds"), null=True, blank=True)
    # Time the customer's own moves added to the completion deadline (the clock waits for the new window).
    customer_wait_seconds = models.PositiveIntegerField(
        _("waiting for the customer (seconds)"), default=0, db_default=0
    )
    diagnosed_at = models.DateTimeField(_("diagnosed"), null=True, blank=True)
    # The dealer who sold the unit (call → unit → dealer), kept by database triggers (migrations 0011–0012) on
    # every insert, on a change of the call, and when the unit's dealer or the call's unit changes: a dealer's list
    # is then one index range (newest first, by status) instead of three joins per candidate row.
    unit_dealer = models.ForeignKey(
        "network.Dealer",
        verbose_name=_("sold by"),
        null=True,
        blank=True,
        editable=False,
        db_index=False,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )

    objects = WorkOrderQuerySet.as_manager()

    # The timestamp each status sets when entered.
    STATUS_TIMESTAMP = {
        WorkOrderStatus.DISPATCHED: "dispatched_at",
        WorkOrderStatus.ACCEPTED: "accepted_at",
        WorkOrderStatus.EN_ROUTE: "en_route_at",
        WorkOrderStatus.ON_SITE: "arrived_at",
        WorkOrderStatus.IN_REPAIR: "repair_started_at",
        WorkOrderStatus.COMPLETED: "completed_at",
        WorkOrderStatus.CLOSED: "closed_at",
        WorkOrderStatus.CANCELLED: "cancelled_at",
        WorkOrderStatus.PHONE_GUIDED: "guided_at",
    }

    class Meta:
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="work_order_created"),
            models.Index(fields=["status", "-created_at"], name="work_order_status"),
            models.Index(fields=["center", "-created_at"], name="work_order_center"),
            # The monthly settlement: a centre's closed work by the time it closed.
            models.Index(
                fields=["center", "closed_at"], condition=Q(status="closed"), name="work_order_center_closed"
            ),
            models.Index(fields=["technician", "-created_at"], name="work_order_technician"),
            models.Index(
                fields=["appointment_end"],
                condition=Q(status__in=sorted(OPEN_STATUSES)),
                name="work_order_open_appointment",
            ),
            # The technician's day (today, tomorrow) and their overdue orders, each one index range.
            models.Index(fields=["technician", "appointment_start"], name="work_order_tech_day"),
            models.Index(
                fields=["technician", "appointment_end"],
                condition=Q(status__in=sorted(OPEN_STATUSES)),
                name="work_order_tech_overdue",
            ),
            models.Index(fields=["center", "appointment_start"], name="work_order_center_day"),
            # A dealer's work orders (the API's list), newest first, all or by status.
            models.Index(
                fields=["unit_dealer", "-created_at", "-id"],
                condition=Q(unit_dealer__isnull=False),
                name="work_order_dealer",
            ),
            models.Index(
                fields=["unit_dealer", "status", "-created_at", "-id"],
                condition=Q(unit_dealer__isnull=False),
                name="work_order_dealer_status",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=WorkOrderStatus.values), name="work_order_status_valid"
            ),
            models.CheckConstraint(condition=Q(mode__in=ServiceMode.values), name="work_order_mode_valid"),
            models.CheckConstraint(
                condition=Q(appointment_start__isnull=True)
                | Q(appointment_end__isnull=True)
                | Q(appointment_end__gt=models.F("appointment_start")),
                name="work_order_appointment_order",
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=[WorkOrderStatus.NEW, WorkOrderStatus.CANCELLED, WorkOrderStatus.PHONE_GUIDED]
                )
                | Q(center__isnull=False)
                | Q(status=WorkOrderStatus.CLOSED, guided_at__isnull=False),
                name="work_order_dispatched_has_center",
            ),
        ]

    def __str__(self):
        return self.number

    def verdict_in_force_display(self) -> str:
        """The 三包 verdict in force: the one taken again at the unit (annotated as `verdict_on_site` by
        repairs.selectors.with_verdict_in_force), else the intake's; empty when the call has none."""
        from warranty.choices import Remedy

        code = getattr(self, "verdict_on_site", None)
        if code:
            return str(Remedy(code).label)
        decision = self.call.warranty_decision
        return decision.get_verdict_display() if decision else ""

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def can_reschedule(self) -> bool:
        return self.status in BEFORE_VISIT


class WorkOrderEvent(models.Model):
    """The audit trail of a work order: every status change (and dispatch, re-dispatch), who, when, why.
    Append-only."""

    work_order = models.ForeignKey(
        WorkOrder, verbose_name=_("work order"), on_delete=models.CASCADE, related_name="events"
    )
    from_status = models.CharField(_("from"), max_length=20, choices=WorkOrderStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=WorkOrderStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("work order event")
        verbose_name_plural = _("work order events")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["work_order", "at"], name="work_order_event_order")]

    def __str__(self):
        return f"{self.work_order} {self.from_status or '—'} → {self.to_status}"


class DispatchOverride(models.Model):
    """A dispatch outside the centre's agreement (a district it does not serve, a category it is not
    authorised for), allowed by a manager with a reason. Append-only: the record of who decided, and why."""

    work_order = models.ForeignKey(
        WorkOrder, verbose_name=_("work order"), on_delete=models.PROTECT, related_name="dispatch_overrides"
    )
    center = models.ForeignKey(
        "network.ServiceCenter", verbose_name=_("service centre"), on_delete=models.PROTECT, related_name="+"
    )
    outside = models.CharField(_("outside the agreement"), max_length=300)
    reason = models.CharField(_("reason"), max_length=500)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("allowed by"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("dispatch outside the agreement")
        verbose_name_plural = _("dispatches outside the agreement")
        ordering = ["-at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="dispatch_override_has_reason"),
        ]

    def __str__(self):
        return f"{self.work_order} → {self.center}: {self.reason}"


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
    image = models.ImageField(_("photo"), upload_to=_photo_path)
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
    photo = models.ImageField(_("photo of the door"), upload_to=_not_home_photo_path, blank=True)
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
    image = models.ImageField(_("photo"), upload_to=_finding_photo_path)

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
