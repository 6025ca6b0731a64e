"""The demo's centre levels: three months assessed, the two older decided (a move of one level confirmed, a
jump of more held with a reason), the latest left to the manager; a second run makes nothing and keeps the
levels in force."""

import pytest

from demo.levels import seed_levels
from grading.models import Assessment, LevelDecision
from network.factories import ServiceCenterFactory, UserFactory
from network.models import CenterEvent, ServiceCenter

from .helpers import at, completed

pytestmark = pytest.mark.django_db


def test_seed_levels_makes_three_months_once():
    UserFactory(username="manager", roles=["manager"])
    centers = [ServiceCenterFactory(code=f"SC-DEMO{n}", level="general") for n in range(2)]
    for month in (9, 10, 11):
        for center in centers:
            for day in range(1, 6):
                completed(center, at(2026, month, day, 10), hours=6)
    now = at(2026, 12, 10, 9)

    line = seed_levels(now=now, network=None)

    assert line.startswith("centre levels: 6 monthly assessments over 3 months, 4 confirmed (")
    by_month = {
        m: sorted(Assessment.objects.filter(month__month=m).values_list("status", flat=True))
        for m in (9, 10, 11)
    }
    assert by_month == {9: ["confirmed"] * 2, 10: ["confirmed"] * 2, 11: ["proposed"] * 2}
    ladder = ["diamond", "gold", "a", "general"]
    for decision in LevelDecision.objects.all():
        jump = abs(ladder.index(decision.proposed_level) - ladder.index(decision.previous_level)) > 1
        # A jump of more than one level on one month's results is held, with the reason (as is the last centre
        # of a level); the rest confirmed as proposed.
        assert decision.level == (decision.previous_level if decision.reason else decision.proposed_level)
        assert decision.reason or not jump
    assert f"({sum(d.overridden for d in LevelDecision.objects.all())} overridden" in line
    assert CenterEvent.objects.filter(kind="level_confirmed").count() == 4
    levels = dict(ServiceCenter.objects.values_list("code", "level"))

    ServiceCenter.objects.update(level="general")  # the network's part sets its starting levels again
    assert seed_levels(now=now, network=None) == ""
    assert Assessment.objects.count() == 6 and LevelDecision.objects.count() == 4
    assert dict(ServiceCenter.objects.values_list("code", "level")) == levels
