"""Reference data every database needs: the product categories and the components the 三包 rules name.

Shipped by a data migration and kept in step by seed_demo; `catalogue_sync` takes the model classes so
that the migration can pass its historical models.
"""

from decimal import Decimal

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

# The customer-facing fee standard (收费标准) for paid service, per category: (code, name, amount). The
# call-out fee (code CALL_OUT, 上门费) is what a paid order's customer pays when nothing is repaired: they
# declined the quote, or the fault could not be fixed.
CALL_OUT = "call_out"
LABOUR_RATES = {
    "air_conditioner": [
        (CALL_OUT, "上门检测费", "50.00"),
        ("repair_minor", "小修工时费", "80.00"),
        ("repair_major", "大修工时费（含压缩机、冷媒）", "260.00"),
        ("refrigerant", "加冷媒", "150.00"),
    ],
    "refrigerator": [
        (CALL_OUT, "上门检测费", "50.00"),
        ("repair_minor", "小修工时费", "80.00"),
        ("repair_major", "大修工时费（含压缩机、冷媒）", "280.00"),
    ],
    "washing_machine": [
        (CALL_OUT, "上门检测费", "50.00"),
        ("repair_minor", "小修工时费", "70.00"),
        ("repair_major", "大修工时费（含电机）", "180.00"),
    ],
    "mobile_phone": [
        (CALL_OUT, "上门费", "0.00"),
        ("diagnose", "检测费", "0.00"),
        ("repair_minor", "小修工时费", "50.00"),
        ("repair_board", "主板维修工时费", "150.00"),
        ("screen", "屏幕更换工时费", "80.00"),
    ],
}


def symptoms_sync(ProductCategory, FaultSymptom, LabourRate) -> None:  # noqa: N803 - model classes
    """The common symptoms and the fee standard per category (a data migration and seed_demo call it)."""

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


# The technician's closing lists per category: fault codes (what was wrong) and causes (why).
# (code, name, English)
FAULT_CODES = {
    "air_conditioner": {
        "fault": [
            ("AC-E1", "室内外机通讯故障", "Indoor/outdoor communication fault"),
            ("AC-E2", "冷媒泄漏", "Refrigerant leak"),
            ("AC-E3", "压缩机不启动", "Compressor does not start"),
            ("AC-E4", "风机故障", "Fan motor fault"),
            ("AC-E5", "温度传感器故障", "Temperature sensor fault"),
            ("AC-E6", "排水管堵塞", "Drain pipe blocked"),
            ("AC-E7", "控制板故障", "Control board fault"),
            ("AC-E0", "未发现故障", "No fault found"),
        ],
        "cause": [
            ("C-QUAL", "产品质量问题", "Product quality"),
            ("C-INST", "安装不当", "Improper installation"),
            ("C-USE", "使用不当", "Improper use"),
            ("C-ENV", "使用环境（电压、潮湿等）", "Environment (voltage, damp…)"),
            ("C-WEAR", "正常磨损老化", "Normal wear"),
            ("C-TRANS", "运输损坏", "Damaged in transport"),
        ],
    },
    "refrigerator": {
        "fault": [
            ("RF-E1", "压缩机故障", "Compressor fault"),
            ("RF-E2", "冷媒泄漏", "Refrigerant leak"),
            ("RF-E3", "化霜系统故障", "Defrost system fault"),
            ("RF-E4", "温控器故障", "Thermostat fault"),
            ("RF-E5", "门封变形", "Door seal deformed"),
            ("RF-E6", "风扇故障", "Fan fault"),
            ("RF-E7", "控制板故障", "Control board fault"),
            ("RF-E0", "未发现故障", "No fault found"),
        ],
        "cause": [
            ("C-QUAL", "产品质量问题", "Product quality"),
            ("C-USE", "使用不当", "Improper use"),
            ("C-ENV", "使用环境（电压、潮湿等）", "Environment (voltage, damp…)"),
            ("C-WEAR", "正常磨损老化", "Normal wear"),
            ("C-TRANS", "运输损坏", "Damaged in transport"),
        ],
    },
    "washing_machine": {
        "fault": [
            ("WM-E1", "电机故障", "Motor fault"),
            ("WM-E2", "排水泵故障", "Drain pump fault"),
            ("WM-E3", "进水阀故障", "Inlet valve fault"),
            ("WM-E4", "门锁故障", "Door lock fault"),
            ("WM-E5", "减震器损坏", "Shock absorber broken"),
            ("WM-E6", "水位传感器故障", "Water level sensor fault"),
            ("WM-E7", "控制板故障", "Control board fault"),
            ("WM-E0", "未发现故障", "No fault found"),
        ],
        "cause": [
            ("C-QUAL", "产品质量问题", "Product quality"),
            ("C-INST", "安装不当", "Improper installation"),
            ("C-USE", "使用不当（异物、超载）", "Improper use (foreign object, overload)"),
            ("C-ENV", "使用环境（水压、电压）", "Environment (water pressure, voltage)"),
            ("C-WEAR", "正常磨损老化", "Normal wear"),
        ],
    },
    "mobile_phone": {
        "fault": [
            ("MP-E1", "主板故障", "Main board fault"),
            ("MP-E2", "屏幕损坏", "Screen broken"),
            ("MP-E3", "电池故障", "Battery fault"),
            ("MP-E4", "充电接口故障", "Charging port fault"),
            ("MP-E5", "摄像头故障", "Camera fault"),
            ("MP-E6", "听筒/扬声器故障", "Earpiece or speaker fault"),
            ("MP-E7", "软件故障", "Software fault"),
            ("MP-E0", "未发现故障", "No fault found"),
        ],
        "cause": [
            ("C-QUAL", "产品质量问题", "Product quality"),
            ("C-DROP", "跌落、挤压（人为损坏）", "Dropped or crushed"),
            ("C-WATER", "进液", "Liquid damage"),
            ("C-SOFT", "软件、系统问题", "Software"),
            ("C-WEAR", "正常磨损老化", "Normal wear"),
        ],
    },
}


def fault_codes_sync(ProductCategory, FaultCode) -> None:  # noqa: N803 - model classes
    """The closing lists per category (a data migration and seed_demo call it)."""
    categories = {c.code: c for c in ProductCategory.objects.all()}
    for code, kinds in FAULT_CODES.items():
        if code not in categories:
            continue
        for kind, rows in kinds.items():
            for order, (fcode, name, name_en) in enumerate(rows, start=1):
                FaultCode.objects.update_or_create(
                    category=categories[code],
                    kind=kind,
                    code=fcode,
                    defaults={"name": name, "name_en": name_en, "sort_order": order},
                )
