"""The demo's product catalogue, customers with their units, and loaners."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from aftersales.demo.names import landline_number, mobile_number, person_name, street_address
from aftersales.money import money
from aftersales.validators import imei_with_check_digit
from demo.repairs_field import seed_field_units
from repairs.choices import (
    PhoneLabel,
)
from repairs.models import (
    Component,
    Customer,
    CustomerAddress,
    CustomerPhone,
    FaultCode,
    FaultSymptom,
    LabourRate,
    LoanerUnit,
    ProductCategory,
    ProductModel,
    ProductUnit,
)
from repairs.reference import catalogue_sync, fault_codes_sync, symptoms_sync

# (category, brand, model number, name, list price)
MODELS = [
    ("air_conditioner", "格力", "KFR-35GW/NhGc1B", "云佳 1.5匹 新一级能效 挂机", "2999.00"),
    ("air_conditioner", "格力", "KFR-26GW/NhGc1B", "云佳 大1匹 新一级能效 挂机", "2699.00"),
    ("air_conditioner", "格力", "KFR-72LW/NhIa1BAj", "云颜 3匹 立柜式", "7599.00"),
    ("air_conditioner", "美的", "KFR-35GW/N8XHC1", "酷省电 1.5匹 挂机", "2399.00"),
    ("air_conditioner", "美的", "KFR-51LW/N8MJA1", "静优风 2匹 柜机", "4999.00"),
    ("air_conditioner", "海尔", "KFR-35GW/B1KBB81U1", "静悦 1.5匹 挂机", "2599.00"),
    ("air_conditioner", "海尔", "KFR-72LW/28KCA81U1", "雷神者 3匹 柜机", "6899.00"),
    ("air_conditioner", "奥克斯", "KFR-35GW/BpR3AQE1", "京裕 1.5匹 挂机", "1999.00"),
    ("air_conditioner", "TCL", "KFR-35GW/RT2Ea+B1", "小蓝翼 1.5匹 挂机", "2199.00"),
    ("air_conditioner", "小米", "KFR-35GW/V1A1", "巨省电 1.5匹 挂机", "2299.00"),
    ("refrigerator", "海尔", "BCD-470WDPG", "470升 十字对开门", "3999.00"),
    ("refrigerator", "海尔", "BCD-510WGHSS95S9U1", "510升 全空间保鲜", "6999.00"),
    ("refrigerator", "美的", "BCD-508WKPZM(E)", "508升 对开门 一级能效", "3299.00"),
    ("refrigerator", "美的", "BCD-321WTPZM(E)", "321升 法式多门", "2799.00"),
    ("refrigerator", "容声", "BCD-529WD18HP", "529升 对开门", "3599.00"),
    ("refrigerator", "西门子", "KA92NV02TI", "610升 对开门", "6499.00"),
    ("refrigerator", "TCL", "R455T9-UQ", "455升 十字对开门", "2999.00"),
    ("refrigerator", "海信", "BCD-551WFK1DPUQ", "551升 对开门", "3199.00"),
    ("refrigerator", "卡萨帝", "BCD-650WDCAU1", "650升 原石 对开门", "12999.00"),
    ("refrigerator", "小米", "BCD-610WMSA", "米家 610升 对开门", "2699.00"),
    ("washing_machine", "海尔", "EG100MATE2S", "10公斤 滚筒 变频", "2199.00"),
    ("washing_machine", "海尔", "EG100HPLUS8SU1", "10公斤 洗烘一体", "4299.00"),
    ("washing_machine", "小天鹅", "TG100V88WMUIADY5", "10公斤 水魔方 滚筒", "3699.00"),
    ("washing_machine", "小天鹅", "TB100V23H", "10公斤 波轮", "1299.00"),
    ("washing_machine", "美的", "MG100V11F", "10公斤 滚筒", "1699.00"),
    ("washing_machine", "西门子", "WG54A1A00W", "10公斤 滚筒 iQ300", "3999.00"),
    ("washing_machine", "LG", "FLX10N4W", "10.5公斤 蒸汽 滚筒", "3499.00"),
    ("washing_machine", "TCL", "G100T6-B", "10公斤 超薄 滚筒", "1599.00"),
    ("washing_machine", "松下", "XQG100-NVAE", "10公斤 滚筒", "3299.00"),
    ("washing_machine", "博世", "WGA254Z00W", "10公斤 滚筒", "4599.00"),
    ("mobile_phone", "小米", "24031PN0DC", "Xiaomi 14 12+256GB", "4299.00"),
    ("mobile_phone", "小米", "23117RK66C", "Redmi K70 12+256GB", "2499.00"),
    ("mobile_phone", "小米", "23090RA98C", "Redmi Note 13 Pro 8+256GB", "1399.00"),
    ("mobile_phone", "华为", "ALN-AL00", "Mate 60 Pro 12+512GB", "6999.00"),
    ("mobile_phone", "华为", "FOA-AL00", "nova 12 8+256GB", "2699.00"),
    ("mobile_phone", "OPPO", "PJV110", "Reno11 12+256GB", "2699.00"),
    ("mobile_phone", "OPPO", "PJZ110", "Find X7 16+512GB", "4999.00"),
    ("mobile_phone", "vivo", "V2339A", "vivo S18 12+256GB", "2599.00"),
    ("mobile_phone", "vivo", "V2309A", "X100 12+256GB", "3999.00"),
    ("mobile_phone", "荣耀", "ALI-AN00", "荣耀 Magic6 12+256GB", "4399.00"),
]

SERIAL_PREFIX = {"air_conditioner": "AC", "refrigerator": "RF", "washing_machine": "WM", "mobile_phone": "PH"}


def seed_catalogue() -> dict[str, ProductCategory]:
    catalogue_sync(ProductCategory, Component)
    symptoms_sync(ProductCategory, FaultSymptom, LabourRate)
    fault_codes_sync(ProductCategory, FaultCode)
    categories = {c.code: c for c in ProductCategory.objects.all()}
    for category, brand, number, name, price in MODELS:
        ProductModel.objects.update_or_create(
            brand=brand,
            model_number=number,
            defaults={"name": name, "category": categories[category], "list_price_amount": Decimal(price)},
        )
    return categories


def seed_customers(*, rng: random.Random, today: dt.date, network, count: int = 500) -> None:
    """`count` customers, each with a mobile (some a landline too), an address and 1–3 units."""
    models = list(ProductModel.objects.select_related("category").order_by("brand", "model_number"))
    district_codes = sorted(network.districts)
    customers, phones, addresses, units = [], [], [], []
    for i in range(1, count + 1):
        number = f"KH{i:08d}"
        district = rng.choice(district_codes)
        customers.append(Customer(number=number, name=person_name(rng)))
        phones.append((number, mobile_number(rng), PhoneLabel.MOBILE, True))
        if rng.random() < 0.2:
            phones.append(
                (number, landline_number(rng, network.area_codes[district]), PhoneLabel.HOME, False)
            )
        addresses.append((number, network.districts[district], street_address(rng)))
        local_dealers = [
            d for d in network.dealers if d.region.parent_id == network.districts[district].parent_id
        ]
        for _ in range(rng.choice((1, 1, 1, 2, 2, 3))):
            model = rng.choice(models)
            sale = today - dt.timedelta(days=rng.randint(1, 900))
            factory = sale - dt.timedelta(days=rng.randint(20, 150))
            has_invoice = rng.random() < 0.85
            price = model.list_price_amount * Decimal(rng.choice(("1.00", "0.95", "0.90", "0.88")))
            serial = f"{SERIAL_PREFIX[model.category.code]}{rng.randint(0, 10**12 - 1):012d}"
            units.append(
                (
                    number,
                    ProductUnit(
                        model=model,
                        serial_number=serial,
                        imei=imei_with_check_digit(f"86{rng.randint(0, 10**12 - 1):012d}")
                        if model.category.requires_imei
                        else None,
                        sale_date=sale,
                        factory_date=factory,
                        invoice_number=f"{rng.randint(10**7, 10**8 - 1)}" if has_invoice else "",
                        invoice_date=sale if has_invoice else None,
                        invoice_amount=money(price) if has_invoice else None,
                        warranty_card_number=f"WK{rng.randint(10**9, 10**10 - 1)}"
                        if rng.random() < 0.7
                        else "",
                        dealer=rng.choice(local_dealers) if local_dealers and rng.random() < 0.8 else None,
                    ),
                )
            )
    Customer.objects.bulk_create(customers, ignore_conflicts=True)
    ids = dict(Customer.objects.filter(number__in=[c.number for c in customers]).values_list("number", "id"))
    CustomerPhone.objects.bulk_create(
        [
            CustomerPhone(customer_id=ids[n], number=p, label=lbl, is_primary=prim)
            for n, p, lbl, prim in phones
        ],
        ignore_conflicts=True,
    )
    with_address = set(
        CustomerAddress.objects.filter(customer_id__in=ids.values()).values_list("customer_id", flat=True)
    )
    CustomerAddress.objects.bulk_create(
        [
            CustomerAddress(customer_id=ids[n], region=region, detail=detail, is_primary=True)
            for n, region, detail in addresses
            if ids[n] not in with_address
        ]
    )
    for number, unit in units:
        unit.owner_id = ids[number]
    ProductUnit.objects.bulk_create([u for _, u in units], ignore_conflicts=True)
    seed_field_units(network=network, today=today)


# Loaner units (周转机) ---------------------------------------------------------------------------------

# (category, description) lent while a customer's product is in the workshop; a larger centre also keeps
# a small refrigerator for the days a fridge waits for its compressor.
LOANER_PHONES = (
    "Redmi Note 13 Pro 8+256GB（周转机）",
    "荣耀 X50 8+128GB（周转机）",
    "OPPO A2 8+256GB（周转机）",
)
LOANER_FRIDGE = "海尔 BC-93TMPF 93升 单门冰箱（周转机）"


def seed_loaners(*, network) -> None:
    """Three loaner phones per active centre and a small refrigerator at diamond and gold centres.

    get_or_create by serial number: a second run leaves existing loaners (and their status) alone."""
    categories = {c.code: c for c in ProductCategory.objects.all()}
    for center in network.centers:
        if not center.active:
            continue
        code = center.code.replace("-", "")
        items = [("mobile_phone", text) for text in LOANER_PHONES]
        if center.level in ("diamond", "gold"):
            items.append(("refrigerator", LOANER_FRIDGE))
        for n, (category, description) in enumerate(items, start=1):
            LoanerUnit.objects.get_or_create(
                serial_number=f"ZZ{code}{n:02d}",
                defaults={"center": center, "category": categories[category], "description": description},
            )
