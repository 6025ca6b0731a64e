"""The pages of part requests (备件申请) and defective-part returns (旧件返还): lists, a request form, a page
per request and per tag with the actions the viewer may take, and the scoped view that serves the photos.

Every write goes through inventory.services; objects outside the viewer's scope answer 404."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.images import private_image_response
from aftersales.paging import page_window
from aftersales.roles import Role, has_role, role_required, supervises
from aftersales.web_errors import add_service_errors

from . import services
from .choices import OWED_RETURN_STATUSES, DefectiveReturnStatus, PartRequestStatus, WarehouseKind
from .forms_flow import (
    DefectiveReturnFilterSet,
    InspectForm,
    PartRequestFilterSet,
    PartRequestForm,
    ScrapRequestForm,
    ShipReturnForm,
    active_parts,
)
from .models import (
    DefectiveReturn,
    DefectiveReturnPhoto,
    InventorySettings,
    PartRequest,
    PartRequestLine,
    StockLevel,
)

FLOW_ROLES = (Role.SUPERVISOR, Role.MANAGER)
SUMMARY_LINES = 3


# Shared ---------------------------------------------------------------------------------------------------


def _flash(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


_supervises = supervises


# Part requests ------------------------------------------------------------------------------------------------


@role_required(*FLOW_ROLES)
def part_requests(request):
    """Part requests: a manager's queue (awaiting a decision, then approved and waiting to be shipped) or any
    status, centre and month; a supervisor sees their centres' requests."""
    is_manager = has_role(request.user, Role.MANAGER)
    rows = (
        PartRequest.objects.for_user(request.user)
        .select_related("center")
        .prefetch_related(
            Prefetch("lines", queryset=PartRequestLine.objects.select_related("part").order_by("id"))
        )
    )
    filterset = PartRequestFilterSet(
        request.GET or None, queryset=rows, user=request.user, queue_by_default=is_manager
    )
    context = page_window(request, filterset.qs)
    for row in context["rows"]:
        lines = list(row.lines.all())
        row.line_summary = lines[:SUMMARY_LINES]
        row.more_lines = max(0, len(lines) - SUMMARY_LINES)
    context.update(
        {
            "filterset": filterset,
            "is_manager": is_manager,
            "can_request": has_role(request.user, Role.SUPERVISOR),
            "several_centers": is_manager or len(filterset.form.fields["center"].queryset) > 1,
        }
    )
    return render(request, "inventory/flow/requests.html", context)


