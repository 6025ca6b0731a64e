"""The screening's SQL: the month's payable orders in a temporary table, one grouped statement per rule
writing its hits with their evidence, then the flags upserted. Set-based: nothing runs once per order.

Payable orders are those the settlement pays the centre for (settlement/services/sql.py, `eligible`): free (C)
and contract (B) work orders closed in the month, or sent back and redone in it, not redo orders."""

from __future__ import annotations

ORDERS_SQL = """
CREATE TEMP TABLE scr_orders ON COMMIT DROP AS
SELECT w.id, w.number, w.center_id, w.technician_id, w.mode, w.travel_km,
       COALESCE(w.closed_at, w.completed_at) AS closed_at,
       c.unit_id, c.customer_id, c.caller_phone, c.service_region_id AS district_id,
       m.category_id, k.fault_code_id,
       CASE WHEN w.guided_at IS NOT NULL THEN 'phone_guidance'
            WHEN c.customer_request = 'installation' THEN 'installation'
            WHEN c.customer_request = 'inspection' THEN 'inspection'
            WHEN w.mode = 'carry_in' THEN 'carry_in_repair'
            ELSE 'on_site_repair' END AS kind,
       (COALESCE(w.closed_at, w.completed_at) AT TIME ZONE 'Asia/Shanghai')::date AS day
FROM repairs_workorder w
JOIN repairs_repaircall c ON c.id = w.call_id
JOIN repairs_productunit u ON u.id = c.unit_id
JOIN repairs_productmodel m ON m.id = u.model_id
LEFT JOIN repairs_workorderclosing k ON k.work_order_id = w.id
WHERE (
        (w.status = 'closed' AND w.closed_at >= %(start)s AND w.closed_at < %(end)s)
        -- sent back by a callback: the original stays "completed" and the settlement pays it when its redo
        -- is completed, in that month — screened then too
        OR (w.status = 'completed' AND w.id IN (
            SELECT r.redo_of_id FROM repairs_workorder r
            WHERE r.redo_of_id IS NOT NULL AND r.completed_at >= %(start)s AND r.completed_at < %(end)s
        ))
  )
  AND c.service_type IN ('B', 'C') AND w.redo_of_id IS NULL
  -- paid already by a confirmed statement: a flag could hold nothing back (a correction is the settlement's)
  AND NOT EXISTS (
      SELECT 1 FROM network_settlementline l JOIN network_settlement s ON s.id = l.settlement_id
      WHERE l.work_order_id = w.id AND s.status <> 'draft'
  )
  AND (%(only)s::bigint[] IS NULL OR w.id = ANY(%(only)s::bigint[]))
"""

HITS_SQL = """
CREATE TEMP TABLE scr_hits (id bigint NOT NULL, rule text NOT NULL, evidence jsonb NOT NULL) ON COMMIT DROP
"""

# The same unit claimed before: within `repeat_days` of this closing (the later claim is the suspect), or more
# than `repeat_year_max` claims in the 365 days up to it, this one included.
REPEAT_SQL = """
WITH prior AS (
    SELECT o.id, p.n, p.recent_number, p.recent_at, p.numbers
    FROM scr_orders o
    CROSS JOIN LATERAL (
        SELECT count(*) AS n,
               (array_agg(x.number ORDER BY x.at DESC) FILTER (
                    WHERE x.at > o.closed_at - make_interval(days => %(repeat_days)s)))[1] AS recent_number,
               max(x.at) FILTER (WHERE x.at > o.closed_at - make_interval(days => %(repeat_days)s)) AS recent_at,
               string_agg(x.number, ', ' ORDER BY x.at) AS numbers
        FROM (
            SELECT w2.number, COALESCE(w2.closed_at, w2.completed_at) AS at
            FROM repairs_repaircall c2
            JOIN repairs_workorder w2 ON w2.call_id = c2.id
            WHERE c2.unit_id = o.unit_id AND c2.service_type IN ('B', 'C') AND w2.redo_of_id IS NULL
              AND w2.guided_at IS NULL AND w2.id <> o.id AND w2.status IN ('closed', 'completed')
              AND (COALESCE(w2.closed_at, w2.completed_at), w2.id) < (o.closed_at, o.id)
              AND COALESCE(w2.closed_at, w2.completed_at) > o.closed_at - interval '365 days'
        ) x
    ) p
    WHERE p.n > 0 AND o.kind <> 'phone_guidance'
)
INSERT INTO scr_hits (id, rule, evidence)
SELECT id, 'repeat_30', jsonb_build_object(
           'other', recent_number,
           'other_closed', to_char(recent_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI'),
           'days', %(repeat_days)s)
FROM prior WHERE recent_number IS NOT NULL
UNION ALL
SELECT id, 'repeat_year', jsonb_build_object('claims', n + 1, 'allowed', %(repeat_year_max)s, 'others', numbers)
FROM prior WHERE n + 1 > %(repeat_year_max)s
"""

