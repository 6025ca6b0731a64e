import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from warranty.models import ExtendedWarranty, WarrantyDecision, WarrantyPolicy
from warranty.services import unit_facts, warranty_decision_record

pytestmark = pytest.mark.django_db
URL = "/api/v1/warranty/evaluate/"
EXAMPLE = {
    "category": "mobile_phone",
    "component": "main_unit",
    "sale_date": "2026-01-01",
    "invoice_date": "2026-01-01",
    "factory_date": "2025-11-20",
    "report_date": "2026-01-08",
    "performance_fault": True,
    "repairs": [],
    "exclusions": [],
    "exchanged_on": None,
    "extended_warranty_until": None,
    "price": None,
}


def post(client, **changes):
    return client.post(URL, {**EXAMPLE, **changes}, content_type="application/json")


@pytest.mark.parametrize("role", ["dispatcher", "technician", "supervisor", "manager", "dealer"])
def test_every_authenticated_role_gets_the_documented_answer(client, users, role):
    client.force_login(users[role])
    response = post(client)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body == {
        "verdict": "return",
        "options": ["return", "exchange", "free_repair"],
        "coverage_start": "2026-01-01",
        "return_until": "2026-01-08",
        "exchange_until": "2026-01-16",
        "repair_until": "2027-01-01",
        "liable": "seller",
        "refund_amount": None,
        "reasons": [
            {
                "rule": "window.return",
                "zh": "售出 7 日内发生性能故障，可选择退货、换货或修理",
                "en": "A performance fault within 7 days of sale: return, exchange or repair, "
                "at the customer's choice",
            }
        ],
        "policy_version": "mobile_phone/v1",
    }


def test_anonymous_callers_are_refused(client):
    response = post(client)
    assert response.status_code == 401  # with WWW-Authenticate: Api-Key since dealers' API keys
    assert response.json()["code"] == "not_authenticated"


def test_the_refund_is_a_decimal_string(client, users):
    client.force_login(users["dealer"])
    body = post(client, price="4299.00", report_date="2026-01-03").json()
    assert body["refund_amount"] == "4299.00"


def test_a_second_failed_repair_in_the_api(client, users):
    client.force_login(users["dispatcher"])
    body = post(
        client,
        category="refrigerator",
        report_date="2026-05-01",
        price="3000",
        repairs=[
            {
                "sent_on": "2026-03-01",
                "returned_on": "2026-03-05",
                "fixed": False,
                "performance_fault": True,
                "same_fault": True,
                "delay_cause": None,
            },
            {
                "sent_on": "2026-04-01",
                "returned_on": "2026-04-06",
                "fixed": False,
                "performance_fault": True,
                "same_fault": True,
                "delay_cause": None,
            },
        ],
    ).json()
    # The return deducts depreciation: the free remedy (the verdict) is the exchange, the return an option.
    assert body["verdict"] == "exchange" and body["refund_amount"] == "2667.00"
    assert body["options"] == ["return", "exchange", "free_repair"]
    assert [r["rule"] for r in body["reasons"]][-1] == "two_repairs"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"category": "toaster"}, "category", "未知的产品品类"),
        ({"component": "battery", "category": "air_conditioner"}, "component", "没有部件"),
        ({"component": "wheel"}, "component", ""),
        ({"report_date": "2025-12-31"}, "report_date", "报修日期不能早于销售日期"),
        (
            {
                "repairs": [{"sent_on": "2026-02-05", "returned_on": "2026-02-01"}],
                "report_date": "2026-03-01",
            },
            "repairs[0].returned_on",
            "取回日期不能早于送修日期",
        ),
        ({"report_date": "2026-13-01"}, "report_date", "日期格式错误"),
        ({"sale_date": "01/01/2026"}, "sale_date", "日期格式错误"),
        ({"price": "-1.00"}, "price", "0"),
        ({"exclusions": ["bad_luck"]}, "exclusions[0]", ""),
        ({"repairs": [{"sent_on": "2026-02-01", "delay_cause": "weather"}]}, "repairs[0].delay_cause", ""),
        ({"report_date": None}, "report_date", ""),
    ],
)
def test_bad_input_answers_400_with_field_errors_in_chinese(client, users, changes, field, message):
    client.force_login(users["dealer"])
    response = post(client, **changes)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and body["message"]
    assert field in body["errors"], body
    assert message in body["errors"][field][0]


