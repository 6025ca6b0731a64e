"""Demo spare parts: warehouses, ~60 parts, and three months of history played through inventory.services.

The history is a queue of steps run in time order, each with `now=` the instant it happened, so the ledger,
the levels, the credit and the tags read like the past three months: the first purchase receipts, the
deposits, each centre's first stocking, the parts issued to the demo's repaired work orders at the time of
their repair (and the requests for the parts they waited for), fortnightly replenishment requests, the
defective-part tags going back to the central warehouse, month-end counts and parts payments. The last
requests and tags are left in every state a user will meet: awaiting a manager, approved, shipped, rejected,
cancelled; tags open, overdue, shipped, awaiting a scrapping decision.

Idempotent: warehouses and parts are updated in place; the history is played once (its first receipt
carries the idempotency key "demo:receipt:1").
"""

from __future__ import annotations

import contextlib
import datetime as dt
import heapq
import io
import itertools
import random
from collections import Counter, defaultdict
from collections.abc import Callable
from decimal import ROUND_CEILING, Decimal

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db.models import Q
from django.utils import timezone
from PIL import Image, ImageDraw

from aftersales.money import money
from inventory import services
from inventory.choices import DefectiveReturnStatus, InspectionOutcome, PartRequestStatus, WarehouseKind
from inventory.models import (
    DefectiveReturn,
    DepositAccount,
    Part,
    PartRequest,
    StockLevel,
    StockMovement,
    Warehouse,
)
from repairs.choices import PARTS_ISSUABLE, QuoteLineKind, ServiceType, WorkOrderStatus
from repairs.models import Component, ProductCategory, ProductModel, QuoteLine, WorkOrder, WorkOrderEvent

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


