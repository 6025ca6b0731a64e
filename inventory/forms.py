"""Forms of the stock pages: receipt, transfer and count adjustment (a manager's stock operations), and the
deposit forms (pay, refund, leverage ratio, parts payment). The forms check only the shape of the input;
the rules (positive quantities, enough stock, refunds within the deposit…) are the services' and their
messages are put on the form by `aftersales.web_errors.add_service_errors`."""

from __future__ import annotations

import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .choices import WarehouseKind
from .models import Part, Warehouse
from .selectors import warehouse_rank


class WarehouseChoiceField(forms.ModelChoiceField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("empty_label", _("Choose a warehouse"))
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj):
        return f"{obj.code} {obj.name}"


def stock_warehouses():
    """Warehouses a manager books stock into by hand (the defective-parts store fills only by returns)."""
    return (
        Warehouse.objects.filter(active=True)
        .exclude(kind=WarehouseKind.DEFECTIVE)
        .order_by(warehouse_rank(), "code")
    )


class PartCodeField(forms.CharField):
    """A part typed by its code (there are thousands: no drop-down)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Part code"))
        kwargs.setdefault("max_length", 40)
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "class": "mono"})
        )
        super().__init__(**kwargs)

    def clean(self, value):
        code = super().clean(value).strip()
        if not code:
            return None
        part = Part.objects.filter(code=code).first()
        if part is None:
            matches = list(Part.objects.filter(code__iexact=code)[:2])
            part = matches[0] if len(matches) == 1 else None
        if part is None:
            raise ValidationError(_("No part has the code %(code)s."), params={"code": code}, code="unknown")
        return part


class ReceiptForm(forms.Form):
    """Receipt from a supplier into a warehouse."""

    warehouse = WarehouseChoiceField(label=_("Into warehouse"), queryset=Warehouse.objects.none())
    part = PartCodeField()
    quantity = forms.IntegerField(label=_("Quantity"))
    unit_cost = forms.DecimalField(
        label=_("Unit cost (CNY)"),
        max_digits=14,
        decimal_places=2,
        required=False,
        help_text=_("Empty: the part's standard cost."),
    )
    reference = forms.CharField(
        label=_("Supplier document"),
        max_length=40,
        widget=forms.TextInput(attrs={"placeholder": _("Delivery note or invoice number")}),
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["warehouse"].queryset = stock_warehouses()
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4().hex)
            central = next(
                (w for w in self.fields["warehouse"].queryset if w.kind == WarehouseKind.CENTRAL), None
            )
            if central is not None:
                self.initial.setdefault("warehouse", central.pk)


class TransferForm(forms.Form):
    """Parts handed over from one warehouse to another at once."""

    source = WarehouseChoiceField(label=_("From warehouse"), queryset=Warehouse.objects.none())
    destination = WarehouseChoiceField(label=_("To warehouse"), queryset=Warehouse.objects.none())
    part = PartCodeField()
    quantity = forms.IntegerField(label=_("Quantity"))
    reference = forms.CharField(label=_("Reference"), max_length=40, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = stock_warehouses()
        self.fields["destination"].queryset = stock_warehouses()


class AdjustmentForm(forms.Form):
    """A count correction (盘点调整): signed quantity and the reason."""

    warehouse = WarehouseChoiceField(label=_("Warehouse"), queryset=Warehouse.objects.none())
    part = PartCodeField()
    quantity = forms.IntegerField(
        label=_("Correction (+/−)"), help_text=_("Positive when more were counted, negative when fewer.")
    )
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["warehouse"].queryset = stock_warehouses()


class DepositForm(forms.Form):
    """A deposit payment or refund."""

    amount = forms.DecimalField(label=_("Amount (CNY)"), max_digits=14, decimal_places=2)
    reference = forms.CharField(
        label=_("Reference"),
        max_length=60,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("Bank slip or voucher number")}),
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
    via_settlement = forms.BooleanField(
        label=_("Through the monthly settlement"),
        required=False,
        help_text=_("Deducted from (or added to) this month's settlement instead of a bank transfer."),
    )


class RatioForm(forms.Form):
    leverage_ratio = forms.DecimalField(label=_("Leverage ratio"), max_digits=5, decimal_places=2)


class PartsPaymentForm(forms.Form):
    """The centre paid for parts used on paid work."""

    amount = forms.DecimalField(label=_("Amount (CNY)"), max_digits=14, decimal_places=2)
    reference = forms.CharField(label=_("Reference"), max_length=60, required=False)
