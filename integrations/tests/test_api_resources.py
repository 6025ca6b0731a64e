import datetime as dt

import pytest
from django.utils import timezone

from network.factories import authorise
from repairs.choices import WorkOrderStatus
from repairs.factories import ProductModelFactory, finish
from repairs.models import ProductUnit, RepairCall, WorkOrder

pytestmark = pytest.mark.django_db


def _sale_body(api_world, **overrides):
    model = ProductModelFactory()
    body = {
        "model": model.pk,
        "serial_number": "GR2026A0001",
        "sale_date": str(api_world.today - dt.timedelta(days=3)),
        "invoice_number": "44009999",
        "invoice_date": str(api_world.today - dt.timedelta(days=3)),
        "invoice_amount": "3299.00",
        "customer": {
            "name": "李四",
            "phone": "13912345678",
            "region": api_world.district.code,
            "address": "天河路 1 号",
        },
    }
    body.update(overrides)
    return body


def test_a_dealer_registers_a_sale_and_lists_only_its_own_units(client, api_world, key_client):
    api = key_client(api_world.key_a.raw_key)
    response = api.post("/api/v1/units/", _sale_body(api_world), content_type="application/json")
    assert response.status_code == 201, response.json()
    unit = ProductUnit.objects.get(pk=response.json()["id"])
    assert unit.dealer == api_world.dealer_a and unit.owner.name == "李四"
    assert response.json()["invoice_amount"] == "3299.00"
    ids = [u["id"] for u in api.get("/api/v1/units/").json()["results"]]
    assert set(ids) == {unit.pk, api_world.unit_a.pk}


def test_a_second_sale_to_the_same_buyer_reuses_the_customer(client, api_world, key_client):
    api = key_client(api_world.key_a.raw_key)
    first = api.post("/api/v1/units/", _sale_body(api_world), content_type="application/json").json()
    second = api.post(
        "/api/v1/units/", _sale_body(api_world, serial_number="GR2026A0002"), content_type="application/json"
    ).json()
    assert first["owner"] == second["owner"]


