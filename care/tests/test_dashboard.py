"""The manager's dashboard: each figure against data made through the services at fixed instants (the
selectors take `now`), the page for managers only, its links to the lists behind the numbers, and a query
count that does not grow with centres, orders, deadlines, callbacks or complaints."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from care import dashboard, services
from care.choices import CallbackOutcome, CallbackStatus, Stage, StopReason
from care.models import Callback, Deadline
from network.factories import (
    CityFactory,
    DistrictFactory,
    ServiceCenterFactory,
    TechnicianFactory,
    UserFactory,
    authorise,
)
from repairs import services as repairs_services
from repairs.choices import WorkOrderStatus as S
from repairs.factories import ProductUnitFactory, RepairCallFactory, WorkOrderFactory

from .helpers import MONDAY_10, at, dispatched, make_world, move

pytestmark = pytest.mark.django_db

LAST_MONDAY_10 = MONDAY_10 - dt.timedelta(days=7)  # 2026-11-16, the week before
TUESDAY_NOON = at(2026, 11, 24, 12, 0)


@pytest.fixture
def world():
    return make_world()


@pytest.fixture(autouse=True)
def uncached():
    """The slow figures are cached (in Redis, per database): each test starts without them."""
    cache.delete(dashboard._cache_key())
    yield
    cache.delete(dashboard._cache_key())


def walk(order, user, steps):
    for status, when in steps:
        move(order, status, user, when)
    return order


def figures(rows):
    return {
        row["stage"]: ((row["this"].on_time, row["this"].settled), (row["last"].on_time, row["last"].settled))
        for row in rows
    }


# The weeks ------------------------------------------------------------------------------------------------


def test_a_week_starts_on_monday_at_midnight_in_china():
    # Sunday 23:30 in Shanghai is still last week, though it is Sunday 15:30 in UTC too; Monday 00:10 in
    # Shanghai is Sunday 16:10 UTC and already this week.
    assert dashboard.week_start(at(2026, 11, 29, 23, 30)) == at(2026, 11, 23, 0, 0)
    assert dashboard.week_start(at(2026, 11, 30, 0, 10)) == at(2026, 11, 30, 0, 0)
    assert dashboard.week_start(at(2026, 11, 30, 0, 10).astimezone(dt.UTC)) == at(2026, 11, 30, 0, 0)


# SLA compliance -------------------------------------------------------------------------------------------


def test_compliance_counts_met_on_time_against_met_late_and_breached_and_leaves_cancelled_out(world):
    tech = world["technician"].user
    # Monday: first contact due 15:00, on site due 14:15 (appointment 14:00), completion due Wednesday 10:00.
    on_time = walk(
        dispatched(world),
        tech,
        [
            (S.ACCEPTED, at(2026, 11, 23, 10, 30)),
            (S.EN_ROUTE, at(2026, 11, 23, 13, 0)),
            (S.ON_SITE, at(2026, 11, 23, 14, 5)),
            (S.IN_REPAIR, at(2026, 11, 23, 14, 10)),
            (S.COMPLETED, at(2026, 11, 23, 16, 0)),
        ],
    )
    late = walk(
        dispatched(world),
        tech,
        [
            (S.ACCEPTED, at(2026, 11, 23, 10, 30)),
            (S.EN_ROUTE, at(2026, 11, 23, 15, 30)),  # contacted 30 minutes late
            (S.ON_SITE, at(2026, 11, 23, 16, 0)),  # 1 h 45 late
            (S.IN_REPAIR, at(2026, 11, 23, 16, 5)),
            (S.COMPLETED, at(2026, 11, 23, 17, 0)),
        ],
    )
    breached = dispatched(world)  # nobody ever comes
    cancelled = dispatched(world)
    # Last week: contacted and visited on time, never completed.
    last_week = walk(
        dispatched(world, now=LAST_MONDAY_10),
        tech,
        [
            (S.ACCEPTED, at(2026, 11, 16, 10, 30)),
            (S.EN_ROUTE, at(2026, 11, 16, 13, 0)),
            (S.ON_SITE, at(2026, 11, 16, 14, 5)),
        ],
    )
    services.sla_scan(
        now=at(2026, 11, 23, 16, 30)
    )  # breaches `breached`, `cancelled` and last week's completion
    move(cancelled, S.CANCELLED, world["dispatcher"], at(2026, 11, 23, 16, 45), note="客户取消")
    assert Deadline.objects.filter(
        work_order=cancelled, stop_reason=StopReason.CANCELLED, breached_at__isnull=False
    ).exists()
    assert on_time and late and breached and last_week

    result = dashboard.sla_compliance(now=TUESDAY_NOON)

    assert result["this_week"] == at(2026, 11, 23, 0, 0) and result["last_week"] == at(2026, 11, 16, 0, 0)
    assert figures(result["stages"]) == {
        Stage.FIRST_CONTACT: ((1, 3), (1, 1)),  # on time / met late, breached; last week's on time
        Stage.ON_SITE: ((1, 3), (1, 1)),
        Stage.COMPLETION: ((2, 2), (0, 1)),  # both completed before Wednesday; last week's breached
    }
    first_contact = result["stages"][0]
    assert first_contact["this"].rate == 33.3 and first_contact["this"].late == 2
    assert first_contact["last"].rate == 100.0


def test_a_week_without_settled_deadlines_has_no_rate(world):
    dispatched(world)  # nothing met or breached yet
    result = dashboard.sla_compliance(now=at(2026, 11, 23, 11, 0))
    assert all(row["this"].settled == 0 and row["this"].rate is None for row in result["stages"])


# Breaches now ---------------------------------------------------------------------------------------------


def test_breaches_now_are_running_breached_deadlines_by_stage_and_by_centre(world):
    late = dispatched(world)
    met = dispatched(world)
    other = ServiceCenterFactory(code="SC-B", name="乙网点")
    elsewhere = dispatched(world)
    services.sla_scan(now=at(2026, 11, 23, 12, 5))  # the three accept deadlines (due 12:00) are breached
    walk(
        met, world["technician"].user, [(S.ACCEPTED, at(2026, 11, 23, 12, 10))]
    )  # met late: no longer running
    Deadline.objects.filter(work_order=elsewhere).update(center=other)
    assert late

    result = dashboard.breaches_now()

    assert result["total"] == 2
    assert [(row["stage"], row["n"]) for row in result["by_stage"]] == [(Stage.ACCEPT, 2)]
    assert sorted((row["id"], row["n"]) for row in result["by_center"]) == sorted(
        [(world["center"].pk, 1), (other.pk, 1)]
    )


# Callbacks ------------------------------------------------------------------------------------------------


def completed(world, *, when):
    order = dispatched(world)
    return walk(
        order,
        world["technician"].user,
        [(S.ACCEPTED, at(2026, 11, 23, 10, 30)), (S.IN_REPAIR, at(2026, 11, 23, 11, 0)), (S.COMPLETED, when)],
    )


def test_callbacks_due_and_a_day_overdue(world):
    # Completed Monday: each callback is due Tuesday 10:00 (an hour after the centre opens).
    first = Callback.objects.get(work_order=completed(world, when=at(2026, 11, 23, 15, 0)))
    second = Callback.objects.get(work_order=completed(world, when=at(2026, 11, 23, 16, 0)))
    assert first.due_at == at(2026, 11, 24, 10, 0)
    services.callback_record_attempt(
        callback=second,
        outcome=CallbackOutcome.REACHED,
        satisfaction=4,
        solved=True,
        acting_user=world["dispatcher"],
        now=at(2026, 11, 24, 10, 5),
    )
    assert dashboard.callbacks_due(now=at(2026, 11, 24, 9, 59)) == {
        "due": 0,
        "overdue": 0,
        "due_within_day": 0,
    }
    assert dashboard.callbacks_due(now=TUESDAY_NOON) == {"due": 1, "overdue": 0, "due_within_day": 1}
    assert dashboard.callbacks_due(now=at(2026, 11, 25, 10, 0)) == {
        "due": 1,
        "overdue": 1,
        "due_within_day": 0,
    }


def test_satisfaction_is_the_average_score_per_centre_over_the_last_30_days(world):
    callbacks = [
        Callback.objects.get(work_order=completed(world, when=at(2026, 11, 23, 15, n))) for n in range(4)
    ]
    for callback, score in zip(callbacks, [5, 2, 4, 1], strict=True):
        services.callback_record_attempt(
            callback=callback,
            outcome=CallbackOutcome.REACHED,
            satisfaction=score,
            solved=score >= 3,
            acting_user=world["dispatcher"],
            now=at(2026, 11, 24, 10, 30),
        )
    Callback.objects.filter(pk=callbacks[1].pk).update(status=CallbackStatus.DONE)  # reviewed: still counts
    # The third was reached more than 30 days before the day we look from; the fourth was another centre's.
    Callback.objects.filter(pk=callbacks[2].pk).update(reached_at=at(2026, 10, 20, 10, 0))
    other = ServiceCenterFactory(code="SC-B", name="乙网点")
    Callback.objects.filter(pk=callbacks[3].pk).update(center=other)

    rows = dashboard.satisfaction_by_center(now=at(2026, 11, 25, 12, 0))

    assert sorted((r["id"], r["average"], r["n"]) for r in rows) == sorted(
        [(world["center"].pk, 3.5, 2), (other.pk, 1.0, 1)]
    )


# Repeat repairs -------------------------------------------------------------------------------------------


def test_repeat_repairs_are_calls_whose_unit_had_another_call_in_the_30_days_before(db):
    now = TUESDAY_NOON  # the period: from 2026-10-25 12:00
    twice, once_long_ago, carried_over, alone = (ProductUnitFactory() for _ in range(4))

    def call(unit, *when):
        return RepairCallFactory(unit=unit, logged_at=at(*when))

    call(twice, 2026, 10, 1, 9, 0)  # before the period, 40 days before the next: no effect
    call(twice, 2026, 11, 10, 9, 0)  # in the period, nothing in the 30 days before it
    call(twice, 2026, 11, 20, 9, 0)  # repeat: ten days after the previous one
    call(once_long_ago, 2026, 10, 20, 9, 0)
    call(once_long_ago, 2026, 11, 22, 9, 0)  # 33 days later: not a repeat
    call(carried_over, 2026, 10, 10, 9, 0)  # before the period, but within 30 days of the next
    call(carried_over, 2026, 11, 5, 9, 0)  # repeat
    call(alone, 2026, 11, 23, 9, 0)
    call(alone, 2026, 11, 25, 9, 0)  # after `now`: not counted, and it repeats nothing

    assert dashboard.repeat_repairs(now=now) == {"calls": 5, "repeats": 2, "rate": 40.0}


def test_no_calls_no_rate(db):
    assert dashboard.repeat_repairs(now=TUESDAY_NOON) == {"calls": 0, "repeats": 0, "rate": None}


# Open work orders -----------------------------------------------------------------------------------------


def test_open_work_orders_by_status_and_by_province_of_the_service_district(db):
    district = DistrictFactory()
    province = district.parent.parent
    other_district = DistrictFactory()
    center = ServiceCenterFactory()
    for status in (S.NEW, S.DISPATCHED, S.DISPATCHED, S.WAITING_FOR_PARTS, S.CLOSED, S.CANCELLED):
        WorkOrderFactory(
            status=status, center=None if status == S.NEW else center, call__service_region=district
        )
    WorkOrderFactory(status=S.IN_REPAIR, center=center, call__service_region=other_district)
    city = CityFactory(parent=province)
    WorkOrderFactory(status=S.ACCEPTED, center=center, call__service_region=city)  # logged against a city

    result = dashboard.open_work_orders()

    assert result["total"] == 6
    assert {row["status"]: row["n"] for row in result["by_status"]} == {
        S.NEW: 1,
        S.DISPATCHED: 2,
        S.ACCEPTED: 1,
        S.EN_ROUTE: 0,
        S.ON_SITE: 0,
        S.IN_REPAIR: 1,
        S.WAITING_FOR_PARTS: 1,
        S.TO_RESCHEDULE: 0,
    }
    assert [(row["id"], row["name"], row["n"]) for row in result["by_province"]] == [
        (province.pk, province.name, 5),
        (other_district.parent.parent_id, other_district.parent.parent.name, 1),
    ]


# Complaints -----------------------------------------------------------------------------------------------


def test_upheld_complaints_resolved_in_the_last_30_days_by_centre(world):
    other_tech = TechnicianFactory(center=ServiceCenterFactory(code="SC-B", name="乙网点"))
    order = dispatched(world)

    def complaint(*, received, resolved, upheld, **data):
        row = services.complaint_register(
            data=services.ComplaintInput(call=order.call, category="attitude", description="态度差", **data),
            acting_user=world["dispatcher"],
            now=received,
        )
        return services.complaint_resolve(
            complaint=row, resolution="已处理", upheld=upheld, acting_user=world["manager"], now=resolved
        )

    complaint(work_order=order, received=at(2026, 11, 2, 10), resolved=at(2026, 11, 20, 10), upheld=True)
    complaint(work_order=order, received=at(2026, 11, 2, 10), resolved=at(2026, 11, 21, 10), upheld=True)
    complaint(work_order=order, received=at(2026, 11, 2, 10), resolved=at(2026, 11, 21, 11), upheld=False)
    complaint(work_order=order, received=at(2026, 10, 1, 10), resolved=at(2026, 10, 10, 10), upheld=True)
    complaint(technician=other_tech, received=at(2026, 11, 2, 10), resolved=at(2026, 11, 22, 10), upheld=True)

    result = dashboard.upheld_complaints(now=TUESDAY_NOON)

    assert result["total"] == 3
    assert [(row["id"], row["n"]) for row in result["by_center"]] == [
        (world["center"].pk, 2),
        (other_tech.center_id, 1),
    ]


# The page -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["dispatcher", "supervisor", "technician", "dealer"])
def test_only_managers_see_the_dashboard(client, role):
    client.force_login(UserFactory(username=f"not_a_manager_{role}", roles=[role]))
    assert client.get(reverse("care:dashboard")).status_code == 403


def test_anonymous_users_are_sent_to_the_login_page(client):
    response = client.get(reverse("care:dashboard"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_an_empty_dashboard_renders(client, world):
    client.force_login(world["manager"])
    response = client.get(reverse("care:dashboard"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="stat-open"' in html and 'class="bars"' in html and "css/dashboard.css" in html


def _busy(world, *, centers: int):
    """Centres each with a breached order (and a completed one whose callback is overdue) and an upheld
    complaint resolved just now."""
    made = []
    for n in range(centers):
        center = ServiceCenterFactory(code=f"SC-Q{n:02d}-{centers}", name=f"网点{n}-{centers}")
        technician = TechnicianFactory(center=center)
        order = WorkOrderFactory(status=S.NEW)
        authorise(technician, order.call.unit.model.category, order.call.service_region)
        order = repairs_services.work_order_dispatch(
            work_order=order,
            center=center,
            technician=technician,
            appointment_start=at(2026, 11, 23, 14, 0),
            appointment_end=at(2026, 11, 23, 16, 0),
            acting_user=world["dispatcher"],
            now=MONDAY_10,
        )
        complaint = services.complaint_register(
            data=services.ComplaintInput(
                call=order.call, work_order=order, category="late", description="迟到"
            ),
            acting_user=world["dispatcher"],
        )
        services.complaint_resolve(
            complaint=complaint, resolution="属实", upheld=True, acting_user=world["manager"]
        )
        made.append((center, order))
    completed(world, when=at(2026, 11, 23, 15, 0))  # its callback was due Tuesday 10:00: long overdue
    services.sla_scan(now=at(2026, 11, 23, 16, 0))
    return made


def test_every_number_links_to_the_list_behind_it(client, world):
    [(center, _order)] = _busy(world, centers=1)
    client.force_login(world["manager"])
    html = client.get(reverse("care:dashboard")).content.decode()
    breaches = reverse("care:breaches")
    for link in (
        f"{reverse('repairs:register')}?status=dispatched",
        f"{breaches}?stage=accept",
        f"{breaches}?stage=first_contact",
        f"{breaches}?center={center.pk}",
        f"{reverse('care:callbacks')}?view=due",
        f"{reverse('care:callbacks')}?view=overdue",
        f"{reverse('care:complaints')}?upheld=1&amp;center={center.pk}"
        f"&amp;resolved_from={dashboard.upheld_since(timezone.now()).isoformat()}",
    ):
        assert f'href="{link}"' in html, link


def test_the_dashboard_runs_the_same_queries_for_few_or_many_centres(
    client, world, django_assert_max_num_queries
):
    _busy(world, centers=1)
    client.force_login(world["manager"])
    with django_assert_max_num_queries(25) as few:
        assert client.get(reverse("care:dashboard")).status_code == 200
    more = _busy(world, centers=6)
    cache.delete(dashboard._cache_key())  # counted again, over more rows
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("care:dashboard"))
    assert response.status_code == 200
    html = response.content.decode()
    assert all(f"{reverse('care:breaches')}?center={center.pk}" in html for center, _order in more)


def test_the_slow_figures_are_kept_for_a_while_and_what_is_late_is_read_each_time(
    client, world, django_assert_max_num_queries
):
    [(_center, order)] = _busy(world, centers=1)
    client.force_login(world["manager"])
    with django_assert_max_num_queries(25) as counted:
        client.get(reverse("care:dashboard"))
    # A new breach shows at once; the open orders are those counted a moment ago.
    WorkOrderFactory(status=S.NEW)
    services.sla_scan(now=at(2026, 11, 25, 12, 0))  # the centre's order: completion (due 10:00) breached
    with django_assert_max_num_queries(len(counted.captured_queries) - 5) as cached:
        html = client.get(reverse("care:dashboard")).content.decode()
    assert len(cached.captured_queries) < len(counted.captured_queries)
    figures = dashboard.manager_dashboard()
    assert figures["open_orders"]["total"] == 1  # still the count without the new order
    assert dashboard.manager_dashboard(cached=False)["open_orders"]["total"] == 2
    assert f"{reverse('care:breaches')}?stage=completion" in html  # breached on Wednesday: read live
    assert order
