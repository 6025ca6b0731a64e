"""The customer's order page (/my/orders/<id>/) and its actions: move the appointment, cancel before dispatch,
ask for the confirmation code again, confirm the service done, rate the visit.

Every action is a POST (CSRF) by the signed-in customer on an order of their own (portal.access.orders_of;
any other id answers 404); the form is checked here, the rules under the order's lock in portal.visits; the
outcome is a message on the order's page, and nothing changes on a refusal."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from repairs.models import WorkOrder

from . import visits
from .access import customer_required, orders_of
from .models_visits import COMMENT_MAX
from .progress import order_progress, window_shown

# Forms --------------------------------------------------------------------------------------------------


class RescheduleForm(forms.Form):
    """A day of the coming week and a two-hour window of the centre's service hours (portal.visits)."""

    day = forms.ChoiceField(
        label=gettext_lazy("Day"), error_messages={"required": gettext_lazy("Choose a day.")}
    )
    slot = forms.ChoiceField(
        label=gettext_lazy("Time"),
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose a time.")},
    )
    seen = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, days=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.days = list(days)
        self.fields["day"].choices = [("", _("Choose a day"))] + [(d.day.isoformat(), d.label) for d in days]
        slots = sorted({w.slot: w.label for d in days for w in d.windows}.items())
        self.fields["slot"].choices = slots
        self.window = None

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        for day in self.days:
            if day.day.isoformat() == data["day"]:
                self.window = next((w for w in day.windows if w.slot == data["slot"]), None)
        if self.window is None:
            self.add_error("slot", _("That time is no longer available: choose a later one."))
        return data


class CancelForm(forms.Form):
    reason = forms.ChoiceField(
        label=gettext_lazy("Why do you cancel?"),
        choices=visits.CANCEL_REASONS,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose why you cancel.")},
    )
    note = forms.CharField(
        label=gettext_lazy("Anything to add (optional)"), max_length=visits.CANCEL_NOTE_MAX, required=False
    )


STARS = [(str(n), str(n)) for n in range(1, 6)]
YES_NO = [("yes", gettext_lazy("Yes")), ("no", gettext_lazy("No"))]


class RateForm(forms.Form):
    stars = forms.TypedChoiceField(
        label=gettext_lazy("How was the service?"),
        choices=STARS,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose from 1 to 5 stars.")},
    )
    solved = forms.TypedChoiceField(
        label=gettext_lazy("Is the problem solved?"),
        choices=YES_NO,
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Say whether the problem is solved.")},
    )
    comment = forms.CharField(
        label=gettext_lazy("Comment (optional)"),
        max_length=COMMENT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


# The page ------------------------------------------------------------------------------------------------


def _page(request, pk, *, now=None, **forms_given):
    if any(form.errors for form in forms_given.values()):
        messages.error(request, _("Please check what is marked below."))
    now = now or timezone.now()
    try:
        page = order_progress(account=request.account, pk=pk, now=now)
    except WorkOrder.DoesNotExist as exc:
        raise Http404 from exc
    order = page.order
    context = {
        "page": page,
        "order": order,
        "call": order.call,
        "reschedule_form": forms_given.get("reschedule_form")
        or RescheduleForm(days=page.windows, initial={"seen": order.reschedule_count}),
        "cancel_form": forms_given.get("cancel_form") or CancelForm(),
        "rate_form": forms_given.get("rate_form") or RateForm(),
        "comment_max": COMMENT_MAX,
        "lang_next": reverse("portal:order_detail", args=[order.pk]),
    }
    return render(request, "portal/order_detail.html", context)


@require_GET
@customer_required
def order_detail(request, pk):
    return _page(request, pk)


def _order(request, pk) -> WorkOrder:
    return get_object_or_404(orders_of(request.account).select_related("call", "center"), pk=pk)


def _back(order: WorkOrder):
    return redirect(reverse("portal:order_detail", args=[order.pk]))


def _refused(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


# The actions -------------------------------------------------------------------------------------------


@require_POST
@customer_required
def order_reschedule(request, pk):
    order = _order(request, pk)
    now = timezone.now()
    days = visits.reschedule_windows(order.center, now=now) if order.center_id else []
    form = RescheduleForm(request.POST, days=days)
    if not form.is_valid():
        return _page(request, pk, now=now, reschedule_form=form)
    try:
        visits.visit_reschedule(
            account=request.account,
            work_order=order,
            start=form.window.start,
            end=form.window.end,
            seen_reschedules=form.cleaned_data["seen"],
            now=now,
        )
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(
            request,
            _("Your appointment is now %(window)s. We sent you a text message too.")
            % {"window": window_shown(form.window.start, form.window.end)},
        )
    return _back(order)


@require_POST
@customer_required
def order_cancel(request, pk):
    order = _order(request, pk)
    form = CancelForm(request.POST)
    if not form.is_valid():
        return _page(request, pk, cancel_form=form)
    try:
        visits.visit_cancel(
            account=request.account,
            work_order=order,
            reason=form.cleaned_data["reason"],
            note=form.cleaned_data["note"],
        )
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(
            request,
            _("Work order %(number)s is cancelled.") % {"number": order.number}
            + " "
            + _("For anything else about it:")
            + " "
            + visits.call_us(),
        )
    return _back(order)


@require_POST
@customer_required
def order_confirm(request, pk):
    """Two steps of the confirmation: while the technician is at work, the code sent again; once done, the
    customer's confirmation of the service."""
    order = _order(request, pk)
    step = request.POST.get("step")
    try:
        if step == "resend_code":
            phone = visits.visit_code_resend(account=request.account, work_order=order)
            messages.success(
                request,
                _("A new confirmation code is on its way to %(phone)s. Give it only to the technician.")
                % {"phone": phone},
            )
        elif step == "confirm":
            row, created = visits.visit_confirm(account=request.account, work_order=order)
            if created:
                messages.success(request, _("Thank you: you confirmed the service is done."))
            else:
                messages.info(
                    request,
                    _("You confirmed this service already, on %(when)s.") % {"when": _when(row.at)},
                )
        else:
            messages.error(request, _("Reload the page and try again."))
    except ValidationError as exc:
        _refused(request, exc)
    return _back(order)


@require_POST
@customer_required
def order_rate(request, pk):
    order = _order(request, pk)
    form = RateForm(request.POST)
    if not form.is_valid():
        return _page(request, pk, rate_form=form)
    try:
        rating = visits.visit_rate(
            account=request.account,
            work_order=order,
            stars=form.cleaned_data["stars"],
            solved=form.cleaned_data["solved"],
            comment=form.cleaned_data["comment"],
        )
    except ValidationError as exc:
        _refused(request, exc)
        return _back(order)
    thanks = _("Thank you for your rating.")
    if rating.complaint_id:
        thanks += " " + (
            _("We are sorry it did not go well: customer care will contact you by %(when)s.")
            % {"when": _when(rating.complaint.reply_due_at)}
        )
    elif rating.low:
        thanks += " " + _("We are sorry it did not go well: the service centre's work will be looked into.")
    messages.success(request, thanks)
    return _back(order)


def _when(instant: dt.datetime) -> str:
    return f"{timezone.localtime(instant):%Y-%m-%d %H:%M}"
