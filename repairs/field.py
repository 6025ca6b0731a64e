"""The field's everyday exceptions: an appointment moved (改约), a work order given to another technician or
centre (改派), and a visit where nobody was at home (上门未遇) — each a row of its own and an event in the
order's trail, so that the dispatcher, the supervisor, the technician and the dealer read who did what and why.

The on-site service standard behind them: a technician who cannot keep the time agrees a new one with the
customer (改约); if the customer does not agree, the order goes to another technician or back to the centre
(改派). At the door, after knocking and phoning without an answer, the technician leaves a note and tells the
centre: the visit is recorded here and the order waits for a new appointment.

Like repairs.services: keyword-only, one transaction each, the work order's row locked and every guard checked
under the lock; errors are ValidationErrors keyed by field. Messages to the customer leave after the commit.
"""

from __future__ import annotations

import datetime as dt
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Q, Sum, Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from aftersales import sms
from aftersales.parsing import parse_int
from aftersales.roles import Role, has_role
from inventory.choices import MovementKind
from inventory.models import StockMovement
from network.models import ServiceCenter, Technician

from .choices import (
    CUSTOMER_RESCHEDULE_REASONS,
    REDISPATCHABLE,
    RESCHEDULABLE,
    RESCHEDULES_WITHOUT_SUPERVISOR,
    RescheduleReason,
    WorkOrderStatus,
)
from .closing import _is_image, _is_mobile
from .models import NotHomeVisit, Redispatch, Reschedule, WorkOrder
from .services import _check_appointment, _event, _lock, _move, outside_agreement, work_order_transition

S = WorkOrderStatus
# The reasons a person picks; "customer not at home" is the reason of a new appointment after such a visit.
OFFERED_REASONS = (
    RescheduleReason.CUSTOMER,
    RescheduleReason.TECHNICIAN_DELAYED,
    RescheduleReason.PARTS,
    RescheduleReason.WEATHER,
    RescheduleReason.OTHER,
)
# After this many visits where nobody was at home, the centre's supervisor decides: one more visit (a new
# appointment only a supervisor or a manager makes) or the order is cancelled and the customer told.
NOT_HOME_VISITS_BEFORE_SUPERVISOR = 2
NOT_HOME_FROM = frozenset({S.EN_ROUTE, S.ON_SITE})
NOT_HOME_MAX_CALLS = 50
MAX_KM = 1000  # one way, as the closing's travel distance
NOTE_MAX = 300
# After a move the order waits for the technician again: the new window is accepted anew (from "to be
# rescheduled"), and a technician on the way turns back and sets off again for the new window.
STATUS_AFTER_RESCHEDULE = {S.TO_RESCHEDULE: S.DISPATCHED, S.EN_ROUTE: S.ACCEPTED}
# Given to another technician before the repair started: the new one accepts it (and goes there) himself.
# In repair, waiting for parts or to be rescheduled, the order stays where it is.
STATUS_AFTER_REDISPATCH = dict.fromkeys((S.ACCEPTED, S.EN_ROUTE, S.ON_SITE), S.DISPATCHED)
del S


def _name(user) -> str:
    return user.get_full_name() or user.get_username()


def _when(instant: dt.datetime) -> str:
    return date_format(timezone.localtime(instant), "Y-m-d H:i")


def _window(start: dt.datetime | None, end: dt.datetime | None) -> str:
    if start is None or end is None:
        return "—"
    return f"{_when(start)}–{date_format(timezone.localtime(end), 'H:i')}"


def _supervises(user, center_id: int | None) -> bool:
    """A manager, or a supervisor of the centre."""
    if has_role(user, Role.MANAGER):
        return True
    return (
        bool(center_id)
        and has_role(user, Role.SUPERVISOR)
        and ServiceCenter.objects.filter(pk=center_id, supervisors=user).exists()
    )


def _own_technician(user, order: WorkOrder) -> bool:
    return (
        bool(order.technician_id)
        and has_role(user, Role.TECHNICIAN)
        and Technician.objects.filter(pk=order.technician_id, user=user).exists()
    )


def may_reschedule(user, order: WorkOrder) -> bool:
    """The dispatcher, the centre's supervisor, a manager, or the order's own technician (after phoning the
    customer)."""
    return (
        has_role(user, Role.DISPATCHER) or _supervises(user, order.center_id) or _own_technician(user, order)
    )


def may_redispatch(user, order: WorkOrder) -> bool:
    """A dispatcher, a manager, or a supervisor of the order's centre (among its own technicians)."""
    return has_role(user, Role.DISPATCHER) or _supervises(user, order.center_id)


