"""The register under real concurrency: real transactions, real threads, each on its own connection."""

import datetime as dt
import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from aftersales.models import DailySequence
from aftersales.numbering import next_number
from network.factories import DistrictFactory, ServiceCenterFactory, TechnicianFactory, UserFactory, authorise
from repairs import services
from repairs.choices import WorkOrderStatus as S
from repairs.factories import ProductUnitFactory, WorkOrderFactory
from repairs.models import ProductCategory, RepairCall, WorkOrder, WorkOrderEvent

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reference_data")]


def run_in_threads(targets: list) -> list:
    """Runs each callable in its own thread (closing its connection at the end); returns what each
    returned or raised, in order."""
    results: list = [None] * len(targets)

    def run(index, target):
        try:
            results[index] = target()
        except Exception as exc:  # noqa: BLE001 - handed back to the test
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, t)) for i, t in enumerate(targets)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
        assert not thread.is_alive(), "a thread hung (deadlock?)"
    return results


def unit_sold(days_ago: int = 60):
    sold = timezone.localdate() - dt.timedelta(days=days_ago)
    return ProductUnitFactory(sale_date=sold, invoice_date=sold, factory_date=sold - dt.timedelta(days=30))


def log_call(unit, user, now):
    return services.repair_call_register(
        customer=unit.owner,
        unit=unit,
        caller_name="张三",
        caller_phone="13812345678",
        service_region=DistrictFactory(),
        service_address="中山路 100 号",
        symptom=None,
        symptom_text="不制冷",
        acting_user=user,
        now=now,
    )


def test_two_dispatchers_dispatching_the_same_order_at_once_one_wins_the_other_is_told_who():
    center = ServiceCenterFactory()
    category = ProductCategory.objects.get(code="air_conditioner")
    wang = UserFactory(username="wang", first_name="王小明", roles=["dispatcher"])
    li = UserFactory(username="li", first_name="李大为", roles=["dispatcher"])
    technicians = {}
    for user in (wang, li):
        technicians[user.username] = TechnicianFactory(center=center)
        authorise(technicians[user.username], category)  # skilled and certified: either may take it
    order = WorkOrderFactory(status=S.NEW)
    authorise(technicians["wang"], category, order.call.service_region)
    day = timezone.localdate() + dt.timedelta(days=1)
    start = timezone.make_aware(dt.datetime.combine(day, dt.time(10)))
    barrier = threading.Barrier(2)

    def dispatch_as(user):
        def attempt():
            barrier.wait(timeout=10)
            return services.work_order_dispatch(
                work_order=order,
                center=center,
                technician=technicians[user.username],
                appointment_start=start,
                appointment_end=start + dt.timedelta(hours=2),
                acting_user=user,
            )

        return attempt

    results = run_in_threads([dispatch_as(wang), dispatch_as(li)])

    won = [r for r in results if isinstance(r, WorkOrder)]
    lost = [r for r in results if not isinstance(r, WorkOrder)]
    assert len(won) == 1 and len(lost) == 1, results
    assert isinstance(lost[0], ValidationError), lost[0]
    order.refresh_from_db()
    winner = order.dispatched_by
    assert winner in (wang, li)
    assert order.technician == technicians[winner.username]
    message = lost[0].message_dict["status"][0]
    assert winner.first_name in message
    assert order.number in message
    assert center.name in message
    assert WorkOrderEvent.objects.filter(work_order=order, to_status=S.DISPATCHED).count() == 1


def test_calls_logged_in_parallel_get_distinct_numbers_without_gaps():
    threads, per_thread = 8, 5
    dispatchers = [UserFactory(roles=["dispatcher"]) for _ in range(threads)]
    units = [[unit_sold() for _ in range(per_thread)] for _ in range(threads)]
    now = timezone.now()
    barrier = threading.Barrier(threads)

    def worker(user, own_units):
        def log_all():
            barrier.wait(timeout=10)
            return [log_call(unit, user, now).number for unit in own_units]

        return log_all

    results = run_in_threads([worker(user, own) for user, own in zip(dispatchers, units, strict=True)])

    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors
    numbers = [n for batch in results for n in batch]
    day = timezone.localdate(now)
    assert len(set(numbers)) == threads * per_thread
    assert sorted(numbers) == [f"BX{day:%Y%m%d}-{i:05d}" for i in range(1, threads * per_thread + 1)]
    assert DailySequence.objects.get(prefix="BX", day=day).last == threads * per_thread
    orders = sorted(WorkOrder.objects.values_list("number", flat=True))
    assert orders == [f"PG{day:%Y%m%d}-{i:05d}" for i in range(1, threads * per_thread + 1)]
    assert RepairCall.objects.count() == threads * per_thread


def test_a_rolled_back_call_gives_its_number_back():
    user = UserFactory(roles=["dispatcher"])
    now = timezone.now()
    day = f"{timezone.localdate(now):%Y%m%d}"

    with pytest.raises(RuntimeError), transaction.atomic():
        taken = log_call(unit_sold(), user, now)
        assert taken.number == f"BX{day}-00001"
        raise RuntimeError("the dispatcher's save failed after numbering")

    kept = log_call(unit_sold(), user, now)

    assert kept.number == f"BX{day}-00001"
    assert RepairCall.objects.count() == 1


@pytest.mark.parametrize(("first_ends", "second_gets"), [("rollback", "00001"), ("commit", "00002")])
def test_a_number_held_by_an_open_transaction_makes_the_next_caller_wait(first_ends, second_gets):
    """The second caller waits for the first one's transaction; it then takes the number the first gave
    back, or the next one if the first kept it."""
    day = timezone.localdate()
    taken, release = threading.Event(), threading.Event()
    second_done = threading.Event()

    def first():
        with transaction.atomic():
            number = next_number("TS", day=day)
            taken.set()
            release.wait(timeout=10)
            if first_ends == "rollback":
                transaction.set_rollback(True)
        return number

    def second():
        taken.wait(timeout=10)
        with transaction.atomic():
            number = next_number("TS", day=day)
        second_done.set()
        return number

    def referee():
        taken.wait(timeout=10)
        time.sleep(0.3)
        waited = not second_done.is_set()
        release.set()
        return waited

    first_number, second_number, second_waited = run_in_threads([first, second, referee])

    assert first_number == f"TS{day:%Y%m%d}-00001"
    assert second_waited, "the second caller did not wait for the first transaction"
    assert second_number == f"TS{day:%Y%m%d}-{second_gets}"
