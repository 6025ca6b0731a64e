"""三包 remedies over the API: a dealer's requests with its key (its own units only), the three parties' scope,
the manager's approval and rejection, out-of-box checks exchanged from the dealer's stock with its credit,
bad input in the one error shape, idempotent creates and lists whose queries do not grow with the page."""

from types import SimpleNamespace

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from integrations.services import api_key_create
from inventory import services as stock
from network.factories import DealerFactory, UserFactory
from remedies import services
from remedies.models import DealerCredit, DoaCheck, RemedyEvent, RemedyRequest
from remedies.tests.helpers import (
    APPLIANCE_DOCS,
    DOA_PHONE,
    PHONE_DOCS,
    TODAY,
    TWO_REPAIRS,
    decided,
    in_stock,
    sold_unit,
)
from warranty.models import WarrantyDecision

pytestmark = pytest.mark.django_db

REQUESTS = "/api/v1/remedy-requests/"
DOA = "/api/v1/doa-checks/"
CREDITS = "/api/v1/dealer-credits/"
SHAPE = {"code", "message", "errors"}


def sold(days_ago, **kwargs):
    """A unit sold `days_ago` days before the real today (the API decides on today; the helpers' TODAY is a
    fixed day)."""
    return sold_unit(days_ago=days_ago + (TODAY - timezone.localdate()).days, **kwargs)


@pytest.fixture
def world(users):
    dealer_b = DealerFactory(code="DL-B", name="乙经销商")
    keys = {
        "dealer_a": api_key_create(dealer=users["dealer_obj"], name="A 门店系统").raw_key,
        "dealer_b": api_key_create(dealer=dealer_b, name="B 门店系统").raw_key,
    }

    def api(who):
        if who in keys:
            return Client(HTTP_AUTHORIZATION=f"Api-Key {keys[who]}")
        client = Client()
        client.force_login(users[who])
        return client

    return SimpleNamespace(**users, dealer_a=users["dealer_obj"], dealer_b=dealer_b, api=api)


def post(client, url, body, **headers):
    return client.post(url, body, content_type="application/json", **headers)


def goodwill_request(world, who="dealer_a"):
    """A return the rules do not grant (sold 120 days ago): it awaits the manager."""
    unit = sold(120, dealer=world.dealer_a)
    response = post(
        world.api(who), REQUESTS, {"unit": unit.pk, "remedy": "return", "documents": APPLIANCE_DOCS}
    )
    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "awaiting_approval"
    return response.json()


# Opening ------------------------------------------------------------------------------------------------


