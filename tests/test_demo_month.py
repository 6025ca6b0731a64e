"""The demo reads as a network that works, whatever day it is seeded: most open work orders have their visit
today or in the coming days and only a few are late; most visits arrive on time (the manager's dashboard
shows a believable on-site compliance); every call went to a centre whose agreement covers the customer's
district and the product's category."""

import datetime as dt

import pytest
from django.db.models import F, Q
from django.utils import timezone

from care.choices import Stage, StopReason
from care.dashboard import sla_compliance
from care.models import Deadline
from conftest import demo_seeded_once
from network.models import ServiceCenter
from repairs.models import WorkOrder

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module", autouse=True)
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    with demo_seeded_once(django_db_blocker, tmp_path_factory.mktemp("media")):
        yield


def test_most_open_work_orders_are_due_today_or_later_and_a_few_are_late():
    now = timezone.now()
    today = timezone.localdate(now)
    open_orders = WorkOrder.objects.open()
    total = open_orders.count()
    overdue = WorkOrder.objects.overdue(now).count()
    upcoming = open_orders.filter(appointment_start__date__gte=today).count()
    assert total >= 30
    assert 0 < overdue <= total * 0.3, (overdue, total)
    assert upcoming > total / 2, (upcoming, total)
    # The late ones are recent: work stuck for weeks would have been chased and finished long ago.
    assert not WorkOrder.objects.overdue(now).filter(appointment_end__lt=now - dt.timedelta(days=21)).exists()


def test_most_visits_arrive_on_time_and_a_few_late():
    now = timezone.now()
    visits = Deadline.objects.filter(
        stage=Stage.ON_SITE, due_at__gt=now - dt.timedelta(days=30), due_at__lte=now
    ).filter(Q(stop_reason=StopReason.MET) | Q(breached_at__isnull=False))
    on_time = visits.filter(stop_reason=StopReason.MET, stopped_at__lte=F("due_at")).count()
    settled = visits.count()
    assert settled >= 40
    assert 0.8 <= on_time / settled <= 0.97, (on_time, settled)
    # The dashboard's figure for the last two weeks says the same.
    stage = next(s for s in sla_compliance(now=now)["stages"] if s["stage"] == Stage.ON_SITE)
    weeks = stage["this"].settled + stage["last"].settled
    assert weeks >= 5
    assert (stage["this"].on_time + stage["last"].on_time) / weeks >= 0.75, stage


def test_every_order_went_to_a_centre_whose_agreement_covers_its_district_and_category():
    orders = WorkOrder.objects.filter(center__isnull=False).values_list(
        "center_id", "call__service_region_id", "call__unit__model__category_id"
    )
    agreements = {
        center.pk: (
            {r.pk for r in center.coverage.all()},
            {c.pk for c in center.categories.all()},
        )
        for center in ServiceCenter.objects.prefetch_related("coverage", "categories")
    }
    outside = [
        (center, district, category)
        for center, district, category in orders
        if district not in agreements[center][0] or category not in agreements[center][1]
    ]
    assert orders.exists() and outside == []
    # Agreements differ: a phone repair point takes phones only.
    assert {len(categories) for _districts, categories in agreements.values()} != {4}
