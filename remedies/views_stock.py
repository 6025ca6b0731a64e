"""Out-of-box checks (开箱损), refurbishment (翻新) and the rates behind them.

Out-of-box checks: dispatchers, supervisors and managers record and read (a supervisor those of its centres);
refurbishment and the rates: managers."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.months import month_bounds
from aftersales.paging import page_window
from aftersales.parsing import parse_id, parse_int
from aftersales.roles import Role, role_required
from aftersales.web_errors import error_dict, flash_errors
from inventory.models import Part, Warehouse
from network.models import ServiceCenter
from repairs.models import ProductUnit

from . import services
from .choices import ChecklistKind, DoaStatus, Grade, RefurbStatus
from .models import DoaCheck, Refurbishment
from .selectors import RATE_FORMULAS, doa_rates, refurbishment_rates

OFFICE = (Role.DISPATCHER, Role.SUPERVISOR, Role.MANAGER)
DOA_ROLES = (*OFFICE, Role.DEALER)


def _clean(value: str, size: int = 40) -> str:
    return (value or "").strip().replace("\x00", "")[:size]


@role_required(*DOA_ROLES)
def doa_list(request):
    rows = DoaCheck.objects.for_user(request.user).select_related(
        "unit__model", "dealer", "center", "request"
    )
    status = request.GET.get("status", "")
    if status in DoaStatus.values:
        rows = rows.filter(status=status)
    q = _clean(request.GET.get("q"))
    if q:
        rows = rows.filter(Q(number=q) | Q(unit__serial_number=q) | Q(unit__imei=q))
    context = page_window(request, rows.order_by("-recorded_at", "-pk"))
    context.update({"status": status, "statuses": DoaStatus.choices, "q": q})
    return render(request, "remedies/doa_list.html", context)


@role_required(*DOA_ROLES)
def doa_new(request):
    """The check at unpacking or installation: the unit by its serial or IMEI, the fault and who confirmed it,
    the maker's checklist."""
    form = {
        "serial": _clean(request.GET.get("serial") or request.POST.get("serial")),
        "fault": "",
        "confirmed_by": "",
        "checked": [],
        "center": "",
    }
    unit = None
    if form["serial"]:
        unit = (
            ProductUnit.objects.for_user(request.user)
            .filter(Q(serial_number=form["serial"]) | Q(imei=form["serial"]))
            .select_related("model__category", "owner", "dealer")
            .first()
        )
    centers = ServiceCenter.objects.for_user(request.user).filter(active=True).order_by("code")
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        form.update(
            fault=request.POST.get("fault", ""),
            confirmed_by=request.POST.get("confirmed_by", ""),
            checked=request.POST.getlist("checked"),
            center=request.POST.get("center", ""),
        )
        center = centers.filter(pk=parse_id(form["center"], default=0)).first() if form["center"] else None
        if unit is None:
            errors["serial"] = [_("No unit with this serial number or IMEI.")]
        elif form["center"] and center is None:
            errors["center"] = [_("Choose a service centre.")]
        else:
            try:
                check = services.doa_check_record(
                    unit=unit,
                    fault=form["fault"],
                    confirmed_by=form["confirmed_by"],
                    checked=form["checked"],
                    center=center,
                    acting_user=request.user,
                )
            except ValidationError as exc:
                errors = error_dict(exc, rest="form")
            else:
                if check.status == DoaStatus.APPROVED:
                    messages.success(
                        request,
                        _("Out-of-box failure approved: exchange %(n)s.") % {"n": check.request.number},
                    )
                else:
                    messages.error(
                        request,
                        _("Not an out-of-box failure: %(items)s") % {"items": "；".join(check.missing)},
                    )
                return redirect("remedies:doa_detail", check.pk)
    items = services.checklist(unit.model.category_id, ChecklistKind.DOA) if unit else []
    return render(
        request,
        "remedies/doa_new.html",
        {"form": form, "unit": unit, "items": items, "centers": centers, "errors": errors},
        status=400 if errors else 200,
    )


