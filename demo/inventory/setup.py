"""The demo's warehouses and parts, with their deposits; `seed_inventory` plays three months of stock."""

from __future__ import annotations

import datetime as dt
import io
import random
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db.models import Q
from django.utils import timezone
from PIL import Image, ImageDraw

from inventory.choices import InspectionOutcome, WarehouseKind
from inventory.models import (
    Part,
    StockMovement,
    Warehouse,
)
from repairs.models import Component, ProductCategory, ProductModel

HISTORY_DAYS = 92
FIRST_RECEIPT_KEY = "demo:receipt:1"

AC, RF, WM, PH = "air_conditioner", "refrigerator", "washing_machine", "mobile_phone"

# Product models by short name, (brand, model number) as in demo.repairs.MODELS.
M = {
    "gree35": ("格力", "KFR-35GW/NhGc1B"),
    "gree26": ("格力", "KFR-26GW/NhGc1B"),
    "gree72": ("格力", "KFR-72LW/NhIa1BAj"),
    "midea35": ("美的", "KFR-35GW/N8XHC1"),
    "midea51": ("美的", "KFR-51LW/N8MJA1"),
    "haier35": ("海尔", "KFR-35GW/B1KBB81U1"),
    "haier72": ("海尔", "KFR-72LW/28KCA81U1"),
    "xiaomi_ac": ("小米", "KFR-35GW/V1A1"),
    "haier470": ("海尔", "BCD-470WDPG"),
    "haier510": ("海尔", "BCD-510WGHSS95S9U1"),
    "midea508": ("美的", "BCD-508WKPZM(E)"),
    "midea321": ("美的", "BCD-321WTPZM(E)"),
    "ronshen": ("容声", "BCD-529WD18HP"),
    "tcl_rf": ("TCL", "R455T9-UQ"),
    "hisense": ("海信", "BCD-551WFK1DPUQ"),
    "casarte": ("卡萨帝", "BCD-650WDCAU1"),
    "haier_wm": ("海尔", "EG100MATE2S"),
    "haier_wd": ("海尔", "EG100HPLUS8SU1"),
    "lsw_drum": ("小天鹅", "TG100V88WMUIADY5"),
    "lsw_pulsator": ("小天鹅", "TB100V23H"),
    "midea_wm": ("美的", "MG100V11F"),
    "siemens_wm": ("西门子", "WG54A1A00W"),
    "bosch_wm": ("博世", "WGA254Z00W"),
    "mi14": ("小米", "24031PN0DC"),
    "k70": ("小米", "23117RK66C"),
    "note13": ("小米", "23090RA98C"),
    "mate60": ("华为", "ALN-AL00"),
    "nova12": ("华为", "FOA-AL00"),
    "reno11": ("OPPO", "PJV110"),
    "findx7": ("OPPO", "PJZ110"),
    "s18": ("vivo", "V2339A"),
    "x100": ("vivo", "V2309A"),
    "magic6": ("荣耀", "ALI-AN00"),
}

