"""Helpers of the rules tests."""

import datetime as dt

from hypothesis import strategies as st

from warranty.defaults import DEFAULT_POLICIES
from warranty.rules import (
    Facts,
    RepairRecord,
    decide,
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


TWO = [RepairRecord(D(2026, 3, 1), D(2026, 3, 5), fixed=False), RepairRecord(D(2026, 4, 1), D(2026, 4, 6))]

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