@role_required(*DOA_ROLES)
def doa_detail(request, pk):
    check = get_object_or_404(
        DoaCheck.objects.for_user(request.user).select_related(
            "unit__model__category", "unit__owner", "dealer", "center", "request", "recorded_by"
        ),
        pk=pk,
    )
    items = [
        (i, i.code in check.checked)
        for i in services.checklist(check.unit.model.category_id, ChecklistKind.DOA)
    ]
    return render(request, "remedies/doa_detail.html", {"check": check, "items": items})


@role_required(Role.MANAGER)
def refurb_list(request):
    rows = Refurbishment.objects.for_user(request.user).select_related(
        "unit__model", "request", "restocked_to"
    )
    status = request.GET.get("status", "open")
    if status == "open":
        rows = rows.exclude(status__in=[RefurbStatus.RESTOCKED, RefurbStatus.SCRAPPED])
    elif status in RefurbStatus.values:
        rows = rows.filter(status=status)
    else:
        status = "all"
    context = page_window(request, rows.order_by("-received_at", "-pk"))
    context.update({"status": status, "statuses": RefurbStatus.choices})
    return render(request, "remedies/refurb_list.html", context)


def _refurb(request, pk) -> Refurbishment:
    return get_object_or_404(
        Refurbishment.objects.for_user(request.user).select_related("unit__model", "request", "restocked_to"),
        pk=pk,
    )


@role_required(Role.MANAGER)
def refurb_detail(request, pk):
    item = _refurb(request, pk)
    parts = (
        Part.objects.spare()
        .filter(active=True, category_id=item.unit.model.category_id)
        .order_by("code")[:200]
    )
    warehouses = Warehouse.objects.filter(active=True, kind__in=["central", "center"]).order_by(
        "kind", "code"
    )
    return render(
        request,
        "remedies/refurb_detail.html",
        {
            "item": item,
            "grades": Grade.choices,
            "parts": parts,
            "warehouses": warehouses,
            "statuses": RefurbStatus,
        },
    )


@require_POST
@role_required(Role.MANAGER)
def refurb_step(request, pk, step):
    item = _refurb(request, pk)
    post = request.POST
    try:
        if step == "inspect":
            services.refurbishment_inspect(
                item=item, grade=post.get("grade", ""), note=post.get("note", ""), acting_user=request.user
            )
        elif step == "repair":
            lines = []
            for part_id, qty in zip(post.getlist("part"), post.getlist("quantity"), strict=False):
                if not part_id:
                    continue
                part = Part.objects.spare().filter(pk=parse_id(part_id, default=0)).first()
                if part is None:
                    raise ValidationError(_("Choose a spare part."))
                lines.append((part, qty))
            services.refurbishment_repair(
                item=item, parts=lines, labour_amount=post.get("labour_amount", "0"), acting_user=request.user
            )
        elif step == "test":
            services.refurbishment_test(
                item=item,
                passed=post.get("passed") == "1",
                note=post.get("note", ""),
                acting_user=request.user,
            )
        elif step == "restock":
            target = Warehouse.objects.filter(
                pk=parse_id(post.get("warehouse"), default=0), active=True
            ).first()
            services.refurbishment_restock(item=item, warehouse=target, acting_user=request.user)
        elif step == "scrap":
            services.refurbishment_scrap(item=item, reason=post.get("reason", ""), acting_user=request.user)
        else:
            raise ValidationError(_("Unknown step."))
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("Saved."))
    return redirect("remedies:refurb_detail", item.pk)


@role_required(Role.MANAGER)
def rates(request):
    """Out-of-box rate per model and month of sale (the last 6 months by default), refurbishment and
    repair-success rates per model."""
    months = parse_int(request.GET.get("months"), default=6, low=1, high=24)
    today = timezone.localdate()
    end = month_bounds(today.replace(day=1))[1].date()
    start = today.replace(day=1)
    for _i in range(months - 1):
        start = (start - dt.timedelta(days=1)).replace(day=1)
    return render(
        request,
        "remedies/rates.html",
        {
            "months": months,
            "start": start,
            "doa": doa_rates(start=start, end=end),
            "refurb": refurbishment_rates(),
            "formulas": RATE_FORMULAS,
        },
    )
