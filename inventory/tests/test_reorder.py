"""Reorder suggestions: the numbers on hand-made data, the 30-day window in China's days, idempotence, a
constant number of queries, the daily task on a real Celery worker, and the page for three parties."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from aftersales.celery import app
from inventory import services
from inventory.factories import PartFactory, WarehouseFactory
from inventory.models import ReorderSuggestion
from inventory.reorder import reorder_suggestions_compute
from inventory.tasks import reorder_suggestions_daily
from network.factories import ServiceCenterFactory, UserFactory
from repairs.factories import WorkOrderFactory

TODAY = dt.date(2026, 3, 15)


def at(days: int, hour: int = 10, minute: int = 0, second: int = 0, *, today=TODAY) -> dt.datetime:
    """A moment `days` from today (negative: before), in China's time."""
    return timezone.make_aware(
        dt.datetime.combine(today + dt.timedelta(days=days), dt.time(hour, minute, second))
    )


def issue(order, part, quantity, when, user):
    return services.part_issue(
        work_order=order, part=part, quantity=quantity, acting_user=user, reason="测试", now=when
    )


@pytest.fixture
def network(users):
    """Central warehouse and centre A's warehouse; part A (supplier lead time 20 days)."""
    manager = users["manager"]
    central = WarehouseFactory(central=True, safety_days=7)
    center_wh = WarehouseFactory(center=users["center"], replenish_days=3, safety_days=7)
    WarehouseFactory(defective=True)
    part = PartFactory(code="A-001", name="压缩机", lead_time_days=20)
    services.deposit_pay(center=users["center"], amount="10000", acting_user=manager, now=at(-60))
    return {"central": central, "center_wh": center_wh, "part": part, "manager": manager, **users}


@pytest.mark.django_db
def test_suggestions_on_hand_made_data(network):
    """Centre A used 9 of part A in the 30 days before the 15th (1 + 6 + 3 issued, 1 returned; the issues
    just before the window and on the day itself do not count); it has 1 on hand and 3 on the way (1
    approved, 2 shipped; 25 awaiting a manager do not count). The central warehouse shipped 2 in the window
    (the 13 sent 35 days ago do not count) and has 1 left."""
    n = network
    manager, center, part = n["manager"], n["center"], n["part"]
    services.stock_receive(
        warehouse=n["central"],
        lines=[(part, 16, "50.00")],
        reference="PO-1",
        acting_user=manager,
        now=at(-40),
    )
    services.stock_transfer(
        source=n["central"], destination=n["center_wh"], lines=[(part, 13)], acting_user=manager, now=at(-35)
    )
    order = WorkOrderFactory(center=center)
    issue(order, part, 2, at(-31, 23, 59, 59), manager)  # the day before the window
    issue(order, part, 1, at(-30, 0, 0, 0), manager)  # the window's first second
    issue(order, part, 6, at(-10), manager)
    issue(order, part, 3, at(-5), manager)
    services.part_return(
        work_order=order, part=part, quantity=1, reason="未用", acting_user=manager, now=at(-4)
    )
    issue(order, part, 1, at(0, 0, 30), manager)  # today: not in the window
    shipped = services.part_request_submit(
        center=center, lines=[(part, 2)], acting_user=n["supervisor"], now=at(-3)
    )
    services.part_request_ship(request=shipped, acting_user=manager, now=at(-3, 15))
    services.part_request_submit(center=center, lines=[(part, 1)], acting_user=n["supervisor"], now=at(-2))
    pending = services.part_request_submit(
        center=center, lines=[(part, 25)], acting_user=n["supervisor"], now=at(-1)
    )
    assert pending.status == "pending"

    assert reorder_suggestions_compute(today=TODAY) == 2

    rows = {s.warehouse.kind: s for s in ReorderSuggestion.objects.select_related("warehouse")}
    centre = rows["center"]
    # used 9: safety ⌈9×7/30⌉ = 3, reorder point ⌈9×3/30⌉ + 3 = 4, 1 + 3 ≤ 4 → ⌈9×33/30⌉ + 3 − 1 − 3 = 9
    assert (centre.computed_on, centre.part, centre.daily_usage) == (TODAY, part, Decimal("0.300"))
    assert (centre.lead_time_days, centre.safety_stock, centre.reorder_point) == (3, 3, 4)
    assert (centre.on_hand, centre.inbound, centre.suggested_quantity) == (1, 3, 9)
    assert not centre.from_supplier
    central = rows["central"]
    # used 2: safety ⌈2×7/30⌉ = 1, reorder point ⌈2×20/30⌉ + 1 = 3, 1 ≤ 3 → ⌈2×50/30⌉ + 1 − 1 − 0 = 4
    assert (central.daily_usage, central.lead_time_days, central.safety_stock) == (Decimal("0.067"), 20, 1)
    assert (central.reorder_point, central.on_hand, central.inbound, central.suggested_quantity) == (
        3,
        1,
        0,
        4,
    )
    assert central.from_supplier


