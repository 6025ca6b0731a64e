"""The QR code of the electronic warranty card on the printed papers: the installation's acceptance record and
the exchange certificate (for an exchange, the new unit's card). The code is vector (an SVG drawn into the
PDF); the card's address printed under it is what the tests read back with pdftotext."""

import datetime as dt
import subprocess

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from demo.repairs import signature_png
from remedies import services
from remedies.pdf import certificate_pdf
from remedies.tests.helpers import PHONE_DOCS, decided, in_stock, sold_unit
from repairs.acceptance.pdf import acceptance_pdf
from repairs.choices import CallCustomerRequest
from repairs.choices import WorkOrderStatus as S
from repairs.factories import RepairCallFactory, WorkOrderFactory
from repairs.models import InstallationAcceptance

pytestmark = pytest.mark.django_db


def _text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "paper.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def _card(unit_id: int) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{reverse('portal:unit_card', args=[unit_id])}"


def test_the_acceptance_record_prints_the_units_card_qr(client, users, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    order = WorkOrderFactory(
        call=RepairCallFactory(customer_request=CallCustomerRequest.INSTALLATION),
        center=users["center"],
        technician=users["technician"].technician,
        status=S.COMPLETED,
    )
    acceptance = InstallationAcceptance(
        work_order=order,
        unit=order.call.unit,
        model_installed=str(order.call.unit.model),
        serial_number=order.call.unit.serial_number,
        accessories="连接管3米、挂墙支架",
        trial_run_passed=True,
        trial_run_note="制冷正常",
        accepted_on=timezone.localdate(),
        recorded_by=users["technician"],
        recorded_at=timezone.now(),
    )
    acceptance.signature.save("s.png", ContentFile(signature_png()), save=False)
    acceptance.save()

    text = _text(acceptance_pdf(acceptance), tmp_path)

    assert "安装验收单" in text and order.number in text and "连接管3米" in text
    assert "扫码查看电子保修卡" in text and _card(order.call.unit_id) in text.replace("\n", "")
    # The office and the installer print it; it stays out of shared caches.
    client.force_login(users["dispatcher"])
    response = client.get(reverse("repairs:acceptance_record", args=[acceptance.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    page = client.get(reverse("repairs:acceptance_detail", args=[acceptance.pk])).content.decode()
    assert reverse("repairs:acceptance_record", args=[acceptance.pk]) in page


def test_the_exchange_certificate_prints_the_new_units_card_qr(users, tmp_path):
    unit = sold_unit(days_ago=5, phone=True, base=timezone.localdate())
    in_stock(unit.model, "868000000000027", user=users["manager"], imei=True)
    row = services.remedy_request_open(
        decision=decided(unit, on=timezone.localdate()),
        remedy="exchange",
        documents=PHONE_DOCS,
        acting_user=users["dispatcher"],
    )
    row = services.remedy_exchange(request=row, acting_user=users["dispatcher"])

    text = _text(certificate_pdf(row, now=timezone.now() + dt.timedelta(minutes=1)), tmp_path)

    assert "换货证明" in text and "扫码查看新机电子保修卡" in text
    flat = text.replace("\n", "")
    assert _card(row.replacement_id) in flat and _card(unit.pk) not in flat
