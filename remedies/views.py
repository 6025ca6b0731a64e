"""The remedy requests' pages: the list and the manager's approval queue, opening a request on a 三包
decision (documents checked), the request with its steps (approve, reject, exchange, refund, cancel) and
the exchange certificate (换货证明) as PDF.

Scope: dispatchers and managers see every request; a centre's supervisor those about its work or charged
to it (others answer 404). Every write calls remedies.services; a refused one keeps what was typed and says
why in Chinese."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.paging import page_window
from aftersales.parsing import parse_id
from aftersales.roles import Role, has_role, role_required
from aftersales.web_errors import error_dict, flash_errors
from inventory.models import Warehouse
from repairs.models import ProductUnit, WorkOrder
from repairs.services import unit_repair_history
from warranty.models import WarrantyDecision
from warranty.rules import FactsError
from warranty.services import decision_as_dict, unit_facts, warranty_decision_record, warranty_evaluate

from . import services
from .choices import Basis, ChecklistKind, RefundMethod, RemedyKind, RemedyStatus
from .models import RemedyRequest
from .pdf import certificate_pdf

OFFICE = (Role.DISPATCHER, Role.SUPERVISOR, Role.MANAGER)
VIEWS = ("queue", "open", "done", "all")


def _scope(user):
    return RemedyRequest.objects.for_user(user)


@role_required(*OFFICE)
def request_list(request):
    """The manager's approval queue (oldest due first) and every request in scope, filtered."""
    view = request.GET.get("view") or ("queue" if has_role(request.user, Role.MANAGER) else "open")
    if view not in VIEWS:
        view = "all"
    rows = _scope(request.user).select_related("unit__model", "unit__owner", "charged_center", "dealer")
    counts = {"queue": rows.filter(status=RemedyStatus.AWAITING_APPROVAL).count()}
    if view == "queue":
        rows = rows.filter(status=RemedyStatus.AWAITING_APPROVAL).order_by("approval_due_at", "pk")
    elif view == "open":
        rows = rows.open().order_by("-opened_at", "-pk")
    elif view == "done":
        rows = rows.filter(status=RemedyStatus.DONE).order_by("-done_at", "-pk")
    else:
        rows = rows.order_by("-opened_at", "-pk")
    remedy = request.GET.get("remedy", "")
    if remedy in RemedyKind.values:
        rows = rows.filter(remedy=remedy)
    basis = request.GET.get("basis", "")
    if basis in Basis.values:
        rows = rows.filter(basis=basis)
    q = (request.GET.get("q") or "").strip().replace("\x00", "")[:40]
    if q:
        rows = rows.filter(Q(number=q) | Q(unit__serial_number=q) | Q(unit__imei=q))
    context = page_window(request, rows)
    context.update(
        {
            "view": view,
            "views": VIEWS,
            "counts": counts,
            "remedy": remedy,
            "remedies": RemedyKind.choices,
            "basis": basis,
            "bases": Basis.choices,
            "q": q,
            "now": timezone.now(),
        }
    )
    return render(request, "remedies/list.html", context)


def _decision_for(request):
    """The stored decision (?decision=) or today's position of a unit (?unit=), in the user's scope; None
    when neither is asked for (the page then asks for the unit's serial number or IMEI)."""
    if not any(request.GET.get(k) or request.POST.get(k) for k in ("decision", "unit")):
        return None
    decision_id = parse_id(request.GET.get("decision") or request.POST.get("decision"))
    if decision_id:
        stored = get_object_or_404(
            WarrantyDecision.objects.for_user(request.user).select_related(
                "unit__model__category", "unit__owner"
            ),
            pk=decision_id,
        )
        return stored.unit, stored, stored.result
    unit = get_object_or_404(
        ProductUnit.objects.for_user(request.user).select_related("model__category", "owner", "dealer"),
        pk=parse_id(request.GET.get("unit") or request.POST.get("unit"), default=0),
    )
    facts = unit_facts(
        unit=unit, report_date=timezone.localdate(), repairs=unit_repair_history(unit=unit, symptom=None)
    )
    try:
        decision, _policy = warranty_evaluate(facts=facts)
    except FactsError:  # facts the engine cannot decide on: the page says so
        return unit, None, None
    return unit, None, decision_as_dict(decision) | {"facts": facts}


