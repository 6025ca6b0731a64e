"""The growing database of bench/curves.py: `seed_demo --scale`'s customers, units, calls and work orders,
with what the scale seed leaves out added set-based (INSERT … SELECT) in proportion, for the new work orders
only, so a second run to a bigger size adds only what is missing:

- every scale unit sold through one of the demo's dealers (round robin by id: the first owns an eighth),
  set before its call is made so the work order's unit_dealer comes from the insert trigger;
- the work-order event trail: new, dispatched, accepted, completed, closed, cancelled, phone-guided as the
  order's instants have them (about 4.5 per order);
- a part issued from the centre's warehouse for two in three completed or closed orders (about 0.6 stock
  movements per order);
- a done callback with a satisfaction score for three in ten closed orders;
- a completion deadline per order (calendar time, three days), met or cancelled for finished orders and
  running for open ones, in the state scans running every minute until five minutes before the data's
  instant leave it (so the measured scan finds five minutes of work).

Each table is loaded with its secondary indexes dropped when the load is bigger than the table
(demo.scale's _bulk_load), then ANALYZEd."""

from __future__ import annotations

import datetime as dt
import time
from unittest import mock

SCAN_GAP = dt.timedelta(minutes=5)
PROGRESS = "curves_progress"  # step → the last scale work order it covered; "instant" → the data's now

_SCALE_ORDERS = """
    SELECT w.* FROM repairs_workorder w
    JOIN repairs_repaircall c ON c.id = w.call_id
    JOIN repairs_productunit u ON u.id = c.unit_id AND u.serial_number LIKE 'SN%%'
    WHERE w.id > %(after)s
"""

STEPS = {
    "repairs_workorderevent": (
        4.5,
        f"""
        INSERT INTO repairs_workorderevent (from_status, to_status, at, note, actor_id, work_order_id)
        SELECT e.from_status, e.to_status, e.at, '', w.dispatched_by_id, w.id
        FROM ({_SCALE_ORDERS}) w
        CROSS JOIN LATERAL (VALUES
            ('', 'new', w.created_at),
            ('new', 'dispatched', w.dispatched_at),
            ('dispatched', 'accepted', w.accepted_at),
            ('in_repair', 'completed', w.completed_at),
            (CASE WHEN w.guided_at IS NULL THEN 'completed' ELSE 'phone_guided' END, 'closed', w.closed_at),
            ('dispatched', 'cancelled', w.cancelled_at),
            ('dispatched', 'phone_guided', w.guided_at)
        ) AS e(from_status, to_status, at)
        WHERE e.at IS NOT NULL
        """,
    ),
    "inventory_stockmovement": (
        0.6,
        f"""
        WITH parts AS (
            SELECT category_id, array_agg(id ORDER BY id) AS ids, array_agg(unit_cost_amount ORDER BY id) AS costs
            FROM inventory_part WHERE active GROUP BY category_id
        ), stores AS (
            SELECT DISTINCT ON (center_id) center_id, id FROM inventory_warehouse
            WHERE center_id IS NOT NULL AND active ORDER BY center_id, id
        )
        INSERT INTO inventory_stockmovement (kind, quantity, unit_cost_amount, value_amount, reference, reason,
            serial_number, created_at, created_by_id, part_id, work_order_id, warehouse_id)
        SELECT 'issue', -1, p.costs[k], -p.costs[k], w.number, '', '',
               coalesce(w.repair_started_at, w.completed_at), w.dispatched_by_id, p.ids[k], w.id, s.id
        FROM ({_SCALE_ORDERS}) w
        JOIN repairs_repaircall c ON c.id = w.call_id
        JOIN repairs_productunit u ON u.id = c.unit_id
        JOIN repairs_productmodel m ON m.id = u.model_id
        JOIN parts p ON p.category_id = m.category_id
        JOIN stores s ON s.center_id = w.center_id
        CROSS JOIN LATERAL (SELECT 1 + (w.id / 3 %% cardinality(p.ids))::int AS k) pick
        WHERE w.status IN ('completed', 'closed') AND w.completed_at IS NOT NULL AND w.id %% 3 < 2
        """,
    ),
    "care_callback": (
        0.27,
        f"""
        INSERT INTO care_callback (reason, status, due_at, attempts, satisfaction, solved, customer_words,
            reached_at, review, review_note, done_at, created_at, call_id, center_id, done_by_id,
            technician_id, work_order_id)
        SELECT 'work_order_closed', 'done', w.closed_at + interval '2 days', 1, 5 - (w.id / 10 %% 10 = 0)::int,
               NULL, '', w.closed_at + interval '1 day', '', '', w.closed_at + interval '1 day', w.closed_at,
               w.call_id, w.center_id, w.dispatched_by_id, w.technician_id, w.id
        FROM ({_SCALE_ORDERS}) w
        WHERE w.status = 'closed' AND w.guided_at IS NULL AND w.id %% 10 < 3
        """,
    ),
    "care_deadline": (
        1.0,
        f"""
        INSERT INTO care_deadline (stage, started_at, due_at, warn_at, working_time, stopped_at, stop_reason,
            warned_at, breached_at, escalation_level, next_escalation_at, center_id, technician_id,
            work_order_id, policy_id)
        SELECT 'completion', w.created_at, d.due, d.due - interval '30 minutes', false, d.stopped,
               CASE WHEN d.stopped IS NULL THEN '' WHEN w.status IN ('cancelled', 'phone_guided')
                    OR w.guided_at IS NOT NULL THEN 'cancelled' ELSE 'met' END,
               CASE WHEN d.due - interval '30 minutes' <= least(d.stopped, %(settled)s)
                    THEN d.due - interval '30 minutes' END,
               CASE WHEN d.due <= least(d.stopped, %(settled)s) THEN d.due END,
               0, NULL, w.center_id, w.technician_id, w.id, %(policy)s
        FROM ({_SCALE_ORDERS}) w
        CROSS JOIN LATERAL (SELECT w.created_at + interval '3 days' AS due,
            coalesce(w.completed_at, w.cancelled_at, w.guided_at, w.closed_at) AS stopped) d
        """,
    ),
}


