"""The ledger and the levels never part ways: random sequences of receipts, transfers, count corrections,
issues, returns and part requests (shipped and received) over three parts and three warehouses keep, for
every warehouse × part, sum(movement quantities) == level quantity and sum(movement values) == level value,
never negative; credit used equals the sum of its ledger; and an operation that is refused changes nothing.

Each example runs inside one transaction that is rolled back at its end, so every example starts from the
same warehouses, parts and work orders."""

from collections import defaultdict
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Sum
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from inventory import services
from inventory.choices import OverCreditPolicy, PartRequestStatus
from inventory.factories import PartFactory, WarehouseFactory
from inventory.models import (
    CreditEntry,
    DefectiveReturn,
    DepositAccount,
    InventorySettings,
    PartRequest,
    StockLevel,
    StockMovement,
)
from inventory.services import InsufficientStock
from network.factories import ServiceCenterFactory, UserFactory
from repairs.choices import ServiceType
from repairs.choices import WorkOrderStatus as S
from repairs.factories import WorkOrderFactory

pytestmark = pytest.mark.django_db

WAREHOUSES = ["central", "a", "b"]
PARTS = [0, 1, 2]
COSTS = [Decimal("10.00"), Decimal("10.01"), Decimal("33.33"), Decimal("0.07"), Decimal("199.99")]
ORDERS = ["a_free", "a_paid", "b_free"]

quantity = st.integers(min_value=1, max_value=6)
part = st.sampled_from(PARTS)
lines = st.lists(st.tuples(part, quantity), min_size=1, max_size=3)
operation = st.one_of(
    st.tuples(st.just("receive"), st.sampled_from(WAREHOUSES), part, quantity, st.sampled_from(COSTS)),
    st.tuples(st.just("transfer"), st.sampled_from(WAREHOUSES), st.sampled_from(WAREHOUSES), lines),
    st.tuples(st.just("adjust"), st.sampled_from(WAREHOUSES), part, st.integers(min_value=-5, max_value=5)),
    st.tuples(st.just("issue"), st.sampled_from(ORDERS), part, quantity),
    st.tuples(st.just("return"), st.sampled_from(ORDERS), part, quantity),
    st.tuples(st.just("request"), st.sampled_from(["a", "b"]), lines, st.booleans()),
    st.tuples(st.just("receive_shipped")),
)


@pytest.fixture
def network(db):
    InventorySettings.objects.update_or_create(
        pk=1,
        defaults={
            "auto_approve_max_quantity": 8,
            "auto_approve_max_amount": Decimal("500.00"),
            "over_credit_policy": OverCreditPolicy.MANAGER,
        },
    )
    manager = UserFactory(username="prop_mgr", roles=["manager"])
    centers, supervisors, warehouses = {}, {}, {"central": WarehouseFactory(central=True)}
    WarehouseFactory(defective=True)
    for key in ("a", "b"):
        centers[key] = ServiceCenterFactory(code=f"PROP-{key}")
        supervisors[key] = UserFactory(username=f"prop_sup_{key}", roles=["supervisor"])
        centers[key].supervisors.add(supervisors[key])
        warehouses[key] = WarehouseFactory(center=centers[key])
        services.deposit_pay(center=centers[key], amount="1000", acting_user=manager)
    parts = [
        PartFactory(code="PROP-0", unit_cost_amount=Decimal("12.34")),
        PartFactory(code="PROP-1", unit_cost_amount=Decimal("99.99"), return_required=True),
        PartFactory(code="PROP-2", unit_cost_amount=Decimal("0.50")),
    ]
    orders = {
        "a_free": WorkOrderFactory(
            center=centers["a"], status=S.IN_REPAIR, call__service_type=ServiceType.FREE
        ),
        "a_paid": WorkOrderFactory(
            center=centers["a"], status=S.IN_REPAIR, call__service_type=ServiceType.PAID
        ),
        "b_free": WorkOrderFactory(
            center=centers["b"], status=S.IN_REPAIR, call__service_type=ServiceType.FREE
        ),
    }
    return {
        "manager": manager,
        "centers": centers,
        "supervisors": supervisors,
        "warehouses": warehouses,
        "parts": parts,
        "orders": orders,
    }


def snapshot():
    return (
        list(StockLevel.objects.order_by("pk").values_list("pk", "quantity", "value_amount")),
        StockMovement.objects.count(),
        list(DepositAccount.objects.order_by("pk").values_list("pk", "credit_used_amount")),
        CreditEntry.objects.count(),
        list(PartRequest.objects.order_by("pk").values_list("pk", "status")),
        list(DefectiveReturn.objects.order_by("pk").values_list("pk", "status")),
    )


def assert_ledger_equals_levels():
    sums = {
        (row["warehouse_id"], row["part_id"]): (row["q"], row["v"], row["n"])
        for row in StockMovement.objects.values("warehouse_id", "part_id").annotate(
            q=Sum("quantity"), v=Sum("value_amount"), n=Count("id")
        )
    }
    levels = {(lv.warehouse_id, lv.part_id): lv for lv in StockLevel.objects.all()}
    for key, (q, v, _n) in sums.items():
        assert key in levels, f"movements without a level at {key}"
        assert (levels[key].quantity, levels[key].value_amount) == (q, v), key
    for key, level in levels.items():
        assert level.quantity >= 0 and level.value_amount >= 0, key
        if key not in sums:
            assert (level.quantity, level.value_amount) == (0, Decimal("0.00")), key
    for account in DepositAccount.objects.all():
        total = CreditEntry.objects.filter(account=account).aggregate(s=Sum("amount"))["s"] or Decimal("0.00")
        assert account.credit_used_amount == total
        assert account.credit_used_amount >= 0


