"""The field's exceptions on the pages and over the API: the call page's panel and its forms (sent untouched,
then with each field wrong), the technician's tablet pages, the supervisor's board, the register's status
filter, the door's photo, and the API's actions — for office roles, refused to dealers."""

from __future__ import annotations

import base64
import datetime as dt
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from aftersales import sms
from network.factories import (
    DealerFactory,
    DistrictFactory,
    ServiceCenterFactory,
    TechnicianFactory,
    UserFactory,
    authorise,
)
from repairs import field, services
from repairs.choices import RescheduleReason as R
from repairs.choices import WorkOrderStatus as S
from repairs.factories import WorkOrderFactory
from repairs.models import NotHomeVisit, ProductCategory, Redispatch, Reschedule, WorkOrder, WorkOrderEvent

pytestmark = pytest.mark.django_db


def day_at(days: int, hour: int) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def jpeg_bytes() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (90, 90, 200)).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def outbox():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture
def world():
    category = ProductCategory.objects.get(code="refrigerator")
    district = DistrictFactory(name="江宁区", parent__name="南京市", parent__parent__name="江苏省")
    centre = ServiceCenterFactory(code="JS-NJ-01", name="南京江宁服务中心", region=district)
    other = ServiceCenterFactory(code="JS-NJ-02", name="南京秦淮服务中心", region=district)
    tech = TechnicianFactory(center=centre, name="冯工", user__username="feng", user__roles=["technician"])
    mate = TechnicianFactory(center=centre, name="陈工", user__username="chen", user__roles=["technician"])
    stranger = TechnicianFactory(center=other, name="褚工", user__username="chu", user__roles=["technician"])
    for t in (tech, mate, stranger):
        authorise(t, category, district)
    supervisor = UserFactory(username="jiang", first_name="蒋主任", roles=["supervisor"])
    centre.supervisors.add(supervisor)
    dispatcher = UserFactory(username="han", first_name="韩调度", roles=["dispatcher"])
    dealer = DealerFactory(code="DL-NJ")
    dealer_user = UserFactory(username="dealer_nj", roles=["dealer"])
    dealer.users.add(dealer_user)
    order = WorkOrderFactory(
        status=S.NEW,
        call__service_region=district,
        call__unit__model__category=category,
        call__unit__dealer=dealer,
        call__caller_phone="13912345678",
    )
    services.work_order_dispatch(
        work_order=order,
        center=centre,
        technician=tech,
        appointment_start=day_at(1, 10),
        appointment_end=day_at(1, 12),
        acting_user=dispatcher,
        notify_customer=False,
        now=timezone.now() - dt.timedelta(hours=3),
    )
    return {
        "order": WorkOrder.objects.get(pk=order.pk),
        "centre": centre,
        "other": other,
        "tech": tech,
        "mate": mate,
        "stranger": stranger,
        "supervisor": supervisor,
        "dispatcher": dispatcher,
        "manager": UserFactory(username="wei", first_name="魏经理", roles=["manager"]),
        "dealer_user": dealer_user,
    }


def _fresh(order) -> WorkOrder:
    return WorkOrder.objects.get(pk=order.pk)


def _on_the_way(world):
    order = world["order"]
    for status in (S.ACCEPTED, S.EN_ROUTE):
        order = services.work_order_transition(
            work_order=order, to_status=status, acting_user=world["tech"].user
        )
    world["order"] = order
    return order


def _forms(html: str) -> dict[str, dict[str, str]]:
    """The POST forms of a page by action: their fields as the browser sends them untouched."""
    from tests.test_hostile_input import _Fields

    parser = _Fields()
    parser.feed(html)
    return {action: dict(fields) for action, fields in parser.forms}


def _messages(response) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages]


# The call page -------------------------------------------------------------------------------------------


