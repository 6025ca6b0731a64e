"""Demo catalogue, customers and their units."""

from __future__ import annotations

import datetime as dt
import io
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone
from PIL import Image, ImageDraw

from aftersales.demo.names import landline_number, mobile_number, person_name, street_address
from aftersales.money import money
from aftersales.validators import imei_with_check_digit
from care.models import Callback
from care.services import callback_record_attempt, callback_review
from demo import repairs_paid as demo_paid
from demo.repairs_field import field_units_reserve, seed_field_exceptions, seed_field_units
from network.models import Region, Technician
from repairs.choices import (
    CallChannel,
    CallCustomerRequest,
    ClosingChannel,
    ConsentMethod,
    FaultCodeKind,
    LoanerStatus,
    PhoneLabel,
    Priority,
    QuoteLineKind,
    Resolution,
    ServiceMode,
    ServiceType,
    WorkOrderStatus,
)
from repairs.closing import ClosingInput, closing_proof_clear, work_order_close
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
    RepairCall,
    WorkOrderClosing,
)
from repairs.reference import CALL_OUT, catalogue_sync, fault_codes_sync, symptoms_sync
from repairs.services import (
    QuoteLineInput,
    carry_in_inspect,
    carry_in_receive,
    carry_in_record_repair,
    carry_in_return,
    consent_record,
    loaner_lend,
    loaner_return,
    quote_create,
    repair_call_register,
    work_order_contact_record,
    work_order_dispatch,
    work_order_guide_by_phone,
    work_order_transition,
)
from warranty.models import ExtendedWarranty

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


# Repair calls and work orders over the last three months -------------------------------------------------

DEMO_CALLS = 360
HISTORY_DAYS = 90
# The share of visits that arrive after the appointment's grace time (the on-site SLA): a well-run network
# is on time for most.
LATE_ARRIVALS = 0.1
# Work left hanging (a visit that did not happen, parts that never came) is chased by the SLA escalations:
# what is still stuck dates from the last two weeks; older calls ran to their end.
STALL_DAYS = 14
# The numbers seed_customers gives; customers registered at intake are numbered KH<day>-NNNNN.
DEMO_CUSTOMER_NUMBER = r"^KH\d{8}$"

SYMPTOM_DETAILS = {
    "air_conditioner": ["", "", "开机半小时后出风不凉", "室外机响声很大", "显示E1", "显示F0", "内机滴水"],
    "refrigerator": ["", "", "冷藏室有水", "压缩机一直在转", "显示E2", "后背很烫", "晚上噪音明显"],
    "washing_machine": ["", "", "显示E21", "洗到一半停机", "脱水时晃动厉害", "门打不开，衣服取不出"],
    "mobile_phone": ["", "", "充电时发烫", "屏幕有竖线", "通话对方听不到", "用了两天突然黑屏"],
}
MISUSE_DETAILS = {
    "air_conditioner": "装修时内机被撞，面板裂开",
    "refrigerator": "搬家时磕碰，门体变形",
    "washing_machine": "洗了带硬币的衣服，内筒卡住",
    "mobile_phone": "手机进水后不开机",
}
PARTS = {
    "air_conditioner": [
        ("电容", "35.00"),
        ("温度传感器", "45.00"),
        ("室外风机电机", "260.00"),
        ("主控板", "380.00"),
    ],
    "refrigerator": [
        ("温控器", "60.00"),
        ("化霜加热管", "85.00"),
        ("门封条", "120.00"),
        ("压缩机", "680.00"),
    ],
    "washing_machine": [
        ("排水泵", "95.00"),
        ("进水阀", "65.00"),
        ("门锁开关", "75.00"),
        ("电脑板", "280.00"),
    ],
    "mobile_phone": [
        ("屏幕总成", "899.00"),
        ("电池", "199.00"),
        ("尾插小板", "89.00"),
        ("后置摄像头", "259.00"),
    ],
}
CANCEL_NOTES = (
    "客户来电取消：已自行恢复正常",
    "客户要求取消，以后再约",
    "客户已联系其他网点维修",
    "重复报修，已在另一单处理",
)
CLOSE_NOTES = (
    "回访：客户满意",
    "回访：故障已排除，客户满意",
    "回访：客户表示服务及时",
    "回访：客户满意，建议定期清洗",
)
GUIDANCE_NOTES = {
    "air_conditioner": "指导客户检查遥控器模式与电池，重新设定制冷模式后恢复",
    "refrigerator": "指导客户调整温控档位，清理后背散热空间",
    "washing_machine": "指导客户清理排水泵过滤器，重新开机后恢复",
    "mobile_phone": "指导客户强制重启并恢复网络设置",
}
CONDITION_NOTES = (
    "机身完好，附充电器",
    "屏幕有轻微划痕，无配件",
    "后壳有磕碰，附原装充电线",
    "机身完好，客户已备份数据",
)


def _minutes(rng: random.Random, low: int, high: int) -> dt.timedelta:
    return dt.timedelta(minutes=rng.randint(low, high))


def _local(day: dt.date, time: dt.time) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, time))


