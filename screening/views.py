"""Claim screening's pages: the manager's month by centre (amount held), a centre's flags with each rule's
explanation and evidence (clear or reject with a reason; the centre's supervisor disputes a rejection), the
thresholds, and a customer's denial of a visit.

Scope: managers see every centre; a supervisor sees the centres they run (another centre answers 404) and
is sent from the month's page to their own; other roles are refused (403). Every write calls
screening.services."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.months import previous_month
from aftersales.paging import page_window
from aftersales.parsing import parse_month
from aftersales.roles import Role, has_role, role_required
from aftersales.web_errors import error_dict, flash_errors
from network.models import ServiceCenter

from . import services
from .choices import OPEN, FlagStatus
from .models import ClaimFlag, FlagEvent, ScreeningSettings
from .selectors import centre_totals, flag_rows

STATUSES = ("open", "all", "rejected", "cleared")
PAGE_SIZES = (20, 50, 100)


def _month(request, data=None):
    return parse_month((data or request.GET).get("month"), default=previous_month(timezone.now()))


def _center_url(code, month, status="") -> str:
    url = f"{reverse('screening:center', args=[code])}?month={month:%Y-%m}"
    return url + (f"&status={status}" if status in STATUSES else "")


def _centres(user):
    """The centres whose flags the user reads: every one for a manager, else those they supervise (not the wider
    scope another role of theirs has — a dispatcher's every centre)."""
    if has_role(user, Role.MANAGER):
        return ServiceCenter.objects.all()
    return ServiceCenter.objects.filter(supervisors=user)


@role_required(Role.MANAGER, Role.SUPERVISOR)
def index(request):
    """The month's flags by centre: how many, still to decide, the amount held, rejected."""
    month = _month(request)
    if not has_role(request.user, Role.MANAGER):
        own = _centres(request.user).order_by("code").first()
        if own is None:
            raise Http404
        return redirect(_center_url(own.code, month))
    totals = centre_totals(month=month)
    months = list(ClaimFlag.objects.order_by("-month").values_list("month", flat=True).distinct()[:12])
    return render(
        request,
        "screening/index.html",
        {
            "month": month,
            "months": months,
            "totals": totals,
            "sum_held": sum(t["held_amount"] for t in totals),
            "sum_open": sum(t["open"] for t in totals),
            "sum_rejected": sum(t["rejected_amount"] for t in totals),
            "denial_errors": {},
        },
    )


@role_required(Role.MANAGER, Role.SUPERVISOR)
def center(request, code):
    """A centre's flags of the month: each order, what it would be paid, the rules it tripped explained with
    their evidence, the decision and the dispute; the forms that go with the reader's role."""
    center = get_object_or_404(_centres(request.user), code=code)
    month = _month(request)
    status = request.GET.get("status", "open")
    if status not in STATUSES:
        status = "open"
    flags = (
        ClaimFlag.objects.for_user(request.user)
        .filter(center=center, month=month)
        .exclude(status=FlagStatus.WITHDRAWN)
        .select_related("work_order", "decided_by")
        .order_by("-amount", "work_order__number")
    )
    if status == "open":
        flags = flags.filter(status__in=OPEN)
    elif status == "rejected":
        flags = flags.filter(status__in=[FlagStatus.REJECTED, FlagStatus.DISPUTED])
    elif status == "cleared":
        flags = flags.filter(status=FlagStatus.CLEARED)
    context = page_window(request, flags, sizes=PAGE_SIZES, default=50)
    context["rows"] = flag_rows(context["rows"])
    events: dict[int, list] = {}
    for event in FlagEvent.objects.filter(flag__in=[f.pk for f in context["rows"]]).select_related("actor"):
        events.setdefault(event.flag_id, []).append(event)
    for flag in context["rows"]:
        flag.trail = events.get(flag.pk, [])
    is_manager = has_role(request.user, Role.MANAGER)
    context.update(
        {
            "center": center,
            "month": month,
            "status": status,
            "totals": next(
                iter(
                    centre_totals(
                        month=month, flags=ClaimFlag.objects.for_user(request.user).filter(center=center)
                    )
                ),
                None,
            ),
            "is_manager": is_manager,
            # A manager who runs this centre sees its flags but does not decide them.
            "may_decide": is_manager and not center.supervisors.filter(pk=request.user.pk).exists(),
            "may_dispute": has_role(request.user, Role.SUPERVISOR)
            and center.supervisors.filter(pk=request.user.pk).exists(),
        }
    )
    return render(request, "screening/center.html", context)


@require_POST
@role_required(Role.MANAGER)
def decide(request, pk):
    flag = get_object_or_404(ClaimFlag.objects.for_user(request.user).select_related("center"), pk=pk)
    try:
        services.flag_decide(
            flag=flag,
            decision=request.POST.get("decision", ""),
            reason=(request.POST.get("reason") or "")[:1000],
            acting_user=request.user,
        )
    except ValidationError as exc:
        flash_errors(request, exc)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Decision recorded."))
    return redirect(_center_url(flag.center.code, flag.month, request.POST.get("status", "")))


@require_POST
@role_required(Role.SUPERVISOR)
def dispute(request, pk):
    flag = get_object_or_404(ClaimFlag.objects.for_user(request.user).select_related("center"), pk=pk)
    try:
        services.flag_dispute(
            flag=flag, reason=(request.POST.get("reason") or "")[:1000], acting_user=request.user
        )
    except ValidationError as exc:
        flash_errors(request, exc)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Dispute sent to the managers."))
    return redirect(_center_url(flag.center.code, flag.month, "rejected"))


@require_POST
@role_required(Role.MANAGER)
def screen(request):
    """Screens the month again now (the monthly job does it at 01:30 on the 1st)."""
    month = parse_month(request.POST.get("month"))
    if month is None:
        messages.error(request, _("The month is written YYYY-MM, for example 2026-10."))
        return redirect("screening:index")
    try:
        result = services.month_screen(month=month)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(
            request,
            _("%(orders)s payable orders screened, %(flagged)s flagged.")
            % {"orders": result.orders, "flagged": result.flagged},
        )
    return redirect(f"{reverse('screening:index')}?month={month:%Y-%m}")


@require_POST
@role_required(Role.MANAGER)
def denial(request):
    """Records a customer's denial of a visit (no one came, no work done) and screens that order again."""
    month = _month(request, request.POST)
    try:
        services.visit_denial_record(
            number=(request.POST.get("number") or "")[:40],
            customer_words=(request.POST.get("customer_words") or "")[:1000],
            acting_user=request.user,
        )
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("The denial is recorded and the order screened again."))
    return redirect(f"{reverse('screening:index')}?month={month:%Y-%m}")


@role_required(Role.MANAGER)
def thresholds(request):
    """The rules' thresholds: shown, and changed by a manager (every one above zero)."""
    row = services.settings_in_force()
    errors: dict = {}
    values = {name: getattr(row, name) for name in ScreeningSettings.THRESHOLDS}
    if request.method == "POST":
        values = {name: (request.POST.get(name) or "")[:20] for name in ScreeningSettings.THRESHOLDS}
        try:
            services.thresholds_update(values=values, acting_user=request.user)
        except ValidationError as exc:
            errors = error_dict(exc)
        else:
            messages.success(request, _("Thresholds saved: they apply from the next screening."))
            return redirect("screening:thresholds")
    fields = [
        {
            "name": name,
            "label": ScreeningSettings._meta.get_field(name).verbose_name,
            "value": values[name],
            "errors": errors.get(name, []),
        }
        for name in ScreeningSettings.THRESHOLDS
    ]
    return render(
        request,
        "screening/thresholds.html",
        {"fields": fields, "row": row, "errors": errors},
        status=400 if errors else 200,
    )
