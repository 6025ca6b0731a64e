"""The technician's tablet: today's work orders, the on-site steps, asking for parts, the closing.

Server-rendered and light (no front-end framework): static/js/tablet.js adds the signature pad, photo
shrinking, the draft kept on the device and the resubmission when the connection comes back. Everything
works as a plain form too. Scope: a technician their own orders, a supervisor their centres' (others 404).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import mimetypes
import uuid
from itertools import zip_longest

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from aftersales.parsing import parse_id, parse_int
from aftersales.roles import Role, role_required
from inventory.choices import MovementKind, WarehouseKind
from inventory.models import Part, StockLevel, StockMovement

from . import closing as closing_services
from . import paid, services
from .choices import (
    BEFORE_VISIT,
    ClosingChannel,
    FaultCodeKind,
    PaymentMethod,
    PhotoKind,
    Resolution,
    Satisfaction,
    ServiceType,
    WorkOrderStatus,
    transitions_into,
)
from .models import FaultCode, LoanerUnit, WorkOrder, WorkOrderPhoto
from .selectors import TABLET_PAGE, TABLET_VIEWS, tablet_orders, tablet_scope, with_verdict_in_force
from .views_field import tablet_actions

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
    if order.status in services.CARRY_IN_FROM and carry_in is None and order.center_id:
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
            "can_carry_in": order.status in services.CARRY_IN_FROM and carry_in is None,
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


def _center_stock(order: WorkOrder) -> dict:
    """The parts on hand in the order's centre, for the closing's pickers (code, name, on hand, serials), in
    three groups: those listed for the unit's model (or for its whole category), the category's others (a
    reason is asked for them), and other categories' parts — a centre stocks phones' screens and washing
    machines' pumps alike, and the last group stays behind "show all"."""
    groups: dict = {"fitting": [], "category": [], "other": []}
    if not order.center_id:
        return groups
    model = order.call.unit.model
    fitting = set(Part.objects.compatible_with(model).values_list("pk", flat=True))
    levels = (
        StockLevel.objects.filter(
            warehouse__center_id=order.center_id,
            warehouse__kind=WarehouseKind.CENTER,
            quantity__gt=0,
            part__active=True,
        )
        .select_related("part")
        .only(
            "quantity",
            "part__code",
            "part__name",
            "part__category_id",
            "part__serialized",
            "part__return_required",
        )
        .order_by("part__code")
    )
    for level in levels:
        if level.part_id in fitting:
            groups["fitting"].append(level)
        elif level.part.category_id == model.category_id:
            groups["category"].append(level)
        else:
            groups["other"].append(level)
    return groups


@role_required(*TABLET_ROLES)
def order_need_parts(request, pk):
    """需要备件: asks the central warehouse for parts for this order; the order then waits for them."""
    order = _order(request, pk)
    errors: list[str] = []
    if request.method == "POST":
        lines = []
        ids, quantities = request.POST.getlist("part"), request.POST.getlist("quantity")
        for part_id, quantity in zip_longest(ids, quantities, fillvalue=""):
            if not part_id:
                continue
            part = Part.objects.filter(pk=parse_id(part_id), active=True).first()
            q = parse_int(quantity, default=0)
            if part is None:
                errors.append(_("Choose a part from the list."))
            elif not 1 <= q <= 1000:
                errors.append(
                    _("%(part)s: the quantity must be a whole number from 1 to 1000.") % {"part": part}
                )
            else:
                lines.append((part, q))
        if not lines and not errors:
            errors.append(_("Add at least one part."))
        if not errors:
            try:
                request_ = closing_services.work_order_need_parts(
                    work_order=order,
                    lines=lines,
                    acting_user=request.user,
                    note=request.POST.get("note", "")[:300],
                )
            except ValidationError as exc:
                errors.extend(exc.messages)
            else:
                messages.success(
                    request,
                    _("Part request %(number)s sent: %(status)s.")
                    % {"number": request_.number, "status": request_.get_status_display()},
                )
                return redirect("repairs:tablet_order", pk=order.pk)
    compatible = Part.objects.compatible_with(order.call.unit.model).filter(active=True).order_by("code")
    return render(
        request,
        "repairs/tablet/need_parts.html",
        {
            "order": order,
            "parts": list(compatible.only("code", "name")[:300]),
            "errors": errors,
            "preselect": request.GET.get("part", ""),
        },
    )


