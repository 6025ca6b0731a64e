"""Administrative work (D) as time entries, on the real PostgreSQL: the rules of an entry (by the service and
by the database, which keeps entries append-only), who records and who sees (404 outside one's centre), and
each technician's month split into A paid, B contract, C free and D administrative work on the supervisor's
board, the monthly report and its CSV."""

import csv
import datetime as dt
import io
import re
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from network.choices import AdminWorkKind
from network.factories import ServiceCenterFactory, TechnicianFactory, UserFactory
from network.models import ADMIN_DAY_MAX_MINUTES, AdminTimeEntry
from network.services import admin_time_cancel, admin_time_record
from repairs.choices import WorkOrderStatus
from repairs.factories import WorkOrderFactory
from repairs.timesheet import time_splits

# The messages are read in English (their Chinese is the catalogue's, checked by the i18n tests).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def last_month() -> dt.date:
    return (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)


@pytest.fixture
def people(users):
    """Centre A: its supervisor and technician 甲 (plus 乙, inactive); centre B next door with its own
    supervisor and technician 丙."""
    center = users["center"]
    first = users["technician"].technician
    first.name, first.employee_no = "甲师傅", "T-A"
    first.save(update_fields=["name", "employee_no"])
    retired = TechnicianFactory(center=center, name="乙师傅", employee_no="T-B", active=False)
    other = ServiceCenterFactory(code="SC-B", name="乙网点")
    other_supervisor = UserFactory(username="sup_b", roles=["supervisor"])
    other.supervisors.add(other_supervisor)
    outsider = TechnicianFactory(center=other, name="丙师傅", employee_no="T-C")
    return {
        "center": center,
        "first": first,
        "retired": retired,
        "supervisor": users["supervisor"],
        "manager": users["manager"],
        "other": other,
        "other_supervisor": other_supervisor,
        "outsider": outsider,
    }


def record(technician, *, by=None, day=None, kind=AdminWorkKind.PARTS, minutes=60, note=""):
    return admin_time_record(
        technician=technician,
        work_date=day or timezone.localdate(),
        kind=kind,
        minutes=minutes,
        note=note,
        acting_user=by or technician.user,
    )


def refusal(**kwargs) -> dict:
    with pytest.raises(ValidationError) as info:
        record(**kwargs)
    return info.value.message_dict


# The rules of an entry -----------------------------------------------------------------------------------


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


# The split of a constructed month ------------------------------------------------------------------------


def closed(technician, service_type, minutes, at):
    return WorkOrderFactory(
        center=technician.center,
        technician=technician,
        status=WorkOrderStatus.COMPLETED,
        completed_at=at,
        call__service_type=service_type,
        closing__labour_minutes=minutes,
    )


@pytest.fixture
def month_of_work(people):
    """Last month, 甲: paid work 60 + 30 minutes (one closed at 23:30 on the last evening), contract 45, free
    120, an order of a call typed D 15; administrative time 90 + 30 and one of 50 cancelled. Around it: an
    order closed at 00:10 on the first of this month, one the month before, a cancelled order, an entry of
    this month, and 丙's work in the other centre."""
    month = last_month()
    following = (month + dt.timedelta(days=32)).replace(day=1)
    first, outsider = people["first"], people["outsider"]
    closed(first, "A", 60, local(month, 10))
    closed(first, "A", 30, local(following - dt.timedelta(days=1), 23, 30))
    closed(first, "B", 45, local(month + dt.timedelta(days=3), 14))
    closed(first, "C", 120, local(month + dt.timedelta(days=9), 9))
    closed(first, "D", 15, local(month + dt.timedelta(days=9), 16))
    closed(first, "C", 500, local(following, 0, 10))  # this month's
    closed(first, "A", 500, local(month - dt.timedelta(days=1), 18))  # the month before
    WorkOrderFactory(center=first.center, technician=first, status=WorkOrderStatus.CANCELLED)
    closed(outsider, "C", 200, local(month + dt.timedelta(days=2), 11))
    record(first, day=month + dt.timedelta(days=4), minutes=90, kind=AdminWorkKind.WORK_CHECK)
    record(first, day=following - dt.timedelta(days=1), minutes=30, kind=AdminWorkKind.EQUIPMENT)
    wrong = record(first, day=month + dt.timedelta(days=5), minutes=50)
    admin_time_cancel(entry=wrong, reason="重复", acting_user=people["supervisor"])
    record(first, day=timezone.localdate(), minutes=20)  # this month's
    record(outsider, day=month + dt.timedelta(days=4), minutes=70)
    return month


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


