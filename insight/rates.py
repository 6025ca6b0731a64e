"""Service rates (服务指标): every rate the manager reads, defined here once — the page, its exports, the API
and the dashboard's panel all take their numbers from `rates_report()`.

Each rate is a numerator over a denominator counted for one calendar month (China's time), per model, product
category or service centre. Where a lower app already defines what is counted, this module calls it:
the out-of-box failures and the units sold (remedies.selectors.doa_rates), the refurbished and scrapped units
(remedies.selectors.refurbishment_rates), first-time fixes and repeat repairs (grading's FIRST_TIME_FIXED and
REPEAT_OF, the centre levels' own SQL). The rest is defined here:

- a repair: a work order of a repair, exchange or return call (not an installation, inspection or
  consultation) completed in the month (completed or closed since);
- units in warranty in a month: units sold new (a replacement unit counts as the unit it replaced) whose
  whole-unit 三包 period — of the category's policy in force, at least the national minimum — covers some day
  of the month, i.e. sold from the first day of the month P months before (P the period in months) to the
  month's end. The simple whole-machine rule, not each unit's own position (extensions, component periods):
  that would be the 三包 engine run for a million units;
- a paid repair: a repair with a service-fee line in the month's settlements; its cost the lines the maker
  pays for repairs (service fee, travel fee, wasted visit, parts reimbursed at cost) plus the maker's own parts
  used on the paid repairs at their ledger cost.

Percentages and money are rounded once, at the end, to two places, 四舍五入 (ROUND_HALF_UP). Rates over
units (return-repair, exchange, return, out-of-box, refurbishment, scrap) have no centre: units are sold by
dealers and refurbished centrally, so they show "—" for a centre or when the figures are narrowed to centres.

The month's counts come from a fixed set of grouped queries at the grain (model, centre) — seconds at a million
work orders, so they are not counted on a request: each month's are kept in a row of `RatesMonth` (one query
for the trend's twelve), counted again by the beat jobs (the current and the last month, which still change,
every ten minutes; the twelve nightly) and `manage.py rates_refresh`. A month never counted is counted once,
on the first request that needs it. The page says when its month was counted."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.dbrouting import read_connection
from aftersales.months import month_bounds, previous_month
from aftersales.parsing import parse_id, parse_month
from aftersales.roles import Role, has_role
from grading.selectors import month_add
from grading.services.sql import FIRST_TIME_FIXED, REPEAT_OF
from network.choices import SettlementLineKind
from network.models import ServiceCenter
from remedies.choices import RemedyKind, RemedyStatus
from remedies.models import RemedyRequest
from remedies.selectors import doa_rates, refurbishment_rates
from repairs.choices import CallCustomerRequest
from repairs.models import ProductCategory, ProductModel, WorkOrder
from warranty import rules
from warranty.models import WarrantyPolicy

from .models import RatesMonth

TWO = Decimal("0.01")
HUNDRED = Decimal(100)
TREND_MONTHS = 12

# The calls whose work orders are repairs.
REPAIR_REQUESTS = [CallCustomerRequest.REPAIR, CallCustomerRequest.EXCHANGE, CallCustomerRequest.RETURN]
# The settlement lines the maker pays for a repair (not what it charges the centre back).
PAID_LINE_KINDS = [
    SettlementLineKind.SERVICE_FEE,
    SettlementLineKind.TRAVEL_FEE,
    SettlementLineKind.WASTED_VISIT,
    SettlementLineKind.PARTS_COST,
]
BY_CHOICES = ("category", "model", "centre")
PERCENT, YUAN, PIECES = "%", "¥", "pcs"


@dataclass(frozen=True)
class Rate:
    key: str
    label: str
    formula: str  # the help text: how it is counted
    numerator: str  # a count below
    denominator: str
    unit: str = PERCENT
    of_units: bool = False  # counted over units: no centre
    lower_is_better: bool = True

    def value(self, numerator, denominator) -> Decimal | None:
        """The rate from its two counts; None without a denominator. 四舍五入 to two places."""
        if not denominator:
            return None
        scale = HUNDRED if self.unit == PERCENT else 1
        return (Decimal(numerator) * scale / Decimal(denominator)).quantize(TWO, ROUND_HALF_UP)


RATES: tuple[Rate, ...] = (
    Rate(
        "return_repair",
        _("Return-repair rate"),
        _(
            "Return-repair rate = repairs completed in the month of units in warranty ÷ units in warranty in the "
            "month (units sold new whose whole-unit 三包 period covers some day of the month)."
        ),
        "warranty_repairs",
        "in_warranty",
        of_units=True,
    ),
    Rate(
        "first_time_fix",
        _("First-time fix rate"),
        _(
            "First-time fix rate = repairs completed in the month that needed no redo and never waited for "
            "parts ÷ repairs completed in the month (the centre levels' definition)."
        ),
        "first_time_fixed",
        "repairs",
        lower_is_better=False,
    ),
    Rate(
        "repeat",
        _("Repeat repairs within 30 days"),
        _(
            "Repeat-repair rate = repair orders opened in the month within 30 days after a repair of the same "
            "unit was completed (counted against the centre and model of that repair) ÷ repairs completed in "
            "the month (the centre levels' definition)."
        ),
        "repeats",
        "repairs",
    ),
    Rate(
        "cost_per_repair",
        _("Cost per repair"),
        _(
            "Cost per repair = the month's settlement lines for repairs (service fee, travel, wasted visits, "
            "parts reimbursed at cost) + the maker's parts used on those repairs at cost ÷ repairs paid in the "
            "month's settlements."
        ),
        "paid_cost",
        "paid_repairs",
        unit=YUAN,
    ),
    Rate(
        "exchange",
        _("Exchange rate"),
        _("Exchange rate = 三包 exchanges carried out in the month ÷ units in warranty in the month."),
        "exchanges",
        "in_warranty",
        of_units=True,
    ),
    Rate(
        "return",
        _("Return rate"),
        _("Return rate = 三包 returns (refunds) carried out in the month ÷ units in warranty in the month."),
        "returns",
        "in_warranty",
        of_units=True,
    ),
    Rate(
        "doa",
        _("Out-of-box (DOA) rate"),
        _(
            "Out-of-box rate = units sold in the month found dead on arrival (approved out-of-box checks) ÷ "
            "units sold in the month (as the exchanges and returns pages count it)."
        ),
        "doa",
        "sold",
        of_units=True,
    ),
    Rate(
        "refurbishment",
        _("Refurbishment rate"),
        _(
            "Refurbishment rate = units taken back that were restocked as refurbished in the month ÷ units "
            "restocked or scrapped in the month."
        ),
        "restocked",
        "finished",
        of_units=True,
        lower_is_better=False,
    ),
    Rate(
        "scrap",
        _("Scrap rate"),
        _(
            "Scrap rate = units taken back that were scrapped in the month ÷ units restocked or scrapped in the month."
        ),
        "scrapped",
        "finished",
        of_units=True,
    ),
    Rate(
        "parts_per_repair",
        _("Parts per repair"),
        _(
            "Parts per repair = parts issued to the month's repairs, less those returned ÷ repairs completed in the month."
        ),
        "parts",
        "repairs",
        unit=PIECES,
    ),
)
RATE_BY_KEY = {r.key: r for r in RATES}
WORK_COUNTS = (
    "repairs",
    "first_time_fixed",
    "warranty_repairs",
    "parts",
    "repeats",
    "paid_repairs",
    "paid_cost",
)
UNIT_COUNTS = ("in_warranty", "sold", "doa", "exchanges", "returns", "restocked", "scrapped", "finished")


# --- the month's counts -----------------------------------------------------------------------------------

# Repairs completed in the month, per model and centre: how many, fixed the first time, of units in warranty
# (sold from the model's `since` day to the month's end), and the parts issued to them less those returned.
# Each order's call and unit are looked up by key (OFFSET 0: never a scan of every call and unit).
WORK_SQL = f"""
SELECT u.model_id, w.center_id,
       count(*) AS repairs,
       count(*) FILTER (WHERE {FIRST_TIME_FIXED}) AS first_time_fixed,
       count(*) FILTER (WHERE u.sale_date >= p.since AND u.sale_date < %(next)s) AS warranty_repairs,
       coalesce(sum(parts.pieces), 0) AS parts