def test_the_call_page_moves_the_appointment_with_its_form_as_sent(client, world):
    client.force_login(world["dispatcher"])
    order = world["order"]
    page = client.get(reverse("repairs:call_detail", args=[order.call_id]))
    forms = _forms(page.content.decode())
    action = reverse("repairs:work_order_reschedule", args=[order.pk])
    assert action in forms and forms[action]["seen"] == "0"
    form = {**forms[action], "day": str(timezone.localdate() + dt.timedelta(days=2)), "start": "14:00"}
    form["end"] = "16:00"

    response = client.post(action, form)

    assert response.status_code == 302
    order = _fresh(order)
    assert order.reschedule_count == 1 and order.appointment_start == day_at(2, 14)
    page = client.get(reverse("repairs:call_detail", args=[order.call_id]))
    html = page.content.decode()
    assert 'data-reschedule-count="1"' in html and "韩调度" in html


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("day", ""),
        ("day", "9999-12-31"),
        ("start", "25:00"),
        ("end", ""),
        ("reason", "whim"),
        ("seen", "abc"),
    ],
)
def test_the_reschedule_form_with_a_field_wrong_changes_nothing(client, world, name, value):
    client.force_login(world["dispatcher"])
    order = world["order"]
    action = reverse("repairs:work_order_reschedule", args=[order.pk])
    form = {"day": str(timezone.localdate() + dt.timedelta(days=2)), "start": "14:00", "end": "16:00"}
    form.update({"reason": R.CUSTOMER, "note": "", "seen": "0", name: value})

    response = client.post(action, form)

    assert response.status_code == 302 and _messages(response)
    assert _fresh(order).reschedule_count == 0 and not Reschedule.objects.exists()


def test_the_call_page_redispatches_and_records_nobody_at_home_for_the_technician(client, world):
    client.force_login(world["dispatcher"])
    order = world["order"]
    action = reverse("repairs:work_order_redispatch", args=[order.pk])
    forms = _forms(client.get(reverse("repairs:call_detail", args=[order.call_id])).content.decode())
    untouched = forms[action]
    response = client.post(action, untouched)  # no technician chosen, no reason: refused
    assert response.status_code == 302 and not Redispatch.objects.exists()

    client.post(action, {**untouched, "technician": str(world["mate"].pk), "reason": "冯工车坏了"})
    order = _fresh(order)
    assert order.technician == world["mate"]

    order = services.work_order_transition(
        work_order=order, to_status=S.ACCEPTED, acting_user=world["mate"].user
    )
    order = services.work_order_transition(
        work_order=order, to_status=S.EN_ROUTE, acting_user=world["mate"].user
    )
    forms = _forms(client.get(reverse("repairs:call_detail", args=[order.call_id])).content.decode())
    action = reverse("repairs:work_order_not_home", args=[order.pk])
    untouched = forms[action]
    client.post(action, untouched)  # no distance, neither photo nor note: refused
    assert _fresh(order).status == S.EN_ROUTE
    untouched.update({"travel_km": "12", "note": "陈工电话报告：敲门无人，电话无人接"})
    response = client.post(action, untouched)
    assert response.status_code == 302
    visit = NotHomeVisit.objects.get(work_order=order)
    assert (visit.by, visit.technician, visit.travel_km) == (world["dispatcher"], world["mate"], 12)
    assert _fresh(order).status == S.TO_RESCHEDULE


def test_after_two_empty_visits_the_call_page_offers_the_decision_to_the_supervisor_only(client, world):
    _on_the_way(world)
    now = timezone.now()
    field.work_order_not_home(
        work_order=world["order"],
        arrived_at=now,
        calls_made=2,
        travel_km=8,
        note="无人",
        acting_user=world["tech"].user,
    )
    field.work_order_reschedule(
        work_order=world["order"],
        appointment_start=day_at(2, 10),
        appointment_end=day_at(2, 12),
        reason=R.NOT_HOME,
        acting_user=world["dispatcher"],
    )
    _on_the_way(world)
    field.work_order_not_home(
        work_order=world["order"],
        arrived_at=now,
        calls_made=3,
        travel_km=8,
        note="仍无人",
        acting_user=world["tech"].user,
    )
    order = world["order"]
    reschedule = reverse("repairs:work_order_reschedule", args=[order.pk])
    cancel = reverse("repairs:work_order_not_home_cancel", args=[order.pk])

    client.force_login(world["dispatcher"])
    forms = _forms(client.get(reverse("repairs:call_detail", args=[order.call_id])).content.decode())
    assert reschedule not in forms and cancel not in forms
    assert client.post(cancel, {"note": "不去了"}).status_code == 302  # posted anyway: refused
    assert _fresh(order).status == S.TO_RESCHEDULE

    client.force_login(world["supervisor"])
    html = client.get(reverse("repairs:call_detail", args=[order.call_id])).content.decode()
    forms = _forms(html)
    assert reschedule in forms and cancel in forms
    assert 'data-not-home="2"' in html
    client.post(cancel, {"note": "两次未遇，客户电话空号"})
    assert _fresh(order).status == S.CANCELLED
    assert len(sms.outbox) == 0  # the test client's request ran in the test's transaction: nothing committed
    # The supervisor's board no longer lists it.
    board = client.get(reverse("office:my_center")).content.decode()
    assert f'data-order="{order.number}"' not in board


