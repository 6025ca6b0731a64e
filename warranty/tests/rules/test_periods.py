"""Counting, the windows, components, no invoice, two repairs, repair too long."""

import datetime as dt
from decimal import Decimal

import pytest

from warranty.calendar import rest_days
from warranty.rules import (
    Period,
    RepairRecord,
    add_months,
    period_end,
)

from .helpers import INVOICE, TWO, D, ev, rules_of


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (D(2026, 1, 1), 12, D(2027, 1, 1)),
        (D(2024, 2, 29), 12, D(2025, 2, 28)),  # no 29 February: the month's last day
        (D(2023, 8, 31), 6, D(2024, 2, 29)),  # leap year
        (D(2025, 8, 31), 6, D(2026, 2, 28)),
        (D(2026, 1, 31), 1, D(2026, 2, 28)),
        (D(2026, 3, 31), 3, D(2026, 6, 30)),
        (D(2026, 11, 30), 3, D(2027, 2, 28)),
        (D(2025, 12, 15), 36, D(2028, 12, 15)),
    ],
)
def test_month_periods_end_on_the_corresponding_day_or_the_months_last(start, months, end):
    assert add_months(start, months) == end
    assert period_end(start, Period(months, "months")) == end


def test_day_periods_do_not_count_the_first_day():
    assert period_end(INVOICE, Period(7, "days")) == D(2026, 1, 8)
    assert period_end(INVOICE, Period(15, "days")) == D(2026, 1, 16)


@pytest.mark.parametrize(
    ("report", "verdict", "options", "liable"),
    [
        (D(2026, 1, 1), "return", ("return", "exchange", "free_repair"), "seller"),
        (D(2026, 1, 8), "return", ("return", "exchange", "free_repair"), "seller"),  # day 7
        (D(2026, 1, 9), "exchange", ("exchange", "free_repair"), "seller"),  # day 8
        (D(2026, 1, 16), "exchange", ("exchange", "free_repair"), "seller"),  # day 15
        (D(2026, 1, 17), "free_repair", ("free_repair",), "maker"),  # day 16
        (D(2027, 1, 1), "free_repair", ("free_repair",), "maker"),  # last day of the year
        (D(2027, 1, 2), "paid_repair", ("paid_repair",), "customer"),  # the day after
    ],
)
def test_windows_of_an_appliance(report, verdict, options, liable):
    decision = ev(report=report)
    assert (decision.verdict, decision.options, decision.liable) == (verdict, options, liable)
    assert (decision.return_until, decision.exchange_until, decision.repair_until) == (
        D(2026, 1, 8),
        D(2026, 1, 16),
        D(2027, 1, 1),
    )


def test_the_reason_cites_the_rule_in_chinese_and_english():
    reason = ev(report=D(2026, 1, 8)).reasons[0]
    assert reason.rule == "window.return"
    assert reason.zh == "售出 7 日内发生性能故障，可选择退货、换货或修理"
    assert "7 days of sale" in reason.en


def test_the_evaluate_example_of_the_contract():
    decision = ev(category="mobile_phone", report=D(2026, 1, 8), rest=rest_days())
    assert decision.verdict == "return"
    assert decision.options == ("return", "exchange", "free_repair")
    assert (
        decision.coverage_start,
        decision.return_until,
        decision.exchange_until,
        decision.repair_until,
    ) == (D(2026, 1, 1), D(2026, 1, 8), D(2026, 1, 16), D(2027, 1, 1))
    assert decision.liable == "seller" and decision.refund_amount is None


def test_a_return_in_the_first_seven_days_refunds_the_full_price():
    assert ev(report=D(2026, 1, 5), price=Decimal("3299.00")).refund_amount == Decimal("3299.00")
    assert ev(report=D(2026, 1, 9), price=Decimal("3299.00")).refund_amount is None  # no return any more


def test_a_cosmetic_complaint_is_repaired_not_returned():
    decision = ev(report=D(2026, 1, 3), performance_fault=False)
    assert decision.verdict == "free_repair" and decision.options == ("free_repair",)


@pytest.mark.parametrize(
    ("category", "component", "last_day"),
    [
        ("air_conditioner", "compressor", D(2029, 1, 1)),
        ("refrigerator", "compressor", D(2029, 1, 1)),
        ("washing_machine", "motor", D(2029, 1, 1)),
        ("air_conditioner", "accessory", D(2026, 4, 1)),
        ("refrigerator", "accessory", D(2026, 4, 1)),
        ("washing_machine", "accessory", D(2026, 4, 1)),
        ("washing_machine", "main_unit", D(2027, 1, 1)),
    ],
)
def test_each_appliance_component_has_its_period(category, component, last_day):
    assert ev(category=category, component=component, report=last_day).verdict in {
        "free_repair",
        "return",
        "exchange",
    }
    assert ev(category=category, component=component, report=last_day).repair_until == last_day
    assert (
        ev(category=category, component=component, report=last_day + dt.timedelta(days=1)).verdict
        == "paid_repair"
    )


