"""The early warning's pages: the alerts (open first) with the table of every model-month, and an alert's
evidence with its chart, acknowledge and close-with-note forms.

Who: managers and the named quality contacts (QualitySettings.contacts); anyone else signed in is refused
(403). Every write calls quality.services."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.dbrouting import replica_view
from aftersales.paging import page_window
from aftersales.parsing import parse_int
from aftersales.web_errors import error_dict
from repairs.models import ProductCategory

from . import services
from .choices import NOT_CLOSED, AlertStatus
from .models import Alert, QualitySettings, may_watch_quality
from .selectors import alerts_in_order, chart_data, evidence_tables, model_months

PAGE_SIZES = (50, 100, 200)


def quality_required(view):
    """Anonymous → login page; signed in, neither a manager nor a quality contact → 403."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not may_watch_quality(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


@quality_required
@replica_view
def alerts(request):
    """The alerts in hand (open first, then acknowledged), the last closed ones, and every model-month."""
    qs = QualitySettings.current()
    in_hand = list(alerts_in_order(request.user).filter(status__in=NOT_CLOSED)[:200])
    closed = list(alerts_in_order(request.user).filter(status=AlertStatus.CLOSED)[:20])
    categories = list(ProductCategory.objects.order_by("sort_order", "code"))
    category = parse_int(request.GET.get("category"), default=None, low=1, high=2**31 - 1)
    if category not in {c.pk for c in categories}:
        category = None
    view = request.GET.get("view", "judged")
    if view not in ("judged", "all"):
        view = "judged"
    context = page_window(
        request, model_months(category=category, judged_only=view == "judged"), sizes=PAGE_SIZES, default=50
    )
    context.update(
        {
            "in_hand": in_hand,
            "closed": closed,
            "settings": qs,
            "categories": categories,
            "category": category,
            "view": view,
        }
    )
    return render(request, "quality/alerts.html", context)


@quality_required
def alert(request, pk, errors=None, status=200):
    """One alert's evidence: figures, top fault codes and parts, the chart of rate by month in service
    against the baseline, the trail, and the forms."""
    found = get_object_or_404(Alert.objects.for_user(request.user).select_related("model__category"), pk=pk)
    faults, parts = evidence_tables(found.evidence, found.repairs)
    events = list(found.events.select_related("actor").order_by("at", "pk"))
    return render(
        request,
        "quality/alert.html",
        {
            "alert": found,
            "faults": faults,
            "parts": parts,
            "chart": chart_data(found.evidence),
            "events": events,
            "window_days": found.evidence.get("window_days", 90),
            "units": found.evidence.get("units"),
            "settings": QualitySettings.current(),
            "errors": errors or {},
            "note": request.POST.get("note", "") if request.method == "POST" else "",
        },
        status=status,
    )


def _act(request, pk, action):
    found = get_object_or_404(Alert.objects.for_user(request.user), pk=pk)
    try:
        action(alert=found, acting_user=request.user, note=(request.POST.get("note") or "")[:2000])
    except ValidationError as exc:
        return alert(request, pk, errors=error_dict(exc, rest="note"), status=400)
    return None


@require_POST
@quality_required
def acknowledge(request, pk):
    refused = _act(request, pk, services.alert_acknowledge)
    if refused is not None:
        return refused
    messages.success(request, _("Alert acknowledged."))
    return redirect("quality:alert", pk=pk)


@require_POST
@quality_required
def close(request, pk):
    refused = _act(request, pk, services.alert_close)
    if refused is not None:
        return refused
    messages.success(request, _("Alert closed."))
    return redirect("quality:alert", pk=pk)
