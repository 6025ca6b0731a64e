"""The technician on site in headless Chromium (Debian's) at a tablet's size (820×1180) against a live server:
every tap target a finger's size, the arrival, the fault found recorded after it (the form sent untouched
first, then field by field), the closing form starting from it, the parts of the unit's category first and
the others behind "show all" without losing what was picked, and the voucher's status."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from inventory import services as inventory
from inventory.choices import MovementKind
from inventory.factories import PartFactory, WarehouseFactory
from inventory.models import StockMovement
from repairs.choices import FaultCodeKind, ServiceMode, ServiceType, WorkOrderStatus
from repairs.choices import WorkOrderStatus as S
from repairs.factories import ProductCategoryFactory, WorkOrderFactory
from repairs.models import FaultCode, WorkOrder

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]

TABLET = {"width": 820, "height": 1180}
FINGER = 44  # px: the smallest tap target on the tablet

# Every visible control's height; a radio button or a checkbox is tapped through its label. A visually
# hidden control (the keyboard's skip link, 1×1 px until focused) is no tap target.
TARGETS = """() => [...document.querySelectorAll(
    'a[href], button, select, textarea, summary, input:not([type=hidden])')]
  .filter(e => e.offsetParent !== null && e.getClientRects().length)
  .filter(e => { const r = e.getBoundingClientRect(); return r.width > 1 || r.height > 1; })
  .map(e => {
    const target = (e.type === 'radio' || e.type === 'checkbox') ? (e.closest('label') || e) : e;
    const r = target.getBoundingClientRect();
    return {what: e.tagName + ' ' + (e.innerText || e.name || e.getAttribute('href') || '').trim().slice(0, 30),
            height: Math.round(r.height * 10) / 10};
  })"""


@pytest.fixture
def washer(users):
    """Centre A stocks a washing machine's drain pump and a refrigerator's compressor; the technician is on
    the way to a washing machine that does not drain."""
    center, manager = users["center"], users["manager"]
    central = WarehouseFactory(central=True)
    WarehouseFactory(defective=True)
    own = WarehouseFactory(center=center)
    washing_machine = ProductCategoryFactory(code="washing_machine")
    pump = PartFactory(
        code="WM-DRP", name="排水泵", category=washing_machine, unit_cost_amount=Decimal("40.00")
    )
    compressor = PartFactory(
        code="RF-CMP",
        name="冰箱压缩机",
        category=ProductCategoryFactory(code="refrigerator"),
        unit_cost_amount=Decimal("300.00"),
    )
    inventory.deposit_pay(center=center, amount="5000.00", acting_user=manager)
    lines = [(pump, 5, "40.00"), (compressor, 2, "300.00")]
    inventory.stock_receive(warehouse=central, lines=lines, reference="RK-1", acting_user=manager)
    inventory.stock_transfer(
        source=central, destination=own, lines=[(p, q) for p, q, _c in lines], acting_user=manager
    )
    start = timezone.localtime().replace(second=0, microsecond=0) + dt.timedelta(minutes=20)
    order = WorkOrderFactory(
        center=center,
        technician=users["technician"].technician,
        status=S.EN_ROUTE,
        mode=ServiceMode.ON_SITE,
        appointment_start=start,
        appointment_end=start + dt.timedelta(hours=2),
        call__service_type=ServiceType.FREE,
        call__unit__model__category=washing_machine,
    )
    category = order.call.unit.model.category_id
    faults = FaultCode.objects.filter(category_id=category, kind=FaultCodeKind.FAULT).order_by("sort_order")
    causes = FaultCode.objects.filter(category_id=category, kind=FaultCodeKind.CAUSE).order_by("sort_order")
    return {"order": order, "pump": pump, "compressor": compressor, "fault": faults[1], "cause": causes[1]}


def _login(page: Page, live_server, username: str) -> None:
    page.set_viewport_size(TABLET)
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-12345")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"^(?!.*/login/)"))


def _shot(page: Page, path) -> None:
    """A full-page screenshot, then back to the top: Chromium leaves the page scrolled in a way that makes
    the next click land beside its target."""
    page.screenshot(path=str(path), full_page=True)
    page.evaluate("window.scrollTo(0, 0)")


def _too_small(page: Page) -> list[dict]:
    return [t for t in page.evaluate(TARGETS) if t["height"] < FINGER]


def test_every_tap_target_on_the_tablets_pages_is_a_fingers_size(
    users, washer, live_server, page: Page, artifacts_dir
):
    order = washer["order"]
    WorkOrder.objects.filter(pk=order.pk).update(status=S.ON_SITE)  # the fault found's form is shown
    _login(page, live_server, "tech_a")
    for name, path in (
        ("list", "/repairs/tablet/"),
        ("order", f"/repairs/tablet/orders/{order.pk}/"),
        ("parts", f"/repairs/tablet/orders/{order.pk}/parts/"),
    ):
        page.goto(live_server.url + path)
        _shot(page, artifacts_dir / f"tablet_targets_{name}.png")
        header = page.locator("header.topbar a, header.topbar button")
        assert header.count() >= 4
        assert _too_small(page) == [], name

    WorkOrder.objects.filter(pk=order.pk).update(status=S.IN_REPAIR)
    page.goto(f"{live_server.url}/repairs/tablet/orders/{order.pk}/close/")
    _shot(page, artifacts_dir / "tablet_targets_close.png")
    assert _too_small(page) == [], "close"

    # The supervisor's header has eight links: on the tablet they wrap, each still a finger's size.
    page.context.clear_cookies()
    _login(page, live_server, "sup_a")
    page.goto(f"{live_server.url}/repairs/tablet/orders/{order.pk}/")
    _shot(page, artifacts_dir / "tablet_targets_supervisor.png")
    assert page.locator("header.topbar nav a").count() >= 6
    assert _too_small(page) == [], "supervisor"


def test_arrival_the_fault_found_and_a_closing_that_starts_from_it(
    users, washer, live_server, page: Page, artifacts_dir
):
    order, fault, cause = washer["order"], washer["fault"], washer["cause"]
    _login(page, live_server, "tech_a")
    page.goto(f"{live_server.url}/repairs/tablet/orders/{order.pk}/")

    # Arrived: the tablet says so in a sentence of its own, and asks for the fault found next.
    page.get_by_role("button", name="已到达").click()
    message = page.locator(".messages li")
    expect(message).to_have_count(1)
    assert "上门服务" not in message.inner_text()  # the service mode's name, shown beside the number
    expect(page.locator("#diagnosis-form")).to_be_visible()
    assert WorkOrder.objects.get(pk=order.pk).status == S.ON_SITE
    _shot(page, artifacts_dir / "tablet_arrived.png")

    # The form sent untouched: refused beside the field, nothing recorded.
    form = page.locator("#diagnosis-form")
    form.locator("button[type=submit]").click()
    expect(page.locator("#diagnosis-form .t-error")).to_be_visible()
    expect(page.locator("select[name=diagnosis_fault]")).to_have_attribute("aria-invalid", "true")
    _shot(page, artifacts_dir / "tablet_diagnosis_untouched.png")
    assert WorkOrder.objects.get(pk=order.pk).diagnosed_at is None

    # The fault alone.
    page.locator("select[name=diagnosis_fault]").select_option(str(fault.pk))
    page.locator("#diagnosis-form button[type=submit]").click()
    expect(page.locator(".messages li")).to_contain_text(order.number)
    recorded = WorkOrder.objects.get(pk=order.pk)
    assert (recorded.diagnosis_fault_id, recorded.diagnosis_cause_id, recorded.diagnosis_note) == (
        fault.pk,
        None,
        "",
    )
    expect(page.locator("#diagnosis")).to_contain_text(fault.local_name)

    # Then the cause, then a note, each through the "change" form.
    page.locator("#diagnosis summary").click()
    expect(page.locator("select[name=diagnosis_fault]")).to_have_value(str(fault.pk))
    page.locator("select[name=diagnosis_cause]").select_option(str(cause.pk))
    page.locator("#diagnosis-form button[type=submit]").click()
    expect(page.locator("#diagnosis")).to_contain_text(cause.local_name)
    page.locator("#diagnosis summary").click()
    page.locator("textarea[name=diagnosis_note]").fill("排水泵叶轮被硬币卡住")
    page.locator("#diagnosis-form button[type=submit]").click()
    expect(page.locator("#diagnosis")).to_contain_text("排水泵叶轮被硬币卡住")
    recorded = WorkOrder.objects.get(pk=order.pk)
    assert (recorded.diagnosis_fault_id, recorded.diagnosis_cause_id) == (fault.pk, cause.pk)
    assert recorded.diagnosis_note == "排水泵叶轮被硬币卡住"
    _shot(page, artifacts_dir / "tablet_diagnosis_recorded.png")

    # The repair, and the closing form starting from what was found.
    page.get_by_role("button", name="开始维修").click()
    expect(page.locator(".messages li")).to_be_visible()
    page.get_by_role("link", name="完工").click()
    expect(page.locator("select[name=fault_code]")).to_have_value(str(fault.pk))
    expect(page.locator("select[name=cause]")).to_have_value(str(cause.pk))
    expect(page.locator("#diagnosis-found")).to_contain_text("排水泵叶轮被硬币卡住")

    # Parts: the washing machine's first; the refrigerator's compressor only behind "show all".
    pickers = page.locator("select[name=part]")
    pump, compressor = str(washer["pump"].pk), str(washer["compressor"].pk)
    assert pickers.first.locator(f'option[value="{pump}"]').count() == 1
    expect(page.locator(f'select[name=part] option[value="{compressor}"]')).to_have_count(
        0
    )  # once the JS ran
    pickers.first.select_option(pump)
    page.locator("input[name=part_quantity]").first.fill("1")
    _shot(page, artifacts_dir / "tablet_parts_category_first.png")
    page.locator("#parts-show-all").click()
    expect(page.locator("#parts-show-all")).to_be_hidden()
    expect(pickers.first).to_have_value(pump)  # nothing picked is lost
    pickers.nth(1).select_option(compressor)
    page.locator("input[name=part_reason]").nth(1).fill("压缩机借用试机后更换")
    expect(pickers.first).to_have_value(pump)
    page.locator("#add-part").click()
    expect(pickers.nth(1)).to_have_value(compressor)
    assert pickers.nth(2).locator(f'option[value="{compressor}"]').count() == 1

    # The page reloaded (the draft on the tablet): both picks come back, the other group open.
    page.reload()
    expect(pickers.first).to_have_value(pump)
    expect(pickers.nth(1)).to_have_value(compressor)
    expect(page.locator("#parts-show-all")).to_be_hidden()

    page.locator("select[name=resolution]").select_option("part_replaced")
    page.locator("input[name=labour_minutes]").fill("35")
    pad = page.locator("#signature-pad")
    pad.scroll_into_view_if_needed()
    b = pad.bounding_box()
    page.mouse.move(b["x"] + 40, b["y"] + b["height"] * 0.7)
    page.mouse.down()
    for i in range(1, 12):
        page.mouse.move(b["x"] + 40 + i * 40, b["y"] + b["height"] * (0.3 if i % 2 else 0.7), steps=3)
    page.mouse.up()
    _shot(page, artifacts_dir / "tablet_close_from_diagnosis.png")
    page.get_by_role("button", name="提交完工").click()
    expect(page).to_have_url(re.compile(rf"/repairs/tablet/orders/{order.pk}/$"), timeout=20_000)

    closed = WorkOrder.objects.select_related("closing").get(pk=order.pk)
    assert closed.status == S.COMPLETED
    assert (closed.closing.fault_code_id, closed.closing.cause_id) == (fault.pk, cause.pk)
    issued = StockMovement.objects.filter(work_order=order, kind=MovementKind.ISSUE)
    assert sorted((m.part.code, m.quantity) for m in issued) == [("RF-CMP", -1), ("WM-DRP", -1)]

    # The voucher says completed — the order is closed only after the callback.
    voucher = page.locator("section.voucher")
    expect(voucher.locator("#voucher-status")).to_have_text(str(WorkOrderStatus.COMPLETED.label))
    assert str(WorkOrderStatus.CLOSED.label) not in voucher.inner_text()
    _shot(page, artifacts_dir / "tablet_voucher_completed.png")
