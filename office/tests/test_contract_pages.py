"""Maintenance contracts in the browser's pages and over the API: who reads which, the new-contract form as
the browser sends it, the steps of a contract, and lists whose query count does not grow with their rows."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from integrations.services import api_key_create
from network.factories import DealerFactory, ServiceCenterFactory, UserFactory
from repairs.factories import ProductUnitFactory
from warranty import contracts as services
from warranty.choices import ContractPaymentKind, ContractStatus
from warranty.models import MaintenanceContract

pytestmark = pytest.mark.django_db


def _contract(center, *, dealer=None, units=1, **changes):
    first = ProductUnitFactory()
    units = [first] + [ProductUnitFactory(owner=first.owner) for _ in range(units - 1)]
    today = timezone.localdate()
    seller = {"sold_by_dealer": dealer} if dealer else {"sold_by_center": center}
    kwargs = {
        "customer": first.owner,
        "units": units,
        "starts_on": today,
        "ends_on": today + dt.timedelta(days=364),
        "price_amount": Decimal("1200.00"),
        "center": center,
        **seller,
    }
    return services.contract_create(**{**kwargs, **changes})


@pytest.fixture
def world(users):
    other = ServiceCenterFactory(code="SC-B", name="乙网点")
    other_supervisor = UserFactory(username="sup_b", roles=["supervisor"])
    other.supervisors.add(other_supervisor)
    mine = _contract(users["center"], dealer=users["dealer_obj"])
    theirs = _contract(other)
    return {**users, "other_supervisor": other_supervisor, "mine": mine, "theirs": theirs}


def test_each_party_sees_its_own_contracts_on_the_page_and_404_for_others(client, world):
    client.force_login(world["supervisor"])
    page = client.get(reverse("contracts:list")).content.decode()
    assert world["mine"].number in page and world["theirs"].number not in page
    assert client.get(reverse("contracts:detail", args=[world["theirs"].pk])).status_code == 404
    assert client.get(reverse("contracts:detail", args=[world["mine"].pk])).status_code == 200
    client.force_login(world["manager"])
    page = client.get(reverse("contracts:list")).content.decode()
    assert world["mine"].number in page and world["theirs"].number in page
    client.force_login(world["technician"])
    assert client.get(reverse("contracts:list")).status_code == 403


def test_another_centres_supervisor_cannot_activate_or_cancel_and_nothing_changes(client, world):
    client.force_login(world["other_supervisor"])
    for name in ("contracts:activate", "contracts:cancel"):
        response = client.post(reverse(name, args=[world["mine"].pk]), {"reason": "试试"})
        assert response.status_code == 404
    client.force_login(world["supervisor"])
    client.post(reverse("contracts:activate", args=[world["mine"].pk]))
    world["mine"].refresh_from_db()
    assert world["mine"].status == ContractStatus.ACTIVE
    client.force_login(world["dealer"])
    assert (
        client.post(reverse("contracts:cancel", args=[world["mine"].pk]), {"reason": "x"}).status_code == 403
    )
    world["mine"].refresh_from_db()
    assert world["mine"].status == ContractStatus.ACTIVE


def test_the_new_contract_form_sent_untouched_says_what_is_missing_and_saves_nothing(client, world):
    client.force_login(world["dispatcher"])
    page = client.get(reverse("contracts:new"))
    assert page.status_code == 200
    before = MaintenanceContract.objects.count()
    today = timezone.localdate().isoformat()
    untouched = {
        "customer": "",
        "serials": "",
        "starts_on": today,
        "ends_on": "",
        "price_amount": "",
        "payment_schedule": "once",
        "covers": "both",
        "annual_cap_amount": "",
        "inspections_per_year": "12",
        "first_inspection_on": "",
        "visit_mode": "on_site",
        "seller": "",
        "center": "",
    }
    response = client.post(reverse("contracts:new"), untouched)
    text = response.content.decode()
    assert response.status_code == 400
    for words in (
        "请填写客户编号",
        "请至少填写一台合同覆盖的产品",
        "请填写结束日期",
        "请填写合同价格",
        "请选择责任网点",
    ):
        assert words in text
    assert MaintenanceContract.objects.count() == before


def test_the_new_contract_form_filled_in_makes_a_draft_and_refuses_an_end_before_the_start(client, world):
    client.force_login(world["dispatcher"])
    units = [ProductUnitFactory(), None]
    units[1] = ProductUnitFactory(owner=units[0].owner)
    start = timezone.localdate()
    form = {
        "customer": units[0].owner.number,
        "serials": f"{units[0].serial_number}\n{units[1].serial_number}",
        "starts_on": start.isoformat(),
        "ends_on": (start - dt.timedelta(days=1)).isoformat(),
        "price_amount": "¥2,400.00",
        "payment_schedule": "monthly",
        "covers": "labour",
        "annual_cap_amount": "",
        "inspections_per_year": "4",
        "first_inspection_on": "",
        "visit_mode": "phone",
        "seller": f"center:{world['center'].code}",
        "center": world["center"].code,
    }
    refused = client.post(reverse("contracts:new"), form)
    assert refused.status_code == 400 and "合同的结束日期不能早于开始日期" in refused.content.decode()
    assert not MaintenanceContract.objects.filter(customer=units[0].owner).exists()
    form["ends_on"] = (start + dt.timedelta(days=364)).isoformat()
    made = client.post(reverse("contracts:new"), form)
    contract = MaintenanceContract.objects.get(customer=units[0].owner)
    assert made.status_code == 302 and made["Location"] == reverse("contracts:detail", args=[contract.pk])
    assert contract.units.count() == 2 and contract.price_amount == Decimal("2400.00")
    assert contract.payments.count() == 12 and contract.inspections_per_year == 4


def test_a_contract_page_walks_activation_payment_and_cancellation_with_the_refund(client, world):
    contract = world["mine"]
    client.force_login(world["manager"])
    client.post(reverse("contracts:activate", args=[contract.pk]))
    payment = contract.payments.get()
    client.post(
        reverse("contracts:payment", args=[contract.pk, payment.pk]), {"method": "转账", "reference": "T1"}
    )
    page = client.get(reverse("contracts:detail", args=[contract.pk])).content.decode()
    assert "今日解除应退未使用部分" in page
    empty = client.post(reverse("contracts:cancel", args=[contract.pk]), {"reason": ""}, follow=True)
    assert "请说明解除合同的原因" in empty.content.decode()
    client.post(reverse("contracts:cancel", args=[contract.pk]), {"reason": "客户不再需要"})
    contract.refresh_from_db()
    assert contract.status == ContractStatus.CANCELLED
    assert contract.payments.filter(kind=ContractPaymentKind.REFUND).exists()


def test_the_list_page_costs_the_same_queries_for_many_contracts(
    client, world, django_assert_max_num_queries
):
    client.force_login(world["manager"])
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("contracts:list"))
    for _ in range(15):
        _contract(world["center"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("contracts:list"))
    assert page.content.decode().count('class="mono" href="/contracts/') == 17


def test_the_api_lists_a_dealer_only_the_contracts_it_sold(client, world):
    key = api_key_create(dealer=world["dealer_obj"], name="门店系统").raw_key
    client.defaults["HTTP_AUTHORIZATION"] = f"Api-Key {key}"
    rows = client.get("/api/v1/maintenance-contracts/").json()["results"]
    assert [r["number"] for r in rows] == [world["mine"].number]
    assert rows[0]["price_amount"] == "1200.00" and rows[0]["sold_by_dealer"] == world["dealer_obj"].code
    detail = client.get(f"/api/v1/maintenance-contracts/{world['mine'].pk}/").json()
    assert detail["payments"][0]["amount"] == "1200.00" and len(detail["units"]) == 1
    assert client.get(f"/api/v1/maintenance-contracts/{world['theirs'].pk}/").status_code == 404
    other = api_key_create(dealer=DealerFactory(), name="别家").raw_key
    client.defaults["HTTP_AUTHORIZATION"] = f"Api-Key {other}"
    assert client.get("/api/v1/maintenance-contracts/").json()["results"] == []
    assert client.get(f"/api/v1/maintenance-contracts/{world['mine'].pk}/").status_code == 404


def test_the_api_refuses_a_technician_and_filters_by_status(client, world, django_assert_max_num_queries):
    client.force_login(world["technician"])
    assert client.get("/api/v1/maintenance-contracts/").status_code == 403
    client.force_login(world["manager"])
    services.contract_activate(contract=world["theirs"])
    rows = client.get("/api/v1/maintenance-contracts/", {"status": "active"}).json()["results"]
    assert [r["number"] for r in rows] == [world["theirs"].number]
    bad = client.get("/api/v1/maintenance-contracts/", {"status": "²"})
    assert bad.status_code == 400
    for _ in range(10):
        _contract(world["center"])
    with django_assert_max_num_queries(8):
        assert len(client.get("/api/v1/maintenance-contracts/").json()["results"]) == 12
