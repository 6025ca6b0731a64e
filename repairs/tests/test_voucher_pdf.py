"""The service voucher (服务凭证) as PDF: real WeasyPrint, read back with poppler's pdftotext and pdffonts."""

import datetime as dt
import subprocess
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from network.factories import ServiceCenterFactory, UserFactory
from repairs.choices import ConsentMethod, QuoteLineKind, ServiceMode, ServiceType, WorkOrderStatus
from repairs.factories import (
    CustomerPhoneFactory,
    FaultSymptomFactory,
    ProductUnitFactory,
    RepairCallFactory,
    WorkOrderFactory,
)
from repairs.models import CarryIn, Consent, Quote, QuoteLine
from warranty.services import unit_facts, warranty_decision_record

pytestmark = pytest.mark.django_db
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def _pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "voucher.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def _pdf_fonts(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "voucher-fonts.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout


def _pdf_pages(pdf: bytes, tmp_path) -> int:
    path = tmp_path / "voucher-info.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


@pytest.fixture
def order(users):
    """A free in-warranty repair of an air conditioner, dispatched to centre A's technician, with the
    三包 decision taken at intake (sold 2026-06-01, reported 2026-09-01: free repair until 2027-06-01)."""
    unit = ProductUnitFactory(owner__name="李四", serial_number="GREE2026SN0001")
    CustomerPhoneFactory(customer=unit.owner, number="13912345678")
    decision = warranty_decision_record(
        unit=unit,
        facts=unit_facts(unit=unit, report_date=dt.date(2026, 9, 1)),
        acting_user=users["dispatcher"],
    )
    call = RepairCallFactory(
        unit=unit,
        caller_name="李四",
        caller_phone="13912345678",
        symptom=FaultSymptomFactory(category=unit.model.category),
        symptom_text="开机半小时后出风不凉，室外机有异响",
        warranty_decision=decision,
        service_type=ServiceType.FREE,
    )
    technician = users["technician"].technician
    return WorkOrderFactory(
        call=call,
        center=users["center"],
        technician=technician,
        status=WorkOrderStatus.DISPATCHED,
        appointment_start=dt.datetime(2026, 9, 2, 9, 0, tzinfo=SHANGHAI),
        appointment_end=dt.datetime(2026, 9, 2, 11, 0, tzinfo=SHANGHAI),
    )


def _url(order):
    return reverse("repairs:work_order_voucher", args=[order.pk])


def test_the_dispatcher_gets_the_voucher_with_customer_product_and_verdict(client, users, order, tmp_path):
    client.force_login(users["dispatcher"])

    response = client.get(_url(order))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="voucher-{order.number}.pdf"'
    assert "no-store" in response["Cache-Control"]
    assert response.content.startswith(b"%PDF")
    text = _pdf_text(response.content, tmp_path)
    for expected in (
        "服务凭证",
        order.number,
        order.call.number,
        "李四",
        "139 1234 5678",
        "GREE2026SN0001",
        "开机半小时后出风不凉",
        "C · 免费服务",
        "免费修理",  # Remedy.FREE_REPAIR in Chinese
        "2027年6月1日",  # free repair until
        "三包有效期",  # the reason, in Chinese
        "甲网点",
        "2026年9月2日 09:00 – 11:00",
        "故障原因",  # the resolution box, filled in by hand
        "更换零件",
        "客户签字",
        "本凭证由客户签字确认后归档",
    ):
        assert expected in text, expected
    # The page number in the bottom margin box (pdftotext drops the spaces between CJK and digits).
    assert "第1页/共1页" in "".join(text.split())
    assert _pdf_pages(response.content, tmp_path) == 1


def test_the_voucher_embeds_the_cjk_font(client, users, order, tmp_path):
    client.force_login(users["dispatcher"])

    fonts = _pdf_fonts(client.get(_url(order)).content, tmp_path)

    cjk = [line for line in fonts.splitlines() if "NotoSansCJK" in line.replace("-", "")]
    assert cjk, fonts
    # pdffonts columns: name type encoding emb sub uni …: every CJK font is embedded (emb = yes).
    assert all(line.split()[-5] == "yes" for line in cjk), fonts


