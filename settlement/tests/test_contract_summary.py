"""The statement shows contract service (B) apart: the month's contract revenue of the centre's contracts and
its contract work, beside (not in) what the statement pays."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from care.calendar import CHINA
from network.factories import ServiceCenterFactory, UserFactory
from network.models import FeeSchedule, SettlementRate
from repairs.choices import ServiceType
from repairs.choices import WorkOrderStatus as S
from repairs.factories import ProductUnitFactory, WorkOrderFactory, finish
from settlement.selectors import contract_summary
from settlement.services import settlement_compute
from warranty import contracts

pytestmark = pytest.mark.django_db
NOVEMBER = dt.date(2026, 11, 1)


def at(*args):
    return dt.datetime(*args, tzinfo=CHINA)


def test_contract_revenue_and_contract_work_of_the_month_are_shown_apart(client):
    center = ServiceCenterFactory(code="SC-HT", level="a")
    SettlementRate.objects.filter(center_level="a").update(base_subsidy_amount=Decimal("0.00"))
    unit = ProductUnitFactory()
    contract = contracts.contract_create(
        customer=unit.owner,
        units=[unit],
        starts_on=dt.date(2026, 10, 1),
        ends_on=dt.date(2027, 9, 30),
        price_amount=Decimal("1200.00"),
        payment_schedule="monthly",
        center=center,
        sold_by_center=center,
        now=at(2026, 9, 30, 10),
    )
    contracts.contract_activate(contract=contract, now=at(2026, 9, 30, 11))
    october, november, december = contract.payments.order_by("due_on")[:3]
    contracts.contract_payment_record(payment=october, now=at(2026, 10, 1, 9))  # another month
    contracts.contract_payment_record(payment=november, now=at(2026, 11, 2, 9))
    contracts.contract_payment_record(payment=december, now=at(2026, 11, 30, 23, 59))
    # Work: one contract order and one free order closed in November, one fee each.
    done = []
    for service_type in (ServiceType.CONTRACT, ServiceType.FREE):
        order = WorkOrderFactory(center=center, status=S.IN_REPAIR, call__service_type=service_type)
        finish(order, closed_at=at(2026, 11, 10, 10), completed_at=at(2026, 11, 10, 10))
        done.append(order)
        FeeSchedule.objects.get_or_create(
            category=order.call.unit.model.category,
            service_kind="on_site_repair",
            center_level="a",
            valid_from=dt.date(2026, 1, 1),
            defaults={"fee_amount": Decimal("90.00")},
        )
    settlement = settlement_compute(center=center, month=NOVEMBER, now=at(2026, 12, 2, 9))
    summary = contract_summary(settlement)
    assert summary["revenue"] == Decimal("200.00") and summary["payments"] == 2
    assert summary["work_orders"] == 1 and summary["work_amount"] == Decimal("90.00")
    # Revenue is not paid out: the statement's total is the two orders' fees.
    assert settlement.total_amount == Decimal("180.00")
    client.force_login(UserFactory(roles=["manager"]))
    page = client.get(reverse("settlement:settlement_detail", args=[settlement.pk])).content.decode()
    assert "合同收入（B" in page and "¥200.00" in page
