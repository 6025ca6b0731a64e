"""The stock list's FilterSet: one set of filters for the HTML stock page (and later the API)."""

from __future__ import annotations

import django_filters
from django import forms
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from .models import Part, ReorderSuggestion, StockLevel, Warehouse
from .selectors import latest_reorder_day, warehouse_rank


class StockAttention(models.TextChoices):
    BELOW_REORDER = "below_reorder", _("At or below the reorder point")
    ZERO = "zero", _("Zero stock")


def part_search(queryset, value: str):
    """A part code (prefix, any case) or a word of the part's name."""
    value = (value or "").strip()
    if not value:
        return queryset
    parts = Part.objects.filter(Q(code__istartswith=value) | Q(name__icontains=value)).values("pk")
    return queryset.filter(part__in=parts)


class StockLevelFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Part"),
        method="filter_q",
        widget=forms.TextInput(attrs={"placeholder": _("Part code or name")}),
    )
    warehouse = django_filters.ModelChoiceFilter(
        label=_("Warehouse"), queryset=Warehouse.objects.none(), empty_label=_("All warehouses")
    )
    category = django_filters.ModelChoiceFilter(
        label=_("Category"),
        field_name="part__category",
        # The parts' product categories (the catalogue is repairs', above the stock), through the relation.
        queryset=Part._meta.get_field("category").related_model.objects.all(),
        empty_label=_("All categories"),
    )
    attention = django_filters.ChoiceFilter(
        label=_("Show only"),
        choices=StockAttention.choices,
        method="filter_attention",
        empty_label=_("All lines"),
    )
    major = django_filters.BooleanFilter(
        label=_("Major components only"), method="filter_major", widget=forms.CheckboxInput
    )
    ordering = django_filters.OrderingFilter(
        label=_("Sort by"),
        empty_label=_("Warehouse, then part code"),
        fields=(
            ("warehouse__code", "warehouse"),
            ("part__code", "part"),
            ("quantity", "quantity"),
            ("value_amount", "value"),
        ),
        field_labels={
            "warehouse": _("Warehouse"),
            "part": _("Part code"),
            "quantity": _("On hand"),
            "value": _("Value"),
        },
    )

    class Meta:
        model = StockLevel
        fields = []

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        warehouses = Warehouse.objects.for_user(user) if user is not None else Warehouse.objects.all()
        self.filters["warehouse"].queryset = warehouses.order_by(warehouse_rank(), "code")

    def filter_q(self, queryset, name, value):
        return part_search(queryset, value)

    def filter_attention(self, queryset, name, value):
        if value == StockAttention.ZERO:
            return queryset.filter(quantity=0)
        if value == StockAttention.BELOW_REORDER:
            day = latest_reorder_day()
            if day is None:
                return queryset.none()
            return queryset.filter(
                Exists(
                    ReorderSuggestion.objects.filter(
                        computed_on=day,
                        warehouse_id=OuterRef("warehouse_id"),
                        part_id=OuterRef("part_id"),
                        reorder_point__gte=OuterRef("quantity"),
                    )
                )
            )
        return queryset

    def filter_major(self, queryset, name, value):
        return queryset.filter(part__is_major=True) if value else queryset


class PartFilterSet(django_filters.FilterSet):
    """The parts catalogue: the API's list of parts."""

    q = django_filters.CharFilter(label=_("Code or name"), method="filter_q")
    category = django_filters.CharFilter(label=_("Category"), field_name="category__code")
    active = django_filters.BooleanFilter(label=_("Active"))
    return_required = django_filters.BooleanFilter(label=_("Replaced part must be returned"))
    ordering = django_filters.OrderingFilter(fields=(("code", "code"), ("name", "name")))

    class Meta:
        model = Part
        fields = []

    def filter_q(self, queryset, name, value):

        value = (value or "").strip()
        return queryset.filter(Q(code__istartswith=value) | Q(name__icontains=value)) if value else queryset
