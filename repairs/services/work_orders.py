"""A work order's way through the register: dispatch within a centre's agreement, the transitions of
the TRANSITIONS table, contact with the customer, notes, redo, guidance by phone."""

from __future__ import annotations

import datetime as dt
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from aftersales.numbering import next_number
from aftersales.roles import Role, has_role
from network.certificates import certified_on, not_certified_message
from network.models import ServiceCenter, Technician

from ..choices import (
    OPEN_STATUSES,
    TRANSITIONS,
    ServiceMode,
    WorkOrderStatus,
)
from ..models import (
    CarryIn,
    DispatchOverride,
    RepairCall,
    WorkOrder,
)
from ..tasks import confirmation_code_send
from .register import PHONE_GUIDANCE_CALLBACK, WORK_ORDER_PREFIX, _event


def _lock(work_order: WorkOrder) -> WorkOrder:
    # Lock the work order only, not the call, unit and model rows joined for the checks.
    return (
        WorkOrder.objects.select_for_update(of=("self",))
        .select_related("call__unit__model")
        .get(pk=work_order.pk)
    )


def _not_allowed(order: WorkOrder, to_status: str) -> ValidationError:
    return ValidationError(
        {
            "status": _("Work order %(number)s is “%(current)s”: it cannot become “%(target)s”.")
            % {
                "number": order.number,
                "current": WorkOrderStatus(order.status).label,
                "target": WorkOrderStatus(to_status).label,
            }
        },
        code="transition_not_allowed",
    )


def _check_appointment(
    *, center: ServiceCenter, start: dt.datetime, end: dt.datetime, now: dt.datetime
) -> dict:
    errors = {}
    if end <= start:
        errors["appointment_end"] = _("The appointment must end after it starts.")
        return errors
    if start < now:
        errors["appointment_start"] = _("The appointment cannot be in the past.")
    local_start, local_end = timezone.localtime(start), timezone.localtime(end)
    if local_start.date() != local_end.date():
        errors["appointment_end"] = _("The appointment window must be within one day.")
    elif local_start.time() < center.opens_at or local_end.time() > center.closes_at:
        errors["appointment_start"] = _(
            "%(center)s works from %(opens)s to %(closes)s: choose an appointment inside the service hours."
        ) % {
            "center": center.name,
            "opens": center.opens_at.strftime("%H:%M"),
            "closes": center.closes_at.strftime("%H:%M"),
        }
    return errors


def outside_agreement(*, center: ServiceCenter, district, category) -> list[str]:
    """What of a call the centre's agreement does not cover: the service district, the product category.
    Empty when the centre may take it."""
    outside = []
    if not center.coverage.filter(pk=district.pk).exists():
        outside.append(_("%(district)s is not in its service area") % {"district": district.full_name})
    if not center.categories.filter(pk=category.pk).exists():
        outside.append(_("it is not authorised for %(category)s") % {"category": category.local_name})
    return outside


