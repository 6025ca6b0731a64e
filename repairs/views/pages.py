"""A unit's page, and the closings without the customer's proof (for supervisors and managers)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from aftersales.paging import page_window
from aftersales.parsing import parse_id
from aftersales.roles import Role, has_role, role_required
from aftersales.web_errors import flash_errors
from network.models import ServiceCenter
from warranty.models import MaintenanceContract
from warranty.selectors import unit_warranty_position

from .. import services
from ..closing import closing_proof_clear
from ..models import (
    InstallationAcceptance,
    ProductUnit,
    WorkOrderClosing,
)

# Existing pages ---------------------------------------------------------------------------------------


@role_required(Role.DISPATCHER, Role.SUPERVISOR, Role.MANAGER, Role.TECHNICIAN)
def unit_detail(request, pk):
    """A product unit with its 三包 position today, its extended warranties and the decisions taken."""
    unit = get_object_or_404(
        ProductUnit.objects.for_user(request.user).select_related(
            "model__category", "owner", "dealer", "replaces"
        ),
        pk=pk,
    )
    position = unit_warranty_position(
        unit=unit,
        as_of=timezone.localdate(),
        repairs=services.unit_repair_history(unit=unit, symptom=None),
    )
    office = has_role(request.user, Role.DISPATCHER, Role.SUPERVISOR, Role.MANAGER)
    replaced_by = ProductUnit.objects.filter(replaces=unit).first()
    # Exchanged or returned: no longer the customer's, its position is shown for reference only.
    taken_back = (
        replaced_by is not None or unit.remedy_requests.filter(status="done", remedy="return").exists()
    )
    context = {
        "unit": unit,
        # A unit exchanged under 三包: the unit received for it (its history continues there).
        "replaced_by": replaced_by,
        "taken_back": taken_back,
        "may_open_remedy": office and not taken_back,
        # The remedy requests on the unit (the remedies app's rows, read through the reverse relation).
        "remedy_requests": unit.remedy_requests.order_by("-opened_at")[:20] if office else [],
        # The installation acceptances of the unit the user may read (through their work orders).
        "acceptances": InstallationAcceptance.objects.for_user(request.user)
        .filter(unit=unit)
        .select_related("work_order")
        .order_by("-recorded_at")[:5],
        # The maintenance contracts (B) on the unit the user may read.
        "contracts": unit.maintenance_contracts.filter(
            pk__in=MaintenanceContract.objects.for_user(request.user).values("pk")
        )
        .select_related("center")
        .order_by("-starts_on")[:10],
        **position,
    }
    return render(request, "repairs/unit_detail.html", context)


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
