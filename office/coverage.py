"""Coverage of the sales by the service network: where units are registered against the centres whose
agreements cover them, the gaps (a district with units of a product category and no active centre
authorised for it), the daily refresh of the recorded gaps, and how long gaps took to be covered.

Where a unit is. A registered unit (repairs.ProductUnit) is located in the district of its owner's address
— the address marked primary, else the customer's first address (repairs.CustomerAddress.region). Home
service is given where the customer lives, and a customer often buys in another district or city than the
one they live in, so the selling dealer's region is not used. Units whose owner has no address, or whose
address names a region that is not a district, are not located. A unit handed back in a 三包 exchange (one
that a newer unit replaces) no longer counts: its replacement does.

Who covers it. A centre covers (district, category) when it is active with its agreement in force on the
day (`ServiceCenter.objects.active_on(day)`), the district is in its coverage and the category in its
authorised categories. A centre that is inactive, a standby provider, or whose agreement has not started or
has ended does not count.

Every figure is one set-based query over all units and centres (no loop over districts), so the report
and the refresh cost the same few queries however many regions have sales.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection, transaction
from django.db.models import Aggregate, Count, DurationField, F, Max, Sum
from django.utils import timezone
from django.utils.translation import get_language

from network.choices import RegionLevel
from network.models import CoverageGap, Region, ServiceCenter
from repairs.models import CustomerAddress, ProductCategory, ProductModel, ProductUnit

STATS_WINDOW = dt.timedelta(days=365)  # time to cover: gaps covered in the last 12 months
WORST = 5  # regions on the dashboard's panel
REFRESH_LOCK = 7_301_001  # pg_advisory_xact_lock key: one refresh at a time


def _tables() -> dict[str, str]:
    through_coverage = ServiceCenter.coverage.through._meta
    through_categories = ServiceCenter.categories.through._meta
    return {
        "address": CustomerAddress._meta.db_table,
        "unit": ProductUnit._meta.db_table,
        "model": ProductModel._meta.db_table,
        "category": ProductCategory._meta.db_table,
        "region": Region._meta.db_table,
        "center": ServiceCenter._meta.db_table,
        "coverage": through_coverage.db_table,
        "categories": through_categories.db_table,
        "gap": CoverageGap._meta.db_table,
    }


# The units per (district, category) and the centres serving each (district, category) on %(day)s.
_CTES = """
WITH located AS (
    SELECT DISTINCT ON (a.customer_id) a.customer_id, a.region_id
    FROM {address} a
    ORDER BY a.customer_id, a.is_primary DESC, a.id
),
demand AS (
    SELECT l.region_id, m.category_id, count(*) AS units
    FROM {unit} u
    JOIN located l ON l.customer_id = u.owner_id
    JOIN {region} d ON d.id = l.region_id AND d.level = %(district)s
    JOIN {model} m ON m.id = u.model_id
    WHERE NOT EXISTS (SELECT 1 FROM {unit} r WHERE r.replaces_id = u.id)
    GROUP BY l.region_id, m.category_id
),
serving AS (
    SELECT cov.region_id, cat.productcategory_id AS category_id, count(*) AS centers,
           string_agg(c.name, '、' ORDER BY c.code) AS names
    FROM {center} c
    JOIN {coverage} cov ON cov.servicecenter_id = c.id
    JOIN {categories} cat ON cat.servicecenter_id = c.id
    WHERE c.active AND c.agreement_start <= %(day)s AND (c.agreement_end IS NULL OR c.agreement_end >= %(day)s)
    GROUP BY cov.region_id, cat.productcategory_id
),
gaps AS (
    SELECT dm.region_id, dm.category_id, dm.units
    FROM demand dm
    LEFT JOIN serving s ON s.region_id = dm.region_id AND s.category_id = dm.category_id
    WHERE s.centers IS NULL
)
"""

_REPORT = """
SELECT d.id, d.code, d.name, city.name, prov.id, prov.name, cat.id, cat.name, cat.name_en,
       dm.units, COALESCE(s.centers, 0), COALESCE(s.names, ''), g.id, g.found_at
