"""Stock under real concurrency: real transactions, real threads, each on its own database connection."""

import threading
from collections import Counter
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum

from aftersales.roles import roles_sync
from inventory import services
from inventory.factories import PartFactory, WarehouseFactory
from inventory.models import CreditEntry, DefectiveReturn, DepositAccount, StockLevel, StockMovement
from inventory.services import InsufficientStock
from network.factories import ServiceCenterFactory, UserFactory
from repairs.choices import ServiceType
from repairs.choices import WorkOrderStatus as S
from repairs.factories import WorkOrderFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def roles():
    """Transactional tests flush the database after each test, and with it the role groups the migrations
    made: state them again."""
    roles_sync()


def run_in_threads(targets: list) -> list:
    """Runs each callable in its own thread, all released at once (closing each thread's connection at the
    end); returns what each returned or raised, in order."""
    results: list = [None] * len(targets)
    barrier = threading.Barrier(len(targets))

    def run(index, target):
        try:
            barrier.wait(timeout=30)
            results[index] = target()
        except Exception as exc:  # noqa: BLE001 - handed back to the test
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, t)) for i, t in enumerate(targets)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
        assert not thread.is_alive(), "a thread hung (deadlock?)"
    return results


def level(warehouse, part) -> tuple[int, Decimal]:
    row = StockLevel.objects.filter(warehouse=warehouse, part=part).first()
    return (row.quantity, row.value_amount) if row else (0, Decimal("0.00"))


def ledger(warehouse, part) -> tuple[int, Decimal]:
    sums = StockMovement.objects.filter(warehouse=warehouse, part=part).aggregate(
        q=Sum("quantity"), v=Sum("value_amount")
    )
    return sums["q"] or 0, sums["v"] or Decimal("0.00")


def assert_credit_ledger_balances():
    for account in DepositAccount.objects.all():
        total = CreditEntry.objects.filter(account=account).aggregate(s=Sum("amount"))["s"] or Decimal("0.00")
        assert account.credit_used_amount == total


def test_twenty_technicians_issuing_the_last_twelve_pieces_at_once_get_twelve_and_eight_refusals():
    manager = UserFactory(username="mgr", roles=["manager"])
    center = ServiceCenterFactory()
    central, wh = WarehouseFactory(central=True), WarehouseFactory(center=center)
    part = PartFactory(code="YSJ-01", return_required=True)
    services.stock_receive(
        warehouse=central, lines=[(part, 12, "33.33")], reference="RK-1", acting_user=manager
    )
    services.stock_transfer(source=central, destination=wh, lines=[(part, 12)], acting_user=manager)
    assert DepositAccount.objects.get(center=center).credit_used_amount == Decimal("399.96")
    orders = [
        WorkOrderFactory(center=center, status=S.IN_REPAIR, call__service_type=ServiceType.FREE)
        for _ in range(20)
    ]

    def issue(order):
        return lambda: services.part_issue(work_order=order, part=part, acting_user=manager)

    results = run_in_threads([issue(order) for order in orders])

    outcomes = Counter(type(r).__name__ for r in results)
    assert outcomes == {"StockMovement": 12, "InsufficientStock": 8}, results
    for refusal in (r for r in results if isinstance(r, InsufficientStock)):
        assert [(want, have) for _w, _p, want, have in refusal.shortages] == [(1, 0)]
    assert level(wh, part) == (0, Decimal("0.00"))
    assert ledger(wh, part) == (0, Decimal("0.00"))
    issued = StockMovement.objects.filter(kind="issue")
    assert issued.count() == 12
    assert issued.aggregate(v=Sum("value_amount"))["v"] == Decimal("-399.96")
    assert len(set(issued.values_list("work_order", flat=True))) == 12
    # Each piece consumed on in-warranty work freed its value; nothing was lost between threads.
    assert DepositAccount.objects.get(center=center).credit_used_amount == Decimal("0.00")
    assert_credit_ledger_balances()
    assert DefectiveReturn.objects.count() == 12
    assert len(set(DefectiveReturn.objects.values_list("number", flat=True))) == 12


def test_issues_of_different_parts_and_transfers_in_opposite_directions_at_once_never_deadlock():
    manager = UserFactory(username="mgr", roles=["manager"])
    center_a, center_b = ServiceCenterFactory(), ServiceCenterFactory()
    central = WarehouseFactory(central=True)
    wh_a, wh_b = WarehouseFactory(center=center_a), WarehouseFactory(center=center_b)
    parts = [PartFactory(code=f"P-{i}") for i in range(4)]
    for wh in (wh_a, wh_b):
        services.stock_receive(
            warehouse=wh, lines=[(p, 100, "10.01") for p in parts], reference="RK", acting_user=manager
        )
    orders_a = [
        WorkOrderFactory(center=center_a, status=S.IN_REPAIR, call__service_type=ServiceType.FREE)
        for _ in range(4)
    ]
    orders_b = [
        WorkOrderFactory(center=center_b, status=S.IN_REPAIR, call__service_type=ServiceType.PAID)
        for _ in range(4)
    ]

    def issue(order, part):
        def run():
            for _ in range(3):
                services.part_issue(work_order=order, part=part, acting_user=manager)

        return run

    def transfer(source, destination, ordered_parts):
        def run():
            for _ in range(3):
                services.stock_transfer(
                    source=source,
                    destination=destination,
                    lines=[(p, 2) for p in ordered_parts],
                    acting_user=manager,
                )

        return run

    targets = [issue(order, part) for order, part in zip(orders_a + orders_b, parts + parts, strict=True)]
    targets += [
        transfer(wh_a, wh_b, parts),
        transfer(wh_b, wh_a, list(reversed(parts))),
        transfer(wh_a, wh_b, parts[1:] + parts[:1]),
        transfer(wh_b, wh_a, parts[2:] + parts[:2]),
        transfer(wh_a, central, parts[:2]),
        transfer(wh_b, central, list(reversed(parts[:2]))),
    ]

    results = run_in_threads(targets)

    assert [r for r in results if isinstance(r, Exception)] == []
    for part in parts:
        # 100 received; 3 issued; transfers: ±12 between the centres cancel out, 6 of the first two parts to
        # central from each centre.
        to_central = 6 if part in parts[:2] else 0
        for wh in (wh_a, wh_b):
            quantity, value = level(wh, part)
            assert quantity == 100 - 3 - to_central
            assert ledger(wh, part) == (quantity, value)
            assert value >= 0
        assert level(central, part)[0] == 2 * to_central
        assert ledger(central, part) == level(central, part)
    assert_credit_ledger_balances()


def test_the_same_issue_retried_from_several_threads_at_once_is_posted_once():
    manager = UserFactory(username="mgr", roles=["manager"])
    center = ServiceCenterFactory()
    wh = WarehouseFactory(center=center)
    part = PartFactory(code="ZB-01")
    services.stock_receive(warehouse=wh, lines=[(part, 10, "50.00")], reference="RK", acting_user=manager)
    order = WorkOrderFactory(center=center, status=S.IN_REPAIR, call__service_type=ServiceType.PAID)

    def retry():
        return services.part_issue(
            work_order=order, part=part, quantity=2, acting_user=manager, idempotency_key="tablet-7f3a"
        )

    results = run_in_threads([retry] * 6)

    assert all(isinstance(r, StockMovement) for r in results), results
    assert len({r.pk for r in results}) == 1
    assert StockMovement.objects.filter(kind="issue").count() == 1
    assert level(wh, part) == (8, Decimal("400.00")) == ledger(wh, part)