def work_order_dispatch(
    *,
    work_order: WorkOrder,
    center: ServiceCenter,
    technician: Technician | None,
    appointment_start: dt.datetime,
    appointment_end: dt.datetime,
    mode: str = ServiceMode.ON_SITE,
    acting_user,
    note: str = "",
    now: dt.datetime | None = None,
    notify_customer: bool = True,
    override_reason: str = "",
) -> WorkOrder:
    """派工: gives a new work order to a centre (and technician) with an appointment window.

    A centre whose agreement does not cover the call's district or the unit's category is refused, unless a
    manager gives `override_reason` (kept as a DispatchOverride and in the order's history).

    `notify_customer=False` sends no confirmation code (historic orders written by the demo or an import:
    their visits are long past, and nobody should get a message for them).

    Two dispatchers at once: the row lock makes one wait; it then finds the order dispatched and is told
    by whom and when. Nothing changes when a check fails."""
    now = now or timezone.now()
    with transaction.atomic():
        order = _lock(work_order)
        if order.status != WorkOrderStatus.NEW:
            if order.status == WorkOrderStatus.DISPATCHED and order.dispatched_by_id:
                who = order.dispatched_by.get_full_name() or order.dispatched_by.get_username()
                raise ValidationError(
                    {
                        "status": _(
                            "Work order %(number)s was already dispatched by %(who)s at %(when)s to %(center)s."
                        )
                        % {
                            "number": order.number,
                            "who": who,
                            "when": date_format(timezone.localtime(order.dispatched_at), "Y-m-d H:i"),
                            "center": order.center.name,
                        }
                    },
                    code="already_dispatched",
                )
            raise _not_allowed(order, WorkOrderStatus.DISPATCHED)
        category = order.call.unit.model.category
        day = timezone.localdate(appointment_start)
        errors = {}
        if not ServiceCenter.objects.active_on(day).filter(pk=center.pk).exists():
            errors["center"] = _("%(center)s has no active service agreement on %(day)s.") % {
                "center": center.name,
                "day": day,
            }
        if technician is not None:
            if technician.center_id != center.pk:
                errors["technician"] = _("%(tech)s works for another service centre, not %(center)s.") % {
                    "tech": technician.name,
                    "center": center.name,
                }
            elif not technician.active:
                errors["technician"] = _("%(tech)s is no longer active.") % {"tech": technician.name}
            elif not technician.categories.filter(pk=category.pk).exists():
                errors["technician"] = _("%(tech)s is not certified for %(category)s.") % {
                    "tech": technician.name,
                    "category": category.name,
                }
            elif not certified_on(technician=technician, category=category, day=day):
                # The maker's service standard: no work without a 上岗证 in force on the visit's day.
                errors["technician"] = not_certified_message(
                    technician=technician, category=category, day=day
                )
        outside = outside_agreement(center=center, district=order.call.service_region, category=category)
        override_reason = (override_reason or "").strip()
        if outside and not override_reason:
            refusal = _(
                "%(center)s's agreement does not cover this call: %(outside)s. Choose a centre that covers "
                "it, or have a manager dispatch it with a reason."
            ) % {"center": center.name, "outside": "；".join(outside)}
            # Beside an inactive agreement's refusal, not instead of it: a reason would not cure that one.
            errors["center"] = [message for message in (errors.get("center"), refusal) if message]
        elif outside and not has_role(acting_user, Role.MANAGER):
            errors["override_reason"] = _("Only a manager can dispatch outside a centre's agreement.")
        if mode not in ServiceMode.values:
            errors["mode"] = _("Choose on site or carry-in.")
        errors.update(
            _check_appointment(center=center, start=appointment_start, end=appointment_end, now=now)
        )
        if errors:
            raise ValidationError(errors)
        order.center = center
        order.technician = technician
        order.appointment_start = appointment_start
        order.appointment_end = appointment_end
        order.mode = mode
        order.status = WorkOrderStatus.DISPATCHED
        order.status_changed_at = now
        order.dispatched_at = now
        order.dispatched_by = acting_user
        order.save()
        detail = center.name + (f" · {technician.name}" if technician else "")
        if outside:
            DispatchOverride.objects.create(
                work_order=order,
                center=center,
                outside="；".join(outside)[:300],
                reason=override_reason[:500],
                by=acting_user,
                at=now,
            )
            detail = _("%(detail)s — outside the agreement (%(outside)s), allowed by %(who)s: %(reason)s") % {
                "detail": detail,
                "outside": "；".join(outside),
                "who": acting_user.get_full_name() or acting_user.get_username(),
                "reason": override_reason,
            }
            note = f"{note} · {detail}" if note else detail
        _event(
            order, WorkOrderStatus.NEW, WorkOrderStatus.DISPATCHED, acting_user, now, (note or detail)[:500]
        )
        # The customer's confirmation code for the visit goes out once the dispatch is committed.
        if notify_customer:
            transaction.on_commit(partial(confirmation_code_send.delay, order.pk))
    return order