FROM demand dm
JOIN {region} d ON d.id = dm.region_id
LEFT JOIN {region} city ON city.id = d.parent_id
LEFT JOIN {region} prov ON prov.id = city.parent_id
JOIN {category} cat ON cat.id = dm.category_id
LEFT JOIN serving s ON s.region_id = dm.region_id AND s.category_id = dm.category_id
LEFT JOIN {gap} g ON g.region_id = dm.region_id AND g.category_id = dm.category_id AND g.covered_at IS NULL
WHERE {where}
ORDER BY {order}
LIMIT %(limit)s OFFSET %(offset)s
"""

# One statement: open the new gaps, update the unit counts of those still open, close those now served
# (by a centre whose coverage was edited, say) or without units any more. Its parts see the same snapshot
# and touch different rows; the one-open-gap constraint answers a concurrent insert.
_REFRESH = """
, opened AS (
    INSERT INTO {gap} (region_id, category_id, units, found_at)
    SELECT gaps.region_id, gaps.category_id, gaps.units, %(now)s FROM gaps
    WHERE NOT EXISTS (
        SELECT 1 FROM {gap} g
        WHERE g.covered_at IS NULL AND g.region_id = gaps.region_id AND g.category_id = gaps.category_id
    )
    ON CONFLICT (region_id, category_id) WHERE covered_at IS NULL DO NOTHING
    RETURNING id
),
counted AS (
    UPDATE {gap} g SET units = gaps.units
    FROM gaps
    WHERE g.covered_at IS NULL AND g.region_id = gaps.region_id AND g.category_id = gaps.category_id
      AND g.units <> gaps.units
    RETURNING g.id
),
closed AS (
    UPDATE {gap} g SET covered_at = GREATEST(g.found_at, %(now)s), covered_by_id = (
        SELECT c.id FROM {center} c
        JOIN {coverage} cov ON cov.servicecenter_id = c.id AND cov.region_id = g.region_id
        JOIN {categories} cat ON cat.servicecenter_id = c.id AND cat.productcategory_id = g.category_id
        WHERE c.active AND c.agreement_start <= %(day)s
          AND (c.agreement_end IS NULL OR c.agreement_end >= %(day)s)
        ORDER BY c.code LIMIT 1
    )
    WHERE g.covered_at IS NULL AND NOT EXISTS (
        SELECT 1 FROM gaps WHERE gaps.region_id = g.region_id AND gaps.category_id = g.category_id
    )
    RETURNING g.id, g.covered_by_id
)
SELECT (SELECT count(*) FROM opened), (SELECT count(*) FROM counted),
       (SELECT count(*) FROM closed WHERE covered_by_id IS NOT NULL),
       (SELECT count(*) FROM closed WHERE covered_by_id IS NULL)
"""


def _params(day: dt.date, **more) -> dict:
    return {"day": day, "district": RegionLevel.DISTRICT.value, **more}


@dataclass(frozen=True)
class CoverageRow:
    district_id: int
    district_code: str
    district: str
    city: str
    province_id: int | None
    province: str
    category_id: int
    category: str
    units: int
    centers: int
    center_names: str
    gap_id: int | None  # the open gap recorded by the daily refresh
    found_at: dt.datetime | None
    open_days: int | None  # whole days since the gap was found

    @property
    def is_gap(self) -> bool:
        return self.centers == 0

    @property
    def region_name(self) -> str:
        return f"{self.province}{self.city}{self.district}"


class CoverageRows:
    """The report's rows, fetched one page at a time (sliced by the pager: LIMIT/OFFSET in the query)."""

    def __init__(
        self, *, now: dt.datetime, province: int | None = None, category: int | None = None, gaps_only=True
    ):
        self.now, self.day = now, timezone.localdate(now)
        self.province, self.category, self.gaps_only = province, category, gaps_only

    def __getitem__(self, window: slice) -> list[CoverageRow]:
        start, stop = window.start or 0, window.stop
        where, params = ["TRUE"], _params(self.day, offset=start, limit=stop - start)
        if self.province is not None:
            where.append("prov.id = %(province)s")
            params["province"] = self.province
        if self.category is not None:
            where.append("cat.id = %(category)s")
            params["category"] = self.category
        if self.gaps_only:
            where.append("s.centers IS NULL")
            order = "dm.units DESC, d.code, cat.sort_order, cat.code"
        else:
            order = "prov.code, d.code, cat.sort_order, cat.code"
        tables = _tables()
        sql = (_CTES + _REPORT).format(**tables, where=" AND ".join(where), order=order)
        english = get_language() == "en"
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        return [
            CoverageRow(
                district_id=r[0],
                district_code=r[1],
                district=r[2],
                city=r[3] or "",
                province_id=r[4],
                province=r[5] or "",
                category_id=r[6],
                category=(r[8] if english and r[8] else r[7]),
                units=r[9],
                centers=r[10],
                center_names=r[11],
                gap_id=r[12],
                found_at=r[13],
                open_days=max((self.now - r[13]).days, 0) if r[13] else None,
            )
            for r in rows
        ]


