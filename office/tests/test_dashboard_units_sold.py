"""The manager's dashboard reads the network's units sold and the out-of-box panel's sales from the kept counts
(repairs.units_sold) and the units registered since: what it shows is what a count of the units table says,
a unit registered a moment ago included, without a job having run."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from remedies import services
from remedies.tests.helpers import DOA_PHONE, sold_unit
from repairs.models import ProductUnit, UnitsSold
from repairs.units_sold import units_sold_fold, units_sold_recount

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def sold(model, day):
    return sold_unit(days_ago=(TODAY - day).days, phone=True, base=TODAY, model=model)


def dashboard(client, user):
    client.force_login(user)
    response = client.get(reverse("office:dashboard"))
    assert response.status_code == 200
    return response.context


def test_the_dashboard_shows_the_kept_counts_and_a_unit_registered_since(client, users):
    first = sold_unit(days_ago=0, phone=True, base=TODAY)
    phone = first.model
    [sold(phone, TODAY) for _i in range(2)]
    sold(phone, TODAY - dt.timedelta(days=400))  # long ago: in the network, not in the panel's months
    services.doa_check_record(
        unit=first, fault="黑屏", confirmed_by="王工", checked=DOA_PHONE, acting_user=users["dispatcher"]
    )
    units_sold_recount()
    assert dashboard(client, users["manager"])["unit_count"] == 4

    # Registered after the counts were kept, one of them with last month's sale: on the page at once.
    sold(phone, TODAY)
    sold(phone, (TODAY.replace(day=1) - dt.timedelta(days=1)))
    context = dashboard(client, users["manager"])
    assert context["unit_count"] == ProductUnit.objects.count() == 6
    # One approved out-of-box failure among the five phones sold new in the three months: 20 %.
    assert context["remedies"]["doa_rate"] == 20
    assert context["remedies"]["doa_worst"][0][:3] == (f"{phone.brand} {phone.model_number}", 5, 1)
    html = client.get(reverse("office:dashboard")).content.decode()
    assert '<span class="n">6</span>' in html and "20.00%" in html

    units_sold_fold()  # the same figures once the units are in the kept counts
    assert sum(UnitsSold.objects.values_list("units", flat=True)) == 6
    again = dashboard(client, users["manager"])
    assert again["unit_count"] == 6 and again["remedies"]["doa_rate"] == 20
