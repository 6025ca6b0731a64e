"""The organisation: regions, service centres, technicians, dealers, fee schedules and travel fees."""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aftersales.roles import Role, dealer_ids, user_roles
from aftersales.validators import format_phone, normalize_phone, validate_phone

from ..choices import (
    CenterLevel,
    RegionLevel,
    ServiceKind,
)


class PhoneField(models.CharField):
    """A Chinese phone number, stored as digits (no separators, no +86)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 16)
        kwargs.setdefault("validators", [validate_phone])
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return normalize_phone(value) if value else value

    def pre_save(self, model_instance, add):
        value = getattr(model_instance, self.attname)
        if value:
            value = normalize_phone(value)
            setattr(model_instance, self.attname, value)
        return value


class Region(models.Model):
    """Administrative divisions (GB/T 2260 codes): province → city → district/county."""

    code = models.CharField(_("code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=64)
    level = models.CharField(_("level"), max_length=16, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(level__in=RegionLevel.values), name="region_level_valid"),
            models.CheckConstraint(
                condition=Q(level=RegionLevel.PROVINCE, parent__isnull=True)
                | (~Q(level=RegionLevel.PROVINCE) & Q(parent__isnull=False)),
                name="region_parent_by_level",
            ),
        ]

    def __str__(self):
        return self.full_name

    @property
    def full_name(self) -> str:
        names = []
        node = self
        while node is not None:
            names.append(node.name)
            node = node.parent
        return "".join(reversed(names))

    def clean(self):
        expected_parent = {RegionLevel.CITY: RegionLevel.PROVINCE, RegionLevel.DISTRICT: RegionLevel.CITY}
        if self.level == RegionLevel.PROVINCE and self.parent_id:
            raise ValidationError({"parent": _("A province has no parent region.")})
        if self.level in expected_parent and (
            self.parent is None or self.parent.level != expected_parent[self.level]
        ):
            raise ValidationError({"parent": _("A city belongs to a province, a district to a city.")})


class ServiceCenterQuerySet(models.QuerySet):
    def for_user(self, user):
        roles = user_roles(user)
        if roles & {Role.MANAGER, Role.DISPATCHER}:
            return self
        scope = Q(pk__in=[])
        if Role.SUPERVISOR in roles:
            scope |= Q(supervisors=user)
        if Role.TECHNICIAN in roles:
            scope |= Q(technicians__user=user)
        if Role.DEALER in roles:
            scope |= Q(active=True)
        return self.filter(scope).distinct()

    def active_on(self, day):
        return self.filter(active=True, agreement_start__lte=day).filter(
            Q(agreement_end__isnull=True) | Q(agreement_end__gte=day)
        )


class ServiceCenter(models.Model):
    """An authorised service centre (服务网点) working under a signed agreement."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(
        _("level"), max_length=16, choices=CenterLevel.choices, default=CenterLevel.GENERAL
    )
    region = models.ForeignKey(
        Region, verbose_name=_("located in"), on_delete=models.PROTECT, related_name="service_centers"
    )
    coverage = models.ManyToManyField(
        Region, verbose_name=_("coverage districts"), related_name="covering_centers", blank=True
    )
    # The agreement names the districts served and the product categories the centre is authorised for;
    # dispatch outside them needs a supervisor's recorded override.
    categories = models.ManyToManyField(
        "repairs.ProductCategory",
        verbose_name=_("authorised product categories"),
        related_name="authorised_centers",
        blank=True,
    )
    address = models.CharField(_("address"), max_length=200)
    phone = PhoneField(_("phone"))
    agreement_start = models.DateField(_("agreement start"))
    agreement_end = models.DateField(_("agreement end"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)
    # A standby provider (备选服务商): its agreement is prepared, it takes no work until it is activated for a
    # region where the network has a gap (then active, standby cleared).
    standby = models.BooleanField(_("standby provider"), default=False)
    # Daily service hours: appointments are made inside them (the makers' policies: e.g. 8:00–20:00).
    opens_at = models.TimeField(_("service hours from"), default=dt.time(8, 0))
    closes_at = models.TimeField(_("service hours until"), default=dt.time(20, 0))
    supervisors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("supervisors"), related_name="supervised_centers", blank=True
    )
    # Where the monthly settlement is paid (printed on the statement).
    bank_name = models.CharField(_("bank"), max_length=100, blank=True)
    bank_account_name = models.CharField(_("account name"), max_length=100, blank=True)
    bank_account = models.CharField(_("account number"), max_length=40, blank=True)

    objects = ServiceCenterQuerySet.as_manager()

    class Meta:
        verbose_name = _("service centre")
        verbose_name_plural = _("service centres")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(level__in=CenterLevel.values), name="service_center_level_valid"
            ),
            models.CheckConstraint(
                condition=Q(agreement_end__isnull=True) | Q(agreement_end__gte=models.F("agreement_start")),
                name="service_center_agreement_order",
            ),
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")), name="service_center_hours_order"
            ),
            models.CheckConstraint(
                condition=~Q(standby=True, active=True), name="service_center_standby_not_active"
            ),
        ]

    def __str__(self):
        return f"{self.name}（{self.code}）"

    def clean(self):
        if self.agreement_start and self.agreement_end and self.agreement_end < self.agreement_start:
            raise ValidationError({"agreement_end": _("The agreement cannot end before it starts.")})
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValidationError({"closes_at": _("Service hours must end after they begin.")})

    @property
    def phone_display(self) -> str:
        return format_phone(self.phone)


