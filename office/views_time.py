"""Technicians' time: the monthly report of each technician's time split into the service standard's A paid,
B contract, C free and D administrative work (supervisors their centres', managers every centre's, as a page
and as CSV), one technician's month with their administrative time entries, the supervisor's form to record
administrative time for a technician of their centre, and the cancellation of an entry. Out of scope answers
404. The technician records their own time on the tablet (repairs.views_admin_time)."""

from __future__ import annotations

import datetime as dt
import io

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.dbrouting import replica_view
from aftersales.parsing import parse_id, parse_month
from aftersales.roles import Role, has_role, role_required
from aftersales.spreadsheets import SafeWriter
from aftersales.web_errors import error_dict
from network.choices import AdminWorkKind
from network.models import ADMIN_DAY_MAX_MINUTES, AdminTimeEntry, ServiceCenter, Technician
from network.services import admin_time_cancel, admin_time_record_posted
from repairs.choices import ServiceType
from repairs.timesheet import SERVICE_TYPES, month_range, time_splits, totals

REPORT_ROLES = (Role.MANAGER, Role.SUPERVISOR)


def report_month(request) -> tuple[dt.date, str | None]:
    """The month asked for (?month=YYYY-MM), or the current one; and an error for a bad value or a month
    that has not begun."""
    raw = (request.GET.get("month") or "").strip()
    current = timezone.localdate().replace(day=1)
    if not raw:
        return current, None
    month = parse_month(raw)
    if month is None:
        return current, _("“%(value)s” is not a month: use YYYY-MM, e.g. 2026-10.") % {"value": raw[:20]}
    if month > current:
        return current, _("%(month)s has not begun: showing this month.") % {"month": f"{month:%Y-%m}"}
    return month, None


def _centres(request):
    """The centres the report covers: a supervisor's own; for a manager every centre, or the one chosen."""
    if has_role(request.user, Role.MANAGER):
        centres = ServiceCenter.objects.all()
        chosen = parse_id(request.GET.get("center"))
        if chosen is not None:
            centres = centres.filter(pk=chosen)
    else:
        centres = ServiceCenter.objects.filter(supervisors=request.user)
    return centres.order_by("code")


def _report(request, month):
    """[(centre, [split of each technician], the centre's total)] for the month: four queries in all."""
    centres = list(_centres(request))
    technicians = list(
        Technician.objects.filter(center__in=centres).select_related("center").order_by("employee_no")
    )
    splits = time_splits(technicians=technicians, month=month)
    by_centre = {c.pk: [] for c in centres}
    for split in splits:
        # An inactive technician shows only in a month they worked.
        if split.technician.active or split.total:
            by_centre[split.technician.center_id].append(split)
    return [(c, by_centre[c.pk], totals(by_centre[c.pk])) for c in centres], totals(splits)


@role_required(*REPORT_ROLES)
def technician_time(request):
    month, error = report_month(request)
    if error:
        messages.error(request, error)
    rows, grand = _report(request, month)
    is_manager = has_role(request.user, Role.MANAGER)
    current = timezone.localdate().replace(day=1)
    following = month_range(month)[1]
    return render(
        request,
        "network/technician_time.html",
        {
            "month": month,
            "month_value": f"{month:%Y-%m}",
            "max_month": f"{current:%Y-%m}",
            "previous": (month - dt.timedelta(days=1)).replace(day=1),
            "next": following if following <= current else None,
            "rows": rows,
            "grand": grand,
            # The service types' names (A · Paid service …) for the columns' headings.
            "types": ServiceType.choices,
            "is_manager": is_manager,
            "centre_choices": ServiceCenter.objects.order_by("code").only("pk", "code", "name")
            if is_manager
            else [],
            "center": parse_id(request.GET.get("center")) if is_manager else None,
        },
    )


