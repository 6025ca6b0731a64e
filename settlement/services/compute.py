"""Computing a centre's draft for a month (or every centre's), with its automatic adjustments."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from aftersales.money import ZERO, money
from aftersales.months import month_bounds, previous_month  # noqa: F401  (the settlement's months)
from care.choices import Stage
from care.selectors import settlement_penalties
from grading.selectors import center_level_in_force
from inventory.choices import DepositEntryKind
from inventory.models import DefectiveReturn, DepositEntry
from network.choices import (
    AdjustmentKind,
    CenterLevel,
    DisputeStatus,
    ServiceKind,
    SettlementLineKind,
    SettlementStatus,
)
from network.models import Adjustment, ServiceCenter, Settlement, SettlementLine, SettlementRate
from remedies.choices import RemedyStatus
from remedies.models import RemedyRequest

from .sql import DISPUTES_SQL, LATER_SQL, LINES_SQL, STATEMENT_LANGUAGE

NOTHING_LATER = {"released": [], "cleared": [], "rescreened": []}


def settlement_compute(
    *, center: ServiceCenter, month: dt.date, now: dt.datetime | None = None, later: dict | None = None
) -> Settlement:
    """Makes or refreshes the centre's draft for `month`. Refused: a month still to come, a centre without an
    agreement in force during it, a settlement already confirmed. `later`: the centre's work of earlier months
    that the month may pay (later_work), when the month's run has read it for every centre at once."""
    now = now or timezone.now()
    first = month.replace(day=1)
    start, end = month_bounds(first)
    errors = []
    if start > now:
        errors.append(_("%(month)s has not begun: no settlement yet.") % {"month": f"{first:%Y-%m}"})
    last_day = (end - dt.timedelta(days=1)).date()
    if (
        not center.active
        or center.agreement_start > last_day
        or (center.agreement_end is not None and center.agreement_end < first)
    ):
        errors.append(
            _("%(center)s has no service agreement in force in %(month)s.")
            % {"center": center.name, "month": f"{first:%Y-%m}"}
        )
    if errors:
        raise ValidationError({"month": errors})
    with transaction.atomic():
        with connection.cursor() as cursor:
            # LINES_SQL's cost estimate (a sub-plan per order) crosses PostgreSQL's JIT threshold, and
            # compiling it takes far longer (1–2 s) than running it (tens of ms): no JIT in this transaction.
            cursor.execute("SET LOCAL jit = off")
        # One computation per centre at once; NO KEY: work orders and other rows referring to the centre
        # can still be written meanwhile.
        ServiceCenter.objects.select_for_update(no_key=True).filter(pk=center.pk).first()
        # The level in force for the settled month (grading's history), not necessarily today's.
        level = center_level_in_force(center=center, month=first)
        # The settlement's row locked too (read with the lock, or inserted by this transaction): a dispute
        # answered, an adjustment added or a confirmation (each locks it) waits for the recompute, or the
        # recompute for it — never half of one over the other.
        settlement, _created = Settlement.objects.select_for_update(no_key=True).get_or_create(
            center=center, month=first, defaults={"center_level": level, "computed_at": now}
        )
        if settlement.status != SettlementStatus.DRAFT:
            raise ValidationError(
                {
                    "status": _(
                        "The settlement of %(center)s for %(month)s is confirmed: correct it in a later month."
                    )
                    % {"center": center.name, "month": f"{first:%Y-%m}"}
                }
            )
        settlement.lines.all().delete()
        if later is None:
            later = later_work(start=start, end=end, center_id=center.pk).get(center.pk, NOTHING_LATER)
        params = {
            "settlement": settlement.pk,
            "level": level,
            "center": center.pk,
            "start": start,
            "end": end,
            **later,
        }
        with connection.cursor() as cursor:
            cursor.execute(LINES_SQL, params)
        _remedy_charges_add(settlement=settlement, center=center, end=end)
        with connection.cursor() as cursor:
            if settlement.disputes.filter(status=DisputeStatus.ACCEPTED).exists():
                cursor.execute(DISPUTES_SQL, {"settlement": settlement.pk, "prefix": _dispute_prefix()})
        settlement.center_level = level
        _adjustments_compute(settlement=settlement, center=center, first=first, start=start, end=end)
        settlement.computed_at = now
        _totals_save(settlement)
    return settlement


