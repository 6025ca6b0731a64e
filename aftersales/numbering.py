"""Document numbers a clerk can read on the phone: PREFIX + YYYYMMDD + "-" + a 5-digit daily sequence.

The counter row is incremented with INSERT … ON CONFLICT DO UPDATE inside the caller's transaction: the
row lock serialises concurrent callers for the same prefix and day until they commit, and a rollback
gives the number back, so the sequence of a day has no gaps and no duplicates.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction
from django.utils import timezone

from .models import DailySequence


def next_number(prefix: str, *, day: dt.date | None = None) -> str:
    """Takes the next number of `prefix` for `day` (today in Asia/Shanghai). Must run in a transaction."""
    if not connection.in_atomic_block:
        raise transaction.TransactionManagementError("next_number() runs inside the caller's transaction")
    day = day or timezone.localdate()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {DailySequence._meta.db_table} (prefix, day, last) VALUES (%s, %s, 1)
            ON CONFLICT (prefix, day) DO UPDATE SET last = {DailySequence._meta.db_table}.last + 1
            RETURNING last
            """,
            [prefix, day],
        )
        (value,) = cursor.fetchone()
    return f"{prefix}{day:%Y%m%d}-{value:05d}"
