"""The monthly settlement of a service centre (money out): the work orders it is paid for, set-based.

`settlement_compute` makes or refreshes a centre's draft for a month in one transaction: the draft's lines
are replaced by one INSERT … SELECT over the month's closed free (C) and contract (B) work orders not paid
before, each priced by the fee schedule row in force on the day it closed (a LATERAL look-up). Running it
again gives the same lines and totals; a work order is never paid twice (a unique line per work order).
Work sent back to be redone is held until the redo is completed, and paid in the month the redo completes.

The computed adjustments follow the lines: the level's subsidies (SettlementRate), penalties for the month's
SLA breaches and upheld complaints (care.selectors.settlement_penalties), and defective parts owed back past
due (each deducted once). Not yet here (issue 8 continues): parts lines, travel fees, deposit movements,
the command, pages, PDF and disputes.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.money import ZERO, money

from .choices import AdjustmentKind, CenterLevel, SettlementLineKind, SettlementStatus
from .models import Adjustment, ServiceCenter, Settlement, SettlementRate

LINES_SQL = """
INSERT INTO network_settlementline
    (settlement_id, work_order_id, kind, service_kind, closed_on, fee_schedule_id, amount)
SELECT %(settlement)s, w.id, %(kind)s, k.kind, k.day, f.id, COALESCE(f.fee_amount, 0)
FROM repairs_workorder w
JOIN repairs_repaircall c ON c.id = w.call_id
JOIN repairs_productunit u ON u.id = c.unit_id
JOIN repairs_productmodel m ON m.id = u.model_id
CROSS JOIN LATERAL (
    SELECT CASE
               WHEN w.guided_at IS NOT NULL THEN 'phone_guidance'
               WHEN c.customer_request = 'installation' THEN 'installation'
               WHEN c.customer_request = 'inspection' THEN 'inspection'
               WHEN w.mode = 'carry_in' THEN 'carry_in_repair'
               ELSE 'on_site_repair'
           END AS kind,
           (w.closed_at AT TIME ZONE 'Asia/Shanghai')::date AS day
) k
LEFT JOIN LATERAL (
    SELECT f.id, f.fee_amount
    FROM network_feeschedule f
    WHERE f.category_id = m.category_id AND f.service_kind = k.kind AND f.center_level = %(level)s
      AND f.valid_from <= k.day
    ORDER BY f.valid_from DESC
    LIMIT 1
) f ON true
WHERE w.center_id = %(center)s
  AND w.status = 'closed'
  AND c.service_type IN ('B', 'C')
  AND NOT w.payment_held
  AND w.closed_at < %(end)s
  AND (
      w.closed_at >= %(start)s
      OR EXISTS (
          SELECT 1 FROM repairs_workorder r
          WHERE r.redo_of_id = w.id AND r.completed_at >= %(start)s AND r.completed_at < %(end)s
      )
  )
  AND NOT EXISTS (
      SELECT 1 FROM network_settlementline l WHERE l.work_order_id = w.id AND l.kind = %(kind)s
  )
"""


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The first instant of the month and of the next one, in China's time."""
    start = month.replace(day=1)
    following = (start + dt.timedelta(days=32)).replace(day=1)
    return (
        timezone.make_aware(dt.datetime.combine(start, dt.time.min)),
        timezone.make_aware(dt.datetime.combine(following, dt.time.min)),
    )