FROM repairs_workorder w
CROSS JOIN LATERAL (
    SELECT unit_id, customer_request FROM repairs_repaircall WHERE id = w.call_id OFFSET 0
) c
CROSS JOIN LATERAL (SELECT model_id, sale_date FROM repairs_productunit WHERE id = c.unit_id OFFSET 0) u
LEFT JOIN unnest(%(models)s::bigint[], %(since)s::date[]) AS p(model_id, since) ON p.model_id = u.model_id
LEFT JOIN LATERAL (
    SELECT -sum(m.quantity) AS pieces FROM inventory_stockmovement m
    WHERE m.work_order_id = w.id AND m.kind IN ('issue', 'return')
) parts ON true
WHERE w.completed_at >= %(start)s AND w.completed_at < %(end)s
  AND w.status IN ('completed', 'closed') AND w.center_id IS NOT NULL
  AND c.customer_request = ANY(%(requests)s)
GROUP BY 1, 2
"""

# Repeat repairs (grading's REPEAT_OF) of repair calls opened in the month, per model and the centre of the
# earlier repair.
REPEATS_SQL = f"""
SELECT u.model_id, prev.center_id, count(DISTINCT later.id) AS repeats
FROM repairs_workorder later
JOIN repairs_repaircall lc ON lc.id = later.call_id
JOIN repairs_repaircall pc ON pc.unit_id = lc.unit_id
JOIN repairs_workorder prev ON prev.call_id = pc.id
JOIN repairs_productunit u ON u.id = lc.unit_id
WHERE later.created_at >= %(start)s AND later.created_at < %(end)s
  AND {REPEAT_OF}
  AND lc.customer_request = ANY(%(requests)s) AND pc.customer_request = ANY(%(requests)s)
  AND prev.center_id IS NOT NULL