def test_a_dealer_opens_an_exchange_with_its_key_and_the_sale_window_approves_it_at_once(world):
    unit = sold(5, phone=True, dealer=world.dealer_a)

    response = post(
        world.api("dealer_a"),
        REQUESTS,
        {"unit": unit.pk, "remedy": "exchange", "documents": PHONE_DOCS, "customer_note": "屏幕闪烁"},
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    row = RemedyRequest.objects.get(pk=body["id"])
    assert body["status"] == "approved" and body["auto_approved"] is True
    assert body["basis"] == "window.return" and body["liable"] == "seller"
    assert body["unit"] == unit.pk and body["unit_serial"] == unit.imei
    assert body["model_number"] == unit.model.model_number
    assert body["decision"] == row.decision_id and body["verdict"] == row.decision.verdict
    assert "exchange" in body["options"]
    assert body["dealer"] == "DL-A" and body["charged_center"] is None
    assert body["charge_amount"] == "0.00"
    assert body["refund_amount"] is None or isinstance(body["refund_amount"], str)
    assert body["documents"] == PHONE_DOCS and body["customer_note"] == "屏幕闪烁"
    assert body["refund"] is None and body["replacement"] is None and body["replacement_serial"] is None
    assert [(e["from_status"], e["to_status"]) for e in body["events"]] == [(None, "approved")]
    # Today's decision was recorded for the unit, by the key's principal.
    assert row.decision.unit == unit and row.decision.facts["report_date"] == str(timezone.localdate())


def test_a_dealer_cannot_open_a_request_on_another_dealers_unit_by_unit_or_by_decision(world):
    theirs = sold(5, phone=True, dealer=world.dealer_b)
    decision = decided(theirs, on=timezone.localdate())
    decisions = WarrantyDecision.objects.count()
    api = world.api("dealer_a")

    by_unit = post(api, REQUESTS, {"unit": theirs.pk, "remedy": "exchange", "documents": PHONE_DOCS})
    by_decision = post(
        api, REQUESTS, {"decision": decision.pk, "remedy": "exchange", "documents": PHONE_DOCS}
    )

    assert by_unit.status_code == 400 and by_unit.json()["errors"] == {"unit": ["没有这个产品。"]}
    assert by_decision.status_code == 400 and set(by_decision.json()) == SHAPE
    assert list(by_decision.json()["errors"]) == ["decision"]
    assert not RemedyRequest.objects.exists()
    assert WarrantyDecision.objects.count() == decisions


def test_the_hotline_opens_on_a_stored_decision_and_the_two_repairs_rule_waits_for_the_manager(world):
    unit = sold(120, dealer=world.dealer_a)
    decision = decided(unit, repairs=TWO_REPAIRS, on=timezone.localdate())

    response = post(
        world.api("dispatcher"),
        REQUESTS,
        {"decision": decision.pk, "remedy": "exchange", "documents": APPLIANCE_DOCS},
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "awaiting_approval" and body["basis"] == "two_repairs"
    assert body["decision"] == decision.pk and body["approval_due_at"] and body["decided_at"] is None


def test_a_technician_may_not_open_a_request(world):
    unit = sold(5, phone=True, dealer=world.dealer_a)
    response = post(
        world.api("technician"), REQUESTS, {"unit": unit.pk, "remedy": "exchange", "documents": PHONE_DOCS}
    )
    assert response.status_code == 403 and set(response.json()) == SHAPE
    assert not RemedyRequest.objects.exists()


def test_an_idempotency_key_gives_the_first_answer_again(world):
    unit = sold(5, phone=True, dealer=world.dealer_a)
    api = world.api("dealer_a")
    body = {"unit": unit.pk, "remedy": "return", "documents": PHONE_DOCS}

    first = post(api, REQUESTS, body, HTTP_IDEMPOTENCY_KEY="r-1")
    again = post(api, REQUESTS, body, HTTP_IDEMPOTENCY_KEY="r-1")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert RemedyRequest.objects.count() == 1


# Reading ------------------------------------------------------------------------------------------------


def test_each_party_reads_the_requests_in_its_scope(world):
    opened = goodwill_request(world)
    url = f"{REQUESTS}{opened['id']}/"

    for who in ("dealer_a", "manager", "dispatcher"):
        api = world.api(who)
        assert [r["id"] for r in api.get(REQUESTS).json()["results"]] == [opened["id"]], who
        assert api.get(url).json()["number"] == opened["number"], who
    dealer_b = world.api("dealer_b")
    assert dealer_b.get(REQUESTS).json()["results"] == []
    missing = dealer_b.get(url)
    assert missing.status_code == 404 and set(missing.json()) == SHAPE
    for who in ("nobody", "technician"):
        refused = world.api(who).get(REQUESTS)
        assert refused.status_code == 403 and set(refused.json()) == SHAPE, who
        # Scope before role: an object outside one's scope is not found, whatever the role.
        assert world.api(who).get(url).status_code == 404, who


def test_the_list_filters_by_status_remedy_and_basis_and_refuses_unknown_values(world):
    opened = goodwill_request(world)
    api = world.api("manager")

    assert [r["id"] for r in api.get(REQUESTS, {"status": "awaiting_approval"}).json()["results"]] == [
        opened["id"]
    ]
    assert api.get(REQUESTS, {"remedy": "exchange"}).json()["results"] == []
    assert len(api.get(REQUESTS, {"basis": "goodwill", "remedy": "return"}).json()["results"]) == 1
    for name in ("status", "remedy", "basis"):
        response = api.get(REQUESTS, {name: "bogus"})
        assert response.status_code == 400 and set(response.json()) == SHAPE
        assert list(response.json()["errors"]) == [name]


# The manager's decision ---------------------------------------------------------------------------------


def test_a_manager_approves_a_request_and_a_second_approval_is_refused_naming_its_status(world):
    opened = goodwill_request(world)
    url = f"{REQUESTS}{opened['id']}/"

    refused = post(world.api("dispatcher"), f"{url}approve/", {})
    approved = post(world.api("manager"), f"{url}approve/", {"note": "特批"})
    again = Client()
    again.force_login(UserFactory(username="mgr2", roles=["manager"]))
    late = post(again, f"{url}approve/", {})

    assert refused.status_code == 403 and set(refused.json()) == SHAPE
    assert approved.status_code == 200, approved.json()
    body = approved.json()
    assert body["status"] == "approved" and body["decision_note"] == "特批" and body["decided_at"]
    assert [e["to_status"] for e in body["events"]] == ["awaiting_approval", "approved"]
    assert late.status_code == 400 and set(late.json()) == SHAPE
    assert "已经是" in late.json()["errors"]["status"][0]
    assert RemedyEvent.objects.filter(request_id=opened["id"]).count() == 2


def test_a_manager_may_not_decide_on_a_request_they_opened(world):
    opened = goodwill_request(world, who="manager")

    response = post(world.api("manager"), f"{REQUESTS}{opened['id']}/approve/", {})

    assert response.status_code == 400
    assert response.json()["errors"] == {"non_field_errors": ["不能审批自己提交的申请。"]}
    assert RemedyRequest.objects.get(pk=opened["id"]).status == "awaiting_approval"


def test_a_rejection_needs_its_reason(world):
    opened = goodwill_request(world)
    url = f"{REQUESTS}{opened['id']}/reject/"
    api = world.api("manager")

    without = post(api, url, {"reason": "  "})
    rejected = post(api, url, {"reason": "超过三包期"})

    assert without.status_code == 400 and without.json()["errors"] == {"reason": ["请填写驳回理由。"]}
    assert rejected.status_code == 200, rejected.json()
    assert rejected.json()["status"] == "rejected" and rejected.json()["decision_note"] == "超过三包期"
    assert post(world.api("dealer_a"), url, {"reason": "x"}).status_code == 403


def test_a_paid_return_shows_its_refund_in_yuan_as_strings(world):
    unit = sold(3, phone=True, dealer=world.dealer_a, price="1999.00")
    api = world.api("dealer_a")
    opened = post(api, REQUESTS, {"unit": unit.pk, "remedy": "return", "documents": PHONE_DOCS}).json()
    services.remedy_refund(
        request=RemedyRequest.objects.get(pk=opened["id"]), method="wechat", acting_user=world.dispatcher
    )

    body = api.get(f"{REQUESTS}{opened['id']}/").json()

    assert body["status"] == "done" and body["done_at"]
    assert body["refund"]["amount"] == "1999.00" and body["refund"]["method"] == "wechat"
    assert body["refund_amount"] == "1999.00"
    assert [(c["request"], c["amount"]) for c in api.get(CREDITS).json()["results"]] == [
        (opened["number"], "1999.00")
    ]


# Out-of-box checks and the dealer's credit ----------------------------------------------------------------


def test_an_out_of_box_failure_at_the_dealer_is_exchanged_from_its_stock_and_credited(world):
    unit = sold(2, phone=True, dealer=world.dealer_a)
    warehouse = stock.dealer_warehouse(world.dealer_a)
    in_stock(
        unit.model, "868000000000027", warehouse=warehouse, user=world.manager, imei=True, cost="1500.00"
    )
    api = world.api("dealer_a")

    response = post(
        api, DOA, {"unit": unit.pk, "fault": "开机黑屏", "confirmed_by": "李师傅", "checked": DOA_PHONE}
    )

    assert response.status_code == 201, response.json()
    check = response.json()
    assert check["status"] == "approved" and check["missing"] == [] and check["checked"]
    assert check["dealer"] == "DL-A" and check["unit_serial"] == unit.imei
    assert check["request_status"] == "done"
    row = RemedyRequest.objects.get(number=check["request"])
    exchanged = api.get(f"{REQUESTS}{row.pk}/").json()
    assert exchanged["basis"] == "doa" and exchanged["replacement_serial"] == "868000000000027"
    assert exchanged["exchanged_on"] == str(timezone.localdate())
    assert api.get(f"{DOA}{check['id']}/").json() == check
    credits = api.get(CREDITS).json()["results"]
    assert [(c["dealer"], c["request"], c["amount"]) for c in credits] == [("DL-A", row.number, "1500.00")]
    credit = DealerCredit.objects.get()
    assert world.api("manager").get(f"{CREDITS}{credit.pk}/").json()["amount"] == "1500.00"
    assert world.api("dealer_b").get(f"{CREDITS}{credit.pk}/").status_code == 404
    assert world.api("dealer_b").get(f"{DOA}{check['id']}/").status_code == 404
    assert world.api("supervisor").get(CREDITS).status_code == 403


def test_an_out_of_box_check_without_stock_waits_and_a_failed_item_is_named(world):
    waiting = sold(2, phone=True, dealer=world.dealer_a)
    failing = sold(2, phone=True, dealer=world.dealer_a)
    api = world.api("dealer_a")
    body = {"fault": "无法开机", "confirmed_by": "王师傅"}

    ordered = post(api, DOA, {**body, "unit": waiting.pk, "checked": DOA_PHONE}).json()
    rejected = post(api, DOA, {**body, "unit": failing.pk, "checked": DOA_PHONE[1:]}).json()

    assert ordered["status"] == "approved" and ordered["request_status"] == "waiting_stock"
    assert rejected["status"] == "rejected" and rejected["request"] is None and rejected["missing"]


def test_an_out_of_box_check_after_the_exchange_period_is_refused_naming_it(world):
    unit = sold(16, phone=True, dealer=world.dealer_a)

    response = post(
        world.api("dealer_a"),
        DOA,
        {"unit": unit.pk, "fault": "开机黑屏", "confirmed_by": "李师傅", "checked": DOA_PHONE},
    )

    assert response.status_code == 400 and set(response.json()) == SHAPE
    assert "换货期" in response.json()["errors"]["unit"][0]
    assert not DoaCheck.objects.exists() and not RemedyRequest.objects.exists()


# Bad input ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"remedy": "repair"}, "remedy"),
        ({"documents": [*PHONE_DOCS, "bogus"]}, "documents"),
        ({"documents": "warranty_card"}, "documents"),
        ({"documents": {"a": 1}}, "documents"),
        ({"unit": "UNIT"}, "unit"),
        ({"work_order": "1"}, "work_order"),
        ({"work_order": 10**20}, "work_order"),
        ({"decision": 1}, "decision"),  # both the decision and the unit
        ({"unit": None}, "decision"),  # neither
        ({"override_reason": "x" * 301}, "override_reason"),
    ],
)
def test_bad_input_to_a_request_answers_400_in_the_one_shape_and_creates_nothing(world, changes, field):
    unit = sold(5, phone=True, dealer=world.dealer_a)
    body = {"unit": unit.pk, "remedy": "exchange", "documents": PHONE_DOCS, **changes}

    response = post(world.api("dealer_a"), REQUESTS, body)

    assert response.status_code == 400, response.json()
    assert set(response.json()) == SHAPE and response.json()["code"] == "invalid"
    assert field in response.json()["errors"], response.json()
    assert not RemedyRequest.objects.exists()


