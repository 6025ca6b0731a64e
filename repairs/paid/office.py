"""The office's part of paid work: receivables paid later, a call's service type changed with its
reason, what the tablet shows, and why the customer pays."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.money import yuan
from aftersales.roles import Role, has_role, may_act_for_center
from network.choices import SettlementStatus
from network.models import Settlement, SettlementLine

from ..choices import (
    DecisionChangeKind,
    PaymentMethod,
    ServiceType,
    WorkOrderStatus,
)
from ..models import DecisionChange, Receivable, RepairCall, WorkOrder
from ..services import _event, work_order_note
from .payment import clean_reference
from .quotes import NOTE_MAX, QUOTABLE_STATUSES, REASON_MAX, is_paid, may_decline

# Receivables ----------------------------------------------------------------------------------------------


def may_manage_receivable(user, receivable: Receivable) -> bool:
    """The centre's supervisor, or a manager."""
    return may_act_for_center(user, receivable.center)


def receivable_mark_paid(
    *,
    receivable: Receivable,
    method: str,
    reference: str = "",
    note: str = "",
    acting_user,
    now: dt.datetime | None = None,
) -> Receivable:
    """The customer paid what they owed: how (and the transaction number of an app payment), who recorded it.
    Once: a second attempt is refused with who recorded the first."""
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}

    def add(field, message):
        errors.setdefault(field, []).append(message)

    if method not in PaymentMethod.values:
        add("payment_method", _("Choose how the customer paid."))
    else:
        reference = clean_reference(method, reference, add)
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        add("paid_note", _("At most %(n)s characters.") % {"n": NOTE_MAX})
    with transaction.atomic():
        row = (
            Receivable.objects.select_for_update(of=("self",))
            .select_related("work_order", "center")
            .get(pk=receivable.pk)
        )
        if not may_manage_receivable(acting_user, row):
            raise ValidationError(
                {
                    "status": ValidationError(
                        _("Only the centre's supervisor or a manager records what a customer paid."),
                        code="not_allowed",
                    )
                }
            )
        if row.paid_at is not None:
            raise ValidationError(
                {
                    "status": ValidationError(
                        _("%(number)s was marked paid by %(who)s on %(when)s.")
                        % {
                            "number": row.work_order.number,
                            "who": row.paid_by.get_full_name() or row.paid_by.get_username(),
                            "when": f"{timezone.localtime(row.paid_at):%Y-%m-%d %H:%M}",
                        },
                        code="already_paid",
                    )
                }
            )
        if errors:
            raise ValidationError(errors)
        row.paid_at, row.paid_by = now, acting_user
        row.payment_method, row.payment_reference, row.paid_note = method, reference, note
        row.save(update_fields=["paid_at", "paid_by", "payment_method", "payment_reference", "paid_note"])

        work_order_note(
            work_order=row.work_order,
            acting_user=acting_user,
            note=_("The customer paid the %(amount)s outstanding (%(method)s)")
            % {"amount": yuan(row.amount), "method": PaymentMethod(method).label},
            now=now,
        )
    return row


# The office changes a call's service type -------------------------------------------------------------------


def may_change_service_type(user, call: RepairCall) -> bool:
    """Dispatchers and managers; a supervisor for a call of their own centre."""
    if has_role(user, Role.DISPATCHER, Role.MANAGER):
        return True
    return (
        has_role(user, Role.SUPERVISOR)
        and WorkOrder.objects.filter(call=call, center__supervisors=user).exists()
    )


def _on_confirmed_statement(order_ids: list[int]) -> list[str]:
    """The numbers of the confirmed (or paid) statements that hold any of the orders. The settlement reads
    the service type when it computes; a confirmed statement is never changed afterwards."""

    statements = (
        Settlement.objects.filter(
            pk__in=SettlementLine.objects.filter(work_order_id__in=order_ids).values("settlement_id")
        )
        .exclude(status=SettlementStatus.DRAFT)
        .select_related("center")
    )
    return sorted(s.number for s in statements)


