"""Bad input over the API from a dealer's system: phone numbers, units' dates and identifiers, another
dealer's serial, the timeline's first event, rate limits switched off for tests and fuzzing."""

import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone

from aftersales.validators import normalize_phone
from repairs.factories import ProductModelFactory, ProductUnitFactory, finish
from repairs.models import ProductCategory, ProductUnit, RepairCall
from warranty.models import WarrantyPolicy

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("phone", ["not-a-phone!", "1", "<script>1</script>", "1381234567890123456"])
def test_a_callers_phone_is_validated_as_the_intake_form_validates_it(client, api_world, key_client, phone):
    finish(api_world.order_a)
    api = key_client(api_world.key_a.raw_key)
    before = RepairCall.objects.count()

    response = api.post(
        "/api/v1/repair-calls/",
        {"unit": api_world.unit_a.pk, "symptom_text": "不制冷", "caller_phone": phone},
        content_type="application/json",
    )

    assert response.status_code == 400 and "caller_phone" in response.json()["errors"]
    assert RepairCall.objects.count() == before


def test_full_width_digits_and_spaces_are_stored_as_plain_digits(client, api_world, key_client):
    finish(api_world.order_a)
    api = key_client(api_world.key_a.raw_key)

    response = api.post(
        "/api/v1/repair-calls/",
        {"unit": api_world.unit_a.pk, "symptom_text": "不制冷", "caller_phone": "１３８ １２３４ ５６７８"},
        content_type="application/json",
    )

    assert response.status_code == 201, response.json()
    assert RepairCall.objects.get(pk=response.json()["id"]).caller_phone == "13812345678"
    assert normalize_phone("+86 138-1234-5678") == "13812345678"


# Units -------------------------------------------------------------------------------------------------


def _sale_body(api_world, **overrides):
    body = {
        "model": ProductModelFactory().pk,
        "serial_number": "GR2026B0001",
        "sale_date": str(api_world.today - dt.timedelta(days=3)),
        "customer": {
            "name": "王五",
            "phone": "13912345670",
            "region": api_world.district.code,
            "address": "一号",
        },
    }
    body.update(overrides)
    return body


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"sale_date": "1989-06-01"}, "sale_date"),
        ({"factory_date": "2026-05-01", "sale_date": "2026-04-01"}, "sale_date"),
        ({"sale_date": "2099-01-01"}, "sale_date"),
        ({"imei": "490154203237518"}, "imei"),  # an air conditioner has no IMEI
    ],
)
def test_a_sale_with_impossible_dates_or_an_imei_on_a_non_phone_is_refused(
    api_world, key_client, changes, field
):
    api = key_client(api_world.key_a.raw_key)
    before = ProductUnit.objects.count()

    response = api.post("/api/v1/units/", _sale_body(api_world, **changes), content_type="application/json")

    assert response.status_code == 400 and field in response.json()["errors"], response.json()
    assert ProductUnit.objects.count() == before


def test_a_unit_of_a_category_without_a_policy_is_refused_at_registration(api_world, key_client):
    category = ProductCategory.objects.create(code="dishwasher", name="洗碗机", name_en="Dishwasher")
    model = ProductModelFactory(category=category)
    api = key_client(api_world.key_a.raw_key)

    response = api.post(
        "/api/v1/units/", _sale_body(api_world, model=model.pk), content_type="application/json"
    )

    assert response.status_code == 400 and "三包" in response.json()["errors"]["model"][0]
    assert not WarrantyPolicy.objects.filter(category=category).exists()
    assert not ProductUnit.objects.filter(model=model).exists()


def test_another_dealers_serial_only_cannot_be_registered(api_world, key_client):
    theirs = ProductUnitFactory(dealer=api_world.dealer_b, serial_number="GR-SECRET-1")
    api = key_client(api_world.key_a.raw_key)

    response = api.post(
        "/api/v1/units/",
        _sale_body(api_world, model=theirs.model_id, serial_number="gr-secret-1"),
        content_type="application/json",
    )

    message = response.json()["errors"]["serial_number"][0]
    assert response.status_code == 400
    assert "不能登记" in message and "已登记" not in message and "型号" not in message
    own = api.post(
        "/api/v1/units/",
        _sale_body(api_world, model=api_world.unit_a.model_id, serial_number=api_world.unit_a.serial_number),
        content_type="application/json",
    )
    assert "已登记" in own.json()["errors"]["serial_number"][0]


def test_the_timelines_first_event_comes_from_no_status(client, api_world):
    client.force_login(api_world.manager)
    from repairs.models import WorkOrderEvent

    WorkOrderEvent.objects.create(
        work_order=api_world.order_a, from_status="", to_status="new", at=timezone.now()
    )

    events = client.get(f"/api/v1/work-orders/{api_world.order_a.pk}/").json()["events"]

    assert events[0]["from_status"] is None and events[0]["to_status"] == "new"


@override_settings(API_THROTTLE_ENABLED=False, API_THROTTLE_RATES={"burst": "2/min", "sustained": "2/day"})
def test_tests_and_fuzzing_may_switch_the_rate_limits_off(api_world, key_client):
    api = key_client(api_world.key_a.raw_key)

    answers = {api.get("/api/v1/units/").status_code for _i in range(5)}

    assert answers == {200}