def test_errors_are_english_when_asked(client, users):
    client.force_login(users["dealer"])
    response = client.post(
        URL,
        {**EXAMPLE, "report_date": "2025-12-31"},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.json()["errors"]["report_date"] == ["The report date cannot be before the sale date."]


def test_the_endpoint_is_in_the_openapi_schema(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"]["/api/v1/warranty/evaluate/"]["post"]
    assert operation["summary"]
    assert set(operation["responses"]) >= {"200", "400"}
    assert "WarrantyEvaluateRequestRequest" in schema["components"]["schemas"]


def test_a_unit_keeps_the_policy_it_was_sold_under(client, users, unit_factory):
    old = WarrantyPolicy.objects.get(category__code="air_conditioner", version="v2")
    newer = WarrantyPolicy.objects.create(
        category=old.category,
        version="v3",
        effective_from=dt.date(2026, 7, 1),
        return_days=10,
        exchange_days=20,
        parts_supply_limit_days=90,
        no_invoice_start_value=3,
        no_invoice_start_unit="months",
        depreciation_percent_per_day=Decimal("0.100"),
    )
    for period in old.periods.all():
        newer.periods.create(
            component=period.component, period_value=period.period_value * 2, period_unit=period.period_unit
        )
    client.force_login(users["dispatcher"])
    before = post(
        client,
        category="air_conditioner",
        sale_date="2026-06-30",
        invoice_date="2026-06-30",
        report_date="2026-07-09",
    ).json()
    after = post(
        client,
        category="air_conditioner",
        sale_date="2026-07-01",
        invoice_date="2026-07-01",
        report_date="2026-07-10",
    ).json()
    assert (before["policy_version"], before["verdict"], before["repair_until"]) == (
        "air_conditioner/v2",
        "exchange",
        "2027-06-30",
    )
    assert (after["policy_version"], after["verdict"], after["repair_until"]) == (
        "air_conditioner/v3",
        "return",
        "2028-07-01",
    )


# --- a unit's position, extended warranties, stored decisions ---


def test_a_units_position_includes_its_extended_warranty(client, users, unit_factory):
    unit = unit_factory(
        sale_date=dt.date(2023, 5, 1), invoice_date=dt.date(2023, 5, 1), factory_date=dt.date(2023, 3, 1)
    )
    unit.dealer = users["dealer_obj"]
    unit.save()
    ExtendedWarranty.objects.create(
        number="YB-0001",
        unit=unit,
        starts_on=dt.date(2024, 5, 2),
        ends_on=dt.date(2030, 5, 1),
        price_amount=Decimal("399.00"),
        sold_by_dealer=users["dealer_obj"],
    )
    client.force_login(users["dealer"])
    body = client.get(f"/api/v1/units/{unit.pk}/warranty/?date=2026-11-22").json()
    assert body["decision"]["verdict"] == "free_repair"
    assert body["decision"]["reasons"][-1]["rule"] == "extended_warranty"
    assert body["extended_warranties"][0] == {
        "number": "YB-0001",
        "starts_on": "2024-05-02",
        "ends_on": "2030-05-01",
        "price_amount": "399.00",
        "sold_by": "DL-A",
        "cancelled": False,
    }


def test_a_cancelled_extended_warranty_gives_nothing(users, unit_factory):
    unit = unit_factory(
        sale_date=dt.date(2023, 5, 1), invoice_date=dt.date(2023, 5, 1), factory_date=dt.date(2023, 3, 1)
    )
    ExtendedWarranty.objects.create(
        number="YB-0002",
        unit=unit,
        starts_on=dt.date(2024, 5, 2),
        ends_on=dt.date(2030, 5, 1),
        sold_by_center=users["center"],
        cancelled_at=timezone.now(),
    )
    assert unit_facts(unit=unit, report_date=dt.date(2026, 1, 1)).extended_warranty_until is None


def test_another_dealers_unit_answers_404_and_its_own_200(client, users, unit_factory, dealer_factory):
    other_unit = unit_factory(dealer=dealer_factory(code="DL-B"))
    own_unit = unit_factory(dealer=users["dealer_obj"])
    client.force_login(users["dealer"])
    assert client.get(f"/api/v1/units/{other_unit.pk}/warranty/").status_code == 404
    assert client.get(f"/api/v1/units/{own_unit.pk}/warranty/").status_code == 200
    client.force_login(users["nobody"])
    assert client.get(f"/api/v1/units/{own_unit.pk}/warranty/").status_code == 404


def test_a_stored_decision_keeps_facts_verdict_and_policy_version(users, unit_factory):
    unit = unit_factory(
        sale_date=dt.date(2026, 6, 1), invoice_date=dt.date(2026, 6, 1), invoice_amount=Decimal("2999.00")
    )
    facts = unit_facts(unit=unit, report_date=dt.date(2026, 6, 5))
    stored = warranty_decision_record(unit=unit, facts=facts, acting_user=users["dispatcher"])
    stored = WarrantyDecision.objects.get(pk=stored.pk)
    assert (stored.verdict, stored.liable, stored.policy_version) == (
        "return",
        "seller",
        "air_conditioner/v2",
    )
    assert stored.facts["invoice_date"] == "2026-06-01" and stored.facts["price"] == "2999.00"
    assert stored.result["refund_amount"] == "2999.00"
    assert stored.decided_by == users["dispatcher"]


def test_an_extended_warranty_needs_exactly_one_seller(users, unit_factory):
    from django.core.exceptions import ValidationError

    contract = ExtendedWarranty(
        number="YB-3", unit=unit_factory(), starts_on=dt.date(2027, 1, 1), ends_on=dt.date(2026, 1, 1)
    )
    with pytest.raises(ValidationError) as info:
        contract.full_clean()
    assert set(info.value.message_dict) >= {"ends_on", "sold_by_dealer"}
