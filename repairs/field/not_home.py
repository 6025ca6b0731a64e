"""上门未遇: a visit where nobody was at home, and its cancellation."""

from __future__ import annotations

import datetime as dt
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales import sms
from aftersales.parsing import parse_int
from aftersales.roles import Role, has_role

from ..choices import (
    WorkOrderStatus,
)
from ..closing import _is_image, _is_mobile
from ..models import NotHomeVisit, WorkOrder
from ..services import _lock, _move, work_order_transition
from .common import (
    MAX_KM,
    NOT_HOME_FROM,
    NOT_HOME_MAX_CALLS,
    NOT_HOME_VISITS_BEFORE_SUPERVISOR,
    NOTE_MAX,
    _name,
    _refusal,
    _status_error,
    _supervises,
    _tell_customer_after_commit,
    _when,
    may_record_not_home,
)

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
