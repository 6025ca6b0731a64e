"""The technician's tablet as its users live it: today's list, the on-site steps, asking for parts, taking
the product in, and the closing with parts, photos, the signature or the customer's code — on the real
PostgreSQL, through the pages."""

import base64
import datetime as dt
import io
import os
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.hashers import make_password
from django.urls import reverse
from django.utils import timezone
from PIL import Image, ImageDraw

from aftersales import sms
from inventory import services as inventory
from inventory.choices import MovementKind
from inventory.factories import PartFactory, WarehouseFactory
from inventory.models import DefectiveReturn, PartRequest, StockLevel, StockMovement
from network.factories import ServiceCenterFactory, TechnicianFactory, UserFactory
from repairs.choices import FaultCodeKind, ServiceType
from repairs.choices import WorkOrderStatus as S
from repairs.closing import confirmation_code_send
from repairs.factories import WorkOrderFactory
from repairs.models import FaultCode, WorkOrderClosing, WorkOrderEvent, WorkOrderPhoto

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    sms.outbox.clear()


@pytest.fixture
def world(users):
    center = users["center"]
    other_center = ServiceCenterFactory(code="SC-B", name="乙网点")
    other_supervisor = UserFactory(username="sup_b", roles=["supervisor"])
    other_center.supervisors.add(other_supervisor)
    colleague = TechnicianFactory(user=UserFactory(username="tech_b", roles=["technician"]), center=center)
    central = WarehouseFactory(central=True)
    WarehouseFactory(defective=True)
    wh = WarehouseFactory(center=center)
    compressor = PartFactory(
        code="YSJ-01",
        name="压缩机",
        unit_cost_amount=Decimal("300.00"),
        return_required=True,
        serialized=True,
    )
    capacitor = PartFactory(code="DR-01", name="启动电容", unit_cost_amount=Decimal("12.00"))
    inventory.deposit_pay(center=center, amount="5000.00", acting_user=users["manager"])  # credit 15,000
    inventory.stock_receive(
        warehouse=central,
        lines=[(compressor, 5, "300.00"), (capacitor, 20, "12.00")],
        reference="RK-1",
        acting_user=users["manager"],
    )
    inventory.stock_transfer(
        source=central, destination=wh, lines=[(compressor, 2), (capacitor, 10)], acting_user=users["manager"]
    )
    return {
        **users,
        "tech": users["technician"].technician,
        "colleague": colleague,
        "other_supervisor": other_supervisor,
        "wh": wh,
        "compressor": compressor,
        "capacitor": capacitor,
    }


def order_for(technician, *, status=S.IN_REPAIR, start=None, service_type=ServiceType.FREE, **kwargs):
    start = start or timezone.now().replace(microsecond=0) + dt.timedelta(hours=1)
    return WorkOrderFactory(
        center=technician.center,
        technician=technician,
        status=status,
        appointment_start=start,
        appointment_end=start + dt.timedelta(hours=2),
        call__service_type=service_type,
        **kwargs,
    )


def codes(order, kind):
    return FaultCode.objects.filter(category_id=order.call.unit.model.category_id, kind=kind).order_by(
        "sort_order"
    )


