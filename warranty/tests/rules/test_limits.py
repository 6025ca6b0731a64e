"""Repair time not counted, exchange restarts the period, the 30-day guarantee, exclusions, extended warranties, phones on rest days, the national minimum, bad facts, properties."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import example, given, settings

from warranty.calendar import rest_days
from warranty.defaults import DEFAULT_POLICIES
from warranty.rules import (
    ComponentTerms,
    Facts,
    FactsError,
    Period,
    RepairRecord,
    decide,
    effective_policy,
)

from .helpers import INVOICE, STRENGTH, TWO, D, ev, facts_pairs, rules_of


def test_days_in_repair_extend_the_repair_period():
    # One repair of 10 days and a cosmetic one of 5 (two performance repairs would allow a return).
    repairs = [
        RepairRecord(D(2026, 6, 1), D(2026, 6, 11)),
        RepairRecord(D(2026, 9, 1), D(2026, 9, 6), performance_fault=False),
    ]
    decision = ev(report=D(2027, 1, 16), repairs=repairs)
    assert decision.repair_until == D(2027, 1, 16)
    assert decision.verdict == "free_repair" and "period.repair_days" in rules_of(decision)
    assert ev(report=D(2027, 1, 17), repairs=repairs).verdict == "paid_repair"


def test_repair_days_do_not_extend_the_return_and_exchange_windows():
    repairs = [RepairRecord(D(2026, 1, 2), D(2026, 1, 6))]
    decision = ev(report=D(2026, 1, 9), repairs=repairs)
    assert decision.return_until == D(2026, 1, 8) and decision.exchange_until == D(2026, 1, 16)


def test_an_exchanged_unit_starts_a_new_repair_period_but_keeps_the_sale_windows():
    decision = ev(report=D(2027, 3, 1), exchanged_on=D(2026, 6, 10))
    assert decision.repair_until == D(2027, 6, 10)
    assert decision.return_until == D(2026, 1, 8) and decision.exchange_until == D(2026, 1, 16)
    assert decision.verdict == "free_repair" and "exchange.restart" in rules_of(decision)
    assert ev(report=D(2027, 6, 11), exchanged_on=D(2026, 6, 10)).verdict == "paid_repair"


def test_repairs_of_the_unit_given_back_do_not_count_for_the_new_one():
    decision = ev(report=D(2026, 8, 1), exchanged_on=D(2026, 6, 10), repairs=TWO)
    assert decision.verdict == "free_repair"


def test_the_same_fault_within_30_days_of_a_repair_is_free_even_after_the_period():
    repairs = [RepairRecord(D(2026, 12, 20), D(2026, 12, 28), same_fault=True)]
    # 8 days in repair extend the year to 2027-01-09; the guarantee runs to 2027-01-27.
    assert ev(report=D(2027, 1, 27), repairs=repairs).verdict == "free_repair"
    assert "repair.guarantee" in rules_of(ev(report=D(2027, 1, 27), repairs=repairs))
    assert ev(report=D(2027, 1, 28), repairs=repairs).verdict == "paid_repair"


def test_the_same_fault_on_the_day_the_repaired_product_comes_back_is_free():
    repairs = [RepairRecord(D(2027, 3, 1), D(2027, 3, 3), same_fault=True)]
    decision = ev(report=D(2027, 3, 3), repairs=repairs)
    assert (decision.verdict, decision.liable) == ("free_repair", "repairer")
    assert "repair.guarantee" in rules_of(decision)


def test_a_different_fault_after_the_period_is_paid():
    repairs = [RepairRecord(D(2026, 12, 20), D(2026, 12, 28), same_fault=False)]
    assert ev(report=D(2027, 1, 20), repairs=repairs).verdict == "paid_repair"


def test_the_guarantee_covers_a_paid_repair_after_the_period():
    repairs = [RepairRecord(D(2027, 3, 1), D(2027, 3, 3), same_fault=True)]
    decision = ev(report=D(2027, 4, 2), repairs=repairs)
    assert (decision.verdict, decision.liable) == ("free_repair", "repairer")
    assert ev(report=D(2027, 4, 3), repairs=repairs).verdict == "paid_repair"


@pytest.mark.parametrize(
    "exclusion",
    [
        "misuse",
        "unauthorized_repair",
        "no_valid_proof",
        "model_mismatch",
        "clearance_item",
        "voltage",
        "force_majeure",
        "man_made_damage",
    ],
)
def test_each_exclusion_means_paid_repair_even_on_day_one(exclusion):
    decision = ev(report=D(2026, 1, 2), exclusions=(exclusion,))
    assert decision.verdict == "paid_repair" and decision.liable == "customer"
    assert rules_of(decision) == [f"exclusion.{exclusion}"]
    assert "不属于三包范围" in decision.reasons[0].zh


def test_an_extended_warranty_gives_free_repair_after_the_period_until_its_end():
    decision = ev(report=D(2028, 1, 1), extended_warranty_until=D(2029, 1, 1))
    assert decision.verdict == "free_repair" and decision.options == ("free_repair",)
    assert "extended_warranty" in rules_of(decision)
    assert ev(report=D(2029, 1, 2), extended_warranty_until=D(2029, 1, 1)).verdict == "paid_repair"


def test_an_extended_warranty_never_gives_a_return():
    decision = ev(report=D(2026, 1, 3), extended_warranty_until=D(2029, 1, 1))
    assert decision.verdict == "return"  # the statutory window, not the contract
    assert "extended_warranty" not in rules_of(decision)


def test_a_phone_period_ending_on_a_holiday_moves_to_the_next_working_day():
    # Invoice 2025-09-23: the 7-day return would end on 2025-09-30, the exchange on 2025-10-08,
    # which is inside the National Day holiday (1–8 October 2025) → 2025-10-09.
    decision = ev(
        category="mobile_phone",
        invoice=D(2025, 9, 23),
        factory=D(2025, 8, 1),
        report=D(2025, 10, 9),
        rest=rest_days(),
    )
    assert decision.exchange_until == D(2025, 10, 9)
    assert decision.verdict == "exchange"


def test_an_appliance_period_does_not_move_for_a_holiday():
    decision = ev(invoice=D(2025, 9, 23), factory=D(2025, 8, 1), report=D(2025, 10, 9), rest=rest_days())
    assert decision.exchange_until == D(2025, 10, 8) and decision.verdict == "free_repair"


def test_a_policy_stricter_than_the_national_minimum_is_raised_to_it():
    stingy = DEFAULT_POLICIES["air_conditioner"]
    stingy = type(stingy)(
        **{
            **stingy.__dict__,
            "return_days": 3,
            "parts_supply_limit_days": 120,
            "components": {
                **stingy.components,
                "compressor": ComponentTerms("main_component", Period(24, "months")),
            },
        }
    )
    effective = effective_policy(stingy)
    assert effective.return_days == 7 and effective.parts_supply_limit_days == 90
    assert effective.components["compressor"].repair == Period(36, "months")


def test_a_more_generous_policy_wins():
    generous = DEFAULT_POLICIES["air_conditioner"]
    generous = type(generous)(
        **{
            **generous.__dict__,
            "components": {
                **generous.components,
                "main_unit": ComponentTerms("main_unit", Period(72, "months")),
            },
        }
    )
    assert (
        decide(
            Facts(
                category="air_conditioner",
                component="main_unit",
                invoice_date=INVOICE,
                report_date=D(2031, 6, 1),
            ),
            generous,
        ).verdict
        == "free_repair"
    )


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"category": "toaster"}, "category"),
        ({"component": "battery"}, "component"),
        ({"report": D(2025, 12, 31)}, "invoice_date"),
        ({"repairs": [RepairRecord(D(2026, 2, 5), D(2026, 2, 1))]}, "repairs[0].returned_on"),
        ({"price": Decimal("-1")}, "price"),
        ({"exclusions": ("bad_luck",)}, "exclusions"),
    ],
)
def test_facts_that_cannot_be_decided_on_are_refused_with_the_field(kwargs, field):
    kwargs.setdefault("report", D(2026, 3, 1))
    with pytest.raises(FactsError) as info:
        ev(**kwargs)
    assert field in info.value.errors


@settings(max_examples=400, deadline=None)
@given(facts_pairs())
@example(  # found by hypothesis: the repair guarantee did not cover the day the product came back
    (
        Facts(
            category="air_conditioner",
            component="accessory",
            report_date=dt.date(2020, 7, 2),
            factory_date=dt.date(2020, 1, 1),
            performance_fault=False,
            repairs=(
                RepairRecord(
                    dt.date(2020, 7, 2), dt.date(2020, 7, 2), performance_fault=False, same_fault=True
                ),
            ),
        ),
        dt.date(2020, 7, 3),
    )
)
def test_a_later_report_never_gives_a_stronger_remedy(pair):
    facts, later = pair
    policy = DEFAULT_POLICIES[facts.category]
    now, then = (
        decide(facts, policy, rest_days()),
        decide(type(facts)(**{**facts.__dict__, "report_date": later}), policy, rest_days()),
    )
    assert STRENGTH[then.verdict] <= STRENGTH[now.verdict]
    assert set(then.options) - {"paid_repair"} <= set(now.options)


@settings(max_examples=300, deadline=None)
@given(facts_pairs())
def test_repair_days_only_extend_and_no_period_ends_before_it_starts(pair):
    facts, _ = pair
    policy = DEFAULT_POLICIES[facts.category]
    with_repairs = decide(facts, policy)
    without = decide(type(facts)(**{**facts.__dict__, "repairs": ()}), policy)
    if with_repairs.repair_until and without.repair_until:
        assert with_repairs.repair_until >= without.repair_until
    start = with_repairs.coverage_start
    for end in (with_repairs.return_until, with_repairs.exchange_until, with_repairs.repair_until):
        assert end is None or (start is not None and end > start)
    assert decide(facts, policy) == with_repairs  # deterministic
    if with_repairs.refund_amount is not None:
        assert Decimal("0") <= with_repairs.refund_amount <= facts.price
