"""Adjustments by hand, and the centre's disputes with the manager's decision."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.money import money
from aftersales.months import month_bounds, previous_month  # noqa: F401  (the settlement's months)
from network.choices import AdjustmentKind, DisputeStatus, SettlementLineKind, SettlementStatus
from network.models import Adjustment, Dispute, Settlement, SettlementLine

from .compute import _dispute_prefix, _totals_save
from .confirm import _locked_draft, _require_manager
from .sql import DISPUTES_SQL

# Deposits move through inventory's deposit_pay / deposit_refund(via_settlement=True), which keep the deposit
# ledger and the account: a hand-made deposit adjustment would move money without them.
MANUAL_ADJUSTMENT_KINDS = (AdjustmentKind.CORRECTION,)


def adjustment_add(
    *, settlement: Settlement, kind: str, reason: str, amount, reference: str = "", acting_user
) -> Adjustment:
    """A manager's correction of an earlier, confirmed month, referring to its statement: kept when the
    draft is recomputed."""
    _require_manager(acting_user)
    errors: dict[str, list[str]] = {}
    if kind not in MANUAL_ADJUSTMENT_KINDS:
        errors["kind"] = [_("Only corrections of an earlier month are added by hand.")]
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = [_("Say what the adjustment is for.")]
    elif len(reason) > 200:
        errors["reason"] = [_("At most 200 characters.")]
    reference = (reference or "").strip()
    if len(reference) > 60:
        errors["reference"] = [_("At most 60 characters.")]
    try:
        value = money(Decimal(str(amount).strip()))
        if not value.is_finite() or value == 0 or abs(value) > Decimal("99999999.99"):
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors["amount"] = [_("Enter an amount in yuan other than 0, e.g. -120.50 or 300.00.")]
    if kind == AdjustmentKind.CORRECTION and "reference" not in errors:
        earlier = _corrects(settlement, reference) if reference else None
        if not reference:
            errors["reference"] = [
                _("A correction refers to the earlier settlement, e.g. %(example)s.")
                % {"example": reference_example(settlement)}
            ]
        elif earlier is None:
            errors["reference"] = [
                _("%(reference)s is not a confirmed earlier statement of %(center)s.")
                % {"reference": reference, "center": settlement.center.name}
            ]
        else:
            reference = earlier.number  # as the statement reads now, whichever form was typed
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        row = _locked_draft(settlement)
        adjustment = Adjustment.objects.create(
            settlement=row, kind=kind, automatic=False, reason=reason, reference=reference, amount=value
        )
        _totals_save(row)
    return adjustment


def reference_example(settlement: Settlement) -> str:
    """The number of the centre's statement of the month before: what a correction typically cites."""
    before = (settlement.month - dt.timedelta(days=1)).replace(day=1)
    return Settlement(center=settlement.center, month=before).number


def _corrects(settlement: Settlement, reference: str) -> Settlement | None:
    """The confirmed or paid earlier statement of the same centre that `reference` names — what a correction
    may refer to — or None. Its number (<centre code>-<YYYYMM>), or the form first printed on statements,
    with "JS-" before the code."""
    code = settlement.center.code.upper()
    reference = reference.upper()
    for prefix in (f"{code}-", f"JS-{code}-"):
        if reference.startswith(prefix):
            try:
                month = dt.datetime.strptime(reference.removeprefix(prefix), "%Y%m").date()
            except ValueError:
                continue
            earlier = (
                Settlement.objects.filter(
                    center_id=settlement.center_id,
                    month=month,
                    month__lt=settlement.month,
                    status__in=[SettlementStatus.CONFIRMED, SettlementStatus.PAID],
                )
                .select_related("center")
                .first()
            )
            if earlier is not None:
                return earlier
    return None


def adjustment_remove(*, adjustment: Adjustment, acting_user) -> None:
    _require_manager(acting_user)
    if adjustment.automatic:
        raise ValidationError(
            _("A computed adjustment goes away only when its cause does: recompute the draft.")
        )
    with transaction.atomic():
        row = _locked_draft(adjustment.settlement)
        Adjustment.objects.filter(pk=adjustment.pk, settlement=row).delete()
        _totals_save(row)


