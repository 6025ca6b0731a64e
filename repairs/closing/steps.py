"""The on-site steps around the closing: asking for parts, the diagnosis on arrival, who may act on
an order, and the manager's clearing of a closing without the customer's proof."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales import extensions
from aftersales.roles import Role, has_role
from inventory.models import Part
from inventory.services import part_request_submit
from network.models import Technician

from ..choices import (
    FaultCodeKind,
    WorkOrderStatus,
)
from ..models import FaultCode, WorkOrder, WorkOrderClosing
from ..services import _lock, work_order_note, work_order_transition


def work_order_need_parts(
    *, work_order: WorkOrder, lines: Sequence[tuple[Part, int]], acting_user, note: str = "", now=None
):
    """需要备件: a part request for the work order from the centre, and the order waits for the parts (when
    the repair had started). One transaction: no request without the status, nor the reverse."""
    now = now or timezone.now()
    with transaction.atomic():
        order = _lock(work_order)
        if order.status not in (
            WorkOrderStatus.ON_SITE,
            WorkOrderStatus.IN_REPAIR,
            WorkOrderStatus.WAITING_FOR_PARTS,
        ):
            raise ValidationError(
                _("Work order %(number)s is “%(status)s”: parts are asked for once on site.")
                % {"number": order.number, "status": order.get_status_display()}
            )
        request = part_request_submit(
            center=order.center, lines=lines, acting_user=acting_user, work_order=order, note=note, now=now
        )
        if order.status == WorkOrderStatus.ON_SITE:
            order = work_order_transition(
                work_order=order, to_status=WorkOrderStatus.IN_REPAIR, acting_user=acting_user, now=now
            )
        if order.status != WorkOrderStatus.WAITING_FOR_PARTS:
            work_order_transition(
                work_order=order,
                to_status=WorkOrderStatus.WAITING_FOR_PARTS,
                acting_user=acting_user,
                note=_("Part request %(number)s") % {"number": request.number},
                now=now,
            )
    return request


DIAGNOSABLE_STATUSES = frozenset(
    {WorkOrderStatus.ON_SITE, WorkOrderStatus.IN_REPAIR, WorkOrderStatus.WAITING_FOR_PARTS}
)


def work_order_diagnose(
    *,
    work_order: WorkOrder,
    fault_code: FaultCode | None,
    cause: FaultCode | None,
    note: str,
    acting_user,
    now: dt.datetime | None = None,
) -> WorkOrder:
    """检测: what the technician found at the product — the fault (required), its cause when known, a note —
    kept on the order and written in its trail. Once on site, and until the order is closed: a second
    diagnosis replaces the first (the trail keeps both). The closing form starts from it."""
    now = now or timezone.now()
    note = (note or "").strip()
    with transaction.atomic():
        order = _lock(work_order)
        if order.status not in DIAGNOSABLE_STATUSES:
            raise ValidationError(
                {
                    "status": _("Work order %(number)s is “%(status)s”: the fault is recorded once on site.")
                    % {"number": order.number, "status": order.get_status_display()}
                }
            )
        errors: dict[str, list[str]] = {}
        category_id = order.call.unit.model.category_id
        if fault_code is None:
            errors["diagnosis_fault"] = [_("Choose the fault you found.")]
        elif fault_code.kind != FaultCodeKind.FAULT or fault_code.category_id != category_id:
            errors["diagnosis_fault"] = [_("That fault code is not one of this product's.")]
        if cause is not None and (cause.kind != FaultCodeKind.CAUSE or cause.category_id != category_id):
            errors["diagnosis_cause"] = [_("That cause is not one of this product's.")]
        if len(note) > 500:
            errors["diagnosis_note"] = [_("At most 500 characters.")]
        if errors:
            raise ValidationError(errors)
        order.diagnosis_fault, order.diagnosis_cause = fault_code, cause
        order.diagnosis_note, order.diagnosed_at = note, now
        order.save(update_fields=["diagnosis_fault", "diagnosis_cause", "diagnosis_note", "diagnosed_at"])
        found = _("Found: %(fault)s") % {"fault": fault_code}
        if cause is not None:
            found += _("; cause: %(cause)s") % {"cause": cause.local_name}
        if note:
            found += f"; {note}"
        work_order_note(work_order=order, acting_user=acting_user, note=found, now=now)
    return order


def technician_may_act(user, order: WorkOrder) -> bool:
    """The tablet's actions: the order's own technician, or a supervisor of its centre (managers too)."""
    if has_role(user, Role.MANAGER):
        return True
    if order.technician_id and getattr(getattr(user, "technician", None), "pk", None) == order.technician_id:
        return True
    return bool(order.center_id) and order.center.supervisors.filter(pk=user.pk).exists()


def closing_proof_clear(*, closing: WorkOrderClosing, acting_user, note: str, now=None) -> WorkOrderClosing:
    """A manager accepts a closing made without the customer's proof (the reason is sound: the customer was
    reached otherwise, the voucher came back signed on paper…): from now on the settlement pays the work —
    in the month it is cleared, when the order closed in an earlier one."""
    now = now or timezone.now()
    if not has_role(acting_user, Role.MANAGER):
        raise ValidationError(
            {"status": _("Only a service manager clears a closing without the customer's proof.")},
            code="manager_only",
        )
    note = (note or "").strip()
    if not 2 <= len(note) <= 500:
        raise ValidationError(
            {"note": _("Say in 2 to 500 characters why the work may be paid without the customer's proof.")}
        )
    with transaction.atomic():
        row = (
            WorkOrderClosing.objects.select_for_update(of=("self",))
            .select_related("work_order")
            .get(pk=closing.pk)
        )
        if not row.proof_exception:
            raise ValidationError({"status": _("This closing has the customer's proof: nothing to clear.")})
        if row.closed_by_id == acting_user.pk:
            raise ValidationError(
                {"status": _("You recorded this closing without proof: another manager clears it.")},
                code="own_exception",
            )
        if row.proof_cleared_at is not None:
            raise ValidationError(
                {
                    "status": _("Already cleared by %(who)s on %(day)s.")
                    % {
                        "who": row.proof_cleared_by.get_full_name() or row.proof_cleared_by.get_username(),
                        "day": f"{timezone.localtime(row.proof_cleared_at):%Y-%m-%d %H:%M}",
                    }
                }
            )
        row.proof_cleared_at, row.proof_cleared_by, row.proof_cleared_note = now, acting_user, note
        row.save(update_fields=["proof_cleared_at", "proof_cleared_by", "proof_cleared_note"])
        work_order_note(
            work_order=row.work_order,
            acting_user=acting_user,
            note=_("Closing without the customer's proof cleared for payment: %(note)s") % {"note": note},
            now=now,
        )
    return row


def customer_acts(user, order: WorkOrder) -> bool:
    """The order's own customer, signed in on their own pages (/my/) with a code texted to their mobile: the
    app that keeps the customers' accounts says who that is (aftersales.extensions.WORK_ORDER_CUSTOMER)."""
    return has_role(user, Role.CUSTOMER) and bool(
        extensions.ask(extensions.WORK_ORDER_CUSTOMER, False, user=user, order=order)
    )


