"""The monthly settlement of a service centre (money out): the work orders it is paid for, set-based.

`settlement_compute` makes or refreshes a centre's draft for a month in one transaction: the draft's lines
are replaced by one SQL statement (LINES_SQL) over the month's closed free (C) and contract (B) work orders
not paid before — a service fee priced by the fee schedule row in force on the day each closed, a travel fee
by distance band, parts reimbursed at cost — and the parts used on paid (A) work, charged to the centre.
Running it again gives the same lines and totals; a work order is never paid twice (a unique line per work
order and kind). Work sent back to be redone is held until the redo is completed, and paid in the month the
redo completes. Accepted disputes then change their lines.

The computed adjustments follow the lines: the level's subsidies (SettlementRate), penalties for the month's
SLA breaches and upheld complaints (care.selectors.settlement_penalties), defective parts owed back past due
(each deducted once) and deposit movements booked through the settlement. A manager adds corrections by hand.

Rounding: every line and adjustment is a 2-place amount as stored (fees and costs are already in fen; a
proportional part value is rounded half-up to the fen where it is made); totals are exact sums of them, so
lines + adjustments = total to the cent (a CHECK constraint holds the settlement to it).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Q, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from aftersales.money import ZERO, money, yuan
from aftersales.months import month_bounds, previous_month  # noqa: F401  (the settlement's months)
from aftersales.roles import Role, has_role
from care.choices import Stage
from care.selectors import settlement_penalties
from inventory.choices import DepositEntryKind
from inventory.models import DefectiveReturn, DepositEntry
from inventory.services import parts_charged_in_settlement
from network.choices import AdjustmentKind, CenterLevel, DisputeStatus, SettlementLineKind, SettlementStatus
from network.models import Adjustment, Dispute, ServiceCenter, Settlement, SettlementLine, SettlementRate

STATEMENT_LANGUAGE = "zh-hans"  # statements are Chinese documents, whatever the reader's UI language

# The month's paid work of one centre, in one statement: the work orders the maker pays for — free (C) and
# contract (B) work closed in the month with the customer's proof (see the condition below), and work a callback sent back whose redo was completed in the month
# (the original stays "completed"; it is paid then, once: the redo itself is the centre putting its own work
# right and is never paid on its own) — each with its service fee (the fee schedule row in force on the day it
# closed, for the centre's level), its travel fee (the distance band in force that day) and the parts the
# policy reimburses at cost; then the paid (A) work closed in the month, whose parts the centre sold to the
# customer and is charged for. Nothing already paid under the same kind of line is taken again.
LINES_SQL = """
WITH released AS (
    SELECT DISTINCT r.redo_of_id AS id FROM repairs_workorder r
    WHERE r.redo_of_id IS NOT NULL AND r.completed_at >= %(start)s AND r.completed_at < %(end)s
),
-- the customer's proof that came in this month for work closed earlier: a closing without it cleared by a
-- manager, or the callback after phone guidance that reached the customer, who said it is solved (care's
-- callbacks: the guidance is the work, the customer's word on the phone its proof)
cleared AS (
    SELECT k.work_order_id AS id FROM repairs_workorderclosing k
    WHERE k.proof_cleared_at >= %(start)s AND k.proof_cleared_at < %(end)s
    UNION
    SELECT cb.work_order_id FROM care_callback cb
    WHERE cb.reason = 'phone_guidance' AND cb.solved AND cb.reached_at >= %(start)s AND cb.reached_at < %(end)s
),
eligible AS MATERIALIZED (
    SELECT w.id, w.mode, w.travel_km, m.category_id, k.kind, k.day,
           -- what was paid for this order before, by kind: one index probe per order (a join here would
           -- read every line ever written)
           ARRAY(SELECT l.kind FROM network_settlementline l WHERE l.work_order_id = w.id) AS paid
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
               (COALESCE(w.closed_at, w.completed_at) AT TIME ZONE 'Asia/Shanghai')::date AS day
    ) k
    WHERE w.id IN (
            -- closed in the month (the partial index work_order_center_closed) …
            SELECT x.id FROM repairs_workorder x
            WHERE x.center_id = %(center)s AND x.status = 'closed'
              AND x.closed_at >= %(start)s AND x.closed_at < %(end)s
            UNION
            -- … or sent back, its redo completed in the month
            SELECT id FROM released
            UNION
            -- … or its missing proof cleared in the month
            SELECT id FROM cleared
      )
      AND w.center_id = %(center)s
      AND (
          w.status = 'closed'
          -- sent back and redone: the original stays "completed"; paid when its redo is completed (or, when its
          -- proof came later, then)
          OR (w.status = 'completed' AND (
              w.id IN (SELECT id FROM released)
              OR (w.id IN (SELECT id FROM cleared) AND EXISTS (
                  SELECT 1 FROM repairs_workorder r WHERE r.redo_of_id = w.id AND r.completed_at < %(end)s
              ))
          ))
      )
      AND w.redo_of_id IS NULL
      AND c.service_type IN ('B', 'C')
      AND NOT w.payment_held
      -- the customer's proof by the month's end — after phone guidance, the callback that reached the customer
      -- and heard it solved; otherwise the closing record signed, confirmed by the customer's code, or whose
      -- exception a manager cleared. Work without it is held (and paid in the month the proof comes).
      AND CASE
          WHEN w.guided_at IS NOT NULL THEN EXISTS (
              SELECT 1 FROM care_callback cb
              WHERE cb.work_order_id = w.id AND cb.reason = 'phone_guidance' AND cb.solved
                AND cb.reached_at < %(end)s
          )
          ELSE EXISTS (
              SELECT 1 FROM repairs_workorderclosing k
              WHERE k.work_order_id = w.id
                AND (k.proof_exception_reason = '' OR k.proof_cleared_at < %(end)s)
          )
      END
),
service AS (
    INSERT INTO network_settlementline
        (settlement_id, work_order_id, kind, service_kind, closed_on, fee_schedule_id, amount, note)
    SELECT %(settlement)s, e.id, 'service_fee', e.kind, e.day, f.id, COALESCE(f.fee_amount, 0), ''
    FROM eligible e
    LEFT JOIN LATERAL (
        SELECT f.id, f.fee_amount
        FROM network_feeschedule f
        WHERE f.category_id = e.category_id AND f.service_kind = e.kind AND f.center_level = %(level)s
          AND f.valid_from <= e.day
        ORDER BY f.valid_from DESC
        LIMIT 1
    ) f ON true
    WHERE NOT 'service_fee' = ANY(e.paid)
    RETURNING 1
),
travel AS (
    INSERT INTO network_settlementline
        (settlement_id, work_order_id, kind, service_kind, closed_on, travel_fee_id, amount, note)
    SELECT %(settlement)s, e.id, 'travel_fee', e.kind, e.day, t.id, t.fee_amount, e.travel_km || ' km'
    FROM eligible e
    JOIN LATERAL (
        SELECT t.id, t.fee_amount
        FROM network_travelfee t
        WHERE t.center_level = %(level)s
          AND t.valid_from = (
              SELECT max(v.valid_from) FROM network_travelfee v
              WHERE v.center_level = %(level)s AND v.valid_from <= e.day
          )
          AND t.km_from <= e.travel_km AND (t.km_to IS NULL OR t.km_to > e.travel_km)
        LIMIT 1
    ) t ON t.fee_amount > 0  -- the band near the centre pays nothing: no line
    WHERE e.mode = 'on_site' AND e.travel_km IS NOT NULL AND e.kind <> 'phone_guidance'
      AND NOT 'travel_fee' = ANY(e.paid)
    RETURNING 1
),
-- visits of the month where nobody was at home, made by this centre: the trip is paid once per visit, by the
-- distance band in force that day (a visit without its distance, or in the band that pays nothing, has none)
wasted AS (
    INSERT INTO network_settlementline
        (settlement_id, work_order_id, kind, service_kind, closed_on, travel_fee_id, amount, note,
         not_home_visit_id)
    SELECT %(settlement)s, v.work_order_id, 'wasted_visit',
           CASE WHEN c.customer_request = 'installation' THEN 'installation'
                WHEN c.customer_request = 'inspection' THEN 'inspection'
                ELSE 'on_site_repair' END,
           v.day, t.id, t.fee_amount, v.travel_km || ' km', v.id
    FROM (
        SELECT v.id, v.work_order_id, v.travel_km, (v.at AT TIME ZONE 'Asia/Shanghai')::date AS day
        FROM repairs_nothomevisit v
        WHERE v.center_id = %(center)s AND v.at >= %(start)s AND v.at < %(end)s AND v.travel_km IS NOT NULL
    ) v
    JOIN repairs_workorder w ON w.id = v.work_order_id
    JOIN repairs_repaircall c ON c.id = w.call_id
    JOIN LATERAL (
        SELECT t.id, t.fee_amount
        FROM network_travelfee t
        WHERE t.center_level = %(level)s
          AND t.valid_from = (
              SELECT max(f.valid_from) FROM network_travelfee f
              WHERE f.center_level = %(level)s AND f.valid_from <= v.day
          )
          AND t.km_from <= v.travel_km AND (t.km_to IS NULL OR t.km_to > v.travel_km)
        LIMIT 1
    ) t ON t.fee_amount > 0
    WHERE NOT EXISTS (SELECT 1 FROM network_settlementline l WHERE l.not_home_visit_id = v.id)
    RETURNING 1
),
parts AS (
    INSERT INTO network_settlementline
        (settlement_id, work_order_id, kind, service_kind, closed_on, amount, note)
    SELECT %(settlement)s, e.id, 'parts_cost', e.kind, e.day, p.total, p.detail
    FROM eligible e
    JOIN LATERAL (
        SELECT -sum(q.value) AS total, string_agg(q.code || ' ×' || q.pieces, ', ' ORDER BY q.code) AS detail
        FROM (
            SELECT pt.code, -sum(sm.quantity) AS pieces, sum(sm.value_amount) AS value
            FROM inventory_stockmovement sm
            JOIN inventory_part pt ON pt.id = sm.part_id
            WHERE sm.work_order_id = e.id AND sm.kind IN ('issue', 'return') AND pt.reimbursed_at_cost
            GROUP BY pt.code
            HAVING sum(sm.quantity) <> 0
        ) q
    ) p ON p.total > 0
    WHERE NOT 'parts_cost' = ANY(e.paid)
    RETURNING 1
)
INSERT INTO network_settlementline
    (settlement_id, work_order_id, kind, service_kind, closed_on, amount, note)
