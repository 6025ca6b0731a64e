"""A small known month for the budget's tests (June 2026, one category): what was sold, at which factory
prices, what was settled, issued, refunded and entered, and what the budget plans."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from insight.budget_services import budget_actuals_refresh, budget_save, factory_price_add, manual_cost_save
from insight.models import BudgetHead
from inventory.factories import PartFactory, WarehouseFactory
from inventory.models import StockMovement
from network.factories import ServiceCenterFactory, UserFactory
from network.models import Settlement, SettlementLine
from remedies.models import Refund, RemedyRequest
from repairs.factories import ProductModelFactory, ProductUnitFactory, WorkOrderFactory
from repairs.models import ProductCategory
from warranty.models import WarrantyDecision, WarrantyPolicy

JUNE = dt.date(2026, 6, 1)
NOW = timezone.make_aware(dt.datetime(2026, 7, 15, 9, 0))
SHARES = {
    BudgetHead.NETWORK_FEES: "40",
    BudgetHead.TRAVEL: "10",
    BudgetHead.PARTS: "20",
    BudgetHead.EXCHANGES: "15",
    BudgetHead.REFURBISHMENT: "10",
    BudgetHead.HOTLINE_OTHER: "5",
}


def at(day: int, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2026, 6, day, hour, 0))


def settlement(center, status: str, lines: list[tuple]) -> Settlement:
    """A statement of June with its lines, then brought to `status` (a confirmed one takes no new lines)."""
    row = Settlement.objects.create(center=center, month=JUNE, center_level="a", computed_at=NOW)
    for work_order, kind, amount in lines:
        SettlementLine.objects.create(
            settlement=row,
            work_order=work_order,
            kind=kind,
            service_kind="on_site_repair",
            closed_on=dt.date(2026, 6, 15),
            amount=Decimal(amount),
        )
    Settlement.objects.filter(pk=row.pk).update(status=status)
    return row


def refund_done(unit, user, amount: str) -> RemedyRequest:
    policy = (
        WarrantyPolicy.objects.filter(category=unit.model.category).first() or WarrantyPolicy.objects.first()
    )
    decision = WarrantyDecision.objects.create(
        unit=unit, policy=policy, policy_version="test", facts={}, verdict="return", liable="maker", result={}
    )
    request = RemedyRequest.objects.create(
        number=f"TH-{unit.pk}",
        decision=decision,
        unit=unit,
        remedy="return",
        basis="window.return",
        liable="maker",
        status="done",
        opened_by=user,
        opened_at=at(16),
        done_at=at(18),
    )
    Refund.objects.create(
        request=request,
        amount=Decimal(amount),
        price_amount=Decimal("1000.00"),
        depreciation_amount=Decimal("1000.00") - Decimal(amount),
        payer="maker",
        method="cash",
        paid_by=user,
        paid_at=at(18),
    )
    return request


def known_month(*, manager=None, category_code: str = "air_conditioner", tag: str = "") -> dict:
    """June 2026 in one category: 11 units sold (5 at ¥1,000, 5 at ¥1,200 after the price change, 1 of a
    model without price), a budget of 3 % split 40/10/20/15/10/5, a confirmed statement (service fee ¥150,
    travel ¥30, parts charged on paid work −¥40), a draft one (¥99, not counted), 2 parts issued at ¥60 and
    1 returned, a refund of ¥800 and a hotline cost of ¥500. Planned ¥330.00, actual ¥1,500.00."""
    manager = manager or UserFactory(username=f"budget_mgr{tag}", roles=["manager"])
    category = ProductCategory.objects.get(code=category_code)
    priced = ProductModelFactory(category=category, model_number=f"BUD-{category_code}{tag}-1")
    unpriced = ProductModelFactory(category=category, model_number=f"BUD-{category_code}{tag}-2")
    factory_price_add(
        model=priced, price_amount="1000.00", valid_from=dt.date(2026, 1, 1), acting_user=manager
    )
    factory_price_add(
        model=priced, price_amount="1200.00", valid_from=dt.date(2026, 6, 15), acting_user=manager
    )
    units = [
        ProductUnitFactory(model=priced, sale_date=dt.date(2026, 6, 10), factory_date=None) for _ in range(5)
    ]
    units += [
        ProductUnitFactory(model=priced, sale_date=dt.date(2026, 6, 20), factory_date=None) for _ in range(5)
    ]
    ProductUnitFactory(model=unpriced, sale_date=dt.date(2026, 6, 5), factory_date=None)
    center = ServiceCenterFactory(code=f"SC-BUD{tag}")
    other = ServiceCenterFactory(code=f"SC-BUD{tag}-2")
    work_order = WorkOrderFactory(call__unit=units[0], center=center)
    second = WorkOrderFactory(call__unit=units[1], center=other)
    settlement(
        center,
        "confirmed",
        [
            (work_order, "service_fee", "150.00"),
            (work_order, "travel_fee", "30.00"),
            (work_order, "parts_charged", "-40.00"),
        ],
    )
    settlement(other, "draft", [(second, "service_fee", "99.00")])
    warehouse = WarehouseFactory(code=f"WH-BUD{tag}", center=center)
    part = PartFactory(category=category)
    StockMovement.objects.create(
        warehouse=warehouse,
        part=part,
        kind="issue",
        quantity=-2,
        unit_cost_amount=Decimal("60.00"),
        value_amount=Decimal("-120.00"),
        work_order=work_order,
        created_at=at(12),
    )
    StockMovement.objects.create(
        warehouse=warehouse,
        part=part,
        kind="return",
        quantity=1,
        unit_cost_amount=Decimal("60.00"),
        value_amount=Decimal("60.00"),
        work_order=work_order,
        created_at=at(13),
    )
    refund_done(units[2], manager, "800.00")
    manual_cost_save(
        month=JUNE, item="hotline", category=category, amount="500.00", acting_user=manager, now=NOW
    )
    budget = budget_save(
        year=2026, category=category, rate_percent="3.00", shares=SHARES, acting_user=manager, now=NOW
    )
    budget_actuals_refresh(month=JUNE, now=NOW)
    return {"manager": manager, "category": category, "budget": budget, "center": center, "units": units}