class Model:
    """What the quantities should be, kept independently of the database."""

    def __init__(self, net):
        self.net = net
        self.on_hand = defaultdict(int)  # (warehouse key, part index) -> pieces
        self.on_order = defaultdict(int)  # (order key, part index) -> net pieces issued
        self.shipped = []  # requests shipped, not yet received

    def _wh(self, key):
        return self.net["warehouses"][key]

    def receive(self, wh, p, q, cost):
        services.stock_receive(
            warehouse=self._wh(wh),
            lines=[(self.net["parts"][p], q, cost)],
            reference="RK",
            acting_user=self.net["manager"],
        )
        self.on_hand[wh, p] += q

    def transfer(self, source, destination, wanted):
        totals = defaultdict(int)
        for p, q in wanted:
            totals[p] += q
        call = lambda: services.stock_transfer(  # noqa: E731
            source=self._wh(source),
            destination=self._wh(destination),
            lines=[(self.net["parts"][p], q) for p, q in wanted],
            acting_user=self.net["manager"],
        )
        if source == destination:
            refused(call, ValidationError)
            return
        short = {p for p, q in totals.items() if self.on_hand[source, p] < q}
        if short:
            error = refused(call, InsufficientStock)
            assert {s[1].pk for s in error.shortages} == {self.net["parts"][p].pk for p in short}
            return
        call()
        for p, q in totals.items():
            self.on_hand[source, p] -= q
            self.on_hand[destination, p] += q

    def adjust(self, wh, p, q):
        call = lambda: services.stock_adjust(  # noqa: E731
            warehouse=self._wh(wh),
            part=self.net["parts"][p],
            quantity=q,
            reason="盘点",
            acting_user=self.net["manager"],
        )
        if q == 0:
            refused(call, ValidationError)
        elif self.on_hand[wh, p] + q < 0:
            refused(call, InsufficientStock)
        else:
            call()
            self.on_hand[wh, p] += q

    def issue(self, order, p, q):
        wh = order[0]
        call = lambda: services.part_issue(  # noqa: E731
            work_order=self.net["orders"][order],
            part=self.net["parts"][p],
            quantity=q,
            acting_user=self.net["manager"],
        )
        if self.on_hand[wh, p] < q:
            refused(call, InsufficientStock)
            return
        call()
        self.on_hand[wh, p] -= q
        self.on_order[order, p] += q

    def return_(self, order, p, q):
        wh = order[0]
        call = lambda: services.part_return(  # noqa: E731
            work_order=self.net["orders"][order],
            part=self.net["parts"][p],
            quantity=q,
            reason="未使用",
            acting_user=self.net["manager"],
        )
        if self.on_order[order, p] < q:
            refused(call, ValidationError)
            return
        call()
        self.on_order[order, p] -= q
        self.on_hand[wh, p] += q

    def request(self, center, wanted, receive_now):
        net = self.net
        request = services.part_request_submit(
            center=net["centers"][center],
            lines=[(net["parts"][p], q) for p, q in wanted],
            acting_user=net["supervisors"][center],
        )
        if request.status == PartRequestStatus.PENDING:
            services.part_request_approve(request=request, acting_user=net["manager"])
        totals = defaultdict(int)
        for p, q in wanted:
            totals[p] += q
        ship = lambda: services.part_request_ship(request=request, acting_user=net["manager"])  # noqa: E731
        if any(self.on_hand["central", p] < q for p, q in totals.items()):
            refused(ship, InsufficientStock)
            services.part_request_cancel(request=request, acting_user=net["supervisors"][center])
            return
        ship()
        for p, q in totals.items():
            self.on_hand["central", p] -= q
        self.shipped.append((request, center, totals))
        if receive_now:
            self.receive_shipped()

    def receive_shipped(self):
        if not self.shipped:
            return
        request, center, totals = self.shipped.pop(0)
        services.part_request_receive(request=request, acting_user=self.net["supervisors"][center])
        for p, q in totals.items():
            self.on_hand[center, p] += q

    def check(self):
        assert_ledger_equals_levels()
        for (wh, p), q in self.on_hand.items():
            level = StockLevel.objects.filter(warehouse=self._wh(wh), part=self.net["parts"][p]).first()
            assert (level.quantity if level else 0) == q, (wh, p)


def refused(call, error_class):
    """The call raises `error_class` and changes nothing."""
    before = snapshot()
    with pytest.raises(error_class) as raised:
        call()
    assert snapshot() == before
    event(f"refused: {type(raised.value).__name__}")
    return raised.value


@settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=st.lists(operation, min_size=1, max_size=25))
def test_random_operations_keep_the_ledger_equal_to_the_levels(network, operations):
    with transaction.atomic():
        model = Model(network)
        for op in operations:
            name = "return_" if op[0] == "return" else op[0]
            getattr(model, name)(*op[1:])
            model.check()
        transaction.set_rollback(True)
