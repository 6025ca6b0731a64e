import datetime as dt

from django.db.models import Count, Q

from aftersales.roles import Role, user_roles
from repairs.models import ProductUnit

from .models import Dealer, ServiceCenter, Technician


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


def fee_for(*, category_id: int, service_kind: str, center_level: str, day):
    """The fee schedule row that pays work of this kind closed on `day` (the latest in force by then), or
    None when the schedule has no row for it — which the settlement reports as a warning."""
    from .models import FeeSchedule

    return (
        FeeSchedule.objects.filter(
            category_id=category_id, service_kind=service_kind, center_level=center_level, valid_from__lte=day
        )
        .order_by("-valid_from")
        .first()
    )


def travel_fee_for(*, center_level: str, km: int, day):
    """The travel fee of the distance band `km` falls in, from the band set in force on `day` (a new set
    replaces the whole previous one for that level), or None."""
    from .models import TravelFee

    in_force = (
        TravelFee.objects.filter(center_level=center_level, valid_from__lte=day)
        .order_by("-valid_from")
        .values_list("valid_from", flat=True)
        .first()
    )
    if in_force is None:
        return None
    return (
        TravelFee.objects.filter(center_level=center_level, valid_from=in_force, km_from__lte=km)
        .filter(Q(km_to__isnull=True) | Q(km_to__gt=km))
        .first()
    )


def settlement_month_overview(*, user, month, region=None, level="", status=""):
    """The manager's month: every centre in the user's scope that had an agreement in force during the month
    or has a settlement for it, each with its settlement (or none yet), and the month's totals. Returns
    (centres queryset ordered by code, totals dict); the page fetches the settlements of its rows with
    `settlements_for_centres`, so the query count does not grow with the page."""
    from django.db.models import Count, Exists, OuterRef, Sum

    from aftersales.months import month_bounds

    from .choices import SettlementStatus
    from .models import ServiceCenter, Settlement

    start, end = month_bounds(month)
    last_day = (end - dt.timedelta(days=1)).date()
    in_force = Q(active=True, agreement_start__lte=last_day) & (
        Q(agreement_end__isnull=True) | Q(agreement_end__gte=month)
    )
    has_settlement = Exists(Settlement.objects.filter(center=OuterRef("pk"), month=month))
    centres = ServiceCenter.objects.for_user(user).filter(in_force | Q(has_settlement))
    if Role.MANAGER not in user_roles(user):
        centres = ServiceCenter.objects.filter(pk__in=centres.values("pk")).filter(has_settlement)
    if region is not None:
        centres = centres.filter(
            Q(region=region) | Q(region__parent=region) | Q(region__parent__parent=region)
        )
    if level:
        centres = centres.filter(level=level)
    if status == "none":
        centres = centres.exclude(has_settlement)
    elif status:
        centres = centres.filter(
            Exists(Settlement.objects.filter(center=OuterRef("pk"), month=month, status=status))
        )
    settlements = Settlement.objects.filter(month=month, center__in=centres.values("pk"))
    totals = settlements.aggregate(
        lines=Sum("lines_amount"),
        adjustments=Sum("adjustments_amount"),
        total=Sum("total_amount"),
        computed=Count("pk"),
        drafts=Count("pk", filter=Q(status=SettlementStatus.DRAFT)),
        confirmed=Count("pk", filter=Q(status=SettlementStatus.CONFIRMED)),
        paid=Count("pk", filter=Q(status=SettlementStatus.PAID)),
    )
    totals["centres"] = centres.count()
    return centres.select_related("region", "region__parent").order_by("code"), totals


def settlements_for_centres(*, month, centre_ids) -> dict:
    """{centre id: settlement} for a page of centres, each with its paid work-order count, open disputes and
    work orders without a fee schedule row — one query."""
    from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
    from django.db.models.functions import Coalesce

    from .choices import DisputeStatus, SettlementLineKind
    from .models import Dispute, Settlement, SettlementLine

    def count_of(qs):
        return Coalesce(
            Subquery(
                qs.filter(settlement=OuterRef("pk"))
                .order_by()
                .values("settlement")
                .annotate(n=Count("pk"))
                .values("n"),
                output_field=IntegerField(),
            ),
            Value(0),
        )

    service = SettlementLine.objects.filter(kind=SettlementLineKind.SERVICE_FEE)
    rows = Settlement.objects.filter(month=month, center_id__in=list(centre_ids)).annotate(
        order_count=count_of(service),
        unpriced_count=count_of(service.filter(fee_schedule__isnull=True)),
        open_disputes=count_of(Dispute.objects.filter(status=DisputeStatus.OPEN)),
    )
    return {s.center_id: s for s in rows}
