"""The field's exceptions: who may do what, and the limits and messages they share."""

from __future__ import annotations

import datetime as dt
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from aftersales import sms
from aftersales.roles import Role, has_role
from network.models import ServiceCenter, Technician

from ..choices import (
    RESCHEDULES_WITHOUT_SUPERVISOR,
    RescheduleReason,
    WorkOrderStatus,
)
from ..closing import _is_mobile
from ..models import WorkOrder

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
