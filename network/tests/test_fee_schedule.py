"""The fee schedule paid to centres: the row in force on the day the work closed — a change for the 15th
pays from the 15th — per category, service kind and level; travel fees by distance band; bad rows refused
by the database."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from demo.network import seed_fees
from network.models import FeeSchedule, TravelFee
from network.selectors import fee_for, travel_fee_for
from repairs.models import ProductCategory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ac():
    return ProductCategory.objects.get(code="air_conditioner")


def row(category, amount, day, kind="on_site_repair", level="a"):
    return FeeSchedule.objects.create(
        category=category, service_kind=kind, center_level=level, fee_amount=Decimal(amount), valid_from=day
    )


def test_a_change_on_the_15th_pays_work_closed_from_the_15th(ac):
    old = row(ac, "100.00", dt.date(2026, 1, 1))
    new = row(ac, "110.00", dt.date(2026, 10, 15))
    assert (
        fee_for(category_id=ac.pk, service_kind="on_site_repair", center_level="a", day=dt.date(2026, 10, 14))
        == old
    )
    assert (
        fee_for(category_id=ac.pk, service_kind="on_site_repair", center_level="a", day=dt.date(2026, 10, 15))
        == new
    )
    assert (
        fee_for(category_id=ac.pk, service_kind="on_site_repair", center_level="a", day=dt.date(2026, 12, 31))
        == new
    )


def test_no_row_for_the_day_level_or_kind_is_none(ac):
    row(ac, "100.00", dt.date(2026, 1, 1))
    assert (
        fee_for(category_id=ac.pk, service_kind="on_site_repair", center_level="a", day=dt.date(2025, 12, 31))
        is None
    )
    assert (
        fee_for(
            category_id=ac.pk, service_kind="on_site_repair", center_level="gold", day=dt.date(2026, 6, 1)
        )
        is None
    )
    assert (
        fee_for(category_id=ac.pk, service_kind="installation", center_level="a", day=dt.date(2026, 6, 1))
        is None
    )


def test_the_database_refuses_a_negative_fee_a_duplicate_and_an_unknown_kind(ac):
    row(ac, "100.00", dt.date(2026, 1, 1))
    for bad in (
        {"amount": "-1.00", "day": dt.date(2026, 2, 1)},
        {"amount": "90.00", "day": dt.date(2026, 1, 1)},
        {"amount": "90.00", "day": dt.date(2026, 3, 1), "kind": "washing"},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            row(ac, bad["amount"], bad["day"], kind=bad.get("kind", "on_site_repair"))
    assert FeeSchedule.objects.count() == 1


def test_travel_fee_bands_and_a_new_set_replacing_the_old():
    for km_from, km_to, fee in ((0, 10, "0.00"), (10, 30, "20.00"), (30, None, "50.00")):
        TravelFee.objects.create(
            center_level="a",
            km_from=km_from,
            km_to=km_to,
            fee_amount=Decimal(fee),
            valid_from=dt.date(2026, 1, 1),
        )
    TravelFee.objects.create(
        center_level="a", km_from=0, km_to=None, fee_amount=Decimal("15.00"), valid_from=dt.date(2026, 7, 1)
    )
    day = dt.date(2026, 3, 1)
    assert travel_fee_for(center_level="a", km=9, day=day).fee_amount == Decimal("0.00")
    assert travel_fee_for(center_level="a", km=10, day=day).fee_amount == Decimal("20.00")
    assert travel_fee_for(center_level="a", km=250, day=day).fee_amount == Decimal("50.00")
    assert travel_fee_for(center_level="a", km=25, day=dt.date(2026, 8, 1)).fee_amount == Decimal("15.00")
    assert travel_fee_for(center_level="gold", km=5, day=day) is None
    with pytest.raises(IntegrityError), transaction.atomic():
        TravelFee.objects.create(
            center_level="a", km_from=40, km_to=30, fee_amount=Decimal("1.00"), valid_from=day
        )


def test_the_demo_schedule_covers_every_category_kind_and_level_with_a_raise_mid_last_month(ac):
    today = dt.date(2026, 11, 26)
    seed_fees(today=today)
    assert seed_fees(today=today) == 0  # idempotent
    categories = ProductCategory.objects.count()
    assert FeeSchedule.objects.filter(valid_from=dt.date(2026, 1, 1)).count() == categories * 5 * 4
    before = fee_for(
        category_id=ac.pk, service_kind="on_site_repair", center_level="general", day=dt.date(2026, 10, 14)
    )
    after = fee_for(
        category_id=ac.pk, service_kind="on_site_repair", center_level="general", day=dt.date(2026, 10, 15)
    )
    assert (before.fee_amount, after.fee_amount) == (Decimal("90.00"), Decimal("100.00"))
