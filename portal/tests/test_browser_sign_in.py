"""The customer's sign-in on a phone-sized screen (390×844), in headless Chromium against a live server: the
untouched form first (an error in the page's language, nothing sent), then the number, the code from the
text message, and the customer is signed in at /my/."""

import re
from pathlib import Path

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import Page, expect

from aftersales import sms
from portal.models import PortalAccount, SignInCode

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots")


def test_a_customer_signs_in_with_the_code_texted_to_their_phone(live_server, page: Page):
    sms.outbox.clear()
    SHOTS.mkdir(exist_ok=True)
    with translation.override("zh-hans"):
        enter_number = gettext("Enter your mobile number.")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/my/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    page.screenshot(path=str(SHOTS / "signin_number.png"), full_page=True)

    # Untouched: the server answers in the page's language and sends nothing.
    page.locator("form:has(#id_phone) button[type=submit]").click()
    expect(page.locator("#phone-error")).to_have_text(enter_number)
    assert not SignInCode.objects.exists()
    page.screenshot(path=str(SHOTS / "signin_error.png"), full_page=True)

    page.locator("#id_phone").fill("138 1234 5678")
    page.locator("form:has(#id_phone) button[type=submit]").click()
    expect(page.locator(".p-card")).to_contain_text("138****5678")
    page.screenshot(path=str(SHOTS / "signin_code.png"), full_page=True)
    assert [m.to for m in sms.outbox] == ["13812345678"]
    code = re.search(r"\b(\d{6})\b", sms.outbox[-1].body).group(1)

    page.locator("#id_code").fill(code)
    page.locator("#id_code").press("Enter")

    expect(page).to_have_url(f"{live_server.url}/my/")
    account = PortalAccount.objects.get(phone="13812345678")
    cookie = next(c for c in page.context.cookies() if c["name"] == "sessionid")
    session = Session.objects.get(session_key=cookie["value"]).get_decoded()
    assert session[SESSION_KEY] == str(account.user_id)
    sms.outbox.clear()
