"""Intake: the look-up, the panel with the 三包 decision, and logging a call (and dispatching it)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.parsing import parse_id
from aftersales.roles import Role, has_role, role_required
from aftersales.web_errors import add_service_errors
from warranty.choices import Liable, Remedy
from warranty.rules import Facts, FactsError
from warranty.services import decision_as_dict, unit_facts, warranty_evaluate

from .. import selectors, services
from ..choices import (
    CallChannel,
    CallCustomerRequest,
    Priority,
    ServiceMode,
    ServiceType,
)
from ..findings import category_components
from ..forms import DispatchForm, IntakeForm, NewCustomerForm, NewUnitForm, districts
from ..models import (
    FaultSymptom,
    ProductUnit,
)
from .register import INTAKE_ROLES

# Intake -------------------------------------------------------------------------------------------------


@role_required(*INTAKE_ROLES)
def lookup(request):
    """Fragment: customers and units matching what the dispatcher typed (phone, IMEI or serial)."""
    query = request.GET.get("q") or request.GET.get("caller_phone") or request.GET.get("unit_search") or ""
    found = selectors.customer_lookup(user=request.user, query=query)
    return render(request, "repairs/intake/_lookup.html", found)


def _new_unit_facts(request):
    """An unsaved unit from the inline "new unit" fields, when enough is there to decide on."""
    form = NewUnitForm(request.POST)
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    if not data.get("model"):
        return None
    return ProductUnit(
        model=data["model"],
        sale_date=data.get("sale_date"),
        invoice_date=data.get("invoice_date"),
        invoice_amount=data.get("invoice_amount"),
        factory_date=data.get("factory_date"),
    )


@role_required(*INTAKE_ROLES)
def intake_panel(request):
    """Fragment: what the page knows once the unit is known — the 三包 position with its reasons, open
    calls on the unit, the category's symptoms, the suggested service type, centre and technician."""
    data = request.POST if request.method == "POST" else request.GET
    unit = None
    if data.get("unit"):
        unit = (
            ProductUnit.objects.for_user(request.user)
            .select_related("model__category", "owner")
            .filter(pk=parse_id(data.get("unit"), default=0))
            .first()
        )
        if unit is None:
            raise Http404
    elif request.method == "POST" and data.get("new_customer"):
        unit = _new_unit_facts(request)
    return render(request, "repairs/intake/_panel.html", _panel_context(request, unit=unit, data=data))


def _panel_context(request, *, unit, data, dispatch_form=None, form=None) -> dict:
    now = timezone.now()
    today = timezone.localdate(now)
    context = {"unit": unit, "form": form, "dispatch_form": dispatch_form}
    if unit is None:
        return context
    decision, problem = None, None
    components = category_components(unit.model.category_id)
    # The faulty part decides the period: the whole unit unless the dispatcher names another.
    component = next((c for c in components if c.code == data.get("component")), None) or next(
        (c for c in components if c.code == "main_unit"), None
    )
    code = component.code if component else "main_unit"
    try:
        # A registered unit's repairs count as the call's decision will count them (days in repair, delays).
        facts = (
            unit_facts(
                unit=unit,
                report_date=today,
                component=code,
                repairs=services.unit_repair_history(unit=unit, symptom=None),
            )
            if unit.pk
            else _unsaved_facts(unit, today, code)
        )
        decision, _policy = warranty_evaluate(facts=facts)
    except FactsError as exc:
        problem = "；".join(m for msgs in exc.errors.values() for m in msgs)
    suggestion = services.service_type_suggest(decision=decision_as_dict(decision) if decision else None)
    region = None
    address = None
    if unit.pk:
        address = (
            unit.owner.addresses.select_related("region__parent__parent")
            .order_by("-is_primary", "pk")
            .first()
        )
        region = address.region if address else None
    for key in ("new-region", "service_region"):
        if parse_id(data.get(key)) is not None:
            region = districts().filter(pk=parse_id(data.get(key))).first() or region
    dispatch = _dispatch_choices(request, unit=unit, region=region, now=now, form=dispatch_form)
    context.update(
        {
            "decision": decision,
            "decision_problem": problem,
            "verdict_label": Remedy(decision.verdict).label if decision else None,
            "option_labels": [Remedy(o).label for o in decision.options] if decision else [],
            "liable_label": Liable(decision.liable).label if decision else None,
            "suggestion": suggestion,
            "suggested_label": ServiceType(suggestion.service_type).label,
            # The type the dispatcher chose stays; a type left as suggested follows the new suggestion
            # (a panel drawn before the facts were complete must not pin its own suggestion).
            "chosen_service_type": (
                data.get("service_type")
                if data.get("service_type") and data.get("service_type") != data.get("service_type_suggested")
                else suggestion.service_type
            ),
            "service_types": ServiceType.choices,
            "open_calls": services.open_calls_on_unit(unit=unit) if unit.pk else [],
            "symptoms": FaultSymptom.objects.filter(category_id=unit.model.category_id),
            "components": components,
            "component": component,
            "region": region,
            "address": address,
            **dispatch,
            "form_data": data,
            "districts": districts(),
            "request_choices": CallCustomerRequest.choices,
            "priority_choices": Priority.choices,
            "channel_choices": CallChannel.choices,
            "mode_choices": ServiceMode.choices,
        }
    )
    return context


