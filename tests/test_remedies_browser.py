"""From a second failed repair to an exchange certificate, as its users live it, in headless Chromium (Debian's)
against a live server: an air conditioner bought four months ago came back twice from repair for the same
fault and still does not cool. The dispatcher reads 换货 on the unit's page and opens the request (sent untouched
first, then with the exchange chosen and every document ticked); the after-sales manager finds it in his queue
and approves it; the dispatcher hands over a new unit from the central warehouse and prints the 换货证明; old and
new units link to each other. Only the starting data is built in Python; every step is done in the page."""

import datetime as dt
import re
import subprocess

import pytest
from django.utils import timezone, translation
from playwright.sync_api import Browser, Page, expect

from remedies.choices import Basis, RemedyStatus
from remedies.models import RemedyRequest
from remedies.tests.helpers import APPLIANCE_DOCS, central, in_stock, sold_unit
from repairs.choices import WorkOrderStatus
from repairs.factories import RepairCallFactory, WorkOrderFactory
from repairs.models import FaultSymptom
from warranty.rules import add_months

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]

DESK = {"width": 1366, "height": 900}
NEW_SERIAL = "GREE-NEW-0001"
TWO_REPAIRS_REASON = "三包有效期内已修理 2 次仍不能正常使用，可免费换货或退货"


def _label(choice) -> str:
    """A choice's label as the (Chinese-first) pages show it."""
    with translation.override("zh-hans"):
        return str(choice.label)


@pytest.fixture
def story(users):
    """An air conditioner sold and invoiced 120 days ago (its owner's mobile 13900001111), repaired on site
    twice by centre A for 不制冷 — 60 and 30 days ago, five days each — and still not cooling; a new unit of
    its model in the central warehouse."""
    unit = sold_unit(days_ago=120, base=timezone.localdate())
    assert unit.model.category.code == "air_conditioner"
    no_cooling = FaultSymptom.objects.get(category=unit.model.category, code="no_cooling")
    now = timezone.now()
    for days in (60, 30):
        started = now - dt.timedelta(days=days)
        WorkOrderFactory(
            call=RepairCallFactory(unit=unit, symptom=no_cooling, symptom_text="不制冷", logged_at=started),
            center=users["center"],
            technician=users["technician"].technician,
            created_at=started,
            repair_started_at=started,
            completed_at=started + dt.timedelta(days=5),
            closed_at=started + dt.timedelta(days=5),
            status=WorkOrderStatus.CLOSED,
        )
    warehouse = central()
    in_stock(unit.model, NEW_SERIAL, warehouse=warehouse, user=users["manager"])
    return {"unit": unit, "warehouse": warehouse}


def _login(page: Page, live_server, username: str) -> None:
    page.set_viewport_size(DESK)
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-12345")
    page.keyboard.press("Enter")
    expect(page).not_to_have_url(re.compile(r"/login/"))


def _shot(page: Page, path) -> None:
    page.screenshot(path=str(path), full_page=True)


def _run(*args) -> str:
    return subprocess.run(list(args), check=True, capture_output=True, text=True).stdout


