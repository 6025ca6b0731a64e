"""Two managers activating the same standby provider at once, for two districts: one wins, the other is
told it is active already; one audit event, one district added."""

import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from network.coverage import standby_activate
from network.factories import DistrictFactory, ServiceCenterFactory, UserFactory
from network.models import CenterEvent, CoverageGap, ServiceCenter
from repairs.models import ProductCategory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reference_data")]


def _race(*calls):
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            call()
            outcomes[i] = ("ok", "")
        except ValidationError as exc:
            outcomes[i] = ("refused", " ".join(exc.messages))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return outcomes


def test_concurrent_activations_of_one_standby_provider_one_wins():
    ac = ProductCategory.objects.get(code="air_conditioner")
    first, second = (UserFactory(username=n, roles=["manager"]) for n in ("cov_m1", "cov_m2"))
    a, b = DistrictFactory(), DistrictFactory()
    for district in (a, b):
        CoverageGap.objects.create(region=district, category=ac, units=3)
    provider = ServiceCenterFactory(standby=True, active=False, agreement_start=dt.date(2024, 1, 1))
    provider.categories.add(ac)
    outcomes = _race(
        lambda: standby_activate(center=provider, region=a, category=ac, actor=first),
        lambda: standby_activate(center=provider, region=b, category=ac, actor=second),
    )
    assert sorted(o[0] for o in outcomes) == ["ok", "refused"]
    assert "已在运行" in next(o[1] for o in outcomes if o[0] == "refused")
    provider = ServiceCenter.objects.get(pk=provider.pk)
    assert (provider.active, provider.standby, provider.coverage.count()) == (True, False, 1)
    assert CenterEvent.objects.count() == 1
    assert CoverageGap.objects.open().count() == 1