def signature_png(ink=True) -> bytes:
    image = Image.new("RGBA", (380, 120), (0, 0, 0, 0))
    if ink:
        ImageDraw.Draw(image).line(
            [(20, 80), (120, 30), (200, 90), (340, 40)], fill=(17, 17, 17, 255), width=4
        )
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg(name="photo.jpg", size=(64, 48)):
    from django.core.files.uploadedfile import SimpleUploadedFile

    buffer = io.BytesIO()
    Image.new("RGB", size, (90, 140, 200)).save(buffer, format="JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def closing_post(order, **overrides):
    data = {
        "client_id": str(uuid.uuid4()),
        "fault_code": codes(order, FaultCodeKind.FAULT).first().pk,
        "cause": codes(order, FaultCodeKind.CAUSE).first().pk,
        "resolution": "part_replaced",
        "resolution_note": "更换启动电容，试机正常",
        "labour_minutes": "45",
        "signature_data": "data:image/png;base64," + base64.b64encode(signature_png()).decode(),
        "satisfaction": "very_satisfied",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def on_hand(world, part):
    return StockLevel.objects.get(warehouse=world["wh"], part=part).quantity


def state(order):
    """What a refused closing must leave as it was."""
    order.refresh_from_db()
    return (
        order.status,
        StockMovement.objects.count(),
        list(StockLevel.objects.order_by("pk").values_list("quantity", flat=True)),
        WorkOrderClosing.objects.count(),
        WorkOrderPhoto.objects.count(),
        DefectiveReturn.objects.count(),
    )


# Today's list ------------------------------------------------------------------------------------------


def test_today_lists_my_orders_by_appointment_with_call_and_map_links(client, world):
    now = timezone.now()
    today = timezone.localdate(now)
    noon = timezone.make_aware(dt.datetime.combine(today, dt.time(12, 0)))
    late = order_for(world["tech"], status=S.DISPATCHED, start=noon + dt.timedelta(hours=3))
    early = order_for(world["tech"], status=S.ACCEPTED, start=noon - dt.timedelta(hours=3))
    tomorrow = order_for(world["tech"], status=S.DISPATCHED, start=noon + dt.timedelta(days=1))
    theirs = order_for(world["colleague"], status=S.DISPATCHED, start=noon)
    client.force_login(world["technician"])

    page = client.get(reverse("repairs:my_orders")).content.decode()

    assert page.index(early.number) < page.index(late.number)
    assert tomorrow.number not in page and theirs.number not in page
    assert f'href="tel:{early.call.caller_phone}"' in page
    assert "uri.amap.com/search?keyword=" in page
    page = client.get(reverse("repairs:my_orders") + "?view=tomorrow").content.decode()
    assert tomorrow.number in page and early.number not in page


def test_overdue_lists_open_orders_whose_window_has_passed(client, world):
    past = timezone.now() - dt.timedelta(days=2)
    overdue = order_for(world["tech"], status=S.ACCEPTED, start=past)
    done = order_for(world["tech"], status=S.COMPLETED, start=past)
    client.force_login(world["technician"])

    response = client.get(reverse("repairs:my_orders") + "?view=overdue")

    page = response.content.decode()
    assert overdue.number in page and done.number not in page
    assert response.context["counts"]["overdue"] == 1


def test_a_supervisor_sees_the_centres_orders_with_the_technician(client, world):
    noon = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(12, 0)))
    mine = order_for(world["tech"], status=S.DISPATCHED, start=noon)
    theirs = order_for(world["colleague"], status=S.DISPATCHED, start=noon + dt.timedelta(minutes=10))
    client.force_login(world["supervisor"])
    page = client.get(reverse("repairs:my_orders")).content.decode()
    assert mine.number in page and theirs.number in page and world["colleague"].name in page
    client.force_login(world["other_supervisor"])
    page = client.get(reverse("repairs:my_orders")).content.decode()
    assert mine.number not in page


def test_the_list_runs_the_same_queries_for_3_or_30_orders(client, world, django_assert_max_num_queries):
    today = timezone.localdate()
    start = timezone.make_aware(dt.datetime.combine(today, dt.time(9, 0)))
    for i in range(3):
        order_for(world["tech"], status=S.DISPATCHED, start=start + dt.timedelta(minutes=i))
    client.force_login(world["technician"])
    with django_assert_max_num_queries(12) as few:
        assert client.get(reverse("repairs:my_orders")).status_code == 200
    for i in range(27):
        order_for(world["tech"], status=S.DISPATCHED, start=start + dt.timedelta(minutes=10 + i))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("repairs:my_orders"))
    assert len(response.context["orders"]) == 30


def test_a_long_list_comes_in_pages_of_50_in_appointment_order(client, world):
    start = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(8, 0)))
    orders = [
        order_for(world["tech"], status=S.DISPATCHED, start=start + dt.timedelta(minutes=i))
        for i in range(55)
    ]
    client.force_login(world["technician"])
    first = client.get(reverse("repairs:my_orders"))
    assert [o.pk for o in first.context["orders"]] == [o.pk for o in orders[:50]]
    assert first.context["counts"]["today"] == 55
    assert "page=2" in first.content.decode()
    second = client.get(reverse("repairs:my_orders"), {"page": "2"})
    assert [o.pk for o in second.context["orders"]] == [o.pk for o in orders[50:]]
    assert second.context["next_page"] is None
    assert client.get(reverse("repairs:my_orders"), {"page": "-1"}).context["page"] == 1


