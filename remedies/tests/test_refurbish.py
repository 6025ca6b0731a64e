"""Refurbishment through the ledger: parts issued at cost, the unit restocked as refurbished at its cost or
scrapped; the stock ledger still balances; whole units never go negative."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from inventory import services as stock
from inventory.choices import MovementKind
from inventory.factories import PartFactory
from inventory.models import StockLevel, StockMovement, UnitSerial
from remedies import services
from remedies.choices import RefurbStatus
from remedies.models import Refurbishment

from .helpers import APPLIANCE_DOCS, NOW, TWO_REPAIRS, central, decided, in_stock, sold_unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def taken_back(users):
    unit = sold_unit(days_ago=120)
    warehouse = central()
    in_stock(unit.model, "NEW-9", warehouse=warehouse, user=users["manager"])
    row = services.remedy_request_open(
        decision=decided(unit, repairs=TWO_REPAIRS),
        remedy="exchange",
        documents=APPLIANCE_DOCS,
        acting_user=users["dispatcher"],
        now=NOW,
    )
    services.remedy_request_approve(request=row, acting_user=users["manager"], now=NOW)
    services.remedy_exchange(request=row, acting_user=users["dispatcher"], now=NOW)
    return Refurbishment.objects.get(request=row), warehouse


def test_a_unit_is_graded_repaired_with_parts_tested_and_restocked_at_its_cost(users, taken_back):
    item, warehouse = taken_back
    part = PartFactory(category=item.unit.model.category, unit_cost_amount=Decimal("80.00"))
    stock.stock_receive(
        warehouse=warehouse, lines=[(part, 5, "80.00")], reference="R", acting_user=users["manager"]
    )
    manager = users["manager"]
    with pytest.raises(ValidationError):
        services.refurbishment_inspect(item=item, grade="Z", acting_user=manager)
    with pytest.raises(ValidationError):
        services.refurbishment_inspect(item=item, grade="A", acting_user=users["dispatcher"])
    services.refurbishment_inspect(item=item, grade="B", note="外壳轻微划痕", acting_user=manager)
    services.refurbishment_repair(item=item, parts=[(part, 2)], labour_amount="60", acting_user=manager)
    services.refurbishment_test(item=item, passed=False, note="制冷不足", acting_user=manager)
    item.refresh_from_db()
    assert item.status == RefurbStatus.INSPECTED
    services.refurbishment_repair(item=item, parts=[(part, 1)], labour_amount="20", acting_user=manager)
    services.refurbishment_test(item=item, passed=True, acting_user=manager)
    services.refurbishment_restock(item=item, acting_user=manager)
    item.refresh_from_db()
    assert item.status == RefurbStatus.RESTOCKED
    assert item.parts_cost_amount == Decimal("240.00") and item.labour_cost_amount == Decimal("80.00")
    assert StockMovement.objects.filter(kind=MovementKind.REFURB_ISSUE, reference=item.number).count() == 2
    refurbished = UnitSerial.objects.get(serial_number=item.unit.serial_number, part__refurbished=True)
    assert refurbished.warehouse == warehouse and refurbished.status == "in_stock"
    level = StockLevel.objects.get(warehouse=warehouse, part=refurbished.part)
    assert level.quantity == 1 and level.value_amount == Decimal("320.00")
    returned = StockLevel.objects.get(
        part__product_model=item.unit.model, part__refurbished=False, warehouse__kind="returned"
    )
    assert returned.quantity == 0
    call_command("check_stock")  # exits 1 on any difference between ledger and levels


def test_a_scrapped_unit_leaves_the_returned_goods_store_with_its_reason(users, taken_back):
    item, _warehouse = taken_back
    with pytest.raises(ValidationError):
        services.refurbishment_scrap(item=item, reason="", acting_user=users["manager"])
    services.refurbishment_inspect(item=item, grade="scrap", acting_user=users["manager"])
    with pytest.raises(ValidationError):
        services.refurbishment_repair(item=item, labour_amount="10", acting_user=users["manager"])
    services.refurbishment_scrap(item=item, reason="主板烧毁，无修复价值", acting_user=users["manager"])
    item.refresh_from_db()
    assert item.status == RefurbStatus.SCRAPPED
    movement = StockMovement.objects.get(kind=MovementKind.SCRAP, reference=item.number)
    assert movement.quantity == -1 and "主板" in movement.reason
    with pytest.raises(ValidationError):
        services.refurbishment_restock(item=item, acting_user=users["manager"])


def test_whole_units_cannot_go_negative_and_are_not_spare_parts(users):
    unit = sold_unit(days_ago=10)
    warehouse = central()
    from django.db import transaction

    with transaction.atomic():
        assert (
            stock.unit_hand_over(product_model=unit.model, warehouse=warehouse, acting_user=users["manager"])
            is None
        )
    with pytest.raises(ValidationError):
        in_stock(unit.model, "A", "A", warehouse=warehouse, user=users["manager"])
    in_stock(unit.model, "A", warehouse=warehouse, user=users["manager"])
    with pytest.raises(ValidationError):
        in_stock(unit.model, "A", warehouse=warehouse, user=users["manager"])
    part = stock.whole_unit_part(product_model=unit.model)
    assert not stock.units_in_stock(product_model=unit.model, warehouses=[warehouse]).filter(
        serial_number="B"
    )
    from inventory.models import Part

    assert part not in Part.objects.compatible_with(unit.model)


def test_phones_enter_whole_unit_stock_only_with_a_valid_imei(users):
    unit = sold_unit(days_ago=10, phone=True)
    with pytest.raises(ValidationError) as caught:
        in_stock(unit.model, "SN-NO-IMEI", user=users["manager"])
    assert "IMEI" in str(caught.value)
    with pytest.raises(ValidationError) as caught:
        in_stock(unit.model, "868000000000018", user=users["manager"], imei=True)  # wrong check digit
    assert "校验位" in str(caught.value)
    assert not UnitSerial.objects.exists()
