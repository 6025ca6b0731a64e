"""The technician's tablet in headless Chromium (Debian's) at a tablet's size against a live server: today's
list, the on-site steps, the closing with a part and a signature drawn on the screen — sent while the tablet
is offline, kept on the device, and sent once when the connection is back."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import BrowserContext, Page, expect

from inventory import services as inventory
from inventory.choices import MovementKind
from inventory.factories import PartFactory, WarehouseFactory
from inventory.models import StockLevel, StockMovement
from repairs.choices import ServiceType
from repairs.choices import WorkOrderStatus as S
from repairs.factories import WorkOrderFactory
from repairs.models import WorkOrder, WorkOrderClosing

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]

TABLET = {"width": 820, "height": 1180}


@pytest.fixture
def today(users):
    """Centre A holds 10 start capacitors; the technician has two orders today, the later one listed second."""
    center, manager = users["center"], users["manager"]
    central = WarehouseFactory(central=True)
    WarehouseFactory(defective=True)
    own = WarehouseFactory(center=center)
    capacitor = PartFactory(code="DR-01", name="启动电容", unit_cost_amount=Decimal("12.00"))
    inventory.deposit_pay(center=center, amount="5000.00", acting_user=manager)
    inventory.stock_receive(
        warehouse=central, lines=[(capacitor, 20, "12.00")], reference="RK-1", acting_user=manager
    )
    inventory.stock_transfer(source=central, destination=own, lines=[(capacitor, 10)], acting_user=manager)
    technician = users["technician"].technician
    now = timezone.localtime().replace(microsecond=0, second=0)
    soon = now + dt.timedelta(hours=2)
    if soon.date() != now.date():  # late in the evening: keep both appointments on today's list
        soon = now.replace(hour=23, minute=40)
    orders = [
        WorkOrderFactory(
            center=center,
            technician=technician,
            status=S.DISPATCHED,
            mode="on_site",
            appointment_start=soon - dt.timedelta(minutes=minutes),
            appointment_end=soon - dt.timedelta(minutes=minutes) + dt.timedelta(hours=1),
            call__service_type=ServiceType.FREE,
        )
        for minutes in (0, 30)
    ]
    return {"own": own, "capacitor": capacitor, "first": orders[1], "second": orders[0]}


def _on_hand(warehouse, part) -> int:
    return StockLevel.objects.get(warehouse=warehouse, part=part).quantity


def test_a_technician_walks_an_order_to_completion_and_closes_it_offline_then_online(
    users, today, live_server, context: BrowserContext, page: Page, artifacts_dir
):
    order = today["first"]
    page.set_viewport_size(TABLET)
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "tech_a")
    page.fill("#id_password", "pw-12345")
    page.keyboard.press("Enter")

    # Today's list: both orders, the earlier appointment first, each with a call button and a map link.
    expect(page).to_have_url(re.compile(r"/repairs/tablet/$"))
    cards = page.locator("ol.t-list > li.t-card")
    expect(cards).to_have_count(2)
    expect(cards.nth(0)).to_contain_text(order.number)
    expect(cards.nth(1)).to_contain_text(today["second"].number)
    expect(cards.nth(0).locator("a[href^='tel:']")).to_have_attribute(
        "href", f"tel:{order.call.caller_phone}"
    )
    box = cards.nth(0).locator("a[href^='tel:']").bounding_box()
    assert box["height"] >= 44  # a finger's touch target
    page.screenshot(path=str(artifacts_dir / "tablet_today.png"), full_page=True)

    # The on-site steps, each a big button that fits the status.
    cards.nth(0).locator("a.t-open").click()
    expect(page.locator("h1")).to_have_text(order.number)
    for label in ("接单", "出发", "已到达", "开始维修"):
        page.get_by_role("button", name=label).click()
        expect(page.locator(".messages")).to_be_visible()
    order.refresh_from_db()
    assert order.status == S.IN_REPAIR
    assert order.accepted_at and order.en_route_at and order.arrived_at and order.repair_started_at
    page.screenshot(path=str(artifacts_dir / "tablet_order_in_repair.png"), full_page=True)

    # The closing: fault, cause, resolution, labour, one part from the centre's stock, a drawn signature.
    page.get_by_role("link", name="完工").click()
    expect(page.locator("h1")).to_have_text("完工")
    page.locator("select[name=fault_code]").select_option(index=1)
    page.locator("select[name=cause]").select_option(index=1)
    page.locator("select[name=resolution]").select_option("part_replaced")
    page.locator("input[name=labour_minutes]").fill("40")
    page.locator("select[name=part]").first.select_option(str(today["capacitor"].pk))
    page.locator("input[name=part_quantity]").first.fill("2")
    pad = page.locator("#signature-pad")
    pad.scroll_into_view_if_needed()
    b = pad.bounding_box()
    page.mouse.move(b["x"] + 40, b["y"] + b["height"] * 0.7)
    page.mouse.down()
    for i in range(1, 13):
        page.mouse.move(b["x"] + 40 + i * 40, b["y"] + b["height"] * (0.3 if i % 2 else 0.7), steps=3)
    page.mouse.up()
    expect(page.locator("#signature-clear")).to_be_visible()
    assert page.locator("#signature-data").input_value().startswith("data:image/png;base64,")
    page.screenshot(path=str(artifacts_dir / "tablet_close_filled.png"), full_page=True)
    page.evaluate("window.scrollTo(0, 0)")  # a full-page screenshot leaves Chromium's page scrolled

    # The connection drops as the technician taps "close": the closing waits on the tablet.
    context.set_offline(True)
    page.get_by_role("button", name="提交完工").click()
    expect(page.locator("#t-status")).to_contain_text("网络")
    page.screenshot(path=str(artifacts_dir / "tablet_close_offline.png"), full_page=True)
    assert WorkOrderClosing.objects.count() == 0
    assert WorkOrder.objects.get(pk=order.pk).status == S.IN_REPAIR
    draft = page.evaluate(f"JSON.parse(localStorage.getItem('closing-{order.pk}'))")
    assert draft["pending"] is True and draft["signature"].startswith("data:image/png")

    # Back online: the kept closing goes by itself, once, and the tablet shows the voucher.
    context.set_offline(False)
    expect(page).to_have_url(re.compile(rf"/repairs/tablet/orders/{order.pk}/$"), timeout=20_000)
    expect(page.locator("section.voucher")).to_contain_text("DR-01")
    expect(page.locator("section.voucher img.t-signature")).to_be_visible()
    page.screenshot(path=str(artifacts_dir / "tablet_voucher.png"), full_page=True)
    assert page.evaluate(f"localStorage.getItem('closing-{order.pk}')") is None

    # A second tap of the old submission (the same client id) changes nothing.
    page.go_back()
    assert WorkOrderClosing.objects.filter(work_order=order).count() == 1
    assert WorkOrder.objects.get(pk=order.pk).status == S.COMPLETED
    issues = StockMovement.objects.filter(work_order=order, kind=MovementKind.ISSUE)
    assert [m.quantity for m in issues] == [-2]
    assert _on_hand(today["own"], today["capacitor"]) == 8