@pytest.mark.parametrize(
    ("component", "last_day"),
    [
        ("battery", D(2026, 7, 1)),
        ("charger", D(2027, 1, 1)),
        ("data_cable", D(2027, 1, 1)),
        ("earphones", D(2026, 4, 1)),
    ],
)
def test_phone_accessories_are_repaired_in_their_own_period_never_returned(component, last_day):
    early = ev(category="mobile_phone", component=component, report=D(2026, 1, 3))
    assert early.verdict == "free_repair" and early.options == ("free_repair",)
    assert early.return_until is None and early.exchange_until is None
    assert ev(category="mobile_phone", component=component, report=last_day).verdict == "free_repair"
    assert ev(
        category="mobile_phone", component=component, report=last_day + dt.timedelta(days=1)
    ).verdict == ("paid_repair")


def test_a_battery_from_the_last_day_of_august_runs_to_the_end_of_february():
    decision = ev(
        category="mobile_phone",
        component="battery",
        invoice=D(2023, 8, 31),
        factory=D(2023, 7, 1),
        report=D(2024, 2, 29),
    )
    assert decision.repair_until == D(2024, 2, 29) and decision.verdict == "free_repair"


def test_a_leap_day_invoice_gives_a_year_to_28_february():
    decision = ev(invoice=D(2024, 2, 29), factory=D(2024, 1, 1), report=D(2025, 2, 28))
    assert decision.repair_until == D(2025, 2, 28) and decision.verdict == "free_repair"
    assert ev(invoice=D(2024, 2, 29), factory=D(2024, 1, 1), report=D(2025, 3, 1)).verdict == "paid_repair"


def test_a_compressor_fault_in_the_first_week_still_allows_a_return():
    assert ev(component="compressor", report=D(2026, 1, 4)).verdict == "return"


def test_without_invoice_an_appliance_starts_three_months_after_the_factory_date_and_only_free_repair():
    decision = ev(invoice=None, factory=D(2025, 11, 30), report=D(2026, 1, 3))
    assert decision.coverage_start == D(2026, 2, 28)
    assert decision.repair_until == D(2027, 2, 28)
    assert decision.verdict == "free_repair" and decision.options == ("free_repair",)
    assert decision.return_until is None and decision.exchange_until is None
    assert "start.no_invoice" in rules_of(decision)
    assert ev(invoice=None, factory=D(2025, 11, 30), report=D(2027, 3, 1)).verdict == "paid_repair"


def test_without_invoice_a_phone_starts_on_the_ninetieth_day_after_the_factory_date():
    decision = ev(category="mobile_phone", invoice=None, factory=D(2025, 10, 1), report=D(2026, 1, 5))
    assert decision.coverage_start == D(2025, 12, 30)
    assert decision.repair_until == D(2026, 12, 30)
    assert decision.options == ("free_repair",)


def test_without_invoice_two_repairs_give_no_exchange():
    repairs = [RepairRecord(D(2026, 3, 1), D(2026, 3, 5)), RepairRecord(D(2026, 4, 1), D(2026, 4, 5))]
    decision = ev(invoice=None, factory=D(2025, 11, 30), report=D(2026, 5, 1), repairs=repairs)
    assert decision.options == ("free_repair",)


def test_with_neither_invoice_nor_factory_date_there_is_no_coverage():
    decision = ev(invoice=None, factory=None, report=D(2026, 1, 3))
    assert decision.verdict == "paid_repair" and decision.liable == "customer"
    assert decision.coverage_start is None and decision.repair_until is None
    assert rules_of(decision) == ["start.none"]


def test_the_second_repair_still_failing_allows_exchange_or_return_with_depreciation():
    decision = ev(report=D(2026, 5, 1), repairs=TWO, price=Decimal("3000.00"))
    # The return deducts depreciation, so the remedy at no charge — the verdict — is the exchange; the
    # return stays an option with its refund.
    assert decision.verdict == "exchange" and decision.options == ("return", "exchange", "free_repair")
    assert decision.liable == "seller"
    # 120 days since the invoice, less 4 + 5 days in repair = 111 days of use at 0.1 % a day.
    assert decision.refund_amount == Decimal("3000.00") - Decimal("3000.00") * Decimal("0.001") * 111
    assert "two_repairs" in rules_of(decision)
    reason = next(r for r in decision.reasons if r.rule == "two_repairs")
    assert "扣除 111 日折旧费" in reason.zh and "免费的补救是换货" in reason.zh


