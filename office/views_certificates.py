"""Staff certificates (上岗证) and the centres' tasks: the list of certificates with their expiry (dispatchers
and managers every one; a supervisor those of their centres' staff and their own), and marking a centre's task
done from the supervisor's home page. Out of scope answers 404."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from aftersales.paging import page_window
from aftersales.parsing import parse_id
from aftersales.roles import Role, has_role, role_required
from aftersales.web_errors import flash_errors
from network.certificates import EXPIRY_NOTICE_DAYS, center_task_done
from network.choices import CertificateKind
from network.models import CenterTask, Certificate, ServiceCenter
from repairs.models import ProductCategory

CERTIFICATE_ROLES = (Role.MANAGER, Role.DISPATCHER, Role.SUPERVISOR)
STATES = {
    "current": gettext_lazy("In force"),
    "expiring": gettext_lazy("Expiring within 30 days"),
    "expired": gettext_lazy("Expired"),
    "revoked": gettext_lazy("Revoked"),
    "all": gettext_lazy("All"),
}


def _state(rows, state: str, today: dt.date):
    if state == "current":
        return rows.filter(revoked_at__isnull=True, expires_on__gte=today).order_by("expires_on", "number")
    if state == "expiring":
        end = today + dt.timedelta(days=EXPIRY_NOTICE_DAYS)
        return rows.filter(revoked_at__isnull=True, expires_on__gte=today, expires_on__lte=end).order_by(
            "expires_on", "number"
        )
    if state == "expired":
        return rows.filter(revoked_at__isnull=True, expires_on__lt=today).order_by("-expires_on", "number")
    if state == "revoked":
        return rows.filter(revoked_at__isnull=False).order_by("-revoked_at", "number")
    return rows.order_by("expires_on", "number")


@role_required(*CERTIFICATE_ROLES)
def certificate_list(request):
    """Certificates soonest to expire first, filtered by state, kind, category, centre and a number or name."""
    today = timezone.localdate()
    state = request.GET.get("state") or "current"
    if state not in STATES:
        state = "all"
    rows = Certificate.objects.for_user(request.user).select_related(
        "holder__technician__center", "category", "training"
    )
    kind = request.GET.get("kind", "")
    if kind in CertificateKind.values:
        rows = rows.filter(kind=kind)
    else:
        kind = ""
    category = parse_id(request.GET.get("category"))
    if category is not None:
        rows = rows.filter(category_id=category)
    center = parse_id(request.GET.get("center"))
    if center is not None:
        rows = rows.filter(holder__technician__center_id=center)
    q = (request.GET.get("q") or "").strip().replace("\x00", "")[:40]
    if q:
        rows = rows.filter(
            Q(number__icontains=q)
            | Q(holder__technician__name__icontains=q)
            | Q(holder__first_name__icontains=q)
            | Q(holder__username__iexact=q)
        )
    context = page_window(request, _state(rows, state, today))
    if has_role(request.user, Role.MANAGER, Role.DISPATCHER):
        centers = ServiceCenter.objects.all()
    else:
        centers = ServiceCenter.objects.filter(supervisors=request.user)
    context.update(
        {
            "today": today,
            "soon": today + dt.timedelta(days=EXPIRY_NOTICE_DAYS),
            "state": state,
            "states": list(STATES.items()),
            "kind": kind,
            "kinds": CertificateKind.choices,
            "category": category,
            "categories": ProductCategory.objects.order_by("sort_order"),
            "center": center,
            "centers": centers.order_by("code").only("pk", "code", "name"),
            "q": q,
        }
    )
    return render(request, "network/certificates.html", context)


@require_POST
@role_required(Role.SUPERVISOR, Role.MANAGER)
def center_task_done_view(request, pk):
    """Marks a task done and goes back to the supervisor's home (a manager to the admin's list of tasks)."""
    task = get_object_or_404(CenterTask.objects.for_user(request.user), pk=pk)
    try:
        center_task_done(task=task, acting_user=request.user)
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("Task done: %(title)s") % {"title": task.title})
    if has_role(request.user, Role.SUPERVISOR):
        return redirect("office:my_center")
    return redirect("admin:network_centertask_changelist")
