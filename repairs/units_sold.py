"""The network's units sold, counted without reading the units table on a page.

The kept counts (UnitsSold: per month of sale, model, and whether the unit came in a 三包 exchange) hold every
unit up to a key, the mark (UnitsSoldMark); a read adds the units registered after the mark, counted live
through a range of the units' primary key (the units of the last minutes, not the table). So a figure is
exact for every unit registered, this minute's and a back-dated sale's alike (the sale's month is the unit's
sale date, whenever it was registered). What the kept counts learn only at the nightly recount: a unit
changed after its registration (its sale date, model or exchange corrected in the admin) or deleted.

Kept fresh by two beat jobs: `units_sold_fold` every ten minutes (the clock queue: the units past the mark
added, an index range), `units_sold_recount` nightly (everything counted again, corrections taken in).
A registration still being committed when the mark moves would be skipped for good, so the mark is taken
under a SHARE lock of the units table, which waits for the registrations in flight (and holds new ones back
for the instant of a max()): every unit up to the mark is committed when it is counted.
"""

from __future__ import annotations

import datetime as dt

from django.db import OperationalError, connection, transaction
from django.utils import timezone

from aftersales.dbrouting import read_connection

from .models import ProductUnit, UnitsSold, UnitsSoldMark

# How long the mark waits for the registrations in flight before this run gives up (the next one tries again):
# a registration commits in milliseconds, a bulk load holds the table far longer.
LOCK_WAIT = "3s"
LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's lock_not_available, raised past lock_timeout

# The units with keys in (after, through], per month of sale, model and kind, and the last key among them.
COUNT_SQL = """
SELECT date_trunc('month', sale_date::timestamp)::date, model_id, replaces_id IS NOT NULL, count(*)
FROM {unit} WHERE id > %(after)s AND id <= %(through)s
GROUP BY 1, 2, 3
"""
UPSERT_SQL = """
INSERT INTO {sold} (month, model_id, replacement, units) VALUES (%s, %s, %s, %s)
ON CONFLICT (month, model_id, replacement) DO UPDATE SET units = {sold}.units + EXCLUDED.units
"""
# Every unit in the network: the kept counts and the units past the mark (an index-only range of the key).
# The mark is read again in the same statement: a fold between the two reads is seen and the read repeated.
TOTAL_SQL = """
SELECT coalesce((SELECT through_unit_id FROM {mark} WHERE id = 1), 0),
       (SELECT coalesce(sum(units), 0) FROM {sold}) + (SELECT count(*) FROM {unit} WHERE id > %(after)s)
"""
# Units sold new (not received in an exchange) per model and month of sale, in [first, following).
NEW_SQL = """
SELECT 'mark', NULL, NULL, coalesce((SELECT through_unit_id FROM {mark} WHERE id = 1), 0)
UNION ALL
SELECT 'sold', model_id, month, sum(units)::bigint FROM (
    SELECT model_id, month, units FROM {sold}
    WHERE NOT replacement AND month >= %(first)s AND month < %(following)s
    UNION ALL
    SELECT model_id, date_trunc('month', sale_date::timestamp)::date, count(*) FROM {unit}
    WHERE id > %(after)s AND replaces_id IS NULL AND sale_date >= %(first)s AND sale_date < %(following)s
    GROUP BY 1, 2
) s
GROUP BY 2, 3
"""


def _tables() -> dict:
    quote = connection.ops.quote_name
    return {
        "unit": quote(ProductUnit._meta.db_table),
        "sold": quote(UnitsSold._meta.db_table),
        "mark": quote(UnitsSoldMark._meta.db_table),
    }


def _settled_through(cursor) -> int:
    """The last unit key, every unit up to it committed (see the module's note), in the caller's transaction."""
    cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_WAIT}'")
    cursor.execute("LOCK TABLE {unit} IN SHARE MODE".format(**_tables()))
    cursor.execute("SET LOCAL lock_timeout = DEFAULT")  # the wait was for the lock only, not for what follows
    cursor.execute("SELECT coalesce(max(id), 0) FROM {unit}".format(**_tables()))
    return cursor.fetchone()[0]


def _lock_refused(error: OperationalError) -> bool:
    return getattr(error.__cause__, "pgcode", None) == LOCK_NOT_AVAILABLE


