"""The rules of an entry (by the service and by the database) and the split of a constructed month."""

import csv
import datetime as dt
import io
import re

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from network.choices import AdminWorkKind
from network.factories import ServiceCenterFactory, TechnicianFactory
from network.models import ADMIN_DAY_MAX_MINUTES, AdminTimeEntry
from network.services import admin_time_cancel, admin_time_record
from repairs.timesheet import time_splits

from .helpers import closed, local, record, refusal

# The messages are read in English (their Chinese is the catalogue's, checked by the i18n tests).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def test_a_technician_records_their_own_time_and_a_supervisor_a_technician_of_their_centre(people):
    mine = record(people["first"], minutes=45, note="检查昨日完工的 3 台空调")
    theirs = record(people["first"], by=people["supervisor"], kind=AdminWorkKind.TRAINING, minutes=30)

    assert (mine.recorded_by, mine.minutes, mine.note) == (
        people["first"].user,
        45,
        "检查昨日完工的 3 台空调",
    )
    assert theirs.recorded_by == people["supervisor"] and theirs.kind == "training"
    assert AdminTimeEntry.objects.filter(technician=people["first"]).count() == 2


@pytest.mark.parametrize(
    ("minutes", "message"),
    [
        (0, "between 1 and 660 minutes"),
        (-30, "between 1 and 660 minutes"),
        (661, "between 1 and 660 minutes"),
        (1440, "between 1 and 660 minutes"),
        ("1.5", "whole number of minutes"),
        ("", "whole number of minutes"),
        ("abc", "whole number of minutes"),
    ],
)
def test_minutes_outside_one_to_a_working_day_are_refused(people, minutes, message):
    errors = refusal(technician=people["first"], minutes=minutes)
    assert message in errors["minutes"][0]
    assert not AdminTimeEntry.objects.exists()


def test_a_days_administrative_time_never_adds_up_past_the_longest_working_day(people):
    day = timezone.localdate() - dt.timedelta(days=1)
    record(people["first"], day=day, minutes=600)

    errors = refusal(technician=people["first"], day=day, minutes=61)

    assert "already has 600 minutes" in errors["minutes"][0] and "at most 60 more" in errors["minutes"][0]
    record(people["first"], day=day, minutes=60)  # exactly the limit
    record(people["first"], day=day + dt.timedelta(days=1), minutes=600)  # another day is another day
    assert ADMIN_DAY_MAX_MINUTES == 660


def test_a_cancelled_entry_no_longer_counts_towards_the_days_limit(people):
    entry = record(people["first"], minutes=600)
    admin_time_cancel(entry=entry, reason="录错了，应为 6 分钟", acting_user=people["first"].user)

    assert record(people["first"], minutes=600).minutes == 600


def test_a_date_to_come_or_more_than_a_year_back_is_refused(people):
    today = timezone.localdate()
    assert (
        "cannot be in the future"
        in refusal(technician=people["first"], day=today + dt.timedelta(days=1))["work_date"][0]
    )
    assert (
        "past year only"
        in refusal(technician=people["first"], day=today - dt.timedelta(days=367))["work_date"][0]
    )
    with pytest.raises(ValidationError) as info:
        admin_time_record(
            technician=people["first"],
            work_date=None,
            kind="parts",
            minutes=30,
            acting_user=people["supervisor"],
        )
    assert "YYYY-MM-DD" in info.value.message_dict["work_date"][0]


def test_an_inactive_technician_and_another_centres_technician_are_refused(people):
    inactive = refusal(technician=people["retired"], by=people["supervisor"])
    assert "no longer an active technician" in inactive["technician"][0]

    foreign = refusal(technician=people["outsider"], by=people["supervisor"])
    assert "your own centre" in foreign["technician"][0]
    colleague = refusal(technician=people["outsider"], by=people["first"].user)
    assert "your own centre" in colleague["technician"][0]
    manager = refusal(technician=people["first"], by=people["manager"])
    assert "your own centre" in manager["technician"][0]
    assert not AdminTimeEntry.objects.exists()