SELECT %(settlement)s, w.id, 'parts_charged',
       CASE WHEN c.customer_request = 'installation' THEN 'installation'
            WHEN c.customer_request = 'inspection' THEN 'inspection'
            WHEN w.mode = 'carry_in' THEN 'carry_in_repair'
            ELSE 'on_site_repair' END,
       (w.closed_at AT TIME ZONE 'Asia/Shanghai')::date, p.total, p.detail
FROM repairs_workorder w
-- from the centre's own closed orders of the month to their calls (OFFSET 0: probe each call by its key,
-- never scan every paid call of every centre)
CROSS JOIN LATERAL (
    SELECT c.customer_request, c.service_type FROM repairs_repaircall c WHERE c.id = w.call_id OFFSET 0
) c
JOIN LATERAL (
    SELECT sum(q.value) AS total, string_agg(q.code || ' ×' || q.pieces, ', ' ORDER BY q.code) AS detail
    FROM (
        SELECT pt.code, -sum(sm.quantity) AS pieces, sum(sm.value_amount) AS value
        FROM inventory_stockmovement sm
        JOIN inventory_part pt ON pt.id = sm.part_id
        WHERE sm.work_order_id = w.id AND sm.kind IN ('issue', 'return') AND NOT pt.reimbursed_at_cost
        GROUP BY pt.code
        HAVING sum(sm.quantity) <> 0
    ) q
) p ON p.total < 0
WHERE w.center_id = %(center)s
  AND w.status = 'closed'
  AND c.service_type = 'A'
  AND w.closed_at >= %(start)s AND w.closed_at < %(end)s
  AND NOT 'parts_charged' = ANY(ARRAY(SELECT l.kind FROM network_settlementline l WHERE l.work_order_id = w.id))
