"""Screening a month's payable work orders against the rules (set-based: screening/services/sql.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.money import money
from aftersales.months import month_bounds
from grading.selectors import levels_in_force
from network.models import ServiceCenter

from ..models import ScreeningSettings
from . import sql

LOCK_KEY = 7_310_001  # one screening at a time (pg_advisory_xact_lock)
DROP = "DROP TABLE IF EXISTS scr_orders, scr_hits, scr_flagged"


@dataclass(frozen=True)
class ScreeningResult:
    orders: int
    flagged: int
    held_amount: Decimal

    def as_json(self) -> dict:
        return {"orders": self.orders, "flagged": self.flagged, "held_amount": f"{self.held_amount:.2f}"}


def settings_in_force() -> ScreeningSettings:
    """The thresholds row (made with the defaults when a database has none)."""
    row = ScreeningSettings.objects.order_by("pk").first()
    return row or ScreeningSettings.objects.create()


def _params(thresholds: ScreeningSettings, *, first: dt.date, start, end, now, only) -> dict:
    params = {name: getattr(thresholds, name) for name in ScreeningSettings.THRESHOLDS}
    params.update(
        start=start,
        end=end,
        month=first,
        now=now,
        only=only,
        norm_start=end - dt.timedelta(days=thresholds.norm_days),
        phone_start=end - dt.timedelta(days=365),
    )
    return params


def month_screen(
    *, month: dt.date, now: dt.datetime | None = None, only: list[int] | None = None
) -> ScreeningResult:
    """Scores the month's payable work orders (B and C work closed in the month, as the settlement pays
    them) against every rule and holds the suspicious ones (ClaimFlag). Run again, it adds the new flags,
    refreshes those still held, withdraws held ones that trip nothing any more, and never touches a decided
    one. `only`: these work orders alone (a denial just recorded). Refused: a month not begun."""
    now = now or timezone.now()
    first = month.replace(day=1)
    start, end = month_bounds(first)
    if start > now:
        raise ValidationError(
            {"month": _("%(month)s has not begun: nothing to screen.") % {"month": f"{first:%Y-%m}"}}
        )
    thresholds = settings_in_force()
    centers = list(ServiceCenter.objects.only("pk", "level"))
    levels = levels_in_force(centers=centers, month=first)
    params = _params(thresholds, first=first, start=start, end=end, now=now, only=only)
    params.update(centers=list(levels), levels=[str(v) for v in levels.values()])
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
        # (Dropped at commit; inside a caller's transaction a second screening finds them still there.)
        cursor.execute(DROP)
        cursor.execute(sql.ORDERS_SQL, params)
        cursor.execute("ANALYZE scr_orders")
        cursor.execute(sql.HITS_SQL)
        for statement in sql.RULES:
            cursor.execute(statement, params)
        cursor.execute(sql.FLAGGED_SQL, params)
        cursor.execute(sql.REHOLD_SQL, params)
        cursor.execute(sql.UPSERT_SQL, params)
        cursor.execute(sql.WITHDRAW_SQL, params)
        cursor.execute(sql.SUMMARY_SQL)
        orders, flagged, held = cursor.fetchone()
        cursor.execute(DROP)
    return ScreeningResult(orders=orders, flagged=flagged, held_amount=money(held))
