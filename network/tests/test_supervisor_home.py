"""The centre supervisor's home page on the real PostgreSQL: each technician's load, today's visits, the open
orders past their appointment and the callbacks due — for the supervisor's own centres only, in a fixed
number of queries — and ages in days and hours, never months and weeks."""

import datetime as dt
import re

import pytest
from django.conf import settings
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from aftersales.templatetags.durations import days_hours
from care.choices import CallbackReason, CallbackStatus
from care.models import Callback
from network.factories import ServiceCenterFactory, TechnicianFactory, UserFactory
from repairs.choices import WorkOrderStatus as S
from repairs.factories import WorkOrderFactory

pytestmark = pytest.mark.django_db


def local_today(hour, minute=0):
    return timezone.localtime().replace(hour=hour, minute=minute, second=0, microsecond=0)


def order(technician, *, center=None, status=S.ACCEPTED, start=None, hours=2, **kwargs):
    start = start or local_today(23, 0)
    return WorkOrderFactory(
        center=center or technician.center,
        technician=technician,
        status=status,
        appointment_start=start,
        appointment_end=start + dt.timedelta(hours=hours),
        **kwargs,
    )


def callback(work_order, *, due_at, status=CallbackStatus.PENDING):
    return Callback.objects.create(
        call=work_order.call,
        work_order=work_order,
        center=work_order.center,
        technician=work_order.technician,
        reason=CallbackReason.WORK_ORDER_CLOSED,
        status=status,
        due_at=due_at,
    )


@pytest.fixture
def centre(users):
    """Centre A: technicians 甲 (two visits today, one of them done; a job three days and four hours late)
    and 乙 (nothing today); an open order nobody was given; callbacks due and not yet due. Centre B next door
    has its own late job and callback."""
    now = timezone.now()
    center = users["center"]
    first = users["technician"].technician
    second = TechnicianFactory(center=center, name="乙师傅", employee_no="T-B")
    first.name, first.employee_no = "甲师傅", "T-A"
    first.save(update_fields=["name", "employee_no"])
    visit = order(first, start=max(local_today(0, 5), now - dt.timedelta(hours=1)), hours=4)
    done = order(first, status=S.COMPLETED, start=local_today(0, 10), hours=1)
    late = order(first, status=S.IN_REPAIR, start=now - dt.timedelta(days=3, hours=6), hours=2)
    tomorrow = order(second, start=local_today(9) + dt.timedelta(days=1))
    WorkOrderFactory(center=center, status=S.DISPATCHED, technician=None)  # nobody's yet
    WorkOrderFactory(
        center=center, technician=first, status=S.CANCELLED, appointment_start=local_today(0, 20)
    )
    overdue_callback = callback(done, due_at=now - dt.timedelta(hours=5))
    later_today = callback(late, due_at=min(now + dt.timedelta(minutes=30), local_today(23, 59)))
    next_week = callback(tomorrow, due_at=now + dt.timedelta(days=7))
    callback(visit, due_at=now - dt.timedelta(hours=1), status=CallbackStatus.DONE)

    other = ServiceCenterFactory(code="SC-B", name="乙网点")
    other_supervisor = UserFactory(username="sup_b", roles=["supervisor"])
    other.supervisors.add(other_supervisor)
    outsider = TechnicianFactory(center=other, name="丙师傅", employee_no="T-C")
    theirs = order(outsider, status=S.IN_REPAIR, start=now - dt.timedelta(days=1))
    their_callback = callback(theirs, due_at=now - dt.timedelta(hours=2))
    return {
        "first": first,
        "second": second,
        "visit": visit,
        "done": done,
        "late": late,
        "tomorrow": tomorrow,
        "overdue_callback": overdue_callback,
        "later_today": later_today,
        "next_week": next_week,
        "theirs": theirs,
        "their_callback": their_callback,
        "other_supervisor": other_supervisor,
    }


def _section(html, name):
    return re.search(rf'<table class="list" data-list="{name}">.*?</table>', html, re.S).group(0)


def _row(html, employee_no):
    return re.search(rf'<tr data-technician="{employee_no}">.*?</tr>', html, re.S).group(0)


def test_the_supervisor_sees_each_technicians_load_and_todays_work(client, users, centre):
    client.force_login(users["supervisor"])

    html = client.get(reverse("office:my_center")).content.decode()

    first, second = _row(html, "T-A"), _row(html, "T-B")
    # 甲: the visit, the late job (the completed one is not open); today: the visit and the completed one.
    assert 'data-open="2"' in first and 'data-today="2"' in first
    assert 'data-open="1"' in second and 'data-today="0"' in second
    visits = _section(html, "visits")
    assert centre["visit"].number in visits and centre["done"].number in visits
    assert centre["tomorrow"].number not in visits and centre["late"].number not in visits
    by_time = sorted((centre["visit"], centre["done"]), key=lambda o: o.appointment_start)
    assert visits.index(by_time[0].number) < visits.index(by_time[1].number)
    assert re.search(r'<div class="stat warn"><span class="n">1</span>', html)  # the order nobody has


