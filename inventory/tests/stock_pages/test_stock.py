"""The stock list, the manager's stock operations and a part's ledger."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from inventory import services
from inventory.choices import MovementKind
from inventory.factories import PartFactory
from inventory.models import (
    StockLevel,
    StockMovement,
)
from repairs.choices import WorkOrderStatus
from repairs.factories import WorkOrderFactory

from .helpers import _ledger_snapshot, zh

pytestmark = pytest.mark.django_db


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
