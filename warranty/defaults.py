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


def default_policies_sync(WarrantyPolicy, ComponentPeriod, ProductCategory, Component) -> None:  # noqa: N803
    """Create version v1 of each category's policy where the category has none yet."""
    for code, policy in DEFAULT_POLICIES.items():
        category = ProductCategory.objects.filter(code=code).first()
        if category is None or WarrantyPolicy.objects.filter(category=category).exists():
            continue
        row = WarrantyPolicy.objects.create(
            category=category,
            version="v1",
            effective_from=EFFECTIVE_FROM,
            return_days=policy.return_days,
            exchange_days=policy.exchange_days,
            parts_supply_limit_days=policy.parts_supply_limit_days,
            no_invoice_start_value=policy.no_invoice_start.value,
            no_invoice_start_unit=policy.no_invoice_start.unit,
            depreciation_percent_per_day=policy.depreciation_rate_per_day * 100,
            holiday_extension=policy.holiday_extension,
            repairer_delay_limit_days=policy.repairer_delay_limit_days,
            repair_guarantee_days=policy.repair_guarantee_days,
            note="默认政策：国家三包规定及厂家政策（种子文件 003、004）",
        )
        for component_code, terms in policy.components.items():
            ComponentPeriod.objects.create(
                policy=row,
                component=Component.objects.get(category=category, code=component_code),
                period_value=terms.repair.value,
                period_unit=terms.repair.unit,
            )
