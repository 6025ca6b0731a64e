"""/my/report/: the customer reports a fault — which of their units, what is wrong, photos, when and where
they would like the visit — and lands on the new work order's page. /my/units/new/: they register a unit
(and come back to the report with it chosen). The rules are portal.report's; these pages only read the form
and show what the service refused, field by field."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.images import private_image_response
from aftersales.parsing import parse_id
from aftersales.web_errors import error_dict
from network.models import Region
from repairs.models import FaultSymptom, ProductModel, RepairCallPhoto
from repairs.services import CALL_PHOTOS_MAX, DuplicateCall

from .access import calls_of, customer_required, customers_of, units_of
from .report import (
    SLOTS,
    ReportInput,
    UnitInput,
    account_addresses,
    district_groups,
    open_work_order,
    report_options,
    web_call_report,
    web_unit_register,
)


def _districts():
    return Region.objects.filter(level="district")


class ReportForm(forms.Form):
    unit = forms.ModelChoiceField(queryset=None, required=False)  # missing: the service says so with the rest
    symptom = forms.ModelChoiceField(queryset=FaultSymptom.objects.all(), required=False)
    symptom_text = forms.CharField(max_length=500, required=False, strip=True)
    day = forms.DateField(required=False)
    slot = forms.ChoiceField(choices=[("", "")] + [(s[0], s[1]) for s in SLOTS], required=False)
    address = forms.CharField(required=False)  # an address id, or "new"
    region = forms.ModelChoiceField(queryset=_districts(), required=False)
    address_detail = forms.CharField(max_length=200, required=False)

    def __init__(self, *args, account, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units_of(account).select_related("model__category", "owner")


@customer_required
def report(request):
    account = request.account
    now = timezone.now()
    addresses = account_addresses(account)
    refused: dict[str, list[str]] = {}
    if request.method == "POST":
        # Another customer's unit or address tells nothing: the page answers as for an unknown one.
        unit_id = parse_id(request.POST.get("unit"))
        if unit_id is not None and not units_of(account).filter(pk=unit_id).exists():
            raise Http404
        chosen = request.POST.get("address", "")
        address = None
        if chosen not in ("", "new"):
            address = next((a for a in addresses if str(a.pk) == chosen), None)
            if address is None:
                raise Http404
        form = ReportForm(request.POST, account=account)
        if form.is_valid():
            data = form.cleaned_data
            try:
                call = web_call_report(
                    account=account,
                    data=ReportInput(
                        unit=data["unit"],
                        symptom=data["symptom"],
                        symptom_text=data["symptom_text"],
                        day=data["day"],
                        slot=data["slot"],
                        address=address,
                        new_region=data["region"] if address is None else None,
                        new_detail=data["address_detail"] if address is None else "",
                        photos=request.FILES.getlist("photos"),
                    ),
                    now=now,
                )
            except DuplicateCall as exc:
                return _duplicate(request, exc, form)
            except ValidationError as exc:
                refused = error_dict(exc)
            else:
                messages.success(
                    request,
                    _("Your report %(number)s is in. We will call you to confirm the details and the visit.")
                    % {"number": call.number},
                )
                order = call.work_orders.order_by("pk").first()
                return redirect("portal:order_detail", pk=order.pk)
        status = 400
    else:
        unit_id = parse_id(request.GET.get("unit"))
        initial = {"address": str(addresses[0].pk) if addresses else "new"}
        form = ReportForm(initial=initial, account=account)
        status = 200
    context = _report_context(
        request, form, now=now, initial_unit=None if request.method == "POST" else unit_id, refused=refused
    )
    return render(request, "portal/report.html", context, status=status)


# Where the form's own errors show: the day and the slot together, as the window.
REPORT_FIELDS = {"day": "window", "slot": "window"}
REPORT_SHOWN = ("unit", "symptom", "symptom_text", "photos", "window", "address", "region", "address_detail")


def _errors(form, refused: dict, rename: dict) -> dict[str, list[str]]:
    """The form's errors and the service's, {field: [messages]}, under the names the page shows."""
    errors: dict[str, list[str]] = {}
    for key, messages_ in [*form.errors.items(), *refused.items()]:
        errors.setdefault(rename.get(key, key), []).extend(str(m) for m in messages_)
    return errors


def _report_context(request, form, *, now, initial_unit=None, refused=None) -> dict:
    options = report_options(request.account, now=now)
    units = options["units"]
    if form.is_bound:
        values = form.data
    else:
        values = {k: str(v) for k, v in form.initial.items()}
        if initial_unit and any(u.pk == initial_unit for u in units):
            values["unit"] = str(initial_unit)
        elif len(units) == 1:
            values["unit"] = str(units[0].pk)
    return {
        **options,
        "form": form,
        "values": values,
        "errors": _errors(form, refused or {}, REPORT_FIELDS) if form.is_bound else {},
        "shown": REPORT_SHOWN,
        "photos_max": CALL_PHOTOS_MAX,
        "photos_lost": form.is_bound and bool(request.FILES.getlist("photos")),
    }


def _duplicate(request, exc: DuplicateCall, form):
    """The unit has an open call: it is shown (and its order's page linked); nothing was saved."""
    # Only the account's own calls are shown (a unit that changed hands may have its former owner's).
    own = set(
        calls_of(request.account).filter(pk__in=[c.pk for c in exc.open_calls]).values_list("pk", flat=True)
    )
    open_calls = [(call, open_work_order(call)) for call in exc.open_calls if call.pk in own]
    context = _report_context(request, form, now=timezone.now())
    context["duplicate"] = open_calls
    return render(request, "portal/report.html", context, status=409)


@customer_required
def call_photo(request, pk):
    """A photo the customer sent with one of their calls (only theirs: any other is unknown here)."""
    photo = get_object_or_404(
        RepairCallPhoto.objects.filter(call__in=calls_of(request.account).values("pk")), pk=pk
    )
    return private_image_response(photo.image)


# Registering a unit --------------------------------------------------------------------------------------


class UnitForm(forms.Form):
    model = forms.ModelChoiceField(queryset=ProductModel.objects.filter(active=True), required=False)
    model_code = forms.CharField(max_length=60, required=False)
    identifier = forms.CharField(max_length=40, required=False)
    purchase_date = forms.DateField(required=False)
    invoice_photo = forms.FileField(required=False)
    invoice_number = forms.CharField(max_length=40, required=False)
    owner = forms.ModelChoiceField(queryset=None, required=False)
    name = forms.CharField(max_length=50, required=False)
    region = forms.ModelChoiceField(queryset=_districts(), required=False)
    address_detail = forms.CharField(max_length=200, required=False)

    def __init__(self, *args, account, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = customers_of(account)


UNIT_SHOWN = (
    "model",
    "model_code",
    "identifier",
    "purchase_date",
    "invoice_photo",
    "invoice_number",
    "owner",
    "name",
    "region",
    "address_detail",
)


def _model_groups():
    groups: dict[str, list] = {}
    for model in (
        ProductModel.objects.filter(active=True)
        .select_related("category")
        .order_by("category__sort_order", "category__code", "brand", "model_number")
    ):
        groups.setdefault(model.category.local_name, []).append(model)
    return list(groups.items())


@customer_required
def unit_new(request):
    account = request.account
    back_to_report = (request.POST.get("next") or request.GET.get("next")) == "report"
    refused: dict[str, list[str]] = {}
    form = UnitForm(request.POST or None, request.FILES or None, account=account)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            unit, created = web_unit_register(
                account=account,
                data=UnitInput(
                    model=data["model"],
                    model_code=data["model_code"],
                    identifier=data["identifier"],
                    purchase_date=data["purchase_date"],
                    invoice_photo=data["invoice_photo"],
                    invoice_number=data["invoice_number"],
                    owner=data["owner"],
                    name=data["name"],
                    region=data["region"],
                    address_detail=data["address_detail"],
                ),
            )
        except ValidationError as exc:
            refused = error_dict(exc)
        else:
            if created:
                messages.success(request, _("%(unit)s is registered.") % {"unit": unit.model})
            else:
                messages.info(request, _("This product is already registered to you: here it is."))
            if back_to_report:
                return redirect(f"{reverse('portal:report')}?unit={unit.pk}")
            return redirect("portal:unit_card", pk=unit.pk)
    customers = list(customers_of(account).order_by("pk"))
    return render(
        request,
        "portal/unit_new.html",
        {
            "form": form,
            "values": form.data if form.is_bound else {},
            "errors": _errors(form, refused, {}) if form.is_bound else {},
            "shown": UNIT_SHOWN,
            "model_groups": _model_groups(),
            "customers": customers,
            "needs_customer": not customers,
            "district_groups": district_groups() if not customers else [],
            "back_to_report": back_to_report,
            "today": timezone.localdate(),
            "photo_lost": form.is_bound and bool(request.FILES.get("invoice_photo")),
        },
        status=400 if request.method == "POST" else 200,
    )
