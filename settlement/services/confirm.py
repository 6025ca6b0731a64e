"""What stops a confirmation, the confirmation under the row lock, and the payment."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.money import yuan
from aftersales.months import month_bounds, previous_month  # noqa: F401  (the settlement's months)
from aftersales.roles import Role, has_role
from inventory.services import parts_charged_in_settlement
from network.choices import DisputeStatus, SettlementLineKind, SettlementStatus
from network.models import Settlement
from screening.choices import UNPAID
from screening.models import ClaimFlag

from .compute import _totals_save


def settlement_warnings(settlement: Settlement, *, now: dt.datetime | None = None) -> list[str]:
    """What stops a confirmation: a month not yet over, open disputes, work orders no fee schedule row
    prices, a negative total."""
    now = now or timezone.now()
    warnings = []
    _start, end = month_bounds(settlement.month)
    if now < end:
        warnings.append(
            _("%(month)s is not over yet: work closed later this month would never be paid.")
            % {"month": f"{settlement.month:%Y-%m}"}
        )
    elif settlement.computed_at < end:
        warnings.append(
            _("The draft was computed on %(day)s, before the month was over: recompute it first.")
            % {"day": f"{timezone.localtime(settlement.computed_at):%Y-%m-%d %H:%M}"}
        )
    open_disputes = list(
        settlement.disputes.filter(status=DisputeStatus.OPEN)
        .select_related("work_order")
        .order_by("raised_at", "pk")
    )
    for dispute in open_disputes:
        warnings.append(
            _("Dispute #%(id)s on work order %(number)s is still open.")
            % {"id": dispute.pk, "number": dispute.work_order.number}
        )
    warnings += [
        _("Work order %(number)s (%(kind)s, closed %(day)s) has no fee schedule row.")
        % {"number": line.work_order.number, "kind": line.get_service_kind_display(), "day": line.closed_on}
        for line in settlement.lines.filter(
            kind=SettlementLineKind.SERVICE_FEE, fee_schedule__isnull=True
        ).select_related("work_order")
    ]
    # Flagged by the claim screening after the draft was computed (screened again, a denial recorded): its
    # lines must go before the month is confirmed — the recompute leaves held and rejected orders out.
    unpaid = ClaimFlag.objects.filter(status__in=UNPAID).values("work_order_id")
    flagged = (
        settlement.lines.filter(work_order_id__in=unpaid)
        .values_list("work_order__number", flat=True)
        .distinct()
        .order_by("work_order__number")
    )
    warnings += [
        _("Work order %(number)s is held by the claim screening: recompute the draft first.") % {"number": n}
        for n in flagged
    ]
    if settlement.total_amount < 0:
        warnings.append(_("The total is negative (%(total)s).") % {"total": yuan(settlement.total_amount)})
    return warnings


def _require_manager(user) -> None:
    if not has_role(user, Role.MANAGER):
        raise PermissionDenied(_("Only a service manager may do this."))


def _locked_draft(settlement: Settlement) -> Settlement:
    row = Settlement.objects.select_for_update(of=("self",)).select_related("center").get(pk=settlement.pk)
    if row.status != SettlementStatus.DRAFT:
        raise ValidationError(
            {
                "status": _(
                    "The settlement of %(center)s for %(month)s is confirmed: correct it in a later month."
                )
                % {"center": row.center.name, "month": f"{row.month:%Y-%m}"}
            }
        )
    return row


def settlement_confirm(
    *,
    settlement: Settlement,
    acting_user,
    seen: tuple[str, str] | None = None,
    now: dt.datetime | None = None,
) -> Settlement:
    """Confirms a draft; from then on the database refuses any change to it. Refused with every warning, and
    when `seen` (the computed_at and total the manager looked at) no longer matches the row under its lock: a
    recompute or an adjustment in between must be looked at first. The parts it charges the centre for (used
    on paid work) free the parts credit they held."""

    now = now or timezone.now()
    _require_manager(acting_user)
    with transaction.atomic():
        row = (
            Settlement.objects.select_for_update(of=("self",)).select_related("center").get(pk=settlement.pk)
        )
        if seen is not None and seen != (row.computed_at.isoformat(), str(row.total_amount)):
            stale = _(
                "The statement changed since this page was opened (recomputed or adjusted): check it again."
            )
            raise ValidationError({"status": ValidationError(stale, code="stale")})
        if row.status != SettlementStatus.DRAFT:
            raise ValidationError({"status": _("The settlement is confirmed already.")})
        _totals_save(row)  # what is confirmed is exactly the rows as they stand under the lock
        warnings = settlement_warnings(row, now=now)
        if warnings:
            raise ValidationError({"status": warnings})
        charged = row.lines.filter(kind=SettlementLineKind.PARTS_CHARGED).aggregate(s=Sum("amount"))["s"]
        if charged and charged < 0:
            parts_charged_in_settlement(
                center=row.center, amount=-charged, reference=row.number, acting_user=acting_user, now=now
            )
        row.status, row.confirmed_at, row.confirmed_by = SettlementStatus.CONFIRMED, now, acting_user
        row.save()
    return row


def settlement_mark_paid(
    *, settlement: Settlement, acting_user, now: dt.datetime | None = None
) -> Settlement:
    """The money went out: confirmed → paid (the only change a confirmed settlement allows)."""
    now = now or timezone.now()
    _require_manager(acting_user)
    with transaction.atomic():
        row = Settlement.objects.select_for_update().get(pk=settlement.pk)
        if row.status != SettlementStatus.CONFIRMED:
            raise ValidationError(
                {
                    "status": _("Only a confirmed settlement can be marked paid (this one is “%(status)s”).")
                    % {"status": row.get_status_display()}
                }
            )
        row.status, row.paid_at = SettlementStatus.PAID, now
        row.save(update_fields=["status", "paid_at"])
    return row
