"""Periodic inspections (巡检): the plans that promise them (a maintenance contract's, or a policy for a class of
units), each visit as a work order, and what the technician checked, measured and found."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.roles import Role, user_roles
from repairs.choices import ServiceType
from warranty.choices import VisitMode

from .choices import MAX_PER_YEAR, ItemResult, ReadingUnit

_INTERNAL = {Role.MANAGER, Role.DISPATCHER}


class InspectionPolicy(models.Model):
    """Free inspections (service type C) for a class of units — a product category, or one of its models — from
    the day each unit was installed (its acceptance day, else its sale day). Edited in the admin."""

    category = models.ForeignKey(
        "repairs.ProductCategory", verbose_name=_("category"), on_delete=models.PROTECT, related_name="+"
    )
    model = models.ForeignKey(
        "repairs.ProductModel",
        verbose_name=_("model"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty: every model of the category without a policy of its own."),
    )
    per_year = models.PositiveSmallIntegerField(
        _("inspections per year"),
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_PER_YEAR)],
        help_text=_("Never less than one every half year: a plan of one a year is visited twice."),
    )
    visit_mode = models.CharField(
        _("inspections made"), max_length=8, choices=VisitMode.choices, default=VisitMode.PHONE
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("inspection policy")
        verbose_name_plural = _("inspection policies")
        ordering = ["category__sort_order", "model_id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(per_year__gte=1) & Q(per_year__lte=MAX_PER_YEAR),
                name="inspection_policy_per_year",
            ),
            models.CheckConstraint(
                condition=Q(visit_mode__in=VisitMode.values), name="inspection_policy_visit_mode_valid"
            ),
            models.UniqueConstraint(
                fields=["category"],
                condition=Q(model__isnull=True),
                name="inspection_policy_one_per_category",
            ),
            models.UniqueConstraint(
                fields=["model"], condition=Q(model__isnull=False), name="inspection_policy_one_per_model"
            ),
        ]

    def __str__(self):
        return f"{self.model or self.category} · {self.per_year}"


class InspectionPlanQuerySet(models.QuerySet):
    def running(self):
        return self.filter(ended_on__isnull=True)


class InspectionPlan(models.Model):
    """The visits promised for one unit: under a maintenance contract (B) or an inspection policy (C)."""

    unit = models.ForeignKey(
        "repairs.ProductUnit",
        verbose_name=_("product unit"),
        on_delete=models.PROTECT,
        related_name="inspection_plans",
    )
    contract = models.ForeignKey(
        "warranty.MaintenanceContract",
        verbose_name=_("maintenance contract"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspection_plans",
    )
    policy = models.ForeignKey(
        InspectionPolicy,
        verbose_name=_("inspection policy"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="plans",
    )
    service_type = models.CharField(_("service type"), max_length=1, choices=ServiceType.choices)
    per_year = models.PositiveSmallIntegerField(_("inspections per year"))
    visit_mode = models.CharField(_("inspections made"), max_length=8, choices=VisitMode.choices)
    # The centre responsible (a contract's); empty: the normal dispatch rules choose one per visit.
    center = models.ForeignKey(
        "network.ServiceCenter",
        verbose_name=_("responsible centre"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    first_on = models.DateField(_("first inspection"))
    # Visits due before this day are not planned (a plan made for a unit installed long ago starts today).
    starts_on = models.DateField(_("visits from"))
    ends_on = models.DateField(_("visits until"), null=True, blank=True)
    ended_on = models.DateField(_("ended"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = InspectionPlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("inspection plan")
        verbose_name_plural = _("inspection plans")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(contract__isnull=False, policy__isnull=True)
                | Q(contract__isnull=True, policy__isnull=False),
                name="inspection_plan_one_source",
            ),
            models.CheckConstraint(
                condition=Q(per_year__gte=1) & Q(per_year__lte=MAX_PER_YEAR), name="inspection_plan_per_year"
            ),
            models.CheckConstraint(
                condition=Q(service_type__in=[ServiceType.CONTRACT, ServiceType.FREE]),
                name="inspection_plan_service_type",
            ),
            models.UniqueConstraint(
                fields=["contract", "unit"],
                condition=Q(contract__isnull=False),
                name="inspection_plan_contract_unit",
            ),
            models.UniqueConstraint(
                fields=["unit"], condition=Q(policy__isnull=False), name="inspection_plan_policy_unit"
            ),
        ]
        indexes = [
            models.Index(fields=["unit"], condition=Q(ended_on__isnull=True), name="inspection_plan_running")
        ]

    def __str__(self):
        return f"{self.unit_id} · {self.per_year}/{_('year')}"


class InspectionQuerySet(models.QuerySet):
    def for_user(self, user):
        """The office every inspection; a supervisor their centres'; a technician their own."""
        roles = user_roles(user)
        if roles & _INTERNAL:
            return self
        scope = Q(pk__in=[])
        if Role.SUPERVISOR in roles:
            scope |= Q(work_order__center__in=user.supervised_centers.all())
        if Role.TECHNICIAN in roles:
            scope |= Q(work_order__technician__user=user)
        return self.filter(scope)


