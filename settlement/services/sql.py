"""The statement's lines, computed in SQL: the month's paid work of one centre, and the disputes
accepted on them."""

from __future__ import annotations

from aftersales.months import month_bounds, previous_month  # noqa: F401  (the settlement's months)

STATEMENT_LANGUAGE = "zh-hans"  # statements are Chinese documents, whatever the reader's UI language

# The month's paid work of one centre, in one statement: the work orders the maker pays for — free (C) and
# contract (B) work closed in the month with the customer's proof (see the condition below), and work a callback sent back whose redo was completed in the month
# (the original stays "completed"; it is paid then, once: the redo itself is the centre putting its own work
# right and is never paid on its own) — each with its service fee (the fee schedule row in force on the day it
# closed, for the centre's level), its travel fee (the distance band in force that day) and the parts the
# policy reimburses at cost; then the paid (A) work closed in the month, whose parts the centre sold to the
# customer and is charged for. Nothing already paid under the same kind of line is taken again.
#
# The work of earlier months it may pay comes in as three lists of the centre's work orders (LATER_SQL below):
# %(released)s, %(cleared)s and %(rescreened)s.
LINES_SQL = """
WITH released AS (
    SELECT unnest(%(released)s::bigint[]) AS id
),
cleared AS (
    SELECT unnest(%(cleared)s::bigint[]) AS id
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
            UNION
            -- … or its screening flag cleared or withdrawn in the month
            SELECT unnest(%(rescreened)s::bigint[])
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
                  OFFSET 0
              ))
          ))
      )
      AND w.redo_of_id IS NULL
      AND c.service_type IN ('B', 'C')
      AND NOT w.payment_held
      -- held by the claim screening (held, disputed) or rejected by a manager: not paid (screening app)
      AND NOT EXISTS (
          SELECT 1 FROM screening_claimflag f
          WHERE f.work_order_id = w.id AND f.status IN ('held', 'disputed', 'rejected')
      )
      -- the customer's proof by the month's end — after phone guidance, the callback that reached the customer
      -- and heard it solved; otherwise the closing record signed, confirmed by the customer's code, or whose
      -- exception a manager cleared. Work without it is held (and paid in the month the proof comes).
      -- (OFFSET 0 here and above: each order's rows are probed by its key, never hashed from a scan of every
      -- callback or redo before the month's end, which would grow with the years and run for every centre.)
      AND CASE
          WHEN w.guided_at IS NOT NULL THEN EXISTS (
              SELECT 1 FROM care_callback cb
              WHERE cb.work_order_id = w.id AND cb.reason = 'phone_guidance' AND cb.solved
                AND cb.reached_at < %(end)s
              OFFSET 0
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

# The work of earlier months a month may pay, as LINES_SQL takes it: by the work order's centre (every centre's,
# or only %(center)s's when it is not null), three lists of work orders —
# - released: sent back by a callback, its redo completed in the month;
# - cleared: the customer's proof came in the month for work closed earlier — a closing without it cleared by
#   a manager, or the callback after phone guidance that reached the customer, who said it is solved (care's
#   callbacks: the guidance is the work, the customer's word on the phone its proof);
# - rescreened: its screening flag cleared by a manager in the month, or withdrawn by a screening in the month
#   (its order trips no rule any more).
# These are read for the whole month at once: filtered by centre, each of them would be read again for every
# centre (their tables have no index by the work order's centre), and a month's run would grow with the square
# of the network.
LATER_SQL = """
SELECT w.center_id,
       COALESCE(array_agg(w.id ORDER BY w.id) FILTER (WHERE x.released), '{}'),
       COALESCE(array_agg(w.id ORDER BY w.id) FILTER (WHERE x.cleared), '{}'),
       COALESCE(array_agg(w.id ORDER BY w.id) FILTER (WHERE x.rescreened), '{}')
FROM (
    SELECT id, bool_or(released) AS released, bool_or(cleared) AS cleared, bool_or(rescreened) AS rescreened
    FROM (
        SELECT r.redo_of_id AS id, true AS released, false AS cleared, false AS rescreened
        FROM repairs_workorder r
        WHERE r.redo_of_id IS NOT NULL AND r.completed_at >= %(start)s AND r.completed_at < %(end)s
        UNION ALL
        SELECT k.work_order_id, false, true, false FROM repairs_workorderclosing k
        WHERE k.proof_cleared_at >= %(start)s AND k.proof_cleared_at < %(end)s
        UNION ALL
        SELECT cb.work_order_id, false, true, false FROM care_callback cb
        WHERE cb.reason = 'phone_guidance' AND cb.solved
          AND cb.reached_at >= %(start)s AND cb.reached_at < %(end)s
        UNION ALL
        SELECT f.work_order_id, false, false, true FROM screening_claimflag f
        WHERE (f.status = 'cleared' AND f.decided_at >= %(start)s AND f.decided_at < %(end)s)
           OR (f.status = 'withdrawn' AND f.screened_at >= %(start)s AND f.screened_at < %(end)s)
    ) y
    GROUP BY id
) x
JOIN repairs_workorder w ON w.id = x.id
WHERE %(center)s::bigint IS NULL OR w.center_id = %(center)s::bigint
GROUP BY w.center_id
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
