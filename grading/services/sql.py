"""The month's results of every centre at once: one grouped query per source (work orders, deadlines,
callbacks, complaints, repeat repairs, defective-part returns), each over the month's rows only.

Parameters: %(centers)s (ids), %(start)s / %(end)s (the month's first instant and the next month's, China's
time), %(first)s / %(last)s (its first and last day), %(tz)s (the time zone the due dates are kept in)."""

# Fixed the first time (an order aliased w): no redo order was made of it (a callback sent it back, 退回重办)
# and it never waited for parts (a second visit). The one definition, also used by insight's rates.
FIRST_TIME_FIXED = """NOT EXISTS (SELECT 1 FROM repairs_workorder r WHERE r.redo_of_id = w.id)
             AND NOT EXISTS (SELECT 1 FROM repairs_workorderevent e
                             WHERE e.work_order_id = w.id AND e.to_status = 'waiting_for_parts')"""

# A repeat repair: the order `later` (not cancelled) was opened within 30 days after the order `prev`, of the
# same unit, was completed. The one definition, also used by insight's rates.
REPEAT_OF = """later.status <> 'cancelled'
  AND prev.id <> later.id
  AND prev.status IN ('completed', 'closed')
  AND prev.completed_at < later.created_at
  AND prev.completed_at >= later.created_at - interval '30 days'"""

# Orders completed in the month (completed or closed since): how many; fixed the first time; the hours from
# the order's creation to its completion.
ORDERS_SQL = f"""
SELECT w.center_id,
       count(*) AS orders,
       count(*) FILTER (WHERE {FIRST_TIME_FIXED}) AS first_time_fixed,
       avg(extract(epoch FROM w.completed_at - w.created_at)) / 3600 AS repair_hours
FROM repairs_workorder w
WHERE w.completed_at >= %(start)s AND w.completed_at < %(end)s
  AND w.status IN ('completed', 'closed')
  AND w.center_id = ANY(%(centers)s)
GROUP BY w.center_id
"""

# The month's settled deadlines (due in the month; met, or breached and not cancelled since): the response
# (accepted by the centre, first contact with the customer) and the arrival (on site by the appointment).
DEADLINES_SQL = """
SELECT d.center_id,
       count(*) FILTER (WHERE d.stage IN ('accept', 'first_contact')) AS response_due,
       count(*) FILTER (WHERE d.stage IN ('accept', 'first_contact') AND d.stop_reason = 'met'
                         AND d.stopped_at <= d.due_at) AS response_on_time,
       count(*) FILTER (WHERE d.stage = 'on_site') AS arrival_due,
       count(*) FILTER (WHERE d.stage = 'on_site' AND d.stop_reason = 'met'
                         AND d.stopped_at <= d.due_at) AS arrival_on_time
FROM care_deadline d
WHERE d.stage IN ('accept', 'first_contact', 'on_site')
  AND d.due_at >= %(start)s AND d.due_at < %(end)s
  AND (d.stop_reason = 'met' OR (d.breached_at IS NOT NULL AND d.stop_reason <> 'cancelled'))
  AND d.center_id = ANY(%(centers)s)
GROUP BY d.center_id
"""

# Callbacks (回访) that reached the customer in the month and got a score (1–5).
CALLBACKS_SQL = """
SELECT c.center_id, count(*) AS callbacks_scored, avg(c.satisfaction) AS satisfaction
FROM care_callback c
WHERE c.satisfaction IS NOT NULL AND c.reached_at >= %(start)s AND c.reached_at < %(end)s
  AND c.center_id = ANY(%(centers)s)
GROUP BY c.center_id
"""

# Complaints resolved as upheld in the month (as the settlement's penalties count them).
COMPLAINTS_SQL = """
SELECT c.center_id, count(*) AS complaints_upheld
FROM care_complaint c
WHERE c.upheld AND c.resolved_at >= %(start)s AND c.resolved_at < %(end)s
  AND c.center_id = ANY(%(centers)s)
GROUP BY c.center_id
"""

# Repeat repairs: a work order opened in the month (not cancelled) for a unit that the centre had completed
# a repair of in the 30 days before — counted against that centre, once per new order.
REPEATS_SQL = f"""
SELECT prev.center_id, count(DISTINCT later.id) AS repeats
FROM repairs_workorder later
JOIN repairs_repaircall lc ON lc.id = later.call_id
JOIN repairs_repaircall pc ON pc.unit_id = lc.unit_id
JOIN repairs_workorder prev ON prev.call_id = pc.id
WHERE later.created_at >= %(start)s AND later.created_at < %(end)s
  AND {REPEAT_OF}
  AND prev.center_id = ANY(%(centers)s)
GROUP BY prev.center_id
"""

# Defective parts (旧件) due back in the month (not cancelled): returned on time when shipped, handed in or
# put up for scrapping on site by the due date (China's calendar day).
RETURNS_SQL = """
SELECT t.center_id,
       count(*) AS returns_due,
       count(*) FILTER (
           WHERE (least(t.shipped_at, t.received_at, t.scrap_requested_at) AT TIME ZONE %(tz)s)::date <= t.due_on
       ) AS returns_on_time
FROM inventory_defectivereturn t
WHERE t.due_on >= %(first)s AND t.due_on <= %(last)s AND t.status <> 'cancelled'
  AND t.center_id = ANY(%(centers)s)
GROUP BY t.center_id
"""

QUERIES = (ORDERS_SQL, DEADLINES_SQL, CALLBACKS_SQL, COMPLAINTS_SQL, REPEATS_SQL, RETURNS_SQL)
