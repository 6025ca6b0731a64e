"""The office's reads across the network."""

from django.db.models import Count, Q

from network.models import Dealer, ServiceCenter, Technician
from repairs.models import ProductUnit


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
        "unit_count": ProductUnit.objects.for_user(user).count(),
    }
