"""The seeded default policies: the first version of each category's terms, and the versions that followed.

A policy is versioned by the sale date it applies from (WarrantyPolicy.effective_from): a change is a new
version, and a stored decision keeps the version it was taken under (its `policy_version`)."""

import datetime as dt
from dataclasses import replace
from decimal import Decimal

from .rules import ACCESSORY, MAIN_COMPONENT, MAIN_UNIT, ComponentTerms, Period, Policy

EFFECTIVE_FROM = dt.date(2000, 1, 1)
YEAR, THREE_YEARS = Period(12, "months"), Period(36, "months")
FIRST_NOTE = "默认政策：国家三包规定及厂家政策（种子文件 003、004）"


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


# Version v1 of each category, effective from EFFECTIVE_FROM, as first seeded.
FIRST_POLICIES: dict[str, Policy] = {
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


# The versions after v1: (applies to units sold from, terms, note).
#
# Air conditioners, v2: the maker's exchange policy (Gree 包换政策 3) exchanges a unit not repaired 30 days
# after it was sent in for want of the maker's parts, where the national rule (《部分商品修理更换退货责任规定》
# art. 12) allows 90. The maker's term is the more generous, so it wins. v1 stated the national 90 days;
# the maker's 30 is what it promised for every unit it sold, so v2 applies from the day after v1 began
# (that is, to every unit), while v1 stays as it was for the decisions taken under it.
LATER_VERSIONS: list[tuple[dt.date, Policy, str]] = [
    (
        EFFECTIVE_FROM + dt.timedelta(days=1),
        replace(FIRST_POLICIES["air_conditioner"], version="air_conditioner/v2", parts_supply_limit_days=30),
        "厂家政策：因生产者未供应零配件，自送修之日起超过 30 日未修好的可换货（国家规定为 90 日，种子文件 004）；"
        "更正 v1 的 90 日，适用于所有已售空调",
    ),
]

# The terms in force now, per category: the latest version of each.
DEFAULT_POLICIES: dict[str, Policy] = {
    **FIRST_POLICIES,
    **{policy.category: policy for _day, policy, _note in sorted(LATER_VERSIONS, key=lambda v: v[0])},
}


def _policy_row_create(WarrantyPolicy, ComponentPeriod, Component, *, category, policy, effective_from, note):  # noqa: N803
    row = WarrantyPolicy.objects.create(
        category=category,
        version=policy.version.split("/", 1)[1],
        effective_from=effective_from,
        return_days=policy.return_days,
        exchange_days=policy.exchange_days,
        parts_supply_limit_days=policy.parts_supply_limit_days,
        no_invoice_start_value=policy.no_invoice_start.value,
        no_invoice_start_unit=policy.no_invoice_start.unit,
        depreciation_percent_per_day=policy.depreciation_rate_per_day * 100,
        holiday_extension=policy.holiday_extension,
        repairer_delay_limit_days=policy.repairer_delay_limit_days,
        repair_guarantee_days=policy.repair_guarantee_days,
        note=note,
    )
    for component_code, terms in policy.components.items():
        ComponentPeriod.objects.create(
            policy=row,
            component=Component.objects.get(category=category, code=component_code),
            period_value=terms.repair.value,
            period_unit=terms.repair.unit,
        )
    return row


def default_policies_sync(WarrantyPolicy, ComponentPeriod, ProductCategory, Component) -> None:  # noqa: N803
    """Create version v1 of each category's policy where the category has none yet, then the later
    versions (policy_versions_sync)."""
    for code, policy in FIRST_POLICIES.items():
        category = ProductCategory.objects.filter(code=code).first()
        if category is None or WarrantyPolicy.objects.filter(category=category).exists():
            continue
        _policy_row_create(
            WarrantyPolicy,
            ComponentPeriod,
            Component,
            category=category,
            policy=policy,
            effective_from=EFFECTIVE_FROM,
            note=FIRST_NOTE,
        )
    policy_versions_sync(WarrantyPolicy, ComponentPeriod, ProductCategory, Component)


def policy_versions_sync(WarrantyPolicy, ComponentPeriod, ProductCategory, Component) -> None:  # noqa: N803
    """Add each later version to a category whose history is the seeded one (its v1 is there), unless the
    version, or another version on the same date, is there already. Never changes an existing version:
    the decisions taken under it keep meaning what they meant."""
    for effective_from, policy, note in LATER_VERSIONS:
        category = ProductCategory.objects.filter(code=policy.category).first()
        if category is None:
            continue
        versions = WarrantyPolicy.objects.filter(category=category)
        if not versions.filter(version="v1", effective_from=EFFECTIVE_FROM).exists():
            continue
        label = policy.version.split("/", 1)[1]
        if versions.filter(version=label).exists() or versions.filter(effective_from=effective_from).exists():
            continue
        _policy_row_create(
            WarrantyPolicy,
            ComponentPeriod,
            Component,
            category=category,
            policy=policy,
            effective_from=effective_from,
            note=note,
        )
