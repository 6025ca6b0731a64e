"""The closing on the tablet and the confirmation code."""

import base64
import datetime as dt
import io
import os
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.hashers import make_password
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from aftersales import sms
from inventory.choices import MovementKind
from inventory.factories import PartFactory
from inventory.models import DefectiveReturn, StockMovement
from repairs.choices import FaultCodeKind, ServiceType
from repairs.choices import WorkOrderStatus as S
from repairs.closing import confirmation_code_send
from repairs.factories import WorkOrderFactory
from repairs.models import FaultCode, WorkOrderClosing

from .helpers import closing_post, codes, jpeg, on_hand, order_for, signature_png, state

pytestmark = pytest.mark.django_db


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
