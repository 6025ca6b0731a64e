"""StockLevelFilterSet on its own: the part search, warehouse scope, category, major components, the
"at or below the reorder point" and "zero stock" views, and sorting."""

import datetime as dt
from decimal import Decimal

import pytest

from inventory import services
from inventory.factories import PartFactory, WarehouseFactory
from inventory.filters import StockLevelFilterSet
from inventory.models import ReorderSuggestion, StockLevel
from network.factories import ServiceCenterFactory
from repairs.factories import ProductCategoryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def stock(users):
    manager = users["manager"]
    central = WarehouseFactory(central=True)
    wa = WarehouseFactory(center=users["center"])
    wb = WarehouseFactory(center=ServiceCenterFactory(code="SC-B"))
    aircon = ProductCategoryFactory(code="aircon-f", name="空调F")
    phone = ProductCategoryFactory(code="phone-f", name="手机F")
    compressor = PartFactory(code="YSJ-001", name="变频压缩机", category=aircon, is_major=True)
    fan = PartFactory(code="FJ-010", name="室外风机", category=aircon)
    battery = PartFactory(code="DC-200", name="电池", category=phone)
    services.stock_receive(
        warehouse=central,
        lines=[(compressor, 4, "800.00"), (fan, 10, "90.00"), (battery, 50, "30.00")],
        reference="R",
        acting_user=manager,
    )
    services.stock_transfer(
        source=central, destination=wa, lines=[(fan, 2), (battery, 3)], acting_user=manager
    )
    services.stock_transfer(source=central, destination=wb, lines=[(battery, 1)], acting_user=manager)
    services.stock_adjust(warehouse=wb, part=battery, quantity=-1, reason="丢失", acting_user=manager)
    return {
        "central": central,
        "wa": wa,
        "wb": wb,
        "aircon": aircon,
        "compressor": compressor,
        "fan": fan,
        "battery": battery,
    }


def _keys(data, user, queryset=None):
    filterset = StockLevelFilterSet(data, queryset=queryset or StockLevel.objects.all(), user=user)
    assert filterset.is_valid(), filterset.errors
    return sorted(
        (lv.warehouse.code, lv.part.code) for lv in filterset.qs.select_related("warehouse", "part")
    )


def test_search_by_code_prefix_in_any_case_or_by_a_word_of_the_name(users, stock):
    manager = users["manager"]
    assert _keys({"q": "ysj"}, manager) == [("CW", "YSJ-001")]
    assert _keys({"q": "风机"}, manager) == [("CW", "FJ-010"), (stock["wa"].code, "FJ-010")]
    assert _keys({"q": "  "}, manager) == _keys({}, manager)
    assert _keys({"q": "nothing-like-this"}, manager) == []


def test_warehouse_choices_are_the_users_own(users, stock):
    supervisor = users["supervisor"]
    filterset = StockLevelFilterSet({}, queryset=StockLevel.objects.all(), user=supervisor)
    assert list(filterset.form.fields["warehouse"].queryset) == [stock["wa"]]
    refused = StockLevelFilterSet(
        {"warehouse": stock["wb"].pk}, queryset=StockLevel.objects.all(), user=supervisor
    )
    assert not refused.is_valid() and "warehouse" in refused.errors
    assert _keys({"warehouse": stock["wa"].pk}, supervisor) == [
        (stock["wa"].code, "DC-200"),
        (stock["wa"].code, "FJ-010"),
    ]
    manager_choices = StockLevelFilterSet({}, queryset=StockLevel.objects.all(), user=users["manager"])
    assert set(manager_choices.form.fields["warehouse"].queryset) == {
        stock["central"],
        stock["wa"],
        stock["wb"],
    }


def test_category_and_major_components(users, stock):
    manager = users["manager"]
    assert _keys({"category": stock["aircon"].pk}, manager) == [
        ("CW", "FJ-010"),
        ("CW", "YSJ-001"),
        (stock["wa"].code, "FJ-010"),
    ]
    assert _keys({"major": "on"}, manager) == [("CW", "YSJ-001")]
    assert len(_keys({"major": ""}, manager)) == 6


def test_zero_stock_only(users, stock):
    assert _keys({"attention": "zero"}, users["manager"]) == [(stock["wb"].code, "DC-200")]


def test_below_reorder_point_uses_the_last_reorder_run_only(users, stock):
    manager = users["manager"]
    today = dt.date(2026, 3, 2)

    def suggest(day, warehouse, part, point):
        ReorderSuggestion.objects.create(
            computed_on=day,
            warehouse=warehouse,
            part=part,
            daily_usage=Decimal("1.000"),
            lead_time_days=3,
            safety_stock=1,
            reorder_point=point,
            on_hand=0,
            inbound=0,
            suggested_quantity=1,
        )

    assert _keys({"attention": "below_reorder"}, manager) == []  # no run yet
    suggest(today - dt.timedelta(days=1), stock["central"], stock["fan"], 100)  # stale: yesterday's run
    suggest(today, stock["central"], stock["compressor"], 4)  # 4 on hand, reorder at 4: listed
    suggest(today, stock["wa"], stock["battery"], 2)  # 3 on hand, reorder at 2: not below
    assert _keys({"attention": "below_reorder"}, manager) == [("CW", "YSJ-001")]
    assert (
        _keys(
            {"attention": "below_reorder"},
            users["supervisor"],
            StockLevel.objects.filter(warehouse=stock["wa"]),
        )
        == []
    )


def test_an_unknown_view_is_refused(users, stock):
    filterset = StockLevelFilterSet(
        {"attention": "everything"}, queryset=StockLevel.objects.all(), user=users["manager"]
    )
    assert not filterset.is_valid() and "attention" in filterset.errors


def test_sorting_by_value_and_quantity(users, stock):
    levels = StockLevel.objects.select_related("part", "warehouse")
    by_value = StockLevelFilterSet({"ordering": "-value"}, queryset=levels, user=users["manager"])
    values = [lv.value_amount for lv in by_value.qs]
    assert values == sorted(values, reverse=True) and values[0] == Decimal("3200.00")
    by_quantity = StockLevelFilterSet({"ordering": "quantity"}, queryset=levels, user=users["manager"])
    assert [lv.quantity for lv in by_quantity.qs][:2] == [0, 2]