def _in_hours(rng: random.Random, at: dt.datetime, center) -> dt.datetime:
    """`at`, or a little after the centre next opens when `at` falls outside its hours."""
    day = timezone.localtime(at).date()
    opens, closes = _local(day, center.opens_at), _local(day, center.closes_at)
    if at < opens:
        return opens + _minutes(rng, 5, 50)
    if at > closes - dt.timedelta(minutes=30):
        return _local(day + dt.timedelta(days=1), center.opens_at) + _minutes(rng, 5, 50)
    return at


def _slots(center, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
    """Two-hour appointment windows inside the centre's service hours."""
    slots, start, closes = [], _local(day, center.opens_at), _local(day, center.closes_at)
    while start + dt.timedelta(hours=2) <= closes:
        slots.append((start, start + dt.timedelta(hours=2)))
        start += dt.timedelta(hours=2)
    return slots


@dataclass
class _Unit:
    unit: ProductUnit
    phone: str
    region: Region
    address: str
    extended: tuple[dt.date, dt.date] | None
    # None: never called about; a datetime: free for a new call after it; FOREVER: its call is still open.
    free_after: dt.datetime | None = None


FOREVER = dt.datetime.max.replace(tzinfo=dt.UTC)


@dataclass
class _World:
    rng: random.Random
    now: dt.datetime
    units: list[_Unit]
    dispatcher: object
    dealer_user: object
    dealer_pk: int | None
    supervisors: dict
    serving: dict  # (district pk, category pk) → [active centres whose agreement covers both]
    technicians: dict  # centre pk → [(technician, {category pk})]
    symptoms: dict  # category pk → [FaultSymptom]
    rates: dict  # category pk → {code: LabourRate}
    loaners: dict  # (centre pk, category pk) → [LoanerUnit]
    loaner_busy: dict = field(default_factory=dict)  # loaner pk → [(lent, returned or FOREVER)]

    @classmethod
    def load(cls, *, rng, now, network) -> _World:
        User = get_user_model()
        customers = Customer.objects.filter(number__regex=DEMO_CUSTOMER_NUMBER)
        phones = dict(
            CustomerPhone.objects.filter(customer__in=customers, is_primary=True).values_list(
                "customer_id", "number"
            )
        )
        addresses = {
            a.customer_id: a
            for a in CustomerAddress.objects.filter(customer__in=customers, is_primary=True).select_related(
                "region"
            )
        }
        extended = {}
        for unit_id, starts, ends in (
            ExtendedWarranty.objects.valid()
            .filter(unit__owner__in=customers)
            .values_list("unit_id", "starts_on", "ends_on")
        ):
            extended[unit_id] = (starts, ends)
        units = [
            _Unit(
                unit=u,
                phone=phones[u.owner_id],
                region=addresses[u.owner_id].region,
                address=addresses[u.owner_id].detail,
                extended=extended.get(u.pk),
            )
            for u in ProductUnit.objects.filter(owner__in=customers)
            .select_related("model__category", "owner", "dealer")
            .order_by("pk")
            if u.owner_id in phones and u.owner_id in addresses and u.sale_date
        ]
        active = [c for c in network.centers if c.active]
        serving = {}
        for center in active:
            categories = [c.pk for c in center.categories.all()]
            for district in center.coverage.all():
                for category in categories:
                    serving.setdefault((district.pk, category), []).append(center)
        # A call is only ever dispatched to a centre whose agreement covers it: units no centre covers get
        # no calls (the demo network covers every customer's district and category).
        units = [u for u in units if (u.region.pk, u.unit.model.category_id) in serving]
        technicians = {}
        for tech in (
            Technician.objects.filter(active=True, center__in=active)
            .select_related("user")
            .prefetch_related("categories")
            .order_by("employee_no")
        ):
            technicians.setdefault(tech.center_id, []).append((tech, {c.pk for c in tech.categories.all()}))
        symptoms, rates, loaners = {}, {}, {}
        for symptom in FaultSymptom.objects.order_by("category_id", "sort_order"):
            symptoms.setdefault(symptom.category_id, []).append(symptom)
        for rate in LabourRate.objects.filter(active=True):
            rates.setdefault(rate.category_id, {})[rate.code] = rate
        for loaner in LoanerUnit.objects.filter(status=LoanerStatus.AVAILABLE).order_by("serial_number"):
            loaners.setdefault((loaner.center_id, loaner.category_id), []).append(loaner)
        return cls(
            rng=rng,
            now=now,
            units=units,
            dispatcher=User.objects.get(username="dispatcher"),
            dealer_user=User.objects.filter(username="dealer").first(),
            dealer_pk=network.dealers[0].pk if network.dealers else None,
            supervisors=network.supervisors,
            serving=serving,
            technicians=technicians,
            symptoms=symptoms,
            rates=rates,
            loaners=loaners,
        )

    def pick_unit(self, at: dt.datetime, *, districts=None, paid: bool = False) -> _Unit | None:
        """A unit sold before `at` with no call open at `at`; mostly still in its 三包 period, sometimes
        one under an extended-warranty contract (service type B), the rest of any age (paid, A)."""
        rng, day = self.rng, timezone.localdate(at)
        roll = rng.random()

        def fits(u: _Unit) -> bool:
            if u.unit.sale_date >= day or (u.free_after is not None and u.free_after >= at):
                return False
            return districts is None or u.region.pk in districts

        wants = [
            lambda u: u.extended is not None and u.extended[0] <= day <= u.extended[1],
            lambda u: (day - u.unit.sale_date).days <= 330,
            lambda u: True,
        ][0 if roll < 0.08 else 1 if roll < 0.75 else 2]
        if paid:

            def wants(u: _Unit) -> bool:
                covered = u.extended is not None and u.extended[0] <= day <= u.extended[1]
                return not covered and (day - u.unit.sale_date).days > 2 * 365

        for _ in range(300):
            candidate = rng.choice(self.units)
            if fits(candidate) and wants(candidate):
                return candidate
        free = [u for u in self.units if fits(u)]
        return rng.choice(free) if free else None

    def center_for(self, unit: _Unit):
        """A centre whose agreement covers the unit's district and category, one with a technician
        certified for the category when there is such a one."""
        category = unit.unit.model.category_id
        candidates = self.serving[(unit.region.pk, category)]
        certified = [
            c for c in candidates if any(category in cats for _, cats in self.technicians.get(c.pk, []))
        ]
        return self.rng.choice(certified or candidates)

    def technician_for(self, center, unit: _Unit):
        category = unit.unit.model.category_id
        certified = [t for t, cats in self.technicians.get(center.pk, []) if category in cats]
        return self.rng.choice(certified) if certified else None

    def free_loaner(self, center, category_pk, start, end):
        for loaner in self.loaners.get((center.pk, category_pk), []):
            busy = self.loaner_busy.get(loaner.pk, [])
            # A loan still open leaves the loaner lent in the database: it is not lent again, not even
            # for an earlier period.
            if all(e != FOREVER and (end <= s or start >= e) for s, e in busy):
                self.loaner_busy.setdefault(loaner.pk, []).append((start, end))
                return loaner
        return None


# What callers name as faulty besides the whole unit, and how often: a phone's battery or charger, an
# appliance's compressor or motor.
FAULTY_PARTS = {
    "mobile_phone": (("battery", 0.15), ("charger", 0.05), ("data_cable", 0.02)),
    "air_conditioner": (("compressor", 0.08),),
    "refrigerator": (("compressor", 0.10),),
    "washing_machine": (("motor", 0.08),),
}


def _faulty_part(spec, category) -> str:
    """The part the caller names; its own generator (keyed by the call's instant), so that it shifts no other
    random choice of the demo."""
    draw = random.Random(f"part:{spec.at.isoformat()}").random()
    for code, share in FAULTY_PARTS.get(category.code, ()):
        if draw < share:
            return code
        draw -= share
    return "main_unit"


@dataclass
class _Spec:
    """One call to play: when it is logged and anything the story must do (the forced cases)."""

    at: dt.datetime
    kind: str = "normal"  # normal | new | guided_pending
    center: object = None
    technician: object = None
    appointment: tuple[dt.datetime, dt.datetime] | None = None
    stop_after: str | None = None  # dispatched | accepted
    districts: set | None = None
    paid: bool = False  # a unit long out of its 三包 period and without an extended warranty (service type A)


class _Story:
    """The steps of one work order in time order; play() runs those that have happened by now."""

    def __init__(self):
        self.steps: list[tuple[dt.datetime, Callable]] = []
        self.terminal = False

    def add(self, at: dt.datetime, run: Callable, *, terminal: bool = False) -> dt.datetime:
        if self.steps and at < self.steps[-1][0]:
            raise ValueError(f"demo story goes back in time: {at} < {self.steps[-1][0]}")
        self.steps.append((at, run))
        self.terminal = terminal
        return at

    def last(self) -> dt.datetime:
        return self.steps[-1][0]

    def play(self, now: dt.datetime) -> dt.datetime:
        """Runs the steps up to now; returns when the unit is free for another call (FOREVER while open)."""
        for at, run in self.steps:
            if at > now:
                return FOREVER
            run(at)
        return self.last() if self.terminal and self.steps else FOREVER


def demo_calls_exist() -> bool:
    return RepairCall.objects.filter(customer__number__regex=DEMO_CUSTOMER_NUMBER).exists()


def seed_repair_calls(*, rng: random.Random, now: dt.datetime, network, count: int = DEMO_CALLS) -> int:
    """About `count` repair calls over the last HISTORY_DAYS days on the demo customers' units, each played
    through the register's services at the instants it happened (now=…), so numbers, events, 三包 decisions
    and timestamps agree. Returns how many calls were logged; none when demo calls exist already (a second
    run, or a database where the demo calls were logged before)."""
    if demo_calls_exist():
        return 0
    world = _World.load(rng=rng, now=now, network=network)
    field_units = field_units_reserve(world)  # the field's stories' own appliances (demo.repairs_field)
    if not world.units:
        return 0
    specs = _specs(world, count, network)
    _FORCED.clear()
    _FORCED["now"] = now
    demo_paid.start(network=network, now=now)
    logged = 0
    for spec in sorted(specs, key=lambda s: s.at):
        if spec.paid:
            # A generator of its own, so the rest of the demo stays as it was.
            shared, world.rng = world.rng, random.Random(f"paid-home:{spec.at:%Y%m%d}")
            try:
                unit = world.pick_unit(spec.at, districts=spec.districts, paid=True)
                if unit is not None:
                    unit.free_after = _play(world, spec, unit)
                    logged += 1
            finally:
                world.rng = shared
            continue
        unit = world.pick_unit(spec.at, districts=spec.districts)
        if unit is None:
            continue
        unit.free_after = _play(world, spec, unit)
        logged += 1

    logged += seed_field_exceptions(
        world=world, network=network, now=now, forever=FOREVER, reserved=field_units
    )
    _clear_old_proof_exceptions(now)
    demo_paid.finish(now=now, network=network, dispatcher=world.dispatcher)
    return logged


def _clear_old_proof_exceptions(now: dt.datetime) -> None:
    """The manager has cleared the closings without the customer's proof older than CLEARED_AFTER (a few
    days after each); the recent ones wait on the manager's list, held out of the settlement."""

    manager = get_user_model().objects.filter(groups__name="manager", is_active=True).order_by("pk").first()
    if manager is None:
        return
    for closing in (
        WorkOrderClosing.objects.proof_pending()
        .filter(closed_at__lt=now - CLEARED_AFTER)
        .select_related("work_order")
        .order_by("closed_at")
    ):
        rng = random.Random(f"clear:{closing.work_order.number}")
        closing_proof_clear(
            closing=closing,
            acting_user=manager,
            note="已电话回访客户确认维修完成，同意结算",
            now=min(closing.closed_at + dt.timedelta(days=rng.randint(2, 8)), now),
        )


def _specs(world: _World, count: int, network) -> list[_Spec]:
    rng, now = world.rng, world.now
    today = timezone.localdate(now)
    yesterday = today - dt.timedelta(days=1)
    home = network.centers[0]  # the demo technician's and the supervisor's centre
    home_districts = {d.pk for d in home.coverage.all()}
    home_techs = [t for t, _ in world.technicians.get(home.pk, [])]
    tech = next((t for t in home_techs if t.user.username == "tech"), home_techs[0] if home_techs else None)
    others = [t for t in home_techs if t != tech] or [tech]
    specs = []
    # The demo technician and his centre: appointments today and tomorrow, dispatched yesterday.
    slots_today, slots_tomorrow = _slots(home, today), _slots(home, today + dt.timedelta(days=1))
    # Today: the first window (done by now, unless it is early) and the next ones still to come.
    later = [s for s in slots_today[1:] if s[0] > now] or slots_today[-2:]
    forced = [
        (tech, slots_today[0], None),
        (tech, later[0], None),
        (tech, later[min(2, len(later) - 1)], None),
        (tech, slots_tomorrow[1], None),
        (tech, slots_tomorrow[-2], "dispatched"),
        (others[0], slots_today[2], None),
        (others[-1], slots_tomorrow[0], None),
        (None, slots_tomorrow[3], "dispatched"),
    ]
    # Yesterday's visits not finished, as a centre always has some: one waiting for its part, one whose
    # repair goes on (the register's and the supervisor's late work, the technician's overdue tab).
    slots_yesterday = _slots(home, yesterday)
    unfinished = [(others[0], slots_yesterday[1], "parts"), (tech, slots_yesterday[-2], "in_repair")]
    for n, (technician, slot, stop) in enumerate(forced + unfinished):
        day = yesterday if n < len(forced) else yesterday - dt.timedelta(days=1)
        logged = _local(day, dt.time(9, 0)) + _minutes(rng, 0, 8 * 60)
        specs.append(
            _Spec(
                at=logged,
                center=home,
                technician=technician,
                appointment=slot,
                stop_after=stop,
                districts=home_districts,
            )
        )
    # A paid repair of the home centre last week, so its supervisor always has a receivable on the list
    # however few paid calls a small demo draws (demo.repairs_paid keeps the first one owed).
    last_week = today - dt.timedelta(days=7)
    specs.append(
        _Spec(
            at=_local(last_week - dt.timedelta(days=1), dt.time(10, 17)),
            center=home,
            technician=others[0],
            appointment=_slots(home, last_week)[1],
            districts=home_districts,
            paid=True,
        )
    )
    # Calls from today that nobody has dispatched yet, and phone guidance waiting for its callback.
    today_start = _local(today, dt.time(0, 0))
    span = max(dt.timedelta(minutes=10), min(now - today_start, dt.timedelta(hours=4)))
    for _ in range(4):
        specs.append(_Spec(at=now - span * rng.uniform(0.05, 1.0), kind="new"))
    for _ in range(2):
        specs.append(_Spec(at=now - _minutes(rng, 35, 180), kind="guided_pending"))
    # Yesterday's and this morning's calls across the network: their visits are today and in the coming
    # days, the register's and the tablets' work ahead.
    for _ in range(count // 10):
        at = _local(today, dt.time(8, 0)) + _minutes(rng, 0, 12 * 60 + 30)
        if at > now - dt.timedelta(hours=1):
            at -= dt.timedelta(days=1)
        specs.append(_Spec(at=at))
    # The rest over the last three months, in the hotline's hours.
    while len(specs) < count:
        day = today - dt.timedelta(days=rng.randint(0, HISTORY_DAYS))
        at = _local(day, dt.time(8, 0)) + _minutes(rng, 0, 12 * 60 + 30)
        if at > now - dt.timedelta(minutes=30):
            at -= dt.timedelta(days=1)
        specs.append(_Spec(at=at))
    return specs


def _play(world: _World, spec: _Spec, entry: _Unit) -> dt.datetime:
    """Logs the call and plays its work order's story; returns when the unit is free again."""
    rng, now, dispatcher = world.rng, world.now, world.dispatcher
    unit = entry.unit
    category = unit.model.category
    symptoms = world.symptoms.get(category.pk, [])
    misuse = rng.random() < 0.06
    roll = rng.random()
    if spec.kind == "guided_pending" or (spec.kind == "normal" and spec.center is None and roll < 0.06):
        kind = "guided"
    elif spec.kind == "normal" and spec.center is None and roll < 0.11:
        kind = "cancel"
    else:
        kind = spec.kind if spec.kind == "new" else "visit"
    carry_in = category.requires_imei and rng.random() < 0.75 and spec.center is None
    stall_roll = rng.random()
    # Where a story stops although time has moved on: a visit that did not happen (overdue), a repair
    # left unfinished, parts that never came, an order nobody closed after the callback.
    stall = spec.stop_after
    if stall is None and spec.center is None and spec.at >= now - dt.timedelta(days=STALL_DAYS):
        for name, share in (
            ("dispatched", 0.01),
            ("accepted", 0.01),
            ("in_repair", 0.01),
            ("parts", 0.015),
            ("completed", 0.03),
        ):
            if stall_roll < share:
                stall = name
                break
            stall_roll -= share
    needs_parts = stall == "parts" or rng.random() < 0.25
    if stall == "in_repair":
        needs_parts = False  # its repair goes on: a part to wait for would leave it waiting instead

    channel, dealer, logged_by = CallChannel.HOTLINE, None, dispatcher
    channel_roll = rng.random()
    if unit.dealer_id and unit.dealer_id == world.dealer_pk and world.dealer_user and channel_roll < 0.5:
        channel, dealer, logged_by = CallChannel.DEALER, unit.dealer, world.dealer_user
    elif carry_in and channel_roll < 0.3:
        channel = CallChannel.WALK_IN
    elif channel_roll > 0.9:
        channel = CallChannel.WEB
    family = rng.random() < 0.15
    caller_name = unit.owner.name[:1] + person_name(rng)[1:] if family else unit.owner.name
    caller_phone = mobile_number(rng) if family else entry.phone
    override = rng.random() < 0.03
    text = MISUSE_DETAILS[category.code] if misuse else rng.choice(SYMPTOM_DETAILS.get(category.code, [""]))
    symptom = rng.choice(symptoms) if symptoms and rng.random() < 0.93 else None
    priority = rng.choices(list(Priority), weights=(85, 12, 3))[0]

    call = repair_call_register(
        customer=unit.owner,
        unit=unit,
        caller_name=caller_name,
        caller_phone=caller_phone,
        service_region=entry.region,
        service_address=entry.address,
        symptom=symptom,
        symptom_text=text or ("" if symptom else "客户描述不清，需上门检测"),
        customer_request=CallCustomerRequest.CONSULTATION if kind == "guided" else CallCustomerRequest.REPAIR,
        service_type=ServiceType.FREE if override else None,
        service_type_reason="客户投诉升级，经主任批准免费维修" if override else "",
        priority=priority,
        channel=channel,
        exclusions=("misuse",) if misuse else (),
        component=_faulty_part(spec, category),
        dealer=dealer,
        acting_user=logged_by,
        now=spec.at,
    )
    state = {"order": call.work_orders.get()}
    story = _Story()
    t = spec.at
    if kind == "new":
        return story.play(now)
    if spec.kind == "guided_pending":
        # The hotline guided the customer just now; the callback two hours later is still to come.
        story.add(
            t + _minutes(rng, 5, 30),
            lambda at: work_order_guide_by_phone(
                work_order=state["order"], acting_user=dispatcher, note=GUIDANCE_NOTES[category.code], now=at
            ),
        )
        return story.play(now)

    center = spec.center or world.center_for(entry)
    technician = spec.technician if spec.center is not None else world.technician_for(center, entry)
    worker = technician.user if technician else world.supervisors.get(center.pk, dispatcher)
    supervisor = world.supervisors.get(center.pk)
    t = _in_hours(rng, t + _minutes(rng, 5, 120), center)
    if spec.center is not None:
        t = min(t, spec.appointment[0] - dt.timedelta(hours=3))
        t = max(t, spec.at + dt.timedelta(minutes=5))
    start, end = spec.appointment or _appointment(rng, center, t)
    mode = ServiceMode.CARRY_IN if carry_in else ServiceMode.ON_SITE

    def dispatch(at):
        state["order"] = work_order_dispatch(
            work_order=state["order"],
            center=center,
            technician=technician,
            appointment_start=start,
            appointment_end=end,
            mode=mode,
            acting_user=dispatcher,
            now=at,
            # The demo writes history: nobody is texted a confirmation code for it.
            notify_customer=False,
        )

    t = story.add(t, dispatch)
    if kind == "guided":
        # The centre phones the customer before the visit and the fault is solved by guidance; the
        # hotline's callback then closes the order. (The hotline's own guidance, straight from "new",
        # is the pending case above.)
        t = story.add(
            min(start - dt.timedelta(minutes=10), t + _minutes(rng, 10, 120)),
            lambda at: work_order_guide_by_phone(
                work_order=state["order"], acting_user=worker, note=GUIDANCE_NOTES[category.code], now=at
            ),
        )
        story.add(
            t + _minutes(rng, 120, 26 * 60),
            lambda at: _guidance_called_back(state, dispatcher, at),
            terminal=True,
        )
        return story.play(now)
    if kind == "cancel":
        story.add(
            min(start - dt.timedelta(minutes=10), t + _minutes(rng, 30, 24 * 60)),
            lambda at: _to(state, WorkOrderStatus.CANCELLED, dispatcher, at, rng.choice(CANCEL_NOTES)),
            terminal=True,
        )
        return story.play(now)
    if stall == "dispatched":
        return story.play(now)
    # Accepted, and the customer phoned, half an hour before the window at the latest: time to get there.
    t = story.add(
        min(t + _minutes(rng, 5, 90), start - dt.timedelta(minutes=30)),
        lambda at: _to(state, WorkOrderStatus.ACCEPTED, worker, at),
    )
    # Most technicians phone the customer to confirm soon after accepting (the SLA's first contact); a
    # generator of its own, so the rest of the demo stays as it was.
    contact_rng = random.Random(f"contact:{call.number}")
    if contact_rng.random() < 0.85:
        t = story.add(
            max(t, min(t + _minutes(contact_rng, 5, 150), start - dt.timedelta(minutes=30))),
            lambda at: work_order_contact_record(work_order=state["order"], acting_user=worker, now=at),
        )
    if stall == "accepted":
        return story.play(now)
    paid = call.service_type == ServiceType.PAID
    parts = PARTS.get(category.code) or [("配件", "50.00")]
    part, part_price = rng.choice(parts)
    rates = world.rates.get(category.pk, {})
    loan = {}
    if carry_in:
        t = story.add(
            start + _minutes(rng, 0, 90),
            lambda at: state.update(
                carry_in=carry_in_receive(
                    work_order=state["order"],
                    acting_user=worker,
                    condition_note=rng.choice(CONDITION_NOTES),
                    now=at,
                )
            ),
        )
        if rng.random() < 0.5:
            loan["lent"] = t = story.add(t + _minutes(rng, 3, 10), lambda at: _lend(state, worker, at))
    else:
        gap, ahead, trip, late = (_minutes(rng, *span) for span in ((5, 30), (10, 45), (10, 40), (16, 96)))
        # Technicians plan to ring the bell at the start of the window (a little before, a little after)
        # and set off the longer of two estimates of the trip ahead of it (a few minutes after the call to
        # the customer at the soonest); about one visit in ten is late past the grace time (traffic, the
        # job before took longer). A generator of its own, so the rest of the demo stays as it was.
        arrival_rng = random.Random(f"arrival:{call.number}")
        if arrival_rng.random() < LATE_ARRIVALS:
            target = start + late
        else:
            target = start + dt.timedelta(minutes=arrival_rng.randint(-20, 10))
        t = story.add(
            max(t + gap / 5, target - max(ahead, trip)),
            lambda at: _to(state, WorkOrderStatus.EN_ROUTE, worker, at),
        )
        t = story.add(
            max(t + min(ahead, trip), target),
            lambda at: _to(state, WorkOrderStatus.ON_SITE, worker, at),
        )
    if paid:
        lines = _quote_lines(rates, part, part_price, carry_in=carry_in, major=rng.random() < 0.3)
        t = story.add(
            t + _minutes(rng, 10, 25 if not carry_in else 120), lambda at: _quote(state, lines, worker, at)
        )
        if not carry_in and rng.random() < 0.1:
            # The customer declines the quote: closed as declined, the call-out fee paid.
            story.add(
                t + _minutes(rng, 5, 20),
                lambda at: demo_paid.decline(
                    state, worker, dispatcher, at, signature_png=signature_png, fault_codes=_fault_codes
                ),
                terminal=True,
            )
            return story.play(now)
        method = ConsentMethod.PHONE if carry_in else ConsentMethod.SIGNATURE
        t = story.add(
            t + _minutes(rng, 2, 10 if not carry_in else 180),
            lambda at: _consent(state, caller_name, method, worker, at),
        )
    t = story.add(
        _in_hours(rng, t + _minutes(rng, 5, 30 if not carry_in else 240), center),
        lambda at: _to(state, WorkOrderStatus.IN_REPAIR, worker, at),
    )
    if needs_parts:
        t = story.add(
            t + _minutes(rng, 20, 60),
            lambda at: _to(state, WorkOrderStatus.WAITING_FOR_PARTS, worker, at, f"等待配件：{part}"),
        )
        if not carry_in and category.code == "refrigerator" and rng.random() < 0.7:
            loan["lent"] = t = story.add(t + _minutes(rng, 30, 180), lambda at: _lend(state, worker, at))
        if stall == "parts":
            return _finish_loan(world, story, state, loan, center, category, now)
        # The central warehouse ships the next working day: the part is there in one to four days.
        arrival = timezone.localdate(t) + dt.timedelta(days=rng.randint(1, 4))
        t = story.add(
            _local(arrival, center.opens_at) + _minutes(rng, 30, 6 * 60),
            lambda at: _to(state, WorkOrderStatus.IN_REPAIR, worker, at, f"配件已到：{part}"),
        )
        if paid and rng.random() < 0.3:
            extra = [QuoteLineInput(QuoteLineKind.PART, "追加：密封件", 1, Decimal("30.00"))]
            t = story.add(t + _minutes(rng, 5, 20), lambda at: _quote(state, extra, worker, at, "追加维修"))
            t = story.add(
                t + _minutes(rng, 5, 60),
                lambda at: _consent(state, caller_name, ConsentMethod.PHONE, worker, at),
            )
    if stall == "in_repair":
        return _finish_loan(world, story, state, loan, center, category, now)
    minutes = rng.randint(30, 150)
    if carry_in:
        # The workshop's queue: the repair card is filled in when the repair is done, hours or days later.
        t = story.add(
            _in_hours(rng, t + dt.timedelta(minutes=minutes) + _minutes(rng, 0, 2 * 24 * 60), center),
            lambda at: state.update(
                carry_in=carry_in_record_repair(
                    carry_in=state["carry_in"], minutes=minutes, parts=part, acting_user=worker, now=at
                )
            ),
        )
    t = story.add(
        t + _minutes(rng, 1, 10),
        lambda at: _close(
            state, worker, supervisor, at, minutes=minutes, carry_in=carry_in, part=needs_parts
        ),
    )
    if loan and not carry_in:
        loan["returned"] = t = story.add(
            t + _minutes(rng, 10, 60), lambda at: _return_loaner(state, worker, at)
        )
    if stall == "completed":
        return _finish_loan(world, story, state, loan, center, category, now)
    if carry_in:
        inspector = supervisor or dispatcher
        t = story.add(
            _in_hours(rng, t + _minutes(rng, 10, 240), center),
            lambda at: state.update(
                carry_in=carry_in_inspect(
                    carry_in=state["carry_in"], acting_user=inspector, note="外观及功能检验合格", now=at
                )
            ),
        )
        t = story.add(
            _in_hours(rng, t + _minutes(rng, 60, 3 * 24 * 60), center),
            lambda at: carry_in_return(
                carry_in=state["carry_in"], returned_to=caller_name, acting_user=worker, now=at
            ),
        )
        if loan:
            loan["returned"] = t = story.add(
                t + _minutes(rng, 1, 5), lambda at: _return_loaner(state, worker, at)
            )
        close_at = t + _minutes(rng, 5, 30)
    else:
        close_at = t + _minutes(rng, 4 * 60, 3 * 24 * 60)
    story.add(
        close_at,
        lambda at: _to(state, WorkOrderStatus.CLOSED, dispatcher, at, rng.choice(CLOSE_NOTES)),
        terminal=True,
    )
    return _finish_loan(world, story, state, loan, center, category, now)


def _appointment(rng: random.Random, center, after: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """A window on the day the dispatcher agrees with the customer: same day when it is early, mostly the
    next, sometimes two or three days on."""
    day = timezone.localdate(after) + dt.timedelta(days=rng.choices((0, 1, 2, 3), weights=(30, 45, 18, 7))[0])
    for offset in range(10):
        slots = [
            s
            for s in _slots(center, day + dt.timedelta(days=offset))
            if s[0] >= after + dt.timedelta(hours=1)
        ]
        if slots:
            return rng.choice(slots)
    raise ValueError(f"{center} has no appointment window after {after}")


def _finish_loan(world, story: _Story, state, loan, center, category, now) -> dt.datetime:
    """Picks a loaner free for the whole loan (if the story lends one), then plays the story."""
    if "lent" in loan:
        returned = loan.get("returned")
        until = returned if returned is not None and returned <= now else FOREVER
        state["loaner"] = world.free_loaner(center, category.pk, loan["lent"], until)
    return story.play(now)


def _to(state, status, actor, at, note=""):
    state["order"] = work_order_transition(
        work_order=state["order"], to_status=status, acting_user=actor, note=note, now=at
    )


_SIGNATURE: list[bytes] = []
_CODES: dict[int, tuple[list, list]] = {}
# Why a closing had neither signature nor code (the supervisor's exception), as centres write them.
PROOF_EXCEPTIONS = [
    "客户年迈不会操作手机，家属代签纸质服务凭证，已拍照存档",
    "客户手机停机收不到确认码，纸质凭证已签字交回网点",
    "平板故障无法签字，客户电话确认维修完成",
]


def signature_png() -> bytes:
    """A customer's scribble, drawn once (the demo's closings, and tests')."""
    if not _SIGNATURE:
        image = Image.new("RGBA", (360, 120), (255, 255, 255, 0))
        draw = ImageDraw.Draw(image)
        draw.line(
            [(20, 80), (70, 30), (110, 90), (160, 40), (220, 85), (300, 35), (340, 70)], fill="black", width=4
        )
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        _SIGNATURE.append(buffer.getvalue())
    return _SIGNATURE[0]


_FORCED: dict[str, dt.datetime] = {}
CLEARED_AFTER = dt.timedelta(days=20)  # the manager has reviewed every exception older than this


def _forced_exception(at: dt.datetime) -> bool:
    """At least one closing without the customer's proof in the last weeks (still on the manager's list)
    and one older (cleared): the first closing played in each span."""
    now = _FORCED["now"]
    span = "recent" if at > now - CLEARED_AFTER + dt.timedelta(days=2) else "old"
    if span in _FORCED:
        return False
    _FORCED[span] = at
    return True


def _fault_codes(category_id: int) -> tuple[list, list]:

    if category_id not in _CODES:
        codes = list(FaultCode.objects.filter(category_id=category_id, active=True).order_by("pk"))
        _CODES[category_id] = (
            [c for c in codes if c.kind == FaultCodeKind.FAULT],
            [c for c in codes if c.kind == FaultCodeKind.CAUSE],
        )
    return _CODES[category_id]


def _close(state, worker, supervisor, at, *, minutes: int, carry_in: bool, part: bool):
    """完工 with its closing record: the customer signs on the tablet (carry-in work is closed in the
    office); a few the centre's supervisor closes as an exception, without the customer's proof. A generator
    of its own per order, so the rest of the demo stays as it was."""

    order = state["order"]
    rng = random.Random(f"closing:{order.number}")
    faults, causes = _fault_codes(order.call.unit.model.category_id)
    paid = order.call.service_type == ServiceType.PAID
    exception = supervisor is not None and (rng.random() < 0.03 or _forced_exception(at))
    data = ClosingInput(
        client_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        fault_code=rng.choice(faults),
        cause=rng.choice(causes),
        resolution=Resolution.PART_REPLACED
        if part
        else rng.choice([Resolution.REPAIRED, Resolution.ADJUSTED]),
        labour_minutes=minutes,
        **(demo_paid.payment(order, at) if paid else {}),
        signature_png=None if exception else signature_png(),
        travel_km=None if carry_in else rng.randint(2, 35),
        proof_exception_reason=rng.choice(PROOF_EXCEPTIONS) if exception else "",
        channel=ClosingChannel.OFFICE if carry_in else ClosingChannel.TABLET,
    )
    closing, _replayed = work_order_close(
        work_order=order, data=data, acting_user=supervisor if exception else worker, now=at
    )
    state["order"] = closing.work_order
    state["closing"] = closing


def _guidance_called_back(state, dispatcher, at):
    """The hotline's callback after the guidance reaches the customer, who says it works again; its review
    closes the order (the customer's word is the guidance's proof: the settlement pays it then)."""

    callback = Callback.objects.get(work_order=state["order"], reason="phone_guidance")
    callback_record_attempt(
        callback=callback,
        outcome="reached",
        satisfaction=5,
        solved=True,
        words="按指导操作后已恢复正常",
        acting_user=dispatcher,
        now=at,
    )
    callback_review(
        callback=callback, review="close", acting_user=dispatcher, now=at + dt.timedelta(minutes=2)
    )


def _lend(state, actor, at):
    if state.get("loaner") is not None:
        state["loan"] = loaner_lend(
            work_order=state["order"], loaner=state["loaner"], acting_user=actor, now=at
        )


def _return_loaner(state, actor, at):
    if state.get("loan") is not None:
        loaner_return(loan=state["loan"], acting_user=actor, now=at)


def _quote_lines(rates, part, part_price, *, carry_in, major) -> list[QuoteLineInput]:
    lines = []
    # On site, the fee schedule's call-out fee; brought in, the inspection fee where the schedule has one.
    visit = rates.get("diagnose") if carry_in else rates.get(CALL_OUT)
    if visit is not None and visit.amount > 0:
        kind = QuoteLineKind.LABOUR if carry_in else QuoteLineKind.TRAVEL
        lines.append(QuoteLineInput(kind, visit.name, 1, visit.amount))
    labour = rates.get("repair_major" if major else "repair_minor")
    if labour is not None:
        lines.append(QuoteLineInput(QuoteLineKind.LABOUR, labour.name, 1, labour.amount))
    lines.append(QuoteLineInput(QuoteLineKind.PART, part, 1, Decimal(part_price)))
    return lines


def _quote(state, lines, actor, at, note=""):
    state["quote"] = quote_create(
        work_order=state["order"], lines=lines, acting_user=actor, note=note, now=at
    )


def _consent(state, given_by, method, actor, at):
    """The customer agrees: signed on the tablet's screen on site (the signature is kept), or by phone."""
    consent_record(
        quote=state["quote"],
        given_by=given_by,
        method=method,
        signature_png=signature_png() if method == ConsentMethod.SIGNATURE else None,
        acting_user=actor,
        now=at,
    )