GROUP BY 1, 2
"""

# The month's settlements: per model and centre, the repairs paid (a service-fee line), what the maker pays for
# repairs, and the maker's own parts (not reimbursed at cost) used on the paid repairs, at their ledger cost.
PAID_SQL = """
SELECT u.model_id, s.center_id,
       count(*) FILTER (WHERE l.kind = 'service_fee') AS paid_repairs,
       coalesce(sum(l.amount), 0) + coalesce(sum(parts.value), 0) AS paid_cost
FROM network_settlement s
JOIN network_settlementline l ON l.settlement_id = s.id
JOIN repairs_workorder w ON w.id = l.work_order_id
CROSS JOIN LATERAL (
    SELECT unit_id, customer_request FROM repairs_repaircall WHERE id = w.call_id OFFSET 0
) c
CROSS JOIN LATERAL (SELECT model_id FROM repairs_productunit WHERE id = c.unit_id OFFSET 0) u
LEFT JOIN LATERAL (
    SELECT -sum(m.value_amount) AS value
    FROM inventory_stockmovement m JOIN inventory_part pt ON pt.id = m.part_id
    WHERE m.work_order_id = w.id AND m.kind IN ('issue', 'return') AND NOT pt.reimbursed_at_cost
) parts ON l.kind = 'service_fee'
WHERE s.month = %(first)s AND l.kind = ANY(%(kinds)s) AND c.customer_request = ANY(%(requests)s)
GROUP BY 1, 2
"""


def warranty_months(first: dt.date) -> dict[int, int]:
    """{category id: its whole-unit 三包 period in months} by the policy in force on `first` (at least the
    national minimum; a period in days is rounded up to months). Categories without a policy: 12."""
    found: dict[int, int] = {}
    policies = (
        WarrantyPolicy.objects.filter(effective_from__lte=first)
        .select_related("category")
        .prefetch_related("periods__component")
        .order_by("category_id", "-effective_from")
    )
    for policy in policies:
        if policy.category_id in found:
            continue
        terms = rules.effective_policy(policy.to_rules()).components.values()
        period = next((t.repair for t in terms if t.kind == rules.MAIN_UNIT), None)
        if period is not None:
            found[policy.category_id] = period.value if period.unit == "months" else -(-period.value // 30)
    return found


def _rows(sql: str, params: dict) -> list[tuple]:
    with read_connection().cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def month_counts(first: dt.date) -> dict:
    """The month's counts: "work" {(model id, centre id): {count: n}} and "units" {model id: {count: n}},
    with the instant they were counted. A fixed number of queries, whatever the number of models or centres."""
    start, end = month_bounds(first)
    following = month_add(first)
    models = dict(ProductModel.objects.values_list("pk", "category_id"))
    periods = warranty_months(first)
    since = {pk: month_add(first, -periods.get(category, 12)) for pk, category in models.items()}
    params = {
        "first": first,
        "start": start,
        "end": end,
        "next": following,
        "models": list(since),
        "since": list(since.values()),
        "requests": [str(r) for r in REPAIR_REQUESTS],
        "kinds": [str(k) for k in PAID_LINE_KINDS],
    }
    work: dict = defaultdict(lambda: dict.fromkeys(WORK_COUNTS, 0))
    for model_id, center_id, repairs, fixed, in_warranty, parts in _rows(WORK_SQL, params):
        work[(model_id, center_id)].update(
            repairs=repairs, first_time_fixed=fixed, warranty_repairs=in_warranty, parts=int(parts)
        )
    for model_id, center_id, repeats in _rows(REPEATS_SQL, params):
        work[(model_id, center_id)]["repeats"] = repeats
    for model_id, center_id, paid, cost in _rows(PAID_SQL, params):
        work[(model_id, center_id)].update(paid_repairs=paid, paid_cost=Decimal(cost))

    units: dict = defaultdict(lambda: dict.fromkeys(UNIT_COUNTS, 0))
    earliest = min(since.values(), default=first)
    for row in doa_rates(start=earliest, end=following):
        counts = units[row["model_id"]]
        if row["month"] >= since[row["model_id"]]:
            counts["in_warranty"] += row["units"]
        if row["month"] == first:
            counts["sold"] += row["units"]
            counts["doa"] += row["doa"]
    done = (
        RemedyRequest.objects.filter(status=RemedyStatus.DONE, done_at__gte=start, done_at__lt=end)
        .values_list("unit__model_id", "remedy")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for model_id, remedy, n in done:
        units[model_id]["exchanges" if remedy == RemedyKind.EXCHANGE else "returns"] += n
    for row in refurbishment_rates(finished_since=start, finished_until=end):
        counts = units[row["model_id"]]
        counts.update(
            restocked=row["restocked"], scrapped=row["scrapped"], finished=row["restocked"] + row["scrapped"]
        )
    return {"month": first, "work": dict(work), "units": dict(units), "counted_at": timezone.now()}


def _encoded(counts: dict) -> dict:
    """The counts as JSON: keys as lists, money as strings (never a float)."""
    return {
        "work": [[m, c, {**v, "paid_cost": str(v["paid_cost"])}] for (m, c), v in counts["work"].items()],
        "units": [[m, v] for m, v in counts["units"].items()],
    }


def _decoded(row: RatesMonth) -> dict:
    return {
        "month": row.month,
        "work": {(m, c): {**v, "paid_cost": Decimal(v["paid_cost"])} for m, c, v in row.counts["work"]},
        "units": dict(row.counts["units"]),
        "counted_at": row.counted_at,
    }


def counts_refresh(first: dt.date, *, now: dt.datetime | None = None) -> dict:
    """Counts the month again and keeps it (one row per month, replaced)."""
    counts = month_counts(first)
    RatesMonth.objects.bulk_create(  # one upsert
        [RatesMonth(month=first, counts=_encoded(counts), counted_at=counts["counted_at"])],
        update_conflicts=True,
        unique_fields=["month"],
        update_fields=["counts", "counted_at"],
    )
    return counts


def rates_refresh_open(*, now: dt.datetime | None = None) -> list[dt.date]:
    """Counts the months that still change (this one and the last: its settlement is confirmed in this one)
    again, ahead of the users."""
    now = now or timezone.now()
    first = timezone.localdate(now).replace(day=1)
    months = [month_add(first, -1), first]
    for month in months:
        counts_refresh(month, now=now)
    return months


def rates_refresh_months(
    *, last: dt.date | None = None, count: int = TREND_MONTHS, now=None
) -> list[dt.date]:
    """Counts `count` months up to `last` (default: this month) again: nightly, and after a deploy."""
    now = now or timezone.now()
    last = (last or timezone.localdate(now)).replace(day=1)
    months = [month_add(last, -back) for back in range(max(1, count))]
    for month in months:
        counts_refresh(month, now=now)
    return months


def months_counts(months: list[dt.date], *, now: dt.datetime | None = None) -> dict[dt.date, dict]:
    """{month: its counts}, as kept (one query for all), a month never counted counted now and kept."""
    found = {row.month: row for row in RatesMonth.objects.filter(month__in=months)}
    if all(m in found for m in months):
        return {m: _decoded(found[m]) for m in months}
    # Only a month that can hold work is counted on a request: none after this one, none before the first work
    # order (the work_order_created index answers that at once) — a month typed far off costs nothing.
    first = WorkOrder.objects.order_by("created_at").values_list("created_at", flat=True).first()
    earliest = timezone.localdate(first).replace(day=1) if first else None
    current = timezone.localdate(now or timezone.now()).replace(day=1)
    out = {}
    for m in months:
        if m in found:
            out[m] = _decoded(found[m])
        elif earliest is None or m < earliest or m > current:
            out[m] = {"month": m, "work": {}, "units": {}, "counted_at": None}
        else:
            out[m] = counts_refresh(m, now=now)
    return out


# --- the rates, grouped ---------------------------------------------------------------------------------


def rates_params(user, data) -> dict:
    """The page's and the API's parameters, read leniently: a value that does not parse is the default (last
    month, by category, the return-repair rate's trend). A supervisor's figures are their own centres' work, whatever
    centre is asked; a manager's are every centre's, or the one asked."""
    month = parse_month(data.get("month"), default=previous_month(timezone.now()))
    by = data.get("by") if data.get("by") in BY_CHOICES else "category"
    category_id = parse_id(data.get("category"))
    center_id = parse_id(data.get("center"))
    centres = None
    if not has_role(user, Role.MANAGER):
        # Those they supervise, not the wider scope another role of theirs has (a dispatcher's every centre).
        centres = set(ServiceCenter.objects.filter(supervisors=user).values_list("pk", flat=True))
    if center_id is not None:
        centres = {center_id} if centres is None else centres & {center_id}
    # The trend by default: the return-repair rate, or the first-time fix rate where rates over units have none.
    default = "first_time_fix" if by == "centre" or centres is not None else RATES[0].key
    trend_rate = data.get("rate") if data.get("rate") in RATE_BY_KEY else default
    return {
        "month": month,
        "by": by,
        "trend_rate": trend_rate,
        "category_id": category_id,
        "center_id": center_id,
        "scope": Scope(center_ids=None if centres is None else frozenset(centres), category_id=category_id),
    }


@dataclass(frozen=True)
class Scope:
    """What the figures are narrowed to: centres (a supervisor's own, or the centre asked) and a category."""

    center_ids: frozenset[int] | None = None
    category_id: int | None = None


def _cells(work: dict, units: dict | None) -> list[dict]:
    cells = []
    for rate in RATES:
        source = units if rate.of_units else work
        if source is None:
            cells.append({"rate": rate, "numerator": None, "denominator": None, "value": None})
            continue
        numerator = source[rate.numerator] if rate.numerator in source else work[rate.numerator]
        denominator = source[rate.denominator]
        cells.append(
            {
                "rate": rate,
                "numerator": numerator,
                "denominator": denominator,
                "value": rate.value(numerator, denominator),
            }
        )
    return cells


def _add(total: dict, counts: dict) -> None:
    for name, value in counts.items():
        total[name] = total.get(name, 0) + value


def group_counts(counts: dict, *, by: str, scope: Scope, category_of: dict[int, int]) -> tuple[dict, dict]:
    """({group key: (work counts, unit counts or None)}, the total) for one month's counts. Unit counts are
    None by centre and when the scope names centres. A unit rate's numerator counted on work (the in-warranty
    repairs) is taken from the work counts."""
    groups: dict = defaultdict(lambda: [dict.fromkeys(WORK_COUNTS, 0), dict.fromkeys(UNIT_COUNTS, 0)])
    total = [dict.fromkeys(WORK_COUNTS, 0), dict.fromkeys(UNIT_COUNTS, 0)]
    no_units = by == "centre" or scope.center_ids is not None

    def key_of(model_id, center_id):
        return {"model": model_id, "category": category_of.get(model_id), "centre": center_id}[by]

    for (model_id, center_id), work in counts["work"].items():
        if scope.center_ids is not None and center_id not in scope.center_ids:
            continue
        if scope.category_id is not None and category_of.get(model_id) != scope.category_id:
            continue
        _add(groups[key_of(model_id, center_id)][0], work)
        _add(total[0], work)
    if not no_units:
        for model_id, units in counts["units"].items():
            if scope.category_id is not None and category_of.get(model_id) != scope.category_id:
                continue
            _add(groups[key_of(model_id, None)][1], units)
            _add(total[1], units)
    unit_part = None if no_units else 1
    out = {key: (pair[0], pair[1] if unit_part else None) for key, pair in groups.items()}
    return out, (total[0], total[1] if unit_part else None)


def _labels(by: str, keys) -> dict:
    keys = [k for k in keys if k is not None]
    if by == "model":
        return {
            m.pk: (f"{m.brand} {m.model_number}", (m.category.sort_order, m.brand, m.model_number))
            for m in ProductModel.objects.filter(pk__in=keys).select_related("category")
        }
    if by == "category":
        return {
            c.pk: (c.local_name, (c.sort_order, c.code)) for c in ProductCategory.objects.filter(pk__in=keys)
        }
    return {c.pk: (f"{c.name}（{c.code}）", (c.code,)) for c in ServiceCenter.objects.filter(pk__in=keys)}


def rates_report(*, month: dt.date, by: str, scope: Scope, trend_rate: str, now=None) -> dict:
    """Everything the page, the exports and the API show: the month's rows (one per group with any work or
    units), the total, and the chosen rate's total for the twelve months up to `month`."""
    first = month.replace(day=1)
    months = [month_add(first, -i) for i in range(TREND_MONTHS - 1, -1, -1)]
    counts = months_counts(months, now=now)
    category_of = dict(ProductModel.objects.values_list("pk", "category_id"))
    groups, total = group_counts(counts[first], by=by, scope=scope, category_of=category_of)
    labels = _labels(by, groups.keys())
    rows = []
    for key, (work, units) in groups.items():
        if key not in labels:
            continue
        label, order = labels[key]
        rows.append({"key": key, "label": label, "order": order, "cells": _cells(work, units)})
    rows.sort(key=lambda r: r["order"])
    chosen = RATE_BY_KEY.get(trend_rate, RATES[0])
    trend = []
    for m in months:
        _groups, (work, units) = group_counts(counts[m], by=by, scope=scope, category_of=category_of)
        cell = next(c for c in _cells(work, units) if c["rate"] is chosen)
        trend.append({"month": m, "value": cell["value"]})
    return {
        "month": first,
        "by": by,
        "rates": RATES,
        "rows": rows,
        "total": _cells(*total),
        "trend_rate": chosen,
        "trend": trend,
        "counted_at": counts[first]["counted_at"],
    }


def display(cell: dict) -> str:
    """A cell as the page and the exports write it: 12.34%, ¥123.45, 1.25, or — when not defined."""
    value = cell["value"]
    if value is None:
        return "—"
    unit = cell["rate"].unit
    if unit == PERCENT:
        return f"{value}%"
    if unit == YUAN:
        return f"¥{value:,}"
    return str(value)


DASHBOARD_RATES = ("first_time_fix", "repeat", "return_repair", "cost_per_repair", "doa", "parts_per_repair")


def dashboard_rates(*, now=None) -> dict:
    """The manager's dashboard panel: the last complete month's key rates over every centre (the page's total
    row for that month, the page's default; a month a few days old would read 80 % from five orders)."""
    now = now or timezone.now()
    first = previous_month(now)
    counts = months_counts([first], now=now)[first]
    category_of = dict(ProductModel.objects.values_list("pk", "category_id"))
    _groups, total = group_counts(counts, by="category", scope=Scope(), category_of=category_of)
    cells = [c for c in _cells(*total) if c["rate"].key in DASHBOARD_RATES]
    for cell in cells:
        cell["shown"] = display(cell)
    return {"month": first, "cells": cells}
