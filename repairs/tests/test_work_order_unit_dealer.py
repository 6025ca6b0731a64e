"""WorkOrder.unit_dealer is the dealer of the call's unit, kept by the database (migrations 0011–0012)."""

import pytest

from network.factories import DealerFactory
from repairs.factories import ProductUnitFactory, RepairCallFactory, WorkOrderFactory
from repairs.models import ProductUnit, RepairCall, WorkOrder

pytestmark = pytest.mark.django_db


def _dealer_of(order):
    return WorkOrder.objects.filter(pk=order.pk).values_list("unit_dealer_id", flat=True).get()


def test_a_new_work_order_takes_the_dealer_of_its_unit_and_follows_changes():
    a, b = DealerFactory(), DealerFactory()
    order = WorkOrderFactory(call=RepairCallFactory(unit=ProductUnitFactory(dealer=a)))
    assert _dealer_of(order) == a.pk
    # A full save() (every column, a stale None for unit_dealer) does not lose it.
    order.note = "x"
    order.save()
    assert _dealer_of(order) == a.pk
    ProductUnit.objects.filter(pk=order.call.unit_id).update(dealer=b)
    assert _dealer_of(order) == b.pk
    other_unit = ProductUnitFactory(dealer=None, owner=order.call.customer)
    RepairCall.objects.filter(pk=order.call_id).update(unit=other_unit)
    assert _dealer_of(order) is None


def test_a_dealers_scope_follows_the_unit(user_factory):
    a, b = DealerFactory(), DealerFactory()
    user = user_factory(roles=["dealer"])
    a.users.add(user)
    order = WorkOrderFactory(call=RepairCallFactory(unit=ProductUnitFactory(dealer=a)))
    assert list(WorkOrder.objects.for_user(user)) == [order]
    ProductUnit.objects.filter(pk=order.call.unit_id).update(dealer=b)
    assert list(WorkOrder.objects.for_user(user_factory(username=user.username))) == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data")
def test_an_order_created_while_its_units_dealer_changes_gets_the_new_dealer():
    """Another transaction moves the unit to dealer B and commits half a second later; an order inserted
    meanwhile waits for it and is B's, not left with A (which would show it to the wrong dealer)."""
    import threading

    from django.db import connection, transaction

    a, b = DealerFactory(), DealerFactory()
    call = RepairCallFactory(unit=ProductUnitFactory(dealer=a))
    changed, commit = threading.Event(), threading.Event()

    def move_the_unit():
        try:
            with transaction.atomic():
                ProductUnit.objects.filter(pk=call.unit_id).update(dealer=b)
                changed.set()
                commit.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=move_the_unit)
    thread.start()
    assert changed.wait(10)
    threading.Timer(0.5, commit.set).start()
    order = WorkOrderFactory(call=call)
    thread.join()
    assert _dealer_of(order) == b.pk
