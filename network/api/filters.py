import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aftersales.fields import DayFilter
from network.choices import CenterLevel, SettlementStatus
from network.models import ServiceCenter, Settlement


class ServiceCenterFilterSet(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(label=_("Level"), choices=CenterLevel.choices)
    active = django_filters.BooleanFilter(label=_("Active"))
    region = django_filters.CharFilter(
        label=_("Region code"), method="filter_region", help_text="the centre's district, city or province"
    )
    covers = django_filters.CharFilter(
        label=_("Covers district"), field_name="coverage__code", distinct=True, help_text="district code"
    )
    ordering = django_filters.OrderingFilter(fields=(("code", "code"), ("name", "name")))

    class Meta:
        model = ServiceCenter
        fields = []

    def filter_region(self, queryset, name, value):

        return queryset.filter(
            Q(region__code=value) | Q(region__parent__code=value) | Q(region__parent__parent__code=value)
        )


class SettlementFilterSet(django_filters.FilterSet):
    center = django_filters.CharFilter(label=_("Service centre"), field_name="center__code")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=SettlementStatus.choices)
    month = DayFilter(label=_("Month"), field_name="month", help_text="the month's first day")
    month_from = DayFilter(label=_("From month"), field_name="month", lookup_expr="gte")
    month_to = DayFilter(label=_("Until month"), field_name="month", lookup_expr="lte")
    ordering = django_filters.OrderingFilter(fields=(("month", "month"), ("total_amount", "total")))

    class Meta:
        model = Settlement
        fields = []
