"""The office closing and the closing without the customer's proof, in headless Chromium against a live
server: a supervisor records the closing of a carry-in repair whose customer could neither sign nor give the
code — the untouched form first (nothing is recorded), then each field — and a manager finds it on the list of
closings without proof and clears it for payment."""

import re

import pytest
from playwright.sync_api import Page, expect

from repairs.choices import ServiceMode, ServiceType
from repairs.choices import WorkOrderStatus as S
from repairs.factories import WorkOrderFactory
from repairs.models import WorkOrder, WorkOrderClosing

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]


def _login(page: Page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-12345")
    page.keyboard.press("Enter")
    expect(page).not_to_have_url(re.compile(r"/login/"))


def test_a_supervisor_records_an_office_closing_without_proof_and_a_manager_clears_it(
    users, live_server, page: Page, artifacts_dir
):
    order = WorkOrderFactory(
        center=users["center"],
        technician=users["technician"].technician,
        status=S.IN_REPAIR,
        mode=ServiceMode.CARRY_IN,
        call__service_type=ServiceType.FREE,
    )
    page.set_viewport_size({"width": 1280, "height": 900})
    _login(page, live_server, "sup_a")

    # The call's page offers the closing, not a bare "completed" button.
    page.goto(f"{live_server.url}/repairs/calls/{order.call_id}/")
    section = page.locator(f"#wo-{order.pk}")
    expect(section.get_by_role("button", name=re.compile("已完工"))).to_have_count(0)
    section.get_by_role("link", name="登记完工").click()
    expect(page.locator("h1")).to_have_text("办公室登记完工")

    # Untouched, the form does not go: the browser asks for the fault first, and nothing is recorded.
    page.get_by_role("button", name="登记完工").click()
    expect(page.locator("h1")).to_have_text("办公室登记完工")
    assert page.locator("select[name=fault_code]").evaluate("el => !el.checkValidity()")
    assert not WorkOrderClosing.objects.filter(work_order=order).exists()

    # Every field but the customer's proof: the server refuses and keeps what was typed.
    page.locator("select[name=fault_code]").select_option(index=1)
    page.locator("select[name=cause]").select_option(index=1)
    page.locator("select[name=resolution]").select_option("repaired")
    page.locator("textarea[name=resolution_note]").fill("更换主板后试机正常")
    page.locator("input[name=labour_minutes]").fill("90")
    page.get_by_role("button", name="登记完工").click()
    expect(page.locator(".t-error").first).to_contain_text("签名")
    expect(page.locator("input[name=labour_minutes]")).to_have_value("90")
    assert WorkOrder.objects.get(pk=order.pk).status == S.IN_REPAIR

    # The supervisor's exception, with its reason.
    page.locator("summary", has_text="按例外完工").click()
    page.locator("textarea[name=proof_exception_reason]").fill("客户年迈不会用手机，家属在纸质凭证上签字")
    page.screenshot(path=str(artifacts_dir / "office_close_exception.png"), full_page=True)
    page.get_by_role("button", name="登记完工").click()
    expect(page).to_have_url(re.compile(rf"/repairs/calls/{order.call_id}/"))
    expect(page.locator(f"#wo-{order.pk}")).to_contain_text("服务经理审核通过前不予结算")
    page.screenshot(path=str(artifacts_dir / "office_close_done.png"), full_page=True)
    closing = WorkOrderClosing.objects.get(work_order=order)
    assert closing.proof_pending and closing.channel == "office" and closing.labour_minutes == 90
    assert WorkOrder.objects.get(pk=order.pk).status == S.COMPLETED

    # The manager's list, and the clearing.
    page.get_by_role("button", name="退出").click()
    _login(page, live_server, "mgr")
    page.goto(f"{live_server.url}/repairs/closings/without-proof/")
    row = page.locator("tr", has_text=order.number)
    expect(row).to_contain_text("家属在纸质凭证上签字")
    page.screenshot(path=str(artifacts_dir / "proof_exceptions.png"), full_page=True)
    row.locator("input[name=note]").fill("已电话回访客户，确认修好")
    row.get_by_role("button", name="审核通过，可结算").click()
    expect(page.locator(".messages")).to_contain_text("可以结算")
    closing.refresh_from_db()
    assert not closing.proof_pending and closing.proof_cleared_note == "已电话回访客户，确认修好"
