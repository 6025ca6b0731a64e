"""Reference data every database needs: the product categories and the components the 三包 rules name.

Shipped by a data migration and kept in step by seed_demo; `catalogue_sync` takes the model classes so
that the migration can pass its historical models.
"""

MU, MC, AC = "main_unit", "main_component", "accessory"

# (code, name, English, requires IMEI, [(component code, name, English, kind)])
CATEGORIES = [
    (
        "air_conditioner",
        "空调",
        "Air conditioner",
        False,
        [
            ("main_unit", "整机", "Whole unit", MU),
            ("compressor", "压缩机", "Compressor", MC),
            ("accessory", "随机附件", "Accessories supplied", AC),
        ],
    ),
    (
        "refrigerator",
        "冰箱",
        "Refrigerator",
        False,
        [
            ("main_unit", "整机", "Whole unit", MU),
            ("compressor", "压缩机", "Compressor", MC),
            ("accessory", "随机附件", "Accessories supplied", AC),
        ],
    ),
    (
        "washing_machine",
        "洗衣机",
        "Washing machine",
        False,
        [
            ("main_unit", "整机", "Whole unit", MU),
            ("motor", "电机", "Motor", MC),
            ("accessory", "随机附件", "Accessories supplied", AC),
        ],
    ),
    (
        "mobile_phone",
        "手机",
        "Mobile phone",
        True,
        [
            ("main_unit", "主机", "Main unit", MU),
            ("battery", "电池", "Battery", AC),
            ("charger", "充电器", "Charger", AC),
            ("data_cable", "数据线", "Data cable", AC),
            ("earphones", "有线耳机", "Wired earphones", AC),
        ],
    ),
]


def catalogue_sync(ProductCategory, Component) -> None:  # noqa: N803 - model classes
    for order, (code, name, name_en, imei, components) in enumerate(CATEGORIES, start=1):
        category, _ = ProductCategory.objects.update_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "requires_imei": imei, "sort_order": order}
        )
        for ccode, cname, cname_en, kind in components:
            Component.objects.update_or_create(
                category=category, code=ccode, defaults={"name": cname, "name_en": cname_en, "kind": kind}
            )


# Common fault symptoms per category (what a hotline clerk picks; free text adds the details).
SYMPTOMS = {
    "air_conditioner": [
        ("no_cooling", "不制冷", "Does not cool"),
        ("no_heating", "不制热", "Does not heat"),
        ("no_power", "不开机", "Does not switch on"),
        ("water_leak", "漏水", "Leaks water"),
        ("noise", "噪音大", "Noisy"),
        ("error_code", "显示故障代码", "Shows an error code"),
        ("remote", "遥控失灵", "Remote control does not work"),
        ("smell", "有异味", "Bad smell"),
    ],
    "refrigerator": [
        ("no_cooling", "不制冷", "Does not cool"),
        ("freezer_warm", "冷冻室不冷", "Freezer not cold"),
        ("frost", "结霜严重", "Heavy frost"),
        ("noise", "噪音大", "Noisy"),
        ("water_leak", "漏水", "Leaks water"),
        ("door_seal", "门封不严", "Door does not seal"),
        ("no_power", "不通电", "No power"),
        ("error_code", "显示故障代码", "Shows an error code"),
    ],
    "washing_machine": [
        ("no_spin", "不脱水", "Does not spin"),
        ("no_drain", "不排水", "Does not drain"),
        ("no_water", "不进水", "Does not fill"),
        ("water_leak", "漏水", "Leaks water"),
        ("noise", "噪音大、振动", "Noisy, vibrates"),
        ("door_lock", "门锁打不开", "Door will not unlock"),
        ("no_power", "不开机", "Does not switch on"),
        ("error_code", "显示故障代码", "Shows an error code"),
    ],
    "mobile_phone": [
        ("no_power", "不开机", "Does not switch on"),
        ("no_charge", "不充电", "Does not charge"),
        ("battery_drain", "耗电快", "Battery drains fast"),
        ("screen", "屏幕显示异常", "Screen fault"),
        ("touch", "触摸失灵", "Touch does not respond"),
        ("no_signal", "无信号", "No signal"),
        ("restart", "自动重启、死机", "Restarts or freezes"),
        ("camera", "相机故障", "Camera fault"),
        ("audio", "听筒、扬声器无声", "No sound"),
    ],
}

# The customer-facing fee standard (收费标准) for paid service, per category: (code, name, amount).
LABOUR_RATES = {
    "air_conditioner": [
        ("visit", "上门检测费", "50.00"),
        ("repair_minor", "小修工时费", "80.00"),
        ("repair_major", "大修工时费（含压缩机、冷媒）", "260.00"),
        ("refrigerant", "加冷媒", "150.00"),
    ],
    "refrigerator": [
        ("visit", "上门检测费", "50.00"),
        ("repair_minor", "小修工时费", "80.00"),
        ("repair_major", "大修工时费（含压缩机、冷媒）", "280.00"),
    ],
    "washing_machine": [
        ("visit", "上门检测费", "50.00"),
        ("repair_minor", "小修工时费", "70.00"),
        ("repair_major", "大修工时费（含电机）", "180.00"),
    ],
    "mobile_phone": [
        ("diagnose", "检测费", "0.00"),
        ("repair_minor", "小修工时费", "50.00"),
        ("repair_board", "主板维修工时费", "150.00"),
        ("screen", "屏幕更换工时费", "80.00"),
    ],
}


def symptoms_sync(ProductCategory, FaultSymptom, LabourRate) -> None:  # noqa: N803 - model classes
    """The common symptoms and the fee standard per category (a data migration and seed_demo call it)."""
    from decimal import Decimal

    categories = {c.code: c for c in ProductCategory.objects.all()}
    for code, symptoms in SYMPTOMS.items():
        if code not in categories:
            continue
        for order, (scode, name, name_en) in enumerate(symptoms, start=1):
            FaultSymptom.objects.update_or_create(
                category=categories[code],
                code=scode,
                defaults={"name": name, "name_en": name_en, "sort_order": order},
            )
    for code, rates in LABOUR_RATES.items():
        if code not in categories:
            continue
        for rcode, name, amount in rates:
            LabourRate.objects.update_or_create(
                category=categories[code], code=rcode, defaults={"name": name, "amount": Decimal(amount)}
            )