@role_required(Role.SUPERVISOR)
def part_request_new(request):
    """A supervisor asks the central warehouse for parts for their centre."""
    form = PartRequestForm(request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            part_request = services.part_request_submit(
                center=data["center"],
                lines=data["lines"],
                work_order=data["work_order"],
                note=data["note"],
                acting_user=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if part_request.status == PartRequestStatus.APPROVED:
                messages.success(
                    request,
                    _(
                        "Request %(number)s was approved automatically (within the limits and the parts "
                        "credit); the central warehouse will ship it."
                    )
                    % {"number": part_request.number},
                )
            else:
                messages.success(
                    request,
                    _("Request %(number)s waits for a manager's decision: %(reason)s")
                    % {"number": part_request.number, "reason": part_request.approval_reason},
                )
            return redirect("inventory:request_detail", pk=part_request.pk)
    positions = [{"center": center, **services.credit_position(center=center)} for center in form.centers]
    for position in positions:
        position["headroom"] = position["limit"] - position["used"] - position["committed"]
    return render(
        request,
        "inventory/flow/request_new.html",
        {
            "form": form,
            "parts": active_parts(),
            "positions": positions,
            "settings": InventorySettings.current(),
        },
        status=400 if request.method == "POST" else 200,
    )


def _request_for(request, pk) -> PartRequest:
    return get_object_or_404(PartRequest.objects.for_user(request.user), pk=pk)


@role_required(*FLOW_ROLES)
def part_request_detail(request, pk):
    part_request = get_object_or_404(
        PartRequest.objects.for_user(request.user).select_related(
            "center", "work_order", "requested_by", "decided_by", "shipped_by", "received_by"
        ),
        pk=pk,
    )
    lines = list(part_request.lines.select_related("part"))
    central = {
        level.part_id: level.quantity
        for level in StockLevel.objects.filter(
            warehouse__kind=WarehouseKind.CENTRAL, part__in=[line.part_id for line in lines]
        )
    }
    for line in lines:
        line.central_on_hand = central.get(line.part_id, 0)
        line.short = line.central_on_hand < line.quantity
    position = services.credit_position(center=part_request.center)
    position["headroom"] = position["limit"] - position["used"] - position["committed"]
    status = part_request.status
    is_manager = has_role(request.user, Role.MANAGER)
    supervises = _supervises(request.user, part_request.center)
    open_statuses = (PartRequestStatus.PENDING, PartRequestStatus.APPROVED)
    return render(
        request,
        "inventory/flow/request_detail.html",
        {
            "req": part_request,
            "lines": lines,
            "total_quantity": sum(line.quantity for line in lines),
            "position": position,
            "events": part_request.events.select_related("actor"),
            "is_manager": is_manager,
            "can_approve": is_manager and status == PartRequestStatus.PENDING,
            "can_reject": is_manager and status in open_statuses,
            "can_ship": is_manager and status == PartRequestStatus.APPROVED,
            "can_receive": supervises and status == PartRequestStatus.SHIPPED,
            "can_cancel": supervises and status in open_statuses,
        },
    )


def _request_action(request, pk, action, success: str):
    part_request = _request_for(request, pk)
    try:
        action(part_request)
    except ValidationError as exc:
        _flash(request, exc)
    else:
        messages.success(request, success % {"number": part_request.number})
    return redirect("inventory:request_detail", pk=part_request.pk)


@require_POST
@role_required(Role.MANAGER)
def part_request_approve(request, pk):
    return _request_action(
        request,
        pk,
        lambda r: services.part_request_approve(
            request=r, acting_user=request.user, note=request.POST.get("note", "").strip()[:300]
        ),
        _("Request %(number)s approved."),
    )


@require_POST
@role_required(Role.MANAGER)
def part_request_reject(request, pk):
    return _request_action(
        request,
        pk,
        lambda r: services.part_request_reject(
            request=r, reason=request.POST.get("reason", ""), acting_user=request.user
        ),
        _("Request %(number)s rejected."),
    )


@require_POST
@role_required(Role.MANAGER)
def part_request_ship(request, pk):
    return _request_action(
        request,
        pk,
        lambda r: services.part_request_ship(request=r, acting_user=request.user),
        _("Request %(number)s shipped from the central warehouse."),
    )


@require_POST
@role_required(Role.SUPERVISOR)
def part_request_receive(request, pk):
    return _request_action(
        request,
        pk,
        lambda r: services.part_request_receive(request=r, acting_user=request.user),
        _("Request %(number)s received into the centre's warehouse."),
    )


@require_POST
@role_required(Role.SUPERVISOR)
def part_request_cancel(request, pk):
    return _request_action(
        request,
        pk,
        lambda r: services.part_request_cancel(request=r, acting_user=request.user),
        _("Request %(number)s cancelled."),
    )


# Defective-part returns ---------------------------------------------------------------------------------------


@role_required(*FLOW_ROLES)
def defective_returns(request):
    """Tags of replaced parts that must come back: open ones first by due date, overdue ones marked."""
    is_manager = has_role(request.user, Role.MANAGER)
    rows = DefectiveReturn.objects.for_user(request.user).select_related("center", "work_order", "part")
    filterset = DefectiveReturnFilterSet(request.GET or None, queryset=rows, user=request.user)
    context = page_window(request, filterset.qs)
    today = timezone.localdate()
    for row in context["rows"]:
        row.overdue = row.status in OWED_RETURN_STATUSES and row.due_on < today
    context.update(
        {
            "filterset": filterset,
            "is_manager": is_manager,
            "several_centers": is_manager or len(filterset.form.fields["center"].queryset) > 1,
            "today": today,
        }
    )
    return render(request, "inventory/flow/returns.html", context)


def _tag_for(request, pk) -> DefectiveReturn:
    return get_object_or_404(DefectiveReturn.objects.for_user(request.user), pk=pk)


def _return_page(request, tag, *, ship_form=None, scrap_form=None, inspect_form=None, status=200):
    tag = (
        DefectiveReturn.objects.select_related(
            "center",
            "work_order",
            "part",
            "issue_movement",
            "scrap_approved_by",
            "received_by",
            "inspected_by",
            "receipt_movement",
        )
        .prefetch_related("photos")
        .get(pk=tag.pk)
    )
    is_manager = has_role(request.user, Role.MANAGER)
    supervises = _supervises(request.user, tag.center)
    is_open = tag.status == DefectiveReturnStatus.OPEN
    return render(
        request,
        "inventory/flow/return_detail.html",
        {
            "tag": tag,
            "photos": list(tag.photos.all()),
            "overdue": tag.status in OWED_RETURN_STATUSES and tag.due_on < timezone.localdate(),
            "can_ship": supervises and is_open,
            "can_request_scrap": supervises and is_open,
            "can_decide_scrap": is_manager and tag.status == DefectiveReturnStatus.SCRAP_REQUESTED,
            "can_receive": is_manager
            and tag.status in (DefectiveReturnStatus.OPEN, DefectiveReturnStatus.SHIPPED),
            "can_inspect": is_manager and tag.status == DefectiveReturnStatus.RECEIVED,
            "ship_form": ship_form or ShipReturnForm(),
            "scrap_form": scrap_form or ScrapRequestForm(),
            "inspect_form": inspect_form or InspectForm(),
        },
        status=status,
    )


@role_required(*FLOW_ROLES)
def defective_return_detail(request, pk):
    return _return_page(request, _tag_for(request, pk))


def _return_done(request, tag, message: str):
    messages.success(request, message % {"number": tag.number})
    return redirect("inventory:return_detail", pk=tag.pk)


@require_POST
@role_required(Role.SUPERVISOR)
def defective_return_ship(request, pk):
    tag = _tag_for(request, pk)
    form = ShipReturnForm(request.POST)
    if form.is_valid():
        try:
            services.defective_return_ship(tag=tag, acting_user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _return_done(request, tag, _("Tag %(number)s: the part is on its way back."))
    return _return_page(request, tag, ship_form=form, status=400)


@require_POST
@role_required(Role.SUPERVISOR)
def defective_return_request_scrap(request, pk):
    tag = _tag_for(request, pk)
    form = ScrapRequestForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.defective_return_request_scrap(
                tag=tag,
                reason=form.cleaned_data["scrap_reason"],
                photos=form.cleaned_data["photos"],
                acting_user=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _return_done(
                request, tag, _("Tag %(number)s: scrapping on site requested; a manager decides.")
            )
    return _return_page(request, tag, scrap_form=form, status=400)


@require_POST
@role_required(Role.MANAGER)
def defective_return_decide_scrap(request, pk):
    tag = _tag_for(request, pk)
    approve = request.POST.get("decision") == "approve"
    try:
        services.defective_return_decide_scrap(
            tag=tag, approve=approve, note=request.POST.get("note", ""), acting_user=request.user
        )
    except ValidationError as exc:
        _flash(request, exc)
        return redirect("inventory:return_detail", pk=tag.pk)
    if approve:
        return _return_done(request, tag, _("Tag %(number)s: scrapping on site approved."))
    return _return_done(request, tag, _("Tag %(number)s: scrapping refused; the part must be sent back."))


@require_POST
@role_required(Role.MANAGER)
def defective_return_receive(request, pk):
    tag = _tag_for(request, pk)
    try:
        services.defective_return_receive(tag=tag, acting_user=request.user)
    except ValidationError as exc:
        _flash(request, exc)
        return redirect("inventory:return_detail", pk=tag.pk)
    return _return_done(request, tag, _("Tag %(number)s: received at the defective-parts store."))


@require_POST
@role_required(Role.MANAGER)
def defective_return_inspect(request, pk):
    tag = _tag_for(request, pk)
    form = InspectForm(request.POST)
    if form.is_valid():
        try:
            services.defective_return_inspect(
                tag=tag,
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["inspection_note"],
                acting_user=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _return_done(request, tag, _("Tag %(number)s: inspection recorded."))
    return _return_page(request, tag, inspect_form=form, status=400)


@role_required(*FLOW_ROLES)
def defective_return_photo(request, pk):
    """A scrapping photo, only to those who may see its tag (never from a public media URL)."""
    photo = get_object_or_404(
        DefectiveReturnPhoto.objects.filter(
            defective_return__in=DefectiveReturn.objects.for_user(request.user).values("pk")
        ),
        pk=pk,
    )
    return private_image_response(photo.image)
