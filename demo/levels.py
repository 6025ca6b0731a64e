"""Demo data of centre levels from results (网点等级): the last three complete months assessed from the demo's
own work (work orders, deadlines, callbacks, complaints, defective-part returns), as the monthly job does on
the 1st.

- the two older months' proposals decided by the manager on the 3rd of the next month: a move of one level
  confirmed, a jump of more on one month's results held (the level kept, with the reason), and the last
  centre of a level keeps it too (the small network is not left without one);
- the last month's left as proposals for the manager to review.

The demo network is small (a dozen orders a centre a month), so its grading policy proposes a change from 5
orders completed in the month instead of the shipped 20. Made once (a month already assessed is left as it
is); the centres' current levels are then set to the decisions in force this month, also on a second run
(the network's part sets the levels it starts from again).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone

from aftersales.months import previous_month
from grading.choices import AssessmentStatus
from grading.models import Assessment
from grading.selectors import month_add
from grading.services import assessment_decide, centres_assess, levels_apply, policy_in_force
from network.choices import CenterLevel

DEMO_MIN_ORDERS = 5
OVERRIDE_REASON = "单月成绩波动较大，保留原等级，下月复核"
LAST_OF_LEVEL_REASON = "本区域该等级仅此一家网点，保留等级，下月复核"
LADDER = [CenterLevel.DIAMOND, CenterLevel.GOLD, CenterLevel.A, CenterLevel.GENERAL]


def _decided_at(month: dt.date, now: dt.datetime) -> dt.datetime:
    """10:00 on the 3rd of the month after `month` (China's time), as the manager reviews after the job."""
    following = month_add(month)
    at = dt.datetime.combine(following.replace(day=3), dt.time(10, 0), tzinfo=now.tzinfo)
    return min(at, now)


def seed_levels(*, now: dt.datetime, network) -> str:
    """Seeds this part once (idempotent); returns one line saying what it made, or "" when nothing."""
    now = timezone.localtime(now)
    last = previous_month(now)
    months = [month_add(last, -2), month_add(last, -1), last]
    if Assessment.objects.filter(month=months[0]).exists():
        levels_apply(now=now)
        return ""
    policy = policy_in_force()
    if policy.min_orders > DEMO_MIN_ORDERS:
        policy.min_orders = DEMO_MIN_ORDERS
        policy.save(update_fields=["min_orders"])
    manager = get_user_model().objects.get(username="manager")
    assessed = confirmed = overridden = 0
    for index, month in enumerate(months):
        if Assessment.objects.filter(month=month).exists():
            continue
        # Counted on the 1st of the next month at 03:00, as the beat job does.
        counted_at = min(dt.datetime.combine(month_add(month), dt.time(3, 0), tzinfo=now.tzinfo), now)
        rows = centres_assess(month=month, now=counted_at)
        assessed += len(rows)
        if index == len(months) - 1:
            continue  # the latest month waits for the manager
        decided_at = _decided_at(month, now)
        held = Counter(a.current_level for a in rows)  # centres at each level as the month is decided
        for assessment in rows:
            if assessment.status != AssessmentStatus.PROPOSED:
                continue
            # The manager confirms a move of one level; a jump of more on one month's results is held, the
            # level kept with a reason, to be looked at again with the next month's.
            # The last centre of a level in the demo's small network keeps it too: the region is not left without one.
            current, proposed = assessment.current_level, assessment.proposed_level
            steps = abs(LADDER.index(proposed) - LADDER.index(current))
            level, reason = None, ""
            if steps > 1:
                level, reason = current, OVERRIDE_REASON
            elif steps and held[current] == 1:
                level, reason = current, LAST_OF_LEVEL_REASON
            try:
                assessment_decide(
                    assessment=assessment, level=level, reason=reason, acting_user=manager, now=decided_at
                )
            except ValidationError:
                continue
            confirmed += 1
            overridden += level is not None
            held[current] -= 1
            held[level or proposed] += 1
    changed = levels_apply(now=now)
    if not assessed:
        return ""
    return (
        f"centre levels: {assessed} monthly assessments over {len(months)} months, {confirmed} confirmed"
        f" ({overridden} overridden with a reason), the last month's proposals awaiting the manager;"
        f" {changed} centres' levels changed"
    )
