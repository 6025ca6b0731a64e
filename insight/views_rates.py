"""The service rates page (服务指标) and its exports: the month's rates per category, model or centre, the
twelve-month trend of one rate, and each rate's formula. Numbers from insight.rates.rates_report only.

Scope: the manager sees every centre; a supervisor only their own centres' work (the centre filter is theirs,
rates over units show "—"); other roles are refused (403)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from aftersales.dbrouting import replica_view
from aftersales.roles import Role, has_role, role_required
from network.models import ServiceCenter
from repairs.models import ProductCategory

from . import rates


def _by_choices():
    return [("category", _("Category")), ("model", _("Model")), ("centre", _("Service centre"))]


def _report(request):
    params = rates.rates_params(request.user, request.GET)
    report = rates.rates_report(
        month=params["month"], by=params["by"], scope=params["scope"], trend_rate=params["trend_rate"]
    )
    return params, report


@role_required(Role.MANAGER, Role.SUPERVISOR)
@replica_view
def rates_page(request):
    params, report = _report(request)
    manager = has_role(request.user, Role.MANAGER)
    centres = ServiceCenter.objects.for_user(request.user).order_by("code").only("pk", "code", "name")
    trend = {
        "months": [f"{t['month']:%Y-%m}" for t in report["trend"]],
        "values": [None if t["value"] is None else str(t["value"]) for t in report["trend"]],
        "label": str(report["trend_rate"].label),
        "unit": report["trend_rate"].unit,
    }
    for row in [*report["rows"], {"cells": report["total"]}]:
        for cell in row["cells"]:
            cell["shown"] = rates.display(cell)
    return render(
        request,
        "insight/rates.html",
        {
            **params,
            "report": report,
            "manager": manager,
            "by_choices": _by_choices(),
            "categories": ProductCategory.objects.order_by("sort_order", "code"),
            "centres": centres,
            "trend": trend,
            "query": request.GET.urlencode(),
        },
    )


def _table(report) -> tuple[list[str], list[list]]:
    """The export's header and rows: per rate its value, numerator and denominator (numbers, not text)."""
    by_label = {"category": _("Category"), "model": _("Model"), "centre": _("Service centre")}[report["by"]]
    header = [_("Month"), by_label]
    for rate in report["rates"]:
        unit = {rates.PERCENT: "%", rates.YUAN: "¥"}.get(rate.unit, "")
        header += [f"{rate.label}{f' ({unit})' if unit else ''}", _("numerator"), _("denominator")]
    month = f"{report['month']:%Y-%m}"
    rows = []
    for row in [*report["rows"], {"label": _("Total"), "cells": report["total"]}]:
        line: list = [month, row["label"]]
        for cell in row["cells"]:
            line += [cell["value"], cell["numerator"], cell["denominator"]]
        rows.append(line)
    return header, rows


def _filename(report, ext: str) -> str:
    return f"rates-{report['month']:%Y-%m}-{report['by']}.{ext}"


@role_required(Role.MANAGER, Role.SUPERVISOR)
@replica_view
def rates_csv(request):
    _params, report = _report(request)
    header, rows = _table(report)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for line in rows:
        writer.writerow(["" if v is None else v for v in line])
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(report, "csv")}"'
    return response


@role_required(Role.MANAGER, Role.SUPERVISOR)
@replica_view
def rates_xlsx(request):
    _params, report = _report(request)
    header, rows = _table(report)
    book = Workbook()
    sheet = book.active
    sheet.title = f"{report['month']:%Y-%m}"
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for line in rows:
        sheet.append(line)  # Decimals are written as numbers
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, Decimal):
                cell.number_format = "0.00"
    sheet.freeze_panes = "C2"
    notes = book.create_sheet(_("Formulas"))
    for rate in report["rates"]:
        notes.append([str(rate.label), str(rate.formula)])
    body = io.BytesIO()
    book.save(body)
    response = HttpResponse(
        body.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename(report, "xlsx")}"'
    return response