def units_sold_recount(*, now: dt.datetime | None = None) -> int | None:
    """Counts every unit again and replaces the kept counts (nightly; after a bulk load). Idempotent: a
    second run writes the same rows. Returns the units counted, None when registrations held the table past
    LOCK_WAIT (nothing changed)."""
    now = now or timezone.now()
    try:
        # A transaction of its own, committed at once: the lock is held for the instant of the mark only.
        with transaction.atomic(), connection.cursor() as cursor:
            through = _settled_through(cursor)
    except OperationalError as error:
        if _lock_refused(error):
            return None
        raise
    with connection.cursor() as cursor:  # the long read, holding no lock: no unit up to the mark can appear
        cursor.execute(COUNT_SQL.format(**_tables()), {"after": 0, "through": through})
        rows = cursor.fetchall()
    with transaction.atomic():
        UnitsSoldMark.objects.select_for_update().filter(pk=1).first()  # one writer of the counts at a time
        UnitsSold.objects.all().delete()
        UnitsSold.objects.bulk_create(
            UnitsSold(month=month, model_id=model_id, replacement=replacement, units=units)
            for month, model_id, replacement, units in rows
        )
        UnitsSoldMark.objects.update_or_create(
            pk=1, defaults={"through_unit_id": through, "folded_at": now, "recounted_at": now}
        )
    return sum(row[3] for row in rows)


def units_sold_fold(*, now: dt.datetime | None = None) -> int | None:
    """Adds the units registered since the mark to the kept counts and moves the mark (every ten minutes).
    Idempotent: a second run finds no unit past the mark. Never counted before: a full recount. Returns the
    units added, None when registrations held the table past LOCK_WAIT (nothing changed)."""
    now = now or timezone.now()
    if not UnitsSoldMark.objects.filter(pk=1).exists():
        return units_sold_recount(now=now)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            mark = UnitsSoldMark.objects.select_for_update().get(pk=1)
            through = _settled_through(cursor)
            cursor.execute(COUNT_SQL.format(**_tables()), {"after": mark.through_unit_id, "through": through})
            rows = cursor.fetchall()
            if rows:
                cursor.executemany(UPSERT_SQL.format(**_tables()), rows)
            mark.through_unit_id = max(mark.through_unit_id, through)
            mark.folded_at = now
            mark.save(update_fields=["through_unit_id", "folded_at"])
    except OperationalError as error:
        if _lock_refused(error):
            return None
        raise
    return sum(row[3] for row in rows)


def _consistent(sql: str, params: dict, *, mark_of) -> list[tuple]:
    """Runs a read of the kept counts plus the units past the mark, with the mark the statement itself saw
    (read again when a fold moved it in between: the units it added would be counted twice)."""
    tables = _tables()
    with read_connection().cursor() as cursor:
        cursor.execute(
            "SELECT coalesce((SELECT through_unit_id FROM {mark} WHERE id = 1), 0)".format(**tables)
        )
        after = cursor.fetchone()[0]
        for _attempt in range(5):
            cursor.execute(sql.format(**tables), {**params, "after": after})
            rows = cursor.fetchall()
            seen = mark_of(rows)
            if seen == after:
                return rows
            after = seen
    raise RuntimeError("the units sold were recounted five times during one read")


def units_in_network() -> int:
    """Every unit registered in the network (sold new or received in an exchange, with a sale date or not)."""
    return _consistent(TOTAL_SQL, {}, mark_of=lambda rows: rows[0][0])[0][1]


def units_sold_new(*, first: dt.date, last: dt.date) -> dict[tuple[int, dt.date], int]:
    """{(model id, first day of the month): units sold new} with a sale in the months `first` to `last`
    (their first days), not the units received in an exchange. A sale date is never later than today (the
    unit's validation), so this month's figure is the sales through today."""
    following = (last + dt.timedelta(days=32)).replace(day=1)
    rows = _consistent(
        NEW_SQL,
        {"first": first, "following": following},
        mark_of=lambda rows: next(units for kind, _m, _d, units in rows if kind == "mark"),
    )
    return {(model_id, month): units for kind, model_id, month, units in rows if kind == "sold"}
