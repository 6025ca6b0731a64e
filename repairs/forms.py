"""The dispatcher's forms: intake (a call, optionally with a new customer and unit) and dispatch."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.fields import DateInput, DayField
from aftersales.validators import validate_phone
from network.models import Region, ServiceCenter, Technician

from .choices import CallChannel, CallCustomerRequest, Priority, ServiceMode, ServiceType
from .models import FaultSymptom, ProductModel, ProductUnit, RepairCall


class DistrictChoiceField(forms.ModelChoiceField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("empty_label", _("Choose the district"))
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj):
        return obj.full_name


def districts():
    return Region.objects.filter(level="district").select_related("parent__parent").order_by("code")


class IntakeForm(forms.Form):
    """One call. The unit is picked from the look-up (hidden `unit`) or added inline (NewCustomerForm +
    NewUnitForm, when `new_customer` is set)."""

    caller_phone = forms.CharField(
        label=_("Caller phone"),
        max_length=20,
        validators=[validate_phone],
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off", "inputmode": "tel"}),
    )
    caller_name = forms.CharField(label=_("Caller name"), max_length=50)
    unit = forms.ModelChoiceField(
        label=_("Product unit"), queryset=ProductUnit.objects.none(), required=False, widget=forms.HiddenInput
    )
    new_customer = forms.BooleanField(required=False, widget=forms.HiddenInput)
    channel = forms.ChoiceField(label=_("Channel"), choices=CallChannel.choices, initial=CallChannel.HOTLINE)
    service_region = DistrictChoiceField(
        label=_("Service district"), queryset=Region.objects.none(), required=False
    )
    service_address = forms.CharField(label=_("Service address"), max_length=200, required=False)
    symptom = forms.ModelChoiceField(
        label=_("Fault symptom"), queryset=FaultSymptom.objects.select_related("category"), required=False
    )
    symptom_text = forms.CharField(label=_("Symptom details"), max_length=500, required=False)
    # A component code of the unit's category (checked by the service): empty is the whole unit.
    component = forms.CharField(label=_("Faulty part"), max_length=40, required=False)
    customer_request = forms.ChoiceField(
        label=_("Customer's request"), choices=CallCustomerRequest.choices, initial=CallCustomerRequest.REPAIR
    )
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices, initial=Priority.NORMAL)
    service_type = forms.ChoiceField(
        label=_("Service type"), choices=[("", _("As suggested"))] + list(ServiceType.choices), required=False
    )
    service_type_reason = forms.CharField(
        label=_("Reason for another service type"), max_length=200, required=False
    )
    confirm_duplicate_of = forms.ModelChoiceField(
        label=_("Confirm a new fault despite the open call"),
        queryset=RepairCall.objects.all(),
        required=False,
        widget=forms.HiddenInput,
    )
    guidance_note = forms.CharField(label=_("Guidance given by phone"), max_length=500, required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = ProductUnit.objects.for_user(user).select_related(
            "model__category", "owner"
        )
        self.fields["service_region"].queryset = districts()


class NewCustomerForm(forms.Form):
    name = forms.CharField(label=_("Customer name"), max_length=50)
    region = DistrictChoiceField(label=_("District"), queryset=Region.objects.none())
    address_detail = forms.CharField(label=_("Street address"), max_length=200)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "new")
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = districts()


class _ByCategory(forms.models.ModelChoiceIterator):
    """The models grouped under their category (<optgroup>), so that a list of forty is read by what the
    customer owns; the browser's type-ahead then finds the model within the group."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        groups: dict[str, list] = {}
        for model in self.queryset:
            groups.setdefault(model.category.local_name, []).append(self.choice(model))
        yield from groups.items()


class NewUnitForm(forms.ModelForm):
    class Meta:
        model = ProductUnit
        fields = [
            "model",
            "serial_number",
            "imei",
            "sale_date",
            "invoice_number",
            "invoice_date",
            "invoice_amount",
            "factory_date",
        ]
        widgets = {
            "sale_date": DateInput(),
            "invoice_date": DateInput(),
            "factory_date": DateInput(),
        }

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "unit")
        super().__init__(*args, **kwargs)
        field = self.fields["model"]
        field.iterator = _ByCategory  # before the queryset: assigning it builds the widget's choices
        field.empty_label = _("Choose the model")
        field.queryset = (
            ProductModel.objects.filter(active=True)
            .select_related("category")
            .order_by("category__sort_order", "category__code", "brand", "model_number")
        )
        field.label_from_instance = lambda m: (
            f"{m.brand} {m.model_number}" + (f"（{m.name}）" if m.name else "")
        )

    def validate_unique(self):
        """Uniqueness is checked by the service with a message that says what to do."""

    def _post_clean(self):
        # Field validation only; the model's clean() (dates, IMEI for phones) runs in unit_register().
        pass


class DispatchForm(forms.Form):
    center = forms.ModelChoiceField(label=_("Service centre"), queryset=ServiceCenter.objects.none())
    technician = forms.ModelChoiceField(
        label=_("Technician"),
        queryset=Technician.objects.none(),
        required=False,
        empty_label=_("The centre assigns"),
    )
    day = DayField(label=_("Appointment day"))
    start = forms.TimeField(label=_("From"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    end = forms.TimeField(label=_("Until"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    mode = forms.ChoiceField(
        label=_("Service mode"), choices=ServiceMode.choices, initial=ServiceMode.ON_SITE
    )
    override_reason = forms.CharField(
        label=_("Reason to dispatch outside the agreement"), max_length=500, required=False
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "dispatch")
        super().__init__(*args, **kwargs)
        self.fields["center"].queryset = ServiceCenter.objects.filter(active=True).order_by("code")
        self.fields["technician"].queryset = Technician.objects.filter(active=True).select_related("center")

    def technicians_for(self, category_id):
        """The active technicians certified for the category, by centre (the list the form offers)."""
        return (
            self.fields["technician"]
            .queryset.filter(categories=category_id)
            .order_by("center__code", "employee_no")
        )

    def window(self) -> tuple[dt.datetime, dt.datetime]:
        day = self.cleaned_data["day"]
        return (
            timezone.make_aware(dt.datetime.combine(day, self.cleaned_data["start"])),
            timezone.make_aware(dt.datetime.combine(day, self.cleaned_data["end"])),
        )

    @staticmethod
    def initial_window(now: dt.datetime) -> dict:
        """The next 2-hour slot starting on the hour, at least an hour ahead (tomorrow 9:00 after 18:00)."""
        local = timezone.localtime(now)
        start = (local + dt.timedelta(hours=2)).replace(minute=0, second=0, microsecond=0)
        if start.hour >= 18 or start.date() != local.date():
            start = (local + dt.timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
        elif start.hour < 9:
            start = start.replace(hour=9)
        return {"day": start.date(), "start": start.time(), "end": (start + dt.timedelta(hours=2)).time()}


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=500, required=False)
