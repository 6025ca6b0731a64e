"""The dispatcher's pages: the register (叫修登记簿), intake with look-up and dispatch, a call's page with its
work orders and timeline, and the actions on a work order. Every write goes through repairs.services."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from django.views.decorators.http import require_POST

from aftersales import extensions
from aftersales.paging import page_window
from aftersales.parsing import parse_amount, parse_id, parse_int
from aftersales.roles import Role, has_role, role_required
from aftersales.spreadsheets import SafeWriter
from aftersales.web_errors import add_service_errors, flash_errors
from network.models import ServiceCenter
from warranty.choices import Liable, Remedy
from warranty.rules import Facts, FactsError
from warranty.selectors import unit_warranty_position
from warranty.services import decision_as_dict, unit_facts, warranty_evaluate

from . import selectors, services
from .choices import (
    TRANSITIONS,
    CallChannel,
    CallCustomerRequest,
    LoanerStatus,
    Priority,
    ServiceMode,
    ServiceType,
    WorkOrderStatus,
)
from .closing import CLOSABLE_STATUSES, closing_proof_clear
from .filters import WorkOrderFilterSet
from .findings import category_components
from .forms import DispatchForm, IntakeForm, NewCustomerForm, NewUnitForm, NoteForm, districts
from .models import (
    CarryIn,
    DecisionChange,
    FaultSymptom,
    LoanerLoan,
    LoanerUnit,
    ProductUnit,
    Quote,
    RepairCall,
    WorkOrder,
    WorkOrderClosing,
)
from .views_field import field_panel

INTAKE_ROLES = (Role.DISPATCHER, Role.MANAGER)
REGISTER_ROLES = (Role.DISPATCHER, Role.SUPERVISOR, Role.MANAGER)
PAGE_SIZES = (10, 20, 50, 100)
DEFAULT_PAGE_SIZE = 50


# The register ------------------------------------------------------------------------------------------


@role_required(*REGISTER_ROLES)
def register(request):
    """The register: every work order with its call, filtered, searched, sorted, a page at a time.

    Pages are fetched as page_size + 1 rows (no COUNT over a million rows): the extra row says whether
    there is a next page. One query for the rows whatever the page size."""
    filterset = WorkOrderFilterSet(
        request.GET or None, queryset=selectors.register_rows(user=request.user), user=request.user
    )
    rows = (
        filterset.qs
        if filterset.is_bound and filterset.is_valid()
        else selectors.register_rows(user=request.user)
    )
    if not (filterset.is_bound and filterset.form.cleaned_data.get("ordering")):
        rows = rows.order_by("-created_at", "-pk")
    if request.GET.get("export") == "csv":
        return _register_csv(rows)
    window = page_window(request, rows, sizes=PAGE_SIZES, default=DEFAULT_PAGE_SIZE)
    return render(
        request,
        "repairs/register.html",
        {
            **window,
            "filterset": filterset,
            "orders": window["rows"],
            "now": timezone.now(),
            "can_log_calls": has_role(request.user, *INTAKE_ROLES),
            "service_types": ServiceType.choices,
        },
    )


class _Echo:
    def write(self, value):
        return value


CSV_COLUMNS = [
    (gettext_noop("Work order number"), lambda o: o.number),
    (gettext_noop("Call number"), lambda o: o.call.number),
    (gettext_noop("Logged"), lambda o: timezone.localtime(o.created_at).strftime("%Y-%m-%d %H:%M")),
    (gettext_noop("Status"), lambda o: o.get_status_display()),
    (gettext_noop("Service type"), lambda o: o.call.get_service_type_display()),
    (gettext_noop("Customer"), lambda o: o.call.customer.name),
    (gettext_noop("Caller phone"), lambda o: o.call.caller_phone),
    (gettext_noop("Category"), lambda o: o.call.unit.model.category.local_name),
    (gettext_noop("Model"), lambda o: str(o.call.unit.model)),
    (gettext_noop("Serial number / IMEI"), lambda o: o.call.unit.imei or o.call.unit.serial_number),
    (
        gettext_noop("Fault symptom"),
        lambda o: " ".join(filter(None, [str(o.call.symptom or ""), o.call.symptom_text])),
    ),
    (gettext_noop("Service centre"), lambda o: o.center.name if o.center else ""),
    (gettext_noop("Technician"), lambda o: o.technician.name if o.technician else ""),
    (
        gettext_noop("Appointment"),
        lambda o: (
            timezone.localtime(o.appointment_start).strftime("%Y-%m-%d %H:%M") if o.appointment_start else ""
        ),
    ),
]


def _register_csv(rows):
    """The filtered register as CSV (UTF-8 with BOM, so that Excel opens the Chinese right), streamed."""
    writer = SafeWriter(_Echo())
    # The rows are streamed after the view has returned, when the request's language is no longer active:
    # the stream keeps it (the header and the statuses came out in English).
    language = translation.get_language()

    def lines():
        with translation.override(language):
            yield "\ufeff"
            yield writer.writerow([_(title) for title, _get in CSV_COLUMNS])
            for order in rows.iterator(chunk_size=2000):
                yield writer.writerow([get(order) for _title, get in CSV_COLUMNS])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="register-{timezone.localdate():%Y%m%d}.csv"'
    return response


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


def _dispatch_choices(request, *, unit, region, now, form=None) -> dict:
    """What a dispatch form offers: the centres whose agreement covers the district and the category (the
    first is the suggestion, with its least loaded technician), the other centres, and the certified
    technicians of every centre."""
    day = DispatchForm.initial_window(now)["day"]
    suggestions = selectors.dispatch_suggestions(unit=unit, region=region, day=day) if region else []
    if form is None:
        initial = DispatchForm.initial_window(now)
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
                )
                if region is None or not address:
                    form.add_error("service_address", _("Enter the address where the service takes place."))
                    raise _Invalid
            try:
                call = services.repair_call_register(
                    customer=customer,
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
                    acting_user=request.user,
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
                raise _Invalid from exc
            order = call.work_orders.get()
            if action == "dispatch":
                start, end = dispatch_form.window()
                try:
                    services.work_order_dispatch(
                        work_order=order,
                        center=dispatch_form.cleaned_data["center"],
                        technician=dispatch_form.cleaned_data["technician"],
                        appointment_start=start,
                        appointment_end=end,
                        mode=dispatch_form.cleaned_data["mode"],
                        acting_user=request.user,
                        override_reason=dispatch_form.cleaned_data["override_reason"],
                    )
                except ValidationError as exc:
                    add_service_errors(dispatch_form, exc, rename=DISPATCH_FIELDS)
                    raise _Invalid from exc
            elif action == "guide":
                services.work_order_guide_by_phone(
                    work_order=order, acting_user=request.user, note=data["guidance_note"]
                )
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


# A call and its work orders -----------------------------------------------------------------------------


@role_required(*REGISTER_ROLES)
def call_detail(request, pk):
    try:
        call = selectors.call_detail(user=request.user, pk=pk)
    except RepairCall.DoesNotExist as exc:
        raise Http404 from exc
    orders = list(call.work_orders.all())
    now = timezone.now()
    loaners: dict[int, list] = {}
    for loaner in LoanerUnit.objects.filter(
        center_id__in={o.center_id for o in orders if o.center_id}, status=LoanerStatus.AVAILABLE
    ):
        loaners.setdefault(loaner.center_id, []).append(loaner)
    for order in orders:
        # Completed is not a button: only a closing record (the tablet's, or the office's form) completes. Nor
        # is "to be rescheduled" (a visit where nobody was at home leads there) and, from it, cancelled: the
        # field panel's cancel tells the customer (repairs.views_field).
        order.allowed = [
            (s, WorkOrderStatus(s).label)
            for s in sorted(TRANSITIONS[order.status])
            if s not in (WorkOrderStatus.DISPATCHED, WorkOrderStatus.PHONE_GUIDED, WorkOrderStatus.COMPLETED)
            and s != WorkOrderStatus.TO_RESCHEDULE
            and order.status != WorkOrderStatus.TO_RESCHEDULE
        ]
        order.field = field_panel(request.user, order, now)
        order.closable = order.status in CLOSABLE_STATUSES
        order.dispatch = (
            _dispatch_choices(request, unit=call.unit, region=call.service_region, now=now)
            if order.status == WorkOrderStatus.NEW
            else None
        )
        order.loaners = loaners.get(order.center_id, [])
    decision = call.warranty_decision.result if call.warranty_decision else None
    return render(
        request,
        "repairs/call_detail.html",
        {
            "call": call,
            "orders": orders,
            "decision": decision,
            "verdict_label": Remedy(decision["verdict"]).label if decision else None,
            "timeline": selectors.call_timeline(call),
            "can_dispatch": has_role(request.user, *INTAKE_ROLES),
            "is_supervisor": has_role(request.user, Role.SUPERVISOR, Role.MANAGER),
            "is_manager": has_role(request.user, Role.MANAGER),
            # What the apps above hold about the call (care: complaints, callbacks, deadlines).
            **extensions.gather(extensions.REPAIR_CALL_PAGE, call=call, user=request.user),
            # The decision taken again after intake (another faulty part, exclusions found on site) and the
            # office's changes of service type: the latest decides what the order is settled as.
            "decision_changes": DecisionChange.objects.filter(work_order__call=call)
            .select_related("decision", "component", "by", "work_order")
            .prefetch_related("findings__photos")
            .order_by("at", "pk"),
        },
    )


def _order_for(request, pk) -> WorkOrder:
    return get_object_or_404(WorkOrder.objects.for_user(request.user).select_related("call"), pk=pk)


def _back(order: WorkOrder):
    return redirect(reverse("repairs:call_detail", args=[order.call_id]) + f"#wo-{order.pk}")


@require_POST
@role_required(*INTAKE_ROLES)
def work_order_dispatch(request, pk):
    order = _order_for(request, pk)
    form = DispatchForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            for error in errors:
                label = form.fields[field].label if field in form.fields else ""
                messages.error(request, f"{label}：{error}" if label else error)
        return _back(order)
    start, end = form.window()
    try:
        services.work_order_dispatch(
            work_order=order,
            center=form.cleaned_data["center"],
            technician=form.cleaned_data["technician"],
            appointment_start=start,
            appointment_end=end,
            mode=form.cleaned_data["mode"],
            acting_user=request.user,
            override_reason=form.cleaned_data["override_reason"],
        )
        messages.success(request, _("Work order %(number)s dispatched.") % {"number": order.number})
    except ValidationError as exc:
        flash_errors(request, exc)
    return _back(order)


@require_POST
@role_required(*REGISTER_ROLES)
def work_order_transition(request, pk):
    order = _order_for(request, pk)
    to_status = request.POST.get("to", "")
    note = NoteForm(request.POST)
    note.is_valid()
    try:
        if to_status == WorkOrderStatus.PHONE_GUIDED:
            services.work_order_guide_by_phone(
                work_order=order, acting_user=request.user, note=note.cleaned_data.get("note", "")
            )
        elif to_status in WorkOrderStatus.values and to_status != WorkOrderStatus.DISPATCHED:
            services.work_order_transition(
                work_order=order,
                to_status=to_status,
                acting_user=request.user,
                note=note.cleaned_data.get("note", ""),
            )
        else:
            raise ValidationError({"status": _("Unknown status.")})
        messages.success(
            request,
            _("Work order %(number)s: %(status)s.")
            % {"number": order.number, "status": WorkOrderStatus(to_status).label},
        )
    except ValidationError as exc:
        flash_errors(request, exc)
    return _back(order)


@require_POST
@role_required(*REGISTER_ROLES)
def work_order_carry_in(request, pk):
    """Carry-in steps on the call page: receive, repair card, inspection, hand-back; loaner lend/return."""
    order = _order_for(request, pk)
    step = request.POST.get("step")
    post = request.POST
    try:
        if step == "receive":
            services.carry_in_receive(
                work_order=order, acting_user=request.user, condition_note=post.get("condition_note", "")
            )
        elif step in ("repair", "inspect", "return"):
            carry_in = get_object_or_404(CarryIn, work_order=order)
            if step == "repair":
                minutes = parse_int(post.get("repair_minutes"), default=0, low=0, high=10**6)
                services.carry_in_record_repair(
                    carry_in=carry_in,
                    minutes=minutes,
                    parts=post.get("repair_parts", ""),
                    acting_user=request.user,
                )
            elif step == "inspect":
                services.carry_in_inspect(
                    carry_in=carry_in, acting_user=request.user, note=post.get("inspection_note", "")
                )
            else:
                services.carry_in_return(
                    carry_in=carry_in, returned_to=post.get("returned_to", ""), acting_user=request.user
                )
        elif step == "lend":
            loaner = get_object_or_404(LoanerUnit, pk=parse_id(post.get("loaner")), center_id=order.center_id)
            services.loaner_lend(work_order=order, loaner=loaner, acting_user=request.user)
        elif step == "loaner_back":
            loan = get_object_or_404(LoanerLoan, pk=parse_id(post.get("loan")), work_order=order)
            services.loaner_return(loan=loan, acting_user=request.user)
        else:
            raise Http404
        messages.success(request, _("Saved."))
    except ValidationError as exc:
        flash_errors(request, exc)
    return _back(order)


@require_POST
@role_required(*REGISTER_ROLES)
def work_order_quote(request, pk):
    """Paid service: a quote from the fee standard and parts lines; then the customer's consent."""
    order = _order_for(request, pk)
    post = request.POST
    try:
        if post.get("step") == "consent":
            quote = get_object_or_404(Quote, pk=parse_id(post.get("quote")), work_order=order)
            services.consent_record(
                quote=quote,
                given_by=post.get("given_by", ""),
                method=post.get("method", ""),
                acting_user=request.user,
                note=post.get("consent_note", ""),
            )
        else:
            lines = []
            kinds, descriptions = post.getlist("line_kind"), post.getlist("line_description")
            quantities, prices = post.getlist("line_quantity"), post.getlist("line_unit_amount")
            for kind, description, quantity, price in zip(
                kinds, descriptions, quantities, prices, strict=False
            ):
                if not description.strip() and not price.strip():
                    continue
                amount = parse_amount(price)
                qty = parse_int(quantity, default=0, low=0, high=10**6)
                lines.append(services.QuoteLineInput(kind, description, qty, amount))
            services.quote_create(
                work_order=order, lines=lines, acting_user=request.user, note=post.get("quote_note", "")
            )
        messages.success(request, _("Saved."))
    except ValidationError as exc:
        flash_errors(request, exc)
    return _back(order)