# Parts per repair and parts cost per repair against the norm of the same category and fault code (the
# payable orders closed in the last `norm_days`; for cost, those of them that used parts): robust
# z = (x − median) / max(1.4826 × MAD, smallest spread).
OUTLIER_SQL = """
WITH peers AS MATERIALIZED (
    SELECT w.id, m.category_id, k.fault_code_id
    FROM repairs_workorder w
    JOIN repairs_workorderclosing k ON k.work_order_id = w.id
    JOIN repairs_repaircall c ON c.id = w.call_id
    JOIN repairs_productunit u ON u.id = c.unit_id
    JOIN repairs_productmodel m ON m.id = u.model_id
    WHERE w.status = 'closed' AND w.closed_at >= %(norm_start)s AND w.closed_at < %(end)s
      AND c.service_type IN ('B', 'C') AND w.redo_of_id IS NULL
      AND (m.category_id, k.fault_code_id) IN (SELECT category_id, fault_code_id FROM scr_orders)
),
used AS MATERIALIZED (
    SELECT p.id, p.category_id, p.fault_code_id,
           COALESCE(s.pieces, 0)::numeric AS pieces, COALESCE(s.cost, 0)::numeric AS cost
    FROM peers p
    LEFT JOIN (
        SELECT sm.work_order_id, -sum(sm.quantity) AS pieces, -sum(sm.value_amount) AS cost
        FROM inventory_stockmovement sm
        WHERE sm.kind IN ('issue', 'return') AND sm.work_order_id IN (SELECT id FROM peers)
        GROUP BY sm.work_order_id
    ) s ON s.work_order_id = p.id
),
-- pieces against every repair of the group; cost against the group's repairs that used parts (most repairs
-- use none: their cost of zero would make any part look abnormal)
norm AS (
    SELECT category_id, fault_code_id, count(*) AS n, count(*) FILTER (WHERE cost > 0) AS n_cost,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY pieces)::numeric AS med_pieces,
           COALESCE(percentile_cont(0.5) WITHIN GROUP (ORDER BY cost) FILTER (WHERE cost > 0), 0)::numeric
               AS med_cost
    FROM used GROUP BY category_id, fault_code_id
    HAVING count(*) >= %(min_peers)s
),
spread AS (
    SELECT u.category_id, u.fault_code_id, n.n, n.n_cost, n.med_pieces, n.med_cost,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY abs(u.pieces - n.med_pieces))::numeric AS mad_pieces,
           COALESCE(percentile_cont(0.5) WITHIN GROUP (ORDER BY abs(u.cost - n.med_cost))
                        FILTER (WHERE u.cost > 0), 0)::numeric AS mad_cost
    FROM used u JOIN norm n USING (category_id, fault_code_id)
    GROUP BY u.category_id, u.fault_code_id, n.n, n.n_cost, n.med_pieces, n.med_cost
),
scored AS (
    SELECT u.id, u.pieces, u.cost, s.n, s.n_cost, s.med_pieces, s.med_cost, s.mad_pieces, s.mad_cost, f.code AS fault,
           f.name AS fault_name,
           (u.pieces - s.med_pieces) / greatest(1.4826 * s.mad_pieces, %(parts_min_spread)s) AS z_pieces,
           (u.cost - s.med_cost) / greatest(1.4826 * s.mad_cost, %(cost_min_spread)s) AS z_cost
    FROM used u
    JOIN scr_orders o ON o.id = u.id
    JOIN spread s ON s.category_id = u.category_id AND s.fault_code_id = u.fault_code_id
    JOIN repairs_faultcode f ON f.id = u.fault_code_id
)
INSERT INTO scr_hits (id, rule, evidence)
SELECT id, 'parts', jsonb_build_object(
           'value', pieces::text, 'median', round(med_pieces, 1)::text, 'mad', round(mad_pieces, 1)::text,
           'z', round(z_pieces, 1)::text, 'limit', %(outlier_z)s::text, 'peers', n, 'fault', fault || ' ' || fault_name)
FROM scored WHERE z_pieces > %(outlier_z)s
UNION ALL
SELECT id, 'cost', jsonb_build_object(
           'value', round(cost, 2)::text, 'median', round(med_cost, 2)::text, 'mad', round(mad_cost, 2)::text,
           'z', round(z_cost, 1)::text, 'limit', %(outlier_z)s::text, 'peers', n_cost,
           'fault', fault || ' ' || fault_name)
FROM scored WHERE z_cost > %(outlier_z)s AND n_cost >= %(min_peers)s
"""