class Inspection(models.Model):
    """One visit of a plan, made as a work order; once done, its checklist, readings and findings."""

    plan = models.ForeignKey(
        InspectionPlan,
        verbose_name=_("inspection plan"),
        on_delete=models.PROTECT,
        related_name="inspections",
    )
    due_on = models.DateField(_("due on"))
    visit_mode = models.CharField(_("inspection made"), max_length=8, choices=VisitMode.choices)
    work_order = models.OneToOneField(
        "repairs.WorkOrder",
        verbose_name=_("work order"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspection",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("done by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    summary = models.CharField(_("summary"), max_length=500, blank=True)

    objects = InspectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["due_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "due_on"], name="inspection_plan_due_unique"),
        ]
        indexes = [models.Index(fields=["due_on"], name="inspection_due")]

    def __str__(self):
        return f"{self.plan_id} · {self.due_on}"


class ChecklistItem(models.Model):
    """What is checked on an inspection of a category, and what a reading must lie between."""

    category = models.ForeignKey(
        "repairs.ProductCategory", verbose_name=_("category"), on_delete=models.CASCADE, related_name="+"
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=80)
    name_en = models.CharField(_("English name"), max_length=120)
    unit = models.CharField(_("reading in"), max_length=4, choices=ReadingUnit.choices, blank=True)
    min_value = models.DecimalField(
        _("lowest reading"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    max_value = models.DecimalField(
        _("highest reading"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("inspection checklist item")
        verbose_name_plural = _("inspection checklist items")
        ordering = ["category_id", "sort_order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["category", "code"], name="inspection_item_unique"),
            models.CheckConstraint(
                condition=Q(unit="") | (Q(min_value__isnull=False) & Q(max_value__gt=models.F("min_value"))),
                name="inspection_item_reading_range",
            ),
        ]

    def __str__(self):
        return self.name


class InspectionResult(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="results")
    item = models.ForeignKey(
        ChecklistItem, verbose_name=_("item"), on_delete=models.PROTECT, related_name="+"
    )
    result = models.CharField(_("result"), max_length=12, choices=ItemResult.choices)
    reading = models.DecimalField(_("reading"), max_digits=8, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = _("checklist result")
        verbose_name_plural = _("checklist results")
        ordering = ["item__sort_order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "item"], name="inspection_result_unique"),
            models.CheckConstraint(condition=Q(result__in=ItemResult.values), name="inspection_result_valid"),
        ]

    def __str__(self):
        return f"{self.item_id} · {self.result}"


class InspectionFinding(models.Model):
    """Something found on the inspection; a repair call opened on the spot for it is linked here."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="findings")
    description = models.CharField(_("finding"), max_length=500)
    repair_call = models.OneToOneField(
        "repairs.RepairCall",
        verbose_name=_("repair call opened"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspection_finding",
    )
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("inspection finding")
        verbose_name_plural = _("inspection findings")
        ordering = ["pk"]

    def __str__(self):
        return self.description