def test_the_voucher_is_chinese_whatever_the_ui_language(client, users, order, tmp_path):
    client.force_login(users["dispatcher"])
    client.cookies["django_language"] = "en"

    text = _pdf_text(client.get(_url(order), HTTP_ACCEPT_LANGUAGE="en").content, tmp_path)

    assert "免费修理" in text and "Free repair" not in text


def test_the_orders_technician_gets_it(client, users, order):
    client.force_login(users["technician"])

    response = client.get(_url(order))

    assert response.status_code == 200 and response.content.startswith(b"%PDF")


def test_another_centres_supervisor_gets_404_and_a_user_without_role_403(client, users, order):
    other_supervisor = UserFactory(username="sup_b", roles=["supervisor"])
    ServiceCenterFactory(code="SC-B").supervisors.add(other_supervisor)

    client.force_login(other_supervisor)
    assert client.get(_url(order)).status_code == 404

    client.force_login(users["nobody"])
    assert client.get(_url(order)).status_code == 403

    client.force_login(users["supervisor"])  # centre A's own supervisor, for contrast
    assert client.get(_url(order)).status_code == 200


def test_paid_carry_in_voucher_shows_quote_consent_and_receipt(client, users, order, tmp_path):
    call = order.call
    call.service_type = call.suggested_service_type = ServiceType.PAID
    call.save()
    order.mode = ServiceMode.CARRY_IN
    order.save()
    CarryIn.objects.create(
        work_order=order,
        receipt_number="SX20260902-00007",
        received_at=dt.datetime(2026, 9, 2, 10, 30, tzinfo=SHANGHAI),
        received_by=users["technician"],
        condition_note="遥控器一个，外壳右侧有划痕",
    )
    quote = Quote.objects.create(
        work_order=order, sequence=1, total_amount=Decimal("1330.00"), created_by=users["technician"]
    )
    QuoteLine.objects.create(
        quote=quote,
        kind=QuoteLineKind.PART,
        description="压缩机",
        quantity=1,
        unit_amount=Decimal("1180.00"),
        amount=Decimal("1180.00"),
    )
    QuoteLine.objects.create(
        quote=quote,
        kind=QuoteLineKind.LABOUR,
        description="更换压缩机工时",
        quantity=1,
        unit_amount=Decimal("150.00"),
        amount=Decimal("150.00"),
    )
    Consent.objects.create(
        quote=quote,
        given_by="李四",
        method=ConsentMethod.PHONE,
        given_at=timezone.now(),
        recorded_by=users["technician"],
    )
    client.force_login(users["dispatcher"])

    response = client.get(_url(order))

    text = _pdf_text(response.content, tmp_path)
    for expected in (
        "A · 有费服务",
        "压缩机",
        "¥1,180.00",
        "¥1,330.00",
        "客户同意：李四（电话确认",
        "SX20260902-00007",
        "遥控器一个",
        "送修",
    ):
        assert expected in text, expected
    assert _pdf_pages(response.content, tmp_path) == 1


def test_a_voucher_without_warranty_decision_or_invoice_still_renders(client, users, tmp_path):
    unit = ProductUnitFactory(owner__name="王五", invoice_number="", invoice_date=None)
    order = WorkOrderFactory(call=RepairCallFactory(unit=unit, warranty_decision=None))
    client.force_login(users["manager"])

    text = _pdf_text(client.get(_url(order)).content, tmp_path)

    assert "王五" in text and "无发票" in text and "受理时未作三包判定" in text and "未预约" in text


def test_the_voucher_reads_a_bounded_number_of_queries(client, users, order, django_assert_max_num_queries):
    client.force_login(users["dispatcher"])
    client.get(_url(order))  # warm the session and role caches of the test client

    with django_assert_max_num_queries(8):
        assert client.get(_url(order)).status_code == 200
