"""The stock pages through the Django test client: who sees which warehouse and centre, the manager's
stock operations and deposit forms (the services' messages on the form, nothing changed when refused),
the running balance of a part's ledger across pages, query counts that do not grow with the page size,
and the admin that never writes a ledger."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, override

from inventory import services
from inventory.choices import DefectiveReturnStatus, MovementKind, PartRequestStatus
from inventory.factories import PartFactory, WarehouseFactory
from inventory.models import (
    CreditEntry,
    DefectiveReturn,
    DepositAccount,
    DepositEntry,
    PartRequest,
    PartRequestEvent,
    StockLevel,
    StockMovement,
)
from network.factories import ServiceCenterFactory, UserFactory
from repairs.choices import WorkOrderStatus
from repairs.factories import WorkOrderFactory

pytestmark = pytest.mark.django_db


def zh(message: str) -> str:
    """A service's message as the page shows it (Chinese first)."""
    with override("zh-hans"):
        return gettext(message)


@pytest.fixture
def world(users):
    """The central warehouse, centre A (the `users` supervisor's) and centre B with their warehouses and
    supervisors, two parts, stock in all three warehouses."""
    manager = users["manager"]
    central = WarehouseFactory(central=True)
    wa = WarehouseFactory(center=users["center"])
    center_b = ServiceCenterFactory(code="SC-B", name="乙网点")
    sup_b = UserFactory(username="sup_b", roles=["supervisor"])
    center_b.supervisors.add(sup_b)
    wb = WarehouseFactory(center=center_b)
    compressor = PartFactory(code="YSJ-001", name="压缩机", is_major=True, unit_cost_amount=Decimal("800.00"))
    board = PartFactory(code="ZB-002", name="主板", unit_cost_amount=Decimal("120.00"))
    services.stock_receive(
        warehouse=central,
        lines=[(compressor, 10, "800.00"), (board, 20, "120.00")],
        reference="RK-1",
        acting_user=manager,
    )
    services.deposit_pay(center=users["center"], amount="10000", acting_user=manager)
    services.deposit_pay(center=center_b, amount="10000", acting_user=manager)
    services.stock_transfer(source=central, destination=wa, lines=[(compressor, 2)], acting_user=manager)
    services.stock_transfer(source=central, destination=wb, lines=[(board, 3)], acting_user=manager)
    return {
        "central": central,
        "wa": wa,
        "wb": wb,
        "center_a": users["center"],
        "center_b": center_b,
        "sup_b": sup_b,
        "compressor": compressor,
        "board": board,
    }


def _ledger_snapshot():
    return (
        StockMovement.objects.count(),
        list(StockLevel.objects.order_by("pk").values_list("quantity", "value_amount")),
        list(
            DepositAccount.objects.order_by("pk").values_list(
                "deposit_amount", "leverage_ratio", "credit_used_amount"
            )
        ),
        DepositEntry.objects.count(),
        CreditEntry.objects.count(),
    )


# The stock list ----------------------------------------------------------------------------------------


def test_a_manager_sees_every_warehouse_and_a_supervisor_only_their_centre(client, users, world):
    client.force_login(users["manager"])
    rows = client.get(reverse("inventory:stock")).context["rows"]
    assert {(r.warehouse.code, r.part.code) for r in rows} == {
        ("CW", "YSJ-001"),
        ("CW", "ZB-002"),
        (world["wa"].code, "YSJ-001"),
        (world["wb"].code, "ZB-002"),
    }
    client.force_login(users["supervisor"])
    response = client.get(reverse("inventory:stock"))
    assert [(r.warehouse, r.part.code, r.quantity) for r in response.context["rows"]] == [
        (world["wa"], "YSJ-001", 2)
    ]
    assert response.context["totals"] == {"lines": 1, "quantity": 2, "value": Decimal("1600.00")}
    # Asking for another centre's warehouse is an invalid choice, not a look into it.
    response = client.get(reverse("inventory:stock"), {"warehouse": world["wb"].pk})
    assert "warehouse" in response.context["filterset"].errors
    assert world["wb"].name not in response.content.decode()


@pytest.mark.parametrize("who", ["technician", "dispatcher", "dealer", "nobody"])
def test_users_without_a_stock_role_are_refused(client, users, world, who):
    client.force_login(users[who])
    for url in (
        reverse("inventory:stock"),
        reverse("inventory:part_ledger", args=[world["compressor"].pk]),
        reverse("inventory:center_detail", args=[world["center_a"].pk]),
        reverse("inventory:deposits", args=[world["center_a"].pk]),
    ):
        assert client.get(url).status_code == 403, url