"""

# Accepted disputes change their line's amount (the latest decision on each line wins).
DISPUTES_SQL = """
UPDATE network_settlementline l
SET amount = d.accepted_amount,
    note = left(%(prefix)s || d.id || CASE WHEN l.note <> '' THEN ' · ' || l.note ELSE '' END, 200)
FROM (
    SELECT DISTINCT ON (work_order_id, line_kind) id, work_order_id, line_kind, accepted_amount
    FROM network_dispute
    WHERE settlement_id = %(settlement)s AND status = 'accepted'
    ORDER BY work_order_id, line_kind, resolved_at DESC, id DESC
) d
WHERE l.settlement_id = %(settlement)s AND l.work_order_id = d.work_order_id AND l.kind = d.line_kind
"""


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
        with connection.cursor() as cursor:
            # LINES_SQL's cost estimate (a sub-plan per order) crosses PostgreSQL's JIT threshold, and
            # compiling it takes far longer (1–2 s) than running it (tens of ms): no JIT in this transaction.
            cursor.execute("SET LOCAL jit = off")
        # One computation per centre at once; NO KEY: work orders and other rows referring to the centre
        # can still be written meanwhile.
        ServiceCenter.objects.select_for_update(no_key=True).filter(pk=center.pk).first()
        settlement, _created = Settlement.objects.get_or_create(
            center=center, month=first, defaults={"center_level": center.level, "computed_at": now}
        )
        # The settlement's row too: a dispute answered, an adjustment added or a confirmation (each locks it)
        # waits for the recompute, or the recompute for it — never half of one over the other.
        settlement = Settlement.objects.select_for_update(no_key=True).get(pk=settlement.pk)
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
        params = {
            "settlement": settlement.pk,
            "level": center.level,
            "center": center.pk,
            "start": start,
            "end": end,
        }
        with connection.cursor() as cursor:
            cursor.execute(LINES_SQL, params)
            if settlement.disputes.filter(status=DisputeStatus.ACCEPTED).exists():
                cursor.execute(DISPUTES_SQL, {"settlement": settlement.pk, "prefix": _dispute_prefix()})
        _adjustments_compute(settlement=settlement, center=center, first=first, start=start, end=end)
        settlement.center_level = center.level
        settlement.computed_at = now
        _totals_save(settlement)
    return settlement


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
    if centers is None:
        # In force at any time during the month (an agreement starting on the 10th included).
        _start, end = month_bounds(first)
        last_day = (end - dt.timedelta(days=1)).date()
        centers = (
            ServiceCenter.objects.filter(active=True, agreement_start__lte=last_day)
            .filter(Q(agreement_end__isnull=True) | Q(agreement_end__gte=first))
            .order_by("code")
        )
    results = []
    for center in centers:
        try:
            results.append((center, settlement_compute(center=center, month=first, now=now), []))
        except ValidationError as exc:
            results.append((center, None, exc.messages))
    return results


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
        if accept and current.line_kind != SettlementLineKind.PARTS_CHARGED and value < 0:
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
