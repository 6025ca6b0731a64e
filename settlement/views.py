"""The monthly settlement's pages: the manager's month (every centre, its totals and status, compute,
confirm, mark paid, exports) and a statement (its lines, adjustments and disputes). Service-centre
supervisors see their own centres' statements and dispute lines of a draft; anyone else's answers 404."""

from __future__ import annotations

import datetime as dt
import io
from functools import partial

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.dbrouting import replica_view
from aftersales.money import amount_in_words, yuan
from aftersales.paging import page_window
from aftersales.parsing import parse_id, parse_month
from aftersales.roles import Role, has_role, role_required
from aftersales.spreadsheets import SafeWriter
from aftersales.web_errors import flash_errors
from network.choices import AdjustmentKind, CenterLevel, DisputeStatus, SettlementLineKind, SettlementStatus
from network.models import Adjustment, Dispute, Region, ServiceCenter, Settlement
from repairs.models import WorkOrderClosing
from repairs.selectors import proof_pending_closings
from settlement import exports
from settlement.pdf import statement_pdf
from settlement.selectors import contract_summary, settlement_month_overview, settlements_for_centres
from settlement.services import (
    MANUAL_ADJUSTMENT_KINDS,
    adjustment_add,
    adjustment_remove,
    dispute_raise,
    dispute_resolve,
    month_bounds,
    previous_month,
    reference_example,
    settlement_compute,
    settlement_confirm,
    settlement_mark_paid,
    settlement_warnings,
)
from settlement.tasks import settlements_draft_month

ROLES = (Role.MANAGER, Role.SUPERVISOR)


def _month(request) -> tuple[dt.date, str | None]:
    """The month asked for (?month=YYYY-MM), or the last complete one; and an error for a bad value."""
    raw = (request.GET.get("month") or request.POST.get("month") or "").strip()
    default = previous_month(timezone.now())
    if not raw:
        return default, None
    month = parse_month(raw)
    if month is None:
        return default, _("“%(value)s” is not a month: use YYYY-MM, e.g. 2026-10.") % {"value": raw[:20]}
    return month, None


def _settlement(request, pk) -> Settlement:
    return get_object_or_404(
        Settlement.objects.for_user(request.user).select_related("center", "center__region__parent"), pk=pk
    )


def _month_url(month: dt.date, **params) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items() if v)
    return f"{reverse('settlement:settlements')}?month={month:%Y-%m}" + (f"&{query}" if query else "")


@role_required(*ROLES)
def settlement_list(request):
    month, month_error = _month(request)
    if month_error:
        messages.error(request, month_error)
    is_manager = has_role(request.user, Role.MANAGER)
    region = None
    if parse_id(request.GET.get("region")) is not None:
        region = Region.objects.filter(pk=parse_id(request.GET.get("region"))).first()
    level = request.GET.get("level", "") if request.GET.get("level") in CenterLevel.values else ""
    status = request.GET.get("status", "")
    if status not in {*SettlementStatus.values, "none"}:
        status = ""
    centres, totals = settlement_month_overview(
        user=request.user, month=month, region=region, level=level, status=status
    )
    window = page_window(request, centres)
    found = settlements_for_centres(month=month, centre_ids=[c.pk for c in window["rows"]])
    rows = [(centre, found.get(centre.pk)) for centre in window["rows"]]
    today = timezone.localdate()
    export = request.GET.copy()
    for key in ("page", "page_size"):
        export.pop(key, None)
    export["month"] = f"{month:%Y-%m}"
    context = {
        **window,
        "rows": rows,
        "month": month,
        "month_value": f"{month:%Y-%m}",
        "max_month": f"{today:%Y-%m}",
        "previous": (month - dt.timedelta(days=1)).replace(day=1),
        "next": (month + dt.timedelta(days=32)).replace(day=1),
        "next_allowed": (month + dt.timedelta(days=32)).replace(day=1) <= today,
        "totals": totals,
        "is_manager": is_manager,
        "regions": Region.objects.filter(level__in=["province", "city"])
        .select_related("parent")
        .order_by("level", "name")
        if is_manager
        else [],
        "region": region,
        "levels": CenterLevel.choices,
        "level": level,
        "statuses": [*SettlementStatus.choices, ("none", _("Not computed"))],
        "status": status,
        "export_query": export.urlencode(),
        # "Compute one centre": the codes of the centres listed, as suggestions for the code field.
        "centre_choices": list(centres.values_list("code", "name")) if is_manager else [],
        # Held out of every statement until a manager clears it: the manager's list before the month is settled.
        "proof_pending": WorkOrderClosing.objects.for_user(request.user).proof_pending().count(),
    }
    return render(request, "network/settlements.html", context)


