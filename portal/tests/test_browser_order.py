"""The customer's order page on a phone (390×844, headless Chromium against a live server): the owner opens a
dispatched order, sends the appointment form untouched (an error in the page's language), then picks a day and
a time and the appointment moves; on a completed order they give four stars, and the callback due is answered.
No page scrolls sideways. Screenshots go to /tmp/shots/orders_*.png."""

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone, translation
from django.utils.translation import gettext
from playwright.sync_api import Page, expect

from care.choices import CallbackStatus
from care.models import Callback
from network.factories import TechnicianFactory
from portal.factories import customer_with_account
from repairs.choices import RescheduleReason
from repairs.choices import WorkOrderStatus as S
from repairs.models import RepairCall, Reschedule, WorkOrder
from warranty.services import unit_facts, warranty_decision_record

from .test_order_actions import pending_callback
from .test_order_page import order_of, tomorrow_at

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]

PHONE = {"width": 390, "height": 844}
SHOTS = Path("/tmp/shots")


def _zh(message: str) -> str:
    """A message as the Chinese-first pages show it, whatever the state of the compiled catalogue."""
    with translation.override("zh-hans"):
        return gettext(message)


def _signed_in(page: Page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )
    page.set_viewport_size(PHONE)


def _no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def _shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"orders_{name}.png"), full_page=True)


def test_the_owner_moves_an_appointment_and_rates_a_finished_visit(users, live_server, page: Page):
    customer, account = customer_with_account(name="陈女士")
    technician = TechnicianFactory(center=users["center"], name="王建国")
    upcoming = order_of(customer, S.ACCEPTED, technician=technician)
    unit = upcoming.call.unit
    unit.invoice_date = unit.sale_date = timezone.localdate() - dt.timedelta(days=200)
    unit.save(update_fields=["invoice_date", "sale_date"])
    decision = warranty_decision_record(
        unit=unit, facts=unit_facts(unit=unit, report_date=timezone.localdate())
    )
    RepairCall.objects.filter(pk=upcoming.call_id).update(warranty_decision=decision)
    finished = order_of(customer, S.COMPLETED, technician=technician)
    callback = pending_callback(finished)
    _signed_in(page, live_server, account.user)

    page.goto(f"{live_server.url}/my/orders/{upcoming.pk}/")
    expect(page.locator("#o-headline")).to_be_visible()
    expect(page.locator(".o-reasons li").first).to_have_text(decision.result["reasons"][0]["zh"])
    _no_sideways_scroll(page)
    _shot(page, "progress")

    page.get_by_role("button", name=_zh("Move the appointment")).click()
    expect(page.locator("#o-day-err")).to_have_text(_zh("Choose a day."))
    expect(page.locator("#o-slot-err")).to_have_text(_zh("Choose a time."))
    _no_sideways_scroll(page)
    _shot(page, "move_error")

    day = tomorrow_at(14).date().isoformat()
    page.select_option("#o-day", day)
    page.locator("label.o-choice", has_text="14:00–16:00").click()
    page.get_by_role("button", name=_zh("Move the appointment")).click()
    expect(page.locator(".p-msg.success")).to_be_visible()
    _shot(page, "moved")
    order = WorkOrder.objects.get(pk=upcoming.pk)
    assert (order.appointment_start, order.appointment_end) == (tomorrow_at(14), tomorrow_at(16))
    assert Reschedule.objects.get(work_order=order).reason == RescheduleReason.CUSTOMER

    page.goto(f"{live_server.url}/my/orders/{finished.pk}/")
    page.locator("label.o-star").nth(3).click()
    page.locator("#o-rate label.o-choice", has_text=_zh("Yes")).click()
    page.fill("#o-comment", "师傅很专业，修好了")
    _shot(page, "rate")
    page.get_by_role("button", name=_zh("Send my rating")).click()
    expect(page.locator(".p-msg.success")).to_contain_text(_zh("Thank you for your rating."))
    _no_sideways_scroll(page)
    _shot(page, "rated")
    callback.refresh_from_db()
    assert (callback.status, callback.satisfaction, callback.solved) == (CallbackStatus.REACHED, 4, True)
    assert Callback.objects.filter(work_order=finished).count() == 1
    assert timezone.now() - callback.reached_at < dt.timedelta(minutes=5)