def _dispatch_choices(request, *, unit, region, now, form=None, preferred=(None, None)) -> dict:
    """What a dispatch form offers: the centres whose agreement covers the district and the category (the
    first is the suggestion, with its least loaded technician), the other centres, and the certified
    technicians of every centre. The window is the one the customer asked for (`preferred`, a web call's)
    while it is still ahead, else the next free slot."""
    window = DispatchForm.initial_window(now)
    start, end = preferred
    if start and end and start > now:
        start, end = timezone.localtime(start), timezone.localtime(end)
        window = {"day": start.date(), "start": start.time(), "end": end.time()}
    day = window["day"]
    suggestions = selectors.dispatch_suggestions(unit=unit, region=region, day=day) if region else []
    if form is None:
        initial = dict(window)
        if suggestions:
            initial["center"] = suggestions[0]["center"].pk
            if suggestions[0]["technicians"]:
                initial["technician"] = suggestions[0]["technicians"][0].pk
        form = DispatchForm(initial=initial)
    return {
        "dispatch_form": form,
        "suggestions": suggestions,
        "suggested_center_ids": {s["center"].pk for s in suggestions},
        "other_centers": form.fields["center"].queryset,
        "technicians": form.technicians_for(unit.model.category_id),
        "can_override": has_role(request.user, Role.MANAGER),
    }


def _unsaved_facts(unit: ProductUnit, today: dt.date, component: str = "main_unit"):

    return Facts(
        category=unit.model.category.code,
        component=component,
        report_date=today,
        sale_date=unit.sale_date,
        invoice_date=unit.invoice_date,
        factory_date=unit.factory_date,
        price=unit.invoice_amount,
    )


@role_required(*INTAKE_ROLES)
def call_new(request):
    """The dispatcher's page: look up or add the customer and unit, see the 三包 position, log the call and
    dispatch it — or close it as guided by phone — in one action. Nothing is saved when anything fails."""
    action = request.POST.get("action", "dispatch")
    form = IntakeForm(request.POST or None, user=request.user)
    customer_form = NewCustomerForm(request.POST or None)
    unit_form = NewUnitForm(request.POST or None)
    dispatch_form = DispatchForm(request.POST or None) if request.method == "POST" else None
    if request.method == "POST":
        call = _intake_save(request, action, form, customer_form, unit_form, dispatch_form)
        if call is not None:
            messages.success(request, _("Call %(number)s logged.") % {"number": call.number})
            if action == "dispatch":
                order = call.work_orders.order_by("pk").first()
                messages.success(
                    request,
                    _("Work order %(number)s dispatched to %(center)s.")
                    % {"number": order.number, "center": order.center.name},
                )
            return redirect("repairs:call_detail", pk=call.pk)
    unit = form.cleaned_data.get("unit") if form.is_bound and hasattr(form, "cleaned_data") else None
    if unit is None and form.is_bound and request.POST.get("new_customer"):
        unit = _new_unit_facts(request)
    context = {
        "form": form,
        "customer_form": customer_form,
        "unit_form": unit_form,
        "new_customer": bool(request.POST.get("new_customer")),
        "data": request.POST,
    }
    context.update(
        _panel_context(request, unit=unit, data=request.POST, dispatch_form=dispatch_form, form=form)
    )
    return render(
        request, "repairs/intake/new.html", context, status=400 if request.method == "POST" else 200
    )


