"""Demo extended warranties and stored decisions, on the demo units."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from demo.repairs.world import DEMO_CUSTOMER_NUMBER
from repairs.models import ProductUnit, RepairCall
from warranty.models import ExtendedWarranty, WarrantyDecision
from warranty.services import unit_facts, warranty_decision_build, warranty_decision_record


def seed_warranty(*, rng: random.Random, today: dt.date, network) -> None:
    units = list(
        # The demo's own customers' units, not the sales and exchanges the remedies add later.
        ProductUnit.objects.filter(owner__number__regex=DEMO_CUSTOMER_NUMBER, replaces__isnull=True)
        .select_related("model__category", "dealer")
        .order_by("pk")
    )
    # About one unit in twelve with an invoice carries a 2- or 3-year extended warranty from its dealer or a centre.
    for unit in units:
        if unit.invoice_date is None or rng.random() >= 0.08:
            continue
        starts = (
            unit.invoice_date.replace(year=unit.invoice_date.year + 1)
            if not (unit.invoice_date.month == 2 and unit.invoice_date.day == 29)
            else dt.date(unit.invoice_date.year + 1, 3, 1)
        )
        years = rng.choice((2, 3))
        seller = (
            {"sold_by_dealer": unit.dealer}
            if unit.dealer
            else {"sold_by_center": rng.choice(network.centers)}
        )
        ExtendedWarranty.objects.get_or_create(
            number=f"YB{unit.serial_number[-10:]}",
            defaults={
                "unit": unit,
                "starts_on": starts + dt.timedelta(days=1),
                "ends_on": starts.replace(year=starts.year + years),
                "price_amount": Decimal(rng.choice(("199.00", "299.00", "399.00", "599.00"))),
                "cancelled_at": None,
                **seller,
            },
        )
    # Decisions as intake stores them, for units reported in the last three months.
    dispatcher = get_user_model().objects.filter(username="dispatcher").first()
    decided = set(WarrantyDecision.objects.values_list("unit_id", flat=True))
    for unit in rng.sample(units, k=min(40, len(units))):
        # Draw every random value first, so a second run walks the same sequence and skips the same units.
        report = today - dt.timedelta(days=rng.randint(0, 90))
        performance_fault, misuse = rng.random() < 0.85, rng.random() < 0.1
        if unit.pk in decided or unit.sale_date is None:
            continue
        if report < unit.sale_date or (unit.factory_date and report < unit.factory_date):
            continue
        facts = unit_facts(
            unit=unit,
            report_date=report,
            performance_fault=performance_fault,
            exclusions=("misuse",) if misuse else (),
        )
        warranty_decision_record(unit=unit, facts=facts, acting_user=dispatcher)


def decisions_attach(calls, *, acting_user=None) -> int:
    """The 三包 decision intake takes for each call written straight into the tables (bulk history): the unit's
    facts on the day the call was logged, decided by the policy version it was sold under, stored and linked to
    the call as the register shows it. Returns how many were attached."""
    rows = [
        warranty_decision_build(
            unit=call.unit,
            facts=unit_facts(unit=call.unit, report_date=timezone.localdate(call.logged_at)),
            acting_user=acting_user,
            now=call.logged_at,
        )
        for call in calls
    ]
    WarrantyDecision.objects.bulk_create(rows, batch_size=1000)
    for call, row in zip(calls, rows, strict=True):
        call.warranty_decision_id = row.pk
    RepairCall.objects.bulk_update(calls, ["warranty_decision"], batch_size=1000)
    return len(rows)