@pytest.mark.django_db
def test_no_suggestion_above_the_reorder_point_nor_for_parts_no_longer_supplied(network):
    n = network
    manager = n["manager"]
    plenty = PartFactory(code="B-001")
    retired = PartFactory(code="C-001")
    idle = PartFactory(code="D-001")
    services.stock_receive(
        warehouse=n["center_wh"],
        lines=[(plenty, 50, "10.00"), (retired, 5, "10.00"), (idle, 5, "10.00")],
        reference="PO-2",
        acting_user=manager,
        now=at(-40),
    )
    order = WorkOrderFactory(center=n["center"])
    issue(order, plenty, 10, at(-3), manager)  # used 10: reorder point ⌈1⌉ + ⌈2.33⌉ = 4 < 40 on hand
    issue(order, retired, 5, at(-3), manager)
    retired.active = False
    retired.save()

    assert reorder_suggestions_compute(today=TODAY) == 0
    assert not ReorderSuggestion.objects.exists()


@pytest.mark.django_db
def test_running_twice_gives_the_same_rows_and_replaces_only_that_day(network):
    n = network
    manager, part = n["manager"], n["part"]
    other = PartFactory(code="E-001")
    services.stock_receive(
        warehouse=n["center_wh"],
        lines=[(part, 4, "10.00")],
        reference="PO-3",
        acting_user=manager,
        now=at(-40),
    )
    issue(WorkOrderFactory(center=n["center"]), part, 3, at(-6), manager)
    earlier = ReorderSuggestion.objects.create(
        computed_on=TODAY - dt.timedelta(days=1), warehouse=n["center_wh"], part=part, daily_usage="0.1",
        lead_time_days=3, safety_stock=1, reorder_point=2, on_hand=0, inbound=0, suggested_quantity=5,
    )  # fmt: skip
    ReorderSuggestion.objects.create(
        computed_on=TODAY,
        warehouse=n["center_wh"],
        part=other,
        daily_usage="1",
        lead_time_days=3,
        safety_stock=7,
        reorder_point=10,
        on_hand=0,
        inbound=0,
        suggested_quantity=40,
    )  # fmt: skip  (stale: part E is no longer used)

    def snapshot():
        return list(
            ReorderSuggestion.objects.filter(computed_on=TODAY).values_list(
                "warehouse", "part", "daily_usage", "safety_stock", "reorder_point", "on_hand", "inbound",
                "suggested_quantity",
            )
        )  # fmt: skip

    assert reorder_suggestions_compute(today=TODAY) == 1
    first = snapshot()
    assert reorder_suggestions_compute(today=TODAY) == 1
    # used 3: safety ⌈0.7⌉ = 1, reorder point ⌈0.3⌉ + 1 = 2, on hand 1 → ⌈3.3⌉ + 1 − 1 = 4
    assert snapshot() == first == [(n["center_wh"].pk, part.pk, Decimal("0.100"), 1, 2, 1, 0, 4)]
    assert ReorderSuggestion.objects.filter(pk=earlier.pk).exists()


@pytest.mark.django_db
def test_the_computation_takes_the_same_queries_for_one_part_or_many(network):
    n = network
    manager = n["manager"]
    order = WorkOrderFactory(center=n["center"])

    def add_used_parts(count):
        parts = [PartFactory() for _ in range(count)]
        services.stock_receive(
            warehouse=n["center_wh"], lines=[(p, 2, "1.00") for p in parts], reference="PO", acting_user=manager,
            now=at(-40),
        )  # fmt: skip
        for p in parts:
            issue(order, p, 2, at(-2), manager)

    add_used_parts(1)
    with CaptureQueriesContext(connection) as one:
        assert reorder_suggestions_compute(today=TODAY) == 1
    add_used_parts(20)
    with CaptureQueriesContext(connection) as many:
        assert reorder_suggestions_compute(today=TODAY) == 21
    assert len(many) == len(one) <= 6


