"""Each result of a centre's month counted from real rows, the score and the proposal made from the policy's
thresholds, and a second run giving the same rows."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from care.choices import Stage
from grading import scoring
from grading.choices import AssessmentStatus, Metric
from grading.models import Assessment, GradingPolicy, MetricRule
from grading.services import centres_assess, policy_in_force, results_count
from network.factories import ServiceCenterFactory, UserFactory
from repairs.choices import WorkOrderStatus as S
from repairs.factories import WorkOrderFactory

from .helpers import (
    NOVEMBER,
    NOW,
    again,
    at,
    callback,
    complaint,
    completed,
    deadline,
    tag,
    waited_for_parts,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def center():
    return ServiceCenterFactory(code="SC-GRD", level="a")


def test_each_result_is_counted_from_the_months_own_rows(center):
    other = ServiceCenterFactory(code="SC-OTHER")
    # Orders completed in November: 4 (10, 20, 30 and 40 hours from creation); one had a redo order, one
    # waited for parts. October's, another centre's and a cancelled one do not count.
    plain = completed(center, at(2026, 11, 2, 10), hours=10)
    redone = completed(center, at(2026, 11, 3, 10), hours=20)
    WorkOrderFactory(
        call=redone.call, center=center, status=S.DISPATCHED, redo_of=redone, created_at=at(2026, 11, 6)
    )
    waited = completed(center, at(2026, 11, 4, 10), hours=30)
    waited_for_parts(waited, at(2026, 11, 3, 12))
    completed(center, at(2026, 11, 30, 23, 59), hours=40)
    completed(center, at(2026, 10, 31, 23, 59))  # October in China's time
    completed(other, at(2026, 11, 5, 10))
    WorkOrderFactory(center=center, status=S.CANCELLED, completed_at=at(2026, 11, 5))
    # Deadlines due in November: responses 1 of 2 on time (accept met, first contact met late); arrivals
    # 1 of 2 (one met, one breached); a cancelled one and December's are not settled in November.
    deadline(center, Stage.ACCEPT, at(2026, 11, 2, 12), met_at=at(2026, 11, 2, 11))
    deadline(center, Stage.FIRST_CONTACT, at(2026, 11, 2, 14), met_at=at(2026, 11, 2, 15))
    deadline(center, Stage.ON_SITE, at(2026, 11, 3, 14), met_at=at(2026, 11, 3, 13, 50))
    deadline(center, Stage.ON_SITE, at(2026, 11, 4, 14), breached=True)
    deadline(center, Stage.ON_SITE, at(2026, 11, 5, 14), breached=True, cancelled=True)
    deadline(center, Stage.ON_SITE, at(2026, 12, 1, 9), met_at=at(2026, 12, 1, 8))
    deadline(center, Stage.COMPLETION, at(2026, 11, 6, 9), breached=True)  # not a response nor an arrival
    # Callbacks reached in November: 5 and 4; October's 1 does not count.
    callback(center, at(2026, 11, 8, 10), 5)
    callback(center, at(2026, 11, 9, 10), 4)
    callback(center, at(2026, 10, 9, 10), 1)
    manager = UserFactory(roles=["manager"])
    complaint(center, at(2026, 11, 10, 10), upheld=True, by=manager)
    complaint(center, at(2026, 11, 11, 10), upheld=False, by=manager)
    complaint(center, at(2026, 10, 11, 10), upheld=True, by=manager)
    # The plain order's unit called again 18 days after completion: a repeat; the redo above is one too. A
    # unit completed on 1 October called again on 15 November (45 days): not one.
    again(plain, at(2026, 11, 20, 9))
    old = completed(center, at(2026, 10, 1, 10))
    again(old, at(2026, 11, 15, 9))
    # Parts due back in November: one shipped by its due date, one after, one still owed; one cancelled, and
    # December's, do not count.
    tag(center, dt.date(2026, 11, 10), shipped_at=at(2026, 11, 10, 20))
    tag(center, dt.date(2026, 11, 12), shipped_at=at(2026, 11, 13, 9))
    tag(center, dt.date(2026, 11, 20))
    tag(center, dt.date(2026, 11, 21), status="cancelled")
    tag(center, dt.date(2026, 12, 2))

    counts = results_count(center_ids=[center.pk, other.pk], first=NOVEMBER)[center.pk]

    assert counts == scoring.Counts(
        orders=4,
        first_time_fixed=2,
        response_due=2,
        response_on_time=1,
        arrival_due=2,
        arrival_on_time=1,
        repair_hours=Decimal("25.00"),
        callbacks_scored=2,
        satisfaction=Decimal("4.50"),
        complaints_upheld=1,
        repeats=2,
        returns_due=3,
        returns_on_time=1,
    )
    values = scoring.metric_values(counts)
    assert values[Metric.FIRST_TIME_FIX] == Decimal("50.00")
    assert values[Metric.COMPLAINTS] == Decimal("25.00")  # 1 upheld per 4 orders = 25 per 100
    assert values[Metric.RETURNS_ON_TIME] == Decimal("33.33")


def test_the_score_weighs_each_metric_between_its_zero_point_and_target_and_leaves_out_what_has_no_data():
    rules = [
        scoring.Rule(Metric.FIRST_TIME_FIX, 20, Decimal("90"), Decimal("60")),
        scoring.Rule(Metric.REPAIR_HOURS, 10, Decimal("24"), Decimal("96")),  # lower is better
        scoring.Rule(Metric.SATISFACTION, 15, Decimal("4.8"), Decimal("3.5")),
    ]
    values = {
        Metric.FIRST_TIME_FIX: Decimal("75"),
        Metric.REPAIR_HOURS: Decimal("12"),
        Metric.SATISFACTION: None,
    }
    total, detail = scoring.score(values, rules)
    # 20 × 0.5 = 10 points, 10 × 1 = 10 points, satisfaction left out: 100 × 20 / 30
    assert total == Decimal("66.7")
    assert (
        detail[Metric.FIRST_TIME_FIX]["points"] == "10.00" and detail[Metric.SATISFACTION]["points"] is None
    )
    thresholds = GradingPolicy(
        diamond_min_score=Decimal("90"), gold_min_score=Decimal("80"), a_min_score=Decimal("65")
    ).thresholds()
    assert scoring.proposed_level(total, thresholds, current="general", enough_orders=True) == "a"
    assert scoring.proposed_level(Decimal("90.0"), thresholds, current="a", enough_orders=True) == "diamond"
    assert scoring.proposed_level(Decimal("64.9"), thresholds, current="a", enough_orders=True) == "general"
    assert scoring.proposed_level(Decimal("95"), thresholds, current="a", enough_orders=False) == "a"


def test_the_month_is_assessed_from_the_policys_thresholds_and_a_second_run_gives_the_same_rows(center):
    for day in range(1, 6):
        completed(center, at(2026, 11, day, 10), hours=8)
    policy = policy_in_force()
    policy.min_orders = 5
    policy.save()
    first = {a.center_id: a for a in centres_assess(month=NOVEMBER, now=NOW)}
    mine = first[center.pk]
    # Everything fixed the first time, 8 hours each, nothing else measured: full points on what has data.
    assert (mine.orders, mine.score, mine.current_level, mine.proposed_level) == (
        5,
        Decimal("100.0"),
        "a",
        "diamond",
    )
    assert mine.points[Metric.REPAIR_HOURS] == {"value": "8.00", "points": "10.00", "weight": 10}
    # The manager raises the bar for diamond and gold and for repair time: the same work proposes grade A.
    GradingPolicy.objects.update(diamond_min_score=Decimal("100.0"), gold_min_score=Decimal("99.0"))
    MetricRule.objects.filter(metric=Metric.REPAIR_HOURS).update(
        target=Decimal("4.00"), zero_at=Decimal("12.00")
    )
    second = {a.center_id: a for a in centres_assess(month=NOVEMBER, now=NOW)}
    assert second[center.pk].pk == mine.pk and Assessment.objects.count() == len(first)
    # First-time fix 20, repair time 10 × (12 − 8) / 8 = 5, no complaint 10, no repeat 10: 45 of 50.
    assert (second[center.pk].score, second[center.pk].proposed_level) == (Decimal("90.0"), "a")
    assert Assessment.objects.get(pk=mine.pk).status == AssessmentStatus.PROPOSED


def test_too_few_orders_keep_the_level_and_a_month_not_over_is_refused(center):
    completed(center, at(2026, 11, 2, 10))
    mine = next(a for a in centres_assess(month=NOVEMBER, now=NOW) if a.center_id == center.pk)
    assert (mine.enough_orders, mine.proposed_level) == (False, "a")
    with pytest.raises(ValidationError) as refused:
        centres_assess(month=dt.date(2026, 12, 1), now=NOW)
    assert refused.value.messages == ["2026-12 还没有结束，不能评定其结果。"]


def test_closed_and_standby_centres_are_not_assessed(center):
    ServiceCenterFactory(code="SC-SHUT", active=False)
    ServiceCenterFactory(code="SC-ENDED", agreement_end=dt.date(2026, 10, 31))
    codes = {a.center.code for a in centres_assess(month=NOVEMBER, now=NOW)}
    assert "SC-GRD" in codes and not codes & {"SC-SHUT", "SC-ENDED"}
