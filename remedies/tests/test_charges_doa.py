"""Who pays and out-of-box failures: a late repairer's exchange deducted once on its monthly settlement (and
disputable like any line); the DOA check against the maker's checklist within the exchange period."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from inventory import services as stock
from network.choices import SettlementLineKind
from network.models import SettlementRate
from remedies import services
from remedies.choices import DoaStatus, Payer, RemedyStatus
from remedies.models import DealerCredit, DoaCheck, RemedyRequest
from repairs.factories import RepairCallFactory, WorkOrderFactory
from settlement.services import dispute_raise, dispute_resolve, settlement_compute
from warranty.rules import RepairRecord

from .helpers import APPLIANCE_DOCS, DOA_PHONE, NOW, TODAY, decided, in_stock, sold_unit

pytestmark = pytest.mark.django_db


def test_a_late_repairers_exchange_is_deducted_once_on_its_settlement_and_can_be_disputed(
    users, second_manager
):
    center = users["center"]
    center.level = "a"
    center.save(update_fields=["level"])
    SettlementRate.objects.filter(center_level="a").update(base_subsidy_amount=Decimal("0.00"))
    unit = sold_unit(days_ago=100)
    order = WorkOrderFactory(call=RepairCallFactory(unit=unit), center=center, mode="carry_in")
    late = (RepairRecord(sent_on=TODAY - dt.timedelta(days=45), delay_cause="repairer"),)
    row = services.remedy_request_open(
        decision=decided(unit, repairs=late),
        remedy="exchange",
        documents=APPLIANCE_DOCS,
        acting_user=users["dispatcher"],
        now=NOW,
    )
    services.remedy_request_approve(request=row, acting_user=users["manager"], now=NOW)
    in_stock(unit.model, "R-1", user=users["manager"], cost="1800.00")
    services.remedy_exchange(request=row, acting_user=users["dispatcher"], now=NOW)
    row.refresh_from_db()
    assert row.liable == Payer.REPAIRER and row.charge_amount == Decimal("1800.00")
    assert not DealerCredit.objects.filter(request=row).exists()

    november = settlement_compute(center=center, month=dt.date(2026, 11, 1), now=NOW + dt.timedelta(days=12))
    line = november.lines.get(kind=SettlementLineKind.REMEDY_CHARGE)
    assert line.work_order == order and line.amount == Decimal("-1800.00") and row.number in line.note
    assert november.total_amount == Decimal("-1800.00")
    # Recomputing the draft keeps one line; the next month does not take it again.
    november = settlement_compute(center=center, month=dt.date(2026, 11, 1), now=NOW + dt.timedelta(days=12))
    assert november.lines.filter(kind=SettlementLineKind.REMEDY_CHARGE).count() == 1
    december = settlement_compute(center=center, month=dt.date(2026, 12, 1), now=NOW + dt.timedelta(days=12))
    assert not december.lines.filter(kind=SettlementLineKind.REMEDY_CHARGE).exists()
    # The centre disputes it; the manager accepts half.
    dispute = dispute_raise(
        settlement=november,
        line=line,
        reason="延误系厂家缺件",
        claimed_amount="-900.00",
        acting_user=users["supervisor"],
        now=NOW + dt.timedelta(days=12),
    )
    dispute_resolve(
        dispute=dispute,
        accept=True,
        amount="-900.00",
        acting_user=second_manager,
        now=NOW + dt.timedelta(days=12),
    )
    november = settlement_compute(center=center, month=dt.date(2026, 11, 1), now=NOW + dt.timedelta(days=12))
    assert november.lines.get(kind=SettlementLineKind.REMEDY_CHARGE).amount == Decimal("-900.00")


def test_an_out_of_box_failure_is_exchanged_from_the_dealers_stock_and_credits_the_dealer(users):
    dealer = users["dealer_obj"]
    unit = sold_unit(days_ago=2, phone=True, dealer=dealer)
    in_stock(
        unit.model,
        "868000000000019",
        warehouse=stock.dealer_warehouse(dealer),
        user=users["manager"],
        imei=True,
        cost="1500.00",
    )
    check = services.doa_check_record(
        unit=unit,
        fault="开机黑屏",
        confirmed_by="李师傅",
        checked=DOA_PHONE,
        acting_user=users["dealer"],
        now=NOW,
    )
    assert check.status == DoaStatus.APPROVED and check.dealer == dealer
    row = check.request
    row.refresh_from_db()
    assert row.status == RemedyStatus.DONE and row.basis == "doa" and row.auto_approved
    assert row.source_warehouse.dealer == dealer
    assert row.replacement.imei == "868000000000019"
    assert DealerCredit.objects.get(request=row).amount == Decimal("1500.00")


def test_a_failed_checklist_is_recorded_as_no_out_of_box_failure_naming_the_items(users):
    unit = sold_unit(days_ago=2, phone=True, dealer=users["dealer_obj"])
    check = services.doa_check_record(
        unit=unit,
        fault="开机黑屏",
        confirmed_by="李师傅",
        checked=DOA_PHONE[1:],
        acting_user=users["dealer"],
        now=NOW,
    )
    assert check.status == DoaStatus.REJECTED and check.request is None
    assert any("屏幕保护膜" in m for m in check.missing)
    assert not RemedyRequest.objects.exists()


def test_an_out_of_box_check_after_the_exchange_period_is_refused_and_nothing_recorded(users):
    unit = sold_unit(days_ago=16, phone=True, dealer=users["dealer_obj"])
    with pytest.raises(ValidationError) as caught:
        services.doa_check_record(
            unit=unit,
            fault="开机黑屏",
            confirmed_by="李师傅",
            checked=DOA_PHONE,
            acting_user=users["dealer"],
            now=NOW,
        )
    assert "换货期" in str(caught.value)
    assert not DoaCheck.objects.exists()


def test_an_out_of_box_check_needs_the_fault_and_who_confirmed_it(users):
    unit = sold_unit(days_ago=2, phone=True, dealer=users["dealer_obj"])
    with pytest.raises(ValidationError) as caught:
        services.doa_check_record(
            unit=unit, fault=" ", confirmed_by="", checked=DOA_PHONE, acting_user=users["dealer"]
        )
    assert set(caught.value.message_dict) == {"fault", "confirmed_by"}
    assert not DoaCheck.objects.exists()