def test_an_id_sent_as_a_string_is_refused_even_when_its_digits_name_a_unit(world):
    unit = sold(5, phone=True, dealer=world.dealer_a)
    response = post(
        world.api("dealer_a"), REQUESTS, {"unit": str(unit.pk), "remedy": "exchange", "documents": PHONE_DOCS}
    )
    assert response.status_code == 400 and "unit" in response.json()["errors"]
    assert not WarrantyDecision.objects.filter(unit=unit).exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"checked": [*DOA_PHONE, "bogus"]}, "checked"),
        ({"checked": "no_wear"}, "checked"),
        ({"unit": "1"}, "unit"),
        ({"unit": 10**20}, "unit"),
        ({"center": "NOPE"}, "center"),
        ({"fault": " "}, "fault"),
    ],
)
def test_bad_input_to_an_out_of_box_check_answers_400_and_records_nothing(world, changes, field):
    unit = sold(2, phone=True, dealer=world.dealer_a)
    body = {"unit": unit.pk, "fault": "开机黑屏", "confirmed_by": "李师傅", "checked": DOA_PHONE, **changes}

    response = post(world.api("dealer_a"), DOA, body)

    assert response.status_code == 400 and set(response.json()) == SHAPE
    assert field in response.json()["errors"], response.json()
    assert not DoaCheck.objects.exists()


