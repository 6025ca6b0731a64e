"""Part requests: a centre asks the central warehouse for parts; approved, shipped and received (or
rejected, cancelled) with their events."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.money import money
from aftersales.numbering import next_number
from aftersales.roles import Role, may_act_for_center
from network.models import Technician

from ..choices import (
    PART_REQUEST_TRANSITIONS,
    CreditEntryKind,
    MovementKind,
    OverCreditPolicy,
    PartRequestStatus,
)
from ..models import (
    ZERO,
    InventorySettings,
    Part,
    PartRequest,
    PartRequestEvent,
    PartRequestLine,
)
from .common import CreditLimitExceeded, _require, _text
from .credit import _account, _credit, _credit_message, credit_position
from .ledger import Move, _center_warehouse, _merge_lines, _post, central_warehouse
from .returns import _own_center

# --------------------------------------------------------------------------------------------------------
# Part requests
# --------------------------------------------------------------------------------------------------------


def _request_event(request: PartRequest, old: str, new: str, actor, at, note: str = "") -> None:
    PartRequestEvent.objects.create(
        request=request, from_status=old, to_status=new, actor=actor, at=at, note=note
    )


def _lock_request(request: PartRequest) -> PartRequest:
    return (
        PartRequest.objects.select_for_update(no_key=True, of=("self",))
        .select_related("center")
        .get(pk=request.pk)
    )


def _request_move(request: PartRequest, new: str) -> None:
    if new not in PART_REQUEST_TRANSITIONS[PartRequestStatus(request.status)]:
        raise ValidationError(
            _("Part request %(number)s is %(status)s and cannot be %(action)s.")
            % {
                "number": request.number,
                "status": request.get_status_display(),
                "action": PartRequestStatus(new).label,
            },
            code="invalid_transition",
        )


def part_request_submit(
    *,
    center,
    lines: Iterable[tuple[Part, object]],
    acting_user,
    work_order=None,  # a repairs.WorkOrder
    note: str = "",
    now=None,
) -> PartRequest:
    """A centre asks for parts. Under the approval limits and within its credit it is approved at once;
    above a limit it waits for a manager; over the credit it is refused, or sent to a manager (by setting),
    with the numbers in the message."""
    now = now or timezone.now()
    # The centre's supervisors (and managers) ask for parts; a technician for a work order of their own.
    own_order = (
        work_order is not None
        and work_order.technician_id is not None
        and Technician.objects.filter(pk=work_order.technician_id, user=acting_user).exists()
    )
    if not (own_order or _own_center(acting_user, center)):
        raise ValidationError(_("You are not allowed to do this."), code="forbidden")
    _center_warehouse(center)  # the parts must have somewhere to go
    note = _text(note, "note", 300)
    merged = _merge_lines(lines)
    inactive = [part.code for part, _q in merged if not part.active]
    if inactive:
        raise ValidationError(_("No longer supplied: %(codes)s.") % {"codes": "、".join(inactive)})
    if work_order is not None and work_order.center_id != center.pk:
        raise ValidationError({"work_order": _("That work order belongs to another service centre.")})
    settings = InventorySettings.current()
    amount = sum((money(part.unit_cost_amount * q) for part, q in merged), ZERO)
    total_quantity = sum(q for _p, q in merged)
    with transaction.atomic():
        _account(center)  # serialises credit decisions of one centre
        position = credit_position(center=center, extra=amount)
        reasons = []
        if position["over"]:
            if settings.over_credit_policy == OverCreditPolicy.REFUSE:
                raise CreditLimitExceeded(_credit_message(position), code="credit_limit")
            reasons.append(_credit_message(position))
        if total_quantity > settings.auto_approve_max_quantity:
            reasons.append(
                _("%(quantity)s pieces, over the %(limit)s approved automatically.")
                % {"quantity": total_quantity, "limit": settings.auto_approve_max_quantity}
            )
        if amount > settings.auto_approve_max_amount:
            reasons.append(
                _("%(amount)s yuan, over the %(limit)s yuan approved automatically.")
                % {"amount": amount, "limit": settings.auto_approve_max_amount}
            )
        request = PartRequest.objects.create(
            number=next_number("BJ", day=timezone.localdate(now)),
            center=center,
            work_order=work_order,
            status=PartRequestStatus.PENDING if reasons else PartRequestStatus.APPROVED,
            amount=amount,
            note=note,
            approval_reason=" ".join(reasons)[:300],
            requested_by=acting_user,
            requested_at=now,
            auto_approved=not reasons,
            decided_at=None if reasons else now,
        )
        PartRequestLine.objects.bulk_create(
            [
                PartRequestLine(
                    request=request, part=part, quantity=q, unit_cost_amount=part.unit_cost_amount
                )
                for part, q in merged
            ]
        )
        _request_event(request, "", PartRequestStatus.PENDING, acting_user, now)
        if not reasons:
            _request_event(
                request,
                PartRequestStatus.PENDING,
                PartRequestStatus.APPROVED,
                None,
                now,
                _("Within the limits."),
            )
        return request


def part_request_approve(*, request: PartRequest, acting_user, note: str = "", now=None) -> PartRequest:
    """A manager approves a request above the limits (and, by doing so, any credit it goes over)."""
    now = now or timezone.now()
    _require(acting_user, Role.MANAGER)
    note = _text(note, "note", 300)
    with transaction.atomic():
        request = _lock_request(request)
        _request_move(request, PartRequestStatus.APPROVED)
        old = request.status
        request.status = PartRequestStatus.APPROVED
        request.decided_by = acting_user
        request.decided_at = now
        request.save(update_fields=["status", "decided_by", "decided_at"])
        _request_event(request, old, request.status, acting_user, now, note)
        return request


def part_request_reject(*, request: PartRequest, reason: str, acting_user, now=None) -> PartRequest:
    now = now or timezone.now()
    _require(acting_user, Role.MANAGER)
    reason = _text(reason, "reason", 300, required_message=_("Say why the request is rejected."))
    with transaction.atomic():
        request = _lock_request(request)
        _request_move(request, PartRequestStatus.REJECTED)
        old = request.status
        request.status = PartRequestStatus.REJECTED
        request.rejection_reason = reason
        request.decided_by = acting_user
        request.decided_at = now
        request.save(update_fields=["status", "rejection_reason", "decided_by", "decided_at"])
        _request_event(request, old, request.status, acting_user, now, reason)
        return request


def part_request_cancel(*, request: PartRequest, acting_user, now=None) -> PartRequest:
    """The requesting centre withdraws a request that has not been shipped."""
    now = now or timezone.now()
    with transaction.atomic():
        request = _lock_request(request)
        if not may_act_for_center(acting_user, request.center):
            raise ValidationError(_("You are not allowed to do this."), code="forbidden")
        _request_move(request, PartRequestStatus.CANCELLED)
        old = request.status
        request.status = PartRequestStatus.CANCELLED
        request.save(update_fields=["status"])
        _request_event(request, old, request.status, acting_user, now)
        return request


def part_request_ship(*, request: PartRequest, acting_user, now=None) -> PartRequest:
    """The central warehouse ships an approved request (transfer out); the centre's credit used rises by
    the value shipped. An automatically approved request is checked against the credit again."""
    now = now or timezone.now()
    _require(acting_user, Role.MANAGER)
    with transaction.atomic():
        request = _lock_request(request)
        _request_move(request, PartRequestStatus.SHIPPED)
        lines = list(request.lines.select_related("part"))
        central = central_warehouse()
        out = _post(
            [Move(central, line.part, -line.quantity) for line in lines],
            kind=MovementKind.TRANSFER_OUT,
            acting_user=acting_user,
            now=now,
            reference=request.number,
            part_request=request,
        )
        value = -sum((mv.value_amount for mv in out), ZERO)
        account = _account(request.center)
        if request.auto_approved:
            position = credit_position(center=request.center, extra=value, exclude=request)
            if position["over"]:
                raise CreditLimitExceeded(_credit_message(position), code="credit_limit")
        _credit(
            account,
            CreditEntryKind.SHIPPED,
            value,
            acting_user=acting_user,
            now=now,
            part_request=request,
            reference=request.number,
        )
        old = request.status
        request.status = PartRequestStatus.SHIPPED
        request.shipped_by = acting_user
        request.shipped_at = now
        request.save(update_fields=["status", "shipped_by", "shipped_at"])
        _request_event(request, old, request.status, acting_user, now)
        return request


def part_request_receive(*, request: PartRequest, acting_user, now=None) -> PartRequest:
    """The centre books the shipped parts into its warehouse (transfer in, at the value shipped)."""
    now = now or timezone.now()
    with transaction.atomic():
        request = _lock_request(request)
        if not may_act_for_center(acting_user, request.center):
            raise ValidationError(_("You are not allowed to do this."), code="forbidden")
        _request_move(request, PartRequestStatus.RECEIVED)
        warehouse = _center_warehouse(request.center)
        out = list(
            request.movements.filter(kind=MovementKind.TRANSFER_OUT).select_related("part").order_by("pk")
        )
        _post(
            [Move(warehouse, mv.part, -mv.quantity, value=-mv.value_amount) for mv in out],
            kind=MovementKind.TRANSFER_IN,
            acting_user=acting_user,
            now=now,
            reference=request.number,
            part_request=request,
        )
        old = request.status
        request.status = PartRequestStatus.RECEIVED
        request.received_by = acting_user
        request.received_at = now
        request.save(update_fields=["status", "received_by", "received_at"])
        _request_event(request, old, request.status, acting_user, now)
        return request