@role_required(Role.MANAGER)
@require_POST
def settlement_compute_view(request):
    """Compute the drafts of a month: one centre here and now, or every centre in the background."""
    month, month_error = _month(request)
    if month_error:
        messages.error(request, month_error)
        return redirect("settlement:settlements")
    code = request.POST.get("center", "").strip()
    if request.POST.get("one") and not code:
        messages.error(request, _("Enter the code of the centre to compute."))
        return redirect(_month_url(month))
    if code:
        centre = ServiceCenter.objects.filter(code__iexact=code[:20]).first()
        if centre is None:
            messages.error(
                request, _("There is no service centre with the code “%(code)s”.") % {"code": code[:20]}
            )
            return redirect(_month_url(month))
        try:
            settlement = settlement_compute(center=centre, month=month)
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(
                request,
                _("%(center)s: draft of %(month)s computed, %(n)s lines, total %(total)s yuan.")
                % {
                    "center": centre.name,
                    "month": f"{month:%Y-%m}",
                    "n": settlement.lines.count(),
                    "total": yuan(settlement.total_amount, symbol=False),
                },
            )
        return redirect(_month_url(month))
    if month_bounds(month)[0] > timezone.now():
        messages.error(
            request, _("%(month)s has not begun: no settlement yet.") % {"month": f"{month:%Y-%m}"}
        )
        return redirect(_month_url(previous_month(timezone.now())))

    transaction.on_commit(partial(settlements_draft_month.delay, f"{month:%Y-%m}"))
    messages.info(
        request,
        _(
            "Computing the drafts of %(month)s for every active centre in the background: refresh this page in a "
            "minute. Confirmed settlements stay as they are."
        )
        % {"month": f"{month:%Y-%m}"},
    )
    return redirect(_month_url(month))


@role_required(*ROLES)
def settlement_detail(request, pk):
    settlement = _settlement(request, pk)
    is_manager = has_role(request.user, Role.MANAGER)
    lines = settlement.lines.select_related(
        "work_order__call__service_region__parent", "work_order__call__unit__model__category"
    ).order_by("closed_on", "work_order__number", "kind")
    kind = request.GET.get("kind", "")
    if kind:
        lines = lines.filter(kind=kind)
    number = request.GET.get("q", "").strip()
    if number:
        lines = lines.filter(work_order__number__icontains=number[:30])
    window = page_window(request, lines, sizes=(50, 100, 200), default=100)
    disputes = list(settlement.disputes.select_related("work_order", "raised_by", "resolved_by"))
    current = {
        (w, k): a
        for w, k, a in settlement.lines.filter(
            work_order_id__in=[d.work_order_id for d in disputes]
        ).values_list("work_order_id", "kind", "amount")
    }
    for dispute in disputes:  # the line's amount now, beside what the centre claims
        dispute.current_amount = current.get((dispute.work_order_id, dispute.line_kind))
    open_lines = {(d.work_order_id, d.line_kind) for d in disputes if d.status == DisputeStatus.OPEN}
    for line in window["rows"]:
        line.dispute_open = (line.work_order_id, line.kind) in open_lines
    # The centre's side raises disputes, the manager decides them (settlement.services.dispute_raise).
    may_dispute = (
        settlement.status == SettlementStatus.DRAFT
        and settlement.center.supervisors.filter(pk=request.user.pk).exists()
    )
    context = {
        **window,
        "settlement": settlement,
        "center": settlement.center,
        "lines_by_kind": [  # in the order of SettlementLineKind: service fee first
            (SettlementLineKind(kind).label, totals[kind])
            for totals in [
                dict(settlement.lines.order_by().values_list("kind").annotate(total=Sum("amount")))
            ]
            for kind in SettlementLineKind.values
            if kind in totals
        ],
        "adjustments": list(settlement.adjustments.order_by("kind", "pk")),
        "contracts": contract_summary(settlement),
        "disputes": disputes,
        "warnings": settlement_warnings(settlement) if settlement.status == SettlementStatus.DRAFT else [],
        "held": _held(settlement),
        "is_manager": is_manager,
        "may_dispute": may_dispute,
        # The manager sees which lines are disputed (and decides below); the supervisor disputes a line.
        "dispute_column": may_dispute or bool(open_lines),
        "is_draft": settlement.status == SettlementStatus.DRAFT,
        "total_in_words": amount_in_words(settlement.total_amount),
        "manual_kinds": [(k, AdjustmentKind(k).label) for k in MANUAL_ADJUSTMENT_KINDS],
        "reference_example": reference_example(settlement),
        "line_kinds": [
            (value, SettlementLineKind(value).label)
            for value in sorted(set(settlement.lines.order_by().values_list("kind", flat=True)))
        ],
        "kind": kind,
        "q": number,
    }
    return render(request, "network/settlement_detail.html", context)


