"""Every write of the inspections: plans (from contracts and policies), the daily job, closing a visit."""

from .close import FindingInput, InspectionInput, checklist, inspection_complete
from .job import JobResult, due_visits, inspections_plan
from .plans import (
    contract_plans_sync,
    maintenance_contract_changed,
    per_year_check,
    policy_plans_sync,
    running_plan,
)
from .schedule_one import inspection_schedule

__all__ = [
    "FindingInput",
    "InspectionInput",
    "JobResult",
    "checklist",
    "contract_plans_sync",
    "due_visits",
    "inspection_complete",
    "inspection_schedule",
    "inspections_plan",
    "maintenance_contract_changed",
    "per_year_check",
    "policy_plans_sync",
    "running_plan",
]