@role_required(*REPORT_ROLES)
@replica_view
def technician_time_csv(request):
    """The report as CSV, one row per technician (minutes as whole numbers), UTF-8 with a byte-order mark so
    that Excel on a Chinese Windows opens it without mojibake. A bad month answers the current one."""
    month, _error = report_month(request)
    rows, _grand = _report(request, month)
    buffer = io.StringIO()
    writer = SafeWriter(buffer)
    writer.writerow(
        [
            _("Month"),
            _("Centre code"),
            _("Service centre"),
            _("Employee number"),
            _("Technician"),
            *(_("%(type)s (minutes)") % {"type": t} for t in SERVICE_TYPES),
            _("Total (minutes)"),
            *(_("%(type)s share (%%)") % {"type": t} for t in SERVICE_TYPES),
            *(_("%(type)s work orders") % {"type": t} for t in SERVICE_TYPES),
            _("D entries"),
        ]
    )
    for centre, splits, _total in rows:
        for split in splits:
            writer.writerow(
                [
                    f"{month:%Y-%m}",
                    centre.code,
                    centre.name,
                    split.technician.employee_no,
                    split.technician.name,
                    *(split.minutes[t] for t in SERVICE_TYPES),
                    split.total,
                    *(split.share(t) for t in SERVICE_TYPES),
                    *(split.orders[t] for t in SERVICE_TYPES),
                    split.entries,
                ]
            )
    response = HttpResponse(("\ufeff" + buffer.getvalue()).encode(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="technicians-time-{month:%Y-%m}.csv"'
    return response


@role_required(*REPORT_ROLES)
def technician_time_detail(request, pk):
    """One technician's month: the split and the administrative time entries, cancelled ones included."""
    technician = get_object_or_404(Technician.objects.for_user(request.user).select_related("center"), pk=pk)
    month, error = report_month(request)
    if error:
        messages.error(request, error)
    (split,) = time_splits(technicians=[technician], month=month)
    first, after = month_range(month)
    entries = list(
        technician.admin_time_entries.filter(work_date__gte=first, work_date__lt=after)
        .select_related("recorded_by", "cancelled_by", "technician__center")
        .order_by("-work_date", "-recorded_at", "-pk")
    )
    supervises = technician.center.supervisors.filter(pk=request.user.pk).exists()
    for entry in entries:
        entry.may_cancel = entry.cancelled_at is None and supervises
    current = timezone.localdate().replace(day=1)
    following = month_range(month)[1]
    return render(
        request,
        "network/technician_time_detail.html",
        {
            "technician": technician,
            "split": split,
            "entries": entries,
            "month": month,
            "month_value": f"{month:%Y-%m}",
            "max_month": f"{current:%Y-%m}",
            "previous": (month - dt.timedelta(days=1)).replace(day=1),
            "next": following if following <= current else None,
            "may_record": supervises and technician.active,
            "errors": {},
        },
    )


def _recordable(user):
    """The technicians a supervisor records for: the active ones of the centres they run."""
    return (
        Technician.objects.filter(center__supervisors=user, active=True)
        .select_related("center")
        .order_by("center__code", "employee_no")
    )


@role_required(Role.SUPERVISOR)
def admin_time_new(request):
    """The supervisor records administrative time for a technician of their centre."""
    choices = list(_recordable(request.user))
    errors: dict = {}
    today = timezone.localdate()
    if request.method == "POST":
        post = request.POST
        chosen = parse_id(post.get("technician"))
        technician = Technician.objects.select_related("center").filter(pk=chosen).first() if chosen else None
        try:
            entry = admin_time_record_posted(technician=technician, post=post, acting_user=request.user)
        except ValidationError as exc:
            errors = error_dict(exc, rest="all")
        else:
            messages.success(
                request,
                _("%(minutes)s minutes of %(kind)s recorded for %(name)s on %(day)s.")
                % {
                    "minutes": entry.minutes,
                    "kind": entry.get_kind_display(),
                    "name": technician.name,
                    "day": f"{entry.work_date:%Y-%m-%d}",
                },
            )
            return redirect(
                f"{reverse('office:technician_time_detail', args=[technician.pk])}?month={entry.work_date:%Y-%m}"
            )
        values = {k: post.get(k, "") for k in ("technician", "work_date", "kind", "minutes", "note")}
        values["note"] = values["note"][:200]
    else:
        preselect = parse_id(request.GET.get("technician"))
        values = {
            "technician": str(preselect) if any(t.pk == preselect for t in choices) else "",
            "work_date": f"{today:%Y-%m-%d}",
            "kind": "",
            "minutes": "",
            "note": "",
        }
    return render(
        request,
        "network/admin_time_new.html",
        {
            "technicians": choices,
            "kinds": AdminWorkKind.choices,
            "values": values,
            "errors": errors,
            "today": f"{today:%Y-%m-%d}",
            "max_minutes": ADMIN_DAY_MAX_MINUTES,
        },
        status=400 if errors else 200,
    )


@require_POST
@role_required(Role.SUPERVISOR, Role.TECHNICIAN)
def admin_time_cancel_view(request, pk):
    """Cancels an entry, with a reason; back to where the form was (a page of this site), else the
    technician's month (a supervisor) or the tablet page (a technician)."""
    entry = get_object_or_404(
        AdminTimeEntry.objects.for_user(request.user).select_related("technician__center"), pk=pk
    )
    try:
        admin_time_cancel(entry=entry, reason=request.POST.get("reason", ""), acting_user=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("The entry of %(day)s (%(minutes)s minutes) is cancelled; it no longer counts.")
            % {"day": f"{entry.work_date:%Y-%m-%d}", "minutes": entry.minutes},
        )
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        return redirect(back)
    if entry.technician.user_id != request.user.pk:  # a supervisor's: back to the technician's month
        return redirect(
            f"{reverse('office:technician_time_detail', args=[entry.technician_id])}?month={entry.work_date:%Y-%m}"
        )
    return redirect("repairs:tablet_admin_time")
