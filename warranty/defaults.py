"""The seeded default policies (issue 3), the first version of each category's terms."""

import datetime as dt
from decimal import Decimal

from .rules import ACCESSORY, MAIN_COMPONENT, MAIN_UNIT, ComponentTerms, Period, Policy

EFFECTIVE_FROM = dt.date(2000, 1, 1)
YEAR, THREE_YEARS = Period(12, "months"), Period(36, "months")


def _appliance(category: str, main_component: str) -> Policy:
    return Policy(
        category=category,
        version=f"{category}/v1",
        return_days=7,
        exchange_days=15,
        components={
            "main_unit": ComponentTerms(MAIN_UNIT, YEAR),
            main_component: ComponentTerms(MAIN_COMPONENT, THREE_YEARS),
            "accessory": ComponentTerms(ACCESSORY, Period(3, "months")),
        },
        parts_supply_limit_days=90,
        no_invoice_start=Period(3, "months"),
        depreciation_rate_per_day=Decimal("0.001"),
    )


DEFAULT_POLICIES: dict[str, Policy] = {
    "mobile_phone": Policy(
        category="mobile_phone",
        version="mobile_phone/v1",
        return_days=7,
        exchange_days=15,
        components={
            "main_unit": ComponentTerms(MAIN_UNIT, YEAR),
            "battery": ComponentTerms(ACCESSORY, Period(6, "months")),
            "charger": ComponentTerms(ACCESSORY, YEAR),
            "data_cable": ComponentTerms(ACCESSORY, YEAR),
            "earphones": ComponentTerms(ACCESSORY, Period(3, "months")),
        },
        parts_supply_limit_days=60,
        no_invoice_start=Period(90, "days"),
        depreciation_rate_per_day=Decimal("0.005"),
        holiday_extension=True,
    ),
    "air_conditioner": _appliance("air_conditioner", "compressor"),
    "refrigerator": _appliance("refrigerator", "compressor"),
    "washing_machine": _appliance("washing_machine", "motor"),
}
