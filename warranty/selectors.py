from .choices import Liable, Remedy
from .models import ExtendedWarranty, WarrantyDecision
from .rules import FactsError, RepairRecord
from .services import unit_facts, warranty_evaluate


def unit_warranty_position(*, unit, as_of, repairs: tuple[RepairRecord, ...] = ()) -> dict:
    """What the unit's page shows: today's decision (or why there is none), contracts and past decisions.
    `repairs`: the unit's repairs as the 三包 rules count them (their days extend the period)."""
    try:
        decision, _policy = warranty_evaluate(facts=unit_facts(unit=unit, report_date=as_of, repairs=repairs))
        problem = None
    except FactsError as exc:
        decision, problem = None, "；".join(m for messages in exc.errors.values() for m in messages)
    return {
        "decision": decision,
        "decision_problem": problem,
        "verdict_label": Remedy(decision.verdict).label if decision else None,
        "option_labels": [Remedy(o).label for o in decision.options] if decision else [],
        "liable_label": Liable(decision.liable).label if decision else None,
        "extended_warranties": ExtendedWarranty.objects.filter(unit=unit).select_related(
            "sold_by_dealer", "sold_by_center"
        ),
        "decisions": WarrantyDecision.objects.filter(unit=unit).select_related("decided_by")[:20],
    }