def _held(settlement: Settlement) -> list:
    """The centre's work closed by the month's end without the customer's proof and not cleared: not in
    the statement (paid in the month a manager clears it). Listed so that the manager sees it before
    confirming."""

    if settlement.status != SettlementStatus.DRAFT:
        return []
    return list(
        proof_pending_closings(center_id=settlement.center_id, until=month_bounds(settlement.month)[1])[:50]
    )


@role_required(Role.MANAGER)
def settlement_confirm_view(request, pk):
    """Confirmation step: the page shows what will be frozen and every warning; the POST confirms."""
    settlement = _settlement(request, pk)
    if request.method == "POST":
        # What the manager saw: a recompute in between (new lines, another total) must be looked at first;
        # compared under the settlement's row lock (settlement.services.settlement_confirm).
        seen = (request.POST.get("computed_at", ""), request.POST.get("total", ""))
        try:
            confirmed = settlement_confirm(settlement=settlement, acting_user=request.user, seen=seen)
        except ValidationError as exc:
            flash_errors(request, exc)
            return redirect("settlement:settlement_confirm", pk=pk)
        messages.success(
            request,
            _("Settlement %(number)s confirmed: %(total)s yuan. It can no longer change.")
            % {"number": confirmed.number, "total": yuan(confirmed.total_amount, symbol=False)},
        )
        return redirect("settlement:settlement_detail", pk=pk)
    return render(
        request,
        "network/settlement_confirm.html",
        {
            "settlement": settlement,
            "center": settlement.center,
            "warnings": settlement_warnings(settlement)
            if settlement.status == SettlementStatus.DRAFT
            else [],
            "held": _held(settlement),
            "order_count": settlement.lines.filter(kind="service_fee").count(),
            "line_count": settlement.lines.count(),
            "total_in_words": amount_in_words(settlement.total_amount),
        },
    )


@role_required(Role.MANAGER)
@require_POST
def settlement_paid_view(request, pk):
    settlement = _settlement(request, pk)
    try:
        settlement_mark_paid(settlement=settlement, acting_user=request.user)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("Settlement %(number)s marked paid.") % {"number": settlement.number})
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("settlement:settlement_detail", args=[pk])
    return redirect(target)


@role_required(Role.MANAGER)
@require_POST
def settlement_recompute_view(request, pk):
    settlement = _settlement(request, pk)
    try:
        settlement_compute(center=settlement.center, month=settlement.month)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("Draft recomputed."))
    return redirect("settlement:settlement_detail", pk=pk)


@role_required(Role.MANAGER)
@require_POST
def adjustment_add_view(request, pk):
    settlement = _settlement(request, pk)
    try:
        adjustment_add(
            settlement=settlement,
            kind=request.POST.get("kind", ""),
            reason=request.POST.get("reason", ""),
            reference=request.POST.get("reference", ""),
            amount=request.POST.get("amount", ""),
            acting_user=request.user,
        )
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("Adjustment added."))
    return redirect(reverse("settlement:settlement_detail", args=[pk]) + "#adjustments")


@role_required(Role.MANAGER)
@require_POST
def adjustment_remove_view(request, pk):
    adjustment = get_object_or_404(
        Adjustment.objects.filter(settlement__in=Settlement.objects.for_user(request.user)), pk=pk
    )
    try:
        adjustment_remove(adjustment=adjustment, acting_user=request.user)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("Adjustment removed."))
    return redirect(reverse("settlement:settlement_detail", args=[adjustment.settlement_id]) + "#adjustments")


@role_required(*ROLES)
@require_POST
def dispute_raise_view(request, pk):
    settlement = _settlement(request, pk)
    line = get_object_or_404(settlement.lines, pk=parse_id(request.POST.get("line"), default=0))
    try:
        dispute = dispute_raise(
            settlement=settlement,
            line=line,
            reason=request.POST.get("reason", ""),
            claimed_amount=request.POST.get("claimed_amount", ""),
            acting_user=request.user,
        )
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(
            request,
            _("Dispute #%(id)s on work order %(number)s sent to the manager.")
            % {"id": dispute.pk, "number": line.work_order.number},
        )
    return redirect(reverse("settlement:settlement_detail", args=[pk]) + "#disputes")


@role_required(Role.MANAGER)
@require_POST
def dispute_resolve_view(request, pk):
    dispute = get_object_or_404(Dispute.objects.for_user(request.user), pk=pk)
    accept = request.POST.get("decision") == "accept"
    try:
        dispute_resolve(
            dispute=dispute,
            accept=accept,
            amount=request.POST.get("amount", ""),
            answer=request.POST.get("answer", ""),
            acting_user=request.user,
        )
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(
            request,
            (
                _("Dispute #%(id)s accepted: the line is changed.")
                if accept
                else _("Dispute #%(id)s rejected.")
            )
            % {"id": dispute.pk},
        )
    return redirect(reverse("settlement:settlement_detail", args=[dispute.settlement_id]) + "#disputes")