class _History:
    """The steps of three months, run in time order (a heap); a step may schedule later ones."""

    def __init__(self, *, rng, now, network, warehouses, parts):
        self.rng, self.now = rng, now
        self.today = timezone.localdate(now)
        self.start = self.today - dt.timedelta(days=HISTORY_DAYS)
        self.central, self.defective = warehouses["central"], warehouses["defective"]
        self.warehouses = warehouses["centers"]  # centre pk → warehouse
        self.centers = [c for c in network.centers if c.pk in self.warehouses]
        self.parts = parts
        self.part_by_code = {p.code: p for p in parts}
        User = get_user_model()
        self.manager = User.objects.get(username="manager")
        self.supervisors = {c.pk: network.supervisors.get(c.pk, self.manager) for c in self.centers}
        self.queue: list = []
        self.counter = itertools.count()
        self.issued_since = defaultdict(Counter)  # centre pk → parts issued since its last request
        self.paid_consumed = defaultdict(Decimal)  # centre pk → value issued on paid work this month
        self.fits = defaultdict(set)  # part pk → compatible model pks (empty: the whole category)
        for part_id, model_id in Part.compatible_models.through.objects.filter(part__in=parts).values_list(
            "part_id", "productmodel_id"
        ):
            self.fits[part_id].add(model_id)
        self.written_off = Counter()  # part pk → faulty old parts written off in the defective store
        self.old_tags = 0  # tags past their due date, to leave one in five overdue
        self.new_tags = 0

    # The queue ---------------------------------------------------------------------------------------

    def at(self, when: dt.datetime, step: Callable[[dt.datetime], None]) -> None:
        """Schedules `step(when)`; a step after `now` has not happened yet and is dropped."""
        if when <= self.now:
            heapq.heappush(self.queue, (when, next(self.counter), step))

    def play(self) -> None:
        self.plan()
        while self.queue:
            when, _n, step = heapq.heappop(self.queue)
            step(when)
        self.tags_in_transit()

    def tags_in_transit(self) -> None:
        """Whatever the hour the demo is seeded, a tag is on its way to the defective store, one has arrived
        there and one awaits the manager's scrapping decision (the random fates above may leave some state
        empty when few tags are new)."""
        wanted = [
            DefectiveReturnStatus.SHIPPED,
            DefectiveReturnStatus.RECEIVED,
            DefectiveReturnStatus.SCRAP_REQUESTED,
        ]
        present = set(DefectiveReturn.objects.filter(status__in=wanted).values_list("status", flat=True))
        missing = [s for s in wanted if s not in present]
        open_tags = DefectiveReturn.objects.filter(
            status=DefectiveReturnStatus.OPEN, created_at__lt=self.now
        ).order_by("-due_on", "pk")[: len(missing)]  # the newest first: the overdue ones stay overdue
        for status, tag in zip(missing, open_tags, strict=False):
            supervisor = self.supervisors.get(tag.center_id, self.manager)
            third = (self.now - tag.created_at) / 3
            if status == DefectiveReturnStatus.SCRAP_REQUESTED:
                services.defective_return_request_scrap(
                    tag=tag,
                    reason=self.rng.choice(SCRAP_REASONS),
                    photos=[_jpeg(self.rng)],
                    acting_user=supervisor,
                    now=tag.created_at + third,
                )
                continue
            services.defective_return_ship(
                tag=tag,
                courier=self.rng.choice(COURIERS),
                tracking_number=f"SF{self.rng.randint(10**11, 10**12 - 1)}",
                acting_user=supervisor,
                now=tag.created_at + third,
            )
            if status == DefectiveReturnStatus.RECEIVED:
                services.defective_return_receive(
                    tag=tag, acting_user=self.manager, now=tag.created_at + 2 * third
                )

    def plan(self) -> None:
        start = self.start
        self.at(_local(start, 9, 30), self.first_receipts)
        self.at(_local(start + dt.timedelta(days=45), 10, 0), self.second_receipts)
        first_stock = {c.pk: self.first_stock_lines(c) for c in self.centers}
        for i, center in enumerate(self.centers):
            amount = sum((p.unit_cost_amount * q for p, q in first_stock[center.pk]), Decimal(0))
            # Credit (deposit × 3) of at least twice the first stocking, in whole thousands.
            needed = (amount * 2 / 3 / 1000).to_integral_value(rounding=ROUND_CEILING) * 1000
            deposit = max(DEPOSITS.get(center.level, DEFAULT_DEPOSIT), needed)
            self.at(
                _local(start + dt.timedelta(days=1), 10, 5 * i),
                lambda at, c=center, d=deposit: services.deposit_pay(
                    center=c,
                    amount=d,
                    acting_user=self.manager,
                    reference=f"YJ-{c.code}",
                    note="合作押金",
                    now=at,
                ),
            )
            self.request(
                center,
                first_stock[center.pk],
                _local(start + dt.timedelta(days=2 + i % 3), 9, 10 * i % 60),
                fate=PartRequestStatus.RECEIVED,
                note="新网点首批备件",
            )
        # Fortnightly replenishment of what each centre used; the last round ends in every state.
        fates = [
            PartRequestStatus.SHIPPED,
            PartRequestStatus.APPROVED,
            PartRequestStatus.PENDING,
            PartRequestStatus.REJECTED,
            PartRequestStatus.RECEIVED,
            PartRequestStatus.CANCELLED,
        ]
        for day in range(16, HISTORY_DAYS - 8, 14):
            for i, center in enumerate(self.centers):
                self.at(
                    _local(start + dt.timedelta(days=day + i % 4), 9, 30),
                    lambda at, c=center: self.replenish(c, at, PartRequestStatus.RECEIVED),
                )
        for i, center in enumerate(self.centers):
            fate = fates[i % len(fates)]
            days_ago = {PartRequestStatus.PENDING: 1, PartRequestStatus.APPROVED: 1}.get(fate, 7)
            self.at(
                _local(self.today - dt.timedelta(days=days_ago + i % 2), 9, 10 + i),
                lambda at, c=center, f=fate: self.replenish(c, at, f),
            )
        self.plan_work_orders()
        # Month-end counts and the parts payments of the month before, on the 5th.
        month = start.replace(day=1)
        while month <= self.today:
            next_month = (month + dt.timedelta(days=32)).replace(day=1)
            self.at(_local(next_month - dt.timedelta(days=1), 17, 0), self.month_end_count)
            self.at(_local(next_month + dt.timedelta(days=4), 10, 0), self.parts_payments)
            month = next_month

    # Stock from the supplier ------------------------------------------------------------------------

    def first_receipts(self, at):
        groups = [(AC, "格力/美的/海尔空调配件"), (RF, "冰箱配件"), (WM, "洗衣机配件"), (PH, "手机配件")]
        for n, (category, _supplier) in enumerate(groups, start=1):
            lines = [
                (p, self.opening_quantity(p), p.unit_cost_amount)
                for p in self.parts
                if p.category.code == category
            ]
            services.stock_receive(
                warehouse=self.central,
                lines=lines,
                reference=f"CG{self.start:%Y%m%d}-{n:03d}",
                acting_user=self.manager,
                now=at + dt.timedelta(minutes=20 * (n - 1)),
                idempotency_key=f"demo:receipt:{n}",
            )

    @staticmethod
    def opening_quantity(part: Part) -> int:
        cost = part.unit_cost_amount
        return 12 if cost >= 1000 else 24 if cost >= 300 else 60 if cost >= 100 else 150

    def second_receipts(self, at):
        """Mid-period purchase of what ran low, 3 % dearer (the moving average shows it)."""
        levels = dict(StockLevel.objects.filter(warehouse=self.central).values_list("part_id", "quantity"))
        lines = []
        for part in self.parts:
            target = self.opening_quantity(part)
            if levels.get(part.pk, 0) < target * 0.7:
                lines.append(
                    (part, target - levels.get(part.pk, 0), money(part.unit_cost_amount * Decimal("1.03")))
                )
        if lines:
            services.stock_receive(
                warehouse=self.central,
                lines=lines,
                reference=f"CG{timezone.localdate(at):%Y%m%d}-001",
                acting_user=self.manager,
                now=at,
            )

    def top_up_central(self, part: Part, quantity: int, at):
        level = StockLevel.objects.filter(warehouse=self.central, part=part).first()
        if level is None or level.quantity < quantity:
            services.stock_receive(
                warehouse=self.central,
                lines=[(part, max(quantity, self.opening_quantity(part) // 2), part.unit_cost_amount)],
                reference=f"CG{timezone.localdate(at):%Y%m%d}-JJ",
                acting_user=self.manager,
                now=at,
            )

    # Part requests ----------------------------------------------------------------------------------

    def first_stock_lines(self, center) -> list[tuple[Part, int]]:
        """A centre's first stocking: the parts of the categories its technicians are certified for."""
        categories = set(
            ProductCategory.objects.filter(technicians__center=center).values_list("code", flat=True)
        ) or {AC, RF, WM, PH}
        lines = []
        for part in self.parts:
            if part.category.code not in categories:
                continue
            cost = part.unit_cost_amount
            quantity = 1 if cost >= 1000 else 2 if cost >= 300 else 3 if cost >= 100 else 5
            lines.append((part, quantity))
        return lines

    def request(self, center, lines, at, *, fate, work_order=None, note="", ship_by=None, receive_at=None):
        """Submits a request at `at` and plays it on to `fate`: a manager decides the ones over the limits
        (approves, or rejects with a reason), the central warehouse ships the next morning and the centre
        books them in two days later (or at `receive_at`)."""
        supervisor = self.supervisors[center.pk]
        state = {}

        def submit(t):
            state["request"] = services.part_request_submit(
                center=center, lines=lines, acting_user=supervisor, work_order=work_order, note=note, now=t
            )
            if state["request"].status == PartRequestStatus.PENDING:
                if fate == PartRequestStatus.PENDING:
                    return
                decide = t + dt.timedelta(hours=self.rng.randint(1, 4))
                self.at(decide, reject if fate == PartRequestStatus.REJECTED else approve)
            elif fate == PartRequestStatus.REJECTED:
                self.at(t + dt.timedelta(hours=2), reject)
            else:
                after_approval(t)

        def approve(t):
            state["request"] = services.part_request_approve(
                request=state["request"], acting_user=self.manager, note="同意，按需发货", now=t
            )
            after_approval(t)

        def reject(t):
            services.part_request_reject(
                request=state["request"],
                reason=self.rng.choice(REJECT_REASONS),
                acting_user=self.manager,
                now=t,
            )

        def after_approval(t):
            if fate in (PartRequestStatus.APPROVED, PartRequestStatus.PENDING):
                return
            if fate == PartRequestStatus.CANCELLED:
                self.at(t + dt.timedelta(hours=3), cancel)
                return
            ship_at = ship_by or _local(
                timezone.localdate(t) + dt.timedelta(days=1), 10, self.rng.randint(0, 50)
            )
            self.at(max(ship_at, t + dt.timedelta(minutes=30)), ship)

        def cancel(t):
            services.part_request_cancel(request=state["request"], acting_user=supervisor, now=t)

        def ship(t):
            for part, quantity in lines:  # what ran out is bought in first
                self.top_up_central(part, quantity, t - dt.timedelta(hours=1))
            state["request"] = services.part_request_ship(
                request=state["request"], acting_user=self.manager, now=t
            )
            if fate == PartRequestStatus.SHIPPED:
                return
            arrive = receive_at or _local(
                timezone.localdate(t) + dt.timedelta(days=2), 15, self.rng.randint(0, 50)
            )
            self.at(max(arrive, t + dt.timedelta(hours=1)), receive)

        def receive(t):
            services.part_request_receive(request=state["request"], acting_user=supervisor, now=t)

        self.at(at, submit)
        return state

    def replenish(self, center, at, fate):
        used = self.issued_since.pop(center.pk, Counter())
        lines = [(part, quantity) for part, quantity in sorted(used.items(), key=lambda pq: pq[0].code)]
        if fate in (PartRequestStatus.PENDING, PartRequestStatus.REJECTED):
            # Stocking up beyond the limits: a manager decides.
            cheap = [p for p in self.parts if p.unit_cost_amount < 100 and p.category.code != PH]
            lines += [(part, 8) for part in self.rng.sample(cheap, 3) if part not in used]
        if not lines:
            if fate == PartRequestStatus.RECEIVED:
                return
            lines = [(self.rng.choice([p for p in self.parts if p.unit_cost_amount < 60]), 5)]
        note = "月度补货" if fate == PartRequestStatus.RECEIVED else "补充常用备件"
        self.request(center, lines, at, fate=fate, note=note)

    # Work orders ------------------------------------------------------------------------------------

    def plan_work_orders(self):
        orders = list(
            WorkOrder.objects.filter(center_id__in=self.warehouses, repair_started_at__isnull=False)
            .select_related("call__unit__model", "technician__user", "center")
            .order_by("repair_started_at", "pk")
        )
        events = defaultdict(list)
        for event in WorkOrderEvent.objects.filter(work_order__in=orders).order_by("at", "pk"):
            events[event.work_order_id].append(event)
        quoted = defaultdict(list)
        for work_order_id, description in QuoteLine.objects.filter(
            quote__work_order__in=orders, kind=QuoteLineKind.PART
        ).values_list("quote__work_order_id", "description"):
            quoted[work_order_id].append(description)
        waiting_fates = itertools.cycle([PartRequestStatus.SHIPPED, PartRequestStatus.APPROVED])
        wrong_parts = 0
        for order in orders:
            center = order.center
            texts = quoted[order.pk] + [
                e.note.split("：", 1)[1]
                for e in events[order.pk]
                if e.note.startswith(("等待配件：", "配件已到："))
            ]
            carry_in = getattr(order, "carry_in", None)
            if carry_in is not None and carry_in.repair_parts:
                texts.append(carry_in.repair_parts)
            part = self.part_for(order, texts)
            if part is None:
                continue
            waited = next(
                (e for e in events[order.pk] if e.to_status == WorkOrderStatus.WAITING_FOR_PARTS), None
            )
            if waited is not None:
                arrived = next(
                    (
                        e
                        for e in events[order.pk]
                        if e.at > waited.at and e.to_status == WorkOrderStatus.IN_REPAIR
                    ),
                    None,
                )
                submit = waited.at + dt.timedelta(minutes=self.rng.randint(10, 40))
                if arrived is None:
                    fate = next(waiting_fates)
                    self.request(
                        center,
                        [(part, 1)],
                        submit,
                        fate=fate,
                        work_order=order,
                        note=f"工单{order.number}缺件",
                    )
                    continue
                ship_by = min(
                    _local(timezone.localdate(submit) + dt.timedelta(days=1), 10, 0),
                    arrived.at - dt.timedelta(hours=5),
                )
                self.request(
                    center,
                    [(part, 1)],
                    submit,
                    fate=PartRequestStatus.RECEIVED,
                    work_order=order,
                    note=f"工单{order.number}缺件",
                    ship_by=max(ship_by, submit + dt.timedelta(minutes=30)),
                    receive_at=arrived.at - dt.timedelta(minutes=30),
                )
                issue_at = arrived.at + dt.timedelta(minutes=self.rng.randint(5, 30))
            elif order.completed_at is not None:
                issue_at = order.completed_at - dt.timedelta(minutes=self.rng.randint(5, 25))
                issue_at = max(issue_at, order.repair_started_at + dt.timedelta(minutes=1))
            elif order.status == WorkOrderStatus.IN_REPAIR and self.rng.random() < 0.5:
                issue_at = order.repair_started_at + dt.timedelta(minutes=self.rng.randint(10, 40))
            else:
                continue
            if order.completed_at is not None:
                issue_at = min(issue_at, order.completed_at - dt.timedelta(seconds=30))
            early = issue_at - dt.timedelta(minutes=5) >= order.repair_started_at
            if wrong_parts < 3 and order.completed_at is not None and waited is None and early:
                wrong = self.wrong_part(order, part)
                if wrong is not None:
                    wrong_parts += 1
                    self.at(
                        issue_at - dt.timedelta(minutes=4),
                        lambda at, o=order, p=wrong: self.issue(o, p, at, tags=False),
                    )
                    self.at(
                        issue_at - dt.timedelta(minutes=2),
                        lambda at, o=order, p=wrong: self.give_back(o, p, at),
                    )
            self.at(issue_at, lambda at, o=order, p=part: self.issue(o, p, at))

    def compatible(self, order, part) -> bool:
        model = order.call.unit.model
        if part.category_id != model.category_id:
            return False
        return not self.fits[part.pk] or model.pk in self.fits[part.pk]

    def part_for(self, order, texts) -> Part | None:
        candidates = [p for p in self.parts if self.compatible(order, p)]
        if not candidates:
            return None
        for text in texts:
            named = [p for p in candidates if text and (text in p.name or p.name in text)]
            if named:
                return self.rng.choice(named)
        if self.rng.random() < 0.25:
            return None  # fixed without a part (cleaning, adjustment, a loose connector)
        # Returnable parts are the expensive minority, but the ones a repair most often hinges on.
        weights = [3 if p.return_required else 2 if p.unit_cost_amount < 100 else 1 for p in candidates]
        return self.rng.choices(candidates, weights=weights)[0]

    def wrong_part(self, order, part) -> Part | None:
        others = [p for p in self.parts if p != part and p.return_required and self.compatible(order, p)]
        return self.rng.choice(others) if others else None

    def worker(self, order):
        return order.technician.user if order.technician_id else self.supervisors[order.center_id]

    @contextlib.contextmanager
    def in_repair(self, order):
        """The part moved while the order was being repaired; an order closed since then is replayed at the
        status it had then, in repair (the ledger's services check today's status), and put back."""
        status = WorkOrder.objects.filter(pk=order.pk).values_list("status", flat=True).get()
        replay = status not in PARTS_ISSUABLE
        if replay:
            WorkOrder.objects.filter(pk=order.pk).update(status=WorkOrderStatus.IN_REPAIR)
        try:
            yield
        finally:
            if replay:
                WorkOrder.objects.filter(pk=order.pk).update(status=status)

    def give_back(self, order, part, at):
        """The wrong part comes back unused, minutes after it was issued."""
        with self.in_repair(order):
            services.part_return(
                work_order=order, part=part, reason=WRONG_PART_REASON, acting_user=self.worker(order), now=at
            )

    def issue(self, order, part, at, *, tags: bool = True):
        """Issues one piece at `at`; `tags`: play its defective-return tag on (False: the part comes back
        unused and its tag is cancelled)."""
        warehouse = self.warehouses[order.center_id]
        level = StockLevel.objects.filter(warehouse=warehouse, part=part).first()
        if level is None or level.quantity < 1:
            # Not in the centre's store: an urgent transfer from the central warehouse the day before.
            before = at - dt.timedelta(hours=20)
            self.top_up_central(part, 2, before - dt.timedelta(hours=1))
            services.stock_transfer(
                source=self.central,
                destination=warehouse,
                lines=[(part, 2)],
                acting_user=self.manager,
                reference=f"DB{timezone.localdate(before):%Y%m%d}-{order.center.code}",
                now=before,
            )
        serial = f"{part.code}-{self.rng.randint(10**7, 10**8 - 1)}" if part.serialized else ""
        old_serial = f"{part.code}-{self.rng.randint(10**7, 10**8 - 1)}" if part.return_required else ""
        with self.in_repair(order):
            movement = services.part_issue(
                work_order=order,
                part=part,
                quantity=1,
                acting_user=self.worker(order),
                serial_number=serial,
                old_serial=old_serial,
                now=at,
            )
        self.issued_since[order.center_id][part] += 1
        if order.call.service_type != ServiceType.FREE:
            self.paid_consumed[order.center_id] += -movement.value_amount
        if tags:
            for tag in DefectiveReturn.objects.filter(issue_movement=movement):
                self.plan_tag(tag, order)

    # Defective-part tags ----------------------------------------------------------------------------

    def plan_tag(self, tag, order):
        rng = self.rng
        supervisor = self.supervisors[order.center_id]
        created = tag.created_at
        ship_at = created + dt.timedelta(days=rng.randint(2, 9), hours=rng.randint(0, 6))
        if tag.due_on < self.today:
            self.old_tags += 1
            fate = (
                "overdue"
                if self.old_tags % 5 == 1
                else rng.choices(["inspected", "received", "scrapped", "shipped"], weights=(60, 15, 12, 8))[0]
            )
        else:
            self.new_tags += 1
            fate = (
                "scrap_requested"
                if self.new_tags % 6 == 2
                else rng.choices(["open", "shipped", "received"], weights=(50, 35, 15))[0]
            )
        if fate in ("overdue", "open"):
            return

        def ship(t):
            services.defective_return_ship(
                tag=tag,
                courier=rng.choice(COURIERS),
                tracking_number=f"SF{rng.randint(10**11, 10**12 - 1)}",
                acting_user=supervisor,
                now=t,
            )
            if fate != "shipped":
                self.at(t + dt.timedelta(days=rng.randint(2, 5), hours=rng.randint(1, 5)), receive)

        def receive(t):
            services.defective_return_receive(tag=tag, acting_user=self.manager, now=t)
            if fate == "inspected":
                self.at(t + dt.timedelta(days=rng.randint(1, 3)), inspect)

        def inspect(t):
            outcome = rng.choices(list(InspectionOutcome), weights=(85, 10, 5))[0]
            services.defective_return_inspect(
                tag=tag,
                outcome=outcome,
                note=INSPECTION_NOTES.get(outcome, ""),
                acting_user=self.manager,
                now=t,
            )

        def request_scrap(t):
            services.defective_return_request_scrap(
                tag=tag, reason=rng.choice(SCRAP_REASONS), photos=[_jpeg(rng)], acting_user=supervisor, now=t
            )
            if fate == "scrapped":
                self.at(t + dt.timedelta(hours=rng.randint(3, 30)), approve_scrap)

        def approve_scrap(t):
            services.defective_return_decide_scrap(
                tag=tag, approve=True, acting_user=self.manager, note="同意就地报废", now=t
            )

        if fate in ("scrapped", "scrap_requested"):
            self.at(created + dt.timedelta(days=rng.randint(1, 3)), request_scrap)
        else:
            self.at(ship_at, ship)

    # Month ends -------------------------------------------------------------------------------------

    def month_end_count(self, at):
        """The central warehouse's count finds a piece missing or one too many; the defective store writes
        off the old parts inspected as faulty."""
        rng = self.rng
        levels = list(
            StockLevel.objects.filter(warehouse=self.central, quantity__gt=5)
            .select_related("part")
            .order_by("pk")
        )
        if levels:
            level = rng.choice(levels)
            if rng.random() < 0.6:
                quantity, reason = -1, "月末盘点：短少1件，已报损"
            else:
                quantity, reason = 1, "月末盘点：多出1件，系入库漏记"
            services.stock_adjust(
                warehouse=self.central,
                part=level.part,
                quantity=quantity,
                reason=reason,
                acting_user=self.manager,
                now=at,
            )
        center = rng.choice(self.centers)
        found = (
            StockLevel.objects.filter(warehouse=self.warehouses[center.pk], quantity__gt=0)
            .select_related("part")
            .order_by("pk")
            .first()
        )
        if found is not None:
            services.stock_adjust(
                warehouse=self.warehouses[center.pk],
                part=found.part,
                quantity=1,
                reason="网点盘点：多出1件，上次维修未领用",
                acting_user=self.manager,
                now=at + dt.timedelta(minutes=30),
            )
        faulty = Counter(
            DefectiveReturn.objects.filter(
                status=DefectiveReturnStatus.INSPECTED, outcome=InspectionOutcome.FAULTY, inspected_at__lt=at
            ).values_list("part_id", flat=True)
        )
        faulty.subtract(self.written_off)
        for level in StockLevel.objects.filter(
            warehouse=self.defective, part_id__in=[p for p, n in faulty.items() if n > 0], quantity__gt=0
        ).select_related("part"):
            quantity = min(level.quantity, faulty[level.part_id])
            self.written_off[level.part_id] += quantity
            services.stock_adjust(
                warehouse=self.defective,
                part=level.part,
                quantity=-quantity,
                reason="检验确认故障的旧件，集中报废",
                acting_user=self.manager,
                now=at + dt.timedelta(hours=1),
            )

    def parts_payments(self, at):
        """Each centre pays for the parts it used on paid and contract work (they are not the maker's)."""
        for center in self.centers:
            owed = money(self.paid_consumed.pop(center.pk, Decimal(0)))
            used = (
                DepositAccount.objects.filter(center=center)
                .values_list("credit_used_amount", flat=True)
                .first()
            )
            amount = min(owed, used or Decimal(0))
            if amount > 0:
                services.parts_payment_record(
                    center=center,
                    amount=amount,
                    acting_user=self.manager,
                    reference=f"FK{timezone.localdate(at):%Y%m}-{center.code}",
                    now=at,
                )


def demo_summary() -> dict:
    """What the demo left, for the tests and the seed's output."""
    return {
        "requests": Counter(PartRequest.objects.values_list("status", flat=True)),
        "tags": Counter(DefectiveReturn.objects.values_list("status", flat=True)),
        "overdue": DefectiveReturn.objects.overdue(timezone.localdate()).count(),
        "movements": StockMovement.objects.count(),
        "unbalanced": StockLevel.objects.filter(Q(quantity__lt=0) | Q(value_amount__lt=0)).count(),
    }