def call_service_type_change(
    *, call: RepairCall, service_type: str, reason: str, acting_user, now: dt.datetime | None = None
) -> DecisionChange:
    """The office gives the call another service type (A paid, B contract, C free, D administrative) and says
    why. Kept as a DecisionChange of the call's current work order (before, after, reason, who, when) and an
    event of it; the settlement pays by the new type from its next computation.

    Refused: an order of the call on a confirmed statement (what was paid stays as it was paid); a change to or
    from paid (A) once an order of the call is closed — the customer's bill (quote, consent, payment) was
    settled by the type it was closed under."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    errors: dict[str, list[str]] = {}
    if service_type not in ServiceType.values:
        errors["service_type"] = [_("Choose a service type A, B, C or D.")]
    if not reason:
        errors["service_type_reason"] = [
            _("Say why the service type changes: the settlement and audit read it.")
        ]
    elif len(reason) > REASON_MAX:
        errors["service_type_reason"] = [_("At most %(n)s characters.") % {"n": REASON_MAX}]
    if errors:
        raise ValidationError(errors)

    with transaction.atomic():
        row = RepairCall.objects.select_for_update().get(pk=call.pk)
        if not may_change_service_type(acting_user, row):
            raise ValidationError(
                {
                    "service_type": ValidationError(
                        _(
                            "Only a dispatcher, a manager or the supervisor of the call's centre changes its "
                            "service type."
                        ),
                        code="not_allowed",
                    )
                }
            )
        before = row.service_type
        if service_type == before:
            raise ValidationError(
                {"service_type": _("The call is %(type)s already.") % {"type": ServiceType(before).label}}
            )
        orders = list(
            WorkOrder.objects.select_for_update(of=("self",))
            .filter(call=row)
            .select_related("closing")
            .order_by("pk")
        )
        statements = _on_confirmed_statement([o.pk for o in orders])
        if statements:
            raise ValidationError(
                {
                    "service_type": ValidationError(
                        _(
                            "The work of this call is on the confirmed statement %(numbers)s: its service type stays "
                            "as it was paid. Correct it with an adjustment in a later month."
                        )
                        % {"numbers": "、".join(statements)},
                        code="settled",
                    )
                }
            )
        closed = [o for o in orders if hasattr(o, "closing")]
        if closed and ServiceType.PAID in (before, service_type):
            raise ValidationError(
                {
                    "service_type": ValidationError(
                        _(
                            "Work order %(number)s is closed as %(type)s: the customer's bill (quote, consent, payment) "
                            "was settled by it, so it neither becomes nor stops being paid service now."
                        )
                        % {"number": closed[-1].number, "type": ServiceType(before).label},
                        code="closed",
                    )
                }
            )
        current = next((o for o in reversed(orders) if o.status != WorkOrderStatus.CANCELLED), orders[-1])
        change = DecisionChange.objects.create(
            work_order=current,
            kind=DecisionChangeKind.SERVICE_TYPE,
            service_type_before=before,
            service_type_after=service_type,
            reason=reason,
            by=acting_user,
            at=now,
        )
        row.service_type = service_type
        # The call keeps the reason its type differs from the one suggested at intake (a database check).
        row.service_type_reason = reason if service_type != row.suggested_service_type else ""
        row.save(update_fields=["service_type", "service_type_reason"])
        current.call = row
        _event(
            current,
            current.status,
            current.status,
            acting_user,
            now,
            (
                _("Service type changed from %(before)s to %(after)s: %(reason)s")
                % {
                    "before": ServiceType(before).label,
                    "after": ServiceType(service_type).label,
                    "reason": reason,
                }
            )[:500],
        )
    return change


# The tablet -----------------------------------------------------------------------------------------------


def tablet_view(order: WorkOrder) -> dict | None:
    """What the tablet's order page shows of a paid order: why it is paid, its quotes and their answers, what
    can be done next. None for other service types."""
    if not is_paid(order):
        return None
    quotes = list(order.quotes.select_related("consent").prefetch_related("lines").order_by("sequence"))
    waiting = next((q for q in quotes if not hasattr(q, "consent") and q.declined_at is None), None)
    return {
        "reasons": paid_reasons(order),
        "quotes": quotes,
        "waiting": waiting,
        "can_quote": order.status in QUOTABLE_STATUSES,
        "can_decline": may_decline(order),
    }


# Why the customer pays ------------------------------------------------------------------------------------


def paid_reasons(order: WorkOrder) -> list[str]:
    """Why a paid (A) order is paid, in words the customer reads on the tablet: the latest decision taken on
    site or the office's reason for the change, else the dispatcher's reason at intake, else the 三包 decision
    taken at intake (its reasons are written in Chinese by the rules). Empty for other service types."""
    if not is_paid(order):
        return []
    change = (
        DecisionChange.objects.filter(work_order__call_id=order.call_id, service_type_after=ServiceType.PAID)
        .select_related("decision")
        .order_by("-at", "-pk")
        .first()
    )
    latest = (
        DecisionChange.objects.filter(work_order__call_id=order.call_id)
        .order_by("-at", "-pk")
        .values("pk")
        .first()
    )
    if change is not None and latest is not None and latest["pk"] == change.pk:
        if change.kind == DecisionChangeKind.SERVICE_TYPE:
            return [change.reason]
        reasons = [r["zh"] for r in (change.decision.result if change.decision else {}).get("reasons", [])]
        return reasons or [change.reason]
    call = order.call
    if call.service_type != call.suggested_service_type and call.service_type_reason:
        return [call.service_type_reason]
    decision = call.warranty_decision
    if decision is None:
        return [
            _(
                "The 三包 period could not be worked out when the call was logged (no purchase date or invoice "
                "was given), so the repair is paid. Show the invoice and the repair can be looked at again."
            )
        ]
    reasons = [r["zh"] for r in decision.result.get("reasons", [])]
    return reasons or [_("The product is outside the 三包 coverage: the repair is paid by the customer.")]
