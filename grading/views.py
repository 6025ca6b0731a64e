"""Centre levels' pages: the manager's review of a month's proposals (confirm or override with a reason),
and a centre's own results with how the score is made.

Scope: the review is a manager's; a centre's page is for the manager and the centre's supervisors (another
centre answers 404); other roles are refused. Every write calls grading.services."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, F, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.dbrouting import replica_view
from aftersales.months import previous_month
from aftersales.paging import page_window
from aftersales.parsing import parse_month
from aftersales.roles import Role, has_role, role_required
from aftersales.web_errors import flash_errors
from network.choices import CenterLevel
from network.models import ServiceCenter

from . import services
from .choices import AssessmentStatus, Metric
from .models import Assessment, LevelDecision
from .selectors import metric_rows, policy_rules

VIEWS = ("all", "changes", "open", "confirmed")
PAGE_SIZES = (50, 100, 200)


def _month(request, data=None):
    return parse_month((data or request.GET).get("month"), default=previous_month(timezone.now()))


def _review_url(month, view="") -> str:
    url = f"{reverse('grading:review')}?month={month:%Y-%m}"
    return url + (f"&view={view}" if view in VIEWS else "")


@role_required(Role.MANAGER, Role.SUPERVISOR)
@replica_view
def review(request):
    """The manager's table of a month's proposals: centre, results, score, current → proposed level, and a
    form per open proposal. A supervisor is sent to their own centre's results."""
    if not has_role(request.user, Role.MANAGER):
        own = ServiceCenter.objects.for_user(request.user).order_by("code").first()
        if own is None:
            raise Http404
        return redirect("grading:center", code=own.code)
    month = _month(request)
    view = request.GET.get("view", "all")
    if view not in VIEWS:
        view = "all"
    month_rows = Assessment.objects.filter(month=month)
    counts = month_rows.aggregate(
        total=Count("pk"),
        open=Count("pk", filter=Q(status=AssessmentStatus.PROPOSED)),
        changes=Count(
            "pk", filter=Q(status=AssessmentStatus.PROPOSED) & ~Q(proposed_level=F("current_level"))
        ),
    )
    rows = month_rows.select_related("center", "decision__decided_by").order_by("center__code")
    if view == "changes":
        rows = rows.filter(status=AssessmentStatus.PROPOSED).exclude(proposed_level=F("current_level"))
    elif view == "open":
        rows = rows.filter(status=AssessmentStatus.PROPOSED)
    elif view == "confirmed":
        rows = rows.filter(status=AssessmentStatus.CONFIRMED)
    context = page_window(request, rows, sizes=PAGE_SIZES, default=100)
    order = list(Metric.values)
    for row in context["rows"]:
        row.values = [row.points.get(m, {}).get("value") for m in order]
    months = list(Assessment.objects.order_by("-month").values_list("month", flat=True).distinct()[:12])
    context.update(
        {
            "month": month,
            "months": months,
            "view": view,
            "views": VIEWS,
            "counts": counts,
            "metrics": [Metric(m).label for m in order],
            "levels": CenterLevel.choices,
            "can_assess": previous_month(timezone.now()) >= month,
        }
    )
    return render(request, "grading/review.html", context)


@require_POST
@role_required(Role.MANAGER)
def decide(request, pk):
    """Confirms the proposal or overrides it (another level with a reason)."""
    assessment = get_object_or_404(Assessment.objects.for_user(request.user), pk=pk)
    level = (request.POST.get("level") or "").strip() or None
    try:
        decision = services.assessment_decide(
            assessment=assessment,
            level=level,
            reason=(request.POST.get("reason") or "")[:1000],
            acting_user=request.user,
        )
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(
            request,
            _("%(center)s: %(level)s from %(month)s.")
            % {
                "center": assessment.center.name,
                "level": decision.get_level_display(),
                "month": f"{decision.effective_from:%Y-%m}",
            },
        )
    return redirect(_review_url(assessment.month, request.POST.get("view", "")))


@require_POST
@role_required(Role.MANAGER)
def assess(request):
    """Counts the month's results again now (the monthly job does it on the 1st)."""
    month = parse_month(request.POST.get("month"))
    if month is None:
        messages.error(request, _("The month is written YYYY-MM, for example 2026-10."))
        return redirect("grading:review")
    try:
        done = services.centres_assess(month=month)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(
            request,
            _("%(count)s centres assessed for %(month)s.") % {"count": len(done), "month": f"{month:%Y-%m}"},
        )
    return redirect(_review_url(month))


@role_required(Role.MANAGER, Role.SUPERVISOR)
@replica_view
def center(request, code):
    """A centre's results month by month, how the score is made, and its level history."""
    center = get_object_or_404(ServiceCenter.objects.for_user(request.user), code=code)
    assessments = list(Assessment.objects.filter(center=center).order_by("-month")[:12])
    month = parse_month(request.GET.get("month"))
    chosen = next((a for a in assessments if a.month == month), assessments[0] if assessments else None)
    policy = services.policy_in_force()
    rules = policy_rules(policy)
    history = list(
        LevelDecision.objects.filter(center=center)
        .select_related("decided_by")
        .order_by("-effective_from")[:24]
    )
    return render(
        request,
        "grading/center.html",
        {
            "center": center,
            "assessments": assessments,
            "chosen": chosen,
            "rows": metric_rows(chosen, rules) if chosen else [],
            "policy": policy,
            "rules": rules,
            "history": history,
            "is_manager": has_role(request.user, Role.MANAGER),
        },
    )
