"""The inspection checklists shipped with the system, per product category (the maker's inspection
procedure); the admin may add, change or retire items. Readings are checked against their range."""

from decimal import Decimal as D

# category code → [(code, name, English, unit, lowest, highest)]
CHECKLISTS = {
    "air_conditioner": [
        ("filters", "过滤网清洁", "Filters clean", "", None, None),
        (
            "refrigerant_pressure",
            "冷媒压力（低压侧）",
            "Refrigerant pressure (low side)",
            "MPa",
            D("0.10"),
            D("3.00"),
        ),
        ("outlet_temperature", "出风口温度", "Air outlet temperature", "°C", D("-10.00"), D("70.00")),
        ("drainage", "排水通畅", "Drainage clear", "", None, None),
        ("electrical", "电气连接与接地", "Electrical connections and earthing", "", None, None),
    ],
    "refrigerator": [
        ("seals", "门封密封", "Door seals tight", "", None, None),
        ("fridge_temperature", "冷藏室温度", "Fridge compartment temperature", "°C", D("-5.00"), D("15.00")),
        ("freezer_temperature", "冷冻室温度", "Freezer temperature", "°C", D("-40.00"), D("0.00")),
        ("noise", "运行噪音", "Running noise", "dB", D("20.00"), D("80.00")),
    ],
    "washing_machine": [
        ("drum", "内筒与轴承", "Drum and bearing", "", None, None),
        ("hoses", "进水管无渗漏", "Inlet hoses without leaks", "", None, None),
        ("drain", "排水泵与排水管", "Drain pump and hose", "", None, None),
        ("level", "机身水平、减震", "Level and shock absorbers", "", None, None),
    ],
    "mobile_phone": [
        ("battery_health", "电池健康度", "Battery health", "%", D("0.00"), D("100.00")),
        ("software", "系统软件为最新版本", "Software up to date", "", None, None),
        ("screen", "屏幕与触控", "Screen and touch", "", None, None),
    ],
}


def default_checklists_sync(ChecklistItem, ProductCategory) -> None:  # noqa: N803 - model classes
    """Adds the shipped items missing (a data migration and the tests' reference data call it); never changes
    what the admin edited."""
    categories = {c.code: c for c in ProductCategory.objects.all()}
    for code, rows in CHECKLISTS.items():
        category = categories.get(code)
        if category is None:
            continue
        for order, (item, name, name_en, unit, low, high) in enumerate(rows, start=1):
            ChecklistItem.objects.get_or_create(
                category=category,
                code=item,
                defaults={
                    "name": name,
                    "name_en": name_en,
                    "unit": unit,
                    "min_value": low,
                    "max_value": high,
                    "sort_order": order * 10,
                },
            )
