"""The installation acceptance on the technician's tablet in headless Chromium (Debian's), at a tablet's size:
the closing of an installation order asks for the acceptance, the documents are ticked, the customer signs on
the screen, and the tablet lands on the acceptance."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from repairs.acceptance.defaults import acceptance_documents_sync
from repairs.choices import CallCustomerRequest, ServiceType
from repairs.choices import WorkOrderStatus as S
from repairs.factories import WorkOrderFactory
from repairs.models import AcceptanceDocument, InstallationAcceptance, ProductCategory, WorkOrder

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]

TABLET = {"width": 820, "height": 1180}


def test_a_technician_closes_an_installation_with_its_acceptance(
    users, live_server, page: Page, artifacts_dir, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    acceptance_documents_sync(ProductCategory, AcceptanceDocument)  # the data migration's, flushed here
    start = timezone.localtime().replace(microsecond=0, second=0)
    order = WorkOrderFactory(
        center=users["center"],
        technician=users["technician"].technician,
        status=S.IN_REPAIR,
        mode="on_site",
        appointment_start=start,
        appointment_end=start + dt.timedelta(hours=2),
        call__service_type=ServiceType.FREE,
        call__customer_request=CallCustomerRequest.INSTALLATION,
    )
    page.set_viewport_size(TABLET)
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "tech_a")
    page.fill("#id_password", "pw-12345")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/repairs/tablet/$"))

    page.goto(f"{live_server.url}/repairs/tablet/orders/{order.pk}/close/")
    expect(page.locator("#acceptance legend")).to_have_text("安装验收")
    unit = order.call.unit
    expect(page.locator("input[name=acceptance_serial]")).to_have_value(unit.serial_number)
    page.locator("select[name=fault_code]").select_option(index=1)
    page.locator("select[name=cause]").select_option(index=1)
    page.locator("select[name=resolution]").select_option("adjusted")
    page.locator("input[name=labour_minutes]").fill("90")
    page.locator("textarea[name=accessories]").fill("连接管3米、挂墙支架")
    page.get_by_label("试机通过").check()
    for name in ("验收单", "配置单", "保养手册"):
        page.locator("#acceptance-documents label", has_text=name).locator("input").check()
    pad = page.locator("#signature-pad")
    pad.scroll_into_view_if_needed()
    b = pad.bounding_box()
    page.mouse.move(b["x"] + 40, b["y"] + b["height"] * 0.7)
    page.mouse.down()
    for i in range(1, 10):
        page.mouse.move(b["x"] + 40 + i * 50, b["y"] + b["height"] * (0.3 if i % 2 else 0.7), steps=3)
    page.mouse.up()
    page.locator("#acceptance").screenshot(path=str(artifacts_dir / "tablet_acceptance_form.png"))

    page.get_by_role("button", name="提交完工").click()

    acceptance_url = re.compile(r"/repairs/acceptances/\d+/$")
    expect(page).to_have_url(acceptance_url, timeout=15_000)
    expect(page.locator("#acceptance-result")).to_contain_text("验收")
    expect(page.locator("#documents-missing")).to_contain_text("1 份资料未交付")
    page.screenshot(path=str(artifacts_dir / "tablet_acceptance.png"), full_page=True)
    acceptance = InstallationAcceptance.objects.get(work_order=order)
    assert acceptance.trial_run_passed and acceptance.signature
    assert WorkOrder.objects.get(pk=order.pk).status == S.COMPLETED
    unit.refresh_from_db()
    assert unit.accepted_on == timezone.localdate()