def test_a_return_within_the_return_period_is_at_no_charge_and_stays_the_verdict():
    decision = ev(report=D(2026, 1, 5), price=Decimal("3000.00"))
    assert decision.verdict == "return" and decision.refund_amount == Decimal("3000.00")


def test_without_the_same_model_the_full_refund_is_the_verdict():
    decision = ev(report=D(2026, 5, 1), repairs=TWO, price=Decimal("3000.00"), same_model_available=False)
    assert decision.verdict == "return"


def test_without_the_same_model_the_return_refunds_in_full():
    decision = ev(report=D(2026, 5, 1), repairs=TWO, price=Decimal("3000.00"), same_model_available=False)
    assert decision.refund_amount == Decimal("3000.00")


def test_a_phone_return_after_two_repairs_deducts_half_a_percent_a_day():
    decision = ev(category="mobile_phone", report=D(2026, 5, 1), repairs=TWO, price=Decimal("2599.00"))
    assert decision.refund_amount == (Decimal("2599.00") * (1 - Decimal("0.005") * 111)).quantize(
        Decimal("0.01")
    )


def test_one_repair_is_not_two():
    assert ev(report=D(2026, 5, 1), repairs=TWO[:1]).verdict == "free_repair"


def test_repairs_that_were_not_for_performance_faults_do_not_count():
    cosmetic = [RepairRecord(r.sent_on, r.returned_on, performance_fault=False) for r in TWO]
    assert ev(report=D(2026, 5, 1), repairs=cosmetic).verdict == "free_repair"


def test_two_repairs_after_the_period_give_nothing_more():
    assert ev(report=D(2027, 2, 1), repairs=TWO).verdict == "paid_repair"


def test_a_repair_still_open_is_not_a_repair_done():
    open_second = [TWO[0], RepairRecord(D(2026, 4, 1), None)]
    assert ev(report=D(2026, 4, 10), repairs=open_second).verdict == "free_repair"


@pytest.mark.parametrize(
    ("returned_on", "verdict", "liable"),
    [
        (D(2026, 3, 31), "free_repair", "maker"),  # 30 days: not yet too long
        (D(2026, 4, 1), "exchange", "repairer"),  # 31 days
    ],
)
def test_repairer_delay_over_30_days_gives_a_free_exchange_at_the_repairers_cost(
    returned_on, verdict, liable
):
    repairs = [RepairRecord(D(2026, 3, 1), returned_on, delay_cause="repairer")]
    decision = ev(report=D(2026, 4, 2), repairs=repairs)
    assert (decision.verdict, decision.liable) == (verdict, liable)


def test_a_repair_still_open_counts_its_days_to_the_report():
    repairs = [RepairRecord(D(2026, 3, 1), None, delay_cause="repairer")]
    assert ev(report=D(2026, 3, 31), repairs=repairs).verdict == "free_repair"
    assert ev(report=D(2026, 4, 1), repairs=repairs).verdict == "exchange"


@pytest.mark.parametrize(
    ("category", "days", "verdict"),
    [
        # Air conditioners: the maker's 30 days, more generous than the national 90 (Gree 包换政策 3).
        ("air_conditioner", 30, "free_repair"),
        ("air_conditioner", 31, "exchange"),
        ("refrigerator", 90, "free_repair"),
        ("refrigerator", 91, "exchange"),
        ("washing_machine", 91, "exchange"),
        ("mobile_phone", 60, "free_repair"),
        ("mobile_phone", 61, "exchange"),
    ],
)
def test_parts_supply_delay_beyond_the_limit_gives_a_free_exchange(category, days, verdict):
    sent = D(2026, 3, 1)
    repairs = [RepairRecord(sent, sent + dt.timedelta(days=days), delay_cause="parts_supply")]
    decision = ev(category=category, report=sent + dt.timedelta(days=days + 1), repairs=repairs)
    assert decision.verdict == verdict
    if verdict == "exchange":
        assert decision.liable == "maker" and "delay.parts_supply" in rules_of(decision)


def test_a_delay_with_another_cause_gives_no_exchange():
    repairs = [RepairRecord(D(2026, 3, 1), D(2026, 6, 1), delay_cause=None)]
    assert ev(report=D(2026, 6, 2), repairs=repairs).verdict == "free_repair"


def test_a_refurbished_unit_has_the_refurbished_warranty_and_no_return_or_exchange():
    decision = ev(report=D(2026, 1, 5), price=Decimal("1500.00"), refurbished=True)
    assert decision.verdict == "free_repair" and decision.options == ("free_repair",)
    assert decision.return_until is None and decision.exchange_until is None
    assert decision.repair_until == D(2026, 7, 1)  # six months from the invoice of 1 January
    assert "refurbished" in rules_of(decision)
    assert ev(report=D(2026, 7, 2), refurbished=True).verdict == "paid_repair"
