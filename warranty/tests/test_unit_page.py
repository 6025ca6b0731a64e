import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from warranty.models import ExtendedWarranty

pytestmark = pytest.mark.django_db


@pytest.fixture
def fresh_unit(unit_factory, users):
    today = timezone.localdate()
    unit = unit_factory(
        sale_date=today - dt.timedelta(days=3),
        invoice_date=today - dt.timedelta(days=3),
        factory_date=today - dt.timedelta(days=60),
        invoice_amount=Decimal("2999.00"),
    )
    ExtendedWarranty.objects.create(
        number="YB-PAGE-1",
        unit=unit,
        starts_on=today + dt.timedelta(days=363),
        ends_on=today + dt.timedelta(days=1000),
        sold_by_center=users["center"],
    )
    return unit


@pytest.mark.parametrize("role", ["dispatcher", "technician", "supervisor", "manager"])
def test_the_unit_page_shows_the_warranty_position_in_chinese(client, users, fresh_unit, role):
    from repairs.factories import WorkOrderFactory

    # The technician and the centre's supervisor reach a unit through a work order on it.
    WorkOrderFactory(call__unit=fresh_unit, center=users["center"], technician=users["technician"].technician)
    client.force_login(users[role])
    html = client.get(reverse("repairs:unit_detail", args=[fresh_unit.pk])).content.decode()
    assert "退货" in html and "售出 7 日内发生性能故障" in html
    assert "YB-PAGE-1" in html


def test_the_register_links_to_the_unit_page(client, users, fresh_unit):
    from repairs.factories import WorkOrderFactory

    WorkOrderFactory(call__unit=fresh_unit)
    client.force_login(users["dispatcher"])
    html = client.get(reverse("repairs:register")).content.decode()
    assert reverse("repairs:unit_detail", args=[fresh_unit.pk]) in html


@pytest.mark.parametrize("role", ["technician", "supervisor"])
def test_a_centre_does_not_reach_units_it_never_worked_on(client, users, fresh_unit, role):
    """No work order of theirs on the unit: not found, as any other party's object."""
    client.force_login(users[role])
    assert client.get(reverse("repairs:unit_detail", args=[fresh_unit.pk])).status_code == 404


def test_dealers_and_strangers_cannot_open_the_unit_page(client, users, fresh_unit):
    url = reverse("repairs:unit_detail", args=[fresh_unit.pk])
    client.force_login(users["dealer"])
    assert client.get(url).status_code == 403
    client.force_login(users["nobody"])
    assert client.get(url).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302


def test_an_unknown_unit_answers_404(client, users):
    client.force_login(users["dispatcher"])
    assert client.get(reverse("repairs:unit_detail", args=[999999])).status_code == 404