# Lines that take money from the centre: a dispute can reduce them to 0.00, never turn them into a payment.
DEDUCTION_KINDS = (SettlementLineKind.PARTS_CHARGED, SettlementLineKind.REMEDY_CHARGE)


def dispute_raise(
    *, settlement: Settlement, line: SettlementLine, reason: str, claimed_amount=None, acting_user, now=None
) -> Dispute:
    """A centre's objection to one line of its draft, by its supervisor. The centre's side raises a dispute
    and the manager decides it (dispute_resolve): a manager does not raise one, not even on a centre's behalf,
    or he would be deciding his own objection."""
    now = now or timezone.now()
    if not settlement.center.supervisors.filter(pk=acting_user.pk).exists():
        raise PermissionDenied(_("Only the centre's supervisor may dispute its statement."))
    errors: dict[str, list[str]] = {}
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = [_("Say what is wrong with the line.")]
    elif len(reason) > 500:
        errors["reason"] = [_("At most 500 characters.")]
    claimed = None
    if claimed_amount not in (None, ""):
        try:
            claimed = money(Decimal(str(claimed_amount).strip()))
            if not claimed.is_finite() or abs(claimed) > Decimal("99999999.99"):
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            errors["claimed_amount"] = [
                _("Enter the amount you claim in yuan, e.g. 80.00, or leave it empty.")
            ]
    if line.settlement_id != settlement.pk:
        errors["line"] = [_("That line is not on this statement.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        row = _locked_draft(settlement)
        if Dispute.objects.filter(
            settlement=row, work_order_id=line.work_order_id, line_kind=line.kind, status=DisputeStatus.OPEN
        ).exists():
            raise ValidationError(
                {"line": [_("This line is already disputed: wait for the manager's answer.")]}
            )
        return Dispute.objects.create(
            settlement=row,
            work_order_id=line.work_order_id,
            line_kind=line.kind,
            reason=reason,
            claimed_amount=claimed,
            raised_by=acting_user,
            raised_at=now,
        )


def dispute_resolve(
    *, dispute: Dispute, accept: bool, amount=None, answer: str = "", acting_user, now=None
) -> Dispute:
    """The manager's answer: accepted — the line is changed to `amount` (0.00 removes it from the payment)
    — or rejected with an answer the centre reads."""
    now = now or timezone.now()
    _require_manager(acting_user)
    errors: dict[str, list[str]] = {}
    answer = (answer or "").strip()
    if len(answer) > 500:
        errors["answer"] = [_("At most 500 characters.")]
    if not accept and not answer:
        errors["answer"] = [_("Say why the dispute is rejected: the centre reads it.")]
    value = None
    if accept:
        try:
            value = money(Decimal(str(amount).strip()))
            if not value.is_finite() or abs(value) > Decimal("99999999.99"):
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            errors["amount"] = [_("Enter the line's new amount in yuan (0.00 removes it).")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        row = _locked_draft(dispute.settlement)
        current = Dispute.objects.select_for_update().get(pk=dispute.pk, settlement=row)
        if current.status != DisputeStatus.OPEN:
            raise ValidationError({"status": [_("This dispute has been answered already.")]})
        if accept and current.line_kind == SettlementLineKind.PARTS_CHARGED and value > 0:
            raise ValidationError(
                {
                    "amount": [
                        _("Parts charged to the centre stay a deduction: enter 0.00 or a negative amount.")
                    ]
                }
            )
        if accept and current.line_kind == SettlementLineKind.REMEDY_CHARGE and value > 0:
            raise ValidationError(
                {"amount": [_("A charge to the centre stays a deduction: enter 0.00 or a negative amount.")]}
            )
        if accept and current.line_kind not in DEDUCTION_KINDS and value < 0:
            raise ValidationError(
                {"amount": [_("A payment to the centre cannot become negative: enter 0.00 or more.")]}
            )
        current.status = DisputeStatus.ACCEPTED if accept else DisputeStatus.REJECTED
        current.accepted_amount = value
        current.answer, current.resolved_by, current.resolved_at = answer, acting_user, now
        current.save()
        if accept:
            with connection.cursor() as cursor:
                cursor.execute(DISPUTES_SQL, {"settlement": row.pk, "prefix": _dispute_prefix()})
            _totals_save(row)
    return current
