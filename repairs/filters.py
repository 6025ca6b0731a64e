"""The register's FilterSet: one set of filters for the HTML register (and later the API)."""

from __future__ import annotations

import datetime as dt
import re

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.fields import AnyOfFilter, DateTimeFilter, DayFilter
from aftersales.validators import normalize_phone
from network.models import ServiceCenter, Technician

from .choices import OPEN_STATUSES, CallChannel, ServiceType, WorkOrderStatus
from .models import Customer, CustomerPhone, ProductCategory, ProductModel, ProductUnit, RepairCall, WorkOrder

NUMBER_RE = re.compile(r"^(BX|PG)\d{8}-\d{5}$")


def work_order_search(queryset, value: str):
    """One search box: a call or work-order number, a phone (prefix), an IMEI or serial number (prefix),
    or the start of a customer's name. The shape of the input picks one indexed predicate."""
    value = (value or "").strip()
    if not value:
        return queryset
    key = value.replace(" ", "").upper()
    if NUMBER_RE.match(key):
        field = "call__number" if key.startswith("BX") else "number"
        return queryset.filter(**{field: key})
    digits = normalize_phone(value)
    if digits.isdigit():
        if len(digits) == 15 and not digits.startswith("0"):
            return queryset.filter(call__unit__imei=digits)
        if digits[0] in "01" and len(digits) <= 12:
            return _phone_search(queryset, digits)
        units = ProductUnit.objects.filter(Q(imei__startswith=digits) | Q(serial_number__startswith=key))
        return queryset.filter(call__unit__in=units.values("pk"))
    if re.match(r"^[A-Z0-9\-/]+$", key):
        return queryset.filter(
            call__unit__in=ProductUnit.objects.filter(serial_number__startswith=key).values("pk")
        )
    return queryset.filter(call__customer__in=Customer.objects.filter(name__startswith=value).values("pk"))


PHONE_MATCH_CAP = 1000


def _phone_search(queryset, digits: str):
    """Calls whose caller's phone, or whose customer's phone, starts with the digits.

    The prefix look-ups run first on their own indexes and give call ids; the work orders are then found
    by `call_id IN (…)` (an OR across the call and work-order tables makes PostgreSQL join both million-
    row tables). A prefix so short that it matches more than PHONE_MATCH_CAP calls falls back to
    subqueries: slower, never incomplete."""
    cap = PHONE_MATCH_CAP + 1
    customers = CustomerPhone.objects.filter(number__startswith=digits).values("customer_id")
    by_caller = list(
        RepairCall.objects.filter(caller_phone__startswith=digits).values_list("pk", flat=True)[:cap]
    )
    by_customer = list(RepairCall.objects.filter(customer__in=customers).values_list("pk", flat=True)[:cap])
    call_ids = set(by_caller) | set(by_customer)
    if len(call_ids) > PHONE_MATCH_CAP:
        calls = (
            RepairCall.objects.filter(caller_phone__startswith=digits)
            .values("pk")
            .union(RepairCall.objects.filter(customer__in=customers).values("pk"))
        )
        return queryset.filter(call_id__in=calls)
    return queryset.filter(call_id__in=call_ids)


class WorkOrderFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_q",
        widget=forms.TextInput(
            attrs={"placeholder": _("Phone, name, serial/IMEI, call or work-order number")}
        ),
    )
    status = AnyOfFilter(label=_("Status"), choices=WorkOrderStatus.choices, distinct=False)
    center = django_filters.ModelChoiceFilter(
        label=_("Service centre"), queryset=ServiceCenter.objects.none()
    )
    technician = django_filters.ModelChoiceFilter(label=_("Technician"), queryset=Technician.objects.none())
    service_type = django_filters.ChoiceFilter(
        label=_("Service type"), field_name="call__service_type", choices=ServiceType.choices
    )
    category = django_filters.ModelChoiceFilter(
        label=_("Category"), field_name="call__unit__model__category", queryset=ProductCategory.objects.all()
    )
    logged_from = DayFilter(
        label=_("Logged from"),
        field_name="created_at",
        method="filter_from",
    )
    logged_to = DayFilter(
        label=_("Logged until"),
        field_name="created_at",
        method="filter_to",
    )
    overdue = django_filters.BooleanFilter(
        label=_("Overdue only"), method="filter_overdue", widget=forms.CheckboxInput
    )
    to_confirm = django_filters.BooleanFilter(
        label=_("Web calls to confirm"), method="filter_to_confirm", widget=forms.CheckboxInput
    )
    ordering = django_filters.OrderingFilter(
        label=_("Sort by"),
        fields=(
            ("created_at", "created"),
            ("appointment_start", "appointment"),
            ("status_changed_at", "changed"),
            ("number", "number"),
        ),
        field_labels={
            "created": _("Logged"),
            "appointment": _("Appointment"),
            "changed": _("Last change"),
            "number": _("Work order number"),
        },
    )

    class Meta:
        model = WorkOrder
        fields = []

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            # Built when the form is (a list not filtered by centre or technician builds neither).
            self.filters["center"].queryset = lambda request: ServiceCenter.objects.for_user(user).order_by(
                "code"
            )
            self.filters["technician"].queryset = lambda request: (
                Technician.objects.for_user(user)
                .select_related("center")
                .order_by("center__code", "employee_no")
            )

    def filter_q(self, queryset, name, value):
        return work_order_search(queryset, value)

    def _day_start(self, day):

        return timezone.make_aware(dt.datetime.combine(day, dt.time.min))

    def filter_from(self, queryset, name, value):
        return queryset.filter(created_at__gte=self._day_start(value))

    def filter_to(self, queryset, name, value):

        return queryset.filter(created_at__lt=self._day_start(value + dt.timedelta(days=1)))

    def filter_overdue(self, queryset, name, value):
        if value:
            return queryset.filter(status__in=OPEN_STATUSES, appointment_end__lt=timezone.now())
        return queryset

    def filter_to_confirm(self, queryset, name, value):
        """Calls the customer reported on their own pages that no dispatcher has checked by phone yet."""
        if value:
            calls = RepairCall.objects.filter(channel=CallChannel.WEB, confirmed_at__isnull=True)
            return queryset.filter(call__in=calls.values("pk"))
        return queryset


class ProductUnitFilterSet(django_filters.FilterSet):
    """Product units: the API's list (a dealer's sales) and any HTML list of units."""

    q = django_filters.CharFilter(label=_("Serial number or IMEI (prefix)"), method="filter_q")
    model = django_filters.NumberFilter(label=_("Model"), field_name="model_id")
    category = django_filters.CharFilter(label=_("Category"), field_name="model__category__code")
    sold_from = DayFilter(label=_("Sold from"), field_name="sale_date", lookup_expr="gte")
    sold_to = DayFilter(label=_("Sold until"), field_name="sale_date", lookup_expr="lte")
    ordering = django_filters.OrderingFilter(
        label=_("Sort by"),
        fields=(("created_at", "created"), ("sale_date", "sold"), ("pk", "id")),
        field_labels={"created": _("Registered"), "sold": _("Sale date"), "id": "ID"},
    )

    class Meta:
        model = ProductUnit
        fields = []

    def filter_q(self, queryset, name, value):
        key = (value or "").replace(" ", "").upper()
        if not key:
            return queryset
        return queryset.filter(Q(imei__startswith=key) | Q(serial_number__startswith=key))


class RepairCallFilterSet(django_filters.FilterSet):
    """Repair calls: the API's list; the register lists work orders (WorkOrderFilterSet)."""

    unit = django_filters.NumberFilter(label=_("Product unit"), field_name="unit_id")
    channel = django_filters.ChoiceFilter(label=_("Channel"), choices=CallChannel.choices)
    service_type = django_filters.ChoiceFilter(label=_("Service type"), choices=ServiceType.choices)
    logged_from = DateTimeFilter(label=_("Logged from"), field_name="logged_at", lookup_expr="gte")
    logged_to = DateTimeFilter(label=_("Logged until"), field_name="logged_at", lookup_expr="lt")
    ordering = django_filters.OrderingFilter(
        label=_("Sort by"),
        fields=(("logged_at", "logged"), ("pk", "id")),
        field_labels={"logged": _("Logged"), "id": "ID"},
    )

    class Meta:
        model = RepairCall
        fields = []


class ProductModelFilterSet(django_filters.FilterSet):
    """The catalogue of product models (a dealer looks up the model id of a sale)."""

    q = django_filters.CharFilter(
        label=_("Model number (prefix)"), field_name="model_number", lookup_expr="istartswith"
    )
    brand = django_filters.CharFilter(label=_("Brand"))
    category = django_filters.CharFilter(label=_("Category"), field_name="category__code")
    active = django_filters.BooleanFilter(label=_("Active"))
    ordering = django_filters.OrderingFilter(fields=(("brand", "brand"), ("model_number", "model_number")))

    class Meta:
        model = ProductModel
        fields = []
