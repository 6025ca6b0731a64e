"""One phone's whole story through the field's exceptions, as its users live it, in headless Chromium (Debian's)
against a live server: the dispatcher logs the call naming the battery as the faulty part on the intake page,
dispatches it from the call page, moves the appointment (改约) and gives the order to another technician of the
centre (改派) from the call page's field panel; the new technician finds nobody at home (上门未遇) on his tablet
(820×1180) with a photo of the door; the dispatcher agrees a new appointment; on the second visit the
technician arrives, records liquid damage with a photo on the tablet's findings page, the order becomes paid
and the customer reads why in Chinese; the customer declines the quote and the order is closed with the
call-out fee only. Only the starting data is built in Python; every step is a form submitted in the page."""

import datetime as dt
import io
import re
import subprocess
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from PIL import Image
from playwright.sync_api import Page, expect

from network.factories import DistrictFactory, TechnicianFactory, UserFactory, authorise
from repairs.factories import (
    CustomerAddressFactory,
    CustomerFactory,
    CustomerPhoneFactory,
    ProductModelFactory,
    ProductUnitFactory,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]

DESK = {"width": 1366, "height": 900}
TABLET = {"width": 820, "height": 1180}
CALL_OUT_FEE = Decimal("30.00")
CALLER_PHONE = "13811112222"
# The 三包 engine's reason for liquid damage, in the Chinese the customer reads (warranty.rules).
LIQUID_REASON = "不属于三包范围：人为损坏或外观损伤（进液、破裂、划痕），实行收费修理"

# Records the form data of the last request that refreshed the intake's panel, once htmx settled it (as in
# tests/test_browser_intake.py): the test waits for the refresh that carries what it just picked.
PANEL_PROBE = """
document.addEventListener("htmx:afterSettle", (event) => {
  if (event.detail.target && event.detail.target.id === "panel") {
    const config = event.detail.requestConfig || {};
    window.__panelData = config.formData ? Object.fromEntries(config.formData) : {};
  }
});
"""


def _label(choice) -> str:
    """A choice's label as the (Chinese-first) pages show it, whatever the state of the translations."""
    with translation.override("zh-hans"):
        return str(choice.label)


def _photo(name: str, colour: str) -> dict:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), colour).save(buffer, "JPEG")
    return {"name": name, "mimeType": "image/jpeg", "buffer": buffer.getvalue()}


@pytest.fixture
def story(users):
    """Centre A (甲网点) covers 福田区 for phones, with two certified technicians: 李工 (the dispatcher's first
    choice) and 周工. A phone bought three months ago, its battery inside its own 6 months; the phone fee
    schedule charges a call-out fee."""
    from repairs.choices import FaultCodeKind
    from repairs.models import FaultCode, LabourRate, ProductCategory

    phone = ProductCategory.objects.get(code="mobile_phone")
    center = users["center"]
    district = DistrictFactory(name="福田区", parent__name="深圳市", parent__parent__name="广东省")
    first = users["technician"].technician
    first.name = "李工"
    first.save(update_fields=["name"])
    authorise(first, phone, district)
    second = TechnicianFactory(
        user=UserFactory(username="tech_b", roles=["technician"]), center=center, name="周工"
    )
    authorise(second, phone)
    assert LabourRate.objects.filter(category=phone, code="call_out").update(amount=CALL_OUT_FEE) == 1

    customer = CustomerFactory(name="陈女士")
    CustomerPhoneFactory(customer=customer, number=CALLER_PHONE)
    CustomerAddressFactory(customer=customer, region=district, detail="福华路 88 号 5 栋 702 室")
    sold = timezone.localdate() - dt.timedelta(days=90)
    unit = ProductUnitFactory(
        phone=True,
        owner=customer,
        model=ProductModelFactory(brand="华为", model_number="P60", name="Pro", category=phone),
        sale_date=sold,
        invoice_date=sold,
        invoice_amount=Decimal("4988.00"),
        factory_date=sold - dt.timedelta(days=40),
    )
    repair_minor = LabourRate.objects.get(category=phone, code="repair_minor")
    codes = FaultCode.objects.filter(category=phone)
    return {
        "battery_fault": codes.get(kind=FaultCodeKind.FAULT, code="MP-E3"),  # 电池故障
        "liquid": codes.get(kind=FaultCodeKind.CAUSE, code="C-WATER"),  # 进液
        "center": center,
        "first": first,
        "second": second,
        "unit": unit,
        "phone": phone,
        "repair_minor": repair_minor,
    }