def test_anonymous_users_are_sent_to_the_login_page(client, world):
    response = client.get(reverse("inventory:stock"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_totals_are_those_of_the_filtered_lines(client, users, world):
    client.force_login(users["manager"])
    response = client.get(reverse("inventory:stock"), {"warehouse": world["central"].pk, "page_size": 10})
    assert response.context["totals"] == {
        "lines": 2,
        "quantity": 8 + 17,
        "value": Decimal("6400.00") + Decimal("2040.00"),
    }
    body = response.content.decode()
    assert "8440.00" in body


def test_stock_list_queries_do_not_grow_with_page_size(client, users, world, django_assert_max_num_queries):
    parts = [PartFactory() for _ in range(60)]
    services.stock_receive(
        warehouse=world["central"],
        lines=[(p, 5, "10.00") for p in parts],
        reference="RK-2",
        acting_user=users["manager"],
    )
    client.force_login(users["manager"])
    counts = []
    for size in (10, 50):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse("inventory:stock"), {"page_size": size})
        assert len(response.context["rows"]) == size
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(counts[0]):
        response = client.get(reverse("inventory:stock"), {"page_size": 100, "attention": "zero", "q": "P"})
    assert response.status_code == 200


def test_the_stock_pages_through_lines(client, users, world):
    client.force_login(users["manager"])
    first = client.get(reverse("inventory:stock"), {"page_size": 10, "ordering": "part"})
    assert first.context["pages"] == 1
    parts = [PartFactory(code=f"X{n:03d}") for n in range(12)]
    services.stock_receive(
        warehouse=world["central"],
        lines=[(p, 1, "1.00") for p in parts],
        reference="R",
        acting_user=users["manager"],
    )
    second = client.get(reverse("inventory:stock"), {"page_size": 10, "page": 2, "ordering": "part"})
    assert second.context["pages"] == 2 and second.context["page"] == 2
    assert [r.part.code for r in second.context["rows"]] == [
        "X010",
        "X011",
        "YSJ-001",
        "YSJ-001",
        "ZB-002",
        "ZB-002",
    ]


# A manager's stock operations --------------------------------------------------------------------------


def test_a_manager_receives_parts_and_sees_a_message_after_the_redirect(client, users, world):
    client.force_login(users["manager"])
    page = client.get(reverse("inventory:stock_operations"))
    key = page.context["forms"]["receipt"].initial["idempotency_key"]
    data = {
        "op": "receipt",
        "receipt-warehouse": world["central"].pk,
        "receipt-part": "ysj-001",
        "receipt-quantity": "5",
        "receipt-unit_cost": "860.00",
        "receipt-reference": "GYS-20260301",
        "receipt-idempotency_key": key,
    }
    response = client.post(reverse("inventory:stock_operations"), data, follow=True)
    assert response.redirect_chain == [(reverse("inventory:stock_operations"), 302)]
    level = StockLevel.objects.get(warehouse=world["central"], part=world["compressor"])
    assert level.quantity == 13 and level.value_amount == Decimal("6400.00") + Decimal("4300.00")
    assert "GYS-20260301" in response.content.decode()
    assert [str(m) for m in response.context["messages"]] == [
        zh("Received %(quantity)s × %(part)s into %(warehouse)s at %(cost)s yuan each.")
        % {"quantity": 5, "part": world["compressor"], "warehouse": world["central"].name, "cost": "860.00"}
    ]
    # The same form sent twice (a double click, a reload) books it once.
    client.post(reverse("inventory:stock_operations"), data)
    level.refresh_from_db()
    assert level.quantity == 13


def test_the_services_errors_show_in_the_operation_forms_and_nothing_changes(client, users, world):
    client.force_login(users["manager"])
    before = _ledger_snapshot()
    url = reverse("inventory:stock_operations")
    response = client.post(
        url,
        {
            "op": "receipt",
            "receipt-warehouse": world["central"].pk,
            "receipt-part": "YSJ-001",
            "receipt-quantity": "0",
            "receipt-reference": "X",
        },
    )
    assert response.status_code == 400
    assert zh("The quantity must be greater than zero.") in response.content.decode()
    response = client.post(
        url,
        {
            "op": "transfer",
            "transfer-source": world["wa"].pk,
            "transfer-destination": world["wb"].pk,
            "transfer-part": "YSJ-001",
            "transfer-quantity": "5",
        },
    )
    assert response.status_code == 400
    shortage = zh("Not enough %(part)s in %(warehouse)s: %(wanted)s wanted, %(on_hand)s on hand.") % {
        "part": world["compressor"],
        "warehouse": world["wa"],
        "wanted": 5,
        "on_hand": 2,
    }
    assert response.context["forms"]["transfer"].non_field_errors() == [shortage]
    response = client.post(
        url,
        {
            "op": "adjust",
            "adjust-warehouse": world["wa"].pk,
            "adjust-part": "YSJ-001",
            "adjust-quantity": "-1",
        },
    )
    assert response.status_code == 400
    assert response.context["forms"]["adjust"].errors["reason"] == [zh("Say why the count is corrected.")]
    response = client.post(
        url,
        {"op": "adjust", "adjust-warehouse": world["wa"].pk, "adjust-part": "NOPE", "adjust-quantity": "1"},
    )
    assert response.status_code == 400 and "part" in response.context["forms"]["adjust"].errors
    assert _ledger_snapshot() == before


def test_a_count_adjustment_with_a_reason_is_booked(client, users, world):
    client.force_login(users["manager"])
    client.post(
        reverse("inventory:stock_operations"),
        {
            "op": "adjust",
            "adjust-warehouse": world["wa"].pk,
            "adjust-part": "YSJ-001",
            "adjust-quantity": "-1",
            "adjust-reason": "盘点少一台",
        },
    )
    movement = StockMovement.objects.get(kind=MovementKind.ADJUSTMENT)
    assert (
        movement.quantity == -1
        and movement.reason == "盘点少一台"
        and movement.created_by == users["manager"]
    )
    assert StockLevel.objects.get(warehouse=world["wa"], part=world["compressor"]).quantity == 1


@pytest.mark.parametrize("who", ["supervisor", "sup_b", "technician", "nobody"])
def test_only_a_manager_books_stock_operations(client, users, world, who):
    client.force_login(world["sup_b"] if who == "sup_b" else users[who])
    before = _ledger_snapshot()
    for data in (
        {
            "op": "receipt",
            "receipt-warehouse": world["wa"].pk,
            "receipt-part": "YSJ-001",
            "receipt-quantity": "5",
            "receipt-reference": "X",
        },
        {
            "op": "transfer",
            "transfer-source": world["wa"].pk,
            "transfer-destination": world["wb"].pk,
            "transfer-part": "YSJ-001",
            "transfer-quantity": "1",
        },
        {
            "op": "adjust",
            "adjust-warehouse": world["wb"].pk,
            "adjust-part": "ZB-002",
            "adjust-quantity": "-3",
            "adjust-reason": "x",
        },
    ):
        assert client.post(reverse("inventory:stock_operations"), data).status_code == 403
    assert client.get(reverse("inventory:stock_operations")).status_code == 403
    assert _ledger_snapshot() == before


# A part's ledger ---------------------------------------------------------------------------------------


def test_the_running_balance_is_right_on_every_page(client, users, world):
    """Receipts into the central warehouse at changing costs, transfers to centre A and count corrections,
    interleaved, read ten rows a page: every row carries its own warehouse's balance after it (quantity
    and value), whatever page it is on."""
    manager = users["manager"]
    part = PartFactory(code="RB-1", unit_cost_amount=Decimal("10.00"))
    start = timezone.now() - dt.timedelta(days=10)
    for n in range(12):
        now = start + dt.timedelta(hours=n)
        services.stock_receive(
            warehouse=world["central"],
            lines=[(part, n % 4 + 2, f"{10 + n}.50")],
            reference=f"R{n}",
            acting_user=manager,
            now=now,
        )
        services.stock_transfer(
            source=world["central"], destination=world["wa"], lines=[(part, 1)], acting_user=manager, now=now
        )
        if n % 5 == 4:
            services.stock_adjust(
                warehouse=world["wa"], part=part, quantity=-1, reason="盘亏", acting_user=manager, now=now
            )
    everything = list(StockMovement.objects.filter(part=part).order_by("created_at", "id"))
    assert len(everything) == 38
    expected, running = {}, {}
    for mv in everything:
        q, v = running.get(mv.warehouse_id, (0, Decimal("0.00")))
        running[mv.warehouse_id] = expected[mv.pk] = (q + mv.quantity, v + mv.value_amount)
    client.force_login(manager)
    url = reverse("inventory:part_ledger", args=[part.pk])
    seen, page = [], 1
    while True:
        response = client.get(url, {"page_size": 10, "page": page})
        seen += [(r.pk, (r.balance_quantity, r.balance_value)) for r in response.context["rows"]]
        if not response.context["has_next"]:
            break
        page += 1
    assert page == 4
    assert [pk for pk, _balance in seen] == [mv.pk for mv in reversed(everything)]
    assert dict(seen) == expected
    # The newest row of each warehouse ends on its stock level.
    for warehouse in (world["central"], world["wa"]):
        rows = client.get(url, {"warehouse": warehouse.pk}).context["rows"]
        level = StockLevel.objects.get(warehouse=warehouse, part=part)
        assert (rows[0].balance_quantity, rows[0].balance_value) == (level.quantity, level.value_amount)
        assert {r.warehouse_id for r in rows} == {warehouse.pk}


def test_the_oldest_page_starts_from_the_first_movement(client, users, world):
    manager = users["manager"]
    part = PartFactory(code="RB-3")
    start = timezone.now() - dt.timedelta(days=1)
    for n in range(25):
        services.stock_receive(
            warehouse=world["central"],
            lines=[(part, 1, "3.00")],
            reference=f"R{n}",
            acting_user=manager,
            now=start + dt.timedelta(minutes=n),
        )
    client.force_login(manager)
    url = reverse("inventory:part_ledger", args=[part.pk])
    first = client.get(url, {"page_size": 10, "page": 1})
    third = client.get(url, {"page_size": 10, "page": 3})
    assert [r.balance_quantity for r in first.context["rows"]] == list(range(25, 15, -1))
    assert [r.balance_quantity for r in third.context["rows"]] == [5, 4, 3, 2, 1]
    assert [r.balance_value for r in third.context["rows"]] == [Decimal(3 * n) for n in (5, 4, 3, 2, 1)]
    assert first.context["has_next"] and not third.context["has_next"]


def test_a_supervisor_reads_only_their_warehouse_in_a_ledger(client, users, world):
    compressor = world["compressor"]
    url = reverse("inventory:part_ledger", args=[compressor.pk])
    client.force_login(users["supervisor"])
    response = client.get(url)
    assert {r.warehouse_id for r in response.context["rows"]} == {world["wa"].pk}
    assert client.get(url, {"warehouse": world["wa"].pk}).status_code == 200
    assert client.get(url, {"warehouse": world["central"].pk}).status_code == 404
    assert client.get(url, {"warehouse": world["wb"].pk}).status_code == 404
    assert client.get(url, {"warehouse": "x"}).status_code == 404
    client.force_login(world["sup_b"])
    assert client.get(url).context["rows"] == []
    assert client.get(url, {"warehouse": world["wa"].pk}).status_code == 404
    client.force_login(users["manager"])
    assert client.get(url, {"warehouse": world["central"].pk}).status_code == 200
    assert client.get(reverse("inventory:part_ledger", args=[999999])).status_code == 404


def test_a_ledger_row_links_its_work_order(client, users, world):
    order = WorkOrderFactory(center=world["center_a"], status=WorkOrderStatus.IN_REPAIR)
    part = PartFactory(code="WO-1", category=order.call.unit.model.category)
    services.stock_receive(
        warehouse=world["wa"], lines=[(part, 2, "50.00")], reference="R", acting_user=users["manager"]
    )
    services.part_issue(work_order=order, part=part, acting_user=users["manager"])
    client.force_login(users["supervisor"])
    body = client.get(reverse("inventory:part_ledger", args=[part.pk])).content.decode()
    assert reverse("repairs:call_detail", args=[order.call_id]) + f"#wo-{order.pk}" in body


def test_ledger_queries_do_not_grow_with_page_size(client, users, world, django_assert_max_num_queries):
    manager = users["manager"]
    part = world["board"]
    start = timezone.now() - dt.timedelta(days=1)
    for n in range(60):
        services.stock_adjust(
            warehouse=world["central"],
            part=part,
            quantity=1,
            reason=f"r{n}",
            acting_user=manager,
            now=start + dt.timedelta(minutes=n),
        )
    client.force_login(manager)
    url = reverse("inventory:part_ledger", args=[part.pk])
    counts = []
    for size in (10, 50):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url, {"page_size": size})
        assert len(response.context["rows"]) == size
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(counts[0]):
        client.get(url, {"page_size": 100})