# Scope ---------------------------------------------------------------------------------------------------


def test_another_technicians_order_answers_404_and_nothing_changes(client, world):
    theirs = order_for(world["colleague"], status=S.DISPATCHED)
    client.force_login(world["technician"])
    assert client.get(reverse("repairs:tablet_order", args=[theirs.pk])).status_code == 404
    assert (
        client.post(reverse("repairs:tablet_step", args=[theirs.pk]), {"to": S.ACCEPTED}).status_code == 404
    )
    assert (
        client.post(reverse("repairs:tablet_close", args=[theirs.pk]), closing_post(theirs)).status_code
        == 404
    )
    theirs.refresh_from_db()
    assert theirs.status == S.DISPATCHED
    client.force_login(world["other_supervisor"])
    assert client.get(reverse("repairs:tablet_order", args=[theirs.pk])).status_code == 404
    client.force_login(world["dispatcher"])  # no tablet role
    assert client.get(reverse("repairs:tablet_order", args=[theirs.pk])).status_code == 403


def test_the_centres_supervisor_may_act_on_a_technicians_order(client, world):
    order = order_for(world["tech"], status=S.DISPATCHED)
    client.force_login(world["supervisor"])
    client.post(reverse("repairs:tablet_step", args=[order.pk]), {"to": S.ACCEPTED})
    order.refresh_from_db()
    assert order.status == S.ACCEPTED


# The on-site steps ---------------------------------------------------------------------------------------


def test_accept_set_off_arrive_and_start_each_record_their_time(client, world):
    order = order_for(world["tech"], status=S.DISPATCHED)
    client.force_login(world["technician"])
    for step in (S.ACCEPTED, S.EN_ROUTE, S.ON_SITE, S.IN_REPAIR):
        page = client.get(reverse("repairs:tablet_order", args=[order.pk])).content.decode()
        assert f'value="{step}"' in page  # the one button that fits the status
        client.post(reverse("repairs:tablet_step", args=[order.pk]), {"to": step})
    order.refresh_from_db()
    assert order.status == S.IN_REPAIR
    assert order.accepted_at <= order.en_route_at <= order.arrived_at <= order.repair_started_at
    assert list(WorkOrderEvent.objects.filter(work_order=order).values_list("to_status", flat=True)) == [
        S.ACCEPTED,
        S.EN_ROUTE,
        S.ON_SITE,
        S.IN_REPAIR,
    ]


def test_calling_the_customer_records_the_first_contact_once(client, world):
    order = order_for(world["tech"], status=S.DISPATCHED)
    client.force_login(world["colleague"].user)
    assert client.post(reverse("repairs:tablet_contact", args=[order.pk])).status_code == 404
    client.force_login(world["technician"])
    assert (
        "已联系客户（确认预约）"
        in client.get(reverse("repairs:tablet_order", args=[order.pk])).content.decode()
    )
    client.post(reverse("repairs:tablet_contact", args=[order.pk]))
    order.refresh_from_db()
    first = order.first_contact_at
    assert first is not None
    assert (
        "已联系客户（确认预约）"
        not in client.get(reverse("repairs:tablet_order", args=[order.pk])).content.decode()
    )
    client.post(reverse("repairs:tablet_contact", args=[order.pk]))
    order.refresh_from_db()
    assert order.first_contact_at == first
    assert WorkOrderEvent.objects.filter(work_order=order, note="已联系客户").count() == 2


def test_a_step_that_no_longer_fits_is_refused_without_change(client, world):
    order = order_for(world["tech"], status=S.ON_SITE)
    client.force_login(world["technician"])
    response = client.post(reverse("repairs:tablet_step", args=[order.pk]), {"to": S.ACCEPTED}, follow=True)
    order.refresh_from_db()
    assert order.status == S.ON_SITE
    assert "不再符合" in response.content.decode()


