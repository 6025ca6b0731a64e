import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from inventory import services
from inventory.factories import PartFactory, WarehouseFactory
from inventory.valuation import AUTO, BACKWARD, FORWARD, month_end, stock_valuation

pytestmark = pytest.mark.django_db

SHANGHAI = timezone.get_default_timezone()
DIRECTIONS = [FORWARD, BACKWARD, AUTO]


def at(*args) -> dt.datetime:
    return timezone.make_aware(dt.datetime(*args), SHANGHAI)


def test_month_end_is_the_first_instant_of_the_next_month_in_shanghai():
    assert month_end(2026, 3) == at(2026, 4, 1)
    assert month_end(2026, 12) == at(2027, 1, 1)
    # 2026-04-01 00:00 in Shanghai is 2026-03-31 16:00 UTC.
    assert month_end(2026, 3).astimezone(dt.UTC) == dt.datetime(2026, 3, 31, 16, 0, tzinfo=dt.UTC)
    with pytest.raises(ValueError):
        month_end(2026, 13)


@pytest.fixture
def ledger(users):
    """Hand-made history of two warehouses and two parts around the end of March 2026 (Shanghai time)."""
    manager = users["manager"]
    central = WarehouseFactory(central=True)
    center = WarehouseFactory(center=users["center"])
    WarehouseFactory(defective=True)  # never moved: must still be listed, at zero
    motor = PartFactory(code="FAN-1", unit_cost_amount=Decimal("100.00"))
    board = PartFactory(code="PCB-1", unit_cost_amount=Decimal("380.00"))
    close = month_end(2026, 3)  # 2026-04-01 00:00 +08:00
    # March: 10 motors at 100, 5 more at 130 (average 110), 4 boards at 380.
    services.stock_receive(
        warehouse=central,
        lines=[(motor, 10, "100.00")],
        reference="R1",
        acting_user=manager,
        now=at(2026, 3, 2, 9),
    )
    services.stock_receive(
        warehouse=central,
        lines=[(motor, 5, "130.00"), (board, 4, "380.00")],
        reference="R2",
        acting_user=manager,
        now=at(2026, 3, 20, 15),
    )
    # The last instant of March: 3 motors to the centre (3 × 110 = 330 moves with them).
    services.stock_transfer(
        source=central,
        destination=center,
        lines=[(motor, 3)],
        acting_user=manager,
        now=close - dt.timedelta(microseconds=1),
    )
    # Exactly at the boundary: belongs to April. One board counted missing.
    services.stock_adjust(
        warehouse=central, part=board, quantity=-1, reason="盘点少1", acting_user=manager, now=close
    )
    # April: one more motor found at the centre (valued at its average 110).
    services.stock_adjust(
        warehouse=center,
        part=motor,
        quantity=1,
        reason="盘点多1",
        acting_user=manager,
        now=at(2026, 4, 10, 11),
    )
    return {"central": central, "center": center, "close": close}


def by_code(rows):
    return {row["code"]: (row["quantity"], row["value_amount"]) for row in rows}


@pytest.mark.parametrize("direction", DIRECTIONS)
def test_values_at_several_instants(ledger, direction):
    center_code = ledger["center"].code
    close = ledger["close"]

    before_anything = by_code(stock_valuation(at=at(2026, 3, 1), direction=direction))
    assert before_anything == {
        "CW": (0, Decimal("0.00")),
        "CW-JJ": (0, Decimal("0.00")),
        center_code: (0, Decimal("0.00")),
    }

    # Exactly at the first receipt's instant: not yet counted; a microsecond later it is.
    first = at(2026, 3, 2, 9)
    assert by_code(stock_valuation(at=first, direction=direction))["CW"] == (0, Decimal("0.00"))
    assert by_code(stock_valuation(at=first + dt.timedelta(microseconds=1), direction=direction))["CW"] == (
        10,
        Decimal("1000.00"),
    )

    # End of March: 12 motors (1320) and 4 boards (1520) in the centre; the 3 transferred motors (330) at the
    # centre; the adjustment at exactly 00:00 on 1 April is not in March.
    march = by_code(stock_valuation(at=close, direction=direction))
    assert march["CW"] == (16, Decimal("2840.00"))
    assert march[center_code] == (3, Decimal("330.00"))
    assert march["CW-JJ"] == (0, Decimal("0.00"))

    # A microsecond after the close the missing board is gone (380).
    after_close = by_code(stock_valuation(at=close + dt.timedelta(microseconds=1), direction=direction))
    assert after_close["CW"] == (15, Decimal("2460.00"))

    # Today: everything, and equal to the levels.
    now = by_code(stock_valuation(at=timezone.now(), direction=direction))
    assert now["CW"] == (15, Decimal("2460.00"))
    assert now[center_code] == (4, Decimal("440.00"))


def test_every_warehouse_is_listed_in_warehouse_order(ledger):
    rows = stock_valuation(at=ledger["close"])
    assert [row["kind"] for row in rows] == ["center", "central", "defective"]
    assert {row["warehouse_id"] for row in rows} == {ledger["central"].pk, ledger["center"].pk} | {
        rows[2]["warehouse_id"]
    }


def test_both_directions_agree_after_every_movement(ledger):
    from inventory.models import StockMovement

    instants = sorted(set(StockMovement.objects.values_list("created_at", flat=True)))
    for instant in instants:
        for probe in (instant, instant + dt.timedelta(microseconds=1)):
            assert stock_valuation(at=probe, direction=FORWARD) == stock_valuation(
                at=probe, direction=BACKWARD
            )


def test_a_naive_instant_is_refused(ledger):
    with pytest.raises(ValueError):
        stock_valuation(at=dt.datetime(2026, 4, 1))
