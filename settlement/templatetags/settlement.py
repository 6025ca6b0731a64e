"""How a statement shows its records."""

from django import template

from care.choices import Stage
from network.choices import AdjustmentKind

register = template.Library()


@register.filter
def adjustment_reference(adjustment) -> str:
    """The reference as a person reads it: a late-deadline penalty names its stage (its reference is the
    stage's code, e.g. completion → 完工)."""
    if adjustment.kind == AdjustmentKind.SLA_PENALTY and adjustment.reference in Stage.values:
        return str(Stage(adjustment.reference).label)
    return adjustment.reference
