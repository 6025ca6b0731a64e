"""A part request as the two people involved see it, in headless Chromium (Debian's) against a live server:
the supervisor asks for more than is approved automatically, the manager approves and ships it from the
central warehouse, the supervisor books it into the centre's warehouse."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Browser, Page, expect

from inventory import services
from inventory.factories import PartFactory, WarehouseFactory
from inventory.models import PartRequest, StockLevel

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORT = {"width": 1366, "height": 900}


@pytest.fixture
def parts(users):
    """The central warehouse with compressors and filters, centre A's warehouse and a deposit of 5,000
    yuan (credit 15,000)."""
    manager = users["manager"]
    central = WarehouseFactory(central=True)
    WarehouseFactory(defective=True)
    own = WarehouseFactory(center=users["center"])
    compressor = PartFactory(code="YSJ-001", name="变频压缩机", unit_cost_amount=Decimal("300.00"))
    filter_ = PartFactory(code="LW-002", name="空气滤网", unit_cost_amount=Decimal("20.00"))
    services.stock_receive(
        warehouse=central,
        lines=[(compressor, 50, "300.00"), (filter_, 200, "20.00")],
        reference="RK-1",
        acting_user=manager,
    )
    services.deposit_pay(center=users["center"], amount="5000.00", acting_user=manager)
    return {"central": central, "own": own, "compressor": compressor, "filter": filter_}


def _login(page: Page, live_server, username: str) -> None:
    page.set_viewport_size(VIEWPORT)
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-12345")
    page.keyboard.press("Enter")
    expect(page).not_to_have_url(re.compile(r"/login/"))


def _on_hand(warehouse, part) -> int:
    level = StockLevel.objects.filter(warehouse=warehouse, part=part).first()
    return level.quantity if level else 0


def test_a_supervisor_asks_for_parts_a_manager_approves_and_ships_them_and_the_centre_receives_them(
    users, parts, live_server, page: Page, browser: Browser, artifacts_dir
):
    # The supervisor asks for 2 compressors and 30 filters: 32 pieces, over the 20 approved automatically.
    _login(page, live_server, "sup_a")
    page.goto(f"{live_server.url}/inventory/requests/new/")
    expect(page.get_by_role("heading", name="申请备件")).to_be_visible()
    expect(page.locator("dl.credit")).to_contain_text("15000.00")
    codes, quantities = page.locator("input[name=part]"), page.locator("input[name=quantity]")
    codes.nth(0).fill("YSJ-001")
    quantities.nth(0).fill("2")
    codes.nth(1).fill("LW-002")
    quantities.nth(1).fill("30")
    page.locator("input[name=note]").fill("空调旺季备货")
    page.screenshot(path=str(artifacts_dir / "flow_request_new.png"), full_page=True)
    page.get_by_role("button", name="提交申请").click()

    expect(page).to_have_url(re.compile(r"/inventory/requests/\d+/$"))
    part_request = PartRequest.objects.get()
    expect(page.locator(".messages")).to_contain_text(f"申请 {part_request.number} 需经理审批")
    expect(page.locator("h1 .status.rq-pending")).to_be_visible()
    expect(page.locator("table.list")).to_contain_text("1200.00")  # 2 × 300 + 30 × 20
    expect(page.locator("form[action$='/approve/']")).to_have_count(0)
    page.screenshot(path=str(artifacts_dir / "flow_request_pending.png"), full_page=True)

    # The manager finds it at the top of the queue, with why it waits, approves it and ships it.
    manager = browser.new_page()
    _login(manager, live_server, "mgr")
    manager.goto(f"{live_server.url}/inventory/requests/")
    first = manager.locator("table.flow-list tbody tr").first
    expect(first).to_contain_text(part_request.number)
    expect(first).to_contain_text("32")
    expect(first.locator("td.reason")).to_contain_text("32")
    manager.screenshot(path=str(artifacts_dir / "flow_requests_queue.png"), full_page=True)
    first.get_by_role("link", name=part_request.number).click()
    expect(manager).to_have_url(re.compile(rf"/inventory/requests/{part_request.pk}/$"))
    manager.locator("form[action$='/approve/'] input[name=note]").fill("旺季，同意")
    manager.locator("form[action$='/approve/'] button").click()
    expect(manager.locator(".messages")).to_contain_text(f"申请 {part_request.number} 已批准。")
    expect(manager.locator("h1 .status.rq-approved")).to_be_visible()
    manager.get_by_role("button", name="中央仓库发货").click()
    expect(manager.locator(".messages")).to_contain_text("已从中央仓库发货")
    expect(manager.locator("h1 .status.rq-shipped")).to_be_visible()
    expect(manager.locator(".timeline")).to_contain_text("旺季，同意")
    manager.screenshot(path=str(artifacts_dir / "flow_request_shipped.png"), full_page=True)
    assert _on_hand(parts["central"], parts["compressor"]) == 48
    assert _on_hand(parts["central"], parts["filter"]) == 170
    assert _on_hand(parts["own"], parts["filter"]) == 0
    manager.close()

    # The supervisor books the parts into the centre's warehouse.
    page.reload()
    page.get_by_role("button", name="确认收货入库").click()
    expect(page.locator(".messages")).to_contain_text("已入网点仓库")
    expect(page.locator("h1 .status.rq-received")).to_be_visible()
    expect(page.locator("form[action$='/receive/']")).to_have_count(0)
    page.screenshot(path=str(artifacts_dir / "flow_request_received.png"), full_page=True)
    part_request.refresh_from_db()
    assert part_request.status == "received"
    assert _on_hand(parts["own"], parts["compressor"]) == 2
    assert _on_hand(parts["own"], parts["filter"]) == 30