def _progress(cursor, step: str) -> int:
    cursor.execute(f"CREATE TABLE IF NOT EXISTS {PROGRESS} (step text PRIMARY KEY, value bigint NOT NULL)")
    cursor.execute(f"SELECT value FROM {PROGRESS} WHERE step = %s", [step])
    row = cursor.fetchone()
    return row[0] if row else 0


def _done(cursor, step: str, value: int) -> None:
    cursor.execute(
        f"INSERT INTO {PROGRESS} VALUES (%s, %s) ON CONFLICT (step) DO UPDATE SET value = EXCLUDED.value",
        [step, value],
    )


def instant(cursor) -> dt.datetime | None:
    """The data's instant: the SLA scan is measured at it."""
    value = _progress(cursor, "instant")
    return dt.datetime.fromtimestamp(value, dt.UTC) if value else None


def grow(target: int, log=print) -> dict:
    """Make sure `target` scale customers exist with their dealers, calls, work orders and the rest above.
    Returns the seconds each phase took."""
    from django.db import connection, transaction
    from django.utils import timezone

    from demo.scale import customers
    from demo.scale.calls import seed_scale_calls
    from demo.scale.customers import _bulk_load, _seed_customers

    timings = {}
    now = timezone.now()
    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("SELECT array_agg(id ORDER BY id) FROM network_dealer WHERE active")
        (dealers,) = cursor.fetchone()
    with mock.patch.object(customers, "_copy", _sold_through(customers._copy, dealers)):
        _seed_customers(target=target, today=timezone.localdate(now), log=log)
    timings["customers_s"] = round(time.monotonic() - started, 1)

    started = time.monotonic()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT array_agg(id ORDER BY id) FROM network_dealer WHERE active")
        (dealers,) = cursor.fetchone()
        # Units with no call yet: no work order follows their dealer, so the follow trigger is off for them.
        cursor.execute("ALTER TABLE repairs_productunit DISABLE TRIGGER repairs_productunit_dealer_follow")
        cursor.execute(
            "UPDATE repairs_productunit u SET dealer_id = (%s::bigint[])[1 + u.id %% %s]"
            " WHERE u.dealer_id IS NULL AND u.serial_number LIKE 'SN%%'"
            " AND NOT EXISTS (SELECT 1 FROM repairs_repaircall c WHERE c.unit_id = u.id)",
            [dealers, len(dealers)],
        )
        log(f"curves: {cursor.rowcount} units given a dealer before their call")
        # Units called about already (a database seeded before this bench): their work orders follow in one
        # statement, not a trigger's UPDATE per unit (a million of those took over ten minutes).
        cursor.execute(
            "UPDATE repairs_productunit u SET dealer_id = (%s::bigint[])[1 + u.id %% %s]"
            " WHERE u.dealer_id IS NULL AND u.serial_number LIKE 'SN%%'",
            [dealers, len(dealers)],
        )
        called = cursor.rowcount
        _checked(cursor)
        cursor.execute("ALTER TABLE repairs_productunit ENABLE TRIGGER repairs_productunit_dealer_follow")
        if called:
            cursor.execute("ALTER TABLE repairs_workorder DISABLE TRIGGER repairs_workorder_unit_dealer")
            cursor.execute(
                "UPDATE repairs_workorder w SET unit_dealer_id = u.dealer_id FROM repairs_repaircall c"
                " JOIN repairs_productunit u ON u.id = c.unit_id WHERE w.call_id = c.id"
                " AND w.unit_dealer_id IS DISTINCT FROM u.dealer_id"
            )
            log(f"curves: {called} units with calls given a dealer, {cursor.rowcount} work orders followed")
            _checked(cursor)
            cursor.execute("ALTER TABLE repairs_workorder ENABLE TRIGGER repairs_workorder_unit_dealer")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE repairs_productunit")
        if called:
            cursor.execute("VACUUM ANALYZE repairs_workorder")
    timings["dealers_s"] = round(time.monotonic() - started, 1)

    started = time.monotonic()
    seed_scale_calls(now=now, log=log)
    timings["calls_s"] = round(time.monotonic() - started, 1)

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT max(w.id) FROM repairs_workorder w JOIN repairs_repaircall c ON c.id = w.call_id"
            " JOIN repairs_productunit u ON u.id = c.unit_id AND u.serial_number LIKE 'SN%%'"
        )
        (last,) = cursor.fetchone()
        cursor.execute("SELECT id FROM care_slapolicy WHERE priority = '' AND service_type = '' ORDER BY id")
        policy = cursor.fetchone()[0]
    settled = now - SCAN_GAP
    for table, (ratio, sql) in STEPS.items():
        started = time.monotonic()
        with transaction.atomic(), connection.cursor() as cursor:
            after = _progress(cursor, table)
            if after >= last:
                continue
            cursor.execute(
                "SELECT count(*) FROM repairs_workorder w JOIN repairs_repaircall c ON c.id = w.call_id"
                " JOIN repairs_productunit u ON u.id = c.unit_id AND u.serial_number LIKE 'SN%%'"
                " WHERE w.id > %s",
                [after],
            )
            adding = int(cursor.fetchone()[0] * ratio)
            with _bulk_load((table,), adding), connection.cursor() as inner:
                inner.execute("SET LOCAL work_mem = '256MB'")
                inner.execute(sql, {"after": after, "settled": settled, "policy": policy})
                added = inner.rowcount
            _done(cursor, table, last)
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {table}")
        timings[f"{table}_s"] = round(time.monotonic() - started, 1)
        log(f"curves: {added} rows into {table} ({timings[f'{table}_s']} s)")

    # The deadlines made before this run, moved on to the state scans until `settled` leave.
    started = time.monotonic()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE care_deadline SET warned_at = warn_at WHERE stopped_at IS NULL AND paused_at IS NULL"
            " AND warned_at IS NULL AND warn_at <= %s",
            [settled],
        )
        cursor.execute(
            "UPDATE care_deadline SET breached_at = due_at WHERE stopped_at IS NULL AND paused_at IS NULL"
            " AND breached_at IS NULL AND due_at <= %s",
            [settled],
        )
        _escalated(cursor, settled)
        _done(cursor, "instant", int(now.timestamp()))
    with connection.cursor() as cursor:
        for table in ("care_deadline", "repairs_workorder", "repairs_repaircall"):
            cursor.execute(f"VACUUM ANALYZE {table}")
    timings["deadlines_settled_s"] = round(time.monotonic() - started, 1)
    return timings