# A centre's page ---------------------------------------------------------------------------------------


@pytest.fixture
def centre_activity(users, world):
    """Centre A: a part request awaiting a manager, an approved one, a defective return overdue and one
    still in time."""
    manager = users["manager"]
    order = WorkOrderFactory(center=world["center_a"], status=WorkOrderStatus.IN_REPAIR)
    returnable = PartFactory(
        code="HX-9",
        name="换向阀",
        category=order.call.unit.model.category,
        return_required=True,
        return_within_days=7,
    )
    services.stock_receive(
        warehouse=world["wa"], lines=[(returnable, 3, "60.00")], reference="R", acting_user=manager
    )
    services.part_issue(
        work_order=order, part=returnable, acting_user=manager, now=timezone.now() - dt.timedelta(days=10)
    )
    services.part_issue(work_order=order, part=returnable, acting_user=manager)
    small = services.part_request_submit(
        center=world["center_a"], lines=[(world["board"], 2)], acting_user=users["supervisor"]
    )
    big = services.part_request_submit(
        center=world["center_a"], lines=[(world["compressor"], 5)], acting_user=users["supervisor"]
    )
    return {"order": order, "returnable": returnable, "small": small, "big": big}


def test_a_supervisor_sees_their_centre_stock_credit_requests_and_returns(
    client, users, world, centre_activity
):
    client.force_login(users["supervisor"])
    response = client.get(reverse("inventory:my_center"))
    assert response.status_code == 200 and response.context["center"] == world["center_a"]
    credit = response.context["credit"]
    account = DepositAccount.objects.get(center=world["center_a"])
    assert credit["limit"] == Decimal("30000.00") and credit["used"] == account.credit_used_amount
    assert credit["available"] == Decimal("30000.00") - account.credit_used_amount
    assert credit["committed"] == centre_activity["small"].amount + centre_activity["big"].amount
    assert {r.number for r in response.context["requests"]} == {
        centre_activity["small"].number,
        centre_activity["big"].number,
    }
    returns = response.context["returns"]
    assert [t.is_overdue for t in returns] == [True, False]
    assert response.context["overdue_count"] == 1 and response.context["overdue_value"] == Decimal("60.00")
    body = response.content.decode()
    assert returns[0].number in body and returns[0].due_on.strftime("%Y-%m-%d") in body
    assert 'class="overdue"' in body
    assert reverse("inventory:stock") + f"?warehouse={world['wa'].pk}" in body


