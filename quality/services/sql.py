"""The early warning's grouped queries: every model and production month at once, one statement per source
(units, repairs, fault codes, parts), never a loop per model.

Parameters: %(today)s and %(yesterday)s (China's date of the run), %(window)s (days), %(tz)s (the time zone a
call's date is read in).

The unit's production month is the month of its factory date; its in-service date is the latest of its sale
date, its exchange date (a unit handed over in a 三包 exchange) and its installation acceptance date — the day
it started working for the customer. A unit without a factory date or an in-service date is not counted.
"""

IN_SERVICE = "GREATEST(u.sale_date, u.exchanged_on, u.accepted_on)"
# Whole months in service completed by yesterday (a month ends on the corresponding day, Civil Code art. 201).
MONTHS_DONE = "(extract(year FROM age({day}, {start})) * 12 + extract(month FROM age({day}, {start})))::int"

# Units per model-month, by the number of whole months in service they have completed (capped at 12), and
# how many of them are past the window (in service for `window` days or more, the window's last day over).
UNITS_SQL = f"""
WITH u AS (
    SELECT u.model_id, date_trunc('month', u.factory_date)::date AS month, {IN_SERVICE} AS s
    FROM repairs_productunit u
    WHERE u.factory_date IS NOT NULL
)
SELECT model_id, month,
       LEAST({MONTHS_DONE.format(day="%(yesterday)s::date", start="s")}, 12) AS done,
       count(*) AS units,
       count(*) FILTER (WHERE s + %(window)s::int < %(today)s::date) AS counted
FROM u
WHERE s IS NOT NULL AND s <= %(today)s::date
GROUP BY 1, 2, 3
"""

# The repairs counted: work orders done (completed or closed) of calls asking for a repair (not an
# installation, an inspection, a consultation, an exchange or a return), free under 三包 (service type C),
# not the redo of another order (the same fault again), called in on or after the unit's in-service date.
REPAIRS_CTE = f"""
WITH r AS (
    SELECT u.model_id, date_trunc('month', u.factory_date)::date AS month, {IN_SERVICE} AS s,
           (c.logged_at AT TIME ZONE %(tz)s)::date AS d, w.id AS order_id
    FROM repairs_workorder w
    JOIN repairs_repaircall c ON c.id = w.call_id
    JOIN repairs_productunit u ON u.id = c.unit_id
    WHERE w.status IN ('completed', 'closed') AND w.redo_of_id IS NULL
      AND c.customer_request = 'repair' AND c.service_type = 'C'
      AND u.factory_date IS NOT NULL
), counted AS (
    SELECT * FROM r WHERE s IS NOT NULL AND d >= s AND d <= %(today)s::date
)
"""
# In the window: called in within `window` days after the in-service date, of a unit past the window.
IN_WINDOW = "d <= s + %(window)s::int AND s + %(window)s::int < %(today)s::date"

# Repairs per model-month by month in service (k = 1, 2, …: the month the call fell in), counted in month k
# only for units that have completed month k; and the repairs in the window.
REPAIRS_SQL = (
    REPAIRS_CTE
    + f"""
SELECT model_id, month, {MONTHS_DONE.format(day="(d - 1)", start="s")} + 1 AS k,
       count(*) FILTER (
           WHERE {MONTHS_DONE.format(day="(d - 1)", start="s")} + 1
                 <= {MONTHS_DONE.format(day="%(yesterday)s::date", start="s")}
       ) AS repairs,
       count(*) FILTER (WHERE {IN_WINDOW}) AS in_window
FROM counted
GROUP BY 1, 2, 3
"""
)

# The fault codes found (the closing's fault code) of the repairs in the window.
FAULTS_SQL = (
    REPAIRS_CTE
    + f"""
SELECT r.model_id, r.month, cl.fault_code_id, count(*) AS repairs
FROM counted r
JOIN repairs_workorderclosing cl ON cl.work_order_id = r.order_id
WHERE {IN_WINDOW}
GROUP BY 1, 2, 3
"""
)

# The parts replaced on the repairs in the window: issued to the order less returned from it.
PARTS_SQL = f"""
SELECT u.model_id, date_trunc('month', u.factory_date)::date AS month, m.part_id, -sum(m.quantity) AS quantity
FROM inventory_stockmovement m
JOIN repairs_workorder w ON w.id = m.work_order_id
JOIN repairs_repaircall c ON c.id = w.call_id
JOIN repairs_productunit u ON u.id = c.unit_id
CROSS JOIN LATERAL (SELECT {IN_SERVICE} AS s, (c.logged_at AT TIME ZONE %(tz)s)::date AS d) x
WHERE m.kind IN ('issue', 'return') AND m.work_order_id IS NOT NULL
  AND w.status IN ('completed', 'closed') AND w.redo_of_id IS NULL
  AND c.customer_request = 'repair' AND c.service_type = 'C'
  AND u.factory_date IS NOT NULL AND x.s IS NOT NULL AND x.d >= x.s
  AND x.d <= x.s + %(window)s::int AND x.s + %(window)s::int < %(today)s::date
GROUP BY 1, 2, 3
HAVING -sum(m.quantity) > 0
"""
