"""The dispatcher's pages through the Django test client: roles and scope, intake with dispatch in one
action, nothing saved on bad input, the register's filters, CSV and query counts."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from network.factories import ServiceCenterFactory, TechnicianFactory, authorise
from repairs.choices import WorkOrderStatus
from repairs.factories import (
    CustomerAddressFactory,
    CustomerPhoneFactory,
    ProductUnitFactory,
    WorkOrderFactory,
)
from repairs.models import (
    Customer,
    FaultSymptom,
    ProductModel,
    ProductUnit,
    RepairCall,
    WorkOrder,
    WorkOrderEvent,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def hotline(users):
    """An in-warranty air conditioner of a customer with a phone and an address in a district that
    centre A covers, and a certified technician there."""
    today = timezone.localdate()
    unit = ProductUnitFactory(
        serial_number="GR-INTAKE-1",
        sale_date=today - dt.timedelta(days=40),
        invoice_date=today - dt.timedelta(days=40),
        factory_date=today - dt.timedelta(days=90),
    )
    phone = CustomerPhoneFactory(customer=unit.owner, number="13911112222")
    address = CustomerAddressFactory(customer=unit.owner)
    center = users["center"]
    center.coverage.add(address.region)
    technician = users["technician"].technician
    authorise(technician, unit.model.category)
    symptom = FaultSymptom.objects.get(category=unit.model.category, code="no_cooling")
    return {
        "unit": unit,
        "phone": phone,
        "address": address,
        "center": center,
        "technician": technician,
        "symptom": symptom,
    }


def _tomorrow_at(hour):
    day = timezone.localdate() + dt.timedelta(days=1)
    return day, dt.time(hour, 0)


def _intake_post(hotline, **overrides):
    day, start = _tomorrow_at(10)
    data = {
        "caller_phone": "139 1111 2222",
        "caller_name": "李女士",
        "unit": hotline["unit"].pk,
        "symptom": hotline["symptom"].pk,
        "symptom_text": "开机十分钟后不制冷",
        "customer_request": "repair",
        "priority": "normal",
        "channel": "hotline",
        "service_type": "",
        "service_region": hotline["address"].region_id,
        "service_address": hotline["address"].detail,
        "dispatch-center": hotline["center"].pk,
        "dispatch-technician": hotline["technician"].pk,
        "dispatch-day": day.isoformat(),
        "dispatch-start": "10:00",
        "dispatch-end": "12:00",
        "dispatch-mode": "on_site",
        "action": "dispatch",
    }
    data.update(overrides)
    return data


def test_dispatcher_logs_and_dispatches_a_call_in_one_action(client, users, hotline):
    client.force_login(users["dispatcher"])
    response = client.post(reverse("repairs:call_new"), _intake_post(hotline))
    call = RepairCall.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "repairs:call_detail", args=[call.pk]
    )
    order = call.work_orders.get()
    assert order.status == WorkOrderStatus.DISPATCHED
    assert order.center == hotline["center"] and order.technician == hotline["technician"]
    assert call.service_type == "C" and call.warranty_decision.verdict == "free_repair"
    assert [e.to_status for e in order.events.all()] == ["new", "dispatched"]
    page = client.get(response["Location"])
    assert call.number in page.content.decode() and order.number in page.content.decode()


def test_a_failed_dispatch_saves_nothing(client, users, hotline):
    client.force_login(users["dispatcher"])
    other_center = ServiceCenterFactory()
    response = client.post(
        reverse("repairs:call_new"), _intake_post(hotline, **{"dispatch-center": other_center.pk})
    )
    assert response.status_code == 400
    assert RepairCall.objects.count() == 0 and WorkOrder.objects.count() == 0
    assert "technician" in response.context["dispatch_form"].errors


def test_an_appointment_outside_service_hours_is_refused_in_chinese(client, users, hotline):
    client.force_login(users["dispatcher"])
    response = client.post(
        reverse("repairs:call_new"),
        _intake_post(hotline, **{"dispatch-start": "21:00", "dispatch-end": "22:00"}),
    )
    assert response.status_code == 400 and RepairCall.objects.count() == 0
    assert "服务时间" in response.content.decode()


def test_new_customer_and_unit_inline(client, users, hotline):
    client.force_login(users["dispatcher"])
    model = ProductModel.objects.get(pk=hotline["unit"].model_id)
    today = timezone.localdate()
    data = _intake_post(
        hotline,
        unit="",
        new_customer="1",
        caller_phone="13700001111",
        **{
            "new-name": "王五",
            "new-region": hotline["address"].region_id,
            "new-address_detail": "解放路 8 号",
            "unit-model": model.pk,
            "unit-serial_number": "NEW-SN-001",
            "unit-sale_date": (today - dt.timedelta(days=3)).isoformat(),
            "unit-invoice_number": "12345678",
            "unit-invoice_date": (today - dt.timedelta(days=3)).isoformat(),
            "unit-factory_date": (today - dt.timedelta(days=60)).isoformat(),
        },
    )
    response = client.post(reverse("repairs:call_new"), data)
    assert response.status_code == 302, response.context and response.context["unit_form"].errors
    customer = Customer.objects.get(name="王五")
    assert customer.phones.get().number == "13700001111"
    call = RepairCall.objects.get(customer=customer)
    assert call.unit.serial_number == "NEW-SN-001"
    assert call.warranty_decision.verdict == "return"  # 3 days after sale


def test_a_bad_new_unit_is_refused_and_nothing_is_saved(client, users, hotline):
    client.force_login(users["dispatcher"])
    today = timezone.localdate()
    data = _intake_post(
        hotline,
        unit="",
        new_customer="1",
        caller_phone="13700001111",
        **{
            "new-name": "王五",
            "new-region": hotline["address"].region_id,
            "new-address_detail": "解放路 8 号",
            "unit-model": hotline["unit"].model_id,
            "unit-serial_number": "NEW-SN-002",
            "unit-sale_date": (today + dt.timedelta(days=3)).isoformat(),
            "unit-factory_date": (today - dt.timedelta(days=60)).isoformat(),
        },
    )
    response = client.post(reverse("repairs:call_new"), data)
    assert response.status_code == 400
    assert "sale_date" in response.context["unit_form"].errors
    assert (
        not Customer.objects.filter(name="王五").exists()
        and not ProductUnit.objects.filter(serial_number="NEW-SN-002").exists()
    )


def test_lookup_by_phone_shows_the_customer_and_units(client, users, hotline):
    client.force_login(users["dispatcher"])
    response = client.get(reverse("repairs:lookup"), {"q": "1391111"})
    body = response.content.decode()
    assert hotline["unit"].owner.name in body and "GR-INTAKE-1" in body


def test_intake_panel_shows_the_verdict_and_suggestion(client, users, hotline):
    client.force_login(users["dispatcher"])
    response = client.post(reverse("repairs:intake_panel"), {"unit": hotline["unit"].pk})
    body = response.content.decode()
    assert response.context["decision"].verdict == "free_repair"
    assert response.context["suggestions"][0]["center"] == hotline["center"]
    assert hotline["technician"].name in body


def _selected_service_type(body: str) -> str:
    import re

    select = re.search(r'<select name="service_type">(.*?)</select>', body, re.S).group(1)
    return re.search(r'<option value="(\w)" selected', select).group(1)


def test_the_service_type_follows_the_suggestion_until_the_dispatcher_changes_it(client, users, hotline):
    """A panel drawn while the facts were incomplete suggested paid work (A); once the unit is known the
    suggestion is free repair (C) and the type left as suggested follows it. A type the dispatcher picked
    stays through every refresh."""
    client.force_login(users["dispatcher"])
    url = reverse("repairs:intake_panel")
    unit = hotline["unit"].pk
    body = client.post(
        url, {"unit": unit, "service_type": "A", "service_type_suggested": "A"}
    ).content.decode()
    assert _selected_service_type(body) == "C"
    assert 'name="service_type_suggested" value="C"' in body
    body = client.post(
        url, {"unit": unit, "service_type": "A", "service_type_suggested": "C"}
    ).content.decode()
    assert _selected_service_type(body) == "A"


def test_the_duplicate_guard_shows_the_open_call(client, users, hotline):
    client.force_login(users["dispatcher"])
    client.post(reverse("repairs:call_new"), _intake_post(hotline))
    first = RepairCall.objects.get()
    panel = client.post(reverse("repairs:intake_panel"), {"unit": hotline["unit"].pk})
    assert first.number in panel.content.decode()
    again = client.post(reverse("repairs:call_new"), _intake_post(hotline))
    assert again.status_code == 400 and RepairCall.objects.count() == 1
    confirmed = client.post(reverse("repairs:call_new"), _intake_post(hotline, confirm_duplicate_of=first.pk))
    assert confirmed.status_code == 302 and RepairCall.objects.count() == 2


@pytest.mark.parametrize("url_name", ["repairs:call_new", "repairs:lookup", "repairs:intake_panel"])
def test_a_technician_and_a_supervisor_cannot_open_the_intake(client, users, url_name):
    for who in ("technician", "supervisor", "dealer"):
        client.force_login(users[who])
        assert client.get(reverse(url_name)).status_code == 403


def test_a_supervisor_sees_only_the_orders_of_their_centre(client, users):
    mine = WorkOrderFactory(center=users["center"], status=WorkOrderStatus.DISPATCHED)
    theirs = WorkOrderFactory(center=ServiceCenterFactory(), status=WorkOrderStatus.DISPATCHED)
    client.force_login(users["supervisor"])
    body = client.get(reverse("repairs:register")).content.decode()
    assert mine.number in body and theirs.number not in body
    assert client.get(reverse("repairs:call_detail", args=[theirs.call_id])).status_code == 404
    assert client.get(reverse("repairs:call_detail", args=[mine.call_id])).status_code == 200
    response = client.post(reverse("repairs:work_order_transition", args=[theirs.pk]), {"to": "accepted"})
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert (
        theirs.status == WorkOrderStatus.DISPATCHED
        and not WorkOrderEvent.objects.filter(work_order=theirs).exists()
    )


def test_transitions_from_the_call_page_are_guarded(client, users):
    order = WorkOrderFactory(center=users["center"], status=WorkOrderStatus.DISPATCHED)
    client.force_login(users["supervisor"])
    client.post(reverse("repairs:work_order_transition", args=[order.pk]), {"to": "completed"}, follow=True)
    order.refresh_from_db()
    assert order.status == WorkOrderStatus.DISPATCHED
    client.post(reverse("repairs:work_order_transition", args=[order.pk]), {"to": "accepted"})
    order.refresh_from_db()
    assert order.status == WorkOrderStatus.ACCEPTED


def test_register_query_count_does_not_grow_with_page_size(client, users, django_assert_max_num_queries):
    centre = users["center"]
    technician = TechnicianFactory(center=centre)
    for _ in range(30):
        WorkOrderFactory(center=centre, technician=technician, status=WorkOrderStatus.DISPATCHED)
    client.force_login(users["dispatcher"])
    counts = []
    for size in (10, 20):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse("repairs:register"), {"page_size": size})
        assert len(response.context["orders"]) == size
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(counts[0]):
        client.get(reverse("repairs:register"), {"page_size": 100})


def test_register_exports_the_filtered_rows_as_csv(client, users):
    dispatched = WorkOrderFactory(center=users["center"], status=WorkOrderStatus.DISPATCHED)
    closed = WorkOrderFactory(center=users["center"], status=WorkOrderStatus.CLOSED)
    client.force_login(users["dispatcher"])
    response = client.get(reverse("repairs:register"), {"status": "dispatched", "export": "csv"})
    body = b"".join(response.streaming_content).decode("utf-8")
    assert response["Content-Type"].startswith("text/csv")
    assert dispatched.number in body and closed.number not in body
    assert body.startswith("\ufeff")
    # In the user's language, header and values alike, though the rows are streamed after the view returns.
    header, first = body.lstrip("\ufeff").splitlines()[:2]
    assert header.startswith("派工单号,叫修单号,登记时间,状态") and "Call number" not in header
    assert "已派工" in first


def test_phone_guidance_at_intake_sets_the_callback(client, users, hotline):
    client.force_login(users["dispatcher"])
    before = timezone.now()
    response = client.post(
        reverse("repairs:call_new"),
        _intake_post(hotline, action="guide", guidance_note="指导客户清洗滤网后恢复制冷"),
    )
    assert response.status_code == 302
    call = RepairCall.objects.get()
    assert call.work_orders.get().status == WorkOrderStatus.PHONE_GUIDED
    assert before + dt.timedelta(hours=2) <= call.callback_due_at <= timezone.now() + dt.timedelta(hours=2)


def test_the_admin_shows_work_orders_with_their_events_and_never_edits_them(admin_client):
    order = WorkOrderFactory(status=WorkOrderStatus.NEW)
    WorkOrderEvent.objects.create(work_order=order, from_status="", to_status="new", note="登记叫修")
    assert order.number in admin_client.get(reverse("admin:repairs_workorder_changelist")).content.decode()
    page = admin_client.get(reverse("admin:repairs_workorder_change", args=[order.pk])).content.decode()
    assert "登记叫修" in page
    response = admin_client.post(
        reverse("admin:repairs_workorder_change", args=[order.pk]), {"status": "closed"}
    )
    assert response.status_code == 403
    order.refresh_from_db()
    assert order.status == WorkOrderStatus.NEW
