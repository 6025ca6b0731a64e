"""改约: a new appointment the customer asks for, or after nobody was at home."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..choices import (
    CUSTOMER_RESCHEDULE_REASONS,
    RESCHEDULABLE,
    RescheduleReason,
    WorkOrderStatus,
)
from ..closing import customer_acts
from ..models import Reschedule, WorkOrder
from ..services import _check_appointment, _event, _lock
from .common import (
    NOT_HOME_VISITS_BEFORE_SUPERVISOR,
    NOTE_MAX,
    STATUS_AFTER_RESCHEDULE,
    _name,
    _refusal,
    _status_error,
    _supervises,
    _tell_customer_after_commit,
    _when,
    _window,
    may_reschedule,
    supervisor_decides,
)

# 改约 ----------------------------------------------------------------------------------------------------


def _already_rescheduled(order: WorkOrder) -> ValidationError:
    last = order.reschedules.select_related("by").order_by("-at", "-pk").first()
    if last is None:  # the count moved without a row: a stale form all the same
        return _refusal(
            "status",
            _("Work order %(number)s changed meanwhile: reload it before moving its appointment.")
            % {"number": order.number},
            "already_rescheduled",
        )
    return _refusal(
        "status",
        _(
            "Work order %(number)s was rescheduled meanwhile by %(who)s at %(when)s to %(window)s "
            "(%(reason)s): reload it before moving the appointment again."
        )
        % {
            "number": order.number,
            "who": _name(last.by),
            "when": _when(last.at),
            "window": _window(last.new_start, last.new_end),
            "reason": last.get_reason_display(),
        },
        "already_rescheduled",
    )


def work_order_reschedule(
    *,
    work_order: WorkOrder,
    appointment_start: dt.datetime,
    appointment_end: dt.datetime,
    reason: str,
    acting_user,
    note: str = "",
    seen_reschedules: int | None = None,
    now: dt.datetime | None = None,
    notify_customer: bool = True,
) -> Reschedule:
    """改约: moves the appointment to a new window inside the centre's service hours, for a reason, and tells
    the customer the new window by SMS after the commit.

    The SLA (the maker's service standard: the customer's own delay is not the centre's): a move the customer
    asked for (or after nobody was at home) lets the on-site promise follow the new window and adds the time
    moved to the completion deadline; a move on the service side keeps the centre answering for the earlier
    appointment. From the third move of one order on, and after two visits where nobody was at home, only the
    centre's supervisor or a manager moves it. From "to be rescheduled" the order is dispatched again: the
    technician accepts the new window.

    `seen_reschedules`: how many moves the person saw; another move made meanwhile refuses this one, naming
    who made it (two people moving one appointment at once: the row lock decides)."""
    now = now or timezone.now()
    note = (note or "").strip()
    errors: dict[str, list[str]] = {}
    if reason not in RescheduleReason.values:
        errors["reason"] = [_("Choose why the appointment moves.")]
    elif reason == RescheduleReason.OTHER and not note:
        errors["note"] = [_("Say why the appointment moves.")]
    if len(note) > NOTE_MAX:
        errors["note"] = [_("At most %(n)s characters.") % {"n": NOTE_MAX}]
    if appointment_start is None or appointment_end is None:
        errors["appointment_start"] = [_("Choose the new appointment window.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        order = _lock(work_order)
        if seen_reschedules is not None and order.reschedule_count != seen_reschedules:
            raise _already_rescheduled(order)
        if order.status not in RESCHEDULABLE:
            raise _status_error(
                order,
                _("Work order %(number)s is “%(current)s”: its appointment cannot be moved now."),
                "not_reschedulable",
            )
        # The customer, signed in on their own pages, moves their own appointment (their own request only).
        if not may_reschedule(acting_user, order) and not (
            reason == RescheduleReason.CUSTOMER and customer_acts(acting_user, order)
        ):
            raise _refusal(
                "status",
                _("Only the dispatcher, the centre's supervisor or the order's technician moves it."),
                "not_allowed",
            )
        visits = order.not_home_visits.count()
        if supervisor_decides(order, not_home_visits=visits) and not _supervises(
            acting_user, order.center_id
        ):
            if visits >= NOT_HOME_VISITS_BEFORE_SUPERVISOR:
                message = _(
                    "Nobody was at home on %(n)s visits: the centre's supervisor decides whether to go again."
                ) % {"n": visits}
            else:
                message = _(
                    "The appointment was moved %(n)s times already: the centre's supervisor (or a manager) "
                    "decides on another move."
                ) % {"n": order.reschedule_count}
            raise _refusal("reason", message, "supervisor_required")
        if reason == RescheduleReason.NOT_HOME and not (
            order.status == WorkOrderStatus.TO_RESCHEDULE and visits
        ):
            errors["reason"] = [
                _("“Customer not at home” follows a visit recorded as such: choose another reason.")
            ]
        errors.update(
            {
                field: [message]
                for field, message in _check_appointment(
                    center=order.center, start=appointment_start, end=appointment_end, now=now
                ).items()
            }
        )
        if (appointment_start, appointment_end) == (order.appointment_start, order.appointment_end):
            errors.setdefault("appointment_start", []).append(
                _("That is the appointment already agreed: choose another window.")
            )
        if errors:
            raise ValidationError(errors)
        old_start, old_end = order.appointment_start, order.appointment_end
        if reason in CUSTOMER_RESCHEDULE_REASONS:
            # The clock follows the customer: the on-site promise is the new window, and the completion
            # deadline waits the time the customer moved it by.
            order.accountable_start = None
            if old_start is not None and appointment_start > old_start:
                order.customer_wait_seconds += int((appointment_start - old_start).total_seconds())
        elif order.accountable_start is None:
            order.accountable_start = old_start
        previous = order.status
        order.status = STATUS_AFTER_RESCHEDULE.get(previous, previous)
        if order.status != previous:
            order.status_changed_at = now
        order.appointment_start, order.appointment_end = appointment_start, appointment_end
        order.reschedule_count += 1
        order.save(
            update_fields=[
                "status",
                "status_changed_at",
                "appointment_start",
                "appointment_end",
                "reschedule_count",
                "accountable_start",
                "customer_wait_seconds",
            ]
        )
        row = Reschedule.objects.create(
            work_order=order,
            old_start=old_start,
            old_end=old_end,
            new_start=appointment_start,
            new_end=appointment_end,
            reason=reason,
            note=note,
            by=acting_user,
            at=now,
        )
        trail = _("Appointment moved (%(reason)s): %(old)s → %(new)s") % {
            "reason": row.get_reason_display(),
            "old": _window(old_start, old_end),
            "new": _window(appointment_start, appointment_end),
        }
        if note:
            trail += f" · {note}"
        _event(order, previous, order.status, acting_user, now, trail[:500])
        if notify_customer:
            body = _(
                "[After-sales service] Your work order %(number)s: the technician's visit is now %(window)s. "
                "To change it, call the service hotline."
            ) % {"number": order.number, "window": _window(appointment_start, appointment_end)}
            _tell_customer_after_commit(Reschedule, row, order, body)
    return row