def test_the_supervisors_board_lists_what_waits_for_a_new_appointment(
    client, world, django_assert_max_num_queries
):
    _on_the_way(world)
    field.work_order_not_home(
        work_order=world["order"],
        arrived_at=timezone.now(),
        calls_made=2,
        travel_km=8,
        note="无人",
        acting_user=world["tech"].user,
    )
    client.force_login(world["supervisor"])
    with django_assert_max_num_queries(40):
        html = client.get(reverse("office:my_center")).content.decode()
    row = re.search(rf'<tr data-order="{world["order"].number}">.*?</tr>', html, re.S)
    assert row is not None
    assert "冯工" in row.group(0) and "status-to_reschedule" in row.group(0)


def test_the_register_filters_the_orders_to_be_rescheduled(client, world):
    _on_the_way(world)
    field.work_order_not_home(
        work_order=world["order"],
        arrived_at=timezone.now(),
        calls_made=2,
        travel_km=8,
        note="无人",
        acting_user=world["tech"].user,
    )
    other = WorkOrderFactory(status=S.NEW)
    client.force_login(world["dispatcher"])
    html = client.get(reverse("repairs:register"), {"status": S.TO_RESCHEDULE}).content.decode()
    assert world["order"].number in html and other.number not in html
    assert f'value="{S.TO_RESCHEDULE}" selected' in html


# The tablet ----------------------------------------------------------------------------------------------


def test_the_technician_moves_the_appointment_after_phoning_the_customer(client, world):
    client.force_login(world["tech"].user)
    order = world["order"]
    page = client.get(reverse("repairs:tablet_order", args=[order.pk])).content.decode()
    assert reverse("repairs:tablet_reschedule", args=[order.pk]) in page
    url = reverse("repairs:tablet_reschedule", args=[order.pk])
    form = _forms(client.get(url).content.decode())[""]
    assert "phoned" not in form  # the box is not ticked

    response = client.post(url, {**form, "reason": R.TECHNICIAN_DELAYED})
    assert response.status_code == 400 and _fresh(order).reschedule_count == 0

    form.update(
        {
            "reason": R.TECHNICIAN_DELAYED,
            "phoned": "1",
            "day": str(timezone.localdate() + dt.timedelta(days=1)),
        }
    )
    form.update({"start": "15:00", "end": "17:00"})
    response = client.post(url, form)
    assert response.status_code == 302
    order = _fresh(order)
    assert order.appointment_start == day_at(1, 15) and order.accountable_start == day_at(1, 10)


def test_another_technician_does_not_reach_the_orders_tablet_pages(client, world):
    client.force_login(world["stranger"].user)
    for name in ("repairs:tablet_reschedule", "repairs:tablet_not_home"):
        assert client.get(reverse(name, args=[world["order"].pk])).status_code == 404


