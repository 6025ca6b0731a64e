"""The shell as a person sees it: headless Chromium (Debian's) against a live server."""

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]


def _login(page: Page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    expect(page.locator("#id_username")).to_be_focused()
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-12345")
    page.keyboard.press("Enter")


def test_dispatcher_logs_in_in_chinese_and_switches_to_english(
    users, unit_factory, live_server, page: Page, artifacts_dir
):
    from repairs.factories import WorkOrderFactory

    WorkOrderFactory(call__unit=unit_factory(serial_number="GREE-DEMO-0001"))
    page.set_viewport_size({"width": 1280, "height": 720})
    _login(page, live_server, "disp")
    expect(page).to_have_url(re.compile(r"/repairs/register/$"))
    expect(page.get_by_role("heading", name="叫修登记簿")).to_be_visible()
    expect(page.get_by_text("GREE-DEMO-0001")).to_be_visible()
    expect(page.locator("table.register")).to_contain_text("空调")
    expect(page.locator(".who")).to_contain_text("调度员")
    page.screenshot(path=str(artifacts_dir / "register_zh.png"), full_page=True)

    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Repair-call register")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("table.register")).to_contain_text("Air conditioner")
    page.screenshot(path=str(artifacts_dir / "register_en.png"), full_page=True)


def test_manager_sees_the_network_dashboard(users, live_server, page: Page, artifacts_dir):
    page.set_viewport_size({"width": 1280, "height": 720})
    _login(page, live_server, "mgr")
    expect(page).to_have_url(re.compile(r"/network/dashboard/$"))
    expect(page.get_by_role("heading", name="服务网络")).to_be_visible()
    expect(page.get_by_role("cell", name="甲网点")).to_be_visible()
    page.screenshot(path=str(artifacts_dir / "dashboard_zh.png"), full_page=True)


def test_a_technician_cannot_open_the_register(users, live_server, page: Page):
    _login(page, live_server, "tech_a")
    expect(page).to_have_url(re.compile(r"/repairs/tablet/$"))
    response = page.goto(f"{live_server.url}/repairs/register/")
    assert response.status == 403
    expect(page.get_by_role("heading", name="无权访问")).to_be_visible()


def test_dispatcher_sees_a_units_warranty_position(
    users, unit_factory, live_server, page: Page, artifacts_dir
):
    import datetime as dt

    from django.utils import timezone

    today = timezone.localdate()
    unit = unit_factory(
        serial_number="GREE-WARRANTY-1",
        sale_date=today - dt.timedelta(days=10),
        invoice_date=today - dt.timedelta(days=10),
        factory_date=today - dt.timedelta(days=90),
    )
    page.set_viewport_size({"width": 1280, "height": 900})
    _login(page, live_server, "disp")
    expect(page).to_have_url(re.compile(r"/repairs/register/$"))
    page.goto(f"{live_server.url}/repairs/units/{unit.pk}/")
    expect(page).to_have_url(re.compile(rf"/repairs/units/{unit.pk}/$"))
    expect(page.locator(".verdict")).to_have_text("换货")
    expect(page.get_by_text("售出 15 日内发生性能故障，可选择换货或修理")).to_be_visible()
    page.screenshot(path=str(artifacts_dir / "unit_warranty_zh.png"), full_page=True)
