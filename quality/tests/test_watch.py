"""The early warning's run: which model-months are alerted, with which figures, once."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command

from care.models import Notification
from care.services import notifications_email
from quality.choices import AlertStatus
from quality.models import Alert, AlertEvent, ModelMonth, QualitySettings
from quality.services import alert_close, quality_watch
from repairs.choices import CallCustomerRequest, ServiceType

from .helpers import NOW, aircon, batch, compressor, fault, repair

pytestmark = pytest.mark.django_db

MAY, JUNE = dt.date(2026, 5, 1), dt.date(2026, 5, 20)


def settings_with(min_units=30, factor="1.50", contacts=()):
    qs = QualitySettings.current()
    qs.min_units, qs.factor = min_units, Decimal(factor)
    qs.save()
    qs.contacts.set(contacts)
    return qs


@pytest.fixture
def category_of_three(db):
    """An air-conditioner category: a bad batch (12 repairs on 40 units, 30 %), two ordinary ones (4 on 40,
    10 %), and a small batch (20 units, 10 repairs) below the minimum. Plus what is not counted: the bad
    batch's repairs after the window, paid repairs, installations, and units too young."""
    bad, good, other, small = aircon("KFR-BAD"), aircon("KFR-G1"), aircon("KFR-G2"), aircon("KFR-S")
    category = bad.category
    comp = compressor(category)
    code = fault(category, "E6", "压缩机过流")
    units = batch(bad, MAY, units=40, repairs=12, fault_code=code, part=comp)
    repair(units[12:20], days=120)  # after the 90-day window
    repair(units[20:23], days=30, service_type=ServiceType.PAID)  # paid: found not covered
    repair(units[23:26], days=5, request=CallCustomerRequest.INSTALLATION)
    batch(bad, MAY, units=5, repairs=5, sold=dt.date(2026, 10, 1))  # in service for 61 days only
    batch(good, MAY, units=40, repairs=4)
    batch(other, JUNE, units=40, repairs=4)
    batch(small, MAY, units=20, repairs=10)
    return {"bad": bad, "good": good, "other": other, "small": small, "code": code, "part": comp}


def test_a_model_month_above_factor_times_baseline_raises_one_alert_with_its_figures(
    category_of_three, users
):
    # given the minimum at 30 units and the factor at 1.5
    settings_with(min_units=30, contacts=[users["manager"]])
    # when the early warning runs
    result = quality_watch(now=NOW)
    # then the bad batch alone is alerted: 12 repairs on its 40 units past the window (30 %), against the
    # other two model-months' 8 on 80 (10 %): 3 ×
    alert = Alert.objects.get()
    assert (alert.model, alert.production_month) == (category_of_three["bad"], MAY)
    assert (alert.units_counted, alert.repairs) == (40, 12)
    assert (alert.rate, alert.baseline, alert.ratio) == (Decimal("30.00"), Decimal("10.00"), Decimal("3.00"))
    assert alert.status == AlertStatus.OPEN
    assert alert.evidence["units"] == 45  # the five young units are in service, not yet counted
    assert alert.evidence["faults"] == [[category_of_three["code"].pk, 12]]
    assert alert.evidence["parts"] == [[category_of_three["part"].pk, 12]]
    assert AlertEvent.objects.get(alert=alert).action == "raised"
    assert result == {"models": 4, "alerts": 1}
    # and the quality contact is told in the bell
    note = Notification.objects.get(user=users["manager"], kind="quality")
    assert "KFR-BAD" in note.title and note.url == f"/quality/alerts/{alert.pk}/"


def test_the_contact_is_emailed_once_the_run_commits(
    category_of_three, users, django_capture_on_commit_callbacks
):
    # given a named quality contact with an address
    contact = users["dispatcher"]
    contact.email = "qa@example.com"
    contact.save()
    settings_with(contacts=[contact])
    # when the run raises the alert
    with django_capture_on_commit_callbacks() as callbacks:
        quality_watch(now=NOW)
    # then the contact, not the managers, is told, and the e-mail is queued after commit
    notes = list(Notification.objects.filter(kind="quality"))
    assert [n.user for n in notes] == [contact]
    assert len(callbacks) == 1
    assert notifications_email(ids=[notes[0].pk]) == 1
    assert mail.outbox[0].to == ["qa@example.com"] and "KFR-BAD" in mail.outbox[0].subject


def test_below_the_minimum_units_or_the_factor_nothing_is_alerted(category_of_three):
    # given a minimum above the bad batch's 40 units
    settings_with(min_units=41)
    quality_watch(now=NOW)
    assert not Alert.objects.exists()
    # given the factor above its 3 ×
    settings_with(min_units=30, factor="3.00")
    quality_watch(now=NOW)
    assert not Alert.objects.exists()
    # and the small batch (50 %) is shown, not judged
    small = ModelMonth.objects.get(model=category_of_three["small"])
    assert (small.units_counted, small.repairs, small.rate, small.exceeds) == (
        20,
        10,
        Decimal("50.00"),
        False,
    )


def test_a_second_run_refreshes_the_alert_and_never_duplicates_it(category_of_three):
    settings_with()
    quality_watch(now=NOW)
    first = Alert.objects.get()
    # when more repairs of the batch come in and the run comes again
    more = list(category_of_three["bad"].units.filter(repair_calls__isnull=True).order_by("pk")[:4])
    repair(more, days=40)
    result = quality_watch(now=NOW + dt.timedelta(days=1))
    # then the same alert carries the new figures
    alert = Alert.objects.get()
    assert alert.pk == first.pk and alert.repairs == 16 and alert.rate == Decimal("40.00")
    assert result == {"models": 4, "alerts": 1}
    assert AlertEvent.objects.filter(alert=alert).count() == 1


def test_a_closed_alert_is_not_reopened(category_of_three, users):
    settings_with()
    quality_watch(now=NOW)
    alert_close(alert=Alert.objects.get(), acting_user=users["manager"], note="批次压缩机更换供应商")
    # when the run comes again with the same figures
    result = quality_watch(now=NOW + dt.timedelta(days=1))
    # then nothing is raised again
    assert result["alerts"] == 0
    assert list(Alert.objects.values_list("status", flat=True)) == [AlertStatus.CLOSED]


def test_the_command_prints_one_json_line(category_of_three):
    settings_with()
    out = io.StringIO()
    call_command("quality_watch", stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 1
    assert json.loads(lines[0]) == {"models": 4, "alerts": 1}


def test_a_closed_model_month_alerts_again_only_at_twice_the_ratio_it_was_closed_at(category_of_three, users):
    # given the bad batch's alert closed at 3 ×
    settings_with()
    quality_watch(now=NOW)
    alert_close(alert=Alert.objects.get(), acting_user=users["manager"], note="已排查")
    units = list(category_of_three["bad"].units.order_by("pk"))
    # when six more of its units come back in their first 90 days (18 on 40: 4.5 ×)
    repair(units[26:32], days=50)
    quality_watch(now=NOW)
    # then nothing new
    assert Alert.objects.count() == 1
    # when six more come back (24 on 40: 6 ×, twice the ratio it was closed at)
    repair(units[32:38], days=50)
    quality_watch(now=NOW)
    # then a new alert is raised, the closed one kept as it was
    assert list(Alert.objects.order_by("pk").values_list("status", "ratio")) == [
        (AlertStatus.CLOSED, Decimal("3.00")),
        (AlertStatus.OPEN, Decimal("6.00")),
    ]
