"""Opening a remedy request on a 三包 decision, and the manager's approval."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales import events
from aftersales.numbering import next_number
from aftersales.roles import Role, dealer_ids, has_role
from repairs.models import ProductUnit, WorkOrder

from ..choices import WINDOW_BASES, Basis, Payer, RemedyKind, RemedyStatus
from ..models import RemedyRequest
from .common import (
    APPROVAL_WORKING_DAYS,
    add_working_days,
    check_documents,
    checklist,
    event,
    lock,
    move,
    refuse_taken_back,
    require,
    tell_customer,
)

# The rules that grant a remedy, in the order they are preferred as the request's basis, with the remedies
# each grants and who pays (the national 三包 regulation arts. 9–13; the maker's policy).
GRANTING_RULES = (
    (Basis.WINDOW_RETURN, {RemedyKind.RETURN, RemedyKind.EXCHANGE}, Payer.SELLER),
    (Basis.WINDOW_EXCHANGE, {RemedyKind.EXCHANGE}, Payer.SELLER),
    (Basis.DELAY_REPAIRER, {RemedyKind.EXCHANGE}, Payer.REPAIRER),
    (Basis.DELAY_PARTS, {RemedyKind.EXCHANGE}, Payer.MAKER),
    (Basis.TWO_REPAIRS, {RemedyKind.EXCHANGE, RemedyKind.RETURN}, Payer.SELLER),
)

OFFICE = (Role.DISPATCHER, Role.SUPERVISOR, Role.MANAGER)
# A stored decision grounds a request while it is the unit's latest and at most this old: past it, the
# position is decided again on today's facts (a window may have closed, a repair been added).
DECISION_VALID_DAYS = 30


def remedy_basis(decision, remedy: str) -> tuple[str, str]:
    """(basis, who pays) of a remedy on a stored decision: the first rule among its reasons granting it, else
    goodwill at the maker's cost."""
    rules = {r["rule"] for r in decision.result.get("reasons", [])}
    if remedy in decision.result.get("options", []):
        for basis, grants, payer in GRANTING_RULES:
            if basis.value in rules and remedy in grants:
                return basis, payer
    return Basis.GOODWILL, Payer.MAKER


def remedy_request_open(
    *,
    decision,
    remedy: str,
    acting_user,
    documents=(),
    override_reason: str = "",
    work_order: WorkOrder | None = None,
    customer_note: str = "",
    dealer=None,
    now: dt.datetime | None = None,
) -> RemedyRequest:
    """Opens the customer's request for an exchange or a return on a decision. Missing documents block it
    (named) unless a supervisor or manager overrides with a reason. Approved at once when a sale window
    grants exactly what is asked; otherwise it waits for the after-sales manager (3 working days)."""
    require(acting_user, *OFFICE, Role.DEALER)
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    if remedy not in RemedyKind.values:
        errors["remedy"] = [_("Choose exchange or return.")]
    override_reason = (override_reason or "").strip()
    if len(override_reason) > 300:
        errors["override_reason"] = [_("At most 300 characters.")]
    customer_note = (customer_note or "").strip()[:300]
    if errors:
        raise ValidationError(errors)
    unit = decision.unit
    _check_current(decision, now)
    refuse_taken_back(unit)
    if has_role(acting_user, Role.DEALER) and not has_role(acting_user, *OFFICE):
        if unit.dealer_id not in dealer_ids(acting_user):
            raise ValidationError({"decision": [_("This unit was not sold by you.")]})
        dealer = dealer or unit.dealer
    basis, payer = remedy_basis(decision, remedy)
    ticked, missing = check_documents(checklist(unit.model.category_id, remedy), documents)
    if missing and not override_reason:
        raise ValidationError(
            {"documents": [_("Missing: %(items)s.") % {"items": "；".join(i.text for i in missing)}]}
        )
    if missing and override_reason and not has_role(acting_user, Role.SUPERVISOR, Role.MANAGER):
        raise ValidationError(
            {"override_reason": [_("Only a centre's supervisor or a manager may accept missing documents.")]}
        )
    if missing:
        override_reason = _("Missing: %(items)s. Accepted: %(reason)s") % {
            "items": "；".join(i.text for i in missing),
            "reason": override_reason,
        }
    else:
        override_reason = ""
    if basis == Basis.DELAY_REPAIRER and work_order is None:
        work_order = (
            WorkOrder.objects.filter(call__unit=unit, center__isnull=False)
            .order_by("-created_at", "-pk")
            .first()
        )
    if work_order is not None and work_order.call.unit_id != unit.pk:
        raise ValidationError({"work_order": [_("The work order is about another unit.")]})
    automatic = basis in WINDOW_BASES and not override_reason
    try:
        with transaction.atomic():
            # One request open per unit: the unit's row serialises two clerks opening at once.
            ProductUnit.objects.select_for_update(no_key=True).filter(pk=unit.pk).first()
            already = RemedyRequest.objects.open().filter(unit=unit).values_list("number", flat=True).first()
            if already:
                raise ValidationError(
                    {
                        "decision": [
                            _("Remedy request %(number)s on this unit is still open.") % {"number": already}
                        ]
                    }
                )
            row = RemedyRequest.objects.create(
                number=next_number("TH", day=timezone.localdate(now)),
                decision=decision,
                unit=unit,
                work_order=work_order,
                remedy=remedy,
                basis=basis,
                liable=payer,
                status=RemedyStatus.APPROVED if automatic else RemedyStatus.AWAITING_APPROVAL,
                documents=ticked,
                override_reason=override_reason,
                customer_note=customer_note,
                dealer=dealer,
                charged_center=work_order.center if payer == Payer.REPAIRER and work_order else None,
                opened_by=acting_user,
                opened_at=now,
                approval_due_at=None if automatic else add_working_days(now, APPROVAL_WORKING_DAYS),
                decided_at=now if automatic else None,
                auto_approved=automatic,
            )
            note = Basis(basis).label + (f"；{override_reason}" if override_reason else "")
            event(row, "", row.status, actor=acting_user, now=now, note=note)
            events.publish(events.REMEDY_REQUEST_CHANGED, request=row, previous="", now=now)
            label = RemedyKind(remedy).label
            tell_customer(
                unit,
                _("Your %(remedy)s request %(number)s is approved; we will contact you to carry it out.")
                % {"remedy": label, "number": row.number}
                if automatic
                else _(
                    "Your %(remedy)s request %(number)s is received; the answer comes within %(days)s working days."
                )
                % {"remedy": label, "number": row.number, "days": APPROVAL_WORKING_DAYS},
            )
    except IntegrityError:
        raise ValidationError({"decision": [_("A remedy request on this unit is still open.")]}) from None
    return row