def may_record_not_home(user, order: WorkOrder) -> bool:
    """The order's technician, or the office for him: a dispatcher, the centre's supervisor, a manager."""
    return may_reschedule(user, order)


def supervisor_decides(order: WorkOrder, *, not_home_visits: int | None = None) -> bool:
    """From the third move of one appointment on, and after two visits where nobody was at home, the centre's
    supervisor (or a manager) decides."""
    visits = order.not_home_visits.count() if not_home_visits is None else not_home_visits
    return (
        order.reschedule_count >= RESCHEDULES_WITHOUT_SUPERVISOR
        or visits >= NOT_HOME_VISITS_BEFORE_SUPERVISOR
    )


def _text_customer(model, pk: int, phone: str, body: str) -> None:
    """After the commit: the message to the customer, and the row marked as told once the backend took it.
    A gateway that fails is logged (robust on_commit) and the row stays "not told"."""
    if sms.send_sms(phone, body):
        model.objects.filter(pk=pk).update(customer_told=True)


def _tell_customer_after_commit(model, row, order: WorkOrder, body: str) -> None:
    phone = order.call.caller_phone
    if _is_mobile(phone):
        transaction.on_commit(partial(_text_customer, model, row.pk, phone, body), robust=True)


def _refusal(field_name: str, message: str, code: str) -> ValidationError:
    """One field's error with its code (a code given beside a dict would be dropped)."""
    return ValidationError({field_name: ValidationError(message, code=code)})


