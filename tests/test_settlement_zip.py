"""All statements of a month as one zip, and a long statement's PDF: the page asks a real Celery worker to
render them, says so, and serves the file once it is there — each PDF carrying its centre and total."""

import datetime as dt
import io
import subprocess
import time
import zipfile
from decimal import Decimal

import pytest
from django.urls import reverse

from care.calendar import CHINA
from conftest import celery_worker
from network.factories import ServiceCenterFactory, UserFactory
from network.models import FeeSchedule
from network.settlement import settlement_compute
from repairs.choices import ServiceType
from repairs.choices import WorkOrderStatus as S
from repairs.factories import WorkOrderFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reference_data")]
OCTOBER = dt.date(2026, 10, 1)


def test_the_months_zip_is_built_by_a_worker_and_then_downloaded(client, tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    now = dt.datetime(2026, 11, 2, 9, tzinfo=CHINA)
    settlements = []
    for code, name in (("SC-Z1", "一号网点"), ("SC-Z2", "二号网点")):
        centre = ServiceCenterFactory(code=code, name=name, level="a")
        order = WorkOrderFactory(
            center=centre,
            status=S.CLOSED,
            closed_at=dt.datetime(2026, 10, 9, 10, tzinfo=CHINA),
            completed_at=dt.datetime(2026, 10, 9, 10, tzinfo=CHINA),
            call__service_type=ServiceType.FREE,
        )
        FeeSchedule.objects.get_or_create(
            category=order.call.unit.model.category,
            service_kind="on_site_repair",
            center_level="a",
            valid_from=dt.date(2026, 1, 1),
            defaults={"fee_amount": Decimal("88.00")},
        )
        settlements.append((settlement_compute(center=centre, month=OCTOBER, now=now), order))
    client.force_login(UserFactory(roles=["manager"]))
    url = reverse("network:settlements_zip") + "?month=2026-10"

    settings.SETTLEMENT_PDF_INLINE_LINES = 0  # every statement is "long": a worker renders it
    one = reverse("network:settlement_pdf", args=[settlements[0][0].pk])

    def fetch(address):
        first = client.get(address)
        assert first.status_code == 202 and "正在生成" in first.content.decode()
        deadline = time.monotonic() + 90
        answer = first
        while answer.status_code == 202 and time.monotonic() < deadline:
            time.sleep(1)
            answer = client.get(address)
        return answer

    with celery_worker({"MEDIA_ROOT": settings.MEDIA_ROOT}, name="zip"):
        response = fetch(url)
        single = fetch(one)
    assert single.status_code == 200 and single["Content-Type"] == "application/pdf"
    assert b"".join(single.streaming_content).startswith(b"%PDF")
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert sorted(archive.namelist()) == ["settlement-SC-Z1-2026-10.pdf", "settlement-SC-Z2-2026-10.pdf"]
    for settlement, order in settlements:
        pdf = tmp_path / "s.pdf"
        pdf.write_bytes(archive.read(f"settlement-{settlement.center.code}-2026-10.pdf"))
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        assert (
            settlement.center.name in text and order.number in text and str(settlement.total_amount) in text
        )