def test_from_a_second_failed_repair_to_the_exchange_certificate(
    users, story, live_server, page: Page, browser: Browser, artifacts_dir
):
    unit, base = story["unit"], live_server.url
    today = timezone.localdate()

    # The dispatcher reads the unit's position today: two repairs and still failing, so 换货.
    _login(page, live_server, "disp")
    page.goto(f"{base}/repairs/units/{unit.pk}/")
    expect(page.locator("p.verdict")).to_have_text("换货")
    expect(page.locator("ul.reasons")).to_contain_text(TWO_REPAIRS_REASON)
    expect(page.locator("#replaced-by")).to_have_count(0)
    _shot(page, artifacts_dir / "remedy_1_unit_two_repairs.png")
    expect(page.locator("#open-remedy")).to_have_text("办理退换货申请")
    page.locator("#open-remedy").click()
    expect(page).to_have_url(re.compile(rf"/remedies/new/\?unit={unit.pk}$"))
    form = page.locator("#remedy-form")
    expect(page.locator("#decision p.verdict")).to_have_text("判定：换货")
    expect(page.locator("#decision ul.reasons")).to_contain_text(TWO_REPAIRS_REASON)
    _shot(page, artifacts_dir / "remedy_2_form.png")

    # Sent untouched: the browser asks for the remedy first; nothing is sent, nothing opened.
    posts = []

    def sent(request):
        if request.method == "POST":
            posts.append(request.url)

    page.on("request", sent)
    form.get_by_role("button", name="提交申请").click()
    expect(form.locator("input[name=remedy]:invalid")).to_have_count(2)
    expect(page).to_have_url(re.compile(rf"/remedies/new/\?unit={unit.pk}$"))
    expect(form.locator("input[name=remedy]:checked")).to_have_count(0)
    page.remove_listener("request", sent)
    assert posts == [] and not RemedyRequest.objects.exists()

    # The exchange chosen: its checklist only shows; every document ticked.
    form.locator("input[name=remedy][value=exchange]").check()
    expect(form.locator("fieldset.checklist[data-remedy=return]")).to_be_hidden()
    boxes = form.locator("fieldset.checklist[data-remedy=exchange] input[type=checkbox]")
    expect(boxes).to_have_count(len(APPLIANCE_DOCS))
    for i in range(boxes.count()):
        boxes.nth(i).check()
    form.locator("input[name=customer_note]").fill("修了两次还是不制冷，要求换机")
    _shot(page, artifacts_dir / "remedy_3_form_filled.png")
    form.get_by_role("button", name="提交申请").click()
    expect(page).to_have_url(re.compile(r"/remedies/\d+/$"))
    row = RemedyRequest.objects.get()
    awaiting = _label(RemedyStatus.AWAITING_APPROVAL)
    assert awaiting == "待售后经理审批"
    expect(page.locator(".messages")).to_contain_text(f"退换货申请 {row.number} 已提交：{awaiting}")
    expect(page.locator("h1 .status.rr-awaiting_approval")).to_have_text(awaiting)
    expect(page.locator("#approve")).to_have_count(0)
    expect(page.get_by_text("等待售后经理审批。")).to_be_visible()
    expect(page.locator("ul.checks li.ok")).to_have_count(len(APPLIANCE_DOCS))
    _shot(page, artifacts_dir / "remedy_4_awaiting_approval.png")
    assert (row.basis, row.remedy, sorted(row.documents)) == (
        "two_repairs",
        "exchange",
        sorted(APPLIANCE_DOCS),
    )

    # The manager opens 退换货 from the navigation: the queue (待审批) holds the request; he approves it.
    manager = browser.new_page()
    _login(manager, live_server, "mgr")
    manager.locator("nav.nav").get_by_role("link", name="退换货", exact=True).click()
    expect(manager).to_have_url(re.compile(r"/remedies/$"))
    expect(manager.locator("nav.tabs a.current")).to_contain_text("待审批")
    expect(manager.locator("nav.tabs a.current .count")).to_have_text("1")
    first = manager.locator("#remedy-requests tbody tr").first
    expect(first).to_contain_text(unit.serial_number)
    expect(first).to_contain_text(_label(Basis.TWO_REPAIRS))
    _shot(manager, artifacts_dir / "remedy_5_manager_queue.png")
    first.get_by_role("link", name=row.number).click()
    expect(manager).to_have_url(re.compile(rf"/remedies/{row.pk}/$"))
    expect(manager.locator("#reject")).to_be_visible()
    _shot(manager, artifacts_dir / "remedy_6_manager_request.png")
    manager.locator("input[name=note]").fill("两次维修未修复，同意换货")
    manager.locator("#approve").click()
    expect(manager.locator(".messages")).to_contain_text("已批准。")
    expect(manager.locator("h1 .status.rr-approved")).to_be_visible()
    _shot(manager, artifacts_dir / "remedy_7_approved.png")
    manager.close()

    # The dispatcher hands over the replacement: the default warehouse, no serial (the first in stock).
    page.reload()
    exchange = page.locator("#exchange-form")
    expect(exchange.locator("select[name=warehouse]")).to_have_value(str(story["warehouse"].pk))
    expect(exchange.locator("input[name=serial_number]")).to_have_value("")
    exchange.locator("#do-exchange").click()
    expect(page.locator(".messages")).to_contain_text("换货完成：新机已登记到用户名下。")
    expect(page.locator("h1 .status.rr-done")).to_have_text(_label(RemedyStatus.DONE))
    expect(page.locator("dl.facts")).to_contain_text(NEW_SERIAL)
    expect(page.locator("dl.facts")).to_contain_text("两次维修未修复，同意换货")
    _shot(page, artifacts_dir / "remedy_8_done.png")
    row.refresh_from_db()
    assert row.status == RemedyStatus.DONE and row.replacement.serial_number == NEW_SERIAL

    # The 换货证明: what the customer and the dealer sign.
    link = page.get_by_role("link", name="换货证明（PDF）")
    expect(link).to_be_visible()
    pdf = page.request.get(base + link.get_attribute("href"))
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    path = artifacts_dir / "remedy_certificate.pdf"
    path.write_bytes(pdf.body())
    text = "".join(_run("pdftotext", str(path), "-").split())
    until = add_months(today, 12)
    assert "换货证明" in text and row.number in text
    assert unit.serial_number in text and NEW_SERIAL in text
    assert f"至{until.year}年{until.month}月{until.day}日" in text, text
    fonts = _run("pdffonts", str(path)).splitlines()[2:]
    assert fonts and all("CJK" in line and line.split()[-5] == "yes" for line in fonts), fonts
    page_one = ["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile"]
    _run(*page_one, str(path), str(path.with_suffix("")))
    assert path.with_suffix(".png").stat().st_size > 0

    # The old unit's page leads to the new one and back; no second request is offered.
    page.locator("dl.facts").get_by_role("link", name=f"{unit.model.brand} {unit.model.model_number}").click()
    expect(page).to_have_url(re.compile(rf"/repairs/units/{unit.pk}/$"))
    expect(page.locator("#replaced-by")).to_have_text(NEW_SERIAL)
    expect(page.locator("#open-remedy")).to_have_count(0)
    expect(page.locator("#unit-remedies")).to_contain_text(row.number)
    _shot(page, artifacts_dir / "remedy_9_old_unit.png")
    page.locator("#replaced-by").click()
    expect(page).to_have_url(re.compile(rf"/repairs/units/{row.replacement_id}/$"))
    expect(page.locator("#replaces")).to_have_text(unit.serial_number)
    expect(page.locator("dl.facts").last).to_contain_text(until.isoformat())
    _shot(page, artifacts_dir / "remedy_10_new_unit.png")
