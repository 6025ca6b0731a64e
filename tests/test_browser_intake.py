"""The dispatcher's intake page as a dispatcher uses it: headless Chromium (Debian's) against a live server.

A new customer logged from the keyboard and dispatched in one action; an existing customer found by a
phone prefix, with an appointment the centre cannot take; the open-call guard."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from network.factories import DistrictFactory, ServiceCenterFactory, TechnicianFactory, authorise
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

VIEWPORT = {"width": 1366, "height": 900}

# Records, on the page, the form data of the last request that refreshed the right-hand panel, once
# htmx has swapped and settled it: a test waits for the refresh that carries what it just changed
# before it touches the panel (a later swap would otherwise throw away what it picked there).
PANEL_PROBE = """
document.addEventListener("htmx:afterSettle", (event) => {
  if (event.detail.target && event.detail.target.id === "panel") {
    const config = event.detail.requestConfig || {};
    window.__panelData = config.formData ? Object.fromEntries(config.formData) : {};
  }
});
"""


@pytest.fixture
def network(users):
    """A district of Guangzhou, the centre that covers it (service hours 8:00–20:00) with a technician
    certified for air conditioners, and an air-conditioner model on sale."""
    from repairs.models import ProductCategory

    district = DistrictFactory(name="天河区", parent__name="广州市", parent__parent__name="广东省")
    center = ServiceCenterFactory(code="SC-TH", name="天河服务网点", region=district)
    center.coverage.add(district)
    air_conditioner = ProductCategory.objects.get(code="air_conditioner")
    technician = TechnicianFactory(center=center, name="李工")
    authorise(technician, air_conditioner)
    model = ProductModelFactory(brand="格力", model_number="KFR-35GW", name="云佳", category=air_conditioner)
    return {
        "district": district,
        "center": center,
        "technician": technician,
        "category": air_conditioner,
        "model": model,
    }


def _login(page: Page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    expect(page.locator("#id_username")).to_be_focused()
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-12345")
    page.keyboard.press("Enter")


def _open_intake(page: Page, live_server) -> None:
    page.set_viewport_size(VIEWPORT)
    page.add_init_script(PANEL_PROBE)
    _login(page, live_server, "disp")
    expect(page).to_have_url(re.compile(r"/repairs/register/$"))
    page.get_by_role("link", name="登记叫修").click()
    expect(page).to_have_url(re.compile(r"/repairs/calls/new/$"))
    page.wait_for_load_state()  # intake.js (deferred) wires Enter and the picks
    expect(page.get_by_role("heading", name="登记叫修")).to_be_visible()


def _panel_shows(page: Page, **fields: str) -> None:
    """Waits until the panel was last refreshed with these form values."""
    page.wait_for_function(
        """(want) => {
          const got = window.__panelData;
          return !!got && Object.entries(want).every(([name, value]) => got[name] === value);
        }""",
        arg=fields,
    )


def test_dispatcher_logs_a_new_customer_from_the_keyboard_and_dispatches(
    network, live_server, page: Page, artifacts_dir
):
    from repairs.choices import WorkOrderStatus
    from repairs.models import Customer, RepairCall, WorkOrder

    today = timezone.localdate()
    sold = (today - dt.timedelta(days=3)).isoformat()
    made = (today - dt.timedelta(days=60)).isoformat()
    district, center, technician = network["district"], network["center"], network["technician"]

    _open_intake(page, live_server)
    phone = page.locator("#id_caller_phone")
    expect(phone).to_be_focused()
    page.keyboard.type("13700001111")
    page.keyboard.press("Enter")

    # Nobody has this number: the new-customer fieldset opens with the cursor in its first field.
    expect(page.locator("#new-customer")).to_be_visible()
    expect(page.locator("#id_new-name")).to_be_focused()
    page.keyboard.type("王建国")
    page.keyboard.press("Tab")
    expect(page.locator("#id_new-region")).to_be_focused()
    page.locator("#id_new-region").select_option(label="广东省广州市天河区")
    page.keyboard.press("Tab")
    expect(page.locator("#id_new-address_detail")).to_be_focused()
    page.keyboard.type("天河路 385 号 2 栋 1501 室")
    page.keyboard.press("Tab")
    expect(page.locator("#id_unit-model")).to_be_focused()
    # The models are grouped under their category.
    expect(page.locator("#id_unit-model optgroup[label='空调'] option")).to_have_text(
        ["格力 KFR-35GW（云佳）"]
    )
    page.locator("#id_unit-model").select_option(label="格力 KFR-35GW（云佳）")
    page.keyboard.press("Tab")
    expect(page.locator("#id_unit-serial_number")).to_be_focused()
    page.keyboard.type("GREE35GW0001")
    page.keyboard.press("Tab")  # the IMEI: an air conditioner has none
    page.keyboard.press("Tab")
    expect(page.locator("#id_unit-sale_date")).to_be_focused()
    # Chromium's date inputs take Tab between their own year / month / day parts: the dates are filled
    # whole, and the cursor put in the next field.
    page.locator("#id_unit-sale_date").fill(sold)
    page.locator("#id_unit-invoice_number").focus()
    page.keyboard.type("44001234")
    page.keyboard.press("Tab")
    expect(page.locator("#id_unit-invoice_date")).to_be_focused()
    page.locator("#id_unit-invoice_date").fill(sold)
    page.locator("#id_unit-invoice_amount").focus()
    page.keyboard.type("3299")
    page.keyboard.press("Tab")
    expect(page.locator("#id_unit-factory_date")).to_be_focused()
    page.locator("#id_unit-factory_date").fill(made)
    _panel_shows(
        page, **{"unit-factory_date": made, "unit-invoice_date": sold, "new-region": str(district.pk)}
    )

    # Bought 3 days ago: the customer may return it.
    panel = page.locator("#panel")
    expect(panel.locator(".verdict")).to_have_text("退货")
    expect(panel.locator(".reasons")).to_contain_text("7 日")
    expect(panel).to_contain_text("空调 · 格力 KFR-35GW")

    page.locator("#id_caller_name").fill("王建国")
    panel.locator("select[name=symptom]").select_option(label="不制冷")
    panel.locator("input[name=symptom_text]").fill("开机半小时不出冷风")

    # The suggestion: the centre covering the district, with its certified technician.
    center_select = panel.locator("select#dispatch-center")
    expect(center_select).to_have_value(str(center.pk))
    expect(center_select.locator("option").first).to_contain_text("★ 天河服务网点")
    expect(panel.locator("select#dispatch-technician")).to_have_value(str(technician.pk))
    page.screenshot(path=str(artifacts_dir / "intake_new_customer.png"), full_page=True)

    panel.get_by_role("button", name="保存并派工").click()

    expect(page).to_have_url(re.compile(r"/repairs/calls/\d+/$"))
    call = RepairCall.objects.get()
    order = WorkOrder.objects.get()
    expect(page.get_by_text(f"叫修 {call.number} 已登记。")).to_be_visible()
    expect(page.get_by_text(f"派工单 {order.number} 已派给天河服务网点。")).to_be_visible()
    expect(page.locator(f"#wo-{order.pk} .status")).to_have_text("已派工")
    expect(page.locator(f"#wo-{order.pk}")).to_contain_text("天河服务网点")
    expect(page.locator(f"#wo-{order.pk}")).to_contain_text("李工")
    expect(page.locator(".verdict")).to_have_text("退货")
    expect(page.locator(".reasons")).to_contain_text("售出 7 日内发生性能故障")
    page.screenshot(path=str(artifacts_dir / "call_dispatched.png"), full_page=True)

    assert order.status == WorkOrderStatus.DISPATCHED
    assert order.center == center and order.technician == technician
    assert call.symptom.name == "不制冷"
    customer = Customer.objects.get(phones__number="13700001111")
    assert customer.name == "王建国"
    assert call.customer == customer and call.unit.owner == customer
    assert call.unit.serial_number == "GREE35GW0001"
    assert Customer.objects.count() == 1


def test_an_existing_customer_found_by_phone_prefix_and_an_appointment_after_hours(
    network, live_server, page: Page, artifacts_dir
):
    from repairs.models import ProductCategory, RepairCall

    today = timezone.localdate()
    customer = CustomerFactory(name="刘女士")
    CustomerPhoneFactory(customer=customer, number="13922223333")
    CustomerAddressFactory(customer=customer, region=network["district"], detail="体育西路 100 号 1201 室")
    air_conditioner = ProductUnitFactory(
        owner=customer,
        model=network["model"],
        serial_number="GREE35GW0100",
        sale_date=today - dt.timedelta(days=40),
        invoice_date=today - dt.timedelta(days=40),
        factory_date=today - dt.timedelta(days=100),
    )
    fridge_model = ProductModelFactory(
        brand="海尔",
        model_number="BCD-470WDPG",
        name="十字对开门",
        category=ProductCategory.objects.get(code="refrigerator"),
    )
    ProductUnitFactory(
        owner=customer,
        model=fridge_model,
        serial_number="HAIER470-0007",
        sale_date=today - dt.timedelta(days=800),
        invoice_date=today - dt.timedelta(days=800),
        factory_date=today - dt.timedelta(days=860),
    )

    _open_intake(page, live_server)
    expect(page.locator("#id_caller_phone")).to_be_focused()
    page.keyboard.type("1392222")

    lookup = page.locator("#lookup")
    expect(lookup).to_contain_text("刘女士")
    expect(lookup).to_contain_text("139 2222 3333")
    picks = lookup.locator("button.pick")
    expect(picks).to_have_count(2)
    expect(picks.nth(0)).to_contain_text("格力 KFR-35GW")
    expect(picks.nth(1)).to_contain_text("海尔 BCD-470WDPG")

    # Two units: Enter goes to the first (the latest sold), Enter again picks it — and picking completes
    # the caller's number from the prefix typed.
    page.keyboard.press("Enter")
    expect(picks.nth(0)).to_be_focused()
    page.keyboard.press("Enter")
    _panel_shows(page, unit=str(air_conditioner.pk))
    panel = page.locator("#panel")
    expect(panel.locator(".verdict")).to_have_text("免费修理")
    expect(page.locator("#id_caller_name")).to_have_value("刘女士")
    expect(page.locator("#id_caller_phone")).to_have_value("13922223333")
    # The faulty part comes first, on the whole unit: one Tab keeps it and goes on to the symptom.
    part = panel.locator("select[name=component]")
    expect(part).to_be_focused()
    expect(part.locator("option:checked")).to_have_text("整机")
    page.keyboard.press("Tab")
    symptom = panel.locator("select[name=symptom]")
    expect(symptom).to_be_focused()
    symptom.select_option(label="不制冷")
    expect(panel.locator("select#dispatch-center")).to_have_value(str(network["center"].pk))
    expect(panel.locator("input[name=service_address]")).to_have_value("体育西路 100 号 1201 室")

    tomorrow = (today + dt.timedelta(days=1)).isoformat()
    panel.locator("input[name=dispatch-day]").fill(tomorrow)
    panel.locator("input[name=dispatch-start]").fill("21:00")
    panel.locator("input[name=dispatch-end]").fill("22:00")
    panel.get_by_role("button", name="保存并派工").click()

    # The centre works 8:00–20:00: the page says so, keeps what was typed, and saves nothing.
    expect(page.get_by_text("天河服务网点的服务时间为 08:00 至 20:00：请在服务时间内预约。")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/repairs/calls/new/$"))
    expect(page.locator("#id_caller_phone")).to_have_value("13922223333")
    expect(page.locator("#panel input[name=dispatch-start]")).to_have_value("21:00")
    page.screenshot(path=str(artifacts_dir / "intake_after_hours.png"), full_page=True)
    assert RepairCall.objects.count() == 0


def test_a_unit_with_an_open_call_shows_the_call_in_the_panel(
    users, network, live_server, page: Page, artifacts_dir
):
    from repairs import services
    from repairs.models import FaultSymptom

    today = timezone.localdate()
    address = CustomerAddressFactory(region=network["district"], customer__name="陈先生")
    CustomerPhoneFactory(customer=address.customer, number="13655556666")
    unit = ProductUnitFactory(
        owner=address.customer,
        model=network["model"],
        serial_number="GREE35GW0200",
        sale_date=today - dt.timedelta(days=120),
        invoice_date=today - dt.timedelta(days=120),
        factory_date=today - dt.timedelta(days=150),
    )
    open_call = services.repair_call_register(
        customer=address.customer,
        unit=unit,
        caller_name="陈先生",
        caller_phone="13655556666",
        service_region=network["district"],
        service_address=address.detail,
        symptom=FaultSymptom.objects.get(category=network["category"], code="water_leak"),
        acting_user=users["dispatcher"],
    )

    _open_intake(page, live_server)
    page.locator("#id_unit_search").focus()
    page.keyboard.type("GREE35GW0200")
    expect(page.locator("#lookup button.pick")).to_have_count(1)
    page.keyboard.press("Enter")  # one unit found: picked at once

    _panel_shows(page, unit=str(unit.pk))
    duplicate = page.locator("#panel .duplicate")
    expect(duplicate).to_be_visible()
    expect(duplicate).to_contain_text("该产品已有未完结的叫修")
    expect(duplicate.get_by_role("link", name=open_call.number)).to_be_visible()
    expect(duplicate).to_contain_text("漏水")
    expect(duplicate.get_by_role("checkbox")).not_to_be_checked()
    page.screenshot(path=str(artifacts_dir / "intake_open_call.png"), full_page=True)


def test_picking_another_unit_of_the_customer_switches_the_panel(network, live_server, page: Page):
    from repairs.models import ProductCategory

    today = timezone.localdate()
    customer = CustomerFactory(name="刘女士")
    CustomerPhoneFactory(customer=customer, number="13922223333")
    CustomerAddressFactory(customer=customer, region=network["district"])
    air_conditioner = ProductUnitFactory(
        owner=customer,
        model=network["model"],
        sale_date=today - dt.timedelta(days=40),
        invoice_date=today - dt.timedelta(days=40),
        factory_date=today - dt.timedelta(days=100),
    )
    fridge = ProductUnitFactory(
        owner=customer,
        model=ProductModelFactory(
            brand="海尔",
            model_number="BCD-470WDPG",
            category=ProductCategory.objects.get(code="refrigerator"),
        ),
        sale_date=today - dt.timedelta(days=800),
        invoice_date=today - dt.timedelta(days=800),
        factory_date=today - dt.timedelta(days=860),
    )

    _open_intake(page, live_server)
    page.keyboard.type("13922223333")
    picks = page.locator("#lookup button.pick")
    expect(picks).to_have_count(2)
    picks.nth(0).click()
    _panel_shows(page, unit=str(air_conditioner.pk))
    expect(page.locator("#panel .unit-line")).to_contain_text("格力 KFR-35GW")

    # The caller meant the fridge.
    picks.nth(1).click()
    _panel_shows(page, unit=str(fridge.pk))
    expect(page.locator("#panel .unit-line")).to_contain_text("海尔 BCD-470WDPG")
    expect(page.locator("#panel .verdict")).to_have_text("收费修理")