# Scopes --------------------------------------------------------------------------------------------------


def test_another_centres_technician_and_entries_answer_404(client, people):
    theirs = record(people["outsider"])
    mine = record(people["first"])
    client.force_login(people["supervisor"])

    assert (
        client.get(reverse("office:technician_time_detail", args=[people["outsider"].pk])).status_code == 404
    )
    response = client.post(reverse("office:admin_time_cancel", args=[theirs.pk]), {"reason": "试试"})
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.cancelled_at is None
    assert client.get(reverse("office:technician_time_detail", args=[people["first"].pk])).status_code == 200

    # A technician cannot reach a colleague's entry either.
    client.force_login(people["outsider"].user)
    assert (
        client.post(reverse("office:admin_time_cancel", args=[mine.pk]), {"reason": "x"}).status_code == 404
    )
    mine.refresh_from_db()
    assert mine.cancelled_at is None


def test_a_manager_sees_every_centre_and_records_nothing(client, people):
    record(people["outsider"], minutes=25)
    client.force_login(people["manager"])

    html = client.get(reverse("office:technician_time")).content.decode()
    assert "T-A" in html and "T-C" in html
    assert (
        client.get(reverse("office:technician_time_detail", args=[people["outsider"].pk])).status_code == 200
    )
    assert client.get(reverse("office:admin_time_new")).status_code == 403


def test_technicians_dispatchers_and_users_without_a_role_do_not_see_the_report(client, users, people):
    for who in ("technician", "dispatcher", "nobody"):
        client.force_login(users[who])
        assert client.get(reverse("office:technician_time")).status_code == 403
        assert client.get(reverse("office:technician_time_csv")).status_code == 403
        assert client.get(reverse("office:admin_time_new")).status_code == 403
    client.force_login(users["supervisor"])
    assert client.get(reverse("repairs:tablet_admin_time")).status_code == 403


# The forms as a browser sends them -----------------------------------------------------------------------


class _Form(HTMLParser):
    """The fields of the form carrying the attribute `marker`, as a browser sends them untouched: an input's
    value, a ticked radio only, a select's chosen (else first) option, a text area's text."""

    def __init__(self, marker):
        super().__init__()
        self.marker, self.fields, self._inside, self._select, self._textarea = marker, {}, False, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._inside = self.marker in attrs
        if not self._inside:
            return
        name = attrs.get("name")
        if tag == "input" and name and name != "csrfmiddlewaretoken":
            if attrs.get("type") not in ("radio", "checkbox") or "checked" in attrs:
                self.fields[name] = attrs.get("value", "")
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select and (self._select not in self.fields or "selected" in attrs):
            self.fields[self._select] = attrs.get("value", "")
        elif tag == "textarea":
            self._textarea = name
            self.fields[name] = ""

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def _form_fields(html: str, marker: str) -> dict:
    form = _Form(marker)
    form.feed(html)
    return form.fields