@require_POST
@role_required(*TABLET_ROLES)
def order_carry_in(request, pk):
    """转为送修: the product goes to the workshop with a carry-in receipt; a loaner when chosen."""
    order = _order(request, pk)
    loaner = None
    if request.POST.get("loaner", "").strip():
        loaner = LoanerUnit.objects.filter(
            pk=parse_id(request.POST["loaner"]), center_id=order.center_id
        ).first()
        if loaner is None:
            messages.error(request, _("Choose one of your centre's loaners from the list."))
            return redirect("repairs:tablet_order", pk=order.pk)
    try:
        with transaction.atomic():  # the receipt and the loan together, or neither
            carry_in = services.carry_in_receive(
                work_order=order,
                acting_user=request.user,
                condition_note=request.POST.get("condition_note", "")[:300],
            )
            if loaner is not None:
                services.loaner_lend(work_order=order, loaner=loaner, acting_user=request.user)
        messages.success(
            request, _("Carry-in receipt %(number)s issued.") % {"number": carry_in.receipt_number}
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("repairs:tablet_order", pk=order.pk)


@require_POST
@role_required(*TABLET_ROLES, Role.DISPATCHER, Role.MANAGER)
def order_code_resend(request, pk):
    office = request.POST.get("office") == "1"
    order = (
        get_object_or_404(WorkOrder.objects.for_user(request.user), pk=pk) if office else _order(request, pk)
    )
    try:
        sent = closing_services.confirmation_code_resend_request(work_order=order, acting_user=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        if sent:
            messages.success(request, _("A new confirmation code is on its way to the customer's mobile."))
        else:
            messages.error(
                request,
                _("No code can be sent: the caller gave no mobile number, or the order is no longer open."),
            )
    return redirect("repairs:office_close" if office else "repairs:tablet_close", pk=order.pk)


def _part_rows(request) -> list[dict]:
    """The part lines of a closing sent back with errors, as typed (a plain form keeps its picks)."""
    post = request.POST
    rows = zip_longest(
        post.getlist("part")[:50],
        post.getlist("part_quantity")[:50],
        post.getlist("serial_number")[:50],
        post.getlist("old_serial")[:50],
        post.getlist("part_reason")[:50],
        fillvalue="",
    )
    return [
        {
            "part": str(parse_id(part) or ""),
            "quantity": quantity[:10],
            "serial_number": serial[:40],
            "old_serial": old_serial[:40],
            "part_reason": reason[:200],
        }
        for part, quantity, serial, old_serial, reason in rows
        if part or serial or old_serial or reason
    ]


def _signature_bytes(request) -> bytes | None:
    upload = request.FILES.get("signature")
    if upload is not None:
        return upload.read(2 * 1024 * 1024 + 1)
    data = request.POST.get("signature_data", "")
    if data.startswith("data:image/png;base64,"):
        try:
            return base64.b64decode(data.split(",", 1)[1], validate=True)
        except (binascii.Error, ValueError):
            return b"not a png"
    return None


def _closing_input(
    request, order: WorkOrder, *, channel: str = ClosingChannel.TABLET, declined: bool = False
) -> tuple[closing_services.ClosingInput | None, dict]:
    post = request.POST
    errors: dict[str, list[str]] = {}
    codes = {str(c.pk): c for c in FaultCode.objects.filter(category_id=order.call.unit.model.category_id)}
    parts = []
    rows = zip_longest(
        post.getlist("part"),
        post.getlist("part_quantity"),
        post.getlist("serial_number"),
        post.getlist("old_serial"),
        post.getlist("part_reason"),
        fillvalue="",
    )
    part_ids = [i for i in (parse_id(p) for p in post.getlist("part")) if i is not None]
    known = {str(p.pk): p for p in Part.objects.filter(pk__in=part_ids)}
    for part_id, quantity, serial, old_serial, reason in rows:
        if not part_id:
            continue
        part = known.get(str(parse_id(part_id)))
        q = parse_int(quantity, default=0, low=0, high=100_000)
        if part is None:
            errors.setdefault("parts", []).append(_("Choose a part from your centre's stock."))
            continue
        parts.append(closing_services.PartUse(part, q, serial[:40], old_serial[:40], reason[:200]))
    photos = [
        closing_services.PhotoUpload(kind, f)
        for kind in PhotoKind.values
        for f in request.FILES.getlist(f"photos_{kind}")
    ]
    data = closing_services.ClosingInput(
        client_id=post.get("client_id", ""),
        fault_code=codes.get(post.get("fault_code", "")),
        cause=codes.get(post.get("cause", "")),
        resolution=Resolution.DECLINED if declined else post.get("resolution", ""),
        resolution_note=post.get("resolution_note", "")[:600],
        labour_minutes=post.get("labour_minutes", ""),
        parts=parts,
        photos=photos,
        collected_amount=post.get("collected_amount", ""),
        payment_method=post.get("payment_method", ""),
        payment_reference=post.get("payment_reference", "")[:100],
        pay_later=post.get("pay_later") == "1",
        receivable_note=post.get("receivable_note", "")[:300],
        signature_png=_signature_bytes(request),
        confirmation_code=post.get("confirmation_code", "")[:20],
        satisfaction=post.get("satisfaction", ""),
        travel_km=post.get("travel_km", "")[:10],
        proof_exception_reason=post.get("proof_exception_reason", "")[:600],
        channel=channel,
    )
    return data, errors


@role_required(*TABLET_ROLES)
def order_close(request, pk):
    """完工 on the tablet: the closing form. A JSON answer for the tablet's script (it keeps the draft until a
    success), a page for a plain form post."""
    return _closing_page(request, _order(request, pk), channel=ClosingChannel.TABLET)


@role_required(Role.DISPATCHER, Role.SUPERVISOR, Role.MANAGER)
def office_close(request, pk):
    """完工登记 in the office: the same closing record for work not closed on a tablet — a carry-in repair
    finished in the workshop and handed over at the counter, a job whose technician had no tablet. The
    customer's proof is their signature (drawn, or the signed voucher photographed) or the code they were
    sent; failing both, the centre's supervisor or a manager records the reason, and the work is not paid
    until a manager clears it."""
    order = get_object_or_404(
        WorkOrder.objects.for_user(request.user).select_related(
            "call__customer",
            "call__unit__model__category",
            "center",
            "technician",
            "diagnosis_fault",
            "diagnosis_cause",
        ),
        pk=pk,
    )
    return _closing_page(request, order, channel=ClosingChannel.OFFICE)


def _closing_page(request, order: WorkOrder, *, channel: str, declined: bool = False):
    """The closing form; `declined`: the paid order the customer declined (repairs.views_paid), closed with the
    call-out fee only and nothing repaired."""
    office = channel == ClosingChannel.OFFICE
    back = (
        reverse("repairs:call_detail", args=[order.call_id]) + f"#wo-{order.pk}"
        if office
        else reverse("repairs:tablet_order", args=[order.pk])
    )
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        data, errors = _closing_input(request, order, channel=channel, declined=declined)
        if not errors:
            try:
                closing, replayed = closing_services.work_order_close(
                    work_order=order, data=data, acting_user=request.user
                )
            except ValidationError as exc:
                # Answered here, not raised: a wrong confirmation code stays counted (the request's
                # transaction commits).
                errors = dict(exc.message_dict) if hasattr(exc, "error_dict") else {"general": exc.messages}
                if "__all__" in errors:
                    errors["general"] = errors.pop("__all__")
            else:
                if not replayed:
                    messages.success(request, _("Work order %(number)s closed.") % {"number": order.number})
                if _wants_json(request):
                    return JsonResponse({"ok": True, "redirect": back, "replayed": replayed})
                return redirect(back)
        if _wants_json(request):
            return JsonResponse({"ok": False, "errors": errors}, status=400)
    elif not paid.may_decline(order) if declined else order.status not in closing_services.CLOSABLE_STATUSES:
        if office:
            messages.error(
                request,
                _("Work order %(number)s is “%(status)s”: only a job in repair is closed.")
                % {"number": order.number, "status": order.get_status_display()},
            )
        return redirect(back)
    codes = FaultCode.objects.filter(category_id=order.call.unit.model.category_id, active=True).order_by(
        "kind", "sort_order"
    )
    post = request.POST if request.method == "POST" else {}
    if not post and order.diagnosed_at:  # the form starts from what was found on arrival
        post = {
            "fault_code": str(order.diagnosis_fault_id or ""),
            "cause": str(order.diagnosis_cause_id or ""),
        }
    stock = _center_stock(order)
    part_rows = _part_rows(request) if request.method == "POST" else []
    part_rows += [{"quantity": "1"}] * max(2 - len(part_rows), 0)
    picked = {row.get("part") for row in part_rows}
    return render(
        request,
        "repairs/tablet/close.html",
        {
            "order": order,
            "call": order.call,
            "office": office,
            "back": back,
            "faults": [c for c in codes if c.kind == FaultCodeKind.FAULT],
            "causes": [c for c in codes if c.kind == FaultCodeKind.CAUSE],
            "resolutions": Resolution.choices,
            "payment_methods": PaymentMethod.choices,
            "satisfactions": Satisfaction.choices,
            "stock": stock,
            "has_stock": any(stock.values()),
            "part_rows": part_rows,
            # A plain form sent back with errors shows every group when a part was picked from the hidden one.
            "show_all": any(str(level.part_id) in picked for level in stock["other"]),
            "category_name": order.call.unit.model.category.local_name,
            "paid": order.call.service_type == ServiceType.PAID,
            "declined": declined,
            "amount_due": paid.amount_due(
                order=order, resolution=Resolution.DECLINED if declined else Resolution.REPAIRED
            ),
            "call_out_fee": paid.call_out_fee(order=order),
            "client_id": request.POST.get("client_id") or uuid.uuid4(),
            "errors": errors,
            "post": post,
            "photo_max_mb": settings.WORK_ORDER_PHOTO_MAX_BYTES // 1024 // 1024,
            "may_record_exception": closing_services.may_record_proof_exception(request.user, order),
            # Read now: a wrong code just typed may have locked it.
            "code_locked": WorkOrder.objects.filter(
                pk=order.pk, confirmation_failures__gte=closing_services.CONFIRMATION_MAX_FAILURES
            ).exists(),
        },
        status=400 if errors else 200,
    )


def _file_response(field):
    try:
        handle = field.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    content_type, _encoding = mimetypes.guess_type(field.name)
    response = FileResponse(
        handle,
        content_type=content_type
        if (content_type or "").startswith("image/")
        else "application/octet-stream",
    )
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'"
    return response


@role_required(*TABLET_ROLES, Role.DISPATCHER, Role.MANAGER)
def order_signature(request, pk):
    """The customer's signature, only to those who may see the work order (never a public media URL)."""
    order = get_object_or_404(WorkOrder.objects.for_user(request.user).select_related("closing"), pk=pk)
    closing = getattr(order, "closing", None)
    if closing is None or not closing.signature:
        raise Http404
    return _file_response(closing.signature)


@role_required(*TABLET_ROLES, Role.DISPATCHER, Role.MANAGER)
def order_photo(request, pk):
    photo = get_object_or_404(
        WorkOrderPhoto.objects.filter(work_order__in=WorkOrder.objects.for_user(request.user).values("pk")),
        pk=pk,
    )
    return _file_response(photo.image)
