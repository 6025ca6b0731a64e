"""Every rule and every boundary of the 三包 engine, as a table; then properties."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from warranty.calendar import rest_days
from warranty.defaults import DEFAULT_POLICIES
from warranty.rules import (
    ComponentTerms,
    Facts,
    FactsError,
    Period,
    RepairRecord,
    add_months,
    decide,
    effective_policy,
    period_end,
)

D = dt.date
INVOICE = D(2026, 1, 1)
FACTORY = D(2025, 11, 20)


def ev(
    category="air_conditioner",
    component="main_unit",
    report=None,
    invoice=INVOICE,
    factory=FACTORY,
    repairs=(),
    rest=frozenset(),
    **kw,
):
    facts = Facts(
        category=category,
        component=component,
        report_date=report,
        sale_date=invoice or kw.pop("sale", None),
        invoice_date=invoice,
        factory_date=factory,
        repairs=tuple(repairs),
        **kw,
    )
    return decide(facts, DEFAULT_POLICIES.get(category), rest)


def rules_of(decision):
    return [r.rule for r in decision.reasons]


# --- counting (Civil Code arts. 201–202) ---


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


# --- the windows: day 7/8, 15/16, the last day of the repair period and the day after ---


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


# --- components ---


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


# --- no invoice ---


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


# --- two repairs ---

TWO = [RepairRecord(D(2026, 3, 1), D(2026, 3, 5), fixed=False), RepairRecord(D(2026, 4, 1), D(2026, 4, 6))]


def test_the_second_repair_still_failing_allows_exchange_or_return_with_depreciation():
    decision = ev(report=D(2026, 5, 1), repairs=TWO, price=Decimal("3000.00"))
    assert decision.verdict == "return" and decision.options == ("return", "exchange", "free_repair")
    assert decision.liable == "seller"
    # 120 days since the invoice, less 4 + 5 days in repair = 111 days of use at 0.1 % a day.
    assert decision.refund_amount == Decimal("3000.00") - Decimal("3000.00") * Decimal("0.001") * 111
    assert "two_repairs" in rules_of(decision)


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


# --- repair too long: 30 days by the repairer, the parts limit by the maker ---


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


# --- repair time does not count ---


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


# --- exchange restarts the repair period ---


def test_an_exchanged_unit_starts_a_new_repair_period_but_keeps_the_sale_windows():
    decision = ev(report=D(2027, 3, 1), exchanged_on=D(2026, 6, 10))
    assert decision.repair_until == D(2027, 6, 10)
    assert decision.return_until == D(2026, 1, 8) and decision.exchange_until == D(2026, 1, 16)
    assert decision.verdict == "free_repair" and "exchange.restart" in rules_of(decision)
    assert ev(report=D(2027, 6, 11), exchanged_on=D(2026, 6, 10)).verdict == "paid_repair"


def test_repairs_of_the_unit_given_back_do_not_count_for_the_new_one():
    decision = ev(report=D(2026, 8, 1), exchanged_on=D(2026, 6, 10), repairs=TWO)
    assert decision.verdict == "free_repair"


# --- a repair is guaranteed 30 days ---


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


# --- exclusions ---


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


# --- extended warranty ---


def test_an_extended_warranty_gives_free_repair_after_the_period_until_its_end():
    decision = ev(report=D(2028, 1, 1), extended_warranty_until=D(2029, 1, 1))
    assert decision.verdict == "free_repair" and decision.options == ("free_repair",)
    assert "extended_warranty" in rules_of(decision)
    assert ev(report=D(2029, 1, 2), extended_warranty_until=D(2029, 1, 1)).verdict == "paid_repair"


def test_an_extended_warranty_never_gives_a_return():
    decision = ev(report=D(2026, 1, 3), extended_warranty_until=D(2029, 1, 1))
    assert decision.verdict == "return"  # the statutory window, not the contract
    assert "extended_warranty" not in rules_of(decision)


# --- phones: a last day on a rest day moves to the next working day (art. 203) ---


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


# --- the national minimum wins over a stricter policy ---


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


# --- bad facts ---


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


# --- properties ---

dates = st.dates(min_value=D(2020, 1, 1), max_value=D(2030, 12, 31))
categories = st.sampled_from(sorted(DEFAULT_POLICIES))


@st.composite
def facts_pairs(draw):
    """Facts with every repair closed, and a report date plus a later one."""
    category = draw(categories)
    component = draw(st.sampled_from(sorted(DEFAULT_POLICIES[category].components)))
    factory = draw(dates)
    invoice = draw(
        st.one_of(st.none(), st.dates(min_value=factory, max_value=factory + dt.timedelta(days=400)))
    )
    base = invoice or factory
    repairs = []
    for _ in range(draw(st.integers(0, 3))):
        sent = base + dt.timedelta(days=draw(st.integers(0, 900)))
        repairs.append(
            RepairRecord(
                sent,
                sent + dt.timedelta(days=draw(st.integers(0, 120))),
                performance_fault=draw(st.booleans()),
                same_fault=draw(st.booleans()),
                delay_cause=draw(st.sampled_from([None, "repairer", "parts_supply"])),
            )
        )
    latest = max([base, *(r.returned_on for r in repairs)])
    report = latest + dt.timedelta(days=draw(st.integers(0, 1500)))
    later = report + dt.timedelta(days=draw(st.integers(1, 1500)))
    facts = Facts(
        category=category,
        component=component,
        report_date=report,
        sale_date=invoice,
        invoice_date=invoice,
        factory_date=factory,
        repairs=tuple(repairs),
        performance_fault=draw(st.booleans()),
        exclusions=tuple(draw(st.lists(st.sampled_from(["misuse", "voltage"]), max_size=1))),
        extended_warranty_until=draw(st.one_of(st.none(), dates)),
        price=draw(st.one_of(st.none(), st.decimals(min_value=0, max_value=50000, places=2))),
    )
    return facts, later


STRENGTH = {"return": 3, "exchange": 2, "free_repair": 1, "paid_repair": 0}


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
