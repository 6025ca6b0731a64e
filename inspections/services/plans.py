"""Inspection plans: one per unit a maintenance contract covers while the contract is active (service type B),
and one per unit of a class an inspection policy names (service type C, free), from its installation day."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from repairs.choices import BEFORE_VISIT, OPEN_STATUSES, ServiceType, WorkOrderStatus
from repairs.models import ProductUnit, WorkOrder
from repairs.services import work_order_transition
from warranty.choices import ContractStatus

from ..choices import MAX_PER_YEAR
from ..models import InspectionPlan, InspectionPolicy
from ..schedule import due_date


def per_year_check(per_year) -> int:
    """A plan promises at least one visit a year (the half-year minimum then makes it two)."""
    try:
        value = int(per_year)
    except (TypeError, ValueError):
        value = 0
    if not 1 <= value <= MAX_PER_YEAR:
        raise ValidationError(
            {
                "inspections_per_year": _(
                    "An inspection plan needs 1 to %(max)s inspections a year (at least one every half year is made)."
                )
                % {"max": MAX_PER_YEAR}
            },
            code="per_year",
        )
    return value


def running_plan(*, unit, day: dt.date | None = None) -> InspectionPlan | None:
    """The plan a unit's inspections are made under: a contract's before a policy's."""
    plans = InspectionPlan.objects.running().filter(unit=unit)
    if day is not None:
        # In force that day: a visit before the plan starts (the contract's start, the installation) or after it
        # ends is not one of its visits.
        plans = plans.filter(starts_on__lte=day).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day))
    return plans.order_by(F("policy_id").asc(nulls_first=True), "pk").first()


def contract_plans_sync(*, contract, now: dt.datetime) -> int:
    """Listens to MAINTENANCE_CONTRACT_CHANGED, in the contract's transaction. An active contract gets a plan
    per covered unit (a unit taken off the contract ends its plan); a cancelled or expired one ends its plans —
    no further visit is planned — and a cancelled one's open inspection orders are cancelled."""
    today = timezone.localdate(now)
    if contract.status == ContractStatus.ACTIVE:
        per_year = per_year_check(contract.inspections_per_year)
        unit_ids = set(contract.unit_links.values_list("unit_id", flat=True))
        existing = {p.unit_id: p for p in InspectionPlan.objects.filter(contract=contract)}
        made = 0
        for unit_id in sorted(unit_ids - set(existing)):
            InspectionPlan.objects.create(
                unit_id=unit_id,
                contract=contract,
                service_type=ServiceType.CONTRACT,
                per_year=per_year,
                visit_mode=contract.visit_mode,
                center_id=contract.center_id,
                first_on=contract.first_inspection_on,
                starts_on=contract.starts_on,
                ends_on=contract.ends_on,
                created_at=now,
            )
            made += 1
        InspectionPlan.objects.filter(contract=contract, ended_on__isnull=True).exclude(
            unit_id__in=unit_ids
        ).update(ended_on=today)
        InspectionPlan.objects.filter(contract=contract, ended_on__isnull=True).update(
            per_year=per_year,
            visit_mode=contract.visit_mode,
            center_id=contract.center_id,
            first_on=contract.first_inspection_on,
            starts_on=contract.starts_on,
            ends_on=contract.ends_on,
        )
        return made
    if contract.status in (ContractStatus.CANCELLED, ContractStatus.EXPIRED):
        InspectionPlan.objects.filter(contract=contract, ended_on__isnull=True).update(ended_on=today)
        if contract.status == ContractStatus.CANCELLED:
            _cancel_open_orders(contract=contract, now=now)
    return 0


def _cancel_open_orders(*, contract, now: dt.datetime) -> None:
    cancellable = (OPEN_STATUSES & (BEFORE_VISIT | {WorkOrderStatus.EN_ROUTE, WorkOrderStatus.ON_SITE})) | {
        WorkOrderStatus.TO_RESCHEDULE
    }
    orders = WorkOrder.objects.filter(
        inspection__plan__contract=contract, inspection__done_at__isnull=True, status__in=cancellable
    ).order_by("pk")
    note = _("Maintenance contract %(number)s cancelled: the inspection is no longer due.") % {
        "number": contract.number
    }
    for order in orders:
        work_order_transition(
            work_order=order, to_status=WorkOrderStatus.CANCELLED, acting_user=None, note=note, now=now
        )


def maintenance_contract_changed(*, contract, previous: str, now: dt.datetime) -> None:
    """The listener registered in InspectionsConfig.ready."""
    contract_plans_sync(contract=contract, now=now)


def policy_plans_sync(*, now: dt.datetime | None = None) -> int:
    """Gives every unit of a class an active policy names a plan from its installation day (its acceptance
    day, else its sale day), set-based: one anti-join per policy. A model's own policy comes before its
    category's. Plans of a policy switched off end. Returns the plans made."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    made = 0
    with transaction.atomic():
        InspectionPlan.objects.running().filter(policy__active=False).update(ended_on=today)
        policies = list(InspectionPolicy.objects.filter(active=True).order_by("model_id", "pk"))
        own_models = [p.model_id for p in policies if p.model_id]
        for policy in policies:
            units = ProductUnit.objects.filter(model__category_id=policy.category_id)
            units = (
                units.filter(model_id=policy.model_id)
                if policy.model_id
                else units.exclude(model_id__in=own_models)
            )
            rows = (
                units.annotate(installed_on=Coalesce("accepted_on", "sale_date"))
                .filter(installed_on__isnull=False)
                .filter(~Exists(InspectionPlan.objects.filter(unit=OuterRef("pk"), policy__isnull=False)))
                .values_list("pk", "installed_on")
            )
            plans = [
                InspectionPlan(
                    unit_id=unit_id,
                    policy=policy,
                    service_type=ServiceType.FREE,
                    per_year=policy.per_year,
                    visit_mode=policy.visit_mode,
                    first_on=_first_visit(installed_on, policy.per_year),
                    starts_on=today,
                    created_at=now,
                )
                for unit_id, installed_on in rows.iterator(chunk_size=5000)
            ]
            made += len(InspectionPlan.objects.bulk_create(plans, batch_size=2000, ignore_conflicts=True))
    return made


def _first_visit(installed_on: dt.date, per_year: int) -> dt.date:
    """The first visit one period after installation (a month for 12 a year)."""
    return due_date(installed_on, per_year, 1)
