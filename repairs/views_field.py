"""The field's exceptions on the pages: the call page's panel of each work order (move the appointment,
give the order to someone else, record a visit where nobody was at home, cancel after such visits), the
technician's tablet pages for the two he does himself, and the photos of the doors. Every write goes
through repairs.field."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from aftersales.fields import DayField
from aftersales.roles import Role, has_role, role_required
from aftersales.web_errors import error_dict
from network.models import ServiceCenter, Technician

from . import field
from .choices import REDISPATCHABLE, RESCHEDULABLE, RescheduleReason, WorkOrderStatus
from .forms import DispatchForm
from .models import NotHomeVisit, WorkOrder
from .selectors import tablet_scope, with_verdict_in_force

OFFICE_ROLES = (Role.DISPATCHER, Role.SUPERVISOR, Role.MANAGER)
TABLET_ROLES = (Role.TECHNICIAN, Role.SUPERVISOR)


# Forms: what the person typed, read; the rules are the service's. -----------------------------------------


class _WindowFields(forms.Form):
    day = DayField(label=gettext_lazy("New appointment day"))
    start = forms.TimeField(
        label=gettext_lazy("From"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    end = forms.TimeField(
        label=gettext_lazy("Until"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )

    def window(self) -> tuple[dt.datetime, dt.datetime]:
        day = self.cleaned_data["day"]
        return (
            timezone.make_aware(dt.datetime.combine(day, self.cleaned_data["start"])),
            timezone.make_aware(dt.datetime.combine(day, self.cleaned_data["end"])),
        )


class RescheduleForm(_WindowFields):
    reason = forms.ChoiceField(label=gettext_lazy("Reason"), choices=RescheduleReason.choices)
    note = forms.CharField(label=gettext_lazy("Note"), max_length=field.NOTE_MAX, required=False)
    # The number of moves the person saw: a move made meanwhile refuses this one (repairs.field).
    seen = forms.IntegerField(min_value=0, max_value=32767, required=False, widget=forms.HiddenInput)


class RedispatchForm(forms.Form):
    center = forms.ModelChoiceField(
        label=gettext_lazy("Service centre"), queryset=ServiceCenter.objects.none()
    )
    technician = forms.ModelChoiceField(
        label=gettext_lazy("Technician"),
        queryset=Technician.objects.none(),
        required=False,
        empty_label=gettext_lazy("The centre assigns"),
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=field.NOTE_MAX)
    seen = forms.IntegerField(min_value=0, max_value=32767, required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["center"].queryset = ServiceCenter.objects.all()
        self.fields["technician"].queryset = Technician.objects.select_related("center")


class NotHomeForm(forms.Form):
    day = DayField(label=gettext_lazy("Day"))
    arrived = forms.TimeField(
        label=gettext_lazy("Arrived at the door at"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    # Read by the service (whole numbers, their ranges), which says what is wrong in one place.
    calls_made = forms.CharField(label=gettext_lazy("Calls made to the customer"), max_length=10)
    travel_km = forms.CharField(label=gettext_lazy("Distance one way (km)"), max_length=10)
    note = forms.CharField(label=gettext_lazy("Note"), max_length=field.NOTE_MAX, required=False)
    photo = forms.FileField(label=gettext_lazy("Photo of the door"), required=False)

    def arrived_at(self) -> dt.datetime:
        return timezone.make_aware(
            dt.datetime.combine(self.cleaned_data["day"], self.cleaned_data["arrived"])
        )


class CancelForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("Reason for cancelling"), max_length=500)


def _form_errors(request, form) -> None:
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}：{error}" if label else error)


# What a page offers -----------------------------------------------------------------------------------------


def reasons_for(order: WorkOrder, *, not_home_visits: int) -> list[tuple[str, str]]:
    offered = list(field.OFFERED_REASONS)
    if order.status == WorkOrderStatus.TO_RESCHEDULE and not_home_visits:
        offered.insert(0, RescheduleReason.NOT_HOME)
    return [(r, RescheduleReason(r).label) for r in offered]


def _next_window(order: WorkOrder, now: dt.datetime) -> dict:
    """The form's first window: the next two hours on the hour inside the centre's hours (tomorrow after them)."""
    initial = DispatchForm.initial_window(now)
    center = order.center
    if center is not None and not (
        center.opens_at <= initial["start"] and initial["end"] <= center.closes_at
    ):
        day = initial["day"] + dt.timedelta(days=1) if initial["start"] > center.opens_at else initial["day"]
        start = dt.datetime.combine(day, center.opens_at)
        initial = {"day": day, "start": start.time(), "end": (start + dt.timedelta(hours=2)).time()}
    return initial


def field_panel(user, order: WorkOrder, now: dt.datetime) -> dict:
    """The call page's field panel of one order: its moves, hand-overs and empty visits, and the actions the
    user may take on it now (a few queries per order; a call has one or two)."""
    reschedules = list(order.reschedules.select_related("by").order_by("at", "pk"))
    redispatches = list(
        order.redispatches.select_related(
            "by", "from_center", "from_technician", "to_center", "to_technician"
        )
    )
    visits = list(order.not_home_visits.select_related("by", "technician"))
    supervises = field._supervises(user, order.center_id)
    decides = field.supervisor_decides(order, not_home_visits=len(visits))
    panel = {
        "reschedules": reschedules,
        "redispatches": redispatches,
        "visits": visits,
        "supervisor_decides": decides,
        "can_reschedule": order.status in RESCHEDULABLE
        and field.may_reschedule(user, order)
        and (supervises or not decides),
        "can_redispatch": order.status in REDISPATCHABLE and field.may_redispatch(user, order),
        "can_not_home": order.status in field.NOT_HOME_FROM and field.may_record_not_home(user, order),
        "can_cancel": order.status == WorkOrderStatus.TO_RESCHEDULE
        and (
            supervises
            if len(visits) >= field.NOT_HOME_VISITS_BEFORE_SUPERVISOR
            else has_role(user, Role.DISPATCHER) or supervises
        ),
    }
    if panel["can_reschedule"]:
        panel["reasons"] = reasons_for(order, not_home_visits=len(visits))
        panel["window"] = _next_window(order, now)
    if panel["can_redispatch"]:
        panel.update(_redispatch_choices(user, order))
    if panel["can_not_home"]:
        panel["today"] = timezone.localdate(now)
        panel["arrived"] = timezone.localtime(now).strftime("%H:%M")
    return panel


def _redispatch_choices(user, order: WorkOrder) -> dict:
    """The centres the order may go to (its own; for a dispatcher or manager, every active centre whose
    agreement covers the call) and their active technicians certified for the product."""
    call = order.call
    category_id = call.unit.model.category_id
    centers = ServiceCenter.objects.filter(pk=order.center_id)
    if has_role(user, Role.DISPATCHER, Role.MANAGER):
        today = timezone.localdate()
        centers = ServiceCenter.objects.active_on(today).filter(
            Q(pk=order.center_id) | Q(coverage=call.service_region_id, categories=category_id)
        )
    centers = list(centers.distinct().order_by("code"))
    technicians = list(
        Technician.objects.filter(center__in=centers, active=True, categories=category_id)
        .select_related("center")
        .order_by("center__code", "employee_no")
    )
    return {"centers": centers, "technicians": technicians}


# The office: the call page's actions --------------------------------------------------------------------


def _office_order(request, pk) -> WorkOrder:
    return get_object_or_404(
        WorkOrder.objects.for_user(request.user).select_related("call", "center", "technician"), pk=pk
    )


def _back(order: WorkOrder):
    return redirect(reverse("repairs:call_detail", args=[order.call_id]) + f"#wo-{order.pk}")


def _flash(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _office_action(request, form, act) -> None:
    """The call page's field actions: the form checked, then `act(cleaned_data)` — the service, returning the
    message of success — with every refusal flashed and nothing changed."""
    if not form.is_valid():
        _form_errors(request, form)
        return
    try:
        message = act(form.cleaned_data)
    except ValidationError as exc:
        _flash(request, exc)
    else:
        messages.success(request, message)


@require_POST
@role_required(*OFFICE_ROLES)
def work_order_reschedule(request, pk):
    """改约 from the call page (the dispatcher on the phone with the customer, the centre's supervisor)."""
    order = _office_order(request, pk)
    form = RescheduleForm(request.POST)

    def act(data):
        start, end = form.window()
        field.work_order_reschedule(
            work_order=order,
            appointment_start=start,
            appointment_end=end,
            reason=data["reason"],
            note=data["note"],
            seen_reschedules=data["seen"],
            acting_user=request.user,
        )
        return _("Work order %(number)s: the appointment is now %(window)s; the customer is told by SMS.") % {
            "number": order.number,
            "window": field._window(start, end),
        }

    _office_action(request, form, act)
    return _back(order)


@require_POST
@role_required(*OFFICE_ROLES)
def work_order_redispatch(request, pk):
    """改派 from the call page."""
    order = _office_order(request, pk)

    def act(data):
        field.work_order_redispatch(
            work_order=order,
            center=data["center"],
            technician=data["technician"],
            reason=data["reason"],
            seen_redispatches=data["seen"],
            acting_user=request.user,
        )
        return (
            _("Work order %(number)s re-dispatched to %(center)s · %(technician)s.")
            if data["technician"]
            else _("Work order %(number)s re-dispatched to %(center)s.")
        ) % {
            "number": order.number,
            "center": data["center"].name,
            "technician": getattr(data["technician"], "name", ""),
        }

    _office_action(request, RedispatchForm(request.POST), act)
    # The order may have left the user's scope (another centre): the register then, not a 404.
    if not WorkOrder.objects.for_user(request.user).filter(pk=order.pk).exists():
        return redirect("repairs:register")
    return _back(order)


@require_POST
@role_required(*OFFICE_ROLES)
def work_order_not_home(request, pk):
    """上门未遇 recorded by the office for the technician (who phoned it in)."""
    order = _office_order(request, pk)
    form = NotHomeForm(request.POST, request.FILES)

    def act(data):
        field.work_order_not_home(
            work_order=order,
            arrived_at=form.arrived_at(),
            calls_made=data["calls_made"],
            travel_km=data["travel_km"],
            note=data["note"],
            photo=data["photo"],
            acting_user=request.user,
        )
        return _("Work order %(number)s: nobody at home recorded; it waits for a new appointment.") % {
            "number": order.number
        }

    _office_action(request, form, act)
    return _back(order)


@require_POST
@role_required(*OFFICE_ROLES)
def work_order_not_home_cancel(request, pk):
    """No further visit after nobody was at home: cancelled, the customer told."""
    order = _office_order(request, pk)

    def act(data):
        field.work_order_not_home_cancel(work_order=order, note=data["note"], acting_user=request.user)
        return _("Work order %(number)s cancelled; the customer is told by SMS.") % {"number": order.number}

    _office_action(request, CancelForm(request.POST), act)
    return _back(order)


# The tablet ------------------------------------------------------------------------------------------------


def _tablet_order(request, pk) -> WorkOrder:

    scope, _tech, _centers = tablet_scope(request.user)
    return get_object_or_404(
        with_verdict_in_force(scope).select_related(
            "call__customer", "call__unit__model__category", "call__warranty_decision", "center", "technician"
        ),
        pk=pk,
    )


def tablet_actions(user, order: WorkOrder) -> dict:
    """What the tablet's order page offers of the field's exceptions."""
    visits = order.not_home_visits.count()
    decides = field.supervisor_decides(order, not_home_visits=visits)
    return {
        "can_reschedule": order.status in RESCHEDULABLE
        and field.may_reschedule(user, order)
        and (not decides or field._supervises(user, order.center_id)),
        "can_not_home": order.status in field.NOT_HOME_FROM and field.may_record_not_home(user, order),
        "supervisor_decides": decides and order.status in RESCHEDULABLE,
        "not_home_visits": visits,
        "reschedule_count": order.reschedule_count,
    }


@role_required(*TABLET_ROLES)
def tablet_reschedule(request, pk):
    """改约 on the tablet: the technician phones the customer, agrees a new window, and records it here."""
    order = _tablet_order(request, pk)
    actions = tablet_actions(request.user, order)
    back = reverse("repairs:tablet_order", args=[order.pk])
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        form = RescheduleForm(request.POST)
        if not request.POST.get("phoned"):
            errors["phoned"] = [_("Phone the customer and agree the new time before moving the appointment.")]
        if form.is_valid() and not errors:
            start, end = form.window()
            try:
                field.work_order_reschedule(
                    work_order=order,
                    appointment_start=start,
                    appointment_end=end,
                    reason=form.cleaned_data["reason"],
                    note=form.cleaned_data["note"],
                    seen_reschedules=form.cleaned_data["seen"],
                    acting_user=request.user,
                )
            except ValidationError as exc:
                errors = error_dict(exc, rest="status")
            else:
                messages.success(
                    request,
                    _("The appointment is now %(window)s; the customer gets an SMS.")
                    % {"window": field._window(start, end)},
                )
                return redirect(back)
        for name, field_errors in form.errors.items():
            errors.setdefault(name if name in form.fields else "status", []).extend(field_errors)
        if "status" in errors and not form.errors:  # the order moved on meanwhile: its page as it is now
            for message in errors["status"]:
                messages.error(request, message)
            return redirect(back)
    elif not actions["can_reschedule"]:
        messages.error(
            request,
            _("Work order %(number)s: the appointment cannot be moved from the tablet now.")
            % {"number": order.number},
        )
        return redirect(back)
    window = _next_window(order, timezone.now())
    post = request.POST if request.method == "POST" else {}
    return render(
        request,
        "repairs/field/tablet_reschedule.html",
        {
            "order": order,
            "call": order.call,
            "errors": errors,
            "post": post,
            "window": window,
            "reasons": reasons_for(order, not_home_visits=actions["not_home_visits"]),
            "actions": actions,
        },
        status=400 if errors else 200,
    )


@role_required(*TABLET_ROLES)
def tablet_not_home(request, pk):
    """上门未遇 at the door: when he arrived, the calls made, a photo of the door or a note, the distance."""
    order = _tablet_order(request, pk)
    back = reverse("repairs:tablet_order", args=[order.pk])
    errors: dict[str, list[str]] = {}
    now = timezone.now()
    if request.method == "POST":
        form = NotHomeForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                field.work_order_not_home(
                    work_order=order,
                    arrived_at=form.arrived_at(),
                    calls_made=form.cleaned_data["calls_made"],
                    travel_km=form.cleaned_data["travel_km"],
                    note=form.cleaned_data["note"],
                    photo=form.cleaned_data["photo"],
                    acting_user=request.user,
                )
            except ValidationError as exc:
                errors = error_dict(exc, rest="status")
            else:
                messages.success(
                    request,
                    _(
                        "Recorded: nobody at home. The customer gets an SMS; agree a new time with them or the centre."
                    ),
                )
                return redirect(back)
        else:
            errors = {name: list(errs) for name, errs in form.errors.items()}
        if set(errors) == {"status"}:
            for message in errors["status"]:
                messages.error(request, message)
            return redirect(back)
    elif order.status not in field.NOT_HOME_FROM:
        messages.error(
            request,
            _("Work order %(number)s is “%(status)s”: nobody at home is recorded on the way or at the door.")
            % {"number": order.number, "status": order.get_status_display()},
        )
        return redirect(back)
    post = request.POST if request.method == "POST" else {}
    return render(
        request,
        "repairs/field/tablet_not_home.html",
        {
            "order": order,
            "call": order.call,
            "errors": errors,
            "post": post,
            "today": timezone.localdate(now),
            "arrived": timezone.localtime(now).strftime("%H:%M"),
            "photo_max_mb": settings.WORK_ORDER_PHOTO_MAX_BYTES // 1024 // 1024,
        },
        status=400 if errors else 200,
    )


@role_required(Role.TECHNICIAN, Role.SUPERVISOR, Role.DISPATCHER, Role.MANAGER)
def not_home_photo(request, pk):
    """The photo of the door, only to those who may see the work order (never a public media URL)."""
    # views_tablet imports this module (the tablet's actions): a module-level import would be a circle.
    from .views_tablet import _file_response

    visit = get_object_or_404(
        NotHomeVisit.objects.filter(work_order__in=WorkOrder.objects.for_user(request.user).values("pk")),
        pk=pk,
    )
    if not visit.photo:
        raise Http404
    return _file_response(visit.photo)
