import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aftersales.roles import Role, dealer_ids, user_roles
from aftersales.validators import format_phone, normalize_phone, validate_phone

from .choices import (
    AdjustmentKind,
    AdminWorkKind,
    CenterLevel,
    DisputeStatus,
    RegionLevel,
    ServiceKind,
    SettlementLineKind,
    SettlementStatus,
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


class SettlementQuerySet(models.QuerySet):
    def for_user(self, user):
        roles = user_roles(user)
        if Role.MANAGER in roles:
            return self
        if Role.SUPERVISOR in roles:
            return self.filter(center__supervisors=user)
        return self.none()


class Settlement(models.Model):
    """月度结算单: what head office pays one centre for one month (`month` is its first day). A draft is
    recomputed at will; once confirmed it never changes — the database refuses it (migration 0006) — and a
    correction goes into a later month as an adjustment referring to it."""

    center = models.ForeignKey(
        ServiceCenter, verbose_name=_("service centre"), on_delete=models.PROTECT, related_name="settlements"
    )
    month = models.DateField(_("month"))
    status = models.CharField(
        _("status"), max_length=10, choices=SettlementStatus.choices, default=SettlementStatus.DRAFT
    )
    center_level = models.CharField(_("centre level"), max_length=16, choices=CenterLevel.choices)
    lines_amount = models.DecimalField(_("work orders (CNY)"), max_digits=14, decimal_places=2, default=0)
    adjustments_amount = models.DecimalField(
        _("adjustments (CNY)"), max_digits=14, decimal_places=2, default=0
    )
    total_amount = models.DecimalField(_("total (CNY)"), max_digits=14, decimal_places=2, default=0)
    computed_at = models.DateTimeField(_("computed"))
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)

    objects = SettlementQuerySet.as_manager()

    class Meta:
        verbose_name = _("settlement")
        verbose_name_plural = _("settlements")
        ordering = ["-month", "center__code"]
        constraints = [
            models.UniqueConstraint(fields=["center", "month"], name="settlement_one_per_center_month"),
            models.CheckConstraint(
                condition=Q(status__in=SettlementStatus.values), name="settlement_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(total_amount=models.F("lines_amount") + models.F("adjustments_amount")),
                name="settlement_total_adds_up",
            ),
        ]

    def __str__(self):
        return f"{self.center} · {self.month:%Y-%m}"

    @property
    def number(self) -> str:
        """The statement's reference, its centre's code and its month: JS-NJ-01-202610 (what corrections
        and the parts credit cite). Not stored: one statement per centre and month makes it unique. It was
        first printed with "JS-" (结算) before the code, which ran into the province's own letters
        (JS-JS-NJ-01-…); corrections still understand that form (settlement.services)."""
        return f"{self.center.code}-{self.month:%Y%m}"


