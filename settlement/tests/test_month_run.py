"""The month's run over every centre: the work of earlier months it pays (a redo completed in the month) is
read once for the whole network and lands in its own centre's statement, as one centre's recompute puts it;
the run's queries are a constant number per centre plus that one read."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from network.factories import ServiceCenterFactory, UserFactory
from repairs.choices import ServiceType
from repairs.choices import WorkOrderStatus as S
from repairs.factories import WorkOrderFactory, finish
from repairs.services import work_order_redo
from settlement.services import settlement_compute, settlements_compute_month

from .test_settlement import NOVEMBER, NOW, at, closed, fee, lines

pytestmark = pytest.mark.django_db


def _sent_back_in_october_redone_in_november(center):
    original = WorkOrderFactory(
        center=center,
        status=S.COMPLETED,
        completed_at=at(2026, 10, 20, 10, 0),
        call__service_type=ServiceType.FREE,
    )
    redo = work_order_redo(
        work_order=original,
        acting_user=UserFactory(roles=["manager"]),
        note="未修好",
        now=at(2026, 10, 22, 9),
    )
    finish(redo, center=center, completed_at=at(2026, 11, 5, 10, 0), closed_at=at(2026, 11, 6, 10, 0))
    type(original).objects.filter(pk=original.pk).update(payment_held=False)  # as care does on completion
    return original


def test_the_months_run_pays_earlier_work_in_its_own_centres_statement_as_a_recompute_does():
    redone_here = ServiceCenterFactory(code="SC-REDO", level="a")
    plain = ServiceCenterFactory(code="SC-PLAIN", level="a")
    original = _sent_back_in_october_redone_in_november(redone_here)
    theirs = closed(plain, at(2026, 11, 10, 10, 0))
    fee(theirs, "90.00", dt.date(2026, 1, 1))  # the factory's one category: the same row prices both

    run = settlements_compute_month(month=NOVEMBER, centers=[redone_here, plain], now=NOW)

    assert {center.code: (lines(s), refused) for center, s, refused in run} == {
        "SC-REDO": ([(original.pk, Decimal("90.00"))], []),
        "SC-PLAIN": ([(theirs.pk, Decimal("90.00"))], []),
    }
    alone = settlement_compute(center=redone_here, month=NOVEMBER, now=NOW)
    assert lines(alone) == [(original.pk, Decimal("90.00"))]
    assert alone.total_amount == run[0][1].total_amount


def test_the_months_queries_are_a_constant_per_centre_plus_one_read_of_the_earlier_work():
    centres = [ServiceCenterFactory(code=f"SC-Q{i}", level="a") for i in range(4)]
    _sent_back_in_october_redone_in_november(centres[0])
    orders = [closed(centre, at(2026, 11, 10, 10, 0)) for centre in centres]
    fee(orders[0], "80.00", dt.date(2026, 1, 1))
    settlements_compute_month(month=NOVEMBER, centers=centres, now=NOW)  # the drafts exist: recomputes below

    with CaptureQueriesContext(connection) as one:
        settlements_compute_month(month=NOVEMBER, centers=centres[:1], now=NOW)
    with CaptureQueriesContext(connection) as four:
        settlements_compute_month(month=NOVEMBER, centers=centres, now=NOW)

    per_centre = len(one) - 1
    assert len(four) == 1 + 4 * per_centre