# The customer's word: closed with neither signature nor confirmation code; the callback could not reach them
# (marked unreachable, or a wrong number); they denied the visit (screening_visitdenial).
CUSTOMER_SQL = """
INSERT INTO scr_hits (id, rule, evidence)
SELECT o.id, 'no_proof', jsonb_build_object(
           'reason', k.proof_exception_reason,
           'cleared', CASE WHEN k.proof_cleared_at IS NULL THEN ''
                           ELSE to_char(k.proof_cleared_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD') END)
FROM scr_orders o JOIN repairs_workorderclosing k ON k.work_order_id = o.id
WHERE k.signature = '' AND NOT k.confirmed_by_code
UNION ALL
SELECT o.id, 'unreachable', jsonb_build_object(
           'attempts', cb.attempts,
           'wrong_number', EXISTS (SELECT 1 FROM care_callbackattempt a
                                   WHERE a.callback_id = cb.id AND a.outcome = 'wrong_number'))
FROM scr_orders o JOIN care_callback cb ON cb.work_order_id = o.id
WHERE cb.status = 'unreachable'
   OR EXISTS (SELECT 1 FROM care_callbackattempt a WHERE a.callback_id = cb.id AND a.outcome = 'wrong_number')
UNION ALL
SELECT o.id, 'denied', jsonb_build_object(
           'words', d.customer_words, 'recorded', to_char(d.recorded_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'))
FROM scr_orders o JOIN screening_visitdenial d ON d.work_order_id = o.id
"""