def test_centre_pages_are_scoped(client, users, world, centre_activity):
    a = reverse("inventory:center_detail", args=[world["center_a"].pk])
    b = reverse("inventory:center_detail", args=[world["center_b"].pk])
    client.force_login(users["manager"])
    assert client.get(a).status_code == 200 and client.get(b).status_code == 200
    assert client.get(reverse("inventory:my_center")).status_code == 403  # a manager opens centres by number
    client.force_login(users["supervisor"])
    assert client.get(a).status_code == 200
    assert client.get(b).status_code == 404
    client.force_login(world["sup_b"])
    page = client.get(reverse("inventory:my_center"))
    assert page.context["center"] == world["center_b"] and page.context["returns"] == []
    assert centre_activity["small"].number not in page.content.decode()
    assert client.get(a).status_code == 404


def test_a_supervisor_without_a_centre_is_told_so(client, world):
    client.force_login(UserFactory(username="sup_none", roles=["supervisor"]))
    response = client.get(reverse("inventory:my_center"))
    assert response.status_code == 200 and "center" not in response.context


def test_centre_page_queries_are_fixed(client, users, world, centre_activity, django_assert_max_num_queries):
    client.force_login(users["supervisor"])
    with CaptureQueriesContext(connection) as ctx:
        client.get(reverse("inventory:my_center"))
    services.part_issue(
        work_order=centre_activity["order"], part=centre_activity["returnable"], acting_user=users["manager"]
    )
    for _ in range(5):
        services.part_request_submit(
            center=world["center_a"], lines=[(world["board"], 1)], acting_user=users["supervisor"]
        )
    with django_assert_max_num_queries(len(ctx.captured_queries)):
        client.get(reverse("inventory:my_center"))


