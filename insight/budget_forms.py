"""The budget's forms: shapes only (numbers, choices); the rules are in insight.budget_services."""

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from network.choices import RegionLevel
from network.models import Region
from repairs.models import ProductCategory, ProductModel

from .models import SHARE_FIELDS, Budget, ManualCostItem


def _provinces():
    return Region.objects.filter(level=RegionLevel.PROVINCE).order_by("code")


class _Percent(forms.DecimalField):
    def __init__(self, label, **kwargs):
        super().__init__(label=label, max_digits=7, decimal_places=2, **kwargs)
        self.widget.attrs.update({"step": "0.01", "inputmode": "decimal"})


class BudgetForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=ProductCategory.objects.all(), empty_label=_("Choose the category")
    )
    region = forms.ModelChoiceField(
        label=_("Province"), queryset=Region.objects.none(), required=False, empty_label=_("Whole country")
    )
    rate_percent = _Percent(_("Budget rate, percent of factory value"))
    repair_rate_percent = _Percent(_("Assumed return-repair rate (%)"), initial="8.00")
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = _provinces()
        for field in SHARE_FIELDS.values():
            self.fields[field] = _Percent(capfirst(Budget._meta.get_field(field).verbose_name), initial="0")

    def share_fields(self):
        return [self[field] for field in SHARE_FIELDS.values()]

    def shares(self) -> dict:
        return {head: self.cleaned_data[field] for head, field in SHARE_FIELDS.items()}


class ManualCostForm(forms.Form):
    month = forms.DateField(
        label=_("Month"),
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )
    item = forms.ChoiceField(label=_("Item"), choices=ManualCostItem.choices)
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=ProductCategory.objects.all(), empty_label=_("Choose the category")
    )
    region = forms.ModelChoiceField(
        label=_("Province"), queryset=Region.objects.none(), required=False, empty_label=_("Whole country")
    )
    amount = forms.DecimalField(label=_("Amount (CNY)"), max_digits=14, decimal_places=2, min_value=0)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = _provinces()


class FactoryPriceForm(forms.Form):
    model = forms.ModelChoiceField(
        label=_("Model"),
        queryset=ProductModel.objects.select_related("category").order_by("brand", "model_number"),
        empty_label=_("Choose the model"),
    )
    price_amount = forms.DecimalField(
        label=_("Factory price (CNY)"), max_digits=14, decimal_places=2, min_value=0
    )
    valid_from = forms.DateField(
        label=_("Price in force from"), widget=forms.DateInput(attrs={"type": "date"})
    )
