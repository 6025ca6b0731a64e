"""Spare-parts tools: the initial stock import (managers) and the reorder suggestions (managers: every
warehouse; supervisors: their own centre's)."""

from __future__ import annotations

from django import forms
from django.db.models import Max, Q
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from aftersales.paging import MAX_PAGE
from aftersales.parsing import parse_id, parse_int
from aftersales.roles import Role, role_required

from .imports import stock_import_csv
from .models import ReorderSuggestion, Warehouse

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
PAGE_SIZE = 100
REQUEST_NEW_PATH = "/inventory/requests/new/"


class StockImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("Columns: warehouse_code, part_code, quantity, unit_cost (UTF-8 or GBK, with a header)."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 10 MB."))
        return upload


@role_required(Role.MANAGER)
def stock_import(request):
    """Upload a count file: the report of its bad lines, or what it imported."""
    result = None
    if request.method == "POST":
        form = StockImportForm(request.POST, request.FILES)
        if form.is_valid():
            result = stock_import_csv(file=form.cleaned_data["file"].read(), acting_user=request.user)
            if result.ok:
                form = StockImportForm()
    else:
        form = StockImportForm()
    return render(request, "inventory/tools/import.html", {"form": form, "result": result})


def _request_new_url() -> str:
    """The part-request form of the flow pages, or its planned path while that URL is not mounted."""
    try:
        return reverse("inventory:request_new")
    except NoReverseMatch:
        return REQUEST_NEW_PATH


@role_required(Role.MANAGER, Role.SUPERVISOR)
def reorder(request):
    """The latest day's suggestions in the user's warehouses, filtered by warehouse and part."""
    warehouses = list(Warehouse.objects.for_user(request.user).filter(active=True).order_by("kind", "code"))
    day = ReorderSuggestion.objects.aggregate(day=Max("computed_on"))["day"]
    rows = ReorderSuggestion.objects.none()
    selected = request.GET.get("warehouse", "")
    q = request.GET.get("q", "").strip()
    if day is not None:
        rows = (
            ReorderSuggestion.objects.filter(computed_on=day, warehouse__in=[w.pk for w in warehouses])
            .select_related("warehouse", "part")
            .order_by("warehouse__kind", "warehouse__code", "part__code")
        )
        if parse_id(selected) is not None:
            rows = rows.filter(warehouse_id=parse_id(selected))
        if q:
            rows = rows.filter(Q(part__code__icontains=q) | Q(part__name__icontains=q))
    page = parse_int(request.GET.get("page"), default=1, low=1, high=MAX_PAGE)
    window = list(rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE + 1])
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "inventory/tools/reorder.html",
        {
            "day": day,
            "suggestions": window[:PAGE_SIZE],
            "warehouses": warehouses,
            "selected": selected,
            "q": q,
            "page": page,
            "has_next": len(window) > PAGE_SIZE,
            "query": params.urlencode(),
            "request_new_url": _request_new_url(),
        },
    )