def test_the_supervisors_form_untouched_then_each_field(client, people):
    client.force_login(people["supervisor"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    url = reverse("office:admin_time_new")
    html = client.get(url).content.decode()
    untouched = _form_fields(html, "data-admin-time-form")
    assert set(untouched) == {"technician", "work_date", "kind", "minutes", "note"}
    assert f'<option value="{people["first"].pk}"' in html
    assert f'value="{people["outsider"].pk}"' not in html and f'value="{people["retired"].pk}"' not in html

    response = client.post(url, untouched)
    assert response.status_code == 400
    page = response.content.decode()
    for message in ("Choose the technician", "Choose what kind", "whole number of minutes"):
        assert message in page
    assert not AdminTimeEntry.objects.exists()

    good = {
        **untouched,
        "technician": str(people["first"].pk),
        "kind": "parts",
        "minutes": "50",
        "note": "盘点",
    }
    today = timezone.localdate()
    bad = [
        ("technician", str(people["outsider"].pk), "your own centre"),
        ("technician", str(people["retired"].pk), "no longer an active technician"),
        ("technician", "abc", "Choose the technician"),
        ("work_date", f"{today + dt.timedelta(days=1):%Y-%m-%d}", "cannot be in the future"),
        ("work_date", "2026-02-30", "YYYY-MM-DD"),
        ("work_date", "9999-12-31", "YYYY-MM-DD"),
        ("kind", "nap", "Choose what kind"),
        ("minutes", "0", "between 1 and 660"),
        ("minutes", "-5", "between 1 and 660"),
        ("minutes", "1441", "between 1 and 660"),
        ("minutes", "1e9", "whole number of minutes"),
        ("note", "长" * 201, "at most 200 characters"),
    ]
    for field, value, message in bad:
        response = client.post(url, {**good, field: value})
        assert response.status_code == 400, (field, value)
        assert message in response.content.decode(), (field, value)
    assert not AdminTimeEntry.objects.exists()

    response = client.post(url, good)
    entry = AdminTimeEntry.objects.get()
    assert response.status_code == 302
    assert response["Location"].startswith(
        reverse("office:technician_time_detail", args=[people["first"].pk])
    )
    assert (entry.minutes, entry.kind, entry.note, entry.recorded_by) == (
        50,
        "parts",
        "盘点",
        people["supervisor"],
    )


def test_the_technicians_tablet_page_is_reached_from_the_tablet_home_and_records_for_themself(client, people):
    technician = people["first"]
    client.force_login(technician.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    home = client.get(reverse("repairs:my_orders")).content.decode()
    url = reverse("repairs:tablet_admin_time")
    assert f'href="{url}"' in home

    html = client.get(url).content.decode()
    untouched = _form_fields(html, "data-admin-time-form")
    assert set(untouched) == {"work_date", "minutes", "note"}  # the kind is a choice of chips, none ticked
    assert 'class="chip"' in html and 'min="1" max="660"' in html

    response = client.post(url, untouched)
    assert response.status_code == 400
    assert "Choose what kind" in response.content.decode() and "whole number" in response.content.decode()

    good = {**untouched, "kind": "equipment", "minutes": "35"}
    for field, value, message in [
        ("work_date", f"{timezone.localdate() + dt.timedelta(days=2):%Y-%m-%d}", "cannot be in the future"),
        ("work_date", "", "YYYY-MM-DD"),
        ("kind", "work_order", "Choose what kind"),
        ("minutes", "700", "between 1 and 660"),
        ("minutes", "²", "whole number"),
        ("note", "x" * 300, "at most 200"),
    ]:
        response = client.post(url, {**good, field: value})
        assert response.status_code == 400 and message in response.content.decode(), (field, value)
    # A technician's form records for them whatever technician is posted.
    response = client.post(url, {**good, "technician": str(people["outsider"].pk)})
    assert response.status_code == 302
    entry = AdminTimeEntry.objects.get()
    assert (entry.technician, entry.recorded_by, entry.minutes) == (technician, technician.user, 35)

    page = client.get(url).content.decode()
    assert f'data-entry="{entry.pk}"' in page and "Cancel this entry" in page
    response = client.post(
        reverse("office:admin_time_cancel", args=[entry.pk]), {"reason": "录错", "next": url}
    )
    assert response.status_code == 302 and response["Location"] == url
    entry.refresh_from_db()
    assert entry.cancel_reason == "录错" and entry.cancelled_by == technician.user


def test_a_cancel_without_a_reason_or_to_another_site_changes_nothing_and_stays_here(client, people):
    entry = record(people["first"], by=people["supervisor"])
    client.force_login(people["supervisor"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = client.post(
        reverse("office:admin_time_cancel", args=[entry.pk]), {"reason": "", "next": "https://evil.example/"}
    )

    assert response.status_code == 302 and "evil" not in response["Location"]
    entry.refresh_from_db()
    assert entry.cancelled_at is None
    page = client.get(response["Location"]).content.decode()
    assert "Say why the entry is cancelled" in page