def test_the_technician_records_nobody_at_home_with_a_photo_of_the_door(client, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(world["tech"].user)
    order = world["order"]
    url = reverse("repairs:tablet_not_home", args=[order.pk])
    response = client.get(url)  # dispatched, not on the way yet: back to the order with a message
    assert response.status_code == 302 and _messages(response)

    order = _on_the_way(world)
    page = client.get(reverse("repairs:tablet_order", args=[order.pk])).content.decode()
    assert url in page
    form = _forms(client.get(url).content.decode())[""]
    response = client.post(url, {**form, "travel_km": "25"})  # neither photo nor note
    assert response.status_code == 400 and _fresh(order).status == S.EN_ROUTE

    from django.core.files.uploadedfile import SimpleUploadedFile

    photo = SimpleUploadedFile("door.jpg", jpeg_bytes(), content_type="image/jpeg")
    response = client.post(url, {**form, "travel_km": "25", "photo": photo})
    assert response.status_code == 302
    visit = NotHomeVisit.objects.get(work_order=order)
    assert visit.photo and visit.travel_km == 25 and _fresh(order).status == S.TO_RESCHEDULE
    # The photo: to those who see the order, nobody else.
    photo_url = reverse("repairs:not_home_photo", args=[visit.pk])
    assert client.get(photo_url).status_code == 200
    client.force_login(world["stranger"].user)
    assert client.get(photo_url).status_code == 404
    # On the tablet's list and page, the order says what it waits for.
    client.force_login(world["tech"].user)
    page = client.get(reverse("repairs:tablet_order", args=[order.pk])).content.decode()
    assert "st-to_reschedule" in page and reverse("repairs:tablet_reschedule", args=[order.pk]) in page


# The API ---------------------------------------------------------------------------------------------------


def _api(world, who):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(world[who] if who != "tech" else world["tech"].user)
    return api


def test_the_api_reschedules_for_the_office_and_the_history_says_so(world):
    order = world["order"]
    url = f"/api/v1/work-orders/{order.pk}/reschedule/"
    body = {
        "appointment_start": day_at(2, 9).isoformat(),
        "appointment_end": day_at(2, 11).isoformat(),
        "reason": "customer",
        "note": "客户改到后天",
        "reschedule_count": 0,
    }

    response = _api(world, "dispatcher").post(url, body, format="json")

    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["reschedule_count"] == 1
    assert "客户改到后天" in data["events"][-1]["note"]
    stale = _api(world, "supervisor").post(url, {**body, "reschedule_count": 0}, format="json")
    assert stale.status_code == 400 and "韩调度" in stale.json()["errors"]["status"][0]
    past = _api(world, "manager").post(
        url,
        {
            **body,
            "appointment_start": day_at(-1, 9).isoformat(),
            "appointment_end": day_at(-1, 11).isoformat(),
            "reschedule_count": 1,
        },
        format="json",
    )
    assert past.status_code == 400 and "appointment_start" in past.json()["errors"]
    assert _fresh(order).reschedule_count == 1


def test_the_api_refuses_dealers_and_technicians_and_others_out_of_scope(world):
    order = world["order"]
    body = {"center": "JS-NJ-01", "technician": world["mate"].employee_no, "reason": "x"}
    for verb in ("reschedule", "redispatch", "not-home"):
        url = f"/api/v1/work-orders/{order.pk}/{verb}/"
        assert _api(world, "dealer_user").post(url, body, format="json").status_code == 403
        assert _api(world, "tech").post(url, body, format="json").status_code == 403
    other_dealer = UserFactory(username="dealer_x", roles=["dealer"])
    DealerFactory(code="DL-X").users.add(other_dealer)
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(other_dealer)
    assert api.post(f"/api/v1/work-orders/{order.pk}/reschedule/", {}, format="json").status_code == 404
    order = _fresh(order)
    assert order.technician == world["tech"] and order.reschedule_count == 0


def test_the_api_redispatches_and_records_nobody_at_home(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    order = world["order"]
    response = _api(world, "dispatcher").post(
        f"/api/v1/work-orders/{order.pk}/redispatch/",
        {"center": "JS-NJ-01", "technician": world["mate"].employee_no, "reason": "冯工请假"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["technician"] is None or _fresh(order).technician == world["mate"]
    assert "冯工请假" in response.json()["events"][-1]["note"]

    for status in (S.ACCEPTED, S.EN_ROUTE):
        order = services.work_order_transition(
            work_order=order, to_status=status, acting_user=world["mate"].user
        )
    url = f"/api/v1/work-orders/{order.pk}/not-home/"
    body = {"arrived_at": timezone.now().isoformat(), "calls_made": 2, "travel_km": 9}
    refused = _api(world, "dispatcher").post(url, body, format="json")  # neither photo nor note
    assert refused.status_code == 400 and "note" in refused.json()["errors"]
    garbled = _api(world, "dispatcher").post(url, {**body, "photo": "%%%"}, format="json")
    assert garbled.status_code == 400 and "photo" in garbled.json()["errors"]

    response = _api(world, "supervisor").post(
        url, {**body, "photo": base64.b64encode(jpeg_bytes()).decode()}, format="json"
    )

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "to_reschedule"
    assert WorkOrderEvent.objects.filter(work_order=order, to_status=S.TO_RESCHEDULE).exists()
    assert NotHomeVisit.objects.get(work_order=order).photo


def test_every_status_reads_in_chinese_on_the_voucher(world):
    from repairs.pdf import STATUS_ZH, voucher_context

    assert set(STATUS_ZH) == set(S.values)
    order = _on_the_way(world)
    field.work_order_not_home(
        work_order=order,
        arrived_at=timezone.now(),
        calls_made=1,
        travel_km=5,
        note="无人",
        acting_user=world["tech"].user,
    )
    assert voucher_context(_fresh(order))["status"] == "上门未遇，待改约"