def test_every_problem_is_reported_at_once(people):
    with pytest.raises(ValidationError) as info:
        admin_time_record(
            technician=None,
            work_date=None,
            kind="nap",
            minutes=0,
            note="x" * 201,
            acting_user=people["supervisor"],
        )
    assert set(info.value.message_dict) == {"technician", "work_date", "kind", "minutes", "note"}


def test_an_entry_is_never_edited_or_deleted_only_cancelled_once_with_who_when_and_why(people):
    entry = record(people["first"], minutes=45)

    for change in ({"minutes": 30}, {"note": "改"}, {"work_date": entry.work_date - dt.timedelta(days=1)}):
        with pytest.raises(IntegrityError, match="cannot change"), transaction.atomic():
            AdminTimeEntry.objects.filter(pk=entry.pk).update(**change)
    with pytest.raises(IntegrityError, match="cannot be deleted"), transaction.atomic():
        AdminTimeEntry.objects.filter(pk=entry.pk).delete()
    # A cancellation must say who, when and why.
    with pytest.raises(IntegrityError, match="admin_time_cancellation_complete"), transaction.atomic():
        AdminTimeEntry.objects.filter(pk=entry.pk).update(cancelled_at=timezone.now())

    cancelled = admin_time_cancel(entry=entry, reason="重复录入", acting_user=people["supervisor"])

    entry.refresh_from_db()
    assert (entry.cancelled_by, entry.cancel_reason, entry.minutes) == (people["supervisor"], "重复录入", 45)
    assert cancelled.cancelled_at is not None
    with pytest.raises(ValidationError, match="already cancelled"):
        admin_time_cancel(entry=entry, reason="再撤一次", acting_user=people["supervisor"])
    with pytest.raises(IntegrityError, match="cannot change"), transaction.atomic():
        AdminTimeEntry.objects.filter(pk=entry.pk).update(
            cancelled_at=None, cancelled_by=None, cancel_reason=""
        )


def test_the_database_refuses_minutes_outside_the_range_whatever_code_writes(people):
    for minutes in (0, ADMIN_DAY_MAX_MINUTES + 1):
        with pytest.raises(IntegrityError, match="admin_time_minutes_range"), transaction.atomic():
            AdminTimeEntry.objects.create(
                technician=people["first"],
                work_date=timezone.localdate(),
                kind="parts",
                minutes=minutes,
                recorded_by=people["supervisor"],
                recorded_at=timezone.now(),
            )


def test_a_cancellation_needs_a_reason_and_a_technician_cancels_only_what_they_recorded(people):
    by_supervisor = record(people["first"], by=people["supervisor"])
    own = record(people["first"])

    with pytest.raises(ValidationError) as info:
        admin_time_cancel(entry=own, reason="  ", acting_user=people["first"].user)
    assert "Say why" in info.value.messages[0]
    with pytest.raises(ValidationError, match="may cancel"):
        admin_time_cancel(entry=by_supervisor, reason="不对", acting_user=people["first"].user)
    with pytest.raises(ValidationError, match="may cancel"):
        admin_time_cancel(entry=own, reason="不对", acting_user=people["other_supervisor"])
    assert not AdminTimeEntry.objects.filter(cancelled_at__isnull=False).exists()

    admin_time_cancel(entry=own, reason="录错日期", acting_user=people["first"].user)
    admin_time_cancel(entry=by_supervisor, reason="主任代录有误", acting_user=people["supervisor"])
    assert AdminTimeEntry.objects.filter(cancelled_at__isnull=False).count() == 2


def test_the_split_of_a_month_takes_closing_labour_by_the_calls_type_and_the_entries_as_d(
    people, month_of_work
):
    (split,) = time_splits(technicians=[people["first"]], month=month_of_work)

    assert split.minutes == {"A": 90, "B": 45, "C": 120, "D": 15 + 90 + 30}
    assert split.orders == {"A": 2, "B": 1, "C": 1, "D": 1}
    assert split.entries == 2
    assert split.total == 390
    assert [split.share(t) for t in "ABCD"] == [23, 12, 31, 35]
    assert split.total_hours == "6:30"


