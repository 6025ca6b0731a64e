"""WorkOrder.unit_dealer is the dealer of the call's unit, kept by the database (migration 0009)."""

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