# (code, name, category, component code, unit cost, retail price, compatible models (empty: the whole
#  category), serialized). Parts costing 300 yuan or more must come back (旧件返还); compressors and motors
#  are major components.
PARTS = [
    ("AC-CMP-GR15", "格力1.5匹变频压缩机", AC, "compressor", "980.00", "1580.00", ["gree35", "gree26"], True),
    ("AC-CMP-GR30", "格力3匹柜机变频压缩机", AC, "compressor", "2350.00", "3680.00", ["gree72"], True),
    (
        "AC-CMP-MD15",
        "美的1.5匹变频压缩机",
        AC,
        "compressor",
        "890.00",
        "1450.00",
        ["midea35", "xiaomi_ac"],
        True,
    ),
    (
        "AC-CMP-HR30",
        "海尔3匹柜机压缩机",
        AC,
        "compressor",
        "2180.00",
        "3380.00",
        ["haier72", "midea51"],
        True,
    ),
    ("AC-PCB-GR", "格力挂机室内主控板", AC, "", "380.00", "560.00", ["gree35", "gree26"], True),
    ("AC-PCB-MD", "美的挂机室内主控板", AC, "", "350.00", "520.00", ["midea35", "xiaomi_ac"], True),
    ("AC-PCB-HR", "海尔挂机室内主控板", AC, "", "360.00", "540.00", ["haier35"], True),
    ("AC-DRV-GR", "格力室外机变频驱动板", AC, "", "520.00", "780.00", ["gree35", "gree26", "gree72"], True),
    ("AC-FAN-OUT", "室外风机电机 YDK-35", AC, "", "215.00", "260.00", [], False),
    ("AC-FAN-IN", "室内贯流风机电机", AC, "", "120.00", "180.00", [], False),
    ("AC-CAP", "压缩机启动电容 35μF", AC, "", "18.00", "35.00", [], False),
    ("AC-SNS", "温度传感器（管温）", AC, "", "22.00", "45.00", [], False),
    ("AC-RMT", "空调遥控器", AC, "accessory", "25.00", "48.00", [], False),
    ("AC-4WV", "四通换向阀", AC, "", "145.00", "230.00", [], False),
    ("AC-STP", "导风板步进电机", AC, "", "28.00", "55.00", [], False),
    ("AC-DSP", "柜机显示板", AC, "", "160.00", "260.00", ["gree72", "midea51", "haier72"], False),
    (
        "RF-CMP-HR",
        "海尔冰箱变频压缩机",
        RF,
        "compressor",
        "620.00",
        "980.00",
        ["haier470", "haier510", "casarte"],
        True,
    ),
    ("RF-CMP-MD", "美的冰箱定频压缩机", RF, "compressor", "480.00", "680.00", ["midea508", "midea321"], True),
    (
        "RF-CMP-RS",
        "冰箱压缩机（容声/海信/TCL）",
        RF,
        "compressor",
        "520.00",
        "720.00",
        ["ronshen", "hisense", "tcl_rf"],
        True,
    ),
    ("RF-THM-MEC", "机械温控器 WDF25K", RF, "", "38.00", "60.00", [], False),
    (
        "RF-THM-ELC",
        "电子温控器（冷藏室）",
        RF,
        "",
        "55.00",
        "95.00",
        ["midea508", "midea321", "tcl_rf"],
        False,
    ),
    ("RF-THM-DEF", "化霜温控器", RF, "", "25.00", "45.00", [], False),
    ("RF-DEF-HTR", "化霜加热管", RF, "", "48.00", "85.00", [], False),
    ("RF-GSK", "冷藏室门封条", RF, "", "65.00", "120.00", [], False),
    ("RF-PCB-HR", "海尔冰箱主控板", RF, "", "310.00", "480.00", ["haier470", "haier510"], True),
    ("RF-PCB-MD", "美的冰箱电脑板", RF, "", "280.00", "450.00", ["midea508", "midea321"], False),
    ("RF-FAN", "冷冻室风扇电机", RF, "", "68.00", "120.00", [], False),
    ("RF-PTC", "PTC启动器", RF, "", "15.00", "30.00", [], False),
    ("RF-VLV", "双稳态电磁阀", RF, "", "85.00", "140.00", [], False),
    ("WM-MTR-HR", "海尔滚筒变频直驱电机", WM, "motor", "680.00", "1080.00", ["haier_wm", "haier_wd"], True),
    ("WM-MTR-LSW", "小天鹅/美的变频电机", WM, "motor", "590.00", "920.00", ["lsw_drum", "midea_wm"], True),
    ("WM-MTR-BL", "波轮洗衣机电机", WM, "motor", "260.00", "380.00", ["lsw_pulsator"], False),
    ("WM-DRP", "排水泵 B20-6", WM, "", "42.00", "95.00", [], False),
    ("WM-DRP-BSH", "西门子/博世排水泵", WM, "", "88.00", "150.00", ["siemens_wm", "bosch_wm"], False),
    ("WM-VLV", "进水阀（双通）", WM, "", "35.00", "65.00", [], False),
    ("WM-LCK", "门锁开关", WM, "", "38.00", "75.00", [], False),
    ("WM-PCB-HR", "海尔滚筒电脑板", WM, "", "330.00", "520.00", ["haier_wm", "haier_wd"], True),
    ("WM-PCB-MD", "小天鹅/美的电脑板", WM, "", "280.00", "450.00", ["lsw_drum", "midea_wm"], False),
    ("WM-SHK", "减震器（一对）", WM, "", "45.00", "90.00", [], False),
    ("WM-BRG", "滚筒轴承套件", WM, "", "120.00", "220.00", [], False),
    ("WM-HTR", "加热管 1950W", WM, "", "75.00", "130.00", [], False),
    ("PH-SCR-MI14", "Xiaomi 14 屏幕总成", PH, "", "780.00", "1099.00", ["mi14"], True),
    ("PH-SCR-K70", "Redmi K70 屏幕总成", PH, "", "420.00", "599.00", ["k70"], True),
    ("PH-SCR-N13", "Redmi Note 13 Pro 屏幕总成", PH, "", "310.00", "459.00", ["note13"], True),
    ("PH-SCR-M60", "Mate 60 Pro 屏幕总成", PH, "", "1280.00", "1799.00", ["mate60"], True),
    ("PH-SCR-N12", "nova 12 屏幕总成", PH, "", "460.00", "699.00", ["nova12"], True),
    ("PH-SCR-R11", "OPPO Reno11 屏幕总成", PH, "", "520.00", "799.00", ["reno11", "findx7"], True),
    ("PH-SCR-S18", "vivo S18 屏幕总成", PH, "", "480.00", "729.00", ["s18", "x100"], True),
    ("PH-SCR-MG6", "荣耀 Magic6 屏幕总成", PH, "", "650.00", "899.00", ["magic6"], True),
    ("PH-MB-MI14", "Xiaomi 14 主板", PH, "", "1650.00", "2399.00", ["mi14"], True),
    ("PH-BAT-MI", "小米原装电池", PH, "battery", "85.00", "199.00", ["mi14", "k70", "note13"], False),
    ("PH-BAT-HW", "华为原装电池", PH, "battery", "95.00", "219.00", ["mate60", "nova12"], False),
    ("PH-BAT-OP", "OPPO原装电池", PH, "battery", "90.00", "199.00", ["reno11", "findx7"], False),
    ("PH-BAT-VV", "vivo原装电池", PH, "battery", "90.00", "199.00", ["s18", "x100"], False),
    ("PH-BAT-HN", "荣耀原装电池", PH, "battery", "90.00", "199.00", ["magic6"], False),
    ("PH-CHG-MI", "小米67W快充充电器", PH, "charger", "45.00", "129.00", ["mi14", "k70", "note13"], False),
    ("PH-CHG-HW", "华为88W快充充电器", PH, "charger", "58.00", "149.00", ["mate60", "nova12"], False),
    (
        "PH-CHG-OV",
        "OPPO/vivo 80W闪充充电器",
        PH,
        "charger",
        "52.00",
        "139.00",
        ["reno11", "findx7", "s18", "x100"],
        False,
    ),
    ("PH-USB", "尾插小板（Type-C）", PH, "", "35.00", "89.00", [], False),
    ("PH-CAM", "后置摄像头模组", PH, "", "165.00", "259.00", [], False),
    ("PH-SPK", "扬声器", PH, "", "18.00", "45.00", [], False),
    ("PH-CBL", "Type-C 数据线", PH, "data_cable", "8.00", "29.00", [], False),
    ("PH-BCK", "玻璃后盖", PH, "", "60.00", "129.00", [], False),
]
RETURN_FROM = Decimal("300.00")  # unit cost from which the replaced part must be sent back

