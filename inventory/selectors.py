"""The non-trivial reads of spare parts: stock rows with their totals, a part's ledger with the running
balance computed in the database, a service centre's overview (stock, credit, requests, returns) and its
deposit and credit ledgers. Every read is scoped by the user: a manager sees everything, a supervisor
their own centre."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Case, Count, F, IntegerField, Max, OuterRef, Subquery, Sum, Value, When, Window
from django.utils import timezone

from aftersales.money import money
from aftersales.roles import Role, has_role
from network.models import ServiceCenter

from .choices import OPEN_RETURN_STATUSES, OWED_RETURN_STATUSES, PartRequestStatus, WarehouseKind
from .models import (
    ZERO,
    CreditEntry,
    DefectiveReturn,
    DepositAccount,
    DepositEntry,
    Part,
    PartRequest,
    ReorderSuggestion,
    StockLevel,
    StockMovement,
    Warehouse,
)

OPEN_REQUEST_STATUSES = [PartRequestStatus.PENDING, PartRequestStatus.APPROVED, PartRequestStatus.SHIPPED]
# Requests that will use credit once shipped (the services' credit decision counts them too).
COMMITTED_REQUEST_STATUSES = [PartRequestStatus.PENDING, PartRequestStatus.APPROVED]
TOP_STOCK_LINES = 10


# Scope -------------------------------------------------------------------------------------------------


def centers_for(user):
    """The centres whose spare-parts pages the user may open: a manager every one, a supervisor their own.
    (Not ServiceCenter.for_user: that one lets dispatchers and dealers see every centre's name.)"""
    if has_role(user, Role.MANAGER):
        return ServiceCenter.objects.all()
    if has_role(user, Role.SUPERVISOR):
        return ServiceCenter.objects.filter(supervisors=user)
    return ServiceCenter.objects.none()


def warehouses_for(user):
    return Warehouse.objects.for_user(user)


# Stock -------------------------------------------------------------------------------------------------


def warehouse_rank(prefix: str = ""):
    """Central warehouse first, then the centres' warehouses, the defective-parts store last."""
    kind = f"{prefix}kind"
    return Case(
        When(**{kind: WarehouseKind.CENTRAL}, then=Value(0)),
        When(**{kind: WarehouseKind.CENTER}, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )


def latest_reorder_day() -> dt.date | None:
    """The day of the last reorder run; older suggestions are stale."""
    return ReorderSuggestion.objects.aggregate(day=Max("computed_on"))["day"]


def stock_levels(*, user):
    """Stock levels the user may see, with warehouse and part (one query for a page of rows)."""
    return StockLevel.objects.filter(warehouse__in=warehouses_for(user).values("pk")).select_related(
        "warehouse", "part", "part__category"
    )


def stock_totals(levels) -> dict:
    """Lines, pieces and value of the (filtered) levels, in one aggregate."""
    totals = levels.order_by().aggregate(
        lines=Count("pk"), quantity=Sum("quantity"), value=Sum("value_amount")
    )
    return {
        "lines": totals["lines"] or 0,
        "quantity": totals["quantity"] or 0,
        "value": totals["value"] or ZERO,
    }


def stock_rows(levels, *, offset: int, limit: int, reorder_day: dt.date | None) -> list[StockLevel]:
    """One page of levels, each with the reorder point of the last reorder run (None when the run did not
    list the line). The subquery runs for the page's rows only."""
    if reorder_day is not None:
        levels = levels.annotate(
            reorder_point=Subquery(
                ReorderSuggestion.objects.filter(
                    computed_on=reorder_day,
                    warehouse_id=OuterRef("warehouse_id"),
                    part_id=OuterRef("part_id"),
                ).values("reorder_point")[:1]
            )
        )
    rows = list(levels[offset : offset + limit])
    for row in rows:
        if reorder_day is None:
            row.reorder_point = None
        row.below_reorder = row.reorder_point is not None and row.quantity <= row.reorder_point
    return rows


def recent_operations(*, limit: int = 10) -> list[StockMovement]:
    """The last receipts, transfers and count adjustments (what the stock operations page records)."""
    return list(
        StockMovement.objects.filter(kind__in=["receipt", "transfer_in", "transfer_out", "adjustment"])
        .select_related("warehouse", "part", "created_by")
        .order_by("-created_at", "-id")[:limit]
    )


# A part's ledger ---------------------------------------------------------------------------------------


def part_ledger_rows(*, user, part: Part, warehouse: Warehouse | None = None):
    """The movements of a part the user may see, newest first, each with the running balance (quantity and
    value) of its warehouse after it.

    The balance is a window function over each warehouse's whole history — Sum(...) OVER (PARTITION BY
    warehouse ORDER BY created_at, id) — so it is right on every page: the WHERE clause keeps whole
    warehouses (part, scope, the chosen warehouse), and LIMIT/OFFSET apply after the window."""
    window = {"partition_by": [F("warehouse_id")], "order_by": [F("created_at").asc(), F("id").asc()]}
    movements = StockMovement.objects.for_user(user).filter(part=part)
    if warehouse is not None:
        movements = movements.filter(warehouse=warehouse)
    return (
        movements.select_related("warehouse", "created_by", "work_order", "part_request")
        .annotate(
            balance_quantity=Window(Sum("quantity"), **window),
            balance_value=Window(Sum("value_amount"), **window),
        )
        .order_by("-created_at", "-id")
    )


def part_levels(*, user, part: Part) -> list[StockLevel]:
    """Where the part is kept (in the user's scope), with quantity and value now."""
    return list(
        StockLevel.objects.filter(part=part, warehouse__in=warehouses_for(user).values("pk"))
        .select_related("warehouse")
        .order_by(warehouse_rank("warehouse__"), "warehouse__code")
    )


# A centre ----------------------------------------------------------------------------------------------


def deposit_account(center: ServiceCenter) -> DepositAccount:
    """The centre's account, or an empty unsaved one (a read never creates it)."""
    account = DepositAccount.objects.filter(center=center).first()
    return account or DepositAccount(center=center)


def credit_summary(center: ServiceCenter) -> dict:
    """The numbers of the parts credit and the widths of its bar (used, awaiting shipment)."""
    account = deposit_account(center)
    committed = (
        PartRequest.objects.filter(center=center, status__in=COMMITTED_REQUEST_STATUSES).aggregate(
            total=Sum("amount")
        )["total"]
        or ZERO
    )
    limit = account.credit_limit
    used = account.credit_used_amount

    def share(amount: Decimal) -> int:
        if limit <= 0:
            return 100 if amount > 0 else 0
        return max(0, min(100, int(amount * 100 / limit)))

    used_pct = share(used)
    return {
        "account": account,
        "deposit": account.deposit_amount,
        "ratio": account.leverage_ratio.normalize(),
        "limit": limit,
        "used": used,
        "available": account.credit_available,
        "committed": committed,
        "free_after_committed": account.credit_available - committed,
        "used_pct": used_pct,
        "committed_pct": min(100 - used_pct, share(committed)),
        "over": used > limit,
        "tight": used + committed > limit,
    }


def center_overview(*, center: ServiceCenter, today: dt.date | None = None) -> dict:
    """A centre's page: its stock (top lines by value and totals), parts credit, open part requests and
    open defective-part returns with the overdue ones. A fixed number of queries."""
    today = today or timezone.localdate()
    warehouse = Warehouse.objects.filter(center=center).first()
    stock = {"warehouse": warehouse, "top": [], "totals": stock_totals(StockLevel.objects.none())}
    if warehouse is not None:
        levels = StockLevel.objects.filter(warehouse=warehouse)
        stock["totals"] = stock_totals(levels)
        stock["top"] = list(
            levels.filter(quantity__gt=0)
            .select_related("part")
            .order_by("-value_amount", "part__code")[:TOP_STOCK_LINES]
        )
        stock["empty_lines"] = levels.filter(quantity=0).count()
    requests = list(
        PartRequest.objects.filter(center=center, status__in=OPEN_REQUEST_STATUSES)
        .select_related("work_order", "requested_by")
        .annotate(pieces=Sum("lines__quantity"), line_count=Count("lines"))
        .order_by("-requested_at", "-id")
    )
    returns = list(
        DefectiveReturn.objects.filter(center=center, status__in=sorted(OPEN_RETURN_STATUSES))
        .select_related("part", "work_order")
        .order_by("due_on", "id")
    )
    overdue_value = ZERO
    for tag in returns:
        tag.is_overdue = tag.status in OWED_RETURN_STATUSES and tag.due_on < today
        tag.days_left = (tag.due_on - today).days
        tag.days_overdue = -tag.days_left
        if tag.is_overdue:
            overdue_value += tag.value_amount
    return {
        "center": center,
        "stock": stock,
        "credit": credit_summary(center),
        "requests": requests,
        "returns": returns,
        "overdue_count": sum(1 for tag in returns if tag.is_overdue),
        "overdue_value": money(overdue_value),
        "today": today,
    }


def deposit_ledger(*, center: ServiceCenter, offset: int, limit: int) -> list[DepositEntry]:
    """Deposit payments and refunds, newest first, page_size + 1 rows (the extra says there is more)."""
    return list(
        DepositEntry.objects.filter(account__center=center)
        .select_related("created_by")
        .order_by("-created_at", "-id")[offset : offset + limit]
    )


def credit_ledger(*, center: ServiceCenter, offset: int, limit: int) -> list[CreditEntry]:
    """What moved the centre's credit used, newest first, with the request or work order behind it."""
    return list(
        CreditEntry.objects.filter(account__center=center)
        .select_related("created_by", "part_request", "work_order")
        .order_by("-created_at", "-id")[offset : offset + limit]
    )


def credit_totals(center: ServiceCenter) -> dict:
    """Credit entries added up by kind (shipped, consumed, returned, paid…)."""
    return {
        row["kind"]: row["total"]
        for row in CreditEntry.objects.filter(account__center=center)
        .values("kind")
        .annotate(total=Sum("amount"))
        .order_by()
    }


def other_centers(*, user, center: ServiceCenter) -> list[ServiceCenter]:
    """Centres a supervisor also runs (rarely more than one): links between their pages."""
    if has_role(user, Role.MANAGER):
        return []
    return list(ServiceCenter.objects.filter(supervisors=user).exclude(pk=center.pk).order_by("code"))