def settlement_compute(
    *, center: ServiceCenter, month: dt.date, now: dt.datetime | None = None
) -> Settlement:
    """Makes or refreshes the centre's draft for `month`. Refused: a month still to come, a centre without an
    agreement in force during it, a settlement already confirmed."""
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
        ServiceCenter.objects.select_for_update().filter(
            pk=center.pk
        ).first()  # one computation per centre at once
        settlement, _created = Settlement.objects.get_or_create(
            center=center, month=first, defaults={"center_level": center.level, "computed_at": now}
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
        with connection.cursor() as cursor:
            cursor.execute(
                LINES_SQL,
                {
                    "settlement": settlement.pk,
                    "kind": SettlementLineKind.SERVICE_FEE,
                    "level": center.level,
                    "center": center.pk,
                    "start": start,
                    "end": end,
                },
            )
        _adjustments_compute(settlement=settlement, center=center, first=first, start=start, end=end)
        lines = money(settlement.lines.aggregate(s=Sum("amount"))["s"] or ZERO)
        adjustments = money(settlement.adjustments.aggregate(s=Sum("amount"))["s"] or ZERO)
        settlement.center_level = center.level
        settlement.lines_amount, settlement.adjustments_amount = lines, adjustments
        settlement.total_amount = lines + adjustments
        settlement.computed_at = now
        settlement.save()
    return settlement


def _adjustments_compute(*, settlement: Settlement, center: ServiceCenter, first, start, end) -> None:
    """The computed adjustments, replaced like the lines (manual ones stay): the level's base subsidy, the
    volume bonus above its threshold, a penalty per SLA breach and per upheld complaint of the month, and the
    value of each defective part owed back past its due date by the month's end (deducted once, ever)."""
    from care.choices import Stage
    from care.selectors import settlement_penalties
    from inventory.models import DefectiveReturn

    settlement.adjustments.filter(automatic=True).delete()
    rate = (
        SettlementRate.objects.filter(center_level=center.level, valid_from__lte=first)
        .order_by("-valid_from")
        .first()
    )
    rows: list[Adjustment] = []
    if rate is not None:
        level = CenterLevel(center.level).label
        rows.append(
            Adjustment(
                kind=AdjustmentKind.BASE_SUBSIDY,
                reason=_("Monthly base subsidy of a %(level)s centre") % {"level": level},
                amount=rate.base_subsidy_amount,
            )
        )
        extra = settlement.lines.count() - rate.volume_threshold
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
    deducted = Adjustment.objects.filter(kind=AdjustmentKind.DEFECTIVE_NOT_RETURNED, automatic=True).exclude(
        settlement=settlement
    )
    tags = (
        DefectiveReturn.objects.overdue(end.date())
        .filter(center=center)
        .exclude(number__in=deducted.values("reference"))
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
    for row in rows:
        row.settlement = settlement
    Adjustment.objects.bulk_create(rows)


def settlements_compute_month(*, month: dt.date, centers=None, now: dt.datetime | None = None) -> list:
    """Every active centre's draft for `month` (or the given centres'): [(centre, settlement or None,
    the refusal's messages)]. One centre's refusal (confirmed already, no agreement) does not stop the others."""
    now = now or timezone.now()
    first = month.replace(day=1)
    if centers is None:
        centers = ServiceCenter.objects.active_on(first).order_by("code")
    results = []
    for center in centers:
        try:
            results.append((center, settlement_compute(center=center, month=first, now=now), []))
        except ValidationError as exc:
            results.append((center, None, exc.messages))
    return results


def previous_month(now: dt.datetime) -> dt.date:
    return (timezone.localdate(now).replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def settlement_warnings(settlement: Settlement) -> list[str]:
    """What stops a confirmation: work orders no fee schedule row prices, a negative total."""
    warnings = [
        _("Work order %(number)s (%(kind)s, closed %(day)s) has no fee schedule row.")
        % {"number": line.work_order.number, "kind": line.get_service_kind_display(), "day": line.closed_on}
        for line in settlement.lines.filter(fee_schedule__isnull=True).select_related("work_order")
    ]
    if settlement.total_amount < 0:
        warnings.append(_("The total is negative (%(total)s).") % {"total": settlement.total_amount})
    return warnings


def settlement_confirm(*, settlement: Settlement, acting_user, now: dt.datetime | None = None) -> Settlement:
    """Confirms a draft; from then on the database refuses any change to it. Refused with every warning."""
    now = now or timezone.now()
    with transaction.atomic():
        row = Settlement.objects.select_for_update().get(pk=settlement.pk)
        if row.status != SettlementStatus.DRAFT:
            raise ValidationError({"status": _("The settlement is confirmed already.")})
        warnings = settlement_warnings(row)
        if warnings:
            raise ValidationError({"status": warnings})
        row.status, row.confirmed_at, row.confirmed_by = SettlementStatus.CONFIRMED, now, acting_user
        row.save()
    return row
