"""The customer's home and a warranty card in headless Chromium (Debian's) at a phone's size, 390×844: the
signed-in customer opens /my/, taps a unit and sees its card with the QR code; nothing scrolls sideways and
every tap target is at least 44 px high. Screenshots in /tmp/shots/card_*.png."""

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Page, expect

from network.factories import ServiceCenterFactory
from repairs.choices import WorkOrderStatus as S
from repairs.factories import ProductUnitFactory, RepairCallFactory, WorkOrderFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]

PHONE = {"width": 390, "height": 844}
SHOTS = Path("/tmp/shots")

# Visible links and buttons lower than 44 px (the skip link only shows on focus).
SMALL_TARGETS = """() => [...document.querySelectorAll('a, button, summary')]
  .filter(e => !e.classList.contains('skip-link') && e.offsetParent !== null)
  .filter(e => e.getBoundingClientRect().height < 44)
  .map(e => e.outerHTML.slice(0, 80))"""


def _sold(owner, days_ago: int, **fields):
    day = timezone.localdate() - dt.timedelta(days=days_ago)
    return ProductUnitFactory(owner=owner, sale_date=day, invoice_date=day, factory_date=day, **fields)


def _look(page: Page, name: str) -> None:
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    assert page.evaluate(SMALL_TARGETS) == []
    page.screenshot(path=str(SHOTS / f"card_{name}.png"), full_page=True)


def test_a_customer_opens_a_units_warranty_card_from_the_home(live_server, page: Page, customer_account):
    SHOTS.mkdir(parents=True, exist_ok=True)
    customer, account = customer_account
    phone = _sold(customer, 4, phone=True)
    air = _sold(customer, 150, model__name="云佳 1.5匹变频挂机", warranty_card_number="BK-20260705-0012")
    _sold(customer, 900, model__category__code="washing_machine", model__name="滚筒洗衣机")
    center = ServiceCenterFactory(code="SC-PORTAL", name="天河服务网点")
    start = timezone.localtime().replace(hour=14, minute=0, second=0, microsecond=0) + dt.timedelta(days=1)
    WorkOrderFactory(
        call=RepairCallFactory(unit=phone, symptom_text="屏幕偶尔闪烁"),
        center=center,
        status=S.DISPATCHED,
        appointment_start=start,
        appointment_end=start + dt.timedelta(hours=2),
    )
    started = timezone.now() - dt.timedelta(days=60)
    WorkOrderFactory(
        call=RepairCallFactory(unit=air, symptom_text="不制冷，外机不转"),
        center=center,
        status=S.CLOSED,
        repair_started_at=started,
        completed_at=started + dt.timedelta(hours=3),
        closing__resolution_note="更换启动电容，试机制冷正常",
    )
    client = Client()
    client.force_login(account.user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )
    page.set_viewport_size(PHONE)

    page.goto(f"{live_server.url}/my/")
    expect(page.locator("#report")).to_be_visible()
    expect(page.locator("[data-unit]")).to_have_count(3)
    _look(page, "home")

    page.locator(f'[data-unit="{air.pk}"]').click()

    expect(page).to_have_url(f"{live_server.url}/my/units/{air.pk}/")
    expect(page.locator('[data-cover="repair"]')).to_have_attribute("data-state", "running")
    expect(page.locator("#history")).to_contain_text("更换启动电容")
    qr = page.locator("#qr svg")
    expect(qr).to_be_visible()
    assert qr.bounding_box()["width"] >= 150
    expect(page.locator("#qr")).to_contain_text(f"/my/units/{air.pk}/")
    _look(page, "unit")
