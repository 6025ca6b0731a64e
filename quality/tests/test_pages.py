"""The early warning's pages: who sees them, the chart's data, acknowledging and closing, the settings."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.urls import reverse

from quality.choices import AlertStatus
from quality.models import Alert, QualitySettings
from quality.services import quality_watch

from .helpers import NOW, aircon, batch

pytestmark = pytest.mark.django_db


@pytest.fixture
def alert(db):
    """An open alert: 12 repairs on 40 units (30 %) against two batches at 4 on 40 (10 %)."""
    qs = QualitySettings.current()
    qs.min_units = 30
    qs.save()
    batch(aircon("KFR-BAD"), NOW.date().replace(month=5, day=1), units=40, repairs=12)
    batch(aircon("KFR-G1"), NOW.date().replace(month=5, day=1), units=40, repairs=4)
    batch(aircon("KFR-G2"), NOW.date().replace(month=5, day=1), units=40, repairs=4)
    quality_watch(now=NOW)
    return Alert.objects.get()


def test_the_list_shows_the_alert_first_and_the_model_months_in_bounded_queries(
    client, users, alert, django_assert_max_num_queries
):
    client.force_login(users["manager"])
    with django_assert_max_num_queries(12):
        response = client.get(reverse("quality:alerts"), {"page_size": 200})
    assert response.status_code == 200
    body = response.content.decode()
    assert body.index("KFR-BAD") < body.index("KFR-G1")
    assert "30.00%" in body and "10.00%" in body and "3.00×" in body
    assert len(response.context["rows"]) == 3


@pytest.mark.parametrize("who", ["supervisor", "dispatcher", "technician", "dealer", "nobody"])
def test_other_roles_are_refused_and_change_nothing(client, users, alert, who):
    client.force_login(users[who])
    assert client.get(reverse("quality:alerts")).status_code == 403
    assert client.get(reverse("quality:alert", args=[alert.pk])).status_code == 403
    response = client.post(reverse("quality:close", args=[alert.pk]), {"note": "关闭"})
    assert response.status_code == 403
    assert Alert.objects.get().status == AlertStatus.OPEN


def test_a_named_quality_contact_sees_and_acts(client, users, alert):
    # given a dispatcher named as the quality contact
    QualitySettings.current().contacts.set([users["dispatcher"]])
    client.force_login(users["dispatcher"])
    # then they see the alert and acknowledge it
    assert client.get(reverse("quality:alert", args=[alert.pk])).status_code == 200
    response = client.post(reverse("quality:acknowledge", args=[alert.pk]))
    assert response.status_code == 302
    alert.refresh_from_db()
    assert (alert.status, alert.acknowledged_by) == (AlertStatus.ACKNOWLEDGED, users["dispatcher"])


def test_the_alert_page_gives_the_chart_its_data(client, users, alert):
    client.force_login(users["manager"])
    response = client.get(reverse("quality:alert", args=[alert.pk]))
    body = response.content.decode()
    assert "/static/vendor/echarts/echarts.min.js" in body
    start = body.index('<script id="quality-chart-data" type="application/json">') + len(
        '<script id="quality-chart-data" type="application/json">'
    )
    chart = json.loads(body[start : body.index("</script>", start)])
    # Sold on 1 June, repaired on day 10: month 1 in service holds the repairs; on 1 December the sixth
    # month (ending that day, the start day not counted) is not over, so months 6–12 have no units yet.
    assert chart["months"] == list(range(1, 13))
    assert chart["rate"][:7] == ["30.00", "0.00", "0.00", "0.00", "0.00", None, None]
    assert chart["baseline"][:2] == ["10.00", "0.00"]
    assert chart["units"][:7] == [40, 40, 40, 40, 40, 0, 0]
    assert "E1" in body and "压缩机不启动" in body


def test_closing_needs_a_note_and_leaves_a_trail(client, users, alert):
    client.force_login(users["manager"])
    # when closed without a note
    response = client.post(reverse("quality:close", args=[alert.pk]), {"note": "  "})
    # then it is refused with the reason under the note, and stays open
    assert response.status_code == 400
    assert "关闭预警前请写明" in response.content.decode()
    assert Alert.objects.get().status == AlertStatus.OPEN
    # when acknowledged, then closed with a note
    client.post(reverse("quality:acknowledge", args=[alert.pk]))
    client.post(reverse("quality:close", args=[alert.pk]), {"note": "压缩机批次问题，已通知工厂"})
    alert.refresh_from_db()
    assert (alert.status, alert.closed_by, alert.close_note) == (
        AlertStatus.CLOSED,
        users["manager"],
        "压缩机批次问题，已通知工厂",
    )
    trail = list(alert.events.values_list("action", "actor__username"))
    assert trail == [("raised", None), ("acknowledged", "mgr"), ("closed", "mgr")]
    page = client.get(reverse("quality:alert", args=[alert.pk])).content.decode()
    assert "压缩机批次问题，已通知工厂" in page and 'id="close-form"' not in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("factor", "1.00", "倍数必须大于 1"),
        ("factor", "0.5", "倍数必须大于 1"),
        ("min_units", "0", "最少台数至少为 1"),
    ],
)
def test_settings_refuse_bad_values_in_chinese_and_save_nothing(client, users, field, value, message):
    manager = users["manager"]
    manager.is_staff = True
    manager.save()
    client.force_login(manager)
    data = {"factor": "1.50", "min_units": "200", "window_days": "90", field: value}
    response = client.post(reverse("admin:quality_qualitysettings_change", args=[1]), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    qs = QualitySettings.current()
    assert (qs.factor, qs.min_units) == (Decimal("1.50"), 200)