def _sold_through(copy, dealers: list[int]):
    """demo.scale's COPY, with each new scale unit sold through a dealer (by its id, round robin) as it is
    written: updating millions of units afterwards rewrites them and all their indexes."""

    def copy_with_dealers(table: str, columns: list[str], rows):
        if table == "repairs_productunit":
            at = columns.index("dealer_id")
            rows = (row[:at] + (dealers[row[0] % len(dealers)],) + row[at + 1 :] for row in rows)
        return copy(table, columns, rows)

    return copy_with_dealers


def _checked(cursor) -> None:
    """The deferred key checks of the rows just written, run now: a table with pending trigger events
    cannot be altered (its triggers switched); deferred again after, as Django declares them."""
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _escalated(cursor, settled: dt.datetime) -> None:
    """Breached running deadlines at the level their policy's delays reached by `settled`, the next one
    due when it comes (the chain: technician at the breach, supervisor and manager later)."""
    cursor.execute(
        """
        UPDATE care_deadline d SET
            escalation_level = CASE
                WHEN d.due_at + p.escalate_manager_minutes * interval '1 minute' <= %(settled)s THEN 3
                WHEN d.due_at + p.escalate_supervisor_minutes * interval '1 minute' <= %(settled)s THEN 2
                ELSE 1 END,
            next_escalation_at = CASE
                WHEN d.due_at + p.escalate_manager_minutes * interval '1 minute' <= %(settled)s THEN NULL
                WHEN d.due_at + p.escalate_supervisor_minutes * interval '1 minute' <= %(settled)s
                    THEN d.due_at + p.escalate_manager_minutes * interval '1 minute'
                ELSE d.due_at + p.escalate_supervisor_minutes * interval '1 minute' END
        FROM care_slapolicy p
        WHERE p.id = d.policy_id AND d.stopped_at IS NULL AND d.breached_at IS NOT NULL
          AND d.work_order_id IS NOT NULL
          AND (d.escalation_level = 0 OR d.next_escalation_at <= %(settled)s)
        """,
        {"settled": settled},
    )