# Queries ------------------------------------------------------------------------------------------------


def _requests(world, n):
    for _i in range(n):
        unit = sold(5, phone=True, dealer=world.dealer_a)
        row = services.remedy_request_open(
            decision=decided(unit, on=timezone.localdate()),
            remedy="exchange",
            documents=PHONE_DOCS,
            acting_user=world.dispatcher,
        )
        RemedyEvent.objects.create(request=row, from_status="approved", to_status="approved", note="备注")


@pytest.mark.parametrize("who", ["manager", "dealer_a"])
def test_the_list_reads_the_same_queries_for_3_or_30_rows(world, who, django_assert_max_num_queries):
    api = world.api(who)
    _requests(world, 3)
    api.get(REQUESTS)  # warm: the session, the key's last use
    with CaptureQueriesContext(connection) as three:
        assert len(api.get(REQUESTS).json()["results"]) == 3
    _requests(world, 27)
    with django_assert_max_num_queries(len(three)):
        page = api.get(REQUESTS).json()["results"]
    assert len(page) == 30 and all(len(r["events"]) == 2 for r in page)
    assert page[0]["opened_at"] >= page[-1]["opened_at"]


def _checks(world, n):
    """Out-of-box exchanges waiting for stock, each with a credit note to dealer A."""
    for _i in range(n):
        check = services.doa_check_record(
            unit=sold(2, phone=True, dealer=world.dealer_a),
            fault="黑屏",
            confirmed_by="李师傅",
            checked=DOA_PHONE,
            acting_user=world.dealer,
        )
        DealerCredit.objects.create(
            number=f"XD-{check.pk}",
            dealer=world.dealer_a,
            request=check.request,
            amount="1.00",
            reason="换货",
        )


def test_the_checks_and_credits_lists_read_the_same_queries_for_3_or_30_rows(
    world, django_assert_max_num_queries
):
    api = world.api("dealer_a")
    _checks(world, 3)
    counted = {}
    for url in (DOA, CREDITS):
        api.get(url)
        with CaptureQueriesContext(connection) as three:
            assert len(api.get(url).json()["results"]) == 3
        counted[url] = len(three)
    _checks(world, 27)
    for url in (DOA, CREDITS):
        with django_assert_max_num_queries(counted[url]):
            assert len(api.get(url).json()["results"]) == 30
