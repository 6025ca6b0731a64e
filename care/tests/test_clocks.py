"""Which clock each deadline runs on: the hotline serves 24 hours a day, so its answer within 4 hours
(the first contact) runs around the clock, while accepting and completing count the centre's working
hours (default calendar: Monday–Friday 9:00–18:00, lunch 12:00–13:00)."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from care.choices import Clock, Stage, StopReason
from care.models import Deadline, SlaPolicy
from care.services import sla_scan
from network.factories import UserFactory, authorise
from repairs import services
from repairs.tests.register.helpers import log_call, unit_sold

from .helpers import at, make_world

pytestmark = pytest.mark.django_db

FRIDAY_22 = at(2026, 11, 27, 22, 0)


def call_logged_and_dispatched(world, now):
    """A call logged on the hotline at `now` and dispatched at once, for a visit the next morning."""
    call = log_call(unit_sold(100), world["dispatcher"], now=now)
    order = call.work_orders.get()
    authorise(world["technician"], call.unit.model.category, call.service_region)
    visit = (now + dt.timedelta(days=1)).replace(hour=10, minute=0)
    return services.work_order_dispatch(
        work_order=order,
        center=world["center"],
        technician=world["technician"],
        appointment_start=visit,
        appointment_end=visit + dt.timedelta(hours=2),
        acting_user=world["dispatcher"],
        now=now,
    )


def deadlines(order) -> dict:
    return {d.stage: d for d in Deadline.objects.filter(work_order=order)}


def test_a_call_logged_at_22_on_a_friday_must_be_answered_by_02_on_saturday():
    world = make_world()
    order = call_logged_and_dispatched(world, FRIDAY_22)
    d = deadlines(order)
    answer = d[Stage.FIRST_CONTACT]
    assert answer.due_at == at(2026, 11, 28, 2, 0) and answer.clock == Clock.ALWAYS
    assert answer.warn_at == at(2026, 11, 28, 1, 30)
    # Accepting still counts the centre's working hours: two of them on Monday morning.
    assert d[Stage.ACCEPT].due_at == at(2026, 11, 30, 11, 0) and d[Stage.ACCEPT].clock == Clock.WORKING
    assert d[Stage.COMPLETION].clock == Clock.WORKING

    assert sla_scan(now=at(2026, 11, 28, 1, 59))["breached"] == 0
    sla_scan(now=at(2026, 11, 28, 2, 1))
    answer.refresh_from_db()
    assert answer.breached_at == at(2026, 11, 28, 2, 0)


def test_answered_at_half_past_one_at_night_the_promise_is_kept():
    world = make_world()
    order = call_logged_and_dispatched(world, FRIDAY_22)
    services.work_order_contact_record(
        work_order=order, acting_user=world["technician"].user, now=at(2026, 11, 28, 1, 30)
    )
    answer = deadlines(order)[Stage.FIRST_CONTACT]
    assert answer.stop_reason == StopReason.MET and answer.met_on_time is True


def test_a_policy_may_put_the_answer_back_on_working_hours():
    world = make_world()
    SlaPolicy.objects.filter(name="默认时效").update(first_contact_clock=Clock.WORKING)
    answer = deadlines(call_logged_and_dispatched(world, FRIDAY_22))[Stage.FIRST_CONTACT]
    # 4 working hours from Friday night: Monday 9:00–12:00 and 13:00–14:00.
    assert answer.due_at == at(2026, 11, 30, 14, 0) and answer.clock == Clock.WORKING


def test_the_call_page_shows_each_deadlines_clock(client):
    world = make_world()
    order = call_logged_and_dispatched(world, FRIDAY_22)
    client.force_login(world["dispatcher"])
    client.cookies["django_language"] = "en"
    html = client.get(reverse("repairs:call_detail", args=[order.call_id])).content.decode()
    assert "2026-11-28 02:00</td><td>Around the clock (24 hours a day)</td>" in html
    assert "2026-11-30 11:00</td><td>The centre&#x27;s working hours</td>" in html


def test_the_admin_lists_the_clock_of_each_deadline(client):
    world = make_world()
    call_logged_and_dispatched(world, FRIDAY_22)
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    client.cookies["django_language"] = "en"
    policies = client.get(reverse("admin:care_slapolicy_changelist")).content.decode()
    assert policies.count('<td class="field-first_contact_clock">Around the clock (24 hours a day)</td>') == 2
    assert policies.count('<td class="field-accept_clock">The centre&#x27;s working hours</td>') == 2
    assert policies.count('<td class="field-completion_clock">The centre&#x27;s working hours</td>') == 2
    rows = client.get(reverse("admin:care_deadline_changelist")).content.decode()
    assert rows.count('<td class="field-clock">Around the clock (24 hours a day)</td>') == 2  # answer, visit
    assert (
        rows.count('<td class="field-clock">The centre&#x27;s working hours</td>') == 2
    )  # accept, completion


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data")
def test_the_data_migration_puts_every_policys_answer_on_the_24_hour_clock():
    """A database from before: one switch per policy (working time on or off) for every deadline."""
    before, after = [("care", "0004_guidance_callback_index")], [("care", "0005_deadline_clocks")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        old = executor.loader.project_state(before).apps.get_model("care", "SlaPolicy")
        old.objects.all().delete()
        old.objects.create(name="工作时间", working_time=True)
        old.objects.create(name="全天", working_time=False)
        executor = MigrationExecutor(connection)
        executor.migrate(after)
    finally:
        # Every app back to its latest migration: going back in care also unapplied the migrations of the
        # apps that depend on it (portal's visits), and later tests of this process need their tables.
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    clocks = {
        p.name: (p.accept_clock, p.first_contact_clock, p.completion_clock) for p in SlaPolicy.objects.all()
    }
    assert clocks == {
        "工作时间": (Clock.WORKING, Clock.ALWAYS, Clock.WORKING),
        "全天": (Clock.ALWAYS, Clock.ALWAYS, Clock.ALWAYS),
    }