# Deposits ----------------------------------------------------------------------------------------------


def test_the_centre_supervisor_reads_the_deposit_and_credit_ledgers(client, users, world):
    client.force_login(users["supervisor"])
    response = client.get(reverse("inventory:deposits", args=[world["center_a"].pk]))
    assert response.status_code == 200
    assert [(e.kind, e.amount, e.balance_after) for e in response.context["deposit_rows"]] == [
        ("payment", Decimal("10000.00"), Decimal("10000.00"))
    ]
    assert [(e.kind, e.amount, e.used_after) for e in response.context["credit_rows"]] == [
        ("shipped", Decimal("1600.00"), Decimal("1600.00"))
    ]
    assert response.context["forms"] is None
    assert (
        'action="' + reverse("inventory:deposit_action", args=[world["center_a"].pk, "pay"])
        not in response.content.decode()
    )
    assert client.get(reverse("inventory:deposits", args=[world["center_b"].pk])).status_code == 404


def test_a_manager_pays_refunds_sets_the_ratio_and_records_a_parts_payment(client, users, world):
    client.force_login(users["manager"])
    center = world["center_a"]

    def post(op, **data):
        return client.post(
            reverse("inventory:deposit_action", args=[center.pk, op]),
            {f"{op}-{k}": v for k, v in data.items()},
            follow=True,
        )

    response = post("pay", amount="5000", reference="YH-1", note="第二笔押金")
    assert response.redirect_chain == [(reverse("inventory:deposits", args=[center.pk]), 302)]
    account = DepositAccount.objects.get(center=center)
    assert account.deposit_amount == Decimal("15000.00")
    assert [str(m) for m in response.context["messages"]] == [
        zh("Deposit of %(amount)s yuan received; deposit now %(balance)s yuan.")
        % {"amount": "5000.00", "balance": "15000.00"}
    ]
    post("refund", amount="2000")
    post("ratio", leverage_ratio="2.5")
    post("payment", amount="600", reference="FK-1")
    account.refresh_from_db()
    assert (account.deposit_amount, account.leverage_ratio, account.credit_used_amount) == (
        Decimal("13000.00"),
        Decimal("2.50"),
        Decimal("1000.00"),
    )
    assert list(DepositEntry.objects.filter(account=account).values_list("kind", "amount")) == [
        ("payment", Decimal("10000.00")),
        ("payment", Decimal("5000.00")),
        ("refund", Decimal("-2000.00")),
    ]
    assert CreditEntry.objects.filter(account=account, kind="paid", amount=Decimal("-600.00")).exists()


