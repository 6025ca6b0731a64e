"""The network's units sold kept counted (repairs.units_sold): the kept counts plus the units registered since
equal a direct count of the units table, whatever was registered, back-dated or corrected, and the jobs that
keep them can run any number of times."""

import datetime as dt
import threading

import pytest
from django.db import connection, transaction
from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from repairs import tasks, units_sold
from repairs.factories import ProductModelFactory, ProductUnitFactory
from repairs.models import ProductUnit, UnitsSold, UnitsSoldMark
from repairs.units_sold import units_in_network, units_sold_fold, units_sold_new, units_sold_recount

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
THIS_MONTH = TODAY.replace(day=1)


def months_back(n: int) -> dt.date:
    first = THIS_MONTH
    for _i in range(n):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return first


def sold(model, day, **fields):
    return ProductUnitFactory(model=model, sale_date=day, factory_date=None, invoice_date=None, **fields)


def direct_by_row() -> dict:
    """What a count of the units table says, at the kept counts' grain."""
    rows = (
        ProductUnit.objects.annotate(month=TruncMonth("sale_date"), replacement=Q(replaces__isnull=False))
        .values("month", "model_id", "replacement")
        .annotate(n=Count("pk"))
    )
    return {(r["month"], r["model_id"], r["replacement"]): r["n"] for r in rows}


def kept_by_row() -> dict:
    return {(r.month, r.model_id, r.replacement): r.units for r in UnitsSold.objects.all()}


def direct_new(first: dt.date, last: dt.date) -> dict:
    following = (last + dt.timedelta(days=32)).replace(day=1)
    rows = (
        ProductUnit.objects.filter(replaces__isnull=True, sale_date__gte=first, sale_date__lt=following)
        .annotate(month=TruncMonth("sale_date"))
        .values("model_id", "month")
        .annotate(n=Count("pk"))
    )
    return {(r["model_id"], r["month"]): r["n"] for r in rows}


@pytest.fixture
def network():
    """Units of two models over four months, one received in an exchange, one with no sale date: counted."""
    a, b = ProductModelFactory(), ProductModelFactory()
    for back, (n_a, n_b) in enumerate([(3, 1), (2, 2), (1, 0), (4, 1)]):
        for _i in range(n_a):
            sold(a, months_back(back) + dt.timedelta(days=1 if back else 0))
        for _i in range(n_b):
            sold(b, months_back(back))
    old = sold(a, months_back(3))
    sold(a, months_back(1), replaces=old, exchanged_on=months_back(1))
    sold(b, None)
    units_sold_recount()
    return {"a": a, "b": b}


def test_the_recount_keeps_what_a_direct_count_says(network):
    assert kept_by_row() == direct_by_row()
    assert UnitsSoldMark.objects.get().through_unit_id == ProductUnit.objects.latest("pk").pk
    assert units_in_network() == ProductUnit.objects.count() == 17
    # The out-of-box panel's months: sold new only (not the unit received in the exchange), this one and two
    # before it.
    assert units_sold_new(first=months_back(2), last=THIS_MONTH) == direct_new(months_back(2), THIS_MONTH)
    assert units_sold_new(first=months_back(2), last=THIS_MONTH)[(network["a"].pk, months_back(1))] == 2


def test_a_unit_registered_today_and_a_sale_back_dated_count_at_once_and_then_in_the_kept_counts(network):
    a, b = network["a"], network["b"]
    before = units_in_network()
    # A sale of today, and a sale of two months ago registered only today (an invoice brought in late): no
    # job has run, the figures have them already, each in its month of sale.
    sold(b, TODAY)
    sold(a, months_back(2) + dt.timedelta(days=3))
    assert units_in_network() == before + 2 == ProductUnit.objects.count()
    assert units_sold_new(first=months_back(2), last=THIS_MONTH) == direct_new(months_back(2), THIS_MONTH)
    # Its month: the one kept before and the one registered since.
    assert units_sold_new(first=months_back(2), last=months_back(2)) == {(a.pk, months_back(2)): 2}

    added = units_sold_fold()

    assert added == 2
    assert kept_by_row() == direct_by_row()
    assert UnitsSoldMark.objects.get().through_unit_id == ProductUnit.objects.latest("pk").pk
    assert units_in_network() == ProductUnit.objects.count()
    assert units_sold_new(first=months_back(3), last=THIS_MONTH) == direct_new(months_back(3), THIS_MONTH)


