"""The SLA scan: what is newly due warns the technician once, a breach escalates once per level along the
chain (technician → supervisor → regional manager) after each level's delay, met and paused deadlines are
left alone, and two scans at once or one run twice create nothing twice."""

import datetime as dt
import json
import threading
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from care.choices import EscalationLevel, Stage
from care.models import Deadline, Escalation, Notification, RegionalManager
from care.services import notifications_email, sla_scan
from network.factories import UserFactory
from repairs.choices import WorkOrderStatus as S

from .helpers import MONDAY_10, at, dispatched, make_world, move

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return make_world()


def escalations(order):
    return sorted(
        Escalation.objects.filter(deadline__work_order=order).values_list("deadline__stage", "level")
    )


def told(user):
    return list(Notification.objects.filter(user=user).order_by("pk").values_list("kind", "title"))


def test_a_deadline_in_its_warning_window_warns_the_technician_once(world):
    order = dispatched(world)  # accept due 12:00, warned from 11:30
    assert sla_scan(now=at(2026, 11, 23, 11, 20)) == {"due": 0, "breached": 0, "escalations_created": 0}
    assert sla_scan(now=at(2026, 11, 23, 11, 35)) == {"due": 1, "breached": 0, "escalations_created": 0}
    assert sla_scan(now=at(2026, 11, 23, 11, 40))["due"] == 0
    [(kind, title)] = told(world["technician"].user)
    assert kind == "warning" and order.number in title and "25" in title  # due in 25 minutes
    assert not told(world["supervisor"])


def test_a_breach_escalates_level_by_level_after_each_delay(world):
    order = dispatched(world)
    province = world["center"].region.parent.parent
    regional = UserFactory(username="regional", roles=["manager"], email="r@example.com")
    RegionalManager.objects.create(region=province, user=regional)
    # 12:01: accept is breached (due 12:00) → the technician.
    assert sla_scan(now=at(2026, 11, 23, 12, 1)) == {"due": 0, "breached": 1, "escalations_created": 1}
    assert escalations(order) == [(Stage.ACCEPT, EscalationLevel.TECHNICIAN)]
    accept = Deadline.objects.get(work_order=order, stage=Stage.ACCEPT)
    assert accept.breached_at == at(2026, 11, 23, 12, 0) and accept.next_escalation_at == at(
        2026, 11, 23, 13, 0
    )
    # 12:59: nothing more yet. 13:00: the supervisor (60 minutes after the breach).
    assert sla_scan(now=at(2026, 11, 23, 12, 59))["escalations_created"] == 0
    assert sla_scan(now=at(2026, 11, 23, 13, 0))["escalations_created"] == 1
    assert [k for k, _t in told(world["supervisor"])] == ["breach"]
    # 16:00: the regional manager (240 minutes) — not every manager, the region's. Meanwhile first contact
    # (due 15:00) and on site (due 14:15) were breached too and went to the technician.
    result = sla_scan(now=at(2026, 11, 23, 16, 0))
    assert result["breached"] == 2
    assert (Stage.ACCEPT, EscalationLevel.MANAGER) in escalations(order)
    assert len(told(regional)) == 1 and told(world["manager"]) == []
    accept.refresh_from_db()
    assert accept.escalation_level == 3 and accept.next_escalation_at is None
    # Nothing escalates past the manager, and nothing is created twice.
    before = Escalation.objects.count()
    assert sla_scan(now=at(2026, 11, 24, 16, 0))["escalations_created"] == Escalation.objects.count() - before
    assert Escalation.objects.filter(deadline=accept).count() == 3


def test_without_a_regional_manager_every_manager_is_told(world):
    dispatched(world)
    sla_scan(now=at(2026, 11, 23, 16, 0))
    assert any(kind == "breach" for kind, _t in told(world["manager"]))


def test_met_and_paused_deadlines_do_not_escalate(world):
    order = dispatched(world)
    tech = world["technician"].user
    move(order, S.ACCEPTED, tech, at(2026, 11, 23, 10, 30))
    move(order, S.EN_ROUTE, tech, at(2026, 11, 23, 13, 0))
    move(order, S.ON_SITE, tech, at(2026, 11, 23, 14, 0))
    move(order, S.IN_REPAIR, tech, at(2026, 11, 23, 14, 5))
    move(order, S.WAITING_FOR_PARTS, tech, at(2026, 11, 23, 15, 0))
    # A week later, the completion deadline (paused) has not been breached; the rest were met.
    assert sla_scan(now=at(2026, 11, 30, 10, 0)) == {"due": 0, "breached": 0, "escalations_created": 0}
    assert escalations(order) == []


def test_the_command_prints_one_json_line(world):
    dispatched(world, now=at(2026, 11, 20, 10, 0), start=at(2026, 11, 20, 14, 0))  # breached long ago
    out = StringIO()
    call_command("sla_scan", stdout=out)
    line = out.getvalue().strip()
    assert "\n" not in line
    # Four stages breached days ago: each told to all three levels at once, the scan having come late.
    assert json.loads(line) == {"due": 0, "breached": 4, "escalations_created": 12}


def test_escalation_emails_go_after_commit_once(world, django_capture_on_commit_callbacks, mailoutbox):
    dispatched(world)
    with django_capture_on_commit_callbacks() as callbacks:
        sla_scan(now=at(2026, 11, 23, 12, 1))
    assert len(callbacks) == 1 and mailoutbox == []  # scheduled, not sent inside the transaction
    ids = list(Notification.objects.values_list("pk", flat=True))
    assert notifications_email(ids=ids) == 1
    assert notifications_email(ids=ids) == 0  # a retried task sends nothing twice
    assert [m.to for m in mailoutbox] == [["tech@example.com"]]
    assert "PG" in mailoutbox[0].subject


def test_a_carry_in_over_30_days_tells_the_dispatchers_the_customer_may_exchange(world):
    order = dispatched(world)
    tech = world["technician"].user
    move(order, S.ACCEPTED, tech, at(2026, 11, 23, 10, 30))
    from repairs import services

    services.carry_in_receive(work_order=order, acting_user=tech, now=at(2026, 11, 23, 11, 0))
    sla_scan(now=at(2026, 12, 23, 11, 1))
    notes = Notification.objects.filter(user=world["dispatcher"], deadline__stage=Stage.CARRY_IN_30)
    assert notes.count() == 1 and "三包" in notes.get().body


@pytest.mark.django_db(transaction=True)
def test_two_scans_at_once_create_each_escalation_once():
    world = make_world()
    orders = [dispatched(world, now=MONDAY_10 - dt.timedelta(minutes=i)) for i in range(30)]
    results, errors = [], []
    barrier = threading.Barrier(4)

    def scan():
        try:
            barrier.wait()
            results.append(sla_scan(now=at(2026, 11, 23, 12, 30), batch=7))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=scan) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    # 30 accept deadlines breached (due 11:51–12:00): each escalated exactly once, counted once in all.
    assert sum(r["breached"] for r in results) == 30
    assert sum(r["escalations_created"] for r in results) == 30
    assert Escalation.objects.count() == 30
    assert Escalation.objects.filter(deadline__work_order__in=orders, level=1).count() == 30