def _paid_work_guard(order: WorkOrder, to_status: str) -> None:
    """Paid service (A): no repair starts, and none completes, without the customer's consent to every quote."""
    if not order.quoted_as_paid:
        return
    if to_status not in (WorkOrderStatus.IN_REPAIR, WorkOrderStatus.COMPLETED):
        return
    quotes = list(order.quotes.select_related("consent").order_by("sequence"))
    if not quotes:
        raise ValidationError(
            {
                "quote": _(
                    "Paid service: give the customer a quote and record their consent before the repair."
                )
            },
            code="quote_missing",
        )
    # A quote the customer declined is answered: no work is done on it, and it charges nothing.
    pending = [q for q in quotes if not hasattr(q, "consent") and q.declined_at is None]
    if pending:
        raise ValidationError(
            {
                "consent": _("Quote %(numbers)s has no customer consent yet: record it before going on.")
                % {"numbers": "、".join(f"#{q.sequence}" for q in pending)}
            },
            code="consent_missing",
        )
    # Every quote declined: no repair starts (the order is closed as declined, with its closing record).
    if to_status == WorkOrderStatus.IN_REPAIR and not any(hasattr(q, "consent") for q in quotes):
        raise ValidationError(
            {
                "consent": ValidationError(
                    _(
                        "The customer declined the quote: give a new quote and record their consent, or close the "
                        "order as declined."
                    ),
                    code="quote_declined",
                )
            }
        )


def closing_required_error(order: WorkOrder) -> ValidationError:
    return ValidationError(
        {
            "status": ValidationError(
                _(
                    "Work order %(number)s is completed only with its closing record: close it on the tablet, "
                    "or record the closing in the office (fault, cause, what was done, labour, and the "
                    "customer's signature or confirmation code)."
                )
                % {"number": order.number},
                code="closing_required",
            )
        }
    )


def work_order_transition(
    *, work_order: WorkOrder, to_status: str, acting_user, note: str = "", now: dt.datetime | None = None
) -> WorkOrder:
    """Moves a work order along TRANSITIONS — not to dispatched (work_order_dispatch), not to completed: only
    a closing record completes an order (repairs.closing.work_order_close), and not to "to be rescheduled": only
    a visit where nobody was at home leads there (repairs.field.work_order_not_home)."""
    if to_status == WorkOrderStatus.DISPATCHED:
        raise ValueError("dispatch through work_order_dispatch()")
    if to_status == WorkOrderStatus.COMPLETED:
        raise closing_required_error(work_order)
    if to_status == WorkOrderStatus.TO_RESCHEDULE:
        raise ValidationError(
            {
                "status": _(
                    "A work order waits for a new appointment only once a visit where nobody was at home is "
                    "recorded: record that visit."
                )
            },
            code="not_home_required",
        )
    return _move(work_order=work_order, to_status=to_status, acting_user=acting_user, note=note, now=now)


def _move(
    *, work_order: WorkOrder, to_status: str, acting_user, note: str = "", now: dt.datetime | None = None
) -> WorkOrder:
    """The transition itself, under the row lock. Completed is entered only from repairs.closing, which
    writes the closing record in the same transaction (a database trigger refuses the commit otherwise)."""

    now = now or timezone.now()
    with transaction.atomic():
        order = _lock(work_order)
        if to_status not in TRANSITIONS[order.status]:
            raise _not_allowed(order, to_status)
        if to_status == WorkOrderStatus.CANCELLED and not note.strip():
            raise ValidationError({"note": _("Say why the work order is cancelled.")})
        if to_status == WorkOrderStatus.PHONE_GUIDED and not note.strip():
            raise ValidationError({"note": _("Write down the guidance given to the customer.")})
        _paid_work_guard(order, to_status)
        if to_status in (WorkOrderStatus.CLOSED, WorkOrderStatus.CANCELLED):
            carry_in = CarryIn.objects.filter(work_order=order).first()
            if carry_in is not None and carry_in.returned_at is None:
                raise ValidationError(
                    {"status": _("The product is still in the workshop: hand it back before closing.")}
                )
        previous = order.status
        order.status = to_status
        order.status_changed_at = now
        # Waiting for parts has no timestamp of its own (its event records it); a repair resumed after
        # the parts came keeps the day it started, which the 三包 days-in-repair count from.
        stamp = WorkOrder.STATUS_TIMESTAMP.get(to_status)
        if stamp and not (to_status == WorkOrderStatus.IN_REPAIR and order.repair_started_at):
            setattr(order, stamp, now)
        order.save()
        _event(order, previous, to_status, acting_user, now, note.strip()[:500])
        if to_status == WorkOrderStatus.PHONE_GUIDED:
            # The maker's service procedure: the customer is called back 2 hours after the guidance.
            RepairCall.objects.filter(pk=order.call_id).update(callback_due_at=now + PHONE_GUIDANCE_CALLBACK)
    return order


