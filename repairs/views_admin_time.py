"""The technician's tablet: recording their own administrative work (D) — checks of finished work, parts
management, equipment and tool maintenance, short on-the-job training — as time, without a customer's call.
The recording and its rules are the network's (network.services); this page is the tablet's form for it,
with the technician's entries of the last weeks and this month's split of their time."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.roles import Role, role_required
from aftersales.web_errors import error_dict
from network.choices import AdminWorkKind
from network.models import ADMIN_DAY_MAX_MINUTES
from network.services import admin_time_record_posted
from repairs.timesheet import time_splits

RECENT_DAYS = 31  # the entries listed under the form


@role_required(Role.TECHNICIAN)
def tablet_admin_time(request):
    technician = getattr(request.user, "technician", None)
    today = timezone.localdate()
    errors: dict = {}
    values = {"work_date": f"{today:%Y-%m-%d}", "kind": "", "minutes": "", "note": ""}
    if technician is not None and request.method == "POST":
        post = request.POST
        try:
            entry = admin_time_record_posted(technician=technician, post=post, acting_user=request.user)
        except ValidationError as exc:
            errors = error_dict(exc, rest="all")
            values = {k: post.get(k, "") for k in values}
            values["note"] = values["note"][:200]
        else:
            messages.success(
                request,
                _("%(minutes)s minutes of %(kind)s recorded for %(day)s.")
                % {
                    "minutes": entry.minutes,
                    "kind": entry.get_kind_display(),
                    "day": f"{entry.work_date:%Y-%m-%d}",
                },
            )
            return redirect("repairs:tablet_admin_time")
    entries, split = [], None
    if technician is not None:
        entries = list(
            technician.admin_time_entries.filter(work_date__gte=today - dt.timedelta(days=RECENT_DAYS))
            .select_related("recorded_by", "cancelled_by")
            .order_by("-work_date", "-recorded_at", "-pk")
        )
        for entry in entries:
            entry.may_cancel = entry.cancelled_at is None and entry.recorded_by_id == request.user.pk
        (split,) = time_splits(technicians=[technician], month=today)
    return render(
        request,
        "repairs/tablet/admin_time.html",
        {
            "technician": technician,
            "kinds": AdminWorkKind.choices,
            "values": values,
            "errors": errors,
            "entries": entries,
            "split": split,
            "today": f"{today:%Y-%m-%d}",
            "recent_days": RECENT_DAYS,
            "max_minutes": ADMIN_DAY_MAX_MINUTES,
        },
        status=400 if errors else 200,
    )
