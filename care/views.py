"""Customer care's pages: the callback queue (回访) with attempts and reviews, the complaint register (投诉)
with the staff's three steps, the notifications behind the bell, and the breaches now.

Scope: dispatchers and managers see everything; a supervisor their centres' rows (others answer 404).
Every write calls care.services; a refused one keeps what was typed and says why in Chinese."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Avg, Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.paging import page_window
from aftersales.parsing import parse_id, parse_ids, parse_int
from aftersales.roles import STAFF_ROLES, Role, has_role, role_required
from aftersales.web_errors import error_dict
from network.models import ServiceCenter, Technician
from repairs.models import RepairCall

from . import services
from .choices import (
    CONDUCT_CATEGORIES,
    CallbackOutcome,
    CallbackReview,
    CallbackStatus,
    ComplaintCategory,
    ComplaintStatus,
    Stage,
)
from .models import Callback, Complaint, Deadline, Notification
from .selectors import complaint_category_groups, staff_three_steps

CARE_ROLES = (Role.DISPATCHER, Role.MANAGER, Role.SUPERVISOR)
ACTING_ROLES = (Role.DISPATCHER, Role.MANAGER)
OVERDUE_AFTER = dt.timedelta(hours=24)  # a callback still not made a day after it was due
CALLBACK_VIEWS = ("due", "overdue", "upcoming", "review", "done")
CONDUCT = "conduct"  # the complaints list's filter value for every conduct category at once


def _centers(user):
    return ServiceCenter.objects.for_user(user).order_by("code").only("pk", "code", "name")


def _center_filter(request, rows, field="center"):
    value = parse_id(request.GET.get("center"))
    if value is not None:
        return rows.filter(**{f"{field}_id": value}), value
    return rows, None


# Callbacks ---------------------------------------------------------------------------------------------


@role_required(*CARE_ROLES)
def callbacks(request):
    """The clerks' queue: due now, overdue (a day past due), upcoming, reached and waiting for review, done."""
    view = request.GET.get("view", "due")
    if view not in CALLBACK_VIEWS:
        view = "due"
    now = timezone.now()
    scope = Callback.objects.for_user(request.user)
    scope, center = _center_filter(request, scope)
    pending = Q(status=CallbackStatus.PENDING)
    windows = {
        "due": pending & Q(due_at__lte=now, due_at__gt=now - OVERDUE_AFTER),
        "overdue": pending & Q(due_at__lte=now - OVERDUE_AFTER),
        "upcoming": pending & Q(due_at__gt=now),
        "review": Q(status=CallbackStatus.REACHED),
        "done": Q(status__in=[CallbackStatus.DONE, CallbackStatus.UNREACHABLE]),
    }
    counts = scope.aggregate(**{name: Count("pk", filter=q) for name, q in windows.items() if name != "done"})
    rows = (
        scope.filter(windows[view])
        .select_related("call__customer", "work_order", "center", "technician")
        .order_by("-done_at" if view == "done" else "due_at", "pk")
    )
    context = page_window(request, rows)
    context.update(
        {"view": view, "counts": counts, "centers": _centers(request.user), "center": center, "now": now}
    )
    return render(request, "care/callbacks.html", context)


def _callback(request, pk) -> Callback:
    return get_object_or_404(
        Callback.objects.for_user(request.user).select_related(
            "call__customer",
            "call__unit__model",
            "work_order__technician",
            "center",
            "redo_order",
            "complaint",
        ),
        pk=pk,
    )


def _callback_page(request, callback, *, attempt=None, review=None, status=200):
    order = callback.work_order
    closing = getattr(order, "closing", None) if order else None
    return render(
        request,
        "care/callback_detail.html",
        {
            "callback": callback,
            "call": callback.call,
            "order": order,
            "closing": closing,
            "attempts": list(callback.attempts_made.select_related("by")),
            "outcomes": CallbackOutcome.choices,
            "reviews": CallbackReview.choices,
            "can_act": has_role(request.user, *ACTING_ROLES),
            "attempt": attempt or {"post": {}, "errors": {}},
            "review": review or {"post": {}, "errors": {}},
            "max_attempts": settings.CARE_CALLBACK_MAX_ATTEMPTS,
        },
        status=status,
    )


@role_required(*CARE_ROLES)
def callback_detail(request, pk):
    return _callback_page(request, _callback(request, pk))


@require_POST
@role_required(*ACTING_ROLES)
def callback_attempt(request, pk):
    callback = _callback(request, pk)
    post = request.POST
    satisfaction = post.get("satisfaction", "")
    solved = {"yes": True, "no": False}.get(post.get("solved", ""))
    try:
        row = services.callback_record_attempt(
            callback=callback,
            outcome=post.get("outcome", ""),
            satisfaction=parse_int(satisfaction, low=-100, high=100),
            solved=solved,
            words=post.get("customer_words", ""),
            acting_user=request.user,
        )
    except ValidationError as exc:
        return _callback_page(
            request, callback, attempt={"post": post, "errors": error_dict(exc)}, status=400
        )
    if row.status == CallbackStatus.REACHED:
        messages.success(request, _("Callback recorded: review it below."))
    elif row.status == CallbackStatus.UNREACHABLE:
        messages.warning(
            request, _("The customer could not be reached: the callback is closed as unreachable.")
        )
    else:
        messages.info(
            request,
            _("No answer: try again at %(when)s (attempt %(n)s of %(max)s).")
            % {
                "when": timezone.localtime(row.due_at).strftime("%H:%M"),
                "n": row.attempts,
                "max": settings.CARE_CALLBACK_MAX_ATTEMPTS,
            },
        )
    return redirect("care:callback_detail", pk=row.pk)


