"""The monthly settlement as a manager and a centre's supervisor see it in Chromium: the month's list, a
statement, a line disputed by the centre and answered by the manager, then the confirmation step."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

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
    page.wait_for_url(lambda url: "/login/" not in url)


def test_a_line_disputed_answered_then_the_statement_confirmed(users, live_server, page: Page, artifacts_dir):
    from care.calendar import CHINA
    from network.models import FeeSchedule, Settlement
    from repairs.choices import ServiceType
    from repairs.choices import WorkOrderStatus as S
    from repairs.factories import WorkOrderFactory
    from settlement.services import settlement_compute

    center = users["center"]
    when = dt.datetime(2026, 10, 9, 10, tzinfo=CHINA)
    order = WorkOrderFactory(
        center=center, status=S.CLOSED, closed_at=when, completed_at=when, call__service_type=ServiceType.FREE
    )
    FeeSchedule.objects.create(
        category=order.call.unit.model.category,
        service_kind="on_site_repair",
        center_level=center.level,
        valid_from=dt.date(2026, 1, 1),
        fee_amount=Decimal("88.00"),
    )
    settlement = settlement_compute(center=center, month=dt.date(2026, 10, 1))
    page.set_viewport_size({"width": 1366, "height": 900})

    # The centre's supervisor disputes the line.
    _login(page, live_server, "sup_a")
    page.goto(f"{live_server.url}/network/settlements/?month=2026-10")
    page.get_by_role("link", name="甲网点").click()
    expect(page.get_by_role("heading", name=re.compile("甲网点"))).to_be_visible()
    row = page.locator("tr", has_text=order.number)
    row.get_by_text("提出异议").click()
    row.get_by_placeholder("问题说明").fill("高空作业，应按 120 元结算")
    row.get_by_placeholder("主张金额").fill("120.00")
    row.get_by_role("button", name="提交").click()
    expect(page.locator(".messages")).to_contain_text("已提交经理")
    page.get_by_role("button", name="退出").click()

    # The manager accepts it, then confirms through the confirmation step.
    _login(page, live_server, "mgr")
    page.goto(f"{live_server.url}/network/settlements/{settlement.pk}/")
    expect(page.locator(".warnings")).to_contain_text("尚未处理")
    disputes = page.locator("#disputes")
    disputes.get_by_placeholder("新金额").fill("120.00")
    disputes.get_by_role("button", name="接受").click()
    expect(page.locator(".messages")).to_contain_text("已接受")
    expect(page.locator(f"#line-{settlement.lines.get().pk}")).to_contain_text("120.00")
    page.screenshot(path=str(artifacts_dir / "settlement_statement.png"), full_page=True)
    page.get_by_role("link", name="确认…").first.click()
    expect(page.get_by_role("heading", name=re.compile("确认结算单"))).to_be_visible()
    page.screenshot(path=str(artifacts_dir / "settlement_confirm.png"), full_page=True)
    page.get_by_role("button", name="确认结算单").click()
    expect(page.locator(".messages")).to_contain_text("已确认")
    settlement.refresh_from_db()
    assert settlement.status == "confirmed" and settlement.lines_amount == Decimal("120.00")
    page.goto(f"{live_server.url}/network/settlements/?month=2026-10")
    expect(page.locator("tr", has_text="甲网点")).to_contain_text("已确认")
    page.screenshot(path=str(artifacts_dir / "settlement_month.png"), full_page=True)
    assert Settlement.objects.get(pk=settlement.pk).status == "confirmed"
