"""Who sees whose time, and the forms as a browser sends them."""

import datetime as dt

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from network.models import AdminTimeEntry

from .helpers import _form_fields, record

# The messages are read in English (their Chinese is the catalogue's, checked by the i18n tests).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


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