def _login(page: Page, live_server, username: str, viewport: dict) -> None:
    page.set_viewport_size(viewport)
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-12345")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"^(?!.*/login/)"))


def _shot(page: Page, path) -> None:
    page.screenshot(path=str(path), full_page=True)
    page.evaluate("window.scrollTo(0, 0)")


def _panel_shows(page: Page, **fields: str) -> None:
    page.wait_for_function(
        """(want) => {
          const got = window.__panelData;
          return !!got && Object.entries(want).every(([name, value]) => got[name] === value);
        }""",
        arg=fields,
    )


def _status_is(locator, status) -> None:
    expect(locator).to_have_class(re.compile(rf"\bstatus-{status.value}\b"))


def _tablet_status_is(page: Page, status) -> None:
    expect(page.locator(".t-when .badge").first).to_have_class(re.compile(rf"\bst-{status.value}\b"))


def _open(panel, action: str):
    """The field panel's form posting to …/<action>/, its <details> opened as a person opens it."""
    form = panel.locator(f"form[action$='/{action}/']")
    panel.locator(f"details.field-form:has(form[action$='/{action}/']) > summary").click()
    expect(form).to_be_visible()
    return form


def _step(page: Page, to, status) -> None:
    """A tablet step (accept, set off, arrive): its button, then the order's badge shows the new status."""
    page.locator(f"form:has(input[name=to][value={to.value}]) button[type=submit]").click()
    _tablet_status_is(page, status)
    expect(page.locator(".messages li").first).to_be_visible()


def _sign(page: Page, pad_selector: str) -> None:
    pad = page.locator(pad_selector)
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    page.mouse.move(box["x"] + 40, box["y"] + box["height"] * 0.7)
    page.mouse.down()
    for i in range(1, 12):
        page.mouse.move(box["x"] + 40 + i * 40, box["y"] + box["height"] * (0.3 if i % 2 else 0.7), steps=3)
    page.mouse.up()


def _loaded(image) -> None:
    """A (lazy) image scrolled to, as a person scrolls to it, and then shown: it loaded and is a picture."""
    image.scroll_into_view_if_needed()
    image.evaluate(
        """img => img.decode ? img.decode() : new Promise((ok, ko) => { img.onload = ok; img.onerror = ko; })"""
    )
    assert image.evaluate("img => img.naturalWidth") > 0


def _timeline(page: Page) -> str:
    return page.locator("ol.timeline").inner_text()


