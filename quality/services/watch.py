"""The early warning's run: every model-month counted set-based (quality/services/sql.py), compared with its
category's baseline, stored (ModelMonth), and alerted.

The rules (also on the page's help text):
- Rate = repairs in the window ÷ units past the window × 100. The window is the first `window_days` (90) days
  in service: a repair counts when its call's date (China time) is from the in-service date to 90 days after
  it (the in-service day itself is not counted in the 90, Civil Code art. 201, so the window ends on the
  in-service date + 90). Only units whose window has ended (in-service date + 90 before today) are counted,
  with their repairs; a younger unit waits, and a model-month with too few units past the window is shown
  but not judged.
- Baseline = the same rate over the category's other model-months with at least `min_units` units past the
  window: the model-month judged is left out, or a large bad batch would lift its own baseline and hide
  itself. No other such model-month in the category: no baseline, no alert.
- Alert when the model-month has at least `min_units` units past the window and its rate is above
  `factor` × the baseline (compared exactly, as fractions), and the baseline is above zero.
- Idempotent: one alert in hand (open or acknowledged) per model-month; a run refreshes its figures and
  evidence. A closed alert is never reopened; the model-month raises a new alert only when its ratio has
  since reached twice the ratio it had when it was closed (a new, worse problem).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.roles import Role
from care.models import Notification
from care.tasks import notifications_email
from repairs.models import ProductModel

from ..choices import CHART_MONTHS, NOT_CLOSED, AlertAction, AlertStatus
from ..models import Alert, AlertEvent, ModelMonth, QualitySettings
from .sql import FAULTS_SQL, PARTS_SQL, REPAIRS_SQL, UNITS_SQL

TWO = Decimal("0.01")
TOP = 10
REOPEN_RATIO = 2  # a closed model-month alerts again only at twice the ratio it was closed at
LOCK_KEY = 727_001  # pg_advisory_xact_lock: one run at a time


def percent(numerator: int, denominator: int) -> Decimal | None:
    """numerator ÷ denominator × 100, to two decimals (half up); None without a denominator."""
    if not denominator:
        return None
    return (Decimal(numerator * 100) / Decimal(denominator)).quantize(TWO, ROUND_HALF_UP)


@dataclass
class Counts:
    units: int = 0
    counted: int = 0
    repairs: int = 0
    done: list[int] = field(default_factory=lambda: [0] * (CHART_MONTHS + 1))  # units by months completed
    by_k: list[int] = field(default_factory=lambda: [0] * (CHART_MONTHS + 1))  # repairs in month k (1…12)

    def exposed(self) -> list[int]:
        """Units that completed month k, k = 1…12."""
        return [sum(self.done[k:]) for k in range(1, CHART_MONTHS + 1)]


def _rows(cursor, sql, params):
    cursor.execute(sql, params)
    return cursor.fetchall()


def counts_read(*, today: dt.date, window: int) -> tuple[dict, dict, dict]:
    """{(model, month): Counts}, {(model, month): [(fault code, n)]}, {(model, month): [(part, quantity)]}:
    four grouped queries over all units and work orders."""
    params = {
        "today": today,
        "yesterday": today - dt.timedelta(days=1),
        "window": window,
        "tz": settings.TIME_ZONE,
    }
    counts: dict[tuple, Counts] = defaultdict(Counts)
    faults: dict[tuple, list] = defaultdict(list)
    parts: dict[tuple, list] = defaultdict(list)
    with connection.cursor() as cursor:
        for model_id, month, done, units, counted in _rows(cursor, UNITS_SQL, params):
            c = counts[(model_id, month)]
            c.units += units
            c.counted += counted
            c.done[max(done, 0)] += units
        for model_id, month, k, repairs, in_window in _rows(cursor, REPAIRS_SQL, params):
            c = counts.get((model_id, month))
            if c is None:
                continue
            c.repairs += in_window
            if 1 <= k <= CHART_MONTHS:
                c.by_k[k] += repairs
        for model_id, month, fault_id, n in _rows(cursor, FAULTS_SQL, params):
            faults[(model_id, month)].append((fault_id, n))
        for model_id, month, part_id, quantity in _rows(cursor, PARTS_SQL, params):
            parts[(model_id, month)].append((part_id, int(quantity)))
    return counts, faults, parts


def _top(pairs: list) -> list[list[int]]:
    return [[a, b] for a, b in sorted(pairs, key=lambda p: (-p[1], p[0]))[:TOP]]


def figures_compute(*, counts: dict, categories: dict, qs: QualitySettings, faults: dict, parts: dict, now):
    """ModelMonth rows (unsaved): each model-month's rate, its baseline (its category's other model-months
    with enough units) and whether it is above the threshold."""
    eligible = {key for key, c in counts.items() if c.counted >= qs.min_units}
    # The category's totals over its eligible model-months: window repairs, units, and per month k.
    cat_repairs: dict[int, int] = defaultdict(int)
    cat_units: dict[int, int] = defaultdict(int)
    cat_members: dict[int, int] = defaultdict(int)
    cat_k_repairs: dict[int, list[int]] = defaultdict(lambda: [0] * CHART_MONTHS)
    cat_k_units: dict[int, list[int]] = defaultdict(lambda: [0] * CHART_MONTHS)
    for key in eligible:
        c, cat = counts[key], categories[key[0]]
        cat_repairs[cat] += c.repairs
        cat_units[cat] += c.counted
        cat_members[cat] += 1
        for i, (units, repairs) in enumerate(zip(c.exposed(), c.by_k[1:], strict=True)):
            cat_k_units[cat][i] += units
            cat_k_repairs[cat][i] += repairs
    factor = Fraction(qs.factor)
    rows = []
    for key, c in counts.items():
        model_id, month = key
        cat = categories[model_id]
        own = key in eligible
        base_r = cat_repairs[cat] - (c.repairs if own else 0)
        base_u = cat_units[cat] - (c.counted if own else 0)
        others = cat_members[cat] - (1 if own else 0)
        baseline = percent(base_r, base_u) if others > 0 else None
        rate = percent(c.repairs, c.counted)
        exceeds = bool(
            own
            and baseline is not None
            and base_r > 0
            and Fraction(c.repairs, c.counted) > factor * Fraction(base_r, base_u)
        )
        ratio = None
        if own and baseline is not None and base_r > 0:
            ratio = (Decimal(c.repairs * base_u) / Decimal(c.counted * base_r)).quantize(TWO, ROUND_HALF_UP)
        exposed = c.exposed()
        base_k = []
        for i in range(CHART_MONTHS):
            r = cat_k_repairs[cat][i] - (c.by_k[i + 1] if own else 0)
            u = cat_k_units[cat][i] - (exposed[i] if own else 0)
            value = percent(r, u) if others > 0 else None
            base_k.append(None if value is None else str(value))
        rows.append(
            ModelMonth(
                model_id=model_id,
                production_month=month,
                units=c.units,
                units_counted=c.counted,
                repairs=c.repairs,
                rate=rate,
                baseline=baseline,
                ratio=ratio,
                exceeds=exceeds,
                by_month=[[u, r] for u, r in zip(exposed, c.by_k[1:], strict=True)],
                baseline_by_month=base_k,
                faults=_top(faults.get(key, [])),
                parts=_top(parts.get(key, [])),
                computed_at=now,
            )
        )
    return rows


FIGURES = [
    "units",
    "units_counted",
    "repairs",
    "rate",
    "baseline",
    "ratio",
    "exceeds",
    "by_month",
    "baseline_by_month",
    "faults",
    "parts",
    "computed_at",
]


def evidence_of(row: ModelMonth) -> dict:
    return {
        "units": row.units,
        "by_month": row.by_month,
        "baseline_by_month": row.baseline_by_month,
        "faults": row.faults,
        "parts": row.parts,
    }


def recipients(qs: QualitySettings) -> list[int]:
    """The quality contacts (active), or when none is set, the managers."""
    contacts = list(qs.contacts.filter(is_active=True).values_list("pk", flat=True))
    if contacts:
        return sorted(contacts)
    return sorted(
        get_user_model()
        .objects.filter(is_active=True, groups__name=Role.MANAGER)
        .values_list("pk", flat=True)
    )


def _notify(alerts: list[Alert], names: dict[int, str], users: list[int], now) -> None:
    notes = []
    for alert in alerts:
        title = _(
            "Quality alert: %(model)s made in %(month)s, repair rate %(rate)s%% in the first %(days)s days in "
            "service, %(ratio)s × its category's %(baseline)s%%"
        ) % {
            "model": names.get(alert.model_id, alert.model_id),
            "month": f"{alert.production_month:%Y-%m}",
            "rate": alert.rate,
            "days": alert.evidence.get("window_days", 90),
            "ratio": alert.ratio,
            "baseline": alert.baseline,
        }
        body = _("%(repairs)s repairs on %(units)s units past the window.") % {
            "repairs": alert.repairs,
            "units": alert.units_counted,
        }
        url = reverse("quality:alert", args=[alert.pk])
        notes += [
            Notification(user_id=u, kind="quality", title=title[:200], body=body, url=url, created_at=now)
            for u in users
        ]
    created = Notification.objects.bulk_create(notes)
    ids = [n.pk for n in created]
    if ids:
        transaction.on_commit(partial(notifications_email.delay, ids))


def quality_watch(*, now: dt.datetime | None = None) -> dict:
    """Counts every model-month, stores the figures, raises alerts for those above the threshold and
    refreshes the evidence of the alerts not closed. Returns {"models": product models examined, "alerts":
    alerts open or acknowledged that this run raised or refreshed}."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    qs = QualitySettings.current()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
        counts, faults, parts = counts_read(today=today, window=qs.window_days)
        models = dict(ProductModel.objects.values_list("pk", "category_id"))
        counts = {k: v for k, v in counts.items() if k[0] in models}
        rows = figures_compute(counts=counts, categories=models, qs=qs, faults=faults, parts=parts, now=now)
        ModelMonth.objects.bulk_create(
            rows,
            batch_size=2000,
            update_conflicts=True,
            unique_fields=["model", "production_month"],
            update_fields=FIGURES,
        )
        ModelMonth.objects.exclude(computed_at=now).delete()
        by_key = {(r.model_id, r.production_month): r for r in rows}
        in_hand = {
            (a.model_id, a.production_month): a
            for a in Alert.objects.select_for_update().filter(status__in=NOT_CLOSED)
        }
        closed_ratio: dict[tuple, Decimal] = {}
        for model_id, month, ratio in (
            Alert.objects.filter(status=AlertStatus.CLOSED)
            .order_by("model_id", "production_month", "closed_at")
            .values_list("model_id", "production_month", "ratio")
        ):
            closed_ratio[(model_id, month)] = ratio  # the latest closing wins
        refreshed = []
        for key, alert in in_hand.items():
            row = by_key.get(key)
            if row is None:
                alert.exceeds = False
            else:
                alert.units_counted, alert.repairs, alert.exceeds = (
                    row.units_counted,
                    row.repairs,
                    row.exceeds,
                )
                alert.rate = row.rate if row.rate is not None else alert.rate
                alert.baseline = row.baseline if row.baseline is not None else alert.baseline
                alert.ratio = row.ratio if row.ratio is not None else alert.ratio
                alert.evidence = {**evidence_of(row), "window_days": qs.window_days}
            alert.refreshed_at = now
            refreshed.append(alert)
        Alert.objects.bulk_update(
            refreshed,
            ["units_counted", "repairs", "exceeds", "rate", "baseline", "ratio", "evidence", "refreshed_at"],
        )
        raised = []
        for key, row in sorted(by_key.items()):
            if not row.exceeds or key in in_hand:
                continue
            before = closed_ratio.get(key)
            if before is not None and row.ratio < before * REOPEN_RATIO:
                continue
            raised.append(
                Alert(
                    model_id=row.model_id,
                    production_month=row.production_month,
                    status=AlertStatus.OPEN,
                    units_counted=row.units_counted,
                    repairs=row.repairs,
                    rate=row.rate,
                    baseline=row.baseline,
                    ratio=row.ratio,
                    factor=qs.factor,
                    exceeds=True,
                    evidence={**evidence_of(row), "window_days": qs.window_days},
                    raised_at=now,
                    refreshed_at=now,
                )
            )
        if raised:
            Alert.objects.bulk_create(raised)
            AlertEvent.objects.bulk_create(
                [AlertEvent(alert=a, action=AlertAction.RAISED, at=now) for a in raised]
            )
            names = {m.pk: str(m) for m in ProductModel.objects.filter(pk__in={a.model_id for a in raised})}
            _notify(raised, names, recipients(qs), now)
    return {"models": len({r.model_id for r in rows}), "alerts": len(refreshed) + len(raised)}
