"""The office's reads across the network."""

from django.core.cache import cache
from django.db.models import Count, Q

from network.models import Dealer, ServiceCenter, Technician
from repairs.models import ProductUnit

# The network's units sold, counted at most this often: a count reads every unit (an index-only scan, 0.1 s
# at 3 million units and growing with them), too much for every view of the dashboard.
UNIT_COUNT_SECONDS = 600


def _units_sold(user) -> int:
    units = ProductUnit.objects.for_user(user)
    if units.query.where:  # a scope narrower than the whole network: counted as it is
        return units.count()
    return cache.get_or_set("office:units_sold", units.count, UNIT_COUNT_SECONDS)


def network_overview(*, user) -> dict:
    """The manager's dashboard figures: centres by level, people and units."""
    centers = ServiceCenter.objects.for_user(user)
    by_level = {row["level"]: row["n"] for row in centers.values("level").annotate(n=Count("pk"))}
    return {
        "centers": centers.select_related("region", "region__parent")
        .annotate(
            technician_count=Count("technicians", filter=Q(technicians__active=True), distinct=True),
            coverage_count=Count("coverage", distinct=True),
        )
        .order_by("code"),
        "by_level": by_level,
        "technician_count": Technician.objects.for_user(user).filter(active=True).count(),
        "dealer_count": Dealer.objects.for_user(user).count(),
        "unit_count": _units_sold(user),
    }