# Existing pages ---------------------------------------------------------------------------------------


@role_required(Role.DISPATCHER, Role.SUPERVISOR, Role.MANAGER, Role.TECHNICIAN)
def unit_detail(request, pk):
    """A product unit with its 三包 position today, its extended warranties and the decisions taken."""
    unit = get_object_or_404(
        ProductUnit.objects.for_user(request.user).select_related("model__category", "owner", "dealer"), pk=pk
    )
    position = unit_warranty_position(
        unit=unit,
        as_of=timezone.localdate(),
        repairs=services.unit_repair_history(unit=unit, symptom=None),
    )
    return render(request, "repairs/unit_detail.html", {"unit": unit, **position})


# Closings without the customer's proof ------------------------------------------------------------------

PROOF_STATES = {
    "pending": gettext_lazy("To be cleared"),
    "cleared": gettext_lazy("Cleared"),
    "all": gettext_lazy("All"),
}


@role_required(Role.SUPERVISOR, Role.MANAGER)
def proof_exceptions(request):
    """Work closed without the customer's signature or code: what the settlement holds until a manager clears
    it (managers, before the month is settled), and each centre's own (supervisors, to read)."""
    state = request.GET.get("state", "pending")
    if state not in PROOF_STATES:
        state = "pending"
    closings = (
        WorkOrderClosing.objects.for_user(request.user)
        .exclude(proof_exception_reason="")
        .select_related(
            "work_order__center",
            "work_order__technician",
            "work_order__call",
            "closed_by",
            "proof_cleared_by",
        )
        .order_by("-closed_at", "-pk")
    )
    if state == "pending":
        closings = closings.filter(proof_cleared_at__isnull=True)
    elif state == "cleared":
        closings = closings.filter(proof_cleared_at__isnull=False)
    centers = ServiceCenter.objects.for_user(request.user).order_by("code")
    center = (
        centers.filter(pk=parse_id(request.GET.get("center"))).first() if request.GET.get("center") else None
    )
    if center is not None:
        closings = closings.filter(work_order__center=center)
    window = page_window(request, closings)
    return render(
        request,
        "repairs/proof_exceptions.html",
        {
            **window,
            "closings": window["rows"],
            "state": state,
            "states": PROOF_STATES.items(),
            "centers": centers if has_role(request.user, Role.MANAGER) else centers.none(),
            "center": center,
            "can_clear": has_role(request.user, Role.MANAGER),
        },
    )


@require_POST
@role_required(Role.MANAGER)
def proof_exception_clear(request, pk):
    closing = get_object_or_404(WorkOrderClosing.objects.for_user(request.user), pk=pk)
    try:
        closing_proof_clear(
            closing=closing, acting_user=request.user, note=request.POST.get("note", "")[:600]
        )
        messages.success(
            request,
            _("%(number)s may be paid: the settlement takes it in this month's statement.")
            % {"number": closing.work_order.number},
        )
    except ValidationError as exc:
        flash_errors(request, exc)
    back = reverse("repairs:proof_exceptions")
    query = request.POST.get("back_query", "")
    return redirect(
        f"{back}?{query}" if query and url_has_allowed_host_and_scheme(f"{back}?{query}", None) else back
    )