def work_order_contact_record(
    *, work_order: WorkOrder, acting_user, note: str = "", now: dt.datetime | None = None
) -> WorkOrder:
    """The technician reached the customer (confirmed the appointment by phone): the SLA's first contact.
    Only the first contact counts; a second one is recorded in the trail and changes nothing else."""
    now = now or timezone.now()
    with transaction.atomic():
        order = _lock(work_order)
        if order.status not in OPEN_STATUSES or order.status == WorkOrderStatus.NEW:
            raise ValidationError(
                {
                    "status": _("Work order %(number)s is “%(current)s”: no contact to record.")
                    % {"number": order.number, "current": WorkOrderStatus(order.status).label}
                }
            )
        if order.first_contact_at is None:
            order.first_contact_at = now
            order.save(update_fields=["first_contact_at"])
        _event(
            order,
            order.status,
            order.status,
            acting_user,
            now,
            (note.strip() or _("Customer contacted"))[:500],
        )
    return order


def work_order_note(*, work_order: WorkOrder, acting_user, note: str, now: dt.datetime | None = None) -> None:
    """A line in the order's trail that changes no status (a callback's request to correct the record)."""
    now = now or timezone.now()
    with transaction.atomic():
        order = _lock(work_order)
        _event(order, order.status, order.status, acting_user, now, note.strip()[:500])


def work_order_redo(
    *, work_order: WorkOrder, acting_user, note: str, now: dt.datetime | None = None
) -> WorkOrder:
    """退回重办: the job is done again as a new work order of the same call (status new, to be dispatched,
    free for the customer); the first order's payment is held in the settlement until the redo is completed."""
    now = now or timezone.now()
    with transaction.atomic():
        order = _lock(work_order)
        if order.status not in (
            WorkOrderStatus.COMPLETED,
            WorkOrderStatus.PHONE_GUIDED,
            WorkOrderStatus.CLOSED,
        ):
            raise ValidationError(
                {
                    "status": _("Work order %(number)s is still open: it is not redone, it is finished.")
                    % {"number": order.number}
                }
            )
        if order.redos.filter(status__in=OPEN_STATUSES).exists():
            raise ValidationError(
                {"status": _("A redo of %(number)s is open already.") % {"number": order.number}}
            )
        order.payment_held = True
        order.save(update_fields=["payment_held"])
        redo = WorkOrder.objects.create(
            number=next_number(WORK_ORDER_PREFIX, day=timezone.localdate(now)),
            call_id=order.call_id,
            redo_of=order,
            status=WorkOrderStatus.NEW,
            status_changed_at=now,
            created_at=now,
        )
        _event(
            order,
            order.status,
            order.status,
            acting_user,
            now,
            (_("Sent back to be redone as %(n)s: %(note)s") % {"n": redo.number, "note": note})[:500],
        )
        _event(
            redo,
            "",
            WorkOrderStatus.NEW,
            acting_user,
            now,
            (_("Redo of %(n)s: %(note)s") % {"n": order.number, "note": note})[:500],
        )
    return redo


def work_order_guide_by_phone(
    *, work_order: WorkOrder, acting_user, note: str, now: dt.datetime | None = None
) -> WorkOrder:
    """Closes the visit as guided by phone (no visit); the customer is called back 2 hours later."""
    return work_order_transition(
        work_order=work_order,
        to_status=WorkOrderStatus.PHONE_GUIDED,
        acting_user=acting_user,
        note=note,
        now=now,
    )
