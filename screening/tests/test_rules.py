"""Each rule fires on its pattern, with its evidence explained, and stays silent on a normal order."""

import pytest

from care.models import Callback
from inventory import services as stock
from inventory.factories import PartFactory, WarehouseFactory
from network.factories import DistrictFactory, ServiceCenterFactory, TechnicianFactory, UserFactory
from repairs.choices import WorkOrderStatus as S
from repairs.factories import ProductUnitFactory
from repairs.models import WorkOrder
from screening.models import ClaimFlag, DistrictDistance, ScreeningSettings, VisitDenial
from screening.selectors import explain
from screening.services import month_screen

from .helpers import NOVEMBER, NOW, at, payable, same_model

pytestmark = pytest.mark.django_db


@pytest.fixture
def center():
    return ServiceCenterFactory(code="SC-RL", level="a")


def flagged(order) -> set[str]:
    flag = ClaimFlag.objects.filter(work_order=order).first()
    return set(flag.rules.split(",")) if flag else set()


def hit(order, rule) -> dict:
    flag = ClaimFlag.objects.get(work_order=order)
    return next(h["evidence"] for h in flag.hits if h["rule"] == rule)


def test_a_unit_claimed_again_within_30_days_and_more_than_three_times_a_year(center):
    unit = ProductUnitFactory()
    first = payable(center, at(2026, 11, 2, 10), call__unit=unit)
    again = payable(center, at(2026, 11, 20, 10), call__unit=unit)
    often = ProductUnitFactory()
    for month in (3, 6, 9):
        payable(center, at(2026, month, 10, 10), call__unit=often)
    fourth = payable(center, at(2026, 11, 25, 10), call__unit=often)
    normal = payable(center, at(2026, 11, 21, 10))

    month_screen(month=NOVEMBER, now=NOW)

    assert flagged(again) == {"repeat_30"} and flagged(first) == set()
    assert hit(again, "repeat_30")["other"] == first.number
    assert "30" in explain("repeat_30", hit(again, "repeat_30"))
    assert flagged(fourth) == {"repeat_year"} and hit(fourth, "repeat_year")["claims"] == 4
    assert flagged(normal) == set()


def test_parts_and_cost_far_above_the_norm_of_the_fault_code(center):
    model = same_model()
    ScreeningSettings.objects.update(min_peers=5)
    user = UserFactory(roles=["manager"])
    warehouse = WarehouseFactory(center=center)
    part = PartFactory(category=model.category, unit_cost_amount="120.00", serialized=False)
    stock.stock_receive(warehouse=warehouse, lines=[(part, 20, "120.00")], reference="R", acting_user=user)
    orders = [payable(center, at(2026, 11, day, 10), call__unit__model=model) for day in range(2, 14)]
    # Five of the normal orders use one piece, six none; the padded one five.
    padded = orders[-1]
    for order, pieces in [*((o, 1) for o in orders[:5]), (padded, 5)]:
        WorkOrder.objects.filter(pk=order.pk).update(status=S.IN_REPAIR)
        stock.part_issue(work_order=order, part=part, quantity=pieces, acting_user=user, reason="更换")
        WorkOrder.objects.filter(pk=order.pk).update(status=S.CLOSED)

    month_screen(month=NOVEMBER, now=NOW)

    assert flagged(padded) == {"parts", "cost"}
    evidence = hit(padded, "parts")
    assert evidence["value"] == "5" and evidence["median"] == "0.5" and evidence["peers"] == 12
    assert "5" in explain("parts", evidence) and "z" in explain("parts", evidence)
    cost = hit(padded, "cost")
    assert cost["value"] == "600.00" and cost["median"] == "120.00" and cost["peers"] == 6
    assert all(flagged(o) == set() for o in orders[:-1])


def test_no_proof_unreachable_customer_and_denied_visit(center):
    no_proof = payable(center, at(2026, 11, 3, 10), proof_exception="客户不在家")
    unreachable = payable(center, at(2026, 11, 4, 10))
    Callback.objects.create(
        call=unreachable.call,
        work_order=unreachable,
        center=center,
        reason="work_order_closed",
        status="unreachable",
        due_at=at(2026, 11, 5, 10),
        attempts=3,
    )
    denied = payable(center, at(2026, 11, 5, 10))
    VisitDenial.objects.create(work_order=denied, customer_words="没人来过", recorded_by=UserFactory())
    normal = payable(center, at(2026, 11, 6, 10))

    month_screen(month=NOVEMBER, now=NOW)

    assert flagged(no_proof) == {"no_proof"} and hit(no_proof, "no_proof")["reason"] == "客户不在家"
    assert flagged(unreachable) == {"unreachable"} and hit(unreachable, "unreachable")["attempts"] == 3
    assert flagged(denied) == {"denied"} and "没人来过" in explain("denied", hit(denied, "denied"))
    assert flagged(normal) == set()


def test_a_technician_in_two_places_at_once_or_too_far_apart(center):
    near, far = DistrictFactory(), DistrictFactory()
    DistrictDistance.objects.create(center=center, district=near, km=5)
    DistrictDistance.objects.create(center=center, district=far, km=65)
    tech = TechnicianFactory(center=center)
    one = payable(center, at(2026, 11, 3, 11), technician=tech, call__service_region=near)
    two = payable(center, at(2026, 11, 3, 11, 30), technician=tech, call__service_region=far)
    # 60 km between the districts at least, 20 minutes after the last visit ended.
    three = payable(
        center,
        at(2026, 11, 4, 12),
        technician=tech,
        arrived_at=at(2026, 11, 4, 11, 20),
        call__service_region=far,
    )
    payable(
        center,
        at(2026, 11, 4, 11),
        technician=tech,
        call__service_region=near,
        arrived_at=at(2026, 11, 4, 10),
    )
    # The next day, two hours apart: enough.
    calm = payable(center, at(2026, 11, 5, 16), technician=tech, call__service_region=near)

    month_screen(month=NOVEMBER, now=NOW)

    assert flagged(one) == {"overlap"} and flagged(two) == {"overlap"}
    assert hit(one, "overlap")["other"] == two.number
    assert "too_far" in flagged(three) and hit(three, "too_far")["km"] == 60
    assert flagged(calm) == set()


def test_one_phone_behind_many_units_and_travel_beyond_the_district(center):
    orders = [payable(center, at(2026, 11, d, 10), call__caller_phone="13760001111") for d in range(2, 9)]
    order = payable(center, at(2026, 11, 10, 10), travel_km=40)
    honest = payable(
        center, at(2026, 11, 11, 10), travel_km=12, call__service_region=order.call.service_region
    )
    DistrictDistance.objects.create(center=center, district=order.call.service_region, km=10)

    month_screen(month=NOVEMBER, now=NOW)

    assert all(flagged(o) == {"phone"} for o in orders)
    assert hit(orders[0], "phone")["units"] == 7
    assert "137 6000 1111" in explain("phone", hit(orders[0], "phone"))
    assert flagged(order) == {"travel_km"} and hit(order, "travel_km")["allowed"] == 18
    assert flagged(honest) == set()
