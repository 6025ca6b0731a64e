"""Reads and writes around the pure rules: which policy applies, a unit's facts, stored decisions."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from .calendar import rest_days
from .models import ExtendedWarranty, MaintenanceContract, WarrantyDecision, WarrantyPolicy
from .rules import Decision, Facts, RepairRecord, decide


def policy_day(facts: Facts) -> dt.date:
    """The day that picks the policy version: the sale (else invoice, factory, report) date."""
    return facts.sale_date or facts.invoice_date or facts.factory_date or facts.report_date


def warranty_evaluate(*, facts: Facts) -> tuple[Decision, WarrantyPolicy | None]:
    """Decide on facts with the policy version the unit was sold under. Raises rules.FactsError."""
    policy = WarrantyPolicy.objects.effective_on(facts.category, policy_day(facts))
    return decide(facts, policy.to_rules() if policy else None, rest_days()), policy


def unit_facts(
    *,
    unit,
    report_date: dt.date,
    component: str = "main_unit",
    performance_fault: bool = True,
    exclusions: tuple[str, ...] = (),
    repairs: tuple[RepairRecord, ...] = (),
) -> Facts:
    """The facts of a registered unit on a report date (its valid extended-warranty contracts included)."""
    extended_until = (
        ExtendedWarranty.objects.valid()
        .filter(unit=unit, starts_on__lte=report_date)
        .order_by("-ends_on")
        .values_list("ends_on", flat=True)
        .first()
    )
    contract = MaintenanceContract.objects.covering(unit.pk, report_date).order_by("-ends_on").first()
    return Facts(
        category=unit.model.category.code,
        component=component,
        report_date=report_date,
        sale_date=unit.sale_date,
        invoice_date=unit.invoice_date,
        factory_date=unit.factory_date,
        performance_fault=performance_fault,
        repairs=tuple(repairs),
        exclusions=tuple(exclusions),
        extended_warranty_until=extended_until,
        price=unit.invoice_amount,
        exchanged_on=unit.exchanged_on if unit.exchanged_on and unit.exchanged_on <= report_date else None,
        refurbished=unit.refurbished,
        contract_number=contract.number if contract else None,
        contract_until=contract.ends_on if contract else None,
        contract_covers=contract.covers if contract else None,
    )


def _jsonable(value):
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    if dataclasses.is_dataclass(value):
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return value


def decision_as_dict(decision: Decision) -> dict:
    return _jsonable(decision)


def warranty_decision_build(*, unit, facts: Facts, acting_user=None, now=None) -> WarrantyDecision:
    """The decision for a unit on `facts`, with its facts and policy version, not yet saved (a bulk writer
    saves many at once; `warranty_decision_record` saves one)."""
    decision, policy = warranty_evaluate(facts=facts)
    return WarrantyDecision(
        unit=unit,
        policy=policy,
        policy_version=decision.policy_version,
        facts=_jsonable(facts),
        verdict=decision.verdict,
        liable=decision.liable,
        result=decision_as_dict(decision),
        decided_at=now or timezone.now(),
        decided_by=acting_user,
    )


def warranty_decision_record(*, unit, facts: Facts, acting_user=None, now=None) -> WarrantyDecision:
    """Decide for a unit and store the decision with its facts and policy version (intake calls this)."""
    decision = warranty_decision_build(unit=unit, facts=facts, acting_user=acting_user, now=now)
    with transaction.atomic():
        decision.save(force_insert=True)
    return decision


def _day(value) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def facts_from_record(data: dict, **changes) -> Facts:
    """The facts a stored decision was taken on (its JSON), with `changes` applied (e.g. another report date)."""
    repairs = tuple(
        RepairRecord(
            sent_on=_day(r["sent_on"]),
            returned_on=_day(r.get("returned_on")),
            fixed=r.get("fixed", True),
            performance_fault=r.get("performance_fault", True),
            same_fault=r.get("same_fault", False),
            delay_cause=r.get("delay_cause"),
        )
        for r in data.get("repairs", [])
    )
    facts = Facts(
        category=data["category"],
        component=data["component"],
        report_date=_day(data["report_date"]),
        sale_date=_day(data.get("sale_date")),
        invoice_date=_day(data.get("invoice_date")),
        factory_date=_day(data.get("factory_date")),
        performance_fault=data.get("performance_fault", True),
        repairs=repairs,
        exclusions=tuple(data.get("exclusions", ())),
        exchanged_on=_day(data.get("exchanged_on")),
        extended_warranty_until=_day(data.get("extended_warranty_until")),
        price=Decimal(data["price"]) if data.get("price") is not None else None,
        same_model_available=data.get("same_model_available", True),
        refurbished=data.get("refurbished", False),
        contract_number=data.get("contract_number"),
        contract_until=_day(data.get("contract_until")),
        contract_covers=data.get("contract_covers"),
    )
    return dataclasses.replace(facts, **changes)