class SettlementLine(models.Model):
    """One paid item of a settlement: the work order, the fee schedule row used (none: a warning), the
    amount. A work order is paid once, ever: (work_order, kind) is unique across all months."""

    settlement = models.ForeignKey(
        Settlement, verbose_name=_("settlement"), on_delete=models.CASCADE, related_name="lines"
    )
    work_order = models.ForeignKey(
        "repairs.WorkOrder", verbose_name=_("work order"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=SettlementLineKind.choices)
    service_kind = models.CharField(_("service kind"), max_length=20, choices=ServiceKind.choices)
    closed_on = models.DateField(_("closed on"))
    fee_schedule = models.ForeignKey(
        FeeSchedule,
        verbose_name=_("fee schedule row"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    travel_fee = models.ForeignKey(
        TravelFee,
        verbose_name=_("travel fee band"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    amount = models.DecimalField(_("amount (CNY)"), max_digits=14, decimal_places=2)
    # What changed the computed amount (an accepted dispute), or what the line is made of (parts).
    note = models.CharField(_("note"), max_length=200, blank=True)
    # The visit where nobody was at home that a wasted-visit line pays (each such visit once).
    not_home_visit = models.ForeignKey(
        "repairs.NotHomeVisit",
        verbose_name=_("visit nobody was at home"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("settlement line")
        verbose_name_plural = _("settlement lines")
        ordering = ["closed_on", "work_order_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["work_order", "kind"],
                condition=Q(not_home_visit__isnull=True),
                name="settlement_line_paid_once",
            ),
            models.UniqueConstraint(
                fields=["not_home_visit"],
                condition=Q(not_home_visit__isnull=False),
                name="settlement_line_wasted_visit_once",
            ),
            models.CheckConstraint(
                condition=Q(kind="wasted_visit", not_home_visit__isnull=False)
                | (~Q(kind="wasted_visit") & Q(not_home_visit__isnull=True)),
                name="settlement_line_wasted_visit_has_visit",
            ),
        ]

    def __str__(self):
        return f"{self.work_order_id} · {self.get_kind_display()} · ¥{self.amount}"


class Adjustment(models.Model):
    """Subsidies, penalties, deductions and deposit movements of a settlement, each with its reason and a
    reference (a complaint, a deadline, a defective-part tag, an earlier settlement)."""

    settlement = models.ForeignKey(
        Settlement, verbose_name=_("settlement"), on_delete=models.CASCADE, related_name="adjustments"
    )
    kind = models.CharField(_("kind"), max_length=25, choices=AdjustmentKind.choices)
    automatic = models.BooleanField(_("computed"), default=True, help_text=_("recomputed with the draft"))
    reason = models.CharField(_("reason"), max_length=200)
    reference = models.CharField(_("reference"), max_length=60, blank=True)
    amount = models.DecimalField(_("amount (CNY)"), max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = _("adjustment")
        verbose_name_plural = _("adjustments")
        ordering = ["kind", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=AdjustmentKind.values), name="adjustment_kind_valid"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · ¥{self.amount}"


class SettlementRate(models.Model):
    """The monthly subsidies and penalties by centre level, in force from a month on: the base subsidy, a
    bonus per paid work order above a threshold, a penalty per SLA breach and per upheld complaint."""

    center_level = models.CharField(_("centre level"), max_length=16, choices=CenterLevel.choices)
    valid_from = models.DateField(_("in force from"))
    base_subsidy_amount = models.DecimalField(
        _("monthly base subsidy (CNY)"), max_digits=14, decimal_places=2
    )
    volume_threshold = models.PositiveIntegerField(_("work orders before the volume bonus"))
    volume_bonus_amount = models.DecimalField(
        _("bonus per work order above it (CNY)"), max_digits=14, decimal_places=2
    )
    breach_penalty_amount = models.DecimalField(
        _("penalty per SLA breach (CNY)"), max_digits=14, decimal_places=2
    )
    complaint_penalty_amount = models.DecimalField(
        _("penalty per upheld complaint (CNY)"), max_digits=14, decimal_places=2
    )

    class Meta:
        verbose_name = _("settlement rate")
        verbose_name_plural = _("settlement rates")
        ordering = ["center_level", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["center_level", "valid_from"], name="settlement_rate_unique"),
            models.CheckConstraint(
                condition=Q(
                    base_subsidy_amount__gte=0,
                    volume_bonus_amount__gte=0,
                    breach_penalty_amount__gte=0,
                    complaint_penalty_amount__gte=0,
                ),
                name="settlement_rate_not_negative",
            ),
        ]

    def __str__(self):
        return f"{self.get_center_level_display()} · {self.valid_from}"


class DisputeQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(settlement__in=Settlement.objects.for_user(user))


class Dispute(models.Model):
    """A centre's objection to one line of a draft statement (对账异议). The manager accepts it — the line's
    amount is changed, 0.00 removes it — or rejects it with an answer. An open dispute blocks confirmation.
    It names the work order and the line's kind, not the line row, so it outlives a recompute of the draft."""

    settlement = models.ForeignKey(
        Settlement, verbose_name=_("settlement"), on_delete=models.CASCADE, related_name="disputes"
    )
    work_order = models.ForeignKey(
        "repairs.WorkOrder", verbose_name=_("work order"), on_delete=models.PROTECT, related_name="+"
    )
    line_kind = models.CharField(_("line"), max_length=20, choices=SettlementLineKind.choices)
    reason = models.CharField(_("reason"), max_length=500)
    claimed_amount = models.DecimalField(
        _("amount claimed (CNY)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("raised by"), on_delete=models.PROTECT, related_name="+"
    )
    raised_at = models.DateTimeField(_("raised"))
    status = models.CharField(
        _("status"), max_length=10, choices=DisputeStatus.choices, default=DisputeStatus.OPEN
    )
    accepted_amount = models.DecimalField(
        _("amount agreed (CNY)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    answer = models.CharField(_("answer"), max_length=500, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)

    objects = DisputeQuerySet.as_manager()

    class Meta:
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        ordering = ["raised_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=DisputeStatus.values), name="dispute_status_valid"),
            # One open dispute per line at a time.
            models.UniqueConstraint(
                fields=["settlement", "work_order", "line_kind"],
                condition=Q(status="open"),
                name="dispute_one_open_per_line",
            ),
            models.CheckConstraint(
                condition=~Q(status="accepted") | Q(accepted_amount__isnull=False),
                name="dispute_accepted_has_amount",
            ),
        ]

    def __str__(self):
        return f"{self.settlement} · {self.work_order_id} · {self.get_status_display()}"


# The longest working day China's Labour Law allows: 8 hours (art. 36) and at most 3 hours' overtime a day
# (art. 41). One technician's administrative time of one day never exceeds it, alone or added up.
ADMIN_DAY_MAX_MINUTES = 11 * 60


class AdminTimeEntryQuerySet(models.QuerySet):
    def for_user(self, user):
        """A technician their own entries, a supervisor their centres' technicians', a manager all."""
        roles = user_roles(user)
        if Role.MANAGER in roles:
            return self
        scope = Q(pk__in=[])
        if Role.SUPERVISOR in roles:
            scope |= Q(technician__in=Technician.objects.filter(center__supervisors=user).values("pk"))
        if Role.TECHNICIAN in roles:
            scope |= Q(technician__user=user)
        return self.filter(scope)

    def active(self):
        return self.filter(cancelled_at__isnull=True)


class AdminTimeEntry(models.Model):
    """Administrative work (D) of the maker's service standard — checks of finished work, parts management,
    equipment and tool maintenance, short on-the-job training — recorded as time by or for a technician,
    without a customer's call.

    Append-only: an entry is never edited. A mistake is cancelled, with who, when and why, and the right
    time recorded as a new entry; the database refuses any other change and any deletion (migration 0014),
    so a month's figures once read can always be traced to the entries behind them."""

    technician = models.ForeignKey(
        Technician,
        verbose_name=_("technician"),
        on_delete=models.PROTECT,
        related_name="admin_time_entries",
    )
    work_date = models.DateField(_("date worked"))
    kind = models.CharField(_("kind of work"), max_length=20, choices=AdminWorkKind.choices)
    minutes = models.PositiveSmallIntegerField(_("minutes"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"))
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("cancelled by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    cancel_reason = models.CharField(_("why it was cancelled"), max_length=200, blank=True)

    objects = AdminTimeEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("administrative time entry")
        verbose_name_plural = _("administrative time entries")
        ordering = ["-work_date", "-recorded_at", "-pk"]
        indexes = [
            # A technician's day (the day's total under the lock) and month (the time split).
            models.Index(fields=["technician", "work_date"], name="admin_time_technician_day"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=AdminWorkKind.values), name="admin_time_kind_valid"),
            models.CheckConstraint(
                condition=Q(minutes__gte=1, minutes__lte=ADMIN_DAY_MAX_MINUTES),
                name="admin_time_minutes_range",
            ),
            # A cancellation says who, when and why — all three, or none.
            models.CheckConstraint(
                condition=Q(cancelled_at__isnull=True, cancelled_by__isnull=True, cancel_reason="")
                | (Q(cancelled_at__isnull=False, cancelled_by__isnull=False) & ~Q(cancel_reason="")),
                name="admin_time_cancellation_complete",
            ),
        ]

    def __str__(self):
        return f"{self.technician} · {self.work_date} · {self.get_kind_display()} · {self.minutes}"

    @property
    def cancelled(self) -> bool:
        return self.cancelled_at is not None
