"""The settlement's reads: the manager's month of every centre, and a page of centres' settlements."""

import datetime as dt
from decimal import Decimal

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from aftersales.months import month_bounds
from aftersales.roles import Role, user_roles
from network.choices import DisputeStatus, SettlementLineKind, SettlementStatus
from network.models import Dispute, ServiceCenter, Settlement, SettlementLine
from warranty.choices import ContractPaymentKind
from warranty.models import ContractPayment


def settlement_month_overview(*, user, month, region=None, level="", status=""):
    """The manager's month: every centre in the user's scope that had an agreement in force during the month
    or has a settlement for it, each with its settlement (or none yet), and the month's totals. Returns
    (centres queryset ordered by code, totals dict); the page fetches the settlements of its rows with
    `settlements_for_centres`, so the query count does not grow with the page."""

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


def contract_summary(settlement: Settlement) -> dict:
    """Contract service (B) of the statement's centre and month, apart from the rest: the contract revenue (the
    instalments of the contracts it is responsible for paid in the month, less the refunds paid) and the
    contract work (its settled lines on type-B work orders). Shown beside the statement, not paid by it."""
    start, end = month_bounds(settlement.month)
    money = ContractPayment.objects.filter(
        contract__center_id=settlement.center_id, paid_at__gte=start, paid_at__lt=end
    ).aggregate(
        received=Coalesce(
            Sum("amount", filter=Q(kind=ContractPaymentKind.INSTALMENT)), Value(Decimal("0.00"))
        ),
        refunded=Coalesce(Sum("amount", filter=Q(kind=ContractPaymentKind.REFUND)), Value(Decimal("0.00"))),
        payments=Count("pk"),
    )
    work = settlement.lines.filter(work_order__call__service_type="B").aggregate(
        orders=Count("work_order_id", distinct=True), amount=Coalesce(Sum("amount"), Value(Decimal("0.00")))
    )
    return {
        "received": money["received"],
        "refunded": money["refunded"],
        "revenue": money["received"] - money["refunded"],
        "payments": money["payments"],
        "work_orders": work["orders"],
        "work_amount": work["amount"],
    }
