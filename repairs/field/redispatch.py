"""改派: the order given to another technician or centre."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.roles import Role, has_role
from inventory.choices import MovementKind
from inventory.models import StockMovement
from network.certificates import certified_on, not_certified_message
from network.models import ServiceCenter, Technician

from ..choices import (
    REDISPATCHABLE,
    WorkOrderStatus,
)
from ..models import Redispatch, WorkOrder
from ..services import _event, _lock, outside_agreement
from .common import NOTE_MAX, STATUS_AFTER_REDISPATCH, _name, _refusal, _status_error, _when, may_redispatch

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
            else:
                # A 上岗证 in force on the visit's day: the appointment's when it is still to come, else today.
                day = timezone.localdate(now)
                if order.appointment_start and order.appointment_start > now:
                    day = timezone.localdate(order.appointment_start)
                if not certified_on(technician=technician, category=category, day=day):
                    errors["technician"] = [
                        not_certified_message(technician=technician, category=category, day=day)
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
