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