def test_the_monthly_report_shows_each_technician_of_the_supervisors_centre_only(
    client, people, month_of_work
):
    client.force_login(people["supervisor"])
    url = f"{reverse('office:technician_time')}?month={month_of_work:%Y-%m}"

    html = client.get(url).content.decode()

    row = re.search(r'<tr data-technician="T-A">.*?</tr>', html, re.S).group(0)
    for service_type, minutes, hours in (
        ("A", 90, "1:30"),
        ("B", 45, "0:45"),
        ("C", 120, "2:00"),
        ("D", 135, "2:15"),
    ):
        assert f'data-type="{service_type}" data-minutes="{minutes}">{hours}' in row
    assert 'data-total="390"' in row
    assert "T-C" not in html and "丙师傅" not in html
    assert "T-B" not in html  # inactive, and no time that month
    assert "closing record" in html  # the help text says what the time is


def test_the_report_takes_a_fixed_number_of_queries_however_many_technicians(
    client, people, month_of_work, django_assert_max_num_queries
):
    client.force_login(people["manager"])
    url = f"{reverse('office:technician_time')}?month={month_of_work:%Y-%m}"
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200

    for n in range(4):
        centre = ServiceCenterFactory(code=f"SC-X{n}")
        for k in range(3):
            technician = TechnicianFactory(center=centre, employee_no=f"T-X{n}{k}")
            closed(technician, "ABC"[k], 30 + k, local(month_of_work + dt.timedelta(days=k), 10))
            record(technician, day=month_of_work + dt.timedelta(days=k), minutes=20)

    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get(url).content.decode()
    assert html.count('<tr data-technician="') == 2 + 12


def test_the_report_as_csv_one_row_per_technician_in_minutes(client, people, month_of_work):
    client.force_login(people["manager"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = client.get(reverse("office:technician_time_csv"), {"month": f"{month_of_work:%Y-%m}"})

    assert response["Content-Type"].startswith("text/csv")
    assert f"technicians-time-{month_of_work:%Y-%m}.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:6] == [
        "Month",
        "Centre code",
        "Service centre",
        "Employee number",
        "Technician",
        "A (minutes)",
    ]
    by_no = {r[3]: r for r in rows[1:]}
    assert by_no["T-A"][5:10] == ["90", "45", "120", "135", "390"]
    assert by_no["T-C"][5:10] == ["0", "0", "200", "70", "270"]  # the manager sees every centre
    assert by_no["T-A"][-1] == "2"  # D entries that count


def test_the_supervisors_board_shows_this_months_split(client, people):
    closed(people["first"], "C", 75, timezone.now())
    record(people["first"], minutes=40)
    client.force_login(people["supervisor"])

    html = client.get(reverse("office:my_center")).content.decode()

    row = re.search(r'<tr data-technician="T-A">.*?</tr>', html, re.S).group(0)
    assert 'data-type="C" data-minutes="75">1:15' in row
    assert 'data-type="D" data-minutes="40">0:40' in row
    assert reverse("office:technician_time_detail", args=[people["first"].pk]) in row


@pytest.mark.parametrize("value", ["2026-13", "abc", "9999-12", "１２", "2026-1-1", "-1"])
def test_a_hostile_month_answers_the_current_month_with_a_message(client, people, value):
    client.force_login(people["supervisor"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    current = f"{timezone.localdate():%Y-%m}"

    for name, args in (
        ("office:technician_time", []),
        ("office:technician_time_detail", [people["first"].pk]),
    ):
        response = client.get(reverse(name, args=args), {"month": value})
        assert response.status_code == 200
        assert f'value="{current}"' in response.content.decode()
    assert client.get(reverse("office:technician_time_csv"), {"month": value}).status_code == 200


def test_a_month_to_come_answers_this_month(client, people):
    client.force_login(people["supervisor"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    coming = (timezone.localdate().replace(day=1) + dt.timedelta(days=32)).replace(day=1)

    response = client.get(reverse("office:technician_time"), {"month": f"{coming:%Y-%m}"}, follow=True)

    assert "has not begun" in response.content.decode()
