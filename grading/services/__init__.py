"""Centre levels from results (网点等级).

Every month `centres_assess` counts each centre's results from its own work — first-time fixes, responses
and arrivals on time (care deadlines), repair time, callback satisfaction, upheld complaints per 100 orders,
repeat repairs within 30 days, defective parts returned on time — with one grouped query per source, scores
them by the grading policy (GradingPolicy's docstring: weights, targets, thresholds, edited in the admin)
and proposes a level. The manager confirms or overrides a proposal with a reason (`assessment_decide`):
the level is in force from the month after the assessed one (the settlement prices the month by the level
in force, grading.selectors.center_level_in_force), the history keeps every decision, and a CenterEvent
records it. `levels_apply` sets each centre's current level on the 1st of the month.
"""

from .compute import centres_assess, centres_of_month, month_assessable, policy_in_force, results_count
from .decide import assessment_decide, center_closed, effective_month, levels_apply

__all__ = [
    "assessment_decide",
    "center_closed",
    "centres_assess",
    "centres_of_month",
    "effective_month",
    "levels_apply",
    "month_assessable",
    "policy_in_force",
    "results_count",
]
