"""The settlement benchmark's data, made set-based (INSERT … SELECT over generate_series, no ORM loops).

The shape is `centers` × `orders` (defaults CENTERS = 500 and ORDERS = 100,000; bench/settlement_bench.py
takes --centers and --orders):

- `centers` active service centres SB0001… (a few diamond, more gold and grade A, most general; spread over
  the demo's districts; agreements signed three years before the month, open-ended);
- for one month, `orders` work orders closed in it (status 'closed', closed_at spread over the month in
  China's time), each with its own customer, product unit (the demo catalogue's models in turn) and repair
  call, skewed over the centres. The top 60 centres are the same at every shape: SB0001 has 2,200 (2,000 free
  or contract ones, the largest statement), SB0002–SB0010 1,930–2,170 each (about 1,700–1,950 free or
  contract), SB0011–SB0060 400–594 each (24,826 together); the other centres share the rest by weights of
  20 to 130, the last of them also taking what the rounding left (at 500 × 100,000: 440 centres, 43–204
  each, the last 315, 124 on average; at 2,000 × 300,000: 1,940 centres, 46–216 each, the last 600, 131 on
  average). A shape must leave each of the others at least one order;
- service types C 75 %, B 15 %, A 10 % (paid by the customer: in the data, not in the settlement);
  customer requests 8 % installation, 4 % inspection, the rest repair; 5 % closed after phone guidance;
  of the others 30 % carry-in, 70 % on site; 0.5 % of the free and contract orders outside SB0001 had a
  callback sent them back: payment held, with an open redo order (dispatched) of the same call;
- when the work order has `travel_km` (travel fees), on-site visits get 0–79 km (a travel-fee line each, so
  a statement has more lines than orders: SB0001 about 3,300). No parts are used (no parts lines).

Everything is numbered from the month (customers SBC, units SBU, calls SBX, work orders SBW + YYYYMM + six
digits, so at most 999,999 orders; centre codes have four digits, at most 9,999 centres), so a later month
adds its own orders beside the earlier ones and a second run of the same month adds nothing (the month's
orders are written in one transaction: all or none). One database holds one shape: the bench names its
database after a shape that is not the default. Every INSERT names its columns; a NOT NULL column without a
database default that this file does not know (added by a later migration) gets a neutral value of its type
('' / 0 / false / now() / today / a new UUID / '{}'), so the generation keeps working as the schema grows.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

CENTERS = 500
ORDERS = 100_000
MAX_CENTERS, MAX_ORDERS = 9_999, 999_999  # the codes' four and six digits
CENTER_PREFIX = "SB"
TOP_ORDERS, TOP_PAID = 2_200, 2_000  # SB0001: its statement has exactly TOP_PAID lines

# A neutral value for a NOT NULL column this file does not fill, by its PostgreSQL type.
NEUTRAL = {
    "character varying": "''",
    "text": "''",
    "character": "''",
    "smallint": "0",
    "integer": "0",
    "bigint": "0",
    "numeric": "0",
    "double precision": "0",
    "real": "0",
    "boolean": "false",
    "timestamp with time zone": "now()",
    "timestamp without time zone": "now()",
    "date": "current_date",
    "time without time zone": "'00:00'",
    "uuid": "gen_random_uuid()",
    "jsonb": "'{}'::jsonb",
    "json": "'{}'::json",
    "interval": "'0'::interval",
}


def _insert(cursor, table: str, values: dict[str, str], source: str, params=None, optional=None) -> int:
    """INSERT INTO table (the given columns, the `optional` ones the table has, and any other NOT NULL
    column without a default) SELECT their expressions FROM source. Returns the row count."""
    if optional:
        cursor.execute(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name = %s",
            [table],
        )
        present = {column for (column,) in cursor.fetchall()}
        values = {**values, **{c: e for c, e in optional.items() if c in present}}
    cursor.execute(
        "SELECT column_name, data_type FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND table_name = %s AND is_nullable = 'NO'"
        " AND column_default IS NULL AND is_identity = 'NO' AND is_generated = 'NEVER'",
        [table],
    )
    values = dict(values)
    for column, data_type in cursor.fetchall():
        if column in values:
            continue
        if data_type not in NEUTRAL:
            raise RuntimeError(f"{table}.{column} ({data_type}) is NOT NULL without a default: teach NEUTRAL")
        values[column] = NEUTRAL[data_type]
    columns = ", ".join(values)
    expressions = ",\n       ".join(f"{expr} AS {col}" for col, expr in values.items())
    cursor.execute(f"INSERT INTO {table} ({columns})\nSELECT {expressions}\n{source}", params)
    return cursor.rowcount


def _allocation(centers: int = CENTERS, orders: int = ORDERS) -> list[int]:
    """Closed orders per centre, SB0001 first: `centers` numbers adding up to `orders`. The top 60 are the
    same at every shape; the other centres share the rest by weight."""
    counts = [TOP_ORDERS]
    counts += [1_900 + 30 * k for k in range(1, 10)]  # SB0002–SB0010
    counts += [400 + (i * 53) % 201 for i in range(50)]  # SB0011–SB0060
    others, rest = centers - len(counts), orders - sum(counts)
    weights = [20 + (i * 37) % 111 for i in range(max(others, 0))]  # 20–130
    share = [rest * w // sum(weights) for w in weights] if others > 0 else []
    if others > 0:
        share[-1] += rest - sum(share)
    if not share or min(share) < 1 or centers > MAX_CENTERS or orders > MAX_ORDERS:
        raise ValueError(
            f"{centers:,} centres × {orders:,} orders: the top {len(counts)} centres take {sum(counts):,}"
            f" orders and each of the others needs at least one (at most {MAX_CENTERS:,} centres,"
            f" {MAX_ORDERS:,} orders)"
        )
    return counts + share


def ensure_centers(cursor, *, month: dt.date, log: Callable[[str], None], centers: int = CENTERS) -> int:
    """The `centers` SB centres (those missing). Returns how many were added."""
    cursor.execute("SELECT count(*) FROM network_servicecenter WHERE code LIKE %s", [CENTER_PREFIX + "%"])
    if cursor.fetchone()[0] >= centers:
        return 0
    start = month.replace(year=month.year - 3, day=1)
    added = _insert(
        cursor,
        "network_servicecenter",
        {
            "code": f"'{CENTER_PREFIX}' || lpad(g::text, 4, '0')",
            "name": "'基准服务网点' || lpad(g::text, 4, '0')",
            # SB0001 diamond; then by tenths: 1 diamond, 3 gold, 3 grade A, 3 general.
            "level": "CASE WHEN g = 1 THEN 'diamond' ELSE (ARRAY['diamond','gold','gold','gold','a','a','a',"
            "'general','general','general'])[1 + g %% 10] END",
            "region_id": "d.ids[1 + g %% cardinality(d.ids)]",
            "address": "'基准路' || g || '号'",
            "phone": "'020' || lpad((30000000 + g)::text, 8, '0')",
            "agreement_start": "%(start)s::date",
            "agreement_end": "NULL",
            "active": "true",
            "opens_at": "'08:00'::time",
            "closes_at": "'20:00'::time",
        },
        "FROM generate_series(1, %(n)s) g"
        " CROSS JOIN (SELECT array_agg(id ORDER BY id) AS ids FROM network_region WHERE level = 'district') d"
        " WHERE NOT EXISTS (SELECT 1 FROM network_servicecenter s"
        f"  WHERE s.code = '{CENTER_PREFIX}' || lpad(g::text, 4, '0'))",
        {"start": start, "n": centers},
    )
    log(f"data: {added} service centres {CENTER_PREFIX}0001–{CENTER_PREFIX}{centers:04d} added")
    return added


def month_orders(cursor, *, month: dt.date) -> int:
    cursor.execute(
        "SELECT count(*) FROM repairs_workorder WHERE number LIKE %s AND status = 'closed'",
        [f"SBW{month:%Y%m}%"],
    )
    return cursor.fetchone()[0]


def ensure_orders(
    cursor,
    *,
    month: dt.date,
    start: dt.datetime,
    end: dt.datetime,
    log,
    centers: int = CENTERS,
    orders: int = ORDERS,
) -> dict:
    """The month's `orders` closed work orders over the first `centers` SB centres, with their customers,
    units and calls (when missing). Call inside a transaction."""
    allocation = _allocation(centers, orders)
    present = month_orders(cursor, month=month)
    if present >= orders:
        return {}
    if present:
        raise RuntimeError(
            f"{present:,} of the month's bench orders exist (not {orders:,}): another shape's database?"
            " Drop it and run again"
        )
    ym = f"{month:%Y%m}"
    timings = {}
    began = time.perf_counter()

    def lap(name: str, rows: int) -> None:
        nonlocal began
        now = time.perf_counter()
        timings[name] = {"rows": rows, "seconds": round(now - began, 2)}
        log(f"data: {name}: {rows:,} rows in {now - began:.1f} s")
        began = now

    cursor.execute("CREATE TEMP TABLE sb_alloc (n int, center_id bigint, orders int) ON COMMIT DROP")
    cursor.execute(
        "INSERT INTO sb_alloc SELECT a.n, s.id, a.orders"
        " FROM unnest(%s::int[]) WITH ORDINALITY AS a(orders, n)"
        f" JOIN network_servicecenter s ON s.code = '{CENTER_PREFIX}' || lpad(a.n::text, 4, '0')",
        [allocation],
    )
    if cursor.rowcount != centers:
        raise RuntimeError(f"only {cursor.rowcount} of the {centers} bench centres exist")
    # The plan: one row per order, its ids taken from the tables' sequences, its attributes derived from
    # its global index g (deterministic: the same data on every machine).
    cursor.execute(
        """
        CREATE TEMP TABLE sb_plan ON COMMIT DROP AS
        SELECT g, n, center_id, k, ts, kind_hash,
               CASE WHEN n = 1 THEN (CASE WHEN k > %(top_paid)s THEN 'A' WHEN k %% 8 = 0 THEN 'B' ELSE 'C' END)
                    WHEN type_hash < 10 THEN 'A' WHEN type_hash < 25 THEN 'B' ELSE 'C' END AS service_type,
               CASE WHEN kind_hash < 8 THEN 'installation' WHEN kind_hash < 12 THEN 'inspection'
                    ELSE 'repair' END AS request,
               (kind_hash >= 12 AND kind_hash < 17) AS guided,
               CASE WHEN kind_hash >= 17 AND kind_hash < 45 THEN 'carry_in' ELSE 'on_site' END AS mode,
               (n > 1 AND type_hash >= 10 AND (g * 104729) %% 1000 < 5) AS held,
               nextval(pg_get_serial_sequence('repairs_customer', 'id')) AS customer_id,
               nextval(pg_get_serial_sequence('repairs_productunit', 'id')) AS unit_id,
               nextval(pg_get_serial_sequence('repairs_repaircall', 'id')) AS call_id,
               nextval(pg_get_serial_sequence('repairs_workorder', 'id')) AS order_id
        FROM (
            SELECT row_number() OVER (ORDER BY a.n, k) AS g, a.n, a.center_id, k,
                   %(start)s::timestamptz + (%(end)s::timestamptz - %(start)s::timestamptz)
                       * (((row_number() OVER (ORDER BY a.n, k)) * 2654435761 %% 1000003) / 1000003.0)::float8
                       AS ts,
                   ((row_number() OVER (ORDER BY a.n, k)) * 7919 %% 100) AS type_hash,
                   ((row_number() OVER (ORDER BY a.n, k)) * 6007 %% 100) AS kind_hash
            FROM sb_alloc a CROSS JOIN LATERAL generate_series(1, a.orders) k
        ) p
        """,
        {"start": start, "end": end, "top_paid": TOP_PAID},
    )
    lap("plan", cursor.rowcount)
    cursor.execute(
        "CREATE TEMP TABLE sb_ref ON COMMIT DROP AS SELECT"
        " (SELECT array_agg(id ORDER BY id) FROM repairs_productmodel) AS models,"
        " (SELECT array_agg(id ORDER BY id) FROM network_region WHERE level = 'district') AS districts"
    )
    ref = " FROM sb_plan p CROSS JOIN sb_ref r"
    lap(
        "customers",
        _insert(
            cursor,
            "repairs_customer",
            {
                "id": "p.customer_id",
                "number": f"'SBC{ym}' || lpad(p.g::text, 6, '0')",
                "name": "(ARRAY['王','李','张','刘','陈','杨','黄','赵'])[1 + p.g % 8] || '客户' || p.g",
                "note": "''",
                "created_at": "p.ts - interval '400 days'",
            },
            ref,
        ),
    )
    lap(
        "product units",
        _insert(
            cursor,
            "repairs_productunit",
            {
                "id": "p.unit_id",
                "model_id": "r.models[1 + p.g % cardinality(r.models)]",
                "serial_number": f"'SBU{ym}' || lpad(p.g::text, 6, '0')",
                "imei": "NULL",
                "owner_id": "p.customer_id",
                "sale_date": "(p.ts - interval '200 days')::date",
                "invoice_number": "''",
                "warranty_card_number": "''",
                "created_at": "p.ts - interval '400 days'",
            },
            ref,
        ),
    )
    lap(
        "repair calls",
        _insert(
            cursor,
            "repairs_repaircall",
            {
                "id": "p.call_id",
                "number": f"'SBX{ym}' || lpad(p.g::text, 6, '0')",
                "channel": "'hotline'",
                "caller_name": "'客户' || p.g",
                "caller_phone": "'139' || lpad((p.g % 100000000)::text, 8, '0')",
                "customer_id": "p.customer_id",
                "unit_id": "p.unit_id",
                "service_region_id": "r.districts[1 + p.g % cardinality(r.districts)]",
                "service_address": "'基准小区' || (p.g % 997 + 1) || '号'",
                "symptom_text": "''",
                "customer_request": "p.request",
                "service_type": "p.service_type",
                "suggested_service_type": "p.service_type",
                "service_type_reason": "''",
                "priority": "'normal'",
                "logged_at": "p.ts - interval '2 days'",
            },
            ref,
        ),
    )
    closed = {
        "id": "p.order_id",
        "number": f"'SBW{ym}' || lpad(p.g::text, 6, '0')",
        "call_id": "p.call_id",
        "center_id": "p.center_id",
        "mode": "p.mode",
        "status": "'closed'",
        "status_changed_at": "p.ts",
        "created_at": "p.ts - interval '2 days'",
        "dispatched_at": "CASE WHEN p.guided THEN NULL ELSE p.ts - interval '47 hours' END",
        "completed_at": "CASE WHEN p.guided THEN NULL ELSE p.ts - interval '30 minutes' END",
        "closed_at": "p.ts",
        "guided_at": "CASE WHEN p.guided THEN p.ts - interval '5 minutes' END",
        "note": "''",
        "confirmation_code_hash": "''",
        "confirmation_failures": "0",
        "payment_held": "p.held",
    }
    # The distance travelled (when the schema has it: travel fees): on-site visits, 0–79 km.
    travel = {"travel_km": "CASE WHEN p.mode = 'on_site' AND NOT p.guided THEN (p.g * 31) % 80 END"}
    lap("closed work orders", _insert(cursor, "repairs_workorder", closed, ref, optional=travel))
    # Each repair has its closing record, confirmed with the customer's code (the database refuses a
    # completed order without one; the settlement pays only proven work).
    closing = {
        "work_order_id": "p.order_id",
        "client_id": "md5('closing' || p.order_id)::uuid",
        "fault_code_id": "(SELECT min(f.id) FROM repairs_faultcode f WHERE f.kind = 'fault')",
        "cause_id": "(SELECT min(f.id) FROM repairs_faultcode f WHERE f.kind = 'cause')",
        "resolution": "'repaired'",
        "resolution_note": "''",
        "labour_minutes": "45",
        "collected_amount": "CASE WHEN p.service_type = 'A' THEN 180.00 ELSE 0 END",
        "payment_method": "CASE WHEN p.service_type = 'A' THEN 'cash' ELSE '' END",
        "signature": "''",
        "confirmed_by_code": "true",
        "satisfaction": "''",
        "channel": "'tablet'",
        "proof_exception_reason": "''",
        "proof_cleared_note": "''",
        "closed_by_id": "(SELECT min(id) FROM auth_user)",
        "closed_at": "p.ts - interval '30 minutes'",
    }
    lap("closing records", _insert(cursor, "repairs_workorderclosing", closing, ref + " WHERE NOT p.guided"))
    # Phone guidance is proven by its callback: reached, the customer says it is solved, then closed.
    callback = {
        "call_id": "p.call_id",
        "work_order_id": "p.order_id",
        "center_id": "p.center_id",
        "reason": "'phone_guidance'",
        "status": "'done'",
        "due_at": "p.ts - interval '3 minutes'",
        "attempts": "1",
        "satisfaction": "5",
        "solved": "true",
        "customer_words": "''",
        "reached_at": "p.ts - interval '2 minutes'",
        "review": "'close'",
        "review_note": "''",
        "done_at": "p.ts",
    }
    lap("guidance callbacks", _insert(cursor, "care_callback", callback, ref + " WHERE p.guided"))
    redo = {
        **closed,
        "id": "nextval(pg_get_serial_sequence('repairs_workorder', 'id'))",
        "number": f"'SBR{ym}' || lpad(p.g::text, 6, '0')",
        "mode": "'on_site'",
        "status": "'dispatched'",
        "created_at": "p.ts + interval '1 day'",
        "status_changed_at": "p.ts + interval '1 day'",
        "dispatched_at": "p.ts + interval '1 day'",
        "completed_at": "NULL",
        "closed_at": "NULL",
        "guided_at": "NULL",
        "payment_held": "false",
        "redo_of_id": "p.order_id",
    }
    lap(
        "open redo orders (payment held)",
        _insert(cursor, "repairs_workorder", redo, ref + " WHERE p.held", optional={"travel_km": "NULL"}),
    )
    # Every table written: the planner's statistics as autovacuum would leave them (a bench machine may run
    # without autovacuum, and plans made for tables believed empty measure nothing real).
    written = ("repairs_customer", "repairs_productunit", "repairs_repaircall", "repairs_workorder")
    for table in (*written, "repairs_workorderclosing", "care_callback"):
        cursor.execute(f"ANALYZE {table}")
    lap("analyze", 0)
    return timings
