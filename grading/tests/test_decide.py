"""The manager's decision: confirmed or overridden with a reason, kept in the history with its audit event,
in force from the month after the assessed one — and the settlement of that month priced by it."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from grading.choices import AssessmentStatus
from grading.models import Assessment, LevelDecision
from grading.selectors import center_level_in_force
from grading.services import assessment_decide, centres_assess, levels_apply
from network.factories import ServiceCenterFactory, UserFactory
from network.models import CenterEvent, FeeSchedule, ServiceCenter
from settlement.services import settlement_compute

from .helpers import NOVEMBER, NOW, at, completed

pytestmark = pytest.mark.django_db
DECEMBER = dt.date(2026, 12, 1)


@pytest.fixture
def center():
    return ServiceCenterFactory(code="SC-LVL", level="a")


@pytest.fixture
def manager():
    return UserFactory(username="grading_mgr", roles=["manager"])


def assessment_of(center, month=NOVEMBER, now=NOW) -> Assessment:
    return next(a for a in centres_assess(month=month, now=now) if a.center_id == center.pk)


def snapshot(center):
    center.refresh_from_db()
    return (
        center.level,
        LevelDecision.objects.count(),
        CenterEvent.objects.count(),
        list(Assessment.objects.values_list("status", flat=True)),
    )


def test_a_confirmed_proposal_is_kept_in_the_history_with_its_event_and_applies_from_the_next_month(
    center, manager
):
    Assessment.objects.all().delete()
    proposal = assessment_of(center)
    Assessment.objects.filter(pk=proposal.pk).update(proposed_level="gold")  # as if the results said gold
    decided_at = at(2026, 12, 3, 10)

    decision = assessment_decide(
        assessment=proposal, level=None, reason="", acting_user=manager, now=decided_at
    )

    assert (decision.level, decision.previous_level, decision.effective_from) == ("gold", "a", DECEMBER)
    assert (decision.decided_by, decision.reason, decision.overridden) == (manager, "", False)
    event = CenterEvent.objects.get(center=center)
    assert (event.kind, event.actor, event.data["from"], event.data["to"]) == (
        "level_confirmed",
        manager,
        "a",
        "gold",
    )
    assert event.data["effective_from"] == "2026-12" and event.data["month"] == "2026-11"
    center.refresh_from_db()
    assert center.level == "gold"  # December has begun: in force now
    assert Assessment.objects.get(pk=proposal.pk).status == AssessmentStatus.CONFIRMED
    assert center_level_in_force(center=center, month=NOVEMBER) == "a"
    assert center_level_in_force(center=center, month=DECEMBER) == "gold"
    # A re-run of November's assessment never changes the confirmed one.
    before = Assessment.objects.filter(pk=proposal.pk).values().get()
    centres_assess(month=NOVEMBER, now=at(2026, 12, 4))
    assert Assessment.objects.filter(pk=proposal.pk).values().get() == before


def test_an_override_needs_a_reason_and_is_recorded_with_it(center, manager):
    proposal = assessment_of(center)  # too few orders: proposes "a" again
    before = snapshot(center)
    for reason in ("", "   "):
        with pytest.raises(ValidationError) as refused:
            assessment_decide(
                assessment=proposal, level="diamond", reason=reason, acting_user=manager, now=NOW
            )
        assert refused.value.message_dict == {"reason": ["改为建议以外的等级须填写理由。"]}
    assert snapshot(center) == before

    decision = assessment_decide(
        assessment=proposal, level="general", reason="多次上门迟到，降级整改", acting_user=manager, now=NOW
    )
    assert (decision.level, decision.proposed_level, decision.overridden) == ("general", "a", True)
    assert CenterEvent.objects.get(center=center).note == "多次上门迟到，降级整改"


def test_refused_decisions_change_nothing(center, manager):
    proposal = assessment_of(center)
    supervisor = UserFactory(roles=["supervisor"])
    center.supervisors.add(supervisor)
    before = snapshot(center)
    with pytest.raises(PermissionDenied):
        assessment_decide(assessment=proposal, level=None, acting_user=supervisor, now=NOW)
    with pytest.raises(ValidationError) as refused:
        assessment_decide(assessment=proposal, level="platinum", reason="x", acting_user=manager, now=NOW)
    assert refused.value.message_dict == {"level": ["请选择四个网点等级之一。"]}
    ServiceCenter.objects.filter(pk=center.pk).update(agreement_end=dt.date(2026, 11, 30))
    with pytest.raises(ValidationError) as refused:
        assessment_decide(assessment=proposal, level=None, acting_user=manager, now=at(2026, 12, 2))
    assert refused.value.message_dict == {
        "level": [f"{center.name} 已关闭（停用或协议已到期），不能设定等级。"]
    }
    ServiceCenter.objects.filter(pk=center.pk).update(agreement_end=None, active=False)
    with pytest.raises(ValidationError):
        assessment_decide(assessment=proposal, level=None, acting_user=manager, now=at(2026, 12, 2))
    assert snapshot(center) == before
    ServiceCenter.objects.filter(pk=center.pk).update(active=True)
    assessment_decide(assessment=proposal, level=None, acting_user=manager, now=at(2026, 12, 2))
    after = snapshot(center)
    with pytest.raises(ValidationError) as refused:
        assessment_decide(assessment=proposal, level=None, acting_user=manager, now=at(2026, 12, 2))
    assert refused.value.message_dict == {"level": [f"{center.name} 2026-11 的等级已经确定过了。"]}
    assert snapshot(center) == after


def test_a_level_confirmed_late_applies_from_the_month_it_is_decided_in_and_the_job_keeps_it(center, manager):
    september = next(
        a for a in centres_assess(month=dt.date(2026, 9, 1), now=NOW) if a.center_id == center.pk
    )
    # September's proposal decided on 20 November: in force from November (never back to October, whose
    # settlement is made already), and the current level changes at once.
    decision = assessment_decide(
        assessment=september,
        level="gold",
        reason="区域扩张需要",
        acting_user=manager,
        now=at(2026, 11, 20, 18),
    )
    assert decision.effective_from == NOVEMBER
    assert [center_level_in_force(center=center, month=m) for m in (dt.date(2026, 10, 1), NOVEMBER)] == [
        "a",
        "gold",
    ]
    center.refresh_from_db()
    assert center.level == "gold"
    # The monthly job sets the current level to the one in force (after an edit by hand, say), once.
    ServiceCenter.objects.filter(pk=center.pk).update(level="a")
    assert levels_apply(now=at(2026, 12, 1, 3)) == 1
    assert levels_apply(now=at(2026, 12, 1, 3)) == 0
    center.refresh_from_db()
    assert center.level == "gold"
    # October's proposal decided in November too would also start in November: refused, it is decided.
    october = next(a for a in centres_assess(month=dt.date(2026, 10, 1), now=NOW) if a.center_id == center.pk)
    before = snapshot(center)
    with pytest.raises(ValidationError) as refused:
        assessment_decide(assessment=october, level=None, acting_user=manager, now=at(2026, 11, 25))
    assert refused.value.messages == [f"{center.name} 从 2026-11 起的等级已经确定（金牌）。"]
    assert snapshot(center) == before


def test_the_settlement_of_the_month_after_uses_the_new_levels_fee(center, manager):
    november_order = completed(center, at(2026, 11, 20, 10))
    december_order = completed(center, at(2026, 12, 5, 10), call__unit__model=november_order.call.unit.model)
    category = november_order.call.unit.model.category
    for level, amount in (("a", "90.00"), ("gold", "120.00")):
        FeeSchedule.objects.create(
            category=category,
            service_kind="on_site_repair",
            center_level=level,
            fee_amount=Decimal(amount),
            valid_from=dt.date(2026, 1, 1),
        )
    proposal = assessment_of(center)
    assessment_decide(
        assessment=proposal, level="gold", reason="服务能力提升", acting_user=manager, now=at(2026, 12, 3)
    )

    november = settlement_compute(center=center, month=NOVEMBER, now=at(2026, 12, 3, 11))
    december = settlement_compute(center=center, month=DECEMBER, now=at(2027, 1, 2))

    assert november.center_level == "a"
    assert [(line.work_order_id, line.amount) for line in november.lines.filter(kind="service_fee")] == [
        (november_order.pk, Decimal("90.00"))
    ]
    assert december.center_level == "gold"
    assert [(line.work_order_id, line.amount) for line in december.lines.filter(kind="service_fee")] == [
        (december_order.pk, Decimal("120.00"))
    ]
