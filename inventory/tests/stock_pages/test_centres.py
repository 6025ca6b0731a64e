"""A centre's page, deposits and the admin."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from inventory import services
from inventory.choices import DefectiveReturnStatus, PartRequestStatus
from inventory.models import (
    CreditEntry,
    DefectiveReturn,
    DepositAccount,
    DepositEntry,
    PartRequest,
    PartRequestEvent,
    StockMovement,
)
from network.factories import UserFactory

from .helpers import _ledger_snapshot, zh

pytestmark = pytest.mark.django_db


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
