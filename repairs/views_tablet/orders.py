"""The technician's tablet: today's work orders, an order's page, the diagnosis and the on-site steps."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from aftersales.parsing import parse_id, parse_int
from aftersales.roles import Role, role_required
from inventory.choices import MovementKind
from inventory.models import StockMovement

from .. import closing as closing_services
from .. import paid, services
from ..choices import (
    BEFORE_VISIT,
    FaultCodeKind,
    WorkOrderStatus,
    transitions_into,
)
from ..models import FaultCode, LoanerUnit, WorkOrder
from ..selectors import TABLET_PAGE, TABLET_VIEWS, tablet_orders, tablet_scope, with_verdict_in_force
from ..views_field import tablet_actions

TABLET_ROLES = (Role.TECHNICIAN, Role.SUPERVISOR)
S = WorkOrderStatus
# The on-site steps a tablet may take, with the button's words; each from the statuses the transitions table
# lets move to it.
STEPS = {
    to: (transitions_into(to), label)
    for to, label in (
        (S.ACCEPTED, gettext_lazy("Accept")),
        (S.EN_ROUTE, gettext_lazy("Set off")),
        (S.ON_SITE, gettext_lazy("Arrived")),
        (S.IN_REPAIR, gettext_lazy("Start repair")),
    )
}
# What the tablet says once a step is taken: a sentence of its own (the status's name alone read as the service
# mode's — "On site" is both).
STEP_DONE = {
    S.ACCEPTED: gettext_lazy("Work order %(number)s accepted."),
    S.EN_ROUTE: gettext_lazy("Set off at %(time)s for work order %(number)s."),
    S.ON_SITE: gettext_lazy(
        "Arrived at the customer's at %(time)s. Record the fault you find, then start the repair."
    ),
    S.IN_REPAIR: gettext_lazy("Repair started at %(time)s."),
}
del S
ARRIVE_BEFORE = dt.timedelta(minutes=10)  # the service standard: arrive 5–10 minutes before the appointment
LATE_MANAGER_VISIT = dt.timedelta(minutes=15)


def _order(request, pk) -> WorkOrder:
    scope, _tech, _centers = tablet_scope(request.user)
    return get_object_or_404(
        with_verdict_in_force(scope).select_related(
            "call__customer",
            "call__unit__model__category",
            "call__symptom",
            "call__warranty_decision",
            "call__service_region__parent__parent",
            "center",
            "technician",
            "diagnosis_fault",
            "diagnosis_cause",
        ),
        pk=pk,
    )


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@role_required(*TABLET_ROLES)
def my_orders(request):
    """Today: my work orders by appointment; tomorrow's and the overdue ones one tap away."""
    view = request.GET.get("view", "today")
    if view not in TABLET_VIEWS:
        view = "today"
    now = timezone.now()
    page = parse_int(request.GET.get("page"), default=1, low=1, high=1000)
    orders, counts = tablet_orders(user=request.user, view=view, now=now, page=min(page, 1000))
    more = len(orders) > TABLET_PAGE
    technician = getattr(request.user, "technician", None)
    return render(
        request,
        "repairs/tablet/my_orders.html",
        {
            "orders": orders[:TABLET_PAGE],
            "counts": counts,
            "view": view,
            "page": page,
            "next_page": page + 1 if more else None,
            "previous_page": page - 1 if page > 1 else None,
            "now": now,
            "technician": technician,
            "late_before": now + ARRIVE_BEFORE,
        },
    )