def test_overdue_open_orders_link_to_their_page_with_the_age_in_days_and_hours(client, users, centre):
    client.force_login(users["supervisor"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    html = client.get(reverse("office:my_center")).content.decode()

    overdue = _section(html, "overdue")
    late = centre["late"]
    assert f'href="{reverse("repairs:call_detail", args=[late.call_id])}#wo-{late.pk}"' in overdue
    assert "3 days 4 hours" in overdue  # the appointment ended three days and four hours ago
    assert centre["visit"].number not in overdue and centre["theirs"].number not in overdue
    assert not re.search(r"\b(weeks?|months?)\b", overdue)


def test_callbacks_due_by_tonight_for_the_centres_orders(client, users, centre):
    client.force_login(users["supervisor"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    html = client.get(reverse("office:my_center")).content.decode()

    callbacks = _section(html, "callbacks")
    assert reverse("care:callback_detail", args=[centre["overdue_callback"].pk]) in callbacks
    assert reverse("care:callback_detail", args=[centre["later_today"].pk]) in callbacks
    assert reverse("care:callback_detail", args=[centre["next_week"].pk]) not in callbacks
    assert reverse("care:callback_detail", args=[centre["their_callback"].pk]) not in callbacks
    assert centre["done"].number in callbacks
    assert "5 hours late" in callbacks


def test_another_centres_supervisor_sees_none_of_it_and_a_technician_is_refused(client, users, centre):
    client.force_login(centre["other_supervisor"])
    html = client.get(reverse("office:my_center")).content.decode()
    assert centre["theirs"].number in html
    for mine in ("visit", "done", "late"):
        assert centre[mine].number not in html
    assert "T-A" not in html and "T-C" in html

    client.force_login(users["technician"])
    assert client.get(reverse("office:my_center")).status_code == 403
    client.force_login(users["nobody"])
    assert client.get(reverse("office:my_center")).status_code == 403


def test_a_fixed_number_of_queries_however_many_orders(client, users, centre, django_assert_max_num_queries):
    client.force_login(users["supervisor"])
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("office:my_center")).status_code == 200

    # Many more orders, visits, late jobs and callbacks, a second centre of the same supervisor's, more
    # technicians.
    now = timezone.now()
    second_centre = ServiceCenterFactory(code="SC-C", name="丙网点")
    second_centre.supervisors.add(users["supervisor"])
    for center in (users["center"], second_centre):
        for n in range(3):
            technician = TechnicianFactory(center=center, employee_no=f"T-{center.code}-{n}")
            for k in range(4):
                order(technician, start=max(local_today(0, 5), now - dt.timedelta(minutes=k)))
                late = order(technician, status=S.IN_REPAIR, start=now - dt.timedelta(days=k + 1))
                callback(late, due_at=now - dt.timedelta(hours=k + 1))

    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get(reverse("office:my_center")).content.decode()
    assert html.count('data-technician="') == 2 + 6
    assert "丙网点" in html


def test_every_list_is_cut_at_its_size_and_says_how_many_there_are(client, users, centre, monkeypatch):
    from office import views

    monkeypatch.setattr(views, "SUPERVISOR_LIST", 1)
    client.force_login(users["supervisor"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(reverse("office:my_center")).content.decode()
    assert _section(html, "visits").count("<tr>") == 1 + 1  # the heading's row and one
    assert "(the first 1 of 2)" in html


# Ages in days and hours ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("span", "english"),
    [
        (dt.timedelta(days=3, hours=4, minutes=59), "3 days 4 hours"),
        (dt.timedelta(days=65, hours=3), "65 days 3 hours"),  # timesince said "2 months, 5 days"
        (dt.timedelta(days=21), "21 days"),  # timesince said "3 weeks"
        (dt.timedelta(days=1, hours=1), "1 day 1 hour"),
        (dt.timedelta(hours=5, minutes=10), "5 hours"),
        (dt.timedelta(minutes=20), "20 minutes"),
        (-dt.timedelta(hours=5), "5 hours"),
    ],
)
def test_an_age_reads_in_days_and_hours(span, english):
    now = timezone.now()
    with translation.override("en"):
        assert days_hours(now - span, now) == english
        assert days_hours(span) == english
    with translation.override("zh-hans"):
        chinese = days_hours(now - span, now)
        assert not re.search(r"[月周年]", chinese)
        assert re.findall(r"\d+", chinese) == re.findall(r"\d+", english)


def test_the_filter_in_a_template_and_on_odd_values():
    now = timezone.now()
    template = Template(
        "{% load durations %}{{ then|days_hours:now }}|{{ nothing|days_hours }}|{{ text|days_hours }}"
    )
    with translation.override("en"):
        out = template.render(Context({"then": now - dt.timedelta(hours=30), "now": now, "text": "abc"}))
    assert out == "1 day 6 hours||"
    naive = dt.datetime(2026, 1, 1)
    assert days_hours(naive, now) == ""


def test_the_breaches_page_gives_how_late_in_days_and_hours(client, users, centre):
    from care.choices import Stage
    from care.models import Deadline, SlaPolicy

    now = timezone.now()
    due = now - dt.timedelta(days=23, hours=4, minutes=10)  # timesince: "3 weeks, 2 days"
    Deadline.objects.create(
        stage=Stage.COMPLETION,
        work_order=centre["late"],
        policy=SlaPolicy.objects.first(),
        center=centre["late"].center,
        technician=centre["late"].technician,
        started_at=due - dt.timedelta(days=2),
        due_at=due,
        warn_at=due - dt.timedelta(hours=4),
        breached_at=due,
    )
    client.force_login(users["supervisor"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    html = client.get(reverse("care:breaches")).content.decode()

    assert centre["late"].number in html
    [age] = re.findall(r"<td class=\"error\" data-age>(.*?)</td>", html)
    assert age == "23 days 4 hours"