@role_required(*OFFICE)
def request_new(request):
    """Opens the customer's request: the remedy chosen, the documents ticked, and — for a supervisor or a
    manager — missing documents accepted with a reason."""
    found = _decision_for(request)
    if found is None:
        serial = (request.GET.get("serial") or "").strip().replace("\x00", "")[:40]
        unit = None
        if serial:
            unit = (
                ProductUnit.objects.for_user(request.user)
                .filter(Q(serial_number=serial) | Q(imei=serial))
                .values_list("pk", flat=True)
                .first()
            )
            if unit is not None:
                return redirect(f"{request.path}?unit={unit}")
        return render(request, "remedies/find_unit.html", {"serial": serial, "not_found": bool(serial)})
    unit, stored, result = found
    checklists = {kind: services.checklist(unit.model.category_id, kind) for kind in RemedyKind.values}
    orders = (
        WorkOrder.objects.filter(call__unit=unit, center__isnull=False)
        .select_related("center")
        .order_by("-created_at")[:20]
    )
    form = {"remedy": "", "documents": [], "override_reason": "", "customer_note": "", "work_order": ""}
    errors: dict[str, list[str]] = {}
    if request.method == "POST" and result is not None:
        remedy = request.POST.get("remedy", "")
        form = {
            "remedy": remedy,
            "documents": request.POST.getlist(f"documents_{remedy}") if remedy in RemedyKind.values else [],
            "override_reason": request.POST.get("override_reason", ""),
            "customer_note": request.POST.get("customer_note", ""),
            "work_order": request.POST.get("work_order", ""),
        }
        order = None
        if form["work_order"]:
            order = next((o for o in orders if str(o.pk) == form["work_order"]), None)
            if order is None:
                errors["work_order"] = [_("Choose one of the unit's work orders.")]
        if not errors:
            try:
                if stored is None:
                    stored = warranty_decision_record(
                        unit=unit, facts=result["facts"], acting_user=request.user
                    )
                row = services.remedy_request_open(
                    decision=stored,
                    remedy=remedy,
                    documents=form["documents"],
                    override_reason=form["override_reason"],
                    customer_note=form["customer_note"],
                    work_order=order,
                    acting_user=request.user,
                )
            except ValidationError as exc:
                errors = error_dict(exc, rest="form")
            else:
                messages.success(
                    request,
                    _("Remedy request %(number)s opened: %(status)s.")
                    % {"number": row.number, "status": row.get_status_display()},
                )
                return redirect("remedies:detail", row.pk)
    return render(
        request,
        "remedies/new.html",
        {
            "unit": unit,
            "stored": stored,
            "result": result,
            "checklists": checklists,
            "orders": orders,
            "form": form,
            "errors": errors,
            "may_override": has_role(request.user, Role.SUPERVISOR, Role.MANAGER),
            "remedies": RemedyKind.choices,
        },
        status=400 if errors else 200,
    )


def _request(request, pk) -> RemedyRequest:
    return get_object_or_404(
        _scope(request.user).select_related(
            "unit__model__category",
            "unit__owner",
            "unit__dealer",
            "decision",
            "work_order__center",
            "charged_center",
            "dealer",
            "replacement",
            "source_warehouse",
            "opened_by",
            "decided_by",
        ),
        pk=pk,
    )


