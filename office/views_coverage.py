"""The coverage report (managers only): districts with registered units against the centres whose
agreements cover them, the gaps first, each gap row with the form that activates a standby provider for it,
and how long the gaps of the last 12 months took to be covered. The activation calls
network.coverage.standby_activate; a refused one says why in Chinese and changes nothing."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.paging import page_window
from aftersales.parsing import parse_id
from aftersales.roles import Role, role_required
from aftersales.web_errors import flash_errors
from network.coverage import standby_activate
from network.models import Region, ServiceCenter
from repairs.models import ProductCategory

from .coverage import CoverageRows, report_choices, time_to_cover

VIEWS = ("gaps", "all")


def _filters(data, choices: dict) -> dict:
    """The report's filters from a query (or the activation form's hidden copy): unknown values are
    dropped, so a hostile value shows the unfiltered report."""
    province = parse_id(data.get("province"))
    if province not in {p.pk for p in choices["provinces"]}:
        province = None
    category = parse_id(data.get("category"))
    if category not in {c.pk for c in choices["categories"]}:
        category = None
    view = data.get("view")
    return {"province": province, "category": category, "view": view if view in VIEWS else "gaps"}


def _report_url(filters: dict) -> str:
    query = urlencode({k: v for k, v in filters.items() if v not in (None, "", "gaps")})
    return reverse("office:coverage") + (f"?{query}" if query else "")


@role_required(Role.MANAGER)
def coverage(request):
    now = timezone.now()
    choices = report_choices()
    filters = _filters(request.GET, choices)
    rows = CoverageRows(
        now=now,
        province=filters["province"],
        category=filters["category"],
        gaps_only=filters["view"] == "gaps",
    )
    context = page_window(request, rows)
    context.update(choices)
    context.update(filters)
    context.update(time_to_cover(now=now))
    context["now"] = now
    return render(request, "office/coverage.html", context)


@require_POST
@role_required(Role.MANAGER)
def coverage_activate(request):
    """Activates the chosen standby provider for the gap row's district and category."""
    choices = report_choices()
    back = redirect(_report_url(_filters(request.POST, choices)))
    center = ServiceCenter.objects.filter(pk=parse_id(request.POST.get("center"))).first()
    region = Region.objects.filter(pk=parse_id(request.POST.get("region"))).first()
    category = ProductCategory.objects.filter(pk=parse_id(request.POST.get("category_id"))).first()
    if center is None:
        messages.error(request, _("Choose the standby provider to activate."))
        return back
    if region is None or category is None:
        messages.error(request, _("The region or product category of the gap is unknown."))
        return back
    try:
        done = standby_activate(
            center=center,
            region=region,
            category=category,
            actor=request.user,
            note=request.POST.get("note", ""),
        )
    except ValidationError as error:
        flash_errors(request, error)
        return back
    messages.success(
        request,
        _("%(center)s is active for %(region)s · %(category)s; %(n)d open gaps covered.")
        % {"center": done.center, "region": region.full_name, "category": category, "n": len(done.gaps)},
    )
    return back
