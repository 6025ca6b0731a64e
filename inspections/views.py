"""The inspections' pages: the technician's inspection form on the tablet (own orders only, others answer 404)
and the supervisor's overview per centre — due, done and overdue (a supervisor their own centres, the office
all). Every write calls inspections.services; a refused one keeps what was typed and says why in Chinese."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import uuid

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone

from aftersales.parsing import parse_day, parse_id
from aftersales.roles import Role, role_required
from aftersales.web_errors import error_dict

from . import services
from .choices import ItemResult
from .models import Inspection
from .selectors import centers_for, overview


def _signature(request) -> bytes | None:
    data = request.POST.get("signature_data", "")
    if data.startswith("data:image/png;base64,"):
        try:
            return base64.b64decode(data.split(",", 1)[1], validate=True)
        except (binascii.Error, ValueError):
            return b"not a png"
    return None


def _own(request, pk) -> Inspection:
    """The inspection of a work order the user may act on: its technician, the centre's supervisor, a manager."""
    inspection = (
        Inspection.objects.for_user(request.user)
        .filter(work_order_id=parse_id(pk))
        .select_related("plan__unit__model__category", "work_order__call", "work_order__center")
        .first()
    )
    if inspection is None:
        raise Http404
    return inspection


@role_required(Role.TECHNICIAN, Role.SUPERVISOR, Role.MANAGER)
def inspection_form(request, pk):
    inspection = _own(request, pk)
    items = services.checklist(inspection)
    errors, post = {}, request.POST
    if request.method == "POST" and inspection.done_at is None:
        results = {
            item.pk: (post.get(f"result_{item.pk}", ""), post.get(f"reading_{item.pk}", "")) for item in items
        }
        findings = tuple(
            services.FindingInput(description=text, open_call=post.get(f"finding_call_{i}") == "1")
            for i, text in enumerate(post.getlist("finding"))
        )
        data = services.InspectionInput(
            client_id=post.get("client_id", ""),
            results=results,
            findings=findings,
            labour_minutes=post.get("labour_minutes", ""),
            summary=post.get("summary", ""),
            signature_png=_signature(request),
            confirmation_code=post.get("confirmation_code", ""),
        )
        try:
            services.inspection_complete(inspection=inspection, data=data, acting_user=request.user)
        except ValidationError as exc:
            errors = error_dict(exc)
        else:
            return redirect("inspections:form", pk=inspection.work_order_id)
    rows = [
        {
            "item": item,
            "result": post.get(f"result_{item.pk}", ""),
            "reading": post.get(f"reading_{item.pk}", ""),
            "errors": errors.get(f"item_{item.pk}", []),
        }
        for item in items
    ]
    return render(
        request,
        "inspections/form.html",
        {
            "inspection": inspection,
            "order": inspection.work_order,
            "rows": rows,
            "choices": ItemResult.choices,
            "errors": errors,
            "post": post,
            "client_id": post.get("client_id") or uuid.uuid4(),
            "results": inspection.results.select_related("item") if inspection.done_at else (),
            "findings": inspection.findings.select_related("repair_call") if inspection.done_at else (),
        },
    )


@role_required(Role.SUPERVISOR, Role.DISPATCHER, Role.MANAGER)
def inspection_board(request):
    """Due, done and overdue per centre over a period (default: this month so far and the next 14 days)."""
    today = timezone.localdate()
    since = parse_day(request.GET.get("since"), default=None) or today.replace(day=1)
    until = parse_day(request.GET.get("until"), default=None) or today + dt.timedelta(days=14)
    # The end chosen wins: a period ending before the start begins with the end's month; at most a year.
    if until < since:
        since = until.replace(day=1)
    if (until - since).days > 366:
        since = until - dt.timedelta(days=366)
    center_id = parse_id(request.GET.get("center"))
    data = overview(user=request.user, today=today, since=since, until=until, center_id=center_id)
    return render(
        request,
        "inspections/board.html",
        {
            **data,
            "since": since,
            "until": until,
            "today": today,
            "centers": centers_for(request.user).order_by("name").only("pk", "name"),
            "center_id": center_id,
        },
    )
