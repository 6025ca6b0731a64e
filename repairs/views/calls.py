"""A call's page and the register's actions on its work orders: dispatch, transitions, carry-in, quotes."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales import extensions
from aftersales.images import private_image_response
from aftersales.parsing import parse_amount, parse_id, parse_int
from aftersales.roles import Role, has_role, role_required
from aftersales.web_errors import flash_errors
from warranty.choices import Remedy

from .. import selectors, services
from ..choices import (
    TRANSITIONS,
    LoanerStatus,
    WorkOrderStatus,
)
from ..closing import CLOSABLE_STATUSES
from ..forms import DispatchForm, NoteForm
from ..models import (
    CarryIn,
    DecisionChange,
    LoanerLoan,
    LoanerUnit,
    ProductUnit,
    Quote,
    RepairCall,
    RepairCallPhoto,
    WorkOrder,
)
from ..views_field import field_panel
from .intake import _dispatch_choices
from .register import INTAKE_ROLES, REGISTER_ROLES

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
            _dispatch_choices(
                request,
                unit=call.unit,
                region=call.service_region,
                now=now,
                preferred=(call.preferred_start, call.preferred_end),
            )
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


@require_POST
@role_required(*INTAKE_ROLES)
def call_confirm(request, pk):
    """A web call's details checked with the customer by phone (repairs.services.repair_call_confirm)."""
    call = get_object_or_404(RepairCall.objects.for_user(request.user), pk=pk)
    try:
        services.repair_call_confirm(call=call, acting_user=request.user, note=request.POST.get("note", ""))
        messages.success(request, _("Call %(number)s confirmed.") % {"number": call.number})
    except ValidationError as exc:
        flash_errors(request, exc)
    return redirect("repairs:call_detail", pk=call.pk)


@role_required(*REGISTER_ROLES)
def call_photo(request, pk):
    """A photo the customer sent with a call, to those who may see the call (never a public media URL)."""
    photo = get_object_or_404(
        RepairCallPhoto.objects.filter(call__in=RepairCall.objects.for_user(request.user).values("pk")), pk=pk
    )
    return private_image_response(photo.image)


@role_required(*REGISTER_ROLES)
def unit_invoice_photo(request, pk):
    """The invoice photo of a unit the customer registered, to those who may see the unit."""
    unit = get_object_or_404(ProductUnit.objects.for_user(request.user).exclude(invoice_photo=""), pk=pk)
    return private_image_response(unit.invoice_photo)


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
