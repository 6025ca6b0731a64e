"""All statements of a month as one zip, and a long statement's PDF: the page asks a real Celery worker to
render them, says so, and serves the file once it is there — each PDF carrying its centre and total. The
waiting page, refreshing itself as a browser does, ends saying the file is ready with its link (it no longer
keeps saying 正在生成 after the download has started)."""

import datetime as dt
import html
import io
import re
import subprocess
import time
import zipfile
from decimal import Decimal

import pytest
from django.urls import reverse

from aftersales.money import yuan
from care.calendar import CHINA
from conftest import celery_worker
from network.factories import ServiceCenterFactory, UserFactory
from network.models import FeeSchedule
from repairs.choices import ServiceType
from repairs.choices import WorkOrderStatus as S
from repairs.factories import WorkOrderFactory
from settlement.services import settlement_compute

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
    url = reverse("settlement:settlements_zip") + "?month=2026-10"

    settings.SETTLEMENT_PDF_INLINE_LINES = 0  # every statement is "long": a worker renders it
    one = reverse("settlement:settlement_pdf", args=[settlements[0][0].pk])

    def refresh_target(page) -> str:
        """Where the page's <meta http-equiv="refresh"> sends the browser (itself when it names no URL)."""
        content = re.search(r'http-equiv="refresh" content="([^"]*)"', page).group(1)
        target = re.search(r"url=(.*)", html.unescape(content))
        return target.group(1) if target else None

    def asks_again(page) -> str:
        """What the waiting page's script asks in the background (static/js/wait.js): it does not reload
        itself while the person reads, nor refresh on a timer."""
        assert "http-equiv" not in page
        return html.unescape(re.search(r'data-wait-url="([^"]*)"', page).group(1))

    def fetch(address):
        """As a browser on the waiting page: follow its refresh until the page stops waiting, then the link
        the finished page offers."""
        first = client.get(address)
        assert first.status_code == 202 and "正在生成" in first.content.decode()
        deadline = time.monotonic() + 90
        answer, current = first, address
        while answer.status_code == 202 and time.monotonic() < deadline:
            time.sleep(1)
            current = asks_again(answer.content.decode()) or current
            answer = client.get(current)
        assert answer.status_code == 200 and answer["Content-Type"].startswith("text/html")
        done = answer.content.decode()
        assert "正在生成" not in done and 'id="export-ready"' in done  # says it is done
        link = refresh_target(done)  # the download starts by itself …
        assert f'href="{html.escape(link)}"' in done  # … and the page offers it again
        return client.get(link)

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
            settlement.center.name in text and order.number in text and yuan(settlement.total_amount) in text
        )