def test_a_corrected_sale_date_and_a_deleted_unit_are_taken_in_by_the_nightly_recount(network):
    a = network["a"]
    unit = ProductUnit.objects.filter(model=a, sale_date__gte=THIS_MONTH).first()
    # Corrected in the admin: the sale was two months earlier; and a unit registered by mistake removed.
    ProductUnit.objects.filter(pk=unit.pk).update(sale_date=months_back(2))
    ProductUnit.objects.filter(model=network["b"], sale_date__isnull=True).delete()
    assert units_sold_fold() == 0  # a correction is not a registration: the fold has nothing to add

    tasks.units_sold_recount()

    assert kept_by_row() == direct_by_row()
    assert units_in_network() == ProductUnit.objects.count() == 16
    assert units_sold_new(first=months_back(2), last=THIS_MONTH) == direct_new(months_back(2), THIS_MONTH)


def test_the_jobs_change_nothing_when_run_again(network):
    sold(network["a"], TODAY)
    assert tasks.units_sold_fold() == 1
    kept, mark = kept_by_row(), UnitsSoldMark.objects.values_list("through_unit_id", flat=True).get()

    assert tasks.units_sold_fold() == 0
    assert kept_by_row() == kept
    assert tasks.units_sold_recount() == ProductUnit.objects.count()
    assert tasks.units_sold_recount() == ProductUnit.objects.count()
    assert kept_by_row() == kept == direct_by_row()
    assert UnitsSoldMark.objects.values_list("through_unit_id", flat=True).get() == mark


def test_never_counted_the_figures_are_a_direct_count_and_the_first_fold_counts_everything():
    model = ProductModelFactory()
    sold(model, TODAY)
    sold(model, months_back(1))
    UnitsSoldMark.objects.all().delete()
    UnitsSold.objects.all().delete()

    assert units_in_network() == 2
    assert units_sold_new(first=months_back(1), last=THIS_MONTH) == {
        (model.pk, THIS_MONTH): 1,
        (model.pk, months_back(1)): 1,
    }
    assert units_sold_fold() == 2
    assert kept_by_row() == direct_by_row()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data")
def test_a_registration_in_flight_is_waited_for_never_skipped(monkeypatch):
    """A unit still being committed when the job runs must not end below the mark uncounted: the job waits
    for it (here: gives up after its wait, the mark unmoved), and counts it once it is committed."""
    monkeypatch.setattr(units_sold, "LOCK_WAIT", "300ms")
    model = ProductModelFactory()
    sold(model, TODAY)
    units_sold_recount()
    inserted, release, done = threading.Event(), threading.Event(), threading.Event()

    def register():
        try:
            with transaction.atomic():
                sold(model, TODAY)
                inserted.set()
                release.wait(10)
        finally:
            connection.close()
            done.set()

    thread = threading.Thread(target=register)
    thread.start()
    assert inserted.wait(10)
    mark = UnitsSoldMark.objects.get().through_unit_id
    assert units_sold_fold() is None  # held past its wait by the registration in flight: nothing changed
    assert units_sold_recount() is None
    assert UnitsSoldMark.objects.get().through_unit_id == mark
    release.set()
    thread.join(10)
    assert done.is_set()

    assert units_sold_fold() == 1
    assert kept_by_row() == direct_by_row() == {(THIS_MONTH, model.pk, False): 2}
    assert units_in_network() == 2
