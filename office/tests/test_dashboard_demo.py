"""On the seeded demo the dashboard's units sold and out-of-box panel read the kept counts that seed_demo
fills, and show what a count of the units table says."""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from conftest import demo_seeded_once
from remedies.selectors import doa_rates
from repairs.models import ProductUnit, UnitsSold, UnitsSoldMark

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, tmp_path_factory):
    with demo_seeded_once(django_db_blocker, tmp_path_factory.mktemp("media"), customers=200):
        yield


def test_the_demo_dashboard_shows_the_units_and_out_of_box_rate_a_direct_count_gives(seeded, client):
    # Filled by seed_demo: every unit is in the kept counts, none is left to count on a request.
    assert UnitsSoldMark.objects.get().through_unit_id == ProductUnit.objects.latest("pk").pk
    assert sum(UnitsSold.objects.values_list("units", flat=True)) == ProductUnit.objects.count()

    client.force_login(get_user_model().objects.get(username="manager"))
    context = client.get(reverse("office:dashboard")).context
    assert context["unit_count"] == ProductUnit.objects.count()
    # The panel as the units table counts it (doa_rates counts the sales on the request).
    today = timezone.localdate()
    panel = context["remedies"]
    rows = doa_rates(start=panel["doa_since"], end=today + dt.timedelta(days=1))
    units, doa = sum(r["units"] for r in rows), sum(r["doa"] for r in rows)
    assert units > 1000 and doa > 0
    assert panel["doa_rate"] == (Decimal(doa * 100) / units).quantize(Decimal("0.01"), ROUND_HALF_UP)
    by_model: dict[str, list[int]] = {}
    for r in rows:
        pair = by_model.setdefault(r["model"], [0, 0])
        pair[0], pair[1] = pair[0] + r["units"], pair[1] + r["doa"]
    assert panel["doa_worst"] and all(by_model[m] == [u, d] for m, u, d, _rate in panel["doa_worst"])