# The daily task on a real worker ------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_daily_task_runs_on_a_real_worker(reference_data, celery_worker_process):
    today = timezone.localdate()
    user = UserFactory(username="store")
    center_wh = WarehouseFactory(center=ServiceCenterFactory(code="SC-W"), replenish_days=3, safety_days=7)
    part = PartFactory(code="W-001")
    services.stock_receive(
        warehouse=center_wh, lines=[(part, 6, "20.00")], reference="PO-W", acting_user=user,
        now=at(-20, today=today),
    )  # fmt: skip
    issue(WorkOrderFactory(center=center_wh.center), part, 6, at(-3, today=today), user)

    result = reorder_suggestions_daily.delay(today.isoformat())

    assert result.get(timeout=60) == 1
    suggestion = ReorderSuggestion.objects.get()
    # used 6: safety ⌈1.4⌉ = 2, reorder point ⌈0.6⌉ + 2 = 3, on hand 0 → ⌈6.6⌉ + 2 = 9
    assert (suggestion.computed_on, suggestion.warehouse, suggestion.part) == (today, center_wh, part)
    assert (suggestion.safety_stock, suggestion.reorder_point, suggestion.suggested_quantity) == (2, 3, 9)


def test_the_beat_runs_the_task_daily_at_six_in_china():
    entry = next(
        e for e in app.conf.beat_schedule.values() if e["task"] == "inventory.tasks.reorder_suggestions_daily"
    )
    schedule = entry["schedule"]
    assert schedule.hour == {6} and schedule.minute == {0}
    assert str(app.conf.timezone) == "Asia/Shanghai"


# The page ----------------------------------------------------------------------------------------------


def _suggestion(warehouse, part, day=TODAY, quantity=5):
    return ReorderSuggestion.objects.create(
        computed_on=day, warehouse=warehouse, part=part, daily_usage="0.500", lead_time_days=3, safety_stock=4,
        reorder_point=6, on_hand=1, inbound=0, suggested_quantity=quantity,
    )  # fmt: skip


@pytest.fixture
def suggested(network):
    other_wh = WarehouseFactory(center=ServiceCenterFactory(code="SC-B", name="乙网点"))
    part = network["part"]
    rows = {
        "central": _suggestion(network["central"], part, quantity=40),
        "own": _suggestion(network["center_wh"], part, quantity=7),
        "other": _suggestion(other_wh, part, quantity=11),
    }
    _suggestion(network["center_wh"], part, day=TODAY - dt.timedelta(days=1), quantity=99)  # an older day
    return {**network, "rows": rows, "other_wh": other_wh}


def _page(client, user, **params):
    client.force_login(user)
    return client.get(reverse("inventory:reorder"), params)


@pytest.mark.django_db
def test_manager_sees_every_warehouse_of_the_latest_day(client, suggested):
    response = _page(client, suggested["manager"])
    assert response.status_code == 200
    shown = list(response.context["suggestions"])
    assert {s.pk for s in shown} == {r.pk for r in suggested["rows"].values()}
    html = response.content.decode()
    assert "向供应商采购" in html and "申请调拨" in html
    assert (
        "新建备件申请" not in html and "/inventory/requests/new/" not in html
    )  # a manager ships; the centre asks


@pytest.mark.django_db
def test_supervisor_sees_only_own_centre_with_a_link_to_request_the_parts(client, suggested):
    response = _page(client, suggested["supervisor"])
    assert response.status_code == 200
    assert [s.pk for s in response.context["suggestions"]] == [suggested["rows"]["own"].pk]
    html = response.content.decode()
    assert "/inventory/requests/new/?part=A-001&amp;quantity=7" in html
    # Asking for another centre's warehouse shows nothing of it.
    response = _page(client, suggested["supervisor"], warehouse=suggested["other_wh"].pk)
    assert list(response.context["suggestions"]) == []


@pytest.mark.django_db
def test_users_without_the_role_are_refused(client, suggested):
    for role in ("technician", "dispatcher", "nobody"):
        assert _page(client, suggested[role]).status_code == 403
    client.logout()
    response = client.get(reverse("inventory:reorder"))
    assert response.status_code == 302 and "/login" in response["Location"]


@pytest.mark.django_db
def test_the_page_filters_by_warehouse_and_part(client, suggested):
    other = PartFactory(code="Z-900", name="遥控器")
    _suggestion(suggested["center_wh"], other)
    response = _page(client, suggested["manager"], q="遥控")
    assert [s.part for s in response.context["suggestions"]] == [other]
    response = _page(client, suggested["manager"], warehouse=suggested["other_wh"].pk)
    assert [s.pk for s in response.context["suggestions"]] == [suggested["rows"]["other"].pk]


@pytest.mark.django_db
def test_the_page_queries_do_not_grow_with_rows(client, suggested, django_assert_max_num_queries):
    manager = suggested["manager"]
    for i in range(30):
        _suggestion(suggested["center_wh"], PartFactory(code=f"M-{i:03d}"))
    client.force_login(manager)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("inventory:reorder"))
    assert len(response.context["suggestions"]) == 33