def later_work(*, start, end, center_id: int | None = None) -> dict[int, dict[str, list[int]]]:
    """The work of earlier months that the month [start, end) may pay (LATER_SQL), by centre: {centre id:
    {"released": [work order ids], "cleared": […], "rescreened": […]}}; every centre's, or one's."""
    with connection.cursor() as cursor:
        cursor.execute(LATER_SQL, {"start": start, "end": end, "center": center_id})
        return {
            center: {"released": released, "cleared": cleared, "rescreened": rescreened}
            for center, released, cleared, rescreened in cursor.fetchall()
        }


def _remedy_charges_add(*, settlement: Settlement, center: ServiceCenter, end) -> None:
    """Exchanges and refunds carried out by the month's end at this centre's cost (its own delay), each
    deducted once: the line names the late work order, so the centre can dispute it like any line."""
    # Probed by the request's work order (an index): `work_order_id IN (every charge line)` read all the
    # settlement lines ever written, for every centre.
    charged = SettlementLine.objects.filter(
        kind=SettlementLineKind.REMEDY_CHARGE, work_order_id=OuterRef("work_order_id")
    )
    requests = (
        RemedyRequest.objects.filter(
            charged_center=center, status=RemedyStatus.DONE, charge_amount__gt=0, done_at__lt=end
        )
        .exclude(Exists(charged))
        .select_related("work_order__call")
        .order_by("done_at", "pk")
    )
    with translation.override(STATEMENT_LANGUAGE):
        SettlementLine.objects.bulk_create(
            SettlementLine(
                settlement=settlement,
                work_order_id=r.work_order_id,
                kind=SettlementLineKind.REMEDY_CHARGE,
                service_kind=ServiceKind.CARRY_IN_REPAIR
                if r.work_order.mode == "carry_in"
                else ServiceKind.ON_SITE_REPAIR,
                closed_on=timezone.localdate(r.done_at),
                amount=-r.charge_amount,
                note=(_("Exchange %(number)s") if r.remedy == "exchange" else _("Refund %(number)s"))
                % {"number": r.number},
            )
            for r in requests
        )


def _dispute_prefix() -> str:
    """The note an accepted dispute leaves on its line, in the statement's language (Chinese)."""
    with translation.override(STATEMENT_LANGUAGE):
        return _("as agreed in dispute #")


def _totals_save(settlement: Settlement) -> None:
    """Lines + adjustments = total, to the cent (each line and adjustment is already 2 places)."""
    lines = money(settlement.lines.aggregate(s=Sum("amount"))["s"] or ZERO)
    adjustments = money(settlement.adjustments.aggregate(s=Sum("amount"))["s"] or ZERO)
    settlement.lines_amount, settlement.adjustments_amount = lines, adjustments
    settlement.total_amount = lines + adjustments
    settlement.save()