# Deposit (押金) by centre level, raised when a centre's first stocking needs more credit.
DEPOSITS = {"diamond": Decimal("30000"), "gold": Decimal("20000"), "a": Decimal("15000")}
DEFAULT_DEPOSIT = Decimal("10000")

REJECT_REASONS = (
    "申请数量超出近期实际用量，请按工单需要重新申请",
    "该网点有逾期未返还的旧件，暂停大额备件申请",
    "中央仓库本月已向该网点发过同型号配件，请先核实库存",
)
CANCEL_NOTE = "已从邻近网点调拨，取消申请"
SCRAP_REASONS = (
    "压缩机外壳锈穿漏油，无法安全运输",
    "屏幕总成碎裂严重，玻璃碎片无法包装",
    "电机进水锈死，体积大，客户处就地报废",
)
INSPECTION_NOTES = {
    InspectionOutcome.NOT_FAULTY: "检测正常，疑为误判，已通报网点",
    InspectionOutcome.WRONG_PART: "返回旧件与标签型号不符，已通知网点补寄",
}
COURIERS = ("顺丰速运", "中通快递", "京东物流", "德邦快递")
WRONG_PART_REASON = "型号不符，未使用，退回仓库"


def _local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def seed_warehouses(*, network) -> dict:
    """The central warehouse (CW), the defective-parts store (CW-JJ) and one warehouse per active centre."""
    central, _ = Warehouse.objects.get_or_create(
        kind=WarehouseKind.CENTRAL, defaults={"code": "CW", "name": "中央备件仓库", "replenish_days": 14}
    )
    defective, _ = Warehouse.objects.get_or_create(
        kind=WarehouseKind.DEFECTIVE, defaults={"code": "CW-JJ", "name": "中央旧件库"}
    )
    by_center = {}
    for center in network.centers:
        if not center.active:
            continue
        by_center[center.pk], _ = Warehouse.objects.get_or_create(
            center=center,
            defaults={
                "code": f"WH-{center.code}",
                "name": f"{center.name}备件库",
                "kind": WarehouseKind.CENTER,
                "replenish_days": 3,
            },
        )
    return {"central": central, "defective": defective, "centers": by_center}