def _lateness(order: WorkOrder, now) -> dict | None:
    """The late warning before arrival: none while the appointment can be met."""
    if order.status not in BEFORE_VISIT | {WorkOrderStatus.EN_ROUTE} or not order.appointment_start:
        return None
    if now + ARRIVE_BEFORE < order.appointment_start:
        return None
    late = now - order.appointment_start
    minutes = max(int(late.total_seconds() // 60), 0)
    return {"minutes": minutes, "late": late > dt.timedelta(0), "manager": late > LATE_MANAGER_VISIT}


@role_required(*TABLET_ROLES)
def order_detail(request, pk):
    return _order_page(request, _order(request, pk))


def _order_page(request, order: WorkOrder, *, diagnosis_errors=None, status: int = 200):
    now = timezone.now()
    steps = [
        {"to": to, "label": label}
        for to, (sources, label) in STEPS.items()
        if order.status in sources
        and not (
            to == WorkOrderStatus.IN_REPAIR
            and order.status == WorkOrderStatus.ACCEPTED
            and order.mode == "on_site"
        )
    ]
    closing = (
        getattr(order, "closing", None)
        if order.status in (WorkOrderStatus.COMPLETED, WorkOrderStatus.CLOSED)
        else None
    )
    carry_in = getattr(order, "carry_in", None)
    loaners = []
    if order.can_take_in and carry_in is None and order.center_id:
        loaners = list(
            LoanerUnit.objects.filter(
                center_id=order.center_id, status="available", category_id=order.call.unit.model.category_id
            ).order_by("serial_number")[:20]
        )
    can_diagnose = order.status in closing_services.DIAGNOSABLE_STATUSES
    codes = (
        FaultCode.objects.filter(category_id=order.call.unit.model.category_id, active=True).order_by(
            "kind", "sort_order"
        )
        if can_diagnose
        else []
    )
    if diagnosis_errors is not None:  # a refused diagnosis: the form again with what was typed
        diagnosis = {
            "fault": request.POST.get("diagnosis_fault", ""),
            "cause": request.POST.get("diagnosis_cause", ""),
            "note": request.POST.get("diagnosis_note", "")[:500],
        }
    else:
        diagnosis = {
            "fault": str(order.diagnosis_fault_id or ""),
            "cause": str(order.diagnosis_cause_id or ""),
            "note": order.diagnosis_note,
        }
    return render(
        request,
        "repairs/tablet/order.html",
        {
            "order": order,
            "can_diagnose": can_diagnose,
            # Just arrived (or the form sent back): the fault found is the next thing to record, above the
            # steps; later it is a card below them.
            "diagnosis_first": can_diagnose
            and (
                diagnosis_errors is not None
                or (order.status == WorkOrderStatus.ON_SITE and order.diagnosed_at is None)
            ),
            "diagnosis": diagnosis,
            "diagnosis_errors": diagnosis_errors or {},
            "diagnosis_faults": [c for c in codes if c.kind == FaultCodeKind.FAULT],
            "diagnosis_causes": [c for c in codes if c.kind == FaultCodeKind.CAUSE],
            "call": order.call,
            "steps": steps,
            "late": _lateness(order, now),
            "closing": closing,
            "photos": list(order.photos.all()) if closing else [],
            "parts_used": _parts_used(order) if closing else [],
            "events": list(order.events.select_related("actor").order_by("at", "pk")),
            "can_close": order.status in closing_services.CLOSABLE_STATUSES,
            "can_contact": order.first_contact_at is None
            and order.status in (WorkOrderStatus.DISPATCHED, WorkOrderStatus.ACCEPTED),
            "can_need_parts": order.status
            in (WorkOrderStatus.ON_SITE, WorkOrderStatus.IN_REPAIR, WorkOrderStatus.WAITING_FOR_PARTS),
            "can_carry_in": order.can_take_in and carry_in is None,
            "carry_in": carry_in,
            "loaners": loaners,
            "field": tablet_actions(request.user, order),
            "paid": paid.tablet_view(order),
        },
        status=status,
    )


@require_POST
@role_required(*TABLET_ROLES)
def order_diagnosis(request, pk):
    """检测: the fault found (and its cause, a note) recorded after arrival; the closing form starts from it."""
    order = _order(request, pk)
    codes = {
        str(c.pk): c
        for c in FaultCode.objects.filter(category_id=order.call.unit.model.category_id, active=True)
    }
    fault_id, cause_id = (parse_id(request.POST.get(f"diagnosis_{k}", "")) for k in ("fault", "cause"))
    errors: dict[str, list[str]] = {}
    if fault_id is not None and str(fault_id) not in codes:
        errors["diagnosis_fault"] = [_("Choose the fault from the list.")]
    if cause_id is not None and str(cause_id) not in codes:
        errors["diagnosis_cause"] = [_("Choose the cause from the list.")]
    if not errors:
        try:
            closing_services.work_order_diagnose(
                work_order=order,
                fault_code=codes.get(str(fault_id)),
                cause=codes.get(str(cause_id)),
                note=request.POST.get("diagnosis_note", "")[:600],
                acting_user=request.user,
            )
        except ValidationError as exc:
            errors = dict(exc.message_dict) if hasattr(exc, "error_dict") else {"status": exc.messages}
        else:
            messages.success(
                request,
                _("Fault found recorded for %(number)s: the closing form starts from it.")
                % {"number": order.number},
            )
            return redirect("repairs:tablet_order", pk=order.pk)
    if "status" in errors:  # the order moved on meanwhile: the page as it is now
        for message in errors["status"]:
            messages.error(request, message)
        return redirect("repairs:tablet_order", pk=order.pk)
    return _order_page(request, order, diagnosis_errors=errors, status=400)


def _parts_used(order: WorkOrder):

    rows = (
        StockMovement.objects.filter(work_order=order, kind__in=[MovementKind.ISSUE, MovementKind.RETURN])
        .values("part__code", "part__name")
        .annotate(quantity=Sum("quantity"))
        .order_by("part__code")
    )
    return [{**r, "quantity": -r["quantity"]} for r in rows if r["quantity"]]


@require_POST
@role_required(*TABLET_ROLES)
def order_step(request, pk):
    order = _order(request, pk)
    to = request.POST.get("to", "")
    if to not in STEPS or order.status not in STEPS[to][0]:
        messages.error(
            request, _("That step does not fit the work order's status any more: the page is refreshed.")
        )
        return redirect("repairs:tablet_order", pk=order.pk)
    try:
        moved = services.work_order_transition(
            work_order=order, to_status=to, acting_user=request.user, note=request.POST.get("note", "")[:500]
        )
        messages.success(
            request,
            STEP_DONE[to]
            % {"number": order.number, "time": f"{timezone.localtime(moved.status_changed_at):%H:%M}"},
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("repairs:tablet_order", pk=order.pk)


@require_POST
@role_required(*TABLET_ROLES)
def order_contact(request, pk):
    """已联系客户: the appointment confirmed with the customer by phone (the SLA's first contact)."""
    order = _order(request, pk)
    try:
        services.work_order_contact_record(work_order=order, acting_user=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("%(number)s: customer contacted.") % {"number": order.number})
    return redirect("repairs:tablet_order", pk=order.pk)