def _status_error(order: WorkOrder, message: str, code: str) -> ValidationError:
    return _refusal(
        "status", message % {"number": order.number, "current": WorkOrderStatus(order.status).label}, code
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
        if not may_reschedule(acting_user, order):
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


# 改派 ----------------------------------------------------------------------------------------------------


def _already_redispatched(order: WorkOrder) -> ValidationError:
    last = (
        order.redispatches.select_related("by", "to_center", "to_technician").order_by("-at", "-pk").first()
    )
    to = (
        (last.to_center.name + (f" · {last.to_technician.name}" if last.to_technician else ""))
        if last
        else ""
    )
    return _refusal(
        "status",
        _(
            "Work order %(number)s was re-dispatched meanwhile by %(who)s at %(when)s to %(to)s: reload it "
            "before giving it to someone else."
        )
        % {
            "number": order.number,
            "who": _name(last.by) if last else "—",
            "when": _when(last.at) if last else "—",
            "to": to or "—",
        },
        "already_redispatched",
    )


def _parts_issued(order: WorkOrder) -> list[str]:
    """Parts issued to the order from its centre's stock and not returned: "CODE ×n"."""

    rows = (
        StockMovement.objects.filter(
            work_order=order,
            kind__in=[MovementKind.ISSUE, MovementKind.RETURN],
            warehouse__center_id=order.center_id,
        )
        .values("part__code")
        .annotate(quantity=Sum("quantity"))
        .order_by("part__code")
    )
    return [f"{r['part__code']} ×{-r['quantity']}" for r in rows if r["quantity"] < 0]


def work_order_redispatch(
    *,
    work_order: WorkOrder,
    center: ServiceCenter,
    technician: Technician | None,
    reason: str,
    acting_user,
    seen_redispatches: int | None = None,
    now: dt.datetime | None = None,
) -> Redispatch:
    """改派: gives a dispatched work order, before its work is finished, to another technician of its centre or
    to another centre (the centre then assigns it, or the technician named).

    A supervisor moves orders among the technicians of a centre he runs; another centre needs a dispatcher or
    a manager. That centre's agreement must be in force and cover the call's district and the product's category
    (no exception here); parts already issued to the order from the first centre's stock keep it there. The
    technician is active, of the centre and certified for the category. Before the repair starts the order is
    dispatched anew (the new technician accepts it); in repair or waiting it stays as it is. Its deadlines follow
    it to the new centre and technician; the settlement pays the centre that completes the work.

    `seen_redispatches`: how many re-dispatches the person saw; one made meanwhile refuses this one."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the work order goes to someone else.")})
    if len(reason) > NOTE_MAX:
        raise ValidationError({"reason": _("At most %(n)s characters.") % {"n": NOTE_MAX}})
    if center is None:
        raise ValidationError({"center": _("Choose the service centre.")})
    with transaction.atomic():
        order = _lock(work_order)
        if seen_redispatches is not None and order.redispatches.count() != seen_redispatches:
            raise _already_redispatched(order)
        if order.status == WorkOrderStatus.NEW:
            raise _status_error(
                order, _("Work order %(number)s has not been dispatched yet: dispatch it."), "not_dispatched"
            )
        if order.status not in REDISPATCHABLE:
            raise _status_error(
                order,
                _(
                    "Work order %(number)s is “%(current)s”: its work is over, it is not given to anyone else."
                ),
                "not_redispatchable",
            )
        moving = center.pk != order.center_id
        if not may_redispatch(acting_user, order):
            raise _refusal(
                "status",
                _("Only a dispatcher, the centre's supervisor or a manager re-dispatches a work order."),
                "not_allowed",
            )
        if moving and not has_role(acting_user, Role.DISPATCHER, Role.MANAGER):
            raise _refusal(
                "center",
                _("Only a dispatcher or a manager gives a work order to another service centre."),
                "not_allowed",
            )
        if not moving and technician is not None and technician.pk == order.technician_id:
            raise _refusal(
                "technician",
                _("Work order %(number)s is with %(tech)s already.")
                % {"number": order.number, "tech": technician.name},
                "same_technician",
            )
        errors: dict[str, list[str]] = {}
        category = order.call.unit.model.category
        if not moving and technician is None:
            errors["technician"] = [_("Choose the technician who takes it over.")]
        if moving:
            days = {timezone.localdate(now)}
            if order.appointment_start and order.appointment_start > now:
                days.add(timezone.localdate(order.appointment_start))
            for day in sorted(days):
                if not ServiceCenter.objects.active_on(day).filter(pk=center.pk).exists():
                    errors.setdefault("center", []).append(
                        _("%(center)s has no active service agreement on %(day)s.")
                        % {"center": center.name, "day": day}
                    )
            outside = outside_agreement(center=center, district=order.call.service_region, category=category)
            if outside:
                errors.setdefault("center", []).append(
                    _(
                        "%(center)s's agreement does not cover this call: %(outside)s. Choose a centre that covers it."
                    )
                    % {"center": center.name, "outside": "；".join(outside)}
                )
            issued = _parts_issued(order)
            if issued:
                errors.setdefault("center", []).append(
                    _(
                        "Parts were already issued to this work order from %(center)s's stock (%(parts)s): it "
                        "stays with that centre. Give it to another of its technicians, or return the parts first."
                    )
                    % {"center": order.center.name, "parts": "、".join(issued)}
                )
        if technician is not None:
            if technician.center_id != center.pk:
                errors["technician"] = [
                    _("%(tech)s works for another service centre, not %(center)s.")
                    % {"tech": technician.name, "center": center.name}
                ]
            elif not technician.active:
                errors["technician"] = [_("%(tech)s is no longer active.") % {"tech": technician.name}]
            elif not technician.categories.filter(pk=category.pk).exists():
                errors["technician"] = [
                    _("%(tech)s is not certified for %(category)s.")
                    % {"tech": technician.name, "category": category.local_name}
                ]
        if errors:
            raise ValidationError(errors)
        from_center, from_technician = order.center, order.technician
        row = Redispatch.objects.create(
            work_order=order,
            from_center=from_center,
            from_technician=from_technician,
            to_center=center,
            to_technician=technician,
            from_status=order.status,
            reason=reason,
            by=acting_user,
            at=now,
        )
        previous = order.status
        order.center, order.technician = center, technician
        order.status = STATUS_AFTER_REDISPATCH.get(previous, previous)
        if order.status != previous:
            order.status_changed_at = now
        order.save(update_fields=["center", "technician", "status", "status_changed_at"])
        before = from_center.name + (f" · {from_technician.name}" if from_technician else "")
        after = center.name + (f" · {technician.name}" if technician else _(" · the centre assigns"))
        _event(
            order,
            previous,
            order.status,
            acting_user,
            now,
            (
                _("Re-dispatched: %(before)s → %(after)s: %(reason)s")
                % {"before": before, "after": after, "reason": reason}
            )[:500],
        )
    return row


# 上门未遇 -------------------------------------------------------------------------------------------------


def _already_not_home(order: WorkOrder) -> ValidationError:
    last = order.not_home_visits.select_related("by").order_by("-at", "-pk").first()
    return _refusal(
        "status",
        _(
            "Work order %(number)s: a visit where nobody was at home was already recorded by %(who)s at "
            "%(when)s. It is waiting for a new appointment."
        )
        % {"number": order.number, "who": _name(last.by), "when": _when(last.at)},
        "already_not_home",
    )


def work_order_not_home(
    *,
    work_order: WorkOrder,
    arrived_at: dt.datetime | None,
    calls_made,
    travel_km,
    acting_user,
    note: str = "",
    photo=None,
    now: dt.datetime | None = None,
    notify_customer: bool = True,
) -> NotHomeVisit:
    """上门未遇: the technician came and nobody opened — when he arrived, how many times he phoned the customer
    (at least once: the service standard has him phone after five minutes at the door), a photo of the door or
    a note (at least one), and the one-way distance, which the settlement pays once as a travel fee. Recorded on
    the way or at the door only; the order then waits for a new appointment ("to be rescheduled", through the
    status machinery: its deadlines, the dealer's webhooks) and the customer is told by SMS."""

    now = now or timezone.now()
    note = (note or "").strip()
    errors: dict[str, list[str]] = {}
    calls = parse_int(calls_made)
    if calls is None or not 1 <= calls <= NOT_HOME_MAX_CALLS:
        errors["calls_made"] = [
            _("Phone the customer at least once before leaving: enter the calls made (1 to %(n)s).")
            % {"n": NOT_HOME_MAX_CALLS}
        ]
    km = parse_int(travel_km)
    if km is None or not 0 <= km <= MAX_KM:
        errors["travel_km"] = [
            _("Enter the one-way distance in whole kilometres (0 to %(n)s).") % {"n": MAX_KM}
        ]
    if len(note) > NOTE_MAX:
        errors["note"] = [_("At most %(n)s characters.") % {"n": NOTE_MAX}]
    if photo is not None:
        if photo.size > settings.WORK_ORDER_PHOTO_MAX_BYTES:
            errors["photo"] = [
                _("The photo is larger than %(limit)s MB.")
                % {"limit": settings.WORK_ORDER_PHOTO_MAX_BYTES // 1024 // 1024}
            ]
        elif not _is_image(photo):
            errors["photo"] = [_("That is not a photo (JPEG, PNG…).")]
    elif not note:
        errors["note"] = [_("Take a photo of the door or write a note: the visit needs one of them.")]
    if arrived_at is None:
        errors["arrived_at"] = [_("Enter when you arrived at the door.")]
    elif arrived_at > now + dt.timedelta(minutes=5):
        errors["arrived_at"] = [_("The arrival cannot be in the future.")]
    if errors:
        raise ValidationError(errors)
    saved = []
    try:
        with transaction.atomic():
            order = _lock(work_order)
            if order.status == WorkOrderStatus.TO_RESCHEDULE and order.not_home_visits.exists():
                raise _already_not_home(order)
            if order.status == WorkOrderStatus.NEW:
                raise _status_error(
                    order,
                    _("Work order %(number)s was never dispatched: nobody went to the customer."),
                    "not_dispatched",
                )
            if order.status not in NOT_HOME_FROM:
                raise _status_error(
                    order,
                    _(
                        "Work order %(number)s is “%(current)s”: a visit where nobody was at home is recorded on "
                        "the way or at the door."
                    ),
                    "not_on_the_way",
                )
            if not may_record_not_home(acting_user, order):
                raise _refusal(
                    "status",
                    _("Only the order's technician or the office records this visit."),
                    "not_allowed",
                )
            # The arrival is typed to the minute (the forms' time field): one in the minute of the dispatch is
            # not earlier than it (the tablet's own default, "now", was refused within that minute).
            if order.dispatched_at and arrived_at < order.dispatched_at.replace(second=0, microsecond=0):
                raise ValidationError(
                    {
                        "arrived_at": _(
                            "The work order was dispatched at %(when)s: the arrival cannot be earlier."
                        )
                        % {"when": _when(order.dispatched_at)}
                    }
                )
            visit = NotHomeVisit(
                work_order=order,
                center_id=order.center_id,
                technician_id=order.technician_id,
                arrived_at=arrived_at,
                calls_made=calls,
                note=note,
                travel_km=km,
                by=acting_user,
                at=now,
            )
            if photo is not None:
                visit.photo.save("door.jpg", photo, save=False)
                saved.append(visit.photo)
            visit.save()
            if order.arrived_at is None:
                # The technician was at the door: the on-site promise was kept at that instant.
                WorkOrder.objects.filter(pk=order.pk).update(arrived_at=arrived_at)
            visits = order.not_home_visits.count()
            trail = _(
                "Customer not at home (visit %(n)s): arrived %(when)s, %(calls)s calls, %(km)s km one way"
            ) % {"n": visits, "when": _when(arrived_at), "calls": calls, "km": km}
            if note:
                trail += f" · {note}"
            order = _move(
                work_order=order,
                to_status=WorkOrderStatus.TO_RESCHEDULE,
                acting_user=acting_user,
                note=trail[:500],
                now=now,
            )
            if notify_customer:
                body = _(
                    "[After-sales service] Our technician came for your work order %(number)s at %(when)s and "
                    "found nobody at home. Call the service hotline to agree a new time."
                ) % {"number": order.number, "when": _when(arrived_at)}
                _tell_customer_after_commit(NotHomeVisit, visit, order, body)
    except BaseException:
        for field in saved:  # the row is gone with the rollback: so goes its photo
            field.storage.delete(field.name)
        raise
    return visit


def work_order_not_home_cancel(
    *,
    work_order: WorkOrder,
    acting_user,
    note: str,
    now: dt.datetime | None = None,
    notify_customer: bool = True,
) -> WorkOrder:
    """No more visits: the order that waits for a new appointment after nobody was at home is cancelled, with a
    reason, and the customer told by SMS. After two such visits it is the centre's supervisor's (or a
    manager's) decision."""
    now = now or timezone.now()
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Say why the work order is cancelled.")})
    with transaction.atomic():
        order = _lock(work_order)
        if order.status != WorkOrderStatus.TO_RESCHEDULE:
            raise _status_error(
                order,
                _(
                    "Work order %(number)s is “%(current)s”: only an order waiting for a new appointment is cancelled here."
                ),
                "not_to_reschedule",
            )
        visits = order.not_home_visits.count()
        allowed = (
            _supervises(acting_user, order.center_id)
            if visits >= NOT_HOME_VISITS_BEFORE_SUPERVISOR
            else has_role(acting_user, Role.DISPATCHER) or _supervises(acting_user, order.center_id)
        )
        if not allowed:
            raise _refusal(
                "status",
                _("Nobody was at home on %(n)s visits: the centre's supervisor decides.") % {"n": visits}
                if visits >= NOT_HOME_VISITS_BEFORE_SUPERVISOR
                else _("Only the office cancels a work order."),
                "supervisor_required",
            )
        order = work_order_transition(
            work_order=order,
            to_status=WorkOrderStatus.CANCELLED,
            acting_user=acting_user,
            note=(
                _("Cancelled after %(n)s visits where nobody was at home: %(note)s")
                % {"n": visits, "note": note}
            )[:500],
            now=now,
        )
        if notify_customer and _is_mobile(order.call.caller_phone):
            body = _(
                "[After-sales service] Your work order %(number)s is cancelled: our technician found nobody at "
                "home. Call the service hotline whenever you want a new visit."
            ) % {"number": order.number}
            transaction.on_commit(partial(sms.send_sms, order.call.caller_phone, body), robust=True)
    return order


# The supervisor's board ------------------------------------------------------------------------------------


def supervisor_board(*, center_ids: list[int], size: int) -> dict[int, dict]:
    """Per centre, the orders waiting on the field's exceptions: those to be rescheduled after nobody was at
    home, and those moved twice already (the next move is the supervisor's) — the first `size` of each centre,
    longest waiting first, with how many there are and whether the supervisor decides. Two queries for all
    the centres."""
    waiting = WorkOrder.objects.filter(center_id__in=center_ids).filter(
        Q(status=WorkOrderStatus.TO_RESCHEDULE)
        | Q(status__in=RESCHEDULABLE, reschedule_count__gte=RESCHEDULES_WITHOUT_SUPERVISOR)
    )
    counts = dict(
        waiting.order_by().values_list("center_id").annotate(n=Count("pk")).values_list("center_id", "n")
    )
    rows = list(
        waiting.select_related("call__customer", "technician")
        .annotate(
            visits=Count("not_home_visits"),
            rank=Window(RowNumber(), partition_by=F("center_id"), order_by=[F("status_changed_at"), F("pk")]),
        )
        .filter(rank__lte=size)
        .order_by("status_changed_at", "pk")
    )
    board: dict[int, dict] = {pk: {"orders": [], "count": counts.get(pk, 0)} for pk in center_ids}
    for order in rows:
        order.supervisor_decides = supervisor_decides(order, not_home_visits=order.visits)
        board[order.center_id]["orders"].append(order)
    return board
