"""The dispatcher's everyday forms in Chromium, submitted as a person submits them: the register's filter
form untouched and then field by field, the dispatch form on a call's page (its day shown, the chosen
centre's technicians only), and a call logged from a unit found by its serial number."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from network.factories import DistrictFactory, ServiceCenterFactory, TechnicianFactory, authorise
from repairs.choices import WorkOrderStatus as S
from repairs.factories import (
    CustomerAddressFactory,
    CustomerPhoneFactory,
    ProductModelFactory,
    ProductUnitFactory,
    WorkOrderFactory,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]

VIEWPORT = {"width": 1366, "height": 900}


@pytest.fixture
def area(users):
    """梁溪区 (无锡) covered by two centres for air conditioners, each with its engineer; an air conditioner
    sold there a month ago, whose owner has a phone."""
    from repairs.models import ProductCategory

    air_conditioner = ProductCategory.objects.get(code="air_conditioner")
    district = DistrictFactory(name="梁溪区", parent__name="无锡市", parent__parent__name="江苏省")
    north = ServiceCenterFactory(code="JS-WX-01", name="无锡北服务中心", region=district)
    south = ServiceCenterFactory(code="JS-WX-02", name="无锡南服务中心", region=district)
    qian = TechnicianFactory(center=north, name="钱工")
    sun = TechnicianFactory(center=south, name="孙工")
    authorise(qian, air_conditioner, district)
    authorise(sun, air_conditioner, district)
    sold = timezone.localdate() - dt.timedelta(days=30)
    unit = ProductUnitFactory(
        model=ProductModelFactory(brand="格力", model_number="KFR-35GW", category=air_conditioner),
        serial_number="GLWX2026000123",
        sale_date=sold,
        invoice_date=sold,
        factory_date=sold - dt.timedelta(days=60),
    )
    CustomerPhoneFactory(customer=unit.owner, number="13912345678")
    CustomerAddressFactory(customer=unit.owner, region=district)
    return {"district": district, "north": north, "south": south, "qian": qian, "sun": sun, "unit": unit}


def _login(page: Page, live_server, username: str) -> None:
    page.set_viewport_size(VIEWPORT)
    page.goto(f"{live_server.url}/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-12345")
    with page.expect_navigation():
        page.keyboard.press("Enter")


def _statuses(page: Page) -> set[str]:
    return set(page.locator("table.register tbody td .status").all_inner_texts())


def test_the_register_filters_through_its_form(users, area, live_server, page: Page, artifacts_dir):
    orders = [
        WorkOrderFactory(status=S.DISPATCHED, center=area["north"]),
        WorkOrderFactory(status=S.IN_REPAIR, center=area["south"]),
        WorkOrderFactory(status=S.NEW),
    ]
    late = WorkOrderFactory(
        status=S.DISPATCHED,
        center=area["north"],
        appointment_start=timezone.now() - dt.timedelta(hours=5),
        appointment_end=timezone.now() - dt.timedelta(hours=3),
    )
    _login(page, live_server, "disp")
    expect(page).to_have_url(re.compile(r"/repairs/register/$"))
    rows = page.locator("table.register tbody tr")
    expect(rows).to_have_count(4)

    # Untouched: 状态 on 全部, nothing typed — the same four rows, no error.
    page.get_by_role("button", name="筛选").click()
    expect(page.locator(".errorlist")).to_have_count(0)
    expect(rows).to_have_count(4)
    expect(page.locator("select[name=status]")).to_have_value("")

    # Each filter on its own, through the form.
    page.locator("select[name=status]").select_option("in_repair")
    page.get_by_role("button", name="筛选").click()
    expect(rows).to_have_count(1)
    assert _statuses(page) == {"维修中"}
    page.get_by_role("link", name="清除").click()

    page.locator("select[name=center]").select_option(str(area["north"].pk))
    page.get_by_role("button", name="筛选").click()
    expect(rows).to_have_count(2)
    expect(page.locator(".errorlist")).to_have_count(0)
    page.get_by_role("link", name="清除").click()

    page.locator("input[name=overdue]").check()
    page.get_by_role("button", name="筛选").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(late.number)
    page.get_by_role("link", name="清除").click()

    page.locator("input[name=q]").fill(orders[1].number)
    page.get_by_role("button", name="筛选").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(orders[1].number)
    page.screenshot(path=str(artifacts_dir / "register-filtered.png"), full_page=True)

    # The empty choices say 全部, never "---------".
    assert "---------" not in page.content()


def test_dispatch_from_the_call_page(users, area, live_server, page: Page, artifacts_dir):
    from repairs.models import WorkOrder

    order = WorkOrderFactory(
        status=S.NEW,
        call__unit=area["unit"],
        call__customer=area["unit"].owner,
        call__service_region=area["district"],
    )
    elsewhere = ServiceCenterFactory(code="GD-GZ-01", name="广州天河服务中心")
    TechnicianFactory(center=elsewhere, name="秦工").categories.add(area["unit"].model.category)

    _login(page, live_server, "disp")
    page.goto(f"{live_server.url}/repairs/calls/{order.call_id}/")
    form = page.locator("form.dispatch-box")
    day = form.locator("input[name=dispatch-day]")
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", day.input_value()), day.input_value()

    # The technician list shows the chosen centre's engineers only, and follows a change of centre.
    center = form.locator("select[name=dispatch-center]")
    technician = form.locator("select[name=dispatch-technician]")
    chosen = center.input_value()
    first = area["north"] if chosen == str(area["north"].pk) else area["south"]
    other = area["south"] if first == area["north"] else area["north"]
    own, theirs = (area["qian"], area["sun"]) if first == area["north"] else (area["sun"], area["qian"])
    expect(technician.locator(f"option[value='{own.pk}']")).to_be_enabled()
    expect(technician.locator(f"option[value='{theirs.pk}']")).to_be_disabled()
    center.select_option(str(other.pk))
    expect(technician.locator(f"option[value='{theirs.pk}']")).to_be_enabled()
    expect(technician.locator(f"option[value='{own.pk}']")).to_be_disabled()
    center.select_option(str(first.pk))
    technician.select_option(str(own.pk))

    # Guangzhou does not cover 无锡: refused, with the reason, and nothing dispatched.
    center.select_option(str(elsewhere.pk))
    form.get_by_role("button", name="派工").click()
    expect(page.locator(".messages, [role=alert]").first).to_contain_text("广州天河服务中心")
    assert WorkOrder.objects.get(pk=order.pk).status == S.NEW

    # The form as offered: dispatched to the suggested centre on the day shown.
    form = page.locator("form.dispatch-box")
    page.screenshot(path=str(artifacts_dir / "call-page-dispatch.png"), full_page=True)
    form.get_by_role("button", name="派工").click()
    expect(page.locator(".status").first).to_have_text("已派工")
    order.refresh_from_db()
    assert order.status == S.DISPATCHED and order.center_id in (area["north"].pk, area["south"].pk)
    assert timezone.localtime(order.appointment_start).date() >= timezone.localdate()


def test_a_call_logged_from_a_unit_found_by_its_serial(users, area, live_server, page: Page, artifacts_dir):
    from repairs.models import RepairCall

    _login(page, live_server, "disp")
    page.goto(f"{live_server.url}/repairs/calls/new/")
    page.wait_for_load_state()
    page.locator("#id_unit_search").fill("GLWX2026000123")
    page.locator("#id_unit_search").press("Enter")
    # The one unit found is picked and brings its owner's phone (the form needs the caller's number).
    expect(page.locator("#id_caller_phone")).to_have_value("13912345678")
    expect(page.locator("#panel select[name=dispatch-center]")).to_be_visible()
    page.locator("#panel select[name=symptom]").select_option(index=1)
    page.get_by_role("button", name="保存并派工").click()
    expect(page).to_have_url(re.compile(r"/repairs/calls/\d+/"))
    call = RepairCall.objects.get(unit=area["unit"])
    assert call.caller_phone == "13912345678"
    assert call.work_orders.get().status == S.DISPATCHED
    page.screenshot(path=str(artifacts_dir / "call-from-serial.png"), full_page=True)