def test_deposit_forms_show_the_services_messages_and_change_nothing(client, users, world):
    client.force_login(users["manager"])
    center = world["center_a"]
    before = _ledger_snapshot()

    def post(op, **data):
        return client.post(
            reverse("inventory:deposit_action", args=[center.pk, op]),
            {f"{op}-{k}": v for k, v in data.items()},
        )

    response = post("refund", amount="20000")
    assert response.status_code == 400
    assert response.context["forms"]["refund"].errors["amount"] == [
        zh("The refund of %(amount)s yuan is more than the deposit of %(deposit)s yuan.")
        % {"amount": "20000.00", "deposit": "10000.00"}
    ]
    # Credit in use (1600) caps the refund: 10000 − 1600 / 3 = 9466.66.
    response = post("refund", amount="9500")
    assert response.status_code == 400 and "9466.66" in response.content.decode()
    response = post("pay", amount="-5")
    assert response.context["forms"]["pay"].errors["amount"] == [zh("The amount must be greater than zero.")]
    response = post("ratio", leverage_ratio="0")
    assert response.context["forms"]["ratio"].errors["leverage_ratio"] == [
        zh("The leverage ratio must be greater than zero.")
    ]
    response = post("payment", amount="5000")
    assert response.status_code == 400 and "1600.00" in response.content.decode()
    assert _ledger_snapshot() == before


