"""三包 policies (versioned per product category), stored decisions and extended-warranty contracts."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.roles import Role, user_roles

from . import rules
from .choices import (
    ContractCover,
    ContractPaymentKind,
    ContractStatus,
    Liable,
    PaymentSchedule,
    PeriodUnit,
    Remedy,
    VisitMode,
)


class WarrantyPolicyQuerySet(models.QuerySet):
    def for_category(self, code: str):
        return self.filter(category__code=code)

    def effective_on(self, code: str, day):
        """The version that applies to a unit of this category sold on `day` (the latest effective by then)."""
        return (
            self.for_category(code)
            .filter(effective_from__lte=day)
            .select_related("category")
            .prefetch_related("periods__component")
            .order_by("-effective_from")
            .first()
        )


class WarrantyPolicy(models.Model):
    """One version of a category's 三包 terms. A change is a new version with a later effective date:
    units sold before it keep the version they were sold under."""

    category = models.ForeignKey(
        "repairs.ProductCategory",
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        related_name="warranty_policies",
    )
    version = models.CharField(_("version"), max_length=40)
    effective_from = models.DateField(_("applies to units sold from"))
    return_days = models.PositiveSmallIntegerField(_("return period (days)"))
    exchange_days = models.PositiveSmallIntegerField(_("exchange period (days)"))
    parts_supply_limit_days = models.PositiveSmallIntegerField(_("parts-supply delay limit (days)"))
    no_invoice_start_value = models.PositiveSmallIntegerField(_("without invoice, start after factory date"))
    no_invoice_start_unit = models.CharField(_("unit"), max_length=10, choices=PeriodUnit.choices)
    depreciation_percent_per_day = models.DecimalField(
        _("depreciation on return (% per day)"), max_digits=5, decimal_places=3
    )
    holiday_extension = models.BooleanField(
        _("a last day on a rest day moves to the next working day"), default=False
    )
    repairer_delay_limit_days = models.PositiveSmallIntegerField(_("repairer delay limit (days)"), default=30)
    repair_guarantee_days = models.PositiveSmallIntegerField(_("repair guarantee (days)"), default=30)
    refurbished_warranty_months = models.PositiveSmallIntegerField(
        _("refurbished unit's warranty (months)"), default=6, db_default=6
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = WarrantyPolicyQuerySet.as_manager()

    class Meta:
        verbose_name = _("warranty policy")
        verbose_name_plural = _("warranty policies")
        ordering = ["category__sort_order", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "effective_from"], name="warranty_policy_one_per_date"
            ),
            models.UniqueConstraint(fields=["category", "version"], name="warranty_policy_version_unique"),
            models.CheckConstraint(
                condition=Q(exchange_days__gte=models.F("return_days")),
                name="warranty_policy_exchange_after_return",
            ),
            models.CheckConstraint(
                condition=Q(depreciation_percent_per_day__gte=0) & Q(depreciation_percent_per_day__lte=100),
                name="warranty_policy_depreciation_range",
            ),
            models.CheckConstraint(
                condition=Q(no_invoice_start_unit__in=PeriodUnit.values), name="warranty_policy_unit_valid"
            ),
        ]

    def __str__(self):
        return f"{self.category} {self.version}（{self.effective_from} 起）"

    @property
    def label(self) -> str:
        return f"{self.category.code}/{self.version}"

    def to_rules(self) -> rules.Policy:
        return rules.Policy(
            category=self.category.code,
            version=self.label,
            return_days=self.return_days,
            exchange_days=self.exchange_days,
            components={
                p.component.code: rules.ComponentTerms(
                    p.component.kind, rules.Period(p.period_value, p.period_unit)
                )
                for p in self.periods.all()
            },
            parts_supply_limit_days=self.parts_supply_limit_days,
            no_invoice_start=rules.Period(self.no_invoice_start_value, self.no_invoice_start_unit),
            depreciation_rate_per_day=self.depreciation_percent_per_day / Decimal(100),
            holiday_extension=self.holiday_extension,
            repairer_delay_limit_days=self.repairer_delay_limit_days,
            repair_guarantee_days=self.repair_guarantee_days,
            refurbished_warranty=rules.Period(self.refurbished_warranty_months, "months"),
        )


class ComponentPeriod(models.Model):
    policy = models.ForeignKey(WarrantyPolicy, on_delete=models.CASCADE, related_name="periods")
    component = models.ForeignKey(
        "repairs.Component", verbose_name=_("component"), on_delete=models.PROTECT, related_name="+"
    )
    period_value = models.PositiveSmallIntegerField(_("repair period"))
    period_unit = models.CharField(_("unit"), max_length=10, choices=PeriodUnit.choices)

    class Meta:
        verbose_name = _("component period")
        verbose_name_plural = _("component periods")
        constraints = [
            models.UniqueConstraint(fields=["policy", "component"], name="component_period_unique"),
            models.CheckConstraint(condition=Q(period_value__gt=0), name="component_period_positive"),
        ]

    def __str__(self):
        return f"{self.component}: {rules.Period(self.period_value, self.period_unit)}"

    def clean(self):
        if self.policy_id and self.component_id and self.component.category_id != self.policy.category_id:
            raise ValidationError({"component": _("The component belongs to another product category.")})


class UnitScopedQuerySet(models.QuerySet):
    """Rows about a product unit: those of the units the user reaches (ProductUnit.objects.for_user: the
    hotline and managers every unit, a centre the units of its work orders, a dealer the units it sold)."""

    def for_user(self, user):
        # The unit's own scope, through the relation (the product units are the catalogue's, below these rows).
        units = self.model._meta.get_field("unit").related_model.objects
        roles = user_roles(user)
        if roles & {Role.MANAGER, Role.DISPATCHER}:
            return self
        if not roles & {Role.SUPERVISOR, Role.TECHNICIAN, Role.DEALER}:
            return self.none()
        return self.filter(unit__in=units.for_user(user).values("pk"))


class WarrantyDecision(models.Model):
    """A decision taken for a unit (at intake), stored with the facts it was taken on and the policy
    version, so settlement and audit can see why a repair was free. Never edited: a new decision is a
    new row."""

    unit = models.ForeignKey(
        "repairs.ProductUnit",
        verbose_name=_("product unit"),
        on_delete=models.PROTECT,
        related_name="warranty_decisions",
    )
    policy = models.ForeignKey(
        WarrantyPolicy, verbose_name=_("policy"), on_delete=models.PROTECT, related_name="+"
    )
    policy_version = models.CharField(_("policy version"), max_length=60)
    facts = models.JSONField(_("facts"))
    verdict = models.CharField(_("verdict"), max_length=20, choices=Remedy.choices)
    liable = models.CharField(_("liable"), max_length=20, choices=Liable.choices)
    result = models.JSONField(_("decision"))
    decided_at = models.DateTimeField(_("decided at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = UnitScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("warranty decision")
        verbose_name_plural = _("warranty decisions")
        ordering = ["-decided_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(verdict__in=Remedy.values), name="warranty_decision_verdict_valid"
            ),
            models.CheckConstraint(
                condition=Q(liable__in=Liable.values), name="warranty_decision_liable_valid"
            ),
        ]

    def __str__(self):
        return f"{self.unit} · {self.get_verdict_display()}（{self.decided_at:%Y-%m-%d}）"


# Exactly one seller: a dealer or a service centre (the database's check on each contract sold).
ONE_SELLER = (Q(sold_by_dealer__isnull=False) & Q(sold_by_center__isnull=True)) | (
    Q(sold_by_dealer__isnull=True) & Q(sold_by_center__isnull=False)
)


class SoldByDealerOrCentre(models.Model):
    """A contract sold to the customer by a dealer or by a service centre (one of them)."""

    sold_by_dealer = models.ForeignKey(
        "network.Dealer",
        verbose_name=_("sold by dealer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    sold_by_center = models.ForeignKey(
        "network.ServiceCenter",
        verbose_name=_("sold by service centre"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        abstract = True

    @property
    def sold_by(self):
        return self.sold_by_dealer or self.sold_by_center


class ExtendedWarrantyQuerySet(UnitScopedQuerySet):
    def valid(self):
        return self.filter(cancelled_at__isnull=True)


class ExtendedWarranty(SoldByDealerOrCentre):
    """延保: a contract giving free repair after the statutory period until its end (no return or exchange)."""

    number = models.CharField(_("contract number"), max_length=30, unique=True)
    unit = models.ForeignKey(
        "repairs.ProductUnit",
        verbose_name=_("product unit"),
        on_delete=models.PROTECT,
        related_name="extended_warranties",
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    price_amount = models.DecimalField(
        _("price (CNY)"), max_digits=14, decimal_places=2, default=Decimal("0.00")
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = ExtendedWarrantyQuerySet.as_manager()

    class Meta:
        verbose_name = _("extended warranty")
        verbose_name_plural = _("extended warranties")
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gt=models.F("starts_on")), name="extended_warranty_dates"
            ),
            models.CheckConstraint(
                condition=Q(price_amount__gte=0), name="extended_warranty_price_not_negative"
            ),
            models.CheckConstraint(
                condition=ONE_SELLER,
                name="extended_warranty_one_seller",
            ),
        ]

    def __str__(self):
        return f"{self.number}（{self.starts_on} – {self.ends_on}）"

    @property
    def cancelled(self) -> bool:
        return self.cancelled_at is not None

    def clean(self):
        errors = {}
        if self.starts_on and self.ends_on and self.ends_on <= self.starts_on:
            errors["ends_on"] = _("The contract must end after it starts.")
        if bool(self.sold_by_dealer_id) == bool(self.sold_by_center_id):
            errors["sold_by_dealer"] = _("Name exactly one seller: a dealer or a service centre.")
        if errors:
            raise ValidationError(errors)


class MaintenanceContractQuerySet(models.QuerySet):
    def for_user(self, user):
        """The office every contract; a centre those it is responsible for or sold; a dealer those it sold."""
        roles = user_roles(user)
        if roles & {Role.MANAGER, Role.DISPATCHER}:
            return self
        scope = Q(pk__in=[])
        if Role.SUPERVISOR in roles:
            scope |= Q(center__supervisors=user) | Q(sold_by_center__supervisors=user)
        if Role.TECHNICIAN in roles:
            scope |= Q(center__technicians__user=user)
        if Role.DEALER in roles:
            scope |= Q(sold_by_dealer__users=user)
        return self.filter(pk__in=self.model.objects.filter(scope).values("pk"))

    def covering(self, unit_id: int, day):
        """Active contracts covering the unit on `day` (start and end days included)."""
        return self.filter(status=ContractStatus.ACTIVE, units=unit_id, starts_on__lte=day, ends_on__gte=day)


class MaintenanceContract(SoldByDealerOrCentre):
    """保养合同 (service type B): service the customer pays for, on one or many units, with a visit plan of
    inspections. Calls on a covered unit are contract service; what the contract does not cover is quoted as
    paid work. Cancelling refunds the unused part pro rata (by days)."""

    number = models.CharField(_("contract number"), max_length=30, unique=True)
    customer = models.ForeignKey(
        "repairs.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="contracts"
    )
    units = models.ManyToManyField(
        "repairs.ProductUnit",
        verbose_name=_("units covered"),
        through="MaintenanceContractUnit",
        related_name="maintenance_contracts",
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    price_amount = models.DecimalField(_("price (CNY)"), max_digits=14, decimal_places=2)
    payment_schedule = models.CharField(
        _("payment schedule"), max_length=12, choices=PaymentSchedule.choices, default=PaymentSchedule.ONCE
    )
    covers = models.CharField(
        _("covers"), max_length=8, choices=ContractCover.choices, default=ContractCover.BOTH
    )
    annual_cap_amount = models.DecimalField(
        _("cap per year (CNY)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    inspections_per_year = models.PositiveSmallIntegerField(_("inspections per year"), default=12)
    first_inspection_on = models.DateField(_("first inspection"))
    visit_mode = models.CharField(
        _("inspections made"), max_length=8, choices=VisitMode.choices, default=VisitMode.ON_SITE
    )
    center = models.ForeignKey(
        "network.ServiceCenter",
        verbose_name=_("responsible centre"),
        on_delete=models.PROTECT,
        related_name="maintenance_contracts",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ContractStatus.choices, default=ContractStatus.DRAFT
    )
    renews = models.OneToOneField(
        "self",
        verbose_name=_("renews"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="renewed_by",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    activated_at = models.DateTimeField(_("activated"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=200, blank=True)

    objects = MaintenanceContractQuerySet.as_manager()

    class Meta:
        verbose_name = _("maintenance contract")
        verbose_name_plural = _("maintenance contracts")
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ContractStatus.values), name="contract_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(covers__in=ContractCover.values), name="contract_covers_valid"
            ),
            models.CheckConstraint(
                condition=Q(payment_schedule__in=PaymentSchedule.values), name="contract_schedule_valid"
            ),
            models.CheckConstraint(
                condition=Q(visit_mode__in=VisitMode.values), name="contract_visit_mode_valid"
            ),
            models.CheckConstraint(condition=Q(ends_on__gt=models.F("starts_on")), name="contract_dates"),
            models.CheckConstraint(condition=Q(price_amount__gte=0), name="contract_price_not_negative"),
            models.CheckConstraint(
                condition=Q(annual_cap_amount__isnull=True) | Q(annual_cap_amount__gte=0),
                name="contract_cap_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(inspections_per_year__gte=1), name="contract_visits_at_least_one"
            ),
            models.CheckConstraint(
                condition=ONE_SELLER,
                name="contract_one_seller",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "ends_on"], name="contract_status_ends"),
            models.Index(fields=["center", "status"], name="contract_center_status"),
        ]

    def __str__(self):
        return f"{self.number}（{self.starts_on} – {self.ends_on}）"


class MaintenanceContractUnit(models.Model):
    contract = models.ForeignKey(MaintenanceContract, on_delete=models.CASCADE, related_name="unit_links")
    unit = models.ForeignKey(
        "repairs.ProductUnit", verbose_name=_("product unit"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("unit covered")
        verbose_name_plural = _("units covered")
        constraints = [models.UniqueConstraint(fields=["contract", "unit"], name="contract_unit_unique")]

    def __str__(self):
        return f"{self.contract_id} · {self.unit_id}"


class ContractPayment(models.Model):
    """A contract's money: each instalment due (and when it was paid), and the refund of a cancellation."""

    contract = models.ForeignKey(
        MaintenanceContract, verbose_name=_("contract"), on_delete=models.PROTECT, related_name="payments"
    )
    kind = models.CharField(
        _("kind"), max_length=12, choices=ContractPaymentKind.choices, default=ContractPaymentKind.INSTALMENT
    )
    due_on = models.DateField(_("due on"))
    amount = models.DecimalField(_("amount (CNY)"), max_digits=14, decimal_places=2)
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    method = models.CharField(_("method"), max_length=40, blank=True)
    reference = models.CharField(_("reference"), max_length=60, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("contract payment")
        verbose_name_plural = _("contract payments")
        ordering = ["due_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="contract_payment_not_negative"),
            models.CheckConstraint(
                condition=Q(kind__in=ContractPaymentKind.values), name="contract_payment_kind_valid"
            ),
        ]
        indexes = [models.Index(fields=["due_on"], name="contract_payment_due")]

    def __str__(self):
        return f"{self.contract.number} · {self.due_on} · ¥{self.amount}"


class ContractEvent(models.Model):
    """A contract's audit trail: every status change, with who and why. Append-only."""

    contract = models.ForeignKey(
        MaintenanceContract, verbose_name=_("contract"), on_delete=models.CASCADE, related_name="events"
    )
    from_status = models.CharField(_("from"), max_length=10, blank=True)
    to_status = models.CharField(_("to"), max_length=10)
    at = models.DateTimeField(_("at"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("contract event")
        verbose_name_plural = _("contract events")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.from_status or '—'} → {self.to_status}"