@require_POST
@role_required(*ACTING_ROLES)
def callback_review(request, pk):
    callback = _callback(request, pk)
    try:
        row = services.callback_review(
            callback=callback,
            review=request.POST.get("review", ""),
            note=request.POST.get("review_note", ""),
            acting_user=request.user,
        )
    except ValidationError as exc:
        return _callback_page(
            request, callback, review={"post": request.POST, "errors": error_dict(exc)}, status=400
        )
    if row.review == CallbackReview.REDO:
        messages.success(
            request,
            _("Sent back to be redone as work order %(number)s: dispatch it from the register.")
            % {"number": row.redo_order.number},
        )
    else:
        messages.success(request, _("Callback done: %(review)s.") % {"review": row.get_review_display()})
    return redirect("care:callbacks")


# Complaints --------------------------------------------------------------------------------------------


@role_required(*CARE_ROLES)
def complaints(request):
    rows = Complaint.objects.for_user(request.user).select_related("call", "center", "technician")
    rows, center = _center_filter(request, rows)
    status = request.GET.get("status", "")
    if status in ComplaintStatus.values:
        rows = rows.filter(status=status)
    if request.GET.get("upheld") == "1":
        rows = rows.filter(upheld=True)
    category = request.GET.get("category", "")
    if category in ComplaintCategory.values:
        rows = rows.filter(category=category)
    elif category == CONDUCT:
        rows = rows.filter(category__in=CONDUCT_CATEGORIES)
    else:
        category = ""
    technician = parse_id(request.GET.get("technician"))
    if technician is not None:
        rows = rows.filter(technician_id=technician)
    resolved_from = _date_param(request, "resolved_from")
    if resolved_from:
        rows = rows.filter(
            resolved_at__gte=timezone.make_aware(dt.datetime.combine(resolved_from, dt.time.min))
        )
    context = page_window(request, rows.order_by("-received_at", "-pk"))
    context.update(
        {
            "centers": _centers(request.user),
            "center": center,
            "status": status,
            "statuses": ComplaintStatus.choices,
            "category": category,
            "category_groups": complaint_category_groups(),
            "conduct": CONDUCT,
            "technician": technician,
            "upheld": request.GET.get("upheld") == "1",
            "resolved_from": resolved_from,
            "now": timezone.now(),
            "can_register": has_role(request.user, *ACTING_ROLES),
        }
    )
    return render(request, "care/complaints.html", context)


def _date_param(request, name: str) -> dt.date | None:
    """A YYYY-MM-DD query parameter, or None when it is missing or no real date (2026-02-30)."""
    try:
        return parse_date(request.GET.get(name, ""))
    except ValueError:
        return None


@role_required(*ACTING_ROLES)
def complaint_new(request):
    """Registers a complaint about a call: found by its number, with the work order and the staff member."""
    source = request.POST if request.method == "POST" else request.GET
    number = source.get("call_number", "").strip().upper()
    call = None
    if parse_id(source.get("call")) is not None:
        call = RepairCall.objects.filter(pk=parse_id(source.get("call"))).first()
    elif number:
        call = RepairCall.objects.filter(number=number).first()
    errors: dict = {}
    if number and call is None:
        errors["call_number"] = [_("No repair call has the number %(n)s.") % {"n": number}]
    orders = (
        list(call.work_orders.select_related("center", "technician").order_by("created_at")) if call else []
    )
    technicians = list(
        Technician.objects.filter(center_id__in={o.center_id for o in orders if o.center_id}).order_by("name")
    )
    if request.method == "POST" and call is not None:
        post = request.POST
        order = next((o for o in orders if str(o.pk) == post.get("work_order")), None)
        technician = next((t for t in technicians if str(t.pk) == post.get("technician")), None)
        try:
            complaint = services.complaint_register(
                data=services.ComplaintInput(
                    call=call,
                    category=post.get("category", ""),
                    description=post.get("description", ""),
                    work_order=order,
                    technician=technician,
                ),
                acting_user=request.user,
            )
        except ValidationError as exc:
            errors.update(error_dict(exc))
        else:
            messages.success(
                request,
                _("Complaint %(number)s registered: reply by %(reply)s, resolve by %(resolve)s.")
                % {
                    "number": complaint.number,
                    "reply": timezone.localtime(complaint.reply_due_at).strftime("%Y-%m-%d %H:%M"),
                    "resolve": timezone.localtime(complaint.resolve_due_at).strftime("%Y-%m-%d"),
                },
            )
            return redirect("care:complaint_detail", pk=complaint.pk)
    elif request.method == "POST" and not errors:
        errors["call_number"] = [_("Enter the repair call's number.")]
    return render(
        request,
        "care/complaint_new.html",
        {
            "call": call,
            "call_number": call.number if call else number,
            "orders": orders,
            "technicians": technicians,
            "category_groups": complaint_category_groups(),
            "post": request.POST if request.method == "POST" else {},
            "errors": errors,
        },
        status=400 if errors and request.method == "POST" else 200,
    )