@role_required(*OFFICE)
def request_detail(request, pk):
    row = _request(request, pk)
    is_manager = has_role(request.user, Role.MANAGER)
    warehouses = Warehouse.objects.filter(active=True, kind__in=["central", "center", "dealer"]).order_by(
        "kind", "code"
    )
    context = {
        "row": row,
        "events": row.events.select_related("actor"),
        "refund": getattr(row, "refund", None),
        "credits": row.credits.all(),
        "refurbishments": row.refurbishments.all(),
        "documents": [
            (i, i.code in row.documents)
            for i in services.checklist(row.unit.model.category_id, ChecklistKind(row.remedy))
        ],
        "may_decide": is_manager
        and row.status == RemedyStatus.AWAITING_APPROVAL
        and row.opened_by_id != request.user.pk,
        "own_request": row.opened_by_id == request.user.pk,
        "may_exchange": row.remedy == RemedyKind.EXCHANGE
        and row.status in (RemedyStatus.APPROVED, RemedyStatus.WAITING_STOCK),
        "may_refund": row.remedy == RemedyKind.RETURN and row.status == RemedyStatus.APPROVED,
        "may_cancel": row.is_open,
        "warehouses": warehouses,
        "default_warehouse": services.default_warehouse(row) if row.is_open else None,
        "methods": RefundMethod.choices,
        "now": timezone.now(),
    }
    if context["may_refund"]:
        try:
            context["price"], context["due"] = services.refund_due(row, timezone.localdate())
        except ValidationError as exc:
            context["due_problem"] = " ".join(exc.messages)
    return render(request, "remedies/detail.html", context)


def _act(request, pk, action) -> HttpResponse:
    row = _request(request, pk)
    try:
        message = action(row)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, message)
    return redirect("remedies:detail", row.pk)


@require_POST
@role_required(Role.MANAGER)
def request_approve(request, pk):
    def run(row):
        services.remedy_request_approve(
            request=row, note=request.POST.get("note", ""), acting_user=request.user
        )
        return _("Approved.")

    return _act(request, pk, run)


@require_POST
@role_required(Role.MANAGER)
def request_reject(request, pk):
    def run(row):
        services.remedy_request_reject(
            request=row, reason=request.POST.get("reason", ""), acting_user=request.user
        )
        return _("Rejected; the customer is told by SMS.")

    return _act(request, pk, run)


@require_POST
@role_required(*OFFICE)
def request_cancel(request, pk):
    def run(row):
        services.remedy_request_cancel(
            request=row, reason=request.POST.get("reason", ""), acting_user=request.user
        )
        return _("Cancelled.")

    return _act(request, pk, run)


@require_POST
@role_required(*OFFICE)
def request_exchange(request, pk):
    def run(row):
        warehouse = None
        if request.POST.get("warehouse"):
            warehouse = Warehouse.objects.filter(
                pk=parse_id(request.POST.get("warehouse"), default=0)
            ).first()
            if warehouse is None:
                raise ValidationError(_("Choose a warehouse."))
        done = services.remedy_exchange(
            request=row,
            warehouse=warehouse,
            serial_number=(request.POST.get("serial_number") or "").strip()[:40],
            acting_user=request.user,
        )
        if done.status == RemedyStatus.WAITING_STOCK:
            return _("No unit in stock there: the request waits for a replacement.")
        return _("Exchanged: the new unit is registered to the customer.")

    return _act(request, pk, run)


@require_POST
@role_required(*OFFICE)
def request_refund(request, pk):
    def run(row):
        services.remedy_refund(
            request=row,
            amount=request.POST.get("amount", ""),
            method=request.POST.get("method", ""),
            reference=request.POST.get("reference", ""),
            acting_user=request.user,
        )
        return _("Refund recorded; the unit goes to the returned-goods store.")

    return _act(request, pk, run)


@role_required(*OFFICE)
def certificate(request, pk):
    """The exchange certificate (换货证明) for the customer and the dealer."""
    row = _request(request, pk)
    if row.replacement_id is None:
        messages.error(request, _("There is no exchange certificate before the exchange is done."))
        return redirect("remedies:detail", row.pk)
    response = HttpResponse(certificate_pdf(row), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{row.number}.pdf"'
    return response