def seed_parts() -> list[Part]:
    categories = {c.code: c for c in ProductCategory.objects.all()}
    components = {(c.category_id, c.code): c for c in Component.objects.all()}
    models = {(m.brand, m.model_number): m for m in ProductModel.objects.all()}
    parts = []
    for code, name, category, component, cost, price, fits, serialized in PARTS:
        cat = categories[category]
        cost = Decimal(cost)
        part, _ = Part.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "category": cat,
                "component": components.get((cat.pk, component)) if component else None,
                "unit_cost_amount": cost,
                "retail_price_amount": Decimal(price),
                "serialized": serialized,
                "return_required": cost >= RETURN_FROM,
                "return_within_days": 15 if category == PH else 30,
                "is_major": component in ("compressor", "motor"),
                "lead_time_days": 21 if cost >= RETURN_FROM else 10,
            },
        )
        wanted = [models[M[key]] for key in fits if M[key] in models]
        if {m.pk for m in part.compatible_models.all()} != {m.pk for m in wanted}:
            part.compatible_models.set(wanted)
        parts.append(part)
    return parts


def demo_history_exists() -> bool:
    # A receipt of several lines keys them "<key>:0", "<key>:1"…
    return StockMovement.objects.filter(
        Q(idempotency_key=FIRST_RECEIPT_KEY) | Q(idempotency_key__startswith=f"{FIRST_RECEIPT_KEY}:")
    ).exists()


def seed_inventory(*, rng: random.Random, now: dt.datetime, network) -> int:
    """Warehouses, parts and (once) three months of stock history up to `now`. Returns the number of stock
    movements added (0 on a second run)."""
    # The history is played on the warehouses and parts made here, and demo.inventory.history imports this
    # module.
    from .history import _History

    warehouses = seed_warehouses(network=network)
    parts = seed_parts()
    if demo_history_exists() or not warehouses["centers"]:
        return 0
    before = StockMovement.objects.count()
    _History(rng=rng, now=now, network=network, warehouses=warehouses, parts=parts).play()
    return StockMovement.objects.count() - before


def _jpeg(rng: random.Random) -> ContentFile:
    """A small photo stand-in (a grey part on a bench) for scrapping requests."""

    image = Image.new("RGB", (320, 240), (196, 170, 120))
    draw = ImageDraw.Draw(image)
    x, y = rng.randint(40, 100), rng.randint(40, 80)
    draw.rectangle([x, y, x + 160, y + 110], fill=(90, 92, 96), outline=(30, 30, 30), width=4)
    draw.line([x + 20, y + 15, x + 140, y + 95], fill=(160, 40, 30), width=6)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=70)
    return ContentFile(buffer.getvalue(), name="scrap.jpg")
