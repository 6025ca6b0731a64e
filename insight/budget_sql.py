"""The statements that fill a month's rollup (insight_budgetactual), one per source, set-based.

Province of a region (three levels, province → city → district): COALESCE(grandparent, parent, itself),
written with the region `r` and its parent `rp` joined. Category: the model's, through the unit.
"""

PROVINCE = "COALESCE(rp.parent_id, r.parent_id, r.id)"

INSERT = (
    "INSERT INTO insight_budgetactual (month, category_id, region_id, measure, draft, amount, quantity)\n"
)

# Units sold in the month (not the units handed over in an exchange: they replace a sold one), grouped by
# model and sale day first, so that the factory price in force is looked up once per model and day.
SALES_SQL = (
    INSERT
    + f"""
SELECT %(month)s, g.category_id, g.province_id,
       CASE WHEN p.price_amount IS NULL THEN 'sales_unpriced' ELSE 'sales_value' END, false,
       COALESCE(SUM(g.units * p.price_amount), 0), SUM(g.units)
FROM (
    SELECT u.model_id, m.category_id, u.sale_date, {PROVINCE} AS province_id, count(*) AS units
    FROM repairs_productunit u
    JOIN repairs_productmodel m ON m.id = u.model_id
    LEFT JOIN network_dealer d ON d.id = u.dealer_id
    LEFT JOIN network_region r ON r.id = d.region_id
    LEFT JOIN network_region rp ON rp.id = r.parent_id
    WHERE u.replaces_id IS NULL AND u.sale_date >= %(month)s AND u.sale_date < %(next)s
    GROUP BY 1, 2, 3, 4
) g
LEFT JOIN LATERAL (
    SELECT f.price_amount FROM insight_factoryprice f
    WHERE f.model_id = g.model_id AND f.valid_from <= g.sale_date
    ORDER BY f.valid_from DESC LIMIT 1
) p ON true
GROUP BY g.category_id, g.province_id, p.price_amount IS NULL
"""
)

# The lines of the month's statements: fees and travel paid, and the amounts taken back (stored negative on
# the statement, positive here).
SETTLED_SQL = (
    INSERT
    + f"""
SELECT s.month, m.category_id, {PROVINCE},
       CASE l.kind WHEN 'service_fee' THEN 'network_fees'
                   WHEN 'parts_charged' THEN 'recovered_parts'
                   WHEN 'remedy_charge' THEN 'recovered_remedies'
                   ELSE 'travel' END,
       s.status = 'draft',
       SUM(CASE WHEN l.kind IN ('parts_charged', 'remedy_charge') THEN -l.amount ELSE l.amount END),
       count(*)
FROM network_settlement s
JOIN network_settlementline l ON l.settlement_id = s.id
JOIN network_servicecenter c ON c.id = s.center_id
JOIN network_region r ON r.id = c.region_id
LEFT JOIN network_region rp ON rp.id = r.parent_id
JOIN repairs_workorder w ON w.id = l.work_order_id
JOIN repairs_repaircall rc ON rc.id = w.call_id
JOIN repairs_productunit u ON u.id = rc.unit_id
JOIN repairs_productmodel m ON m.id = u.model_id
WHERE s.month = %(month)s
  AND l.kind IN ('service_fee', 'travel_fee', 'wasted_visit', 'parts_charged', 'remedy_charge')
GROUP BY 1, 2, 3, 4, 5
"""
)

# Parts issued to work orders in the month at the ledger's cost (moving average, as inventory values stock),
# less those returned from work orders. `warehouse_id = ANY(...)` reads the (warehouse, created_at) index.
PARTS_SQL = (
    INSERT
    + f"""
SELECT %(month)s, m.category_id, {PROVINCE}, 'parts', false, -SUM(sm.value_amount), -SUM(sm.quantity)
FROM inventory_stockmovement sm
JOIN repairs_workorder w ON w.id = sm.work_order_id
JOIN repairs_repaircall rc ON rc.id = w.call_id
JOIN repairs_productunit u ON u.id = rc.unit_id
JOIN repairs_productmodel m ON m.id = u.model_id
LEFT JOIN network_servicecenter c ON c.id = w.center_id
LEFT JOIN network_region r ON r.id = c.region_id
LEFT JOIN network_region rp ON rp.id = r.parent_id
WHERE sm.warehouse_id = ANY(ARRAY(SELECT id FROM inventory_warehouse))
  AND sm.created_at >= %(start)s AND sm.created_at < %(end)s
  AND sm.kind IN ('issue', 'return')
GROUP BY 2, 3
"""
)

# Exchanges and refunds carried out in the month: the replacement unit's cost, or the refund paid.
REMEDIES_SQL = (
    INSERT
    + f"""
SELECT %(month)s, m.category_id, {PROVINCE}, 'exchanges', false,
       SUM(CASE WHEN q.remedy = 'exchange' THEN q.replacement_cost_amount ELSE COALESCE(f.amount, 0) END),
       count(*)
FROM remedies_remedyrequest q
JOIN repairs_productunit u ON u.id = q.unit_id
JOIN repairs_productmodel m ON m.id = u.model_id
LEFT JOIN remedies_refund f ON f.request_id = q.id
LEFT JOIN repairs_workorder w ON w.id = q.work_order_id
LEFT JOIN network_servicecenter c ON c.id = w.center_id
LEFT JOIN network_region r ON r.id = c.region_id
LEFT JOIN network_region rp ON rp.id = r.parent_id
WHERE q.status = 'done' AND q.done_at >= %(start)s AND q.done_at < %(end)s
GROUP BY 2, 3
"""
)

# Units through refurbishment finished in the month (restocked or scrapped): parts and labour recorded.
REFURB_SQL = (
    INSERT
    + f"""
SELECT %(month)s, m.category_id, {PROVINCE}, 'refurbishment', false,
       SUM(b.parts_cost_amount + b.labour_cost_amount), count(*)
FROM remedies_refurbishment b
JOIN repairs_productunit u ON u.id = b.unit_id
JOIN repairs_productmodel m ON m.id = u.model_id
LEFT JOIN remedies_remedyrequest q ON q.id = b.request_id
LEFT JOIN repairs_workorder w ON w.id = q.work_order_id
LEFT JOIN network_servicecenter c ON c.id = w.center_id
LEFT JOIN network_region r ON r.id = c.region_id
LEFT JOIN network_region rp ON rp.id = r.parent_id
WHERE b.status IN ('restocked', 'scrapped') AND b.finished_at >= %(start)s AND b.finished_at < %(end)s
GROUP BY 2, 3
"""
)

ALL_SQL = (SALES_SQL, SETTLED_SQL, PARTS_SQL, REMEDIES_SQL, REFURB_SQL)