# A technician's on-site visits in order of arrival: one that begins more than `overlap_minutes` before the
# previous one ended (two places at once), or too soon after it to cover the distance between the two
# districts at `travel_kmh`. That distance is taken as |d(centre, A) − d(centre, B)| from the distance table
# (the triangle inequality's lower bound: the road between them is at least that long).
VISITS_SQL = """
WITH visits AS (
    -- the visit that completed the order: from arrival when it was the same visit (within 8 hours),
    -- else (a second visit after waiting for parts) the closing's labour time before completion
    SELECT w.id, w.number, w.technician_id, w.center_id, c.service_region_id AS district_id,
           CASE WHEN w.completed_at - COALESCE(w.arrived_at, w.repair_started_at) <= interval '8 hours'
                THEN COALESCE(w.arrived_at, w.repair_started_at)
                ELSE w.completed_at - make_interval(mins => COALESCE(k.labour_minutes, 60)) END AS t0,
           w.completed_at AS t1
    FROM repairs_workorder w JOIN repairs_repaircall c ON c.id = w.call_id
    LEFT JOIN repairs_workorderclosing k ON k.work_order_id = w.id
    WHERE w.technician_id IN (SELECT technician_id FROM scr_orders WHERE technician_id IS NOT NULL)
      AND w.mode = 'on_site' AND w.completed_at IS NOT NULL
      AND COALESCE(w.arrived_at, w.repair_started_at) IS NOT NULL
      AND w.completed_at >= %(start)s - interval '1 day' AND w.completed_at < %(end)s + interval '1 day'
),
seq AS (
    SELECT v.*, lag(v.id) OVER s AS p_id, lag(v.number) OVER s AS p_number, lag(v.t0) OVER s AS p_t0,
           lag(v.t1) OVER s AS p_t1, lag(v.district_id) OVER s AS p_district_id
    FROM visits v
    WINDOW s AS (PARTITION BY v.technician_id ORDER BY v.t0, v.id)
),
judged AS (
    SELECT q.*, abs(da.km - db.km) AS km_between,
           CASE WHEN q.t0 < q.p_t1 - make_interval(mins => %(overlap_minutes)s) THEN 'overlap'
                WHEN q.district_id <> q.p_district_id AND da.km IS NOT NULL AND db.km IS NOT NULL
                     AND q.t0 >= q.p_t1
                     AND extract(epoch FROM q.t0 - q.p_t1) / 3600.0 < abs(da.km - db.km)::numeric / %(travel_kmh)s
                     THEN 'too_far'
           END AS rule
    FROM seq q
    LEFT JOIN screening_districtdistance da ON da.center_id = q.center_id AND da.district_id = q.district_id
    LEFT JOIN screening_districtdistance db ON db.center_id = q.center_id AND db.district_id = q.p_district_id
    WHERE q.p_id IS NOT NULL
),
bad AS (
    SELECT j.*, rd.name AS district, rp.name AS p_district FROM judged j
    JOIN network_region rd ON rd.id = j.district_id
    JOIN network_region rp ON rp.id = j.p_district_id
    WHERE j.rule IS NOT NULL
)
INSERT INTO scr_hits (id, rule, evidence)
SELECT b.id, b.rule, jsonb_build_object(
           'this', to_char(b.t0 AT TIME ZONE 'Asia/Shanghai', 'MM-DD HH24:MI') || '–'
                   || to_char(b.t1 AT TIME ZONE 'Asia/Shanghai', 'HH24:MI') || ' ' || b.district,
           'other', b.p_number,
           'other_at', to_char(b.p_t0 AT TIME ZONE 'Asia/Shanghai', 'MM-DD HH24:MI') || '–'
                   || to_char(b.p_t1 AT TIME ZONE 'Asia/Shanghai', 'HH24:MI') || ' ' || b.p_district,
           'km', b.km_between, 'minutes', round(extract(epoch FROM b.t0 - b.p_t1) / 60.0))
FROM bad b WHERE b.id IN (SELECT id FROM scr_orders)
UNION ALL
SELECT b.p_id, b.rule, jsonb_build_object(
           'this', to_char(b.p_t0 AT TIME ZONE 'Asia/Shanghai', 'MM-DD HH24:MI') || '–'
                   || to_char(b.p_t1 AT TIME ZONE 'Asia/Shanghai', 'HH24:MI') || ' ' || b.p_district,
           'other', b.number,
           'other_at', to_char(b.t0 AT TIME ZONE 'Asia/Shanghai', 'MM-DD HH24:MI') || '–'
                   || to_char(b.t1 AT TIME ZONE 'Asia/Shanghai', 'HH24:MI') || ' ' || b.district,
           'km', b.km_between, 'minutes', round(extract(epoch FROM b.t0 - b.p_t1) / 60.0))
FROM bad b WHERE b.p_id IN (SELECT id FROM scr_orders)
"""

# One caller's phone behind more units or customers than allowed (repair calls logged in the last
# `phone_days`).
PHONE_SQL = """
WITH counts AS (
    SELECT c.caller_phone, count(DISTINCT c.unit_id) AS units, count(DISTINCT c.customer_id) AS customers
    FROM repairs_repaircall c
    WHERE c.caller_phone IN (SELECT caller_phone FROM scr_orders WHERE caller_phone <> '')
      AND c.logged_at >= %(phone_start)s AND c.logged_at < %(end)s
    GROUP BY c.caller_phone
    HAVING count(DISTINCT c.unit_id) > %(phone_units_max)s OR count(DISTINCT c.customer_id) > %(phone_customers_max)s
)
INSERT INTO scr_hits (id, rule, evidence)
SELECT o.id, 'phone', jsonb_build_object(
           'phone', o.caller_phone, 'units', n.units, 'customers', n.customers,
           'units_max', %(phone_units_max)s, 'customers_max', %(phone_customers_max)s)
FROM scr_orders o JOIN counts n ON n.caller_phone = o.caller_phone
"""

# The distance claimed beyond the centre's distance to the customer's district (the distance table) by more
# than `km_tolerance_percent` and `km_slack`.
TRAVEL_SQL = """
INSERT INTO scr_hits (id, rule, evidence)
SELECT o.id, 'travel_km', jsonb_build_object(
           'claimed', o.travel_km, 'km', d.km, 'district', r.name,
           'allowed', floor(d.km * (100 + %(km_tolerance_percent)s) / 100.0 + %(km_slack)s))
FROM scr_orders o
JOIN screening_districtdistance d ON d.center_id = o.center_id AND d.district_id = o.district_id
JOIN network_region r ON r.id = o.district_id
WHERE o.mode = 'on_site' AND o.kind <> 'phone_guidance' AND o.travel_km IS NOT NULL
  AND o.travel_km > d.km * (100 + %(km_tolerance_percent)s) / 100.0 + %(km_slack)s
"""

