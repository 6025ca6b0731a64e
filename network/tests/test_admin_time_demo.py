"""The demo's administrative time (D): the last three months of every active centre's technicians, relative to
the day it runs, within the rules, shown on the supervisor's board this month — and a second run creates
nothing."""

import random

import pytest
from django.db.models import Count, F, Max, Min, Sum
from django.urls import reverse
from django.utils import timezone

from demo.network import seed_admin_time, seed_network
from network.models import ADMIN_DAY_MAX_MINUTES, AdminTimeEntry, ServiceCenter, Technician

pytestmark = pytest.mark.django_db


def test_the_demo_records_three_months_of_administrative_time_once(client):
    now = timezone.now()
    today = timezone.localdate(now)
    seed_network(rng=random.Random(2026_1), today=today)

    made = seed_admin_time(now=now)

    assert made == AdminTimeEntry.objects.count() > 300
    assert seed_admin_time(now=now) == 0
    assert AdminTimeEntry.objects.count() == made

    span = AdminTimeEntry.objects.aggregate(first=Min("work_date"), last=Max("work_date"))
    assert span["last"] == today and (today - span["first"]).days >= 85
    months = {(d.year, d.month) for d in AdminTimeEntry.objects.values_list("work_date", flat=True)}
    assert len(months) >= 3
    active = Technician.objects.filter(active=True, center__active=True)
    assert set(AdminTimeEntry.objects.values_list("technician", flat=True)) >= set(
        active.values_list("pk", flat=True)
    )
    assert not AdminTimeEntry.objects.filter(recorded_at__gt=now).exists()
    days = AdminTimeEntry.objects.active().values("technician", "work_date").annotate(total=Sum("minutes"))
    assert max(d["total"] for d in days) <= ADMIN_DAY_MAX_MINUTES
    assert AdminTimeEntry.objects.values("kind").distinct().count() == 5
    # Mostly by the technicians themselves, now and then by their supervisor.
    by_supervisor = AdminTimeEntry.objects.exclude(recorded_by=F("technician__user")).count()
    assert 0 < by_supervisor < made / 2
    cancelled = AdminTimeEntry.objects.get(cancelled_at__isnull=False)
    assert (
        cancelled.cancel_reason
        and AdminTimeEntry.objects.active()
        .filter(technician=cancelled.technician, work_date=cancelled.work_date, minutes=60)
        .exists()
    )
    # An inactive centre's technician has nothing after its agreement ended.
    ended = ServiceCenter.objects.filter(active=False).first()
    assert not AdminTimeEntry.objects.filter(
        technician__center=ended, work_date__gt=ended.agreement_end
    ).exists()

    client.force_login(ServiceCenter.objects.order_by("code").first().supervisors.get())
    html = client.get(reverse("office:my_center")).content.decode()
    home = ServiceCenter.objects.order_by("code").first()
    this_month = AdminTimeEntry.objects.active().filter(
        technician__center=home, work_date__gte=today.replace(day=1)
    )
    assert (
        this_month.values("technician").annotate(n=Count("pk")).count()
        == home.technicians.filter(active=True).count()
    )
    for technician_id, total in this_month.values_list("technician").annotate(t=Sum("minutes")):
        number = Technician.objects.get(pk=technician_id).employee_no
        row = html[html.index(f'data-technician="{number}"') :]
        assert f'data-type="D" data-minutes="{total}"' in row[: row.index("</tr>")]
