"""The report page on a phone (390×844), as a customer uses it: headless Chromium (Debian's) against a live
server. Sent untouched first (what the browser sends as the page opens: the errors come back in the page's
language, Chinese here), then filled in, with photos shrunk in the browser before upload (and a 7th photo
refused), landing on the new work order's page with a web call of two photos.

The error texts are read through gettext, so the test holds whether or not the catalogue has been compiled with
this page's strings yet (English until then, Chinese after)."""

import io
import os
import re
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone, translation
from django.utils.translation import gettext
from PIL import Image
from playwright.sync_api import Page, expect

from portal.factories import customer_with_account
from repairs.choices import CallChannel
from repairs.factories import CustomerAddressFactory, ProductUnitFactory
from repairs.models import RepairCall

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]

PHONE = {"width": 390, "height": 844}
SHOTS = Path("/tmp/shots")

# Every control a thumb taps: at least 44 px high (a radio's tap target is its whole row, the label).
TAP_TARGETS = (
    ".r-form button, .r-form select, .r-form textarea, .r-form input[type=file], .r-form input[type=text], "
    ".r-form input:not([type]), .r-choice, .r-slot, .r-form a.p-btn"
)


def _photo(path: Path, size) -> Path:
    """A camera-sized JPEG (noise, so that it is as heavy as a real photo)."""
    Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3)).save(path, "JPEG", quality=92)
    return path


def _sign_in(page: Page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def _fits_a_phone(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"report_{name}.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], name
    small = page.evaluate(
        """(selector) => [...document.querySelectorAll(selector)]
            .filter((el) => el.offsetParent !== null)
            .map((el) => [el.name || el.className || el.tagName, el.getBoundingClientRect().height])
            .filter(([, h]) => h < 44)""",
        TAP_TARGETS,
    )
    assert small == [], (name, small)


def test_a_customer_reports_a_fault_from_a_phone(page: Page, live_server, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    customer, account = customer_with_account(name="张三")
    today = timezone.localdate()
    unit = ProductUnitFactory(
        owner=customer,
        sale_date=today.replace(day=1),
        invoice_date=today.replace(day=1),
        factory_date=today.replace(day=1, year=today.year - 1),
    )
    CustomerAddressFactory(customer=customer, region__name="天河区", detail="天河路 100 号 3 栋 1201")
    page.set_viewport_size(PHONE)
    _sign_in(page, live_server, account.user)

    page.goto(f"{live_server.url}/my/units/new/?next=report")
    expect(page.locator("h1")).to_be_visible()
    _fits_a_phone(page, "unit_new")

    page.goto(f"{live_server.url}/my/report/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("input[name=unit]")).to_be_checked()  # the only unit is chosen
    _fits_a_phone(page, "form")

    # Untouched: the description and the window are missing; said in the page's language, nothing saved.
    page.locator("[data-submit]").click()
    errors = page.locator("#r-errors")
    expect(errors).to_be_visible()
    expect(errors).to_be_focused()
    with translation.override("zh-hans"):
        describe = gettext("Describe the fault: pick a common problem or say what happens.")
        when = gettext("Choose a day and a time for the visit.")
    expect(page.get_by_text(describe)).to_be_visible()
    expect(page.get_by_text(when)).to_be_visible()
    expect(page.locator("label[for=id_day]")).to_have_text("日期")  # a label the catalogue already has
    assert RepairCall.objects.count() == 0
    _fits_a_phone(page, "errors")

    # Filled in: a common problem and the details, seven photos chosen (the 7th refused), four removed.
    page.select_option("#id_symptom", index=1)
    page.fill("#id_symptom_text", "开机十分钟后不制冷，室外机不转")
    big = [_photo(tmp_path / f"big{n}.jpg", (3000, 2000)) for n in range(2)]
    small = [_photo(tmp_path / f"small{n}.jpg", (400, 300)) for n in range(5)]
    page.set_input_files("#id_photos", [str(p) for p in big + small])
    expect(page.locator("#r-thumbs li")).to_have_count(6)
    expect(page.locator("#r-photo-note")).not_to_be_empty()
    for _ in range(4):
        page.locator("#r-thumbs li").last.locator("button").click()
    expect(page.locator("#r-thumbs li")).to_have_count(2)
    expect(page.locator("#r-count")).to_contain_text("2")
    page.select_option("#id_day", index=2)  # tomorrow
    page.locator(".r-slot", has_text=re.compile("13:00")).click()
    _fits_a_phone(page, "filled")

    with page.expect_request(lambda r: r.method == "POST" and "/my/report/" in r.url) as sent:
        page.locator("[data-submit]").click()
    uploaded = sent.value.sizes()["requestBodySize"]
    assert uploaded < sum(p.stat().st_size for p in big)  # shrunk in the browser before upload

    call = RepairCall.objects.get()
    order = call.work_orders.get()
    expect(page).to_have_url(re.compile(rf"/my/orders/{order.pk}/$"))
    assert call.channel == CallChannel.WEB and call.to_confirm and call.unit == unit
    assert call.photos.count() == 2
    for photo in call.photos.all():
        with Image.open(io.BytesIO(photo.image.read())) as stored:
            assert max(stored.size) <= 1600
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "report_landed.png"))
