"""The grading policy shipped with the application (data migration 0001 and `policy_in_force`): sensible
starting values a manager then tunes in the admin.

Targets follow the appliance makers' service standards: accept and first contact within the promised hours,
on site within the appointment, nine in ten repairs fixed at the first visit, satisfaction near 5, fewer
than one upheld complaint per 200 orders, few repairs repeated within 30 days, old parts back by their due
date. The weights add up to 100."""

from decimal import Decimal

from .choices import Metric

# metric: (weight, target, no points at)
DEFAULT_RULES = {
    Metric.FIRST_TIME_FIX: (20, Decimal("90.00"), Decimal("60.00")),
    Metric.RESPONSE_ON_TIME: (15, Decimal("95.00"), Decimal("70.00")),
    Metric.ARRIVAL_ON_TIME: (15, Decimal("95.00"), Decimal("70.00")),
    Metric.REPAIR_HOURS: (10, Decimal("24.00"), Decimal("96.00")),
    Metric.SATISFACTION: (15, Decimal("4.80"), Decimal("3.50")),
    Metric.COMPLAINTS: (10, Decimal("0.50"), Decimal("3.00")),
    Metric.REPEATS: (10, Decimal("2.00"), Decimal("10.00")),
    Metric.RETURNS_ON_TIME: (5, Decimal("98.00"), Decimal("70.00")),
}
DEFAULT_THRESHOLDS = {
    "diamond_min_score": Decimal("90.0"),
    "gold_min_score": Decimal("80.0"),
    "a_min_score": Decimal("65.0"),
}
DEFAULT_MIN_ORDERS = 20


def default_policy_sync(GradingPolicy, MetricRule):
    """The policy and its rules when there is none yet (a migration's historical models or the real
    ones); an existing policy is left as the manager edited it, with any metric it lacks added."""
    policy = GradingPolicy.objects.order_by("pk").first()
    if policy is None:
        policy = GradingPolicy.objects.create(min_orders=DEFAULT_MIN_ORDERS, **DEFAULT_THRESHOLDS)
    have = set(MetricRule.objects.filter(policy=policy).values_list("metric", flat=True))
    MetricRule.objects.bulk_create(
        MetricRule(policy=policy, metric=str(metric), weight=weight, target=target, zero_at=zero)
        for metric, (weight, target, zero) in DEFAULT_RULES.items()
        if str(metric) not in have
    )
    return policy
