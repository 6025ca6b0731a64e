"""The technician records administrative time (D) on the tablet, in headless Chromium (Debian's) at a tablet's
size (820×1180) against a live server: reached from the tablet home, every tap target a finger's size, the
kind tapped as a chip, the entry listed and this month's D grown by it, then cancelled with a reason."""

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from network.models import AdminTimeEntry

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]

TABLET = {"width": 820, "height": 1180}
FINGER = 44  # px: the smallest tap target on the tablet
# Every visible control's height; a radio button is tapped through its label (the chip).
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


def _small_targets(page: Page) -> list:
    return [t for t in page.evaluate(TARGETS) if t["height"] < FINGER]


def test_the_technician_records_and_cancels_administrative_time_on_the_tablet(live_server, browser, users):
    context = browser.new_context(viewport=TABLET, locale="en-US")
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "tech_a")
    page.fill("#id_password", "pw-12345")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}{reverse('repairs:my_orders')}")

    page.locator("a[data-admin-time]").click()
    expect(page).to_have_url(f"{live_server.url}{reverse('repairs:tablet_admin_time')}")
    assert _small_targets(page) == []

    page.locator("label.chip", has=page.locator("input[value=equipment]")).click()
    page.locator("input[name=minutes]").fill("45")
    page.locator("textarea[name=note]").fill("保养真空泵")
    page.locator("[data-admin-time-form] button[type=submit]").click()

    entry = AdminTimeEntry.objects.get()
    assert (entry.kind, entry.minutes, entry.note) == ("equipment", 45, "保养真空泵")
    expect(page.locator(f'[data-entry="{entry.pk}"]')).to_contain_text("45")
    expect(page.locator('[data-split] dd[data-type="D"]')).to_contain_text("0:45")
    page.locator(f'[data-entry="{entry.pk}"] summary').click()
    assert _small_targets(page) == []  # the cancel form opened: its field and button too

    page.locator(f'[data-entry="{entry.pk}"] input[name=reason]').fill("录错了")
    page.locator(f'[data-entry="{entry.pk}"] button[type=submit]').click()

    expect(page.locator(f'[data-entry="{entry.pk}"]')).to_contain_text("录错了")
    expect(page.locator('[data-split] dd[data-type="D"]')).to_contain_text("0:00")
    entry.refresh_from_db()
    assert entry.cancelled_at is not None
    context.close()