def _complaint(request, pk) -> Complaint:
    return get_object_or_404(
        Complaint.objects.for_user(request.user).select_related(
            "call__customer", "work_order", "center", "technician", "received_by", "handled_by"
        ),
        pk=pk,
    )


def _complaint_page(request, complaint, *, form=None, status=200):
    return render(
        request,
        "care/complaint_detail.html",
        {
            "complaint": complaint,
            "deadlines": list(complaint.deadlines.order_by("due_at")),
            "callbacks": list(complaint.callbacks.all()),
            "can_reply": has_role(request.user, *CARE_ROLES) and complaint.status == ComplaintStatus.OPEN,
            "can_resolve": has_role(request.user, Role.MANAGER)
            and complaint.status != ComplaintStatus.RESOLVED,
            "form": form or {"post": {}, "errors": {}},
            "now": timezone.now(),
        },
        status=status,
    )


@role_required(*CARE_ROLES)
def complaint_detail(request, pk):
    return _complaint_page(request, _complaint(request, pk))


@require_POST
@role_required(*CARE_ROLES)
def complaint_reply(request, pk):
    complaint = _complaint(request, pk)
    try:
        services.complaint_reply(
            complaint=complaint, reply=request.POST.get("reply", ""), acting_user=request.user
        )
    except ValidationError as exc:
        return _complaint_page(
            request, complaint, form={"post": request.POST, "errors": error_dict(exc)}, status=400
        )
    messages.success(request, _("Reply recorded."))
    return redirect("care:complaint_detail", pk=complaint.pk)


@require_POST
@role_required(Role.MANAGER)
def complaint_resolve(request, pk):
    complaint = _complaint(request, pk)
    upheld = {"yes": True, "no": False}.get(request.POST.get("upheld", ""))
    try:
        services.complaint_resolve(
            complaint=complaint,
            resolution=request.POST.get("resolution", ""),
            upheld=upheld,
            acting_user=request.user,
        )
    except ValidationError as exc:
        return _complaint_page(
            request, complaint, form={"post": request.POST, "errors": error_dict(exc)}, status=400
        )
    messages.success(request, _("Complaint resolved; the customer will be called back."))
    return redirect("care:complaint_detail", pk=complaint.pk)


@role_required(Role.MANAGER, Role.SUPERVISOR)
def complaint_staff(request):
    """Who is at which of the three steps: upheld complaints about each staff member's own conduct."""
    rows = staff_three_steps(user=request.user)
    since = timezone.now() - dt.timedelta(days=90)
    satisfaction = list(
        Callback.objects.for_user(request.user)
        .filter(technician__isnull=False, satisfaction__isnull=False, reached_at__gte=since)
        .values("technician__name", "technician__employee_no", "technician__center__name")
        .annotate(
            average=Avg("satisfaction"), callbacks=Count("pk"), unsolved=Count("pk", filter=Q(solved=False))
        )
        .order_by("average", "-callbacks")
    )
    return render(request, "care/complaint_staff.html", {"rows": rows, "satisfaction": satisfaction})


# Notifications and breaches ----------------------------------------------------------------------------


@role_required(*STAFF_ROLES)
def notifications(request):
    rows = Notification.objects.filter(user=request.user).order_by("-created_at", "-pk")
    context = page_window(request, rows)
    context["unread_ids"] = [n.pk for n in context["rows"] if n.read_at is None]
    return render(request, "care/notifications.html", context)


@require_POST
@role_required(*STAFF_ROLES)
def notifications_read(request):
    ids = parse_ids(request.POST.getlist("id"))
    services.notifications_read(user=request.user, ids=ids or None)
    target = request.POST.get("next", "")
    if target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    return redirect("care:notifications")


@role_required(*CARE_ROLES)
def breaches(request):
    """Deadlines breached and still running, oldest first: what is late right now."""
    rows = Deadline.objects.for_user(request.user).breached_now()
    rows, center = _center_filter(request, rows)
    stage = request.GET.get("stage", "")
    if stage in Stage.values:
        rows = rows.filter(stage=stage)
    rows = rows.select_related(
        "work_order__call", "complaint", "remedy_request", "center", "technician"
    ).order_by("due_at", "pk")
    context = page_window(request, rows)
    context.update(
        {
            "centers": _centers(request.user),
            "center": center,
            "stage": stage,
            "stages": Stage.choices,
            "now": timezone.now(),
        }
    )
    return render(request, "care/breaches.html", context)