class TechnicianQuerySet(models.QuerySet):
    def for_user(self, user):
        roles = user_roles(user)
        if roles & {Role.MANAGER, Role.DISPATCHER}:
            return self
        scope = Q(pk__in=[])
        if Role.SUPERVISOR in roles:
            scope |= Q(center__supervisors=user)
        if Role.TECHNICIAN in roles:
            scope |= Q(user=user)
        return self.filter(scope).distinct()


class Technician(models.Model):
    """A service engineer (服务工程师) of one centre, certified for some product categories."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("login"), on_delete=models.PROTECT, related_name="technician"
    )
    center = models.ForeignKey(
        ServiceCenter, verbose_name=_("service centre"), on_delete=models.PROTECT, related_name="technicians"
    )
    employee_no = models.CharField(_("employee number"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=50)
    phone = PhoneField(_("phone"))
    categories = models.ManyToManyField(
        "repairs.ProductCategory", verbose_name=_("certified for"), related_name="technicians", blank=True
    )
    active = models.BooleanField(_("active"), default=True)

    objects = TechnicianQuerySet.as_manager()

    class Meta:
        verbose_name = _("technician")
        verbose_name_plural = _("technicians")
        ordering = ["center__code", "employee_no"]

    def __str__(self):
        return f"{self.name}（{self.employee_no}）"


class DealerQuerySet(models.QuerySet):
    def for_user(self, user):
        roles = user_roles(user)
        if roles & {Role.MANAGER, Role.DISPATCHER, Role.SUPERVISOR}:
            return self
        if Role.DEALER in roles:
            return self.filter(pk__in=dealer_ids(user))
        return self.none()


class Dealer(models.Model):
    """A dealer (经销商) whose sales start the 三包 clock."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="dealers"
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    contact_name = models.CharField(_("contact"), max_length=50)
    contact_phone = PhoneField(_("contact phone"))
    active = models.BooleanField(_("active"), default=True)
    users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("dealer users"), related_name="dealers", blank=True
    )

    objects = DealerQuerySet.as_manager()

    class Meta:
        verbose_name = _("dealer")
        verbose_name_plural = _("dealers")
        ordering = ["code"]

    def __str__(self):
        return f"{self.name}（{self.code}）"


class FeeSchedule(models.Model):
    """收费标准 paid to centres: one fee per product category × service kind × centre level, in force from a
    day on. The row that applies to work closed on day D is the one with the latest `valid_from` not after
    D, so a change entered for the 15th pays work closed from the 15th and leaves earlier work as it was."""

    category = models.ForeignKey(
        "repairs.ProductCategory",
        verbose_name=_("product category"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    service_kind = models.CharField(_("service kind"), max_length=20, choices=ServiceKind.choices)
    center_level = models.CharField(_("centre level"), max_length=16, choices=CenterLevel.choices)
    fee_amount = models.DecimalField(_("fee (CNY)"), max_digits=14, decimal_places=2)
    valid_from = models.DateField(_("in force from"))

    class Meta:
        verbose_name = _("fee schedule row")
        verbose_name_plural = _("fee schedule")
        ordering = ["category", "service_kind", "center_level", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "service_kind", "center_level", "valid_from"], name="fee_schedule_unique"
            ),
            models.CheckConstraint(condition=Q(fee_amount__gte=0), name="fee_schedule_fee_not_negative"),
            models.CheckConstraint(
                condition=Q(service_kind__in=ServiceKind.values), name="fee_schedule_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(center_level__in=CenterLevel.values), name="fee_schedule_level_valid"
            ),
        ]

    def __str__(self):
        return f"{self.category} · {self.get_service_kind_display()} · {self.get_center_level_display()} · ¥{self.fee_amount}"


class TravelFee(models.Model):
    """Travel fee by distance band (km from the centre, lower bound included, upper excluded; no upper bound
    for the last band), per centre level, in force from a day on like the fee schedule."""

    center_level = models.CharField(_("centre level"), max_length=16, choices=CenterLevel.choices)
    km_from = models.PositiveIntegerField(_("from (km)"))
    km_to = models.PositiveIntegerField(_("to (km, excluded)"), null=True, blank=True)
    fee_amount = models.DecimalField(_("fee (CNY)"), max_digits=14, decimal_places=2)
    valid_from = models.DateField(_("in force from"))

    class Meta:
        verbose_name = _("travel fee")
        verbose_name_plural = _("travel fees")
        ordering = ["center_level", "-valid_from", "km_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["center_level", "km_from", "valid_from"], name="travel_fee_unique"
            ),
            models.CheckConstraint(condition=Q(fee_amount__gte=0), name="travel_fee_not_negative"),
            models.CheckConstraint(
                condition=Q(km_to__isnull=True) | Q(km_to__gt=models.F("km_from")),
                name="travel_fee_band_order",
            ),
        ]

    def __str__(self):
        upper = f"{self.km_to}" if self.km_to is not None else "∞"
        return f"{self.get_center_level_display()} · {self.km_from}–{upper} km · ¥{self.fee_amount}"
