"""manage.py check_stock: exit 0 with "OK" when every level equals its ledger, exit 1 with the differences when
a level was tampered with or is missing."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import translation

from inventory import services
from inventory.checks import Discrepancy, stock_discrepancies
from inventory.factories import PartFactory, WarehouseFactory
from inventory.models import StockLevel, StockMovement

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger(users):
    """Two parts received centrally, some transferred to centre A and one issued there."""
    from repairs.factories import WorkOrderFactory

    manager = users["manager"]
    central = WarehouseFactory(central=True)
    center_wh = WarehouseFactory(center=users["center"])
    a = PartFactory(code="A-001")
    b = PartFactory(code="B-002")
    services.stock_receive(
        warehouse=central, lines=[(a, 10, "12.00"), (b, 3, "7.50")], reference="PO-1", acting_user=manager
    )
    services.stock_transfer(source=central, destination=center_wh, lines=[(a, 4)], acting_user=manager)
    services.part_issue(
        work_order=WorkOrderFactory(center=users["center"]), part=a, acting_user=manager, reason="测试"
    )
    return {"central": central, "center_wh": center_wh, "a": a, "b": b}


def _check(capsys):
    with translation.override("en"):
        try:
            call_command("check_stock")
            code = 0
        except SystemExit as exit_:
            code = exit_.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_clean_ledger_passes(ledger, capsys):
    assert stock_discrepancies() == []
    code, out, err = _check(capsys)
    assert code == 0
    assert "OK: 3 levels checked" in out and err == ""


def test_a_level_changed_behind_the_ledgers_back_is_reported_with_exit_1(ledger, capsys):
    level = StockLevel.objects.get(warehouse=ledger["center_wh"], part=ledger["a"])
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {StockLevel._meta.db_table} SET quantity = quantity + 2 WHERE id = %s", [level.pk]
        )

    assert stock_discrepancies() == [
        Discrepancy("WH-SC-A", "A-001", 3, Decimal("36.00"), 5, Decimal("36.00")),
    ]
    code, out, err = _check(capsys)
    assert code == 1
    assert "WH-SC-A A-001: ledger 3 / 36.00 yuan, level 5 / 36.00 yuan" in err
    assert "1 of 3 warehouse × part balances differ" in err


def test_a_missing_level_row_is_reported(ledger, capsys):
    StockLevel.objects.filter(warehouse=ledger["central"], part=ledger["b"]).delete()

    code, out, err = _check(capsys)

    assert code == 1
    assert "CW B-002: ledger 3 / 22.50 yuan, no level row" in err
    assert stock_discrepancies()[0].level_quantity is None


def test_a_level_without_movements_must_be_empty(ledger, capsys):
    c = PartFactory(code="C-003")
    StockLevel.objects.create(warehouse=ledger["central"], part=c, quantity=0)
    assert _check(capsys)[0] == 0
    StockLevel.objects.filter(part=c).update(quantity=1)

    code, out, err = _check(capsys)

    assert code == 1 and "CW C-003: ledger 0 / 0.00 yuan, level 1 / 0.00 yuan" in err


def test_the_ledger_itself_cannot_be_edited(ledger):
    """Why the tests tamper with the level: the ledger refuses UPDATE at the database."""
    from django.db import DatabaseError, transaction

    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {StockMovement._meta.db_table} SET quantity = quantity + 1")