# A file a worker builds (a long statement's PDF, a month's zip): the first request asks for it and answers a
# waiting page, which reloads itself with ?wait=1. Once the file is there, that reload answers a page saying it
# is ready, which starts the download and offers its link — the browser stays on a page that says so, instead
# of one still saying "being rendered" under a finished download. A request without ?wait (a link, the
# finished page's own) gets the file itself.
WAIT = "wait"


def _url_with(request, **params) -> str:
    query = request.GET.copy()
    for key, value in params.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    return f"{request.path}?{query.urlencode()}" if query else request.path


def _built_file(request, *, name, respond, ask, context):
    storage = exports.export_storage()
    if storage.exists(name):  # its name carries the statements' fingerprint: it is current
        if request.GET.get(WAIT):
            download = _url_with(request, **{WAIT: None})
            return render(
                request, "network/settlement_zip_wait.html", {**context, "ready": True, "download": download}
            )
        return respond(storage.open(name, "rb"))
    ask()
    return render(
        request,
        "network/settlement_zip_wait.html",
        {**context, "ready": False, "refresh": _url_with(request, **{WAIT: "1"})},
        status=202,
    )


@role_required(*ROLES)
def settlement_pdf_view(request, pk):
    """The statement PDF: rendered here when short; a long one (hundreds of lines take seconds and memory)
    by a worker, the page refreshing until it is ready."""
    settlement = _settlement(request, pk)
    filename = f"{exports.file_stem(settlement)}.pdf"
    lines = settlement.lines.count()
    if lines <= settings.SETTLEMENT_PDF_INLINE_LINES:
        response = HttpResponse(statement_pdf(settlement), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{filename}"'
        return response
    return _built_file(
        request,
        name=exports.pdf_name(settlement),
        respond=lambda file: FileResponse(file, content_type="application/pdf", filename=filename),
        ask=lambda: exports.pdf_request(settlement),
        context={
            "month": settlement.month,
            "count": 1,
            "lines": lines,
            "back": reverse("settlement:settlement_detail", args=[pk]),
        },
    )


@role_required(*ROLES)
@replica_view
def settlement_csv_view(request, pk):
    settlement = _settlement(request, pk)
    return _csv_response(
        f"{exports.file_stem(settlement)}.csv", lambda out: exports.statement_csv(settlement, out)
    )


@role_required(*ROLES)
@replica_view
def settlement_xlsx_view(request, pk):
    settlement = _settlement(request, pk)
    response = HttpResponse(
        exports.statement_xlsx(settlement),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{exports.file_stem(settlement)}.xlsx"'
    return response


def _month_selection(request):
    month, month_error = _month(request)
    if month_error:
        raise Http404
    centres, _totals = settlement_month_overview(
        user=request.user,
        month=month,
        region=Region.objects.filter(pk=parse_id(request.GET.get("region"))).first(),
        level=request.GET.get("level", "") if request.GET.get("level") in CenterLevel.values else "",
        status=request.GET.get("status", "") if request.GET.get("status") in SettlementStatus.values else "",
    )
    settlements = (
        Settlement.objects.for_user(request.user)
        .filter(month=month, center__in=centres.values("pk"))
        .select_related("center", "center__region__parent")
        .order_by("center__code")
    )
    return month, settlements


@role_required(*ROLES)
@replica_view
def month_csv_view(request):
    month, settlements = _month_selection(request)
    return _csv_response(
        f"settlements-{month:%Y-%m}.csv", lambda out: exports.month_csv(settlements, SafeWriter(out))
    )


def _csv_response(filename: str, fill) -> HttpResponse:
    """UTF-8 with a byte-order mark: Excel on a Chinese Windows opens it without mojibake."""
    buffer = io.StringIO()
    fill(buffer)
    response = HttpResponse(("\ufeff" + buffer.getvalue()).encode(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@role_required(*ROLES)
def month_zip_view(request):
    """Every statement PDF of the month (the filtered centres) in one zip. Rendering hundreds of PDFs takes
    minutes, so a worker builds the file; the page says so and refreshes until it is ready."""
    month, settlements = _month_selection(request)
    ids = list(settlements.values_list("pk", flat=True))
    if not ids:
        messages.error(request, _("No settlements of %(month)s to export.") % {"month": f"{month:%Y-%m}"})
        return redirect(_month_url(month))
    return _built_file(
        request,
        name=exports.zip_name(month, ids),
        respond=lambda file: FileResponse(
            file, as_attachment=True, filename=f"settlements-{month:%Y-%m}.zip"
        ),
        ask=lambda: exports.zip_request(month, ids),
        context={"month": month, "count": len(ids), "back": _month_url(month)},
    )