def test_a_battery_call_through_reschedule_redispatch_nobody_at_home_liquid_damage_and_a_declined_quote(
    story, live_server, page: Page, new_context, artifacts_dir
):
    from repairs.choices import Resolution, ServiceType, WorkOrderStatus
    from repairs.models import (
        DecisionChange,
        NotHomeVisit,
        Redispatch,
        RepairCall,
        Reschedule,
        WorkOrder,
        WorkOrderEvent,
    )

    center, first, second, unit = story["center"], story["first"], story["second"], story["unit"]
    today = timezone.localdate()
    base = live_server.url

    # 1. Intake: the dispatcher finds the caller by phone, names the battery as the faulty part — inside its
    #    own 6 months, free — and logs the call without dispatching it yet.
    desk = page
    desk.add_init_script(PANEL_PROBE)
    _login(desk, live_server, "disp", DESK)
    desk.goto(f"{base}/repairs/calls/new/")
    desk.wait_for_load_state()  # intake.js (deferred) wires Enter and the picks
    desk.locator("#id_caller_phone").fill(CALLER_PHONE)
    desk.locator("#id_caller_phone").press("Enter")
    _panel_shows(desk, unit=str(unit.pk))
    panel = desk.locator("#panel")
    expect(panel.locator(".unit-line")).to_contain_text("华为 P60")
    part = panel.locator("select[name=component]")
    expect(part).to_have_value("main_unit")
    expect(part.locator("option[value=battery]")).to_have_text(re.compile(r"^电池"))
    part.select_option("battery")
    _panel_shows(desk, unit=str(unit.pk), component="battery")
    expect(panel.locator("select[name=component]")).to_have_value("battery")
    expect(panel.locator(".warranty-box")).to_contain_text("电池")
    expect(panel.locator(".verdict")).to_have_class(re.compile(r"\bverdict-free_repair\b"))
    expect(panel.locator(".reasons")).to_contain_text("在附件三包有效期（6 个月")
    expect(panel.locator("select[name=service_type]")).to_have_value(ServiceType.FREE)
    panel.locator("select[name=symptom]").select_option(label="耗电快")
    panel.locator("input[name=symptom_text]").fill("电池一天要充三次")
    expect(desk.locator("#id_caller_name")).to_have_value("陈女士")
    _shot(desk, artifacts_dir / "field_walk_intake_panel.png")
    panel.locator("button[name=action][value=save]").click()

    expect(desk).to_have_url(re.compile(r"/repairs/calls/\d+/$"))
    call = RepairCall.objects.get(unit=unit)
    order = WorkOrder.objects.get(call=call)
    assert (call.component.code, call.warranty_decision.verdict, call.service_type) == (
        "battery",
        "free_repair",
        ServiceType.FREE,
    )
    assert order.status == WorkOrderStatus.NEW
    wo = desk.locator(f"#wo-{order.pk}")
    _status_is(wo.locator("h2 .status"), WorkOrderStatus.NEW)
    expect(desk.locator(".card", has=desk.locator(".verdict")).first).to_contain_text("电池")

    # 2. Dispatch from the call page: centre A, 李工, the window the form offers.
    dispatch = wo.locator("form.dispatch-box")
    dispatch.locator("select[name=dispatch-center]").select_option(str(center.pk))
    dispatch.locator("select[name=dispatch-technician]").select_option(str(first.pk))
    dispatch.locator("button[type=submit]").click()
    _status_is(wo.locator("h2 .status"), WorkOrderStatus.DISPATCHED)
    expect(wo.locator("dl.facts").first).to_contain_text("李工")
    order.refresh_from_db()
    assert (order.status, order.center_id, order.technician_id) == (
        WorkOrderStatus.DISPATCHED,
        center.pk,
        first.pk,
    )
    first_window = (order.appointment_start, order.appointment_end)

    # 3. 改约 on the field panel: the customer asks for the day after tomorrow, 10:00–12:00.
    moved_day = today + dt.timedelta(days=2)
    field = wo.locator("[data-field-panel]")
    move = _open(field, "reschedule")
    move.locator("input[name=day]").fill(moved_day.isoformat())
    move.locator("input[name=start]").fill("10:00")
    move.locator("input[name=end]").fill("12:00")
    move.locator("select[name=reason]").select_option("customer")
    move.locator("input[name=note]").fill("客户明天出差，改到后天上午")
    move.locator("button[type=submit]").click()
    expect(field.locator("[data-reschedule-count]")).to_have_attribute("data-reschedule-count", "1")
    history = field.locator("ul.field-history")
    expect(history).to_contain_text("客户明天出差，改到后天上午")
    expect(history).to_contain_text(f"{moved_day:%m-%d} 10:00–12:00")
    expect(wo.locator("dl.facts").first).to_contain_text(f"{moved_day:%Y-%m-%d} 10:00–12:00")
    order.refresh_from_db()
    assert order.reschedule_count == 1 and order.status == WorkOrderStatus.DISPATCHED
    assert (order.appointment_start, order.appointment_end) != first_window
    moved = WorkOrderEvent.objects.filter(work_order=order).order_by("-at", "-pk").first()
    assert "客户明天出差" in moved.note
    assert moved.note in _timeline(desk)

    # 4. 改派 on the field panel: to 周工 of the same centre.
    give = _open(field, "redispatch")
    expect(give.locator("select[name=center]")).to_have_value(str(center.pk))
    expect(give.locator(f"select[name=technician] option[value='{first.pk}']")).to_have_count(0)
    give.locator("select[name=technician]").select_option(str(second.pk))
    give.locator("input[name=reason]").fill("李工后天休假，由周工上门")
    give.locator("button[type=submit]").click()
    expect(wo.locator("dl.facts").first).to_contain_text("周工")
    expect(history).to_contain_text("李工 → ")
    expect(history).to_contain_text(f"{center.name} · 周工 · 李工后天休假，由周工上门")
    order.refresh_from_db()
    assert (order.technician_id, order.status) == (second.pk, WorkOrderStatus.DISPATCHED)
    assert Redispatch.objects.filter(work_order=order, to_technician=second, from_technician=first).exists()
    assert "李工后天休假，由周工上门" in _timeline(desk)
    _shot(desk, artifacts_dir / "field_walk_call_field_panel.png")

    # 5. The new technician on his tablet: accepts, sets off, and finds nobody at home — photo of the door.
    tablet = new_context(viewport=TABLET).new_page()
    _login(tablet, live_server, "tech_b", TABLET)
    tablet.goto(f"{base}/repairs/tablet/orders/{order.pk}/")
    _tablet_status_is(tablet, WorkOrderStatus.DISPATCHED)
    expect(tablet.locator(".t-card").first).to_contain_text("陈女士")
    _step(tablet, WorkOrderStatus.ACCEPTED, WorkOrderStatus.ACCEPTED)
    _step(tablet, WorkOrderStatus.EN_ROUTE, WorkOrderStatus.EN_ROUTE)
    tablet.locator(f"[data-field-actions] a[href$='/tablet/orders/{order.pk}/not-home/']").click()
    expect(tablet).to_have_url(re.compile(rf"/tablet/orders/{order.pk}/not-home/$"))
    visit = tablet.locator("form.t-form")
    expect(visit.locator("input[name=day]")).to_have_value(timezone.localdate().isoformat())
    visit.locator("input[name=calls_made]").fill("2")
    visit.locator("input[name=travel_km]").fill("8")
    visit.locator("input[name=photo]").set_input_files(_photo("door.jpg", "#8a6d3b"))
    visit.locator("textarea[name=note]").fill("敲门五分钟无人应答，电话两次未接，已在门上留联系卡")
    _shot(tablet, artifacts_dir / "field_walk_tablet_not_home.png")
    visit.locator("button[type=submit]").click()
    expect(tablet).to_have_url(re.compile(rf"/tablet/orders/{order.pk}/$"))
    _tablet_status_is(tablet, WorkOrderStatus.TO_RESCHEDULE)
    expect(tablet.locator("[data-field-actions] .t-note")).to_be_visible()
    visit_row = NotHomeVisit.objects.get(work_order=order)
    assert (visit_row.technician_id, visit_row.calls_made, visit_row.travel_km) == (second.pk, 2, 8)
    assert visit_row.photo and visit_row.customer_told

    # The dispatcher sees it on the call page: the visit, its photo, the order waiting for a new time.
    desk.reload()
    _status_is(wo.locator("h2 .status"), WorkOrderStatus.TO_RESCHEDULE)
    expect(field.locator("[data-not-home]")).to_have_attribute("data-not-home", "1")
    expect(history).to_contain_text("敲门五分钟无人应答，电话两次未接，已在门上留联系卡")
    expect(history).to_contain_text("周工")
    door = history.locator(f"a[href$='/not-home-photos/{visit_row.pk}/']")
    expect(door).to_have_count(1)
    assert desk.request.get(base + door.get_attribute("href")).headers["content-type"] == "image/jpeg"
    assert "敲门五分钟无人应答" in _timeline(desk)

    # 6. The dispatcher phones the customer and agrees a new appointment: "customer not at home".
    again_day = today + dt.timedelta(days=3)
    move = _open(field, "reschedule")
    expect(move.locator("select[name=reason] option").first).to_have_attribute("value", "not_home")
    move.locator("input[name=day]").fill(again_day.isoformat())
    move.locator("input[name=start]").fill("14:00")
    move.locator("input[name=end]").fill("16:00")
    move.locator("select[name=reason]").select_option("not_home")
    move.locator("button[type=submit]").click()
    expect(field.locator("[data-reschedule-count]")).to_have_attribute("data-reschedule-count", "2")
    _status_is(wo.locator("h2 .status"), WorkOrderStatus.DISPATCHED)
    expect(history).to_contain_text(f"{again_day:%m-%d} 14:00–16:00")
    order.refresh_from_db()
    assert (order.status, order.reschedule_count, order.technician_id) == (
        WorkOrderStatus.DISPATCHED,
        2,
        second.pk,
    )
    assert Reschedule.objects.filter(work_order=order).count() == 2

    # 7. The second visit: accept, set off, arrive; then 三包核查 — liquid damage, with a photo.
    tablet.goto(f"{base}/repairs/tablet/orders/{order.pk}/")
    expect(tablet.locator(".t-when")).to_contain_text("14:00–16:00")
    _step(tablet, WorkOrderStatus.ACCEPTED, WorkOrderStatus.ACCEPTED)
    _step(tablet, WorkOrderStatus.EN_ROUTE, WorkOrderStatus.EN_ROUTE)
    _step(tablet, WorkOrderStatus.ON_SITE, WorkOrderStatus.ON_SITE)
    tablet.locator(f"a[href$='/tablet/orders/{order.pk}/findings/']").click()
    expect(tablet).to_have_url(re.compile(rf"/tablet/orders/{order.pk}/findings/$"))
    decision = tablet.locator("section[aria-labelledby=decision-title]")
    expect(decision.locator("dd").first).to_have_text("电池")
    expect(decision.locator("dd strong")).to_have_text(_label(ServiceType.FREE))
    findings = tablet.locator("#findings-form")
    findings.locator("input[name=finding][value=man_made_damage]").check()
    findings.locator("input[name=photos_man_made_damage]").set_input_files(_photo("liquid.jpg", "#1f5fa8"))
    findings.locator("input[name=note_man_made_damage]").fill("进液：充电口有水渍，防水标签变红")
    findings.locator("button[type=submit]").click()

    expect(tablet).to_have_url(re.compile(rf"/tablet/orders/{order.pk}/findings/$"))
    expect(decision.locator("dd strong")).to_have_text(_label(ServiceType.PAID))
    expect(tablet.locator("ul.t-reasons")).to_contain_text(LIQUID_REASON)
    expect(tablet.locator("ul.t-reasons")).to_have_attribute("lang", "zh-Hans")
    recorded = tablet.locator("ul.t-recorded")
    expect(recorded).to_contain_text("进液：充电口有水渍，防水标签变红")
    expect(recorded.locator("img")).to_have_count(1)
    _loaded(recorded.locator("img"))
    _shot(tablet, artifacts_dir / "field_walk_tablet_findings.png")
    call.refresh_from_db()
    assert call.service_type == ServiceType.PAID
    change = DecisionChange.objects.get(work_order=order)
    assert (change.service_type_before, change.service_type_after) == (ServiceType.FREE, ServiceType.PAID)
    assert change.decision.verdict == "paid_repair"

    # The order page tells the customer why the repair is paid, in Chinese.
    tablet.locator(f"a[href$='/tablet/orders/{order.pk}/']").first.click()
    expect(tablet.locator("section.t-why")).to_contain_text(LIQUID_REASON)
    expect(tablet.locator(".t-meta")).to_contain_text(_label(ServiceType.PAID))

    # 8. The quote (the call-out fee on it by itself), which the customer declines.
    tablet.locator(f"a[href$='/tablet/orders/{order.pk}/quote/']").first.click()
    expect(tablet).to_have_url(re.compile(rf"/tablet/orders/{order.pk}/quote/$"))
    quote_form = tablet.locator("#quote-form")
    expect(quote_form.locator(".t-found")).to_contain_text(f"¥{CALL_OUT_FEE}")
    quote_form.locator(f"input[name=rate][value='{story['repair_minor'].pk}']").check()
    quote_form.locator("button[type=submit]").click()
    quote = tablet.locator("#quote-1")
    expect(quote.locator("tfoot")).to_contain_text(f"¥{CALL_OUT_FEE + story['repair_minor'].amount}")
    expect(quote.locator("tbody")).to_contain_text("上门费")
    expect(quote.locator("tbody")).to_contain_text("小修工时费")
    _shot(tablet, artifacts_dir / "field_walk_tablet_quote.png")
    decline = quote.locator("form:has(input[name=step][value=decline])")
    decline.locator("input[name=declined_note]").fill("客户觉得太贵，不修了")
    decline.locator("button[type=submit]").click()

    # 9. Closed as declined: nothing repaired, the call-out fee only, collected in cash, the customer signs.
    expect(tablet).to_have_url(re.compile(rf"/tablet/orders/{order.pk}/decline/$"))
    expect(tablet.locator("p.t-found").first).to_contain_text(f"¥{CALL_OUT_FEE}")
    closing = tablet.locator("#closing-form")
    expect(closing.locator("input[name=resolution]")).to_have_value(Resolution.DECLINED)
    expect(closing.locator("select[name=part]")).to_have_count(0)
    closing.locator("select[name=fault_code]").select_option(str(story["battery_fault"].pk))
    closing.locator("select[name=cause]").select_option(str(story["liquid"].pk))
    closing.locator("input[name=labour_minutes]").fill("20")
    closing.locator("input[name=travel_km]").fill("8")
    expect(closing.locator("input[name=collected_amount]")).to_have_value(str(CALL_OUT_FEE))
    closing.locator("label.chip:has(input[name=payment_method][value=cash])").click()
    expect(closing.locator("input[name=payment_method][value=cash]")).to_be_checked()
    _sign(tablet, "#signature-pad")
    _shot(tablet, artifacts_dir / "field_walk_tablet_decline.png")
    tablet.locator("#close-submit").click()
    expect(tablet).to_have_url(re.compile(rf"/tablet/orders/{order.pk}/$"), timeout=20_000)

    voucher = tablet.locator("section.voucher")
    expect(voucher.locator("#voucher-status")).to_have_class(re.compile(r"\bst-completed\b"))
    expect(voucher).to_contain_text(f"¥{CALL_OUT_FEE}")
    expect(voucher).to_contain_text(_label(Resolution.DECLINED))
    expect(voucher).to_contain_text("电池故障")
    expect(voucher).to_contain_text("进液")
    expect(voucher.locator("img.t-signature")).to_be_visible()
    _shot(tablet, artifacts_dir / "field_walk_tablet_closed.png")

    order.refresh_from_db()
    record = order.closing
    assert order.status == WorkOrderStatus.COMPLETED
    assert (record.resolution, record.collected_amount, record.payment_method) == (
        Resolution.DECLINED,
        CALL_OUT_FEE,
        "cash",
    )
    assert record.outstanding_amount == 0 and record.signature
    assert order.quotes.get().declined_at is not None

    # The call page: completed, paid service, the decision taken again on site, the fee in the history.
    desk.reload()
    _status_is(wo.locator("h2 .status"), WorkOrderStatus.COMPLETED)
    service_type = desk.locator("span.badge.type-A")
    expect(service_type).to_have_text(_label(ServiceType.PAID))
    changes = desk.locator("ol.changes")
    expect(changes).to_contain_text("进液：充电口有水渍，防水标签变红")
    expect(changes).to_contain_text(LIQUID_REASON)
    expect(changes.locator("img")).to_have_count(1)
    closed = WorkOrderEvent.objects.filter(work_order=order, to_status=WorkOrderStatus.COMPLETED).get()
    assert f"¥{CALL_OUT_FEE}" in closed.note
    timeline = _timeline(desk)
    assert closed.note in timeline and "客户觉得太贵，不修了" in timeline
    _shot(desk, artifacts_dir / "field_walk_call_closed.png")

    # The service voucher (PDF) the customer is given: declined, the call-out fee collected.
    pdf = desk.request.get(f"{base}/repairs/work-orders/{order.pk}/voucher.pdf")
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    path = artifacts_dir / "field_walk_voucher.pdf"
    path.write_bytes(pdf.body())
    text = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout
    flat = "".join(text.split())
    assert f"¥{CALL_OUT_FEE}" in flat and "客户不同意此报价" in flat and order.number in flat
    assert "MP-E3电池故障" in flat and "进液" in flat
    # Its 三包 part is the decision in force — taken again on site — not the intake's free repair.
    assert "".join(LIQUID_REASON.split()) in flat and "现场重新判定" in flat
    assert "在附件三包有效期" not in flat
