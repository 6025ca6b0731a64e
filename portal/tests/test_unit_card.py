"""The electronic warranty card at /my/units/<id>/: the owner's unit with its cover, each end date as the
warranty app computes it; another customer's unit answers 404; nobody signed in goes to the sign-in and comes
back; the page's QR code is the card's own address."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from network.factories import ServiceCenterFactory
from repairs.choices import WorkOrderStatus as S
from repairs.factories import ProductUnitFactory, RepairCallFactory, WorkOrderFactory
from repairs.services import unit_repair_history
from warranty.models import ExtendedWarranty
from warranty.selectors import unit_warranty_position
from warranty.services import unit_facts, warranty_evaluate

pytestmark = pytest.mark.django_db


def _sold(owner, days_ago: int, **fields):
    day = timezone.localdate() - dt.timedelta(days=days_ago)
    return ProductUnitFactory(owner=owner, sale_date=day, invoice_date=day, factory_date=day, **fields)


def _covers(html: str) -> dict[str, tuple[str, str]]:
    """{cover key: (until, state)} as the card shows them."""
    found = re.findall(r'data-cover="([^"]+)" data-until="([^"]*)" data-state="([^"]+)"', html)
    return {key: (until, state) for key, until, state in found}


def _expected(unit, component: str | None = None):
    """The decision the warranty app takes for the unit today (the unit page's computation)."""
    today = timezone.localdate()
    repairs = unit_repair_history(unit=unit, symptom=None)
    if component is None:
        return unit_warranty_position(unit=unit, as_of=today, repairs=repairs)["decision"]
    facts = unit_facts(unit=unit, report_date=today, component=component, repairs=repairs)
    return warranty_evaluate(facts=facts)[0]


def test_the_card_shows_the_cover_as_the_warranty_app_computes_it(customer_client):
    customer = customer_client.customer
    today = timezone.localdate()
    unit = _sold(customer, 200, warranty_card_number="BK-001")
    # A repair of 9 days in the workshop: the period is extended by as many days.
    started = timezone.now() - dt.timedelta(days=40)
    WorkOrderFactory(
        call=RepairCallFactory(unit=unit, symptom_text="不制冷，外机不转"),
        center=ServiceCenterFactory(code="SC-PORTAL"),
        status=S.CLOSED,
        repair_started_at=started,
        completed_at=started + dt.timedelta(days=9),
        closing__resolution_note="更换电容",
    )
    ExtendedWarranty.objects.create(
        number="YB-0001",
        unit=unit,
        starts_on=today - dt.timedelta(days=10),
        ends_on=today + dt.timedelta(days=700),
        price_amount=Decimal("299.00"),
        sold_by_center=ServiceCenterFactory(code="SC-PORTAL"),
    )

    page = customer_client.get(reverse("portal:unit_card", args=[unit.pk]))

    assert page.status_code == 200
    html = page.content.decode()
    covers = _covers(html)
    main = _expected(unit)
    assert covers["return"] == (f"{main.return_until:%Y-%m-%d}", "ended")
    assert covers["exchange"] == (f"{main.exchange_until:%Y-%m-%d}", "ended")
    assert covers["repair"] == (f"{main.repair_until:%Y-%m-%d}", "running")
    assert covers["part:compressor"][0] == f"{_expected(unit, 'compressor').repair_until:%Y-%m-%d}"
    assert covers["extended:YB-0001"] == (f"{today + dt.timedelta(days=700):%Y-%m-%d}", "running")
    assert 'id="cover-notes"' in html  # the days in repair added
    # The history: the call, what was done.
    assert "不制冷，外机不转" in html and "更换电容" in html
    # The QR code of the card's own address.
    url = f"{settings.SITE_URL.rstrip('/')}{reverse('portal:unit_card', args=[unit.pk])}"
    assert url in html and '<svg role="img" viewBox=' in html


def test_a_phone_in_its_return_window_and_a_unit_received_in_exchange(customer_client):
    customer = customer_client.customer
    phone = _sold(customer, 3, phone=True)
    old = _sold(customer, 300)
    new = ProductUnitFactory(
        owner=customer,
        model=old.model,
        sale_date=old.sale_date,
        invoice_date=old.invoice_date,
        factory_date=old.factory_date,
        replaces=old,
        exchanged_on=timezone.localdate() - dt.timedelta(days=20),
    )

    pages = {}
    for unit in (phone, new):
        html = customer_client.get(reverse("portal:unit_card", args=[unit.pk])).content.decode()
        covers, decision = _covers(html), _expected(unit)
        for key in ("return", "exchange", "repair"):
            day = getattr(decision, f"{key}_until")
            assert covers.get(key, ("",))[0] == (f"{day:%Y-%m-%d}" if day else "")
        pages[unit] = (html, covers)
    # The phone (rest days roll its end dates on): return, exchange and repair all running; its battery has
    # a period of its own.
    html, covers = pages[phone]
    assert {covers[k][1] for k in ("return", "exchange", "repair")} == {"running"}
    assert covers["part:battery"][0] == f"{_expected(phone, 'battery').repair_until:%Y-%m-%d}"
    # The unit received in exchange restarts its repair period (and says so); the old one's card says it was
    # exchanged and links to the new one's.
    html, covers = pages[new]
    assert covers["repair"][1] == "running" and 'id="cover-notes"' in html and 'id="replaces"' in html
    old_html = customer_client.get(reverse("portal:unit_card", args=[old.pk])).content.decode()
    assert 'id="taken-back"' in old_html and reverse("portal:unit_card", args=[new.pk]) in old_html


def test_another_customers_unit_is_not_found_and_nobody_signed_in_goes_to_sign_in(customer_client, client):
    theirs = ProductUnitFactory()
    assert customer_client.get(reverse("portal:unit_card", args=[theirs.pk])).status_code == 404
    assert customer_client.get(reverse("portal:unit_card", args=[10**9])).status_code == 404

    path = reverse("portal:unit_card", args=[theirs.pk])
    customer_client.logout()
    response = customer_client.get(path)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('portal:home')}?next={path.replace('/', '%2F')}"


def test_the_card_costs_a_few_queries_with_a_long_history(customer_client, django_assert_max_num_queries):
    unit = _sold(customer_client.customer, 500)
    center = ServiceCenterFactory(code="SC-PORTAL")
    for i in range(8):
        WorkOrderFactory(
            call=RepairCallFactory(unit=unit),
            center=center,
            status=S.CLOSED,
            completed_at=timezone.now() - dt.timedelta(days=i),
        )
    customer_client.get(reverse("portal:unit_card", args=[unit.pk]))
    with django_assert_max_num_queries(25):
        assert customer_client.get(reverse("portal:unit_card", args=[unit.pk])).status_code == 200
