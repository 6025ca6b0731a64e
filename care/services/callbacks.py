"""What follows a work order's change (deadlines, callbacks), and the callbacks' attempts and reviews."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from inspections.selectors import inspection_due_on
from repairs.choices import CallCustomerRequest, WorkOrderStatus
from repairs.services import PHONE_GUIDANCE_CALLBACK, work_order_note, work_order_redo, work_order_transition

from ..calendar import CHINA
from ..choices import (
    CallbackOutcome,
    CallbackReason,
    CallbackReview,
    CallbackStatus,
)
from ..deadlines import (
    hours_for,
    inspection_deadline_sync,
    work_order_deadlines_sync,
)
from ..models import Callback, CallbackAttempt, Notification
from .sla import _email_after_commit

COMPLAINT_PREFIX = "TS"  # 投诉


# What follows a work order's change ---------------------------------------------------------------------


def work_order_changed(*, order, previous: str, now: dt.datetime) -> None:
    """Listens to WORK_ORDER_CHANGED (aftersales.events), every event of a work order, in its transaction: the deadlines
    follow the order, and the callbacks it is owed are scheduled (once: a unique constraint per reason)."""

    due_on = (
        inspection_due_on(order) if order.call.customer_request == CallCustomerRequest.INSPECTION else None
    )
    if due_on is not None:
        inspection_deadline_sync(order=order, due_on=due_on, now=now)
    else:
        work_order_deadlines_sync(order=order, now=now)
    if previous == order.status:
        return
    if order.status == WorkOrderStatus.PHONE_GUIDED:
        _callback_schedule(
            order=order, reason=CallbackReason.PHONE_GUIDANCE, due=now + PHONE_GUIDANCE_CALLBACK
        )
    elif order.status == WorkOrderStatus.COMPLETED:
        _callback_schedule(
            order=order,
            reason=CallbackReason.WORK_ORDER_CLOSED,
            due=callback_due_after_closing(order=order, now=now),
        )
        if order.redo_of_id:  # the redo is done: the first order's payment is no longer held
            type(order).objects.filter(pk=order.redo_of_id).update(payment_held=False)


def callback_due_after_closing(*, order, now: dt.datetime) -> dt.datetime:
    """The next working day of the centre (CARE_CALLBACK_AFTER_DAYS later, default 1), an hour after it opens."""
    hours = hours_for(order.center_id)
    day = timezone.localtime(now, CHINA).date() + dt.timedelta(days=settings.CARE_CALLBACK_AFTER_DAYS)
    for _i in range(60):
        if hours.is_working_day(day):
            break
        day += dt.timedelta(days=1)
    opens = dt.datetime.combine(day, hours.opens, tzinfo=CHINA)
    return opens + dt.timedelta(minutes=settings.CARE_CALLBACK_AFTER_OPENING_MINUTES)


def _callback_schedule(*, order, reason: str, due: dt.datetime, complaint=None) -> Callback | None:
    if complaint is not None:
        if Callback.objects.filter(complaint=complaint).exists():
            return None
    elif Callback.objects.filter(work_order=order, reason=reason, complaint__isnull=True).exists():
        return None
    return Callback.objects.create(
        call_id=order.call_id,
        work_order=order,
        complaint=complaint,
        center_id=order.center_id,
        technician_id=order.technician_id,
        reason=reason,
        due_at=due,
    )


# Callbacks ---------------------------------------------------------------------------------------------


def _lock_callback(callback: Callback) -> Callback:
    return (
        Callback.objects.select_for_update(of=("self",))
        .select_related("work_order", "call")
        .get(pk=callback.pk)
    )


def callback_record_attempt(
    *,
    callback: Callback,
    outcome: str,
    acting_user,
    satisfaction: int | None = None,
    solved: bool | None = None,
    words: str = "",
    now: dt.datetime | None = None,
) -> Callback:
    """One call to the customer. Reached: satisfaction 1–5, solved or not, the customer's words; the
    callback then waits for its review. No answer: tried again later, at most CARE_CALLBACK_MAX_ATTEMPTS
    times, then closed as unreachable. Wrong number: closed as unreachable at once."""
    now = now or timezone.now()
    if outcome not in CallbackOutcome.values:
        raise ValidationError({"outcome": _("Choose how the call went.")})
    errors = {}
    if outcome == CallbackOutcome.REACHED:
        if satisfaction is None or not 1 <= satisfaction <= 5:
            errors["satisfaction"] = _("Satisfaction is a score from 1 to 5.")
        if solved is None:
            errors["solved"] = _("Say whether the problem is solved.")
    if len(words) > 500:
        errors["customer_words"] = _("At most 500 characters.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        row = _lock_callback(callback)
        if row.status != CallbackStatus.PENDING:
            raise ValidationError(
                {"status": _("This callback is “%(status)s” already.") % {"status": row.get_status_display()}}
            )
        CallbackAttempt.objects.create(
            callback=row, at=now, by=acting_user, outcome=outcome, note=words.strip()
        )
        row.attempts += 1
        if outcome == CallbackOutcome.REACHED:
            row.status = CallbackStatus.REACHED
            row.satisfaction, row.solved, row.customer_words, row.reached_at = (
                satisfaction,
                solved,
                words.strip(),
                now,
            )
        elif outcome == CallbackOutcome.WRONG_NUMBER or row.attempts >= settings.CARE_CALLBACK_MAX_ATTEMPTS:
            row.status, row.done_at, row.done_by = CallbackStatus.UNREACHABLE, now, acting_user
        else:
            row.due_at = now + dt.timedelta(minutes=settings.CARE_CALLBACK_RETRY_MINUTES)
        row.save()
    return row


def callback_review(
    *, callback: Callback, review: str, acting_user, note: str = "", now: dt.datetime | None = None
) -> Callback:
    """Ends a reached callback: close the work order (only when the customer says it is solved), send it
    back to the centre to correct its record (退回重填), or to be redone (退回重办: a new work order of the
    same call, the first one's payment held in the settlement until the redo is completed)."""

    now = now or timezone.now()
    if review not in CallbackReview.values:
        raise ValidationError({"review": _("Choose how the callback ends.")})
    if review != CallbackReview.CLOSE and not note.strip():
        raise ValidationError({"review_note": _("Say what the centre is to correct or redo.")})
    with transaction.atomic():
        row = _lock_callback(callback)
        if row.status != CallbackStatus.REACHED:
            raise ValidationError({"status": _("Only a callback that reached the customer is reviewed.")})
        order = row.work_order
        if review == CallbackReview.CLOSE:
            if row.solved is False:
                raise ValidationError(
                    {"review": _("The customer says the problem is not solved: send it back to be redone.")}
                )
            if order is not None and order.status in (
                WorkOrderStatus.COMPLETED,
                WorkOrderStatus.PHONE_GUIDED,
            ):
                work_order_transition(
                    work_order=order,
                    to_status=WorkOrderStatus.CLOSED,
                    acting_user=acting_user,
                    note=_("Closed after the callback"),
                    now=now,
                )
        elif order is None:
            raise ValidationError({"review": _("This callback has no work order to send back.")})
        elif review == CallbackReview.CORRECT:
            work_order_note(
                work_order=order,
                acting_user=acting_user,
                note=_("Send back to correct the record: %(note)s") % {"note": note.strip()},
                now=now,
            )
            _notify_center(
                order=order,
                title=_("%(number)s sent back to correct the record") % {"number": order.number},
                body=note.strip(),
                now=now,
            )
        else:
            redo = work_order_redo(work_order=order, acting_user=acting_user, note=note.strip(), now=now)
            row.redo_order = redo
            _notify_center(
                order=order,
                title=_("%(number)s sent back to be redone") % {"number": order.number},
                body=note.strip(),
                now=now,
            )
        row.review, row.review_note = review, note.strip()[:300]
        row.status, row.done_at, row.done_by = CallbackStatus.DONE, now, acting_user
        row.save()
    return row


def _notify_center(*, order, title: str, body: str, now: dt.datetime) -> None:
    users = list(get_user_model().objects.filter(supervised_centers=order.center_id, is_active=True))
    url = reverse("repairs:call_detail", args=[order.call_id])
    notes = Notification.objects.bulk_create(
        [
            Notification(user=u, kind="callback", title=title[:200], body=body[:500], url=url, created_at=now)
            for u in users
        ]
    )
    _email_after_commit([n.pk for n in notes])
