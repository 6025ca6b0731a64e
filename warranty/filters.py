"""The maintenance contracts' list filters: one FilterSet for the contracts page and the API alike."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import ContractStatus
from .models import MaintenanceContract


class MaintenanceContractFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=ContractStatus.choices)
    center = django_filters.CharFilter(label=_("Responsible centre (code)"), field_name="center__code")
    q = django_filters.CharFilter(label=_("Contract number or customer"), method="search")
    ends_before = django_filters.DateFilter(
        label=_("Ends on or before"), field_name="ends_on", lookup_expr="lte"
    )
    ordering = django_filters.OrderingFilter(
        label=_("Sort by"),
        fields=(("created_at", "created"), ("ends_on", "ends"), ("pk", "id")),
    )

    class Meta:
        model = MaintenanceContract
        fields = []

    def search(self, queryset, name, value):
        value = value.strip()[:50]
        if not value:
            return queryset
        return queryset.filter(Q(number__istartswith=value) | Q(customer__name__startswith=value))