def test_late_warning_before_arrival_says_what_to_do(client, world):
    order = order_for(world["tech"], status=S.EN_ROUTE, start=timezone.now() - dt.timedelta(minutes=20))
    client.force_login(world["technician"])
    page = client.get(reverse("repairs:tablet_order", args=[order.pk])).content.decode()
    assert "迟到 20 分钟" in page or "迟到 19 分钟" in page
    assert "经理" in page  # over 15 minutes: the manager visits when the customer refuses
    on_time = order_for(world["tech"], status=S.EN_ROUTE, start=timezone.now() + dt.timedelta(hours=2))
    page = client.get(reverse("repairs:tablet_order", args=[on_time.pk])).content.decode()
    assert "t-late" not in page


def test_need_parts_raises_a_part_request_and_the_order_waits(client, world):
    order = order_for(world["tech"], status=S.IN_REPAIR)
    client.force_login(world["technician"])
    response = client.post(
        reverse("repairs:tablet_need_parts", args=[order.pk]),
        {"part": [world["compressor"].pk, ""], "quantity": ["1", "1"], "note": "压缩机卡缸"},
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == S.WAITING_FOR_PARTS
    request = PartRequest.objects.get(work_order=order)
    assert request.center_id == order.center_id and request.lines.get().quantity == 1


def test_need_parts_with_a_bad_quantity_changes_nothing(client, world):
    order = order_for(world["tech"], status=S.IN_REPAIR)
    client.force_login(world["technician"])
    response = client.post(
        reverse("repairs:tablet_need_parts", args=[order.pk]),
        {"part": [world["compressor"].pk], "quantity": ["0"]},
    )
    assert "1 到 1000" in response.content.decode()
    order.refresh_from_db()
    assert order.status == S.IN_REPAIR and not PartRequest.objects.exists()


def test_convert_to_carry_in_issues_the_receipt(client, world):
    order = order_for(world["tech"], status=S.ON_SITE)
    client.force_login(world["technician"])
    response = client.post(
        reverse("repairs:tablet_carry_in", args=[order.pk]),
        {"condition_note": "外观完好，带遥控器"},
        follow=True,
    )
    order.refresh_from_db()
    assert order.mode == "carry_in" and order.carry_in.condition_note == "外观完好，带遥控器"
    assert order.carry_in.receipt_number in response.content.decode()


# Closing -------------------------------------------------------------------------------------------------


def test_closing_with_parts_consumes_them_tags_the_old_part_and_keeps_the_signature(client, world):
    order = order_for(world["tech"])
    client.force_login(world["technician"])
    data = closing_post(
        order,
        part=[world["compressor"].pk, world["capacitor"].pk],
        part_quantity=["1", "2"],
        serial_number=["YSJ-NEW-001", ""],
        old_serial=["YSJ-OLD-777", ""],
        part_reason=["", ""],
        photos_before=jpeg("before.jpg"),
        photos_after=jpeg("after.jpg"),
    )

    response = client.post(
        reverse("repairs:tablet_close", args=[order.pk]), data, HTTP_ACCEPT="application/json"
    )

    assert response.status_code == 200 and response.json()["ok"] is True
    order.refresh_from_db()
    assert order.status == S.COMPLETED and order.completed_at
    closing = order.closing
    assert closing.labour_minutes == 45 and closing.signature and not closing.confirmed_by_code
    assert on_hand(world, world["compressor"]) == 1 and on_hand(world, world["capacitor"]) == 8
    issued = StockMovement.objects.filter(work_order=order, kind=MovementKind.ISSUE)
    assert sorted(issued.values_list("quantity", flat=True)) == [-2, -1]
    tag = DefectiveReturn.objects.get(work_order=order)
    assert (tag.old_serial, tag.new_serial) == ("YSJ-OLD-777", "YSJ-NEW-001")
    assert sorted(order.photos.values_list("kind", flat=True)) == ["after", "before"]
    voucher = client.get(reverse("repairs:tablet_order", args=[order.pk])).content.decode()
    assert reverse("repairs:work_order_signature", args=[order.pk]) in voucher and "YSJ-01" in voucher
    signature = client.get(reverse("repairs:work_order_signature", args=[order.pk]))
    assert signature.status_code == 200 and b"".join(signature.streaming_content)[:4] == b"\x89PNG"


def test_the_same_closing_twice_closes_once_and_consumes_once(client, world):
    order = order_for(world["tech"])
    client.force_login(world["technician"])
    data = closing_post(order, part=[world["capacitor"].pk], part_quantity=["3"])
    url = reverse("repairs:tablet_close", args=[order.pk])

    first = client.post(url, data, HTTP_ACCEPT="application/json")
    second = client.post(url, data, HTTP_ACCEPT="application/json")

    assert first.json()["ok"] and second.json() == {**first.json(), "replayed": True}
    assert WorkOrderClosing.objects.filter(work_order=order).count() == 1
    assert StockMovement.objects.filter(work_order=order).count() == 1
    assert on_hand(world, world["capacitor"]) == 7


def test_a_short_part_leaves_stock_ledger_and_status_unchanged(client, world):
    order = order_for(world["tech"])
    client.force_login(world["technician"])
    before = state(order)
    data = closing_post(
        order,
        part=[world["capacitor"].pk, world["compressor"].pk],
        part_quantity=["2", "3"],
        serial_number=["", "S1"],
    )  # the compressor has serials: 3 on a line is refused first
    response = client.post(
        reverse("repairs:tablet_close", args=[order.pk]), data, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 400
    assert state(order) == before

    data = closing_post(
        order,
        part=[world["capacitor"].pk, world["compressor"].pk],
        part_quantity=["2", "1"],
        serial_number=["", "S1"],
    )
    other = order_for(world["tech"])
    client.post(
        reverse("repairs:tablet_close", args=[other.pk]),
        closing_post(
            other,
            part=[world["compressor"].pk, world["compressor"].pk],
            part_quantity=["1", "1"],
            serial_number=["S8", "S9"],
        ),
    )
    assert on_hand(world, world["compressor"]) == 0
    before = state(order)
    response = client.post(
        reverse("repairs:tablet_close", args=[order.pk]), data, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 400
    message = " ".join(response.json()["errors"]["parts"])
    assert "YSJ-01" in message and "备件申请" in message
    assert state(order) == before  # the capacitors of the first line went back with the rollback


@pytest.mark.parametrize("minutes", ["0", "1441", "abc", ""])
def test_labour_minutes_outside_1_to_1440_are_refused_in_chinese(client, world, minutes):
    order = order_for(world["tech"])
    client.force_login(world["technician"])
    before = state(order)
    response = client.post(
        reverse("repairs:tablet_close", args=[order.pk]), closing_post(order, labour_minutes=minutes)
    )
    assert response.status_code == 400
    assert "分钟" in response.content.decode()
    assert state(order) == before


def test_a_photo_that_is_not_an_image_or_too_large_is_refused(client, world, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    order = order_for(world["tech"])
    client.force_login(world["technician"])
    before = state(order)
    fake = SimpleUploadedFile("fault.jpg", b"%PDF-1.4 not a photo", content_type="image/jpeg")
    response = client.post(
        reverse("repairs:tablet_close", args=[order.pk]),
        closing_post(order, photos_after=fake),
        HTTP_ACCEPT="application/json",
    )
    assert "不是照片" in " ".join(response.json()["errors"]["photos"])
    settings.WORK_ORDER_PHOTO_MAX_BYTES = 1024 * 1024
    noise = Image.frombytes("RGB", (1200, 1200), os.urandom(1200 * 1200 * 3))
    buffer = io.BytesIO()
    noise.save(buffer, format="JPEG", quality=95)
    assert buffer.tell() > 1024 * 1024
    big = SimpleUploadedFile("big.jpg", buffer.getvalue(), content_type="image/jpeg")
    response = client.post(
        reverse("repairs:tablet_close", args=[order.pk]),
        closing_post(order, photos_after=big),
        HTTP_ACCEPT="application/json",
    )
    assert "大于 1 MB" in " ".join(response.json()["errors"]["photos"])
    assert state(order) == before
    assert not list(Path(settings.MEDIA_ROOT).rglob("*.*"))  # no file left behind


def test_no_signature_and_no_code_is_refused_and_an_empty_signature_too(client, world):
    order = order_for(world["tech"])
    client.force_login(world["technician"])
    before = state(order)
    response = client.post(
        reverse("repairs:tablet_close", args=[order.pk]),
        closing_post(order, signature_data=None),
        HTTP_ACCEPT="application/json",
    )
    assert "签名" in " ".join(response.json()["errors"]["signature"])
    blank = "data:image/png;base64," + base64.b64encode(signature_png(ink=False)).decode()
    response = client.post(
        reverse("repairs:tablet_close", args=[order.pk]),
        closing_post(order, signature_data=blank),
        HTTP_ACCEPT="application/json",
    )
    assert "签名" in " ".join(response.json()["errors"]["signature"])
    assert state(order) == before


def test_paid_service_needs_the_amount_and_how_it_was_paid(client, world):
    order = order_for(world["tech"], service_type=ServiceType.PAID)
    from repairs import services as repair_services

    quote = repair_services.quote_create(
        work_order=order,
        lines=[repair_services.QuoteLineInput("labour", "小修工时费", 1, Decimal("80.00"))],
        acting_user=world["supervisor"],
    )
    repair_services.consent_record(
        quote=quote,
        given_by="张三",
        method="signature",
        signature_png=signature_png(),
        acting_user=world["supervisor"],
    )
    client.force_login(world["technician"])
    url = reverse("repairs:tablet_close", args=[order.pk])
    response = client.post(url, closing_post(order), HTTP_ACCEPT="application/json")
    assert set(response.json()["errors"]) >= {"collected_amount", "payment_method"}
    response = client.post(
        url,
        closing_post(order, collected_amount="80.00", payment_method="wechat"),
        HTTP_ACCEPT="application/json",
    )
    assert set(response.json()["errors"]) == {"payment_reference"}  # a WeChat payment's transaction number
    response = client.post(
        url,
        closing_post(
            order,
            collected_amount="80.00",
            payment_method="wechat",
            payment_reference="4200001234202612040001",
        ),
        HTTP_ACCEPT="application/json",
    )
    assert response.json()["ok"]
    order.refresh_from_db()
    assert order.closing.collected_amount == Decimal("80.00") and order.closing.payment_method == "wechat"
    assert order.closing.payment_reference == "4200001234202612040001"


def test_free_service_collects_nothing(client, world):
    order = order_for(world["tech"])
    client.force_login(world["technician"])
    response = client.post(
        reverse("repairs:tablet_close", args=[order.pk]),
        closing_post(order, collected_amount="50", payment_method="cash"),
        HTTP_ACCEPT="application/json",
    )
    assert "collected_amount" in response.json()["errors"]


def test_a_fault_code_of_another_category_is_refused(client, world):
    order = order_for(world["tech"])
    foreign = (
        FaultCode.objects.filter(kind=FaultCodeKind.FAULT)
        .exclude(category_id=order.call.unit.model.category_id)
        .first()
    )
    client.force_login(world["technician"])
    response = client.post(
        reverse("repairs:tablet_close", args=[order.pk]),
        closing_post(order, fault_code=foreign.pk),
        HTTP_ACCEPT="application/json",
    )
    assert "fault_code" in response.json()["errors"]


# The confirmation code -----------------------------------------------------------------------------------


def test_dispatch_sends_the_customer_a_code_after_commit(world, django_capture_on_commit_callbacks):
    from repairs.services import work_order_dispatch

    order = WorkOrderFactory(status=S.NEW)
    world["center"].coverage.add(order.call.service_region)
    world["center"].categories.add(order.call.unit.model.category)
    start = timezone.localtime() + dt.timedelta(days=1)
    start = start.replace(hour=10, minute=0, second=0, microsecond=0)
    with django_capture_on_commit_callbacks() as callbacks:
        work_order_dispatch(
            work_order=order,
            center=world["center"],
            technician=None,
            appointment_start=start,
            appointment_end=start + dt.timedelta(hours=2),
            acting_user=world["dispatcher"],
        )
    assert len(callbacks) == 1 and not sms.outbox  # nothing sent before the commit
    assert callbacks[0].func.__self__.name == "repairs.tasks.confirmation_code_send"
    assert callbacks[0].args == (order.pk,)


def test_the_customers_code_confirms_the_visit_and_wrong_codes_are_counted(
    client, world, django_capture_on_commit_callbacks
):
    order = order_for(world["tech"])
    with django_capture_on_commit_callbacks(execute=True):
        assert confirmation_code_send(work_order=order)
    (message,) = sms.outbox
    assert message.to == order.call.caller_phone and order.number in message.body
    code = "".join(ch for ch in message.body.split("：")[-1] if ch.isdigit())[:6]
    assert len(code) == 6
    client.force_login(world["technician"])
    url = reverse("repairs:tablet_close", args=[order.pk])
    wrong = "000000" if code != "000000" else "111111"
    response = client.post(
        url, closing_post(order, signature_data=None, confirmation_code=wrong), HTTP_ACCEPT="application/json"
    )
    assert "确认码" in " ".join(response.json()["errors"]["confirmation_code"])
    order.refresh_from_db()
    assert order.confirmation_failures == 1
    response = client.post(
        url, closing_post(order, signature_data=None, confirmation_code=code), HTTP_ACCEPT="application/json"
    )
    assert response.json()["ok"]
    order.refresh_from_db()
    assert order.closing.confirmed_by_code and not order.closing.signature


def test_after_five_wrong_codes_the_code_is_locked_and_a_new_one_does_not_unlock_it(client, world):
    order = order_for(world["tech"])
    order.confirmation_code_hash = make_password("123456")
    order.confirmation_failures = 5
    order.save()
    client.force_login(world["technician"])
    url = reverse("repairs:tablet_close", args=[order.pk])
    response = client.post(
        url,
        closing_post(order, signature_data=None, confirmation_code="123456"),
        HTTP_ACCEPT="application/json",
    )
    assert "不能再使用" in " ".join(response.json()["errors"]["confirmation_code"])
    client.post(reverse("repairs:tablet_code_resend", args=[order.pk]))
    order.refresh_from_db()
    assert order.confirmation_failures == 5 and not sms.outbox and order.status == S.IN_REPAIR
    # The customer's signature still closes it.
    response = client.post(url, closing_post(order), HTTP_ACCEPT="application/json")
    assert response.json()["ok"]


def test_no_code_goes_to_a_landline(world):
    order = order_for(world["tech"], call__caller_phone="02112345678")
    assert confirmation_code_send(work_order=order) is False
    assert not sms.outbox


def test_the_closing_page_offers_only_the_centres_stock(client, world):
    order = order_for(world["tech"])
    elsewhere = PartFactory(code="ZB-99", name="别处的主板")
    client.force_login(world["technician"])
    page = client.get(reverse("repairs:tablet_close", args=[order.pk])).content.decode()
    assert "YSJ-01" in page and "DR-01" in page and "ZB-99" not in page
    assert codes(order, FaultCodeKind.FAULT).first().code in page
    assert elsewhere.pk


def test_the_closed_order_prints_as_a_voucher_with_the_closing_and_the_signature(client, world, tmp_path):
    import subprocess

    order = order_for(world["tech"])
    client.force_login(world["technician"])
    client.post(
        reverse("repairs:tablet_close", args=[order.pk]),
        closing_post(order, part=[world["capacitor"].pk], part_quantity=["2"]),
    )
    order.refresh_from_db()
    assert order.status == S.COMPLETED
    response = client.get(reverse("repairs:work_order_voucher", args=[order.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    path = tmp_path / "voucher.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    fault = order.closing.fault_code
    assert fault.code in text and fault.name in text and order.closing.cause.name in text
    assert "DR-01" in text and "45 分钟" in text and "更换零件" in text
    images = subprocess.run(
        ["pdfimages", "-list", str(path)], check=True, capture_output=True, text=True
    ).stdout
    signature = [line for line in images.splitlines()[2:] if line.split()[2] == "image"]
    assert len(signature) == 1 and "380   120" in signature[0]  # the signature as drawn (380 × 120)
