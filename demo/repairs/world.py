"""The world the demo's calls are played in: the units, centres, technicians and the calls' specs."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.utils import timezone

from network.models import Region, Technician
from repairs.choices import (
    LoanerStatus,
)
from repairs.models import (
    Customer,
    CustomerAddress,
    CustomerPhone,
    FaultSymptom,
    LabourRate,
    LoanerUnit,
    ProductUnit,
)
from warranty.models import ExtendedWarranty

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