def test_an_invalid_sale_answers_400_with_field_errors_and_saves_nothing(client, api_world, key_client):
    api = key_client(api_world.key_a.raw_key)
    before = ProductUnit.objects.count()
    body = _sale_body(api_world, serial_number="", sale_date=str(api_world.today + dt.timedelta(days=5)))
    response = api.post("/api/v1/units/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "sale_date" in response.json()["errors"] or "serial_number" in response.json()["errors"]
    assert ProductUnit.objects.count() == before


def test_internal_roles_cannot_register_sales(client, api_world):
    client.force_login(api_world.dispatcher)
    response = client.post("/api/v1/units/", _sale_body(api_world), content_type="application/json")
    assert response.status_code == 403


def test_a_dealer_logs_a_call_for_its_customer_with_the_owner_as_default_caller(
    client, api_world, key_client
):
    finish(api_world.order_a)
    api = key_client(api_world.key_a.raw_key)
    response = api.post(
        "/api/v1/repair-calls/",
        {"unit": api_world.unit_a.pk, "symptom_text": "不制冷，外机不转"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    call = RepairCall.objects.get(pk=response.json()["id"])
    assert call.dealer == api_world.dealer_a and call.channel == "dealer"
    assert call.caller_name == api_world.unit_a.owner.name
    assert call.work_orders.get().status == WorkOrderStatus.NEW
    assert response.json()["work_orders"] == [call.work_orders.get().pk]


def test_a_user_of_two_dealers_logs_calls_for_both_in_the_browser(client, api_world):
    """Signed in (no key), a user of dealers A and B logs a call on each one's unit: each call is the
    dealer's that sold the unit."""
    user = api_world.dealer_a_user
    api_world.dealer_b.users.add(user)
    finish(api_world.order_a, api_world.order_b)
    client.force_login(user)
    for unit, dealer in ((api_world.unit_a, api_world.dealer_a), (api_world.unit_b, api_world.dealer_b)):
        response = client.post(
            "/api/v1/repair-calls/",
            {"unit": unit.pk, "symptom_text": "不开机"},
            content_type="application/json",
        )
        assert response.status_code == 201, response.json()
        assert RepairCall.objects.get(pk=response.json()["id"]).dealer == dealer


def test_a_call_on_a_unit_with_an_open_call_is_refused_as_duplicate(client, api_world, key_client):
    api = key_client(api_world.key_a.raw_key)
    response = api.post(
        "/api/v1/repair-calls/",
        {"unit": api_world.unit_a.pk, "symptom_text": "噪音"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "duplicate_of" in response.json()["errors"]


def test_a_dealer_cannot_log_a_call_on_another_dealers_unit(client, api_world, key_client):
    before = RepairCall.objects.count()
    response = key_client(api_world.key_a.raw_key).post(
        "/api/v1/repair-calls/",
        {"unit": api_world.unit_b.pk, "symptom_text": "x"},
        content_type="application/json",
    )
    assert response.status_code == 400 and "unit" in response.json()["errors"]
    assert RepairCall.objects.count() == before


def test_work_order_detail_carries_the_timeline(client, api_world):
    from repairs.models import WorkOrderEvent

    WorkOrderEvent.objects.create(work_order=api_world.order_a, from_status="", to_status="new", note="登记")
    client.force_login(api_world.supervisor_x)
    body = client.get(f"/api/v1/work-orders/{api_world.order_a.pk}/").json()
    assert body["status"] == "dispatched"
    assert [e["note"] for e in body["events"]] == ["登记"]


def test_a_technician_accepts_and_sets_off_through_the_services(client, api_world):
    client.force_login(api_world.tech_x.user)
    url = f"/api/v1/work-orders/{api_world.order_a.pk}"
    assert client.post(f"{url}/accept/").json()["status"] == "accepted"
    body = client.post(f"{url}/set-off/").json()
    assert body["status"] == "en_route"
    assert [e["to_status"] for e in body["events"]] == ["accepted", "en_route"]
    order = WorkOrder.objects.get(pk=api_world.order_a.pk)
    assert order.accepted_at and order.en_route_at


def test_a_transition_the_status_does_not_allow_answers_400(client, api_world):
    client.force_login(api_world.supervisor_x)
    response = client.post(f"/api/v1/work-orders/{api_world.order_a.pk}/close/")
    assert response.status_code == 400
    assert "status" in response.json()["errors"]
    assert WorkOrder.objects.get(pk=api_world.order_a.pk).status == WorkOrderStatus.DISPATCHED


def test_a_technician_may_not_cancel_and_nothing_changes(client, api_world):
    client.force_login(api_world.tech_x.user)
    response = client.post(f"/api/v1/work-orders/{api_world.order_a.pk}/cancel/", {"note": "x"})
    assert response.status_code == 403
    assert WorkOrder.objects.get(pk=api_world.order_a.pk).status == WorkOrderStatus.DISPATCHED


def test_a_dispatcher_dispatches_a_new_order(client, api_world):
    from repairs.factories import WorkOrderFactory

    order = WorkOrderFactory(call=api_world.call_a)
    authorise(api_world.tech_x, api_world.unit_a.model.category, order.call.service_region)
    client.force_login(api_world.dispatcher)
    start = timezone.localtime(timezone.now() + dt.timedelta(days=1)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    response = client.post(
        f"/api/v1/work-orders/{order.pk}/dispatch/",
        {
            "center": "SC-X",
            "technician": api_world.tech_x.employee_no,
            "appointment_start": start.isoformat(),
            "appointment_end": (start + dt.timedelta(hours=2)).isoformat(),
        },
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "dispatched" and response.json()["center"] == "SC-X"


def test_status_cannot_be_written(client, api_world):
    client.force_login(api_world.manager)
    response = client.patch(
        f"/api/v1/work-orders/{api_world.order_a.pk}/", {"status": "closed"}, content_type="application/json"
    )
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert WorkOrder.objects.get(pk=api_world.order_a.pk).status == WorkOrderStatus.DISPATCHED


def test_unknown_api_paths_answer_404_in_the_error_shape(client):
    response = client.get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": response.json()["message"], "errors": {}}


def test_lists_filter_and_page_by_cursor(client, api_world):
    client.force_login(api_world.manager)
    body = client.get("/api/v1/work-orders/", {"status": "dispatched", "page_size": 1}).json()
    assert len(body["results"]) == 1 and body["next"]
    second = client.get(body["next"]).json()
    assert {body["results"][0]["id"], second["results"][0]["id"]} == {
        api_world.order_a.pk,
        api_world.order_b.pk,
    }
    assert client.get("/api/v1/work-orders/", {"status": "closed"}).json()["results"] == []
    assert client.get("/api/v1/work-orders/", {"ordering": "appointment"}).status_code == 400
    ordered = client.get("/api/v1/work-orders/", {"ordering": "number"}).json()["results"]
    assert [o["number"] for o in ordered] == sorted(o["number"] for o in ordered)


def test_settlements_service_centres_and_parts_by_role(client, api_world):
    client.force_login(api_world.supervisor_x)
    assert [c["code"] for c in client.get("/api/v1/service-centers/").json()["results"]] == ["SC-X"]
    assert client.get("/api/v1/settlements/").status_code == 200
    assert client.get("/api/v1/parts/").status_code == 200
    client.force_login(api_world.dealer_a_user)
    assert client.get("/api/v1/parts/").status_code == 403
    assert client.get("/api/v1/settlements/").status_code == 403


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data")
def test_a_sale_registered_twice_at_once_answers_400_not_500(client, api_world):
    """Another request inserts the same serial number and commits a moment later: the second registration
    waits on the unique index and is refused in the error shape, with nothing half-saved."""
    import threading

    from django.db import connection, transaction

    from repairs import services

    body = _sale_body(api_world)
    inserted, release = threading.Event(), threading.Event()

    def other_request():
        try:
            with transaction.atomic():
                services.unit_register(
                    owner=api_world.unit_a.owner,
                    model_id=body["model"],
                    serial_number=body["serial_number"],
                    sale_date=api_world.today,
                )
                inserted.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=other_request)
    thread.start()
    assert inserted.wait(10)
    threading.Timer(0.5, release.set).start()
    customers_before = api_world.unit_a.owner.__class__.objects.count()
    response = client.post(
        "/api/v1/units/",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Api-Key {api_world.key_a.raw_key}",
    )
    thread.join()
    assert response.status_code == 400, response.content
    assert "serial_number" in response.json()["errors"]
    assert ProductUnit.objects.filter(serial_number=body["serial_number"]).count() == 1
    assert api_world.unit_a.owner.__class__.objects.count() == customers_before  # the buyer rolled back too


def test_a_work_order_filter_by_centre_or_technician_is_held_to_the_callers_scope(client, api_world):
    """The list applies the filters its query names; the ones it names are validated against the caller's
    own centres and technicians (an id of another centre answers 400, not its orders)."""
    client.force_login(api_world.supervisor_x)
    url = "/api/v1/work-orders/"
    own = client.get(url, {"center": api_world.center_x.pk}).json()["results"]
    assert [row["id"] for row in own] == [api_world.order_a.pk]
    for name, other in (("center", api_world.center_y.pk), ("technician", api_world.tech_y.pk)):
        response = client.get(url, {name: other})
        assert response.status_code == 400 and name in response.json()["errors"]
    assert (
        client.get(url, {"technician": api_world.tech_x.pk}).json()["results"][0]["id"]
        == api_world.order_a.pk
    )