def _intake_save(request, action, form, customer_form, unit_form, dispatch_form):
    valid = form.is_valid()
    new = bool(request.POST.get("new_customer"))
    if new:
        valid = customer_form.is_valid() & unit_form.is_valid() & valid
    elif valid and form.cleaned_data.get("unit") is None:
        form.add_error(
            "unit", _("Pick the customer's unit from the look-up, or add a new customer and unit.")
        )
        valid = False
    if action == "dispatch":
        valid = dispatch_form.is_valid() & valid
    if action == "guide" and valid and not form.cleaned_data.get("guidance_note", "").strip():
        form.add_error("guidance_note", _("Write down the guidance given to the customer."))
        valid = False
    if not valid:
        return None
    data = form.cleaned_data
    try:
        with transaction.atomic():
            if new:
                customer = _save_new_customer(request, data, customer_form, unit_form)
                unit = _save_new_unit(customer, unit_form)
                region = customer_form.cleaned_data["region"]
                address = customer_form.cleaned_data["address_detail"]
            else:
                unit = data["unit"]
                customer = unit.owner
                region, address, _phone = services.call_defaults(
                    customer=customer,
                    service_region=data.get("service_region"),
                    service_address=data.get("service_address") or "",
                    caller_phone=data["caller_phone"],
                )
                if region is None or not address:
                    form.add_error("service_address", _("Enter the address where the service takes place."))
                    raise _Invalid
            dispatch = None
            if action == "dispatch":
                start, end = dispatch_form.window()
                dispatch = services.DispatchInput(
                    center=dispatch_form.cleaned_data["center"],
                    technician=dispatch_form.cleaned_data["technician"],
                    appointment_start=start,
                    appointment_end=end,
                    mode=dispatch_form.cleaned_data["mode"],
                    override_reason=dispatch_form.cleaned_data["override_reason"],
                )
            try:
                call = services.repair_call_take(
                    unit=unit,
                    caller_name=data["caller_name"],
                    caller_phone=data["caller_phone"],
                    service_region=region,
                    service_address=address,
                    symptom=data.get("symptom"),
                    symptom_text=data.get("symptom_text", ""),
                    customer_request=data["customer_request"],
                    component=data.get("component", ""),
                    service_type=data.get("service_type") or None,
                    service_type_reason=data.get("service_type_reason", ""),
                    priority=data["priority"],
                    channel=data["channel"],
                    confirm_duplicate_of=data.get("confirm_duplicate_of"),
                    dispatch=dispatch,
                    guidance_note=data["guidance_note"] if action == "guide" else "",
                    acting_user=request.user,
                )
            except services.DispatchRefused as exc:
                add_service_errors(dispatch_form, exc, rename=DISPATCH_FIELDS)
                raise _Invalid from exc
            except ValidationError as exc:
                add_service_errors(form, exc)
                raise _Invalid from exc
            return call
    except _Invalid:
        return None


# The dispatch service names the window as the form does not.
DISPATCH_FIELDS = {"appointment_start": "start", "appointment_end": "end"}


class _Invalid(Exception):
    """Rolls the intake back after the errors were put on the forms."""


def _save_new_customer(request, data, customer_form, unit_form):
    try:
        return services.customer_register(
            name=customer_form.cleaned_data["name"],
            phone=data["caller_phone"],
            region=customer_form.cleaned_data["region"],
            address_detail=customer_form.cleaned_data["address_detail"],
            acting_user=request.user,
        )
    except ValidationError as exc:
        add_service_errors(customer_form, exc)
        raise _Invalid from exc


def _save_new_unit(customer, unit_form):
    try:
        return services.unit_register(owner=customer, **unit_form.cleaned_data)
    except ValidationError as exc:
        add_service_errors(unit_form, exc)
        raise _Invalid from exc