def _adjustments_compute(*, settlement: Settlement, center: ServiceCenter, first, start, end) -> None:
    """The computed adjustments, replaced like the lines (manual ones stay): the level's base subsidy, the
    volume bonus above its threshold, a penalty per SLA breach and per upheld complaint of the month, and the
    value of each defective part owed back past its due date by the month's end (deducted once, ever)."""

    settlement.adjustments.filter(automatic=True).delete()
    rate = (
        SettlementRate.objects.filter(center_level=settlement.center_level, valid_from__lte=first)
        .order_by("-valid_from")
        .first()
    )
    rows: list[Adjustment] = []
    if rate is not None:
        level = CenterLevel(settlement.center_level).label
        rows.append(
            Adjustment(
                kind=AdjustmentKind.BASE_SUBSIDY,
                reason=_("Monthly base subsidy of a %(level)s centre") % {"level": level},
                amount=rate.base_subsidy_amount,
            )
        )
        # Paid orders only: an order without a fee row, or one a dispute brought to 0.00, earns no bonus.
        paid_orders = settlement.lines.filter(kind=SettlementLineKind.SERVICE_FEE, amount__gt=0).count()
        extra = paid_orders - rate.volume_threshold
        if extra > 0:
            rows.append(
                Adjustment(
                    kind=AdjustmentKind.VOLUME_BONUS,
                    reason=_("%(extra)s work orders above %(threshold)s × %(bonus)s")
                    % {"extra": extra, "threshold": rate.volume_threshold, "bonus": rate.volume_bonus_amount},
                    amount=money(rate.volume_bonus_amount * extra),
                )
            )
        penalties = settlement_penalties(center_id=center.pk, start=start, end=end)
        for stage, count in sorted(penalties["breaches_by_stage"].items()):
            rows.append(
                Adjustment(
                    kind=AdjustmentKind.SLA_PENALTY,
                    reason=_("%(count)s deadlines “%(stage)s” breached × %(each)s")
                    % {"count": count, "stage": Stage(stage).label, "each": rate.breach_penalty_amount},
                    reference=stage,
                    amount=-money(rate.breach_penalty_amount * count),
                )
            )
        for complaint in penalties["upheld_complaints"]:
            rows.append(
                Adjustment(
                    kind=AdjustmentKind.COMPLAINT_PENALTY,
                    reason=_("Upheld complaint %(number)s") % {"number": complaint["number"]},
                    reference=complaint["number"],
                    amount=-rate.complaint_penalty_amount,
                )
            )
    # Correlated to the centre's own tags: `number IN (every deduction ever made)` was read whole for every
    # centre, whether it owed a part or not.
    deducted = Adjustment.objects.filter(
        kind=AdjustmentKind.DEFECTIVE_NOT_RETURNED, automatic=True, reference=OuterRef("number")
    ).exclude(settlement=settlement)
    tags = (
        DefectiveReturn.objects.overdue(end.date())
        .filter(center=center)
        .exclude(Exists(deducted))
        .order_by("due_on", "number")
    )
    for tag in tags:
        rows.append(
            Adjustment(
                kind=AdjustmentKind.DEFECTIVE_NOT_RETURNED,
                reason=_("Defective part %(tag)s not returned by %(due)s")
                % {"tag": tag.number, "due": tag.due_on},
                reference=tag.number,
                amount=-tag.value_amount,
            )
        )
    entries = DepositEntry.objects.filter(
        account__center=center, via_settlement=True, created_at__gte=start, created_at__lt=end
    ).order_by("created_at", "pk")
    for entry in entries:
        paid = entry.kind == DepositEntryKind.PAYMENT
        rows.append(
            Adjustment(
                kind=AdjustmentKind.DEPOSIT,
                reason=(_("Deposit paid, deducted from the settlement") if paid else _("Deposit refunded"))
                + (f" ({entry.note})" if entry.note else ""),
                reference=entry.reference or f"#{entry.pk}",
                amount=-entry.amount,
            )
        )
    for row in rows:
        row.settlement = settlement
    Adjustment.objects.bulk_create(rows)


def settlements_compute_month(*, month: dt.date, centers=None, now: dt.datetime | None = None) -> list:
    """Every active centre's draft for `month` (or the given centres'): [(centre, settlement or None,
    the refusal's messages)]. One centre's refusal (confirmed already, no agreement) does not stop the others."""
    now = now or timezone.now()
    first = month.replace(day=1)
    start, end = month_bounds(first)
    if centers is None:
        # In force at any time during the month (an agreement starting on the 10th included).
        last_day = (end - dt.timedelta(days=1)).date()
        centers = (
            ServiceCenter.objects.filter(active=True, agreement_start__lte=last_day)
            .filter(Q(agreement_end__isnull=True) | Q(agreement_end__gte=first))
            .order_by("code")
        )
    # Read once for every centre (see LATER_SQL); a month to come has none (each centre is refused).
    later = later_work(start=start, end=end) if start <= now else {}
    results = []
    for center in centers:
        try:
            computed = settlement_compute(
                center=center, month=first, now=now, later=later.get(center.pk, NOTHING_LATER)
            )
            results.append((center, computed, []))
        except ValidationError as exc:
            results.append((center, None, exc.messages))
    return results