RULES = (REPEAT_SQL, OUTLIER_SQL, CUSTOMER_SQL, VISITS_SQL, PHONE_SQL, TRAVEL_SQL)

# Each flagged order's hits together, and what it would be paid: the service fee and the travel fee in force
# the day it closed, at the centre's level in force in the month (as the settlement prices it).
FLAGGED_SQL = """
CREATE TEMP TABLE scr_flagged ON COMMIT DROP AS
SELECT h.id, o.center_id, h.hits, h.rules,
       COALESCE(f.fee_amount, 0) + COALESCE(t.fee_amount, 0) AS amount
FROM (
    SELECT id, jsonb_agg(jsonb_build_object('rule', rule, 'evidence', evidence) ORDER BY rule, evidence::text) AS hits,
           string_agg(DISTINCT rule, ',') AS rules
    FROM scr_hits GROUP BY id
) h
JOIN scr_orders o ON o.id = h.id
JOIN unnest(%(centers)s::bigint[], %(levels)s::text[]) AS lv(center_id, level) ON lv.center_id = o.center_id
LEFT JOIN LATERAL (
    SELECT f.fee_amount FROM network_feeschedule f
    WHERE f.category_id = o.category_id AND f.service_kind = o.kind AND f.center_level = lv.level
      AND f.valid_from <= o.day
    ORDER BY f.valid_from DESC LIMIT 1
) f ON true
LEFT JOIN LATERAL (
    SELECT t.fee_amount FROM network_travelfee t
    WHERE o.mode = 'on_site' AND o.travel_km IS NOT NULL AND o.kind <> 'phone_guidance'
      AND t.center_level = lv.level
      AND t.valid_from = (SELECT max(v.valid_from) FROM network_travelfee v
                          WHERE v.center_level = lv.level AND v.valid_from <= o.day)
      AND t.km_from <= o.travel_km AND (t.km_to IS NULL OR t.km_to > o.travel_km)
    LIMIT 1
) t ON true
"""

# A withdrawn flag whose order trips a rule again (a denial recorded later, say) is held again, with its event.
REHOLD_SQL = """
WITH again AS (
    UPDATE screening_claimflag f SET status = 'held'
    WHERE f.status = 'withdrawn' AND f.work_order_id IN (SELECT id FROM scr_flagged)
    RETURNING f.id
)
INSERT INTO screening_flagevent (flag_id, action, at, note)
SELECT a.id, 'flagged', %(now)s, '' FROM again a
"""

# New flags held; flags still held refreshed (their hits and amount); decided ones (cleared, rejected,
# disputed) left as they are. A new flag's first event says what it tripped.
UPSERT_SQL = """
WITH up AS (
    INSERT INTO screening_claimflag
        (work_order_id, center_id, month, status, hits, rules, amount, flagged_at, screened_at, reason,
         dispute_reason)
    SELECT id, center_id, %(month)s, 'held', hits, left(rules, 200), amount, %(now)s, %(now)s, '', ''
    FROM scr_flagged
    ON CONFLICT (work_order_id) DO UPDATE
        SET hits = EXCLUDED.hits, rules = EXCLUDED.rules, amount = EXCLUDED.amount,
            screened_at = EXCLUDED.screened_at
        WHERE screening_claimflag.status = 'held'
    RETURNING id, (xmax = 0) AS inserted, rules
)
INSERT INTO screening_flagevent (flag_id, action, at, note)
SELECT id, 'flagged', %(now)s, rules FROM up WHERE inserted
"""

# A flag still held whose order trips no rule any more (thresholds changed, a record corrected) is
# withdrawn: the order is paid.
WITHDRAW_SQL = """
WITH gone AS (
    UPDATE screening_claimflag f SET status = 'withdrawn', screened_at = %(now)s
    WHERE f.status = 'held' AND f.work_order_id IN (SELECT id FROM scr_orders)
      AND f.work_order_id NOT IN (SELECT id FROM scr_flagged)
    RETURNING f.id
)
INSERT INTO screening_flagevent (flag_id, action, at, note)
SELECT id, 'withdrawn', %(now)s, '' FROM gone
"""

SUMMARY_SQL = """
SELECT (SELECT count(*) FROM scr_orders), (SELECT count(*) FROM scr_flagged),
       (SELECT COALESCE(sum(f.amount), 0) FROM screening_claimflag f
        WHERE f.work_order_id IN (SELECT id FROM scr_orders) AND f.status IN ('held', 'disputed'))
"""
