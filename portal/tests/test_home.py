"""The customer's home at /my/: their units with the state of each warranty, their orders (open first, then
the last closed ones) in their own words, the report button; an empty state for a number without a customer
record; the same few queries however many units and orders."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from network.factories import ServiceCenterFactory
from portal.factories import PortalAccountFactory
from repairs.choices import WorkOrderStatus as S
from repairs.factories import ProductUnitFactory, RepairCallFactory, WorkOrderFactory

pytestmark = pytest.mark.django_db


def _unit(owner, *, days_ago: int, **fields):
    day = timezone.localdate() - dt.timedelta(days=days_ago)
    return ProductUnitFactory(owner=owner, sale_date=day, invoice_date=day, factory_date=day, **fields)


def _order(unit, status, **fields):
    if status != S.NEW:
        fields.setdefault("center", ServiceCenterFactory(code="SC-PORTAL"))
    return WorkOrderFactory(call=RepairCallFactory(unit=unit), status=status, **fields)


def _stock(customer, n: int):
    """n units, each with an open and a closed order."""
    for i in range(n):
        unit = _unit(customer, days_ago=30 + 200 * i)
        _order(unit, S.DISPATCHED, appointment_start=timezone.now() + dt.timedelta(days=1))
        _order(unit, S.CLOSED, completed_at=timezone.now() - dt.timedelta(days=i + 1))


def test_the_owner_sees_units_orders_and_the_report_button(customer_client):
    customer = customer_client.customer
    new = _unit(customer, days_ago=3)
    old = _unit(customer, days_ago=800)
    start = timezone.localtime().replace(hour=14, minute=0, second=0, microsecond=0) + dt.timedelta(days=1)
    coming = _order(new, S.DISPATCHED, appointment_start=start, appointment_end=start + dt.timedelta(hours=2))
    done = _order(old, S.CLOSED, completed_at=timezone.now() - dt.timedelta(days=5))
    someone_else = _order(ProductUnitFactory(), S.NEW)

    page = customer_client.get(reverse("portal:home"))

    html = page.content.decode()
    assert page.status_code == 200
    assert f'href="{reverse("portal:report")}"' in html
    for unit in (new, old):
        assert f'href="{reverse("portal:unit_card", args=[unit.pk])}"' in html
        assert unit.serial_number[-4:] in html
    # Open first, then the closed ones; each links to its page; the window of the coming visit.
    assert html.index(coming.number) < html.index(f'data-unit="{new.pk}"') < html.index(done.number)
    assert f'href="{reverse("portal:order_detail", args=[coming.pk])}"' in html
    assert f"{start:%Y-%m-%d %H:%M}–{start + dt.timedelta(hours=2):%H:%M}" in html
    assert someone_else.number not in html
    # In warranty (bought 3 days ago, the return window open), out of warranty (bought 800 days ago).
    assert 'class="p-badge ok"' in html and 'class="p-badge bad"' in html


def test_a_number_without_a_customer_record_sees_the_invitation(client):
    account = PortalAccountFactory()
    client.force_login(account.user)

    html = client.get(reverse("portal:home")).content.decode()

    assert 'id="empty"' in html
    assert f'href="{reverse("portal:unit_new")}"' in html and f'href="{reverse("portal:report")}"' in html


def test_the_home_costs_the_same_queries_for_many_units_and_orders(
    customer_client, django_assert_max_num_queries
):
    _stock(customer_client.customer, 2)
    customer_client.get(reverse("portal:home"))  # the session, the calendar cache
    with django_assert_max_num_queries(20) as few:
        assert customer_client.get(reverse("portal:home")).status_code == 200
    _stock(customer_client.customer, 10)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = customer_client.get(reverse("portal:home"))
    assert page.content.decode().count('data-unit="') == 12
