"""The tablet's 三包 check at the unit: the faulty part after diagnosis, the exclusions found (with photos),
and the decision taken again — what the customer is shown, in plain Chinese, when the repair becomes paid."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from aftersales.roles import Role, role_required
from aftersales.web_errors import error_dict

from . import findings
from .choices import ServiceType, SiteFindingKind
from .models import DecisionChange, SiteFinding, SiteFindingPhoto, WorkOrder
from .selectors import tablet_scope
from .views_tablet import _file_response

TABLET_ROLES = (Role.TECHNICIAN, Role.SUPERVISOR)


def _order(request, pk) -> WorkOrder:
    scope, _tech, _centers = tablet_scope(request.user)
    return get_object_or_404(
        scope.select_related("call__unit__model__category", "call__component", "call__warranty_decision"),
        pk=pk,
    )


def latest_change(order: WorkOrder) -> DecisionChange | None:
    return (
        DecisionChange.objects.filter(work_order=order)
        .exclude(decision__isnull=True)
        .select_related("decision", "component")
        .order_by("-at", "-pk")
        .first()
    )


@role_required(*TABLET_ROLES)
@require_http_methods(["GET", "POST"])
def order_findings(request, pk):
    """GET: the page. POST `action=component` (the faulty part with the reason) or `action=findings` (the
    exclusions ticked, each with its photos `photos_<kind>` and note `note_<kind>`)."""
    order = _order(request, pk)
    errors: dict[str, list[str]] = {}
    posted = request.POST if request.method == "POST" else {}
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "component":
                change = findings.work_order_component_change(
                    work_order=order,
                    component_code=request.POST.get("component", "")[:40],
                    reason=request.POST.get("reason", "")[:300],
                    acting_user=request.user,
                )
            elif action == "findings":
                ticked = [k for k in request.POST.getlist("finding") if k in SiteFindingKind.values]
                if request.POST.getlist("finding") and not ticked:
                    raise ValidationError({"findings": _("Choose the finding from the list.")})
                change = findings.work_order_findings_record(
                    work_order=order,
                    findings=[
                        findings.FindingInput(
                            kind=kind,
                            note=request.POST.get(f"note_{kind}", "")[:300],
                            photos=request.FILES.getlist(f"photos_{kind}"),
                        )
                        for kind in dict.fromkeys(ticked)
                    ],
                    acting_user=request.user,
                )
            else:
                raise ValidationError({"action": _("Choose what to record.")})
        except ValidationError as exc:
            errors = error_dict(exc, rest="status")
            if "status" in errors:  # the order moved on meanwhile: its page as it is now
                for message in errors["status"]:
                    messages.error(request, message)
                return redirect("repairs:tablet_order", pk=order.pk)
        else:
            if change.service_type_after != change.service_type_before:
                messages.warning(
                    request,
                    _(
                        "The 三包 decision was taken again: the service is now %(type)s. Tell the customer why."
                    )
                    % {"type": ServiceType(change.service_type_after).label},
                )
            else:
                messages.success(
                    request,
                    _("Recorded. The service type stays %(type)s.")
                    % {"type": ServiceType(change.service_type_after).label},
                )
            return redirect("repairs:tablet_findings", pk=order.pk)
    change = latest_change(order)
    current = findings.current_component(order)
    return render(
        request,
        "repairs/tablet/findings.html",
        {
            "order": order,
            "call": order.call,
            "can_record": order.status in findings.FINDING_STATUSES,
            "components": findings.category_components(order.call.unit.model.category_id),
            "current": current,
            "change": change,
            "reasons": findings.customer_reasons(change) if change else _intake_reasons(order),
            "recorded": SiteFinding.objects.filter(work_order=order).prefetch_related("photos"),
            "kinds": SiteFindingKind.choices,
            "errors": errors,
            "posted": posted,
            "ticked": posted.getlist("finding") if posted else [],
        },
        status=400 if errors else 200,
    )


def _intake_reasons(order: WorkOrder) -> list[str]:
    decision = order.call.warranty_decision
    return [r["zh"] for r in decision.result.get("reasons", [])] if decision else []


@role_required(*TABLET_ROLES, Role.DISPATCHER, Role.MANAGER)
def finding_photo(request, pk):
    photo = get_object_or_404(
        SiteFindingPhoto.objects.filter(
            finding__work_order__in=WorkOrder.objects.for_user(request.user).values("pk")
        ),
        pk=pk,
    )
    return _file_response(photo.image)