def coverage_gaps_live(*, day: dt.date) -> list[tuple[int, int, int]]:
    """(district id, category id, units) of every gap on `day`, as the report computes them."""
    sql = (_CTES + "SELECT region_id, category_id, units FROM gaps ORDER BY region_id, category_id").format(
        **_tables()
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, _params(day))
        return [tuple(r) for r in cursor.fetchall()]


@dataclass(frozen=True)
class RefreshResult:
    opened: int
    updated: int
    covered: int  # closed: a centre serves the district and category now
    emptied: int  # closed: no unit of the category is located there any more

    def __str__(self):
        return (
            f"{self.opened} opened, {self.updated} recounted, {self.covered} covered, {self.emptied} emptied"
        )


def coverage_gaps_refresh(*, now: dt.datetime | None = None) -> RefreshResult:
    """The daily refresh of the recorded gaps (network.CoverageGap): a gap is opened for each new
    (district, category) without an active centre, with its unit count; the open ones are recounted; those
    a centre serves now (its coverage or categories edited in the admin) are closed with that centre as
    covered_by, and those whose units are gone are closed without one (they count in no time-to-cover
    figure). Running it twice opens nothing more. One statement; one refresh at a time."""
    now = now or timezone.now()
    sql = (_CTES + _REFRESH).format(**_tables())
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [REFRESH_LOCK])
        cursor.execute(sql, _params(timezone.localdate(now), now=now))
        opened, updated, covered, emptied = cursor.fetchone()
    return RefreshResult(opened=opened, updated=updated, covered=covered, emptied=emptied)


class _Median(Aggregate):
    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DurationField()


def days(duration: dt.timedelta | None) -> Decimal | None:
    """A duration in days with one decimal (half up), for the page."""
    if duration is None:
        return None
    return (Decimal(duration.total_seconds()) / Decimal(86400)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def time_to_cover(*, now: dt.datetime, limit: int = 50) -> dict:
    """The gaps a centre covered in the last 12 months (newest first, at most `limit` shown) with the time
    from found to covered each, and the median and the longest over all of them. Two queries."""
    since = now - STATS_WINDOW
    covered = CoverageGap.objects.filter(covered_at__gt=since, covered_by__isnull=False)
    took = F("covered_at") - F("found_at")
    stats = covered.aggregate(n=Count("pk"), median=_Median(took), longest=Max(took))
    rows = list(
        covered.select_related("region__parent__parent", "category", "covered_by").order_by(
            "-covered_at", "-pk"
        )[:limit]
    )
    for gap in rows:
        gap.took_days = days(gap.covered_at - gap.found_at)
    return {
        "covered": rows,
        "covered_count": stats["n"],
        "median_days": days(stats["median"]),
        "longest_days": days(stats["longest"]),
        "since": timezone.localdate(since),
    }


def coverage_panel(*, now: dt.datetime) -> dict:
    """The dashboard's panel, from the gaps the daily refresh recorded: how many are open, how many units
    they leave without a centre, and the worst regions (most units first). Two queries."""
    open_gaps = CoverageGap.objects.open()
    totals = open_gaps.aggregate(n=Count("pk"), units=Sum("units"))
    worst = list(
        open_gaps.select_related("region__parent__parent", "category").order_by("-units", "found_at", "pk")[
            :WORST
        ]
    )
    for gap in worst:
        gap.open_days = max((now - gap.found_at).days, 0)
    return {"open": totals["n"], "units": totals["units"] or 0, "worst": worst}


def report_choices() -> dict:
    """What the report's filters and activation forms offer: provinces, categories, standby providers."""
    return {
        "provinces": list(Region.objects.filter(level=RegionLevel.PROVINCE).order_by("code")),
        "categories": list(ProductCategory.objects.order_by("sort_order", "code")),
        "standby": list(
            ServiceCenter.objects.filter(standby=True, active=False)
            .select_related("region__parent")
            .order_by("code")
        ),
    }
