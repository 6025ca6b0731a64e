"""Carrying out remedies: the exchange from whole-unit stock (the new unit's repair period restarts, the
windows do not), waiting for stock, the refund with and without depreciation, the unit taken back, and who
pays (a dealer's credit, a late repairer's settlement)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from inventory.choices import MovementKind, WarehouseKind
from inventory.models import StockLevel, StockMovement, UnitSerial
from remedies import services
from remedies.choices import RefurbStatus, RemedyStatus
from remedies.models import DealerCredit, Refund, Refurbishment
from repairs.factories import ProductUnitFactory
from repairs.models import ProductUnit
from warranty.services import unit_facts, warranty_evaluate

from .helpers import (
    APPLIANCE_DOCS,
    NOW,
    PHONE_DOCS,
    TODAY,
    TWO_REPAIRS,
    central,
    decided,
    in_stock,
    sold_unit,
)

pytestmark = pytest.mark.django_db


def _approved(users, unit, remedy, *, repairs=(), docs=APPLIANCE_DOCS, approver=None):
    row = services.remedy_request_open(
        decision=decided(unit, repairs=repairs),
        remedy=remedy,
        documents=docs,
        acting_user=users["dispatcher"],
        now=NOW,
    )
    if row.status == RemedyStatus.AWAITING_APPROVAL:
        services.remedy_request_approve(request=row, acting_user=approver or users["manager"], now=NOW)
        row.refresh_from_db()
    return row


def test_an_exchange_registers_the_new_unit_whose_repair_period_restarts(users):
    unit = sold_unit(days_ago=120, dealer=users["dealer_obj"])
    in_stock(unit.model, "NEW-0001", "NEW-0002", user=users["manager"])
    row = _approved(users, unit, "exchange", repairs=TWO_REPAIRS)
    services.remedy_exchange(request=row, acting_user=users["dispatcher"], now=NOW)
    row.refresh_from_db()
    new = row.replacement
    assert row.status == RemedyStatus.DONE and new.serial_number == "NEW-0001"
    assert new.owner == unit.owner and new.replaces == unit and unit.replaced_by == new
    assert new.exchanged_on == TODAY and new.invoice_date == unit.invoice_date
    position, _policy = warranty_evaluate(facts=unit_facts(unit=new, report_date=TODAY))
    # The repair period runs a year from the exchange; the exchange window still from the original sale.
    assert position.repair_until == dt.date(2027, 11, 20)
    assert position.exchange_until == unit.invoice_date + dt.timedelta(days=15)
    serial = UnitSerial.objects.get(
        serial_number="NEW-0001", part__refurbished=False, warehouse__kind="central"
    )
    assert serial.status == "out"
    # The old unit is in the returned-goods store, at no value, and waits for refurbishment.
    back = UnitSerial.objects.get(serial_number=unit.serial_number)
    assert back.warehouse.kind == WarehouseKind.RETURNED and back.status == "in_stock"
    assert Refurbishment.objects.get(request=row).status == RefurbStatus.RECEIVED
    level = StockLevel.objects.get(warehouse=back.warehouse, part=back.part)
    assert level.quantity == 1 and level.value_amount == Decimal("0.00")
    # Seller liable: the dealer who sold it is credited the replacement's cost.
    credit = DealerCredit.objects.get(request=row)
    assert credit.dealer == users["dealer_obj"] and credit.amount == Decimal("2100.00")
    assert row.replacement_cost_amount == Decimal("2100.00")


def test_without_stock_the_request_waits_and_completes_when_a_unit_arrives(users):
    unit = sold_unit(days_ago=120)
    warehouse = central()
    row = _approved(users, unit, "exchange", repairs=TWO_REPAIRS)
    services.remedy_exchange(request=row, acting_user=users["dispatcher"], now=NOW)
    row.refresh_from_db()
    assert row.status == RemedyStatus.WAITING_STOCK and row.replacement is None
    assert not ProductUnit.objects.filter(replaces=unit).exists()
    assert not StockMovement.objects.filter(kind=MovementKind.UNIT_OUT).exists()
    in_stock(unit.model, "LATE-1", warehouse=warehouse, user=users["manager"])
    services.remedy_exchange(request=row, acting_user=users["dispatcher"], now=NOW + dt.timedelta(days=5))
    row.refresh_from_db()
    assert row.status == RemedyStatus.DONE and row.replacement.exchanged_on == TODAY + dt.timedelta(days=5)


def test_a_replacement_serial_already_registered_is_refused_and_nothing_changes(users):
    unit = sold_unit(days_ago=120)
    ProductUnitFactory(model=unit.model, serial_number="TAKEN-1")
    in_stock(unit.model, "TAKEN-1", user=users["manager"])
    row = _approved(users, unit, "exchange", repairs=TWO_REPAIRS)
    with pytest.raises(ValidationError) as caught:
        services.remedy_exchange(request=row, acting_user=users["dispatcher"], now=NOW)
    assert "TAKEN-1" in str(caught.value)
    row.refresh_from_db()
    assert row.status == RemedyStatus.APPROVED
    assert UnitSerial.objects.get(serial_number="TAKEN-1").status == "in_stock"
    assert not StockMovement.objects.filter(kind=MovementKind.UNIT_OUT).exists()


def test_a_replacement_of_another_model_is_refused(users):
    unit = sold_unit(days_ago=120)
    other = sold_unit(days_ago=120)
    assert other.model != unit.model
    in_stock(other.model, "OTHER-1", user=users["manager"])
    row = _approved(users, unit, "exchange", repairs=TWO_REPAIRS)
    with pytest.raises(ValidationError) as caught:
        services.remedy_exchange(
            request=row, serial_number="OTHER-1", acting_user=users["dispatcher"], now=NOW
        )
    assert "OTHER-1" in str(caught.value) and unit.model.model_number in str(caught.value)
    row.refresh_from_db()
    assert row.status == RemedyStatus.APPROVED


def test_a_return_in_the_return_period_refunds_the_price_and_credits_the_dealer(users, dealer_factory):
    unit = sold_unit(days_ago=4, phone=True, price="2599.00", dealer=users["dealer_obj"])
    row = _approved(users, unit, "return", docs=PHONE_DOCS)
    assert row.auto_approved
    price, due = services.refund_due(row, TODAY)
    assert price == due == Decimal("2599.00")
    for amount, word in (("2599.01", "超过"), ("-1", "负数"), ("1e999999", "金额"), ("abc", "金额")):
        with pytest.raises(ValidationError) as caught:
            services.remedy_refund(
                request=row, amount=amount, method="wechat", acting_user=users["dispatcher"]
            )
        assert word in str(caught.value)
    assert not Refund.objects.exists()
    services.remedy_refund(
        request=row, method="wechat", reference="WX-1", acting_user=users["dispatcher"], now=NOW
    )
    refund = Refund.objects.get(request=row)
    assert refund.amount == Decimal("2599.00") and refund.depreciation_amount == Decimal("0.00")
    assert refund.payer == "seller" and refund.paid_by == users["dispatcher"]
    assert DealerCredit.objects.get(request=row).amount == Decimal("2599.00")
    assert UnitSerial.objects.get(serial_number=unit.imei).warehouse.kind == WarehouseKind.RETURNED


def test_a_return_after_two_repairs_deducts_depreciation_to_the_day_of_return(users, second_manager):
    unit = sold_unit(days_ago=120, price="3000.00")
    row = _approved(users, unit, "return", repairs=TWO_REPAIRS, approver=second_manager)
    price, due = services.refund_due(row, TODAY + dt.timedelta(days=10))
    # 130 days since the invoice, less 10 days in repair = 120 days at 0.1 % a day of the price.
    assert price == Decimal("3000.00") and due == Decimal("3000.00") - Decimal("3.00") * 120
    services.remedy_refund(
        request=row, method="bank_transfer", acting_user=users["dispatcher"], now=NOW + dt.timedelta(days=10)
    )
    refund = Refund.objects.get(request=row)
    assert refund.amount == due and refund.depreciation_amount == Decimal("360.00")


def test_an_exchange_is_not_refunded_and_a_return_not_exchanged(users):
    unit = sold_unit(days_ago=120)
    row = _approved(users, unit, "exchange", repairs=TWO_REPAIRS)
    with pytest.raises(ValidationError):
        services.remedy_refund(request=row, method="cash", acting_user=users["dispatcher"])
    with pytest.raises(ValidationError):
        services.remedy_request_approve(request=row, acting_user=users["manager"])


def test_a_unit_already_exchanged_takes_no_new_remedy(users):
    unit = sold_unit(days_ago=120)
    in_stock(unit.model, "NEW-X", user=users["manager"])
    row = _approved(users, unit, "exchange", repairs=TWO_REPAIRS)
    services.remedy_exchange(request=row, acting_user=users["dispatcher"], now=NOW)
    with pytest.raises(ValidationError) as caught:
        services.remedy_request_open(
            decision=decided(unit, repairs=TWO_REPAIRS),
            remedy="return",
            documents=APPLIANCE_DOCS,
            acting_user=users["dispatcher"],
            now=NOW,
        )
    assert "已经换货或退货" in str(caught.value)
