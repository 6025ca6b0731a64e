"""The technicians' time of a month read from the days counted at night plus the closings of the days not
counted yet (today, a day the job has not reached): the same split as counting every closing on the request."""

import datetime as dt

import pytest
from django.utils import timezone

from repairs.models import TechnicianDayTime, TechnicianTimeDay, WorkOrderClosing
from repairs.timesheet import time_rollup, time_rollup_recent, time_splits

from .helpers import closed, local

pytestmark = pytest.mark.django_db


def figures(people, month):
    return [
        (split.minutes, split.orders, split.entries)
        for split in time_splits(technicians=[people["first"], people["outsider"]], month=month)
    ]


def count_last_month(month):
    following = (month + dt.timedelta(days=32)).replace(day=1)
    return time_rollup_recent(today=following, since=month)


def test_a_month_counted_at_night_splits_as_the_closings_do(people, month_of_work):
    on_the_request = figures(people, month_of_work)
    days = count_last_month(month_of_work)

    assert days == len({d.day for d in TechnicianTimeDay.objects.all()}) >= 28
    assert TechnicianDayTime.objects.filter(technician=people["first"]).count() == 5  # A on 2 days, B, C, D
    assert figures(people, month_of_work) == on_the_request
    assert on_the_request[0][0] == {"A": 90, "B": 45, "C": 120, "D": 135}


def test_a_corrected_closing_is_taken_in_by_the_next_nights_count(people, month_of_work):
    count_last_month(month_of_work)
    closing = WorkOrderClosing.objects.get(work_order__technician=people["first"], labour_minutes=120)
    closing.labour_minutes = 150
    closing.save(update_fields=["labour_minutes"])

    assert figures(people, month_of_work)[0][0]["C"] == 120  # the counted day, until the next night
    count_last_month(month_of_work)
    assert figures(people, month_of_work)[0][0]["C"] == 150


def test_a_day_the_job_did_not_reach_is_read_from_the_closings(people, month_of_work):
    on_the_request = figures(people, month_of_work)
    count_last_month(month_of_work)
    TechnicianTimeDay.objects.filter(day=month_of_work + dt.timedelta(days=3)).delete()  # the B order's day

    assert figures(people, month_of_work) == on_the_request


def test_counting_a_day_again_replaces_its_rows(people, month_of_work):
    def kept():
        fields = ("technician", "day", "service_type", "minutes", "orders")
        return list(TechnicianDayTime.objects.order_by(*fields[:3]).values_list(*fields))

    count_last_month(month_of_work)
    once = kept()
    count_last_month(month_of_work)

    assert kept() == once and len(once) == 6


def test_todays_work_counts_at_once_and_today_is_never_counted_at_night(people):
    today = timezone.localdate()
    time_rollup_recent()  # the days of this month before today
    closed(people["first"], "C", 40, timezone.now())
    closed(people["first"], "A", 25, local(today, 0, 5))

    (split,) = time_splits(technicians=[people["first"]], month=today)
    assert (split.minutes["C"], split.minutes["A"]) == (40, 25)
    with pytest.raises(ValueError):
        time_rollup(today)
    assert not TechnicianTimeDay.objects.filter(day__gte=today).exists()