def _staff_number(order: WorkOrder) -> bool:
    """Whether the call's number or one of its customer's numbers is a technician's of the network."""
    call = order.call
    numbers = {call.caller_phone, *call.customer.phones.values_list("number", flat=True)}
    return Technician.objects.filter(phone__in=[n for n in numbers if n]).exists()


def work_order_customer_confirm(*, work_order: WorkOrder, acting_user, now=None) -> WorkOrderClosing | None:
    """The customer confirms, signed in on their own pages, that the service was done: a line in the order's
    trail. Where the closing was recorded without the customer's proof (neither signature nor code) and no
    manager has cleared it yet, this confirmation is that proof: the exception is cleared in the customer's name,
    and the settlement pays the work from then on, as after a manager's clearing. Returns the closing so
    cleared, else None. Only the order's own customer, and only once the work is done."""
    now = now or timezone.now()
    if not customer_acts(acting_user, work_order):
        raise ValidationError(
            {"status": _("Only the order's own customer, signed in, confirms the service.")},
            code="not_customer",
        )
    with transaction.atomic():
        order = _lock(work_order)
        if order.status not in (WorkOrderStatus.COMPLETED, WorkOrderStatus.CLOSED):
            raise ValidationError(
                {
                    "status": _("Work order %(number)s is “%(status)s”: the service is confirmed once done.")
                    % {"number": order.number, "status": order.get_status_display()}
                },
                code="not_done",
            )
        row = WorkOrderClosing.objects.select_for_update(of=("self",)).filter(work_order=order).first()
        clears = row is not None and row.proof_exception and row.proof_cleared_at is None
        note = _("The customer confirmed the service done, signed in on their own pages")
        if clears and _staff_number(order):
            # A call logged under a technician's own mobile: whoever signs in with it is not proof of the
            # customer's word. The confirmation stays in the trail; a manager decides on the closing.
            clears = False
            note += " · " + _("the number is a technician's: a manager clears the closing without proof")
        if clears:
            row.proof_cleared_at, row.proof_cleared_by = now, acting_user
            row.proof_cleared_note = _("Confirmed by the customer on their own pages")
            row.save(update_fields=["proof_cleared_at", "proof_cleared_by", "proof_cleared_note"])
            note += " · " + _("the customer's proof of the closing recorded without signature or code")
        work_order_note(work_order=order, acting_user=acting_user, note=note, now=now)
    return row if clears else None