@pytest.mark.parametrize("who", ["supervisor", "sup_b", "technician", "nobody"])
def test_only_a_manager_changes_a_deposit(client, users, world, who):
    client.force_login(world["sup_b"] if who == "sup_b" else users[who])
    before = _ledger_snapshot()
    center = world["center_a"]
    for op, data in (
        ("pay", {"pay-amount": "1000"}),
        ("refund", {"refund-amount": "1000"}),
        ("ratio", {"ratio-leverage_ratio": "9"}),
        ("payment", {"payment-amount": "100"}),
    ):
        assert client.post(reverse("inventory:deposit_action", args=[center.pk, op]), data).status_code == 403
    assert _ledger_snapshot() == before


def test_deposit_page_queries_do_not_grow_with_the_ledgers(
    client, users, world, django_assert_max_num_queries
):
    center = world["center_a"]
    client.force_login(users["manager"])
    url = reverse("inventory:deposits", args=[center.pk])
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    for n in range(25):
        services.deposit_pay(center=center, amount="10", reference=f"B{n}", acting_user=users["manager"])
        services.parts_payment_record(center=center, amount="1", acting_user=users["manager"])
    with django_assert_max_num_queries(len(ctx.captured_queries)):
        response = client.get(url)
    assert len(response.context["deposit_rows"]) == 20 and response.context["deposit_has_next"]
    older = client.get(url, {"dpage": 2})
    assert [e.reference for e in older.context["deposit_rows"]][-1] == ""  # the first payment, no reference


# The admin ---------------------------------------------------------------------------------------------


def test_the_admin_shows_ledgers_and_never_writes_them(admin_client, users, world):
    movement = StockMovement.objects.order_by("pk").first()
    assert admin_client.get(reverse("admin:inventory_stockmovement_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:inventory_stockmovement_add")).status_code == 403
    response = admin_client.post(
        reverse("admin:inventory_stockmovement_change", args=[movement.pk]), {"quantity": "999"}
    )
    assert response.status_code == 403
    assert (
        admin_client.post(
            reverse("admin:inventory_stockmovement_delete", args=[movement.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    for name in (
        "stocklevel",
        "depositentry",
        "creditentry",
        "depositaccount",
        "partrequest",
        "defectivereturn",
    ):
        assert admin_client.get(reverse(f"admin:inventory_{name}_changelist")).status_code == 200, name
        assert admin_client.get(reverse(f"admin:inventory_{name}_add")).status_code == 403, name
    movement.refresh_from_db()
    assert movement.quantity == 10


def test_the_admin_shows_a_part_request_with_its_lines_and_events(admin_client, users, world):
    request = services.part_request_submit(
        center=world["center_a"], lines=[(world["board"], 2)], acting_user=users["supervisor"]
    )
    page = admin_client.get(reverse("admin:inventory_partrequest_change", args=[request.pk])).content.decode()
    assert "ZB-002" in page and PartRequestEvent.objects.filter(request=request).exists()
    assert request.status in (PartRequestStatus.APPROVED, PartRequestStatus.PENDING)
    response = admin_client.post(
        reverse("admin:inventory_partrequest_change", args=[request.pk]), {"status": "shipped"}
    )
    assert response.status_code == 403
    assert PartRequest.objects.get(pk=request.pk).status == request.status


def test_the_admin_edits_parts_warehouses_and_settings(admin_client, world):
    assert (
        admin_client.get(reverse("admin:inventory_part_change", args=[world["board"].pk])).status_code == 200
    )
    assert admin_client.get(reverse("admin:inventory_part_add")).status_code == 200
    assert (
        admin_client.get(reverse("admin:inventory_warehouse_change", args=[world["central"].pk])).status_code
        == 200
    )
    from inventory.models import InventorySettings

    settings = InventorySettings.current()
    response = admin_client.post(
        reverse("admin:inventory_inventorysettings_change", args=[settings.pk]),
        {
            "auto_approve_max_quantity": "30",
            "auto_approve_max_amount": "2500.00",
            "over_credit_policy": "manager",
        },
    )
    assert response.status_code == 302
    settings.refresh_from_db()
    assert settings.auto_approve_max_quantity == 30 and settings.over_credit_policy == "manager"
    assert admin_client.get(reverse("admin:inventory_inventorysettings_add")).status_code == 403


def test_defective_return_statuses_in_the_admin(admin_client, users, world, centre_activity):
    tag = DefectiveReturn.objects.filter(status=DefectiveReturnStatus.OPEN).first()
    page = admin_client.get(reverse("admin:inventory_defectivereturn_change", args=[tag.pk]))
    assert page.status_code == 200 and tag.number in page.content.decode()