def _check_current(decision, now) -> None:
    decided_on = timezone.localdate(decision.decided_at)
    if (timezone.localdate(now) - decided_on).days > DECISION_VALID_DAYS:
        raise ValidationError(
            {
                "decision": [
                    _(
                        "The decision of %(day)s is more than %(days)s days old: decide on today's facts again."
                    )
                    % {"day": decided_on, "days": DECISION_VALID_DAYS}
                ]
            }
        )
    # Newer as of the request (a replayed history, like the demo's, opens requests in the past).
    newer = type(decision).objects.filter(
        unit_id=decision.unit_id, decided_at__gt=decision.decided_at, decided_at__lte=now
    )
    if newer.exists():
        raise ValidationError(
            {"decision": [_("A newer decision was taken on this unit: open the request on it.")]}
        )


def remedy_request_approve(*, request: RemedyRequest, acting_user, note: str = "", now=None) -> RemedyRequest:
    """The after-sales manager approves (never their own request). Of two approving at once, one wins."""
    return _decide(request=request, acting_user=acting_user, note=note, now=now, approve=True)


def remedy_request_reject(*, request: RemedyRequest, reason: str, acting_user, now=None) -> RemedyRequest:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Give the reason for the rejection.")]})
    return _decide(request=request, acting_user=acting_user, note=reason, now=now, approve=False)


def _decide(*, request, acting_user, note: str, now, approve: bool) -> RemedyRequest:
    require(acting_user, Role.MANAGER)
    now = now or timezone.now()
    note = (note or "").strip()
    if len(note) > 300:
        raise ValidationError({"note" if approve else "reason": [_("At most 300 characters.")]})
    with transaction.atomic():
        row = lock(request)
        if row.opened_by_id == acting_user.pk:
            raise ValidationError(_("You cannot approve or reject a request you opened."), code="own")
        if row.status != RemedyStatus.AWAITING_APPROVAL:
            raise ValidationError(
                _("Remedy request %(number)s is already %(status)s.")
                % {"number": row.number, "status": row.get_status_display()},
                code="state",
            )
        move(
            row,
            RemedyStatus.APPROVED if approve else RemedyStatus.REJECTED,
            actor=acting_user,
            now=now,
            note=note,
        )
        row.decided_by, row.decided_at, row.decision_note = acting_user, now, note
        row.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        label = RemedyKind(row.remedy).label
        tell_customer(
            row.unit,
            _("Your %(remedy)s request %(number)s is approved; we will contact you to carry it out.")
            % {"remedy": label, "number": row.number}
            if approve
            else _("Your %(remedy)s request %(number)s was not approved: %(reason)s")
            % {"remedy": label, "number": row.number, "reason": note},
        )
    return row


def remedy_request_cancel(*, request: RemedyRequest, reason: str, acting_user, now=None) -> RemedyRequest:
    require(acting_user, *OFFICE)
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Give the reason for the cancellation.")]})
    with transaction.atomic():
        row = lock(request)
        move(row, RemedyStatus.CANCELLED, actor=acting_user, now=now, note=reason[:300])
        row.save(update_fields=["status"])
    return row
