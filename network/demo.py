"""Demo master data of the service network: regions, service centres, technicians, dealers, logins."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from aftersales.demo.names import landline_number, mobile_number, person_name, street_address
from aftersales.money import money
from aftersales.roles import Role
from repairs.models import ProductCategory

from .choices import CenterLevel, RegionLevel
from .models import Dealer, FeeSchedule, Region, ServiceCenter, Technician, TravelFee

DEMO_PASSWORD = "demo-2026"

# GB/T 2260 codes. (province code, name, [(city code, name, area code, [(district code, name)])])
REGIONS = [
    (
        "440000",
        "广东省",
        [
            (
                "440100",
                "广州市",
                "020",
                [
                    ("440103", "荔湾区"),
                    ("440104", "越秀区"),
                    ("440105", "海珠区"),
                    ("440106", "天河区"),
                    ("440111", "白云区"),
                    ("440113", "番禺区"),
                ],
            ),
            (
                "440300",
                "深圳市",
                "0755",
                [
                    ("440303", "罗湖区"),
                    ("440304", "福田区"),
                    ("440305", "南山区"),
                    ("440306", "宝安区"),
                    ("440307", "龙岗区"),
                ],
            ),
            ("440600", "佛山市", "0757", [("440604", "禅城区"), ("440605", "南海区"), ("440606", "顺德区")]),
        ],
    ),
    (
        "330000",
        "浙江省",
        [
            (
                "330100",
                "杭州市",
                "0571",
                [
                    ("330102", "上城区"),
                    ("330105", "拱墅区"),
                    ("330106", "西湖区"),
                    ("330108", "滨江区"),
                    ("330109", "萧山区"),
                ],
            ),
            ("330200", "宁波市", "0574", [("330203", "海曙区"), ("330205", "江北区"), ("330212", "鄞州区")]),
            ("330300", "温州市", "0577", [("330302", "鹿城区"), ("330303", "龙湾区"), ("330304", "瓯海区")]),
        ],
    ),
    (
        "320000",
        "江苏省",
        [
            (
                "320100",
                "南京市",
                "025",
                [
                    ("320102", "玄武区"),
                    ("320104", "秦淮区"),
                    ("320105", "建邺区"),
                    ("320106", "鼓楼区"),
                    ("320115", "江宁区"),
                ],
            ),
            (
                "320500",
                "苏州市",
                "0512",
                [("320505", "虎丘区"), ("320506", "吴中区"), ("320507", "相城区"), ("320508", "姑苏区")],
            ),
            ("320200", "无锡市", "0510", [("320211", "滨湖区"), ("320213", "梁溪区"), ("320214", "新吴区")]),
        ],
    ),
    (
        "510000",
        "四川省",
        [
            (
                "510100",
                "成都市",
                "028",
                [
                    ("510104", "锦江区"),
                    ("510105", "青羊区"),
                    ("510106", "金牛区"),
                    ("510107", "武侯区"),
                    ("510108", "成华区"),
                ],
            ),
        ],
    ),
]

# (code, name, level, city code, districts covered (codes), agreement years ago, active)
CENTERS = [
    ("GD-GZ-01", "广州天河服务中心", CenterLevel.DIAMOND, "440100", ["440106", "440111", "440105"], 4, True),
    ("GD-GZ-02", "广州越秀家电维修站", CenterLevel.A, "440100", ["440104", "440103", "440113"], 2, True),
    ("GD-SZ-01", "深圳福田服务中心", CenterLevel.GOLD, "440300", ["440304", "440303", "440305"], 3, True),
    ("GD-SZ-02", "深圳宝安快修网点", CenterLevel.GENERAL, "440300", ["440306", "440307"], 1, True),
    ("GD-FS-01", "佛山顺德服务站", CenterLevel.A, "440600", ["440606", "440605", "440604"], 2, True),
    (
        "ZJ-HZ-01",
        "杭州西湖服务中心",
        CenterLevel.DIAMOND,
        "330100",
        ["330106", "330102", "330105", "330108"],
        5,
        True,
    ),
    ("ZJ-HZ-02", "杭州萧山维修站", CenterLevel.GENERAL, "330100", ["330109"], 1, False),
    ("ZJ-NB-01", "宁波鄞州服务中心", CenterLevel.GOLD, "330200", ["330212", "330203", "330205"], 3, True),
    ("ZJ-WZ-01", "温州鹿城服务站", CenterLevel.A, "330300", ["330302", "330303", "330304"], 2, True),
    (
        "JS-NJ-01",
        "南京鼓楼服务中心",
        CenterLevel.GOLD,
        "320100",
        ["320106", "320102", "320104", "320105", "320115"],
        3,
        True,
    ),
    (
        "JS-SZ-01",
        "苏州姑苏服务站",
        CenterLevel.A,
        "320500",
        ["320508", "320505", "320506", "320507"],
        2,
        True,
    ),
    (
        "SC-CD-01",
        "成都武侯服务站",
        CenterLevel.GENERAL,
        "510100",
        ["510107", "510104", "510105", "510106", "510108"],
        1,
        True,
    ),
]

# Service hours (seeds 003/004): most centres 08:00–20:00; the phone repair points (手机快修) keep shop hours,
# and all their technicians are certified for mobile phones.
HOURS = (dt.time(8, 0), dt.time(20, 0))
PHONE_CENTERS = {"GD-SZ-02": (dt.time(9, 0), dt.time(18, 0)), "SC-CD-01": (dt.time(9, 0), dt.time(18, 0))}

# (code, name, district code, contact)
DEALERS = [
    ("D001", "苏宁易购广州天河城店", "440106"),
    ("D002", "国美电器深圳华强北店", "440304"),
    ("D003", "京东家电专卖店佛山顺德店", "440606"),
    ("D004", "五星电器杭州延安路店", "330102"),
    ("D005", "宁波三江购物家电城", "330212"),
    ("D006", "苏宁易购南京新街口店", "320106"),
    ("D007", "苏州人民商场家电部", "320508"),
    ("D008", "迪信通成都春熙路店", "510104"),
]


@dataclass
class NetworkDemo:
    districts: dict[str, Region] = field(default_factory=dict)
    area_codes: dict[str, str] = field(default_factory=dict)  # district code → area code
    centers: list[ServiceCenter] = field(default_factory=list)
    dealers: list[Dealer] = field(default_factory=list)
    supervisors: dict[int, object] = field(default_factory=dict)  # centre pk → its supervisor (a user)


def _user(username: str, name: str, role: Role, *, staff: bool = False):
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=username, defaults={"first_name": name, "is_staff": staff}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    user.groups.add(Group.objects.get(name=role.value))
    return user


def seed_network(*, rng: random.Random, today: dt.date) -> NetworkDemo:
    demo = NetworkDemo()
    for pcode, pname, cities in REGIONS:
        province, _ = Region.objects.update_or_create(
            code=pcode, defaults={"name": pname, "level": RegionLevel.PROVINCE, "parent": None}
        )
        for ccode, cname, area, districts in cities:
            city, _ = Region.objects.update_or_create(
                code=ccode, defaults={"name": cname, "level": RegionLevel.CITY, "parent": province}
            )
            for dcode, dname in districts:
                demo.districts[dcode], _ = Region.objects.update_or_create(
                    code=dcode, defaults={"name": dname, "level": RegionLevel.DISTRICT, "parent": city}
                )
                demo.area_codes[dcode] = area

    categories = list(ProductCategory.objects.order_by("sort_order"))
    tech_no = 0
    for code, name, level, _city, covered, years, active in CENTERS:
        home = demo.districts[covered[0]]
        opens_at, closes_at = PHONE_CENTERS.get(code, HOURS)
        start = today.replace(year=today.year - years, month=1, day=1)
        center, _ = ServiceCenter.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "level": level,
                "region": home,
                "address": street_address(rng),
                "phone": landline_number(rng, demo.area_codes[covered[0]]),
                "agreement_start": start,
                "agreement_end": dt.date(today.year + 1, 12, 31) if active else today - dt.timedelta(days=45),
                "active": active,
                "opens_at": opens_at,
                "closes_at": closes_at,
                **_bank(code, name),
            },
        )
        center.coverage.set([demo.districts[d] for d in covered])
        demo.centers.append(center)
        # 1–4 technicians a centre, 30 in all; a diamond centre repairs everything.
        count = {CenterLevel.DIAMOND: 4, CenterLevel.GOLD: 3, CenterLevel.A: 2, CenterLevel.GENERAL: 2}[level]
        if not active:
            count = 1
        for i in range(count):
            tech_no += 1
            username = "tech" if tech_no == 1 else f"tech{tech_no:02d}"
            tech_name = person_name(rng)
            user = _user(username, tech_name, Role.TECHNICIAN)
            technician, _ = Technician.objects.update_or_create(
                user=user,
                defaults={
                    "center": center,
                    "employee_no": f"T{tech_no:04d}",
                    "name": user.first_name or tech_name,
                    "phone": mobile_number(rng),
                    "active": True,
                },
            )
            if level == CenterLevel.DIAMOND:
                certified = categories
            else:
                certified = rng.sample(categories, k=min(len(categories), 2 + (i % 2)))
            if code in PHONE_CENTERS:
                certified = sorted(
                    {*certified, *(c for c in categories if c.requires_imei)}, key=lambda c: c.pk
                )
            technician.categories.set(certified)
    for code, name, district in DEALERS:
        dealer, _ = Dealer.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "region": demo.districts[district],
                "address": street_address(rng),
                "contact_name": person_name(rng),
                "contact_phone": mobile_number(rng),
                "active": True,
            },
        )
        demo.dealers.append(dealer)

    _user("manager", "陈经理", Role.MANAGER, staff=True)
    _user("dispatcher", "李调度", Role.DISPATCHER)
    supervisor = _user("supervisor", "黄主任", Role.SUPERVISOR)
    demo.centers[0].supervisors.add(supervisor)
    demo.supervisors[demo.centers[0].pk] = supervisor
    # Every other active centre has its own supervisor too (carry-in inspections are theirs). Names come
    # from a generator of their own, so the network's generator above is not shifted.
    for number, center in enumerate(demo.centers[1:], start=2):
        if not center.active:
            continue
        head = _user(
            f"supervisor{number:02d}",
            person_name(random.Random(f"supervisor:{center.code}"))[:1] + "主任",
            Role.SUPERVISOR,
        )
        center.supervisors.add(head)
        demo.supervisors[center.pk] = head
    dealer_user = _user("dealer", "苏宁天河店", Role.DEALER)
    demo.dealers[0].users.add(dealer_user)
    return demo


def demo_logins() -> list[tuple[str, str, str]]:
    """(username, role, who) of the demo logins that exist in this database."""
    rows = []
    for username, role, note in [
        ("manager", Role.MANAGER, "总部售后经理，可进入管理后台"),
        ("dispatcher", Role.DISPATCHER, "呼叫中心信息员"),
        ("supervisor", Role.SUPERVISOR, None),
        ("tech", Role.TECHNICIAN, None),
        ("dealer", Role.DEALER, None),
    ]:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            continue
        if note is None:
            center = user.supervised_centers.first()
            dealer = user.dealers.first()
            technician = getattr(user, "technician", None)
            note = (
                f"{center.name} 主任"
                if center
                else f"{technician.center.name} {technician.name}"
                if technician
                else dealer.name
                if dealer
                else ""
            )
        rows.append((username, str(role.label), note))
    return rows


def print_logins(write=print) -> None:
    write(f"Demo logins (password for all: {DEMO_PASSWORD})")
    for username, role, note in demo_logins():
        write(f"  {username:<12} {role}：{note}")


# The fees head office pays per work order (CNY), by service kind for an air conditioner at a general
# centre; other categories and better levels scale them. From the start of the year, with on-site repairs
# raised by 10 yuan from the 15th of last month, so the statements show a change of schedule mid-month.
BASE_FEES = {
    "installation": Decimal("120.00"),
    "on_site_repair": Decimal("90.00"),
    "carry_in_repair": Decimal("80.00"),
    "inspection": Decimal("40.00"),
    "phone_guidance": Decimal("10.00"),
}
CATEGORY_FACTOR = {
    "air_conditioner": Decimal("1.0"),
    "refrigerator": Decimal("0.9"),
    "washing_machine": Decimal("0.85"),
}
LEVEL_EXTRA = {"general": Decimal("0"), "a": Decimal("10"), "gold": Decimal("20"), "diamond": Decimal("30")}
TRAVEL_BANDS = [
    (0, 10, Decimal("0.00")),
    (10, 30, Decimal("20.00")),
    (30, 60, Decimal("40.00")),
    (60, None, Decimal("60.00")),
]


def seed_fees(*, today: dt.date) -> int:
    """The demo fee schedule and travel fees (idempotent: rows are made once by their unique key)."""
    year_start = today.replace(month=1, day=1)
    raise_day = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=15)
    made = 0
    for category in ProductCategory.objects.all():
        factor = CATEGORY_FACTOR.get(category.code, Decimal("0.6"))  # phones and the rest
        for kind, base in BASE_FEES.items():
            for level, extra in LEVEL_EXTRA.items():
                fee = money(base * factor + extra)
                _row, created = FeeSchedule.objects.get_or_create(
                    category=category,
                    service_kind=kind,
                    center_level=level,
                    valid_from=year_start,
                    defaults={"fee_amount": fee},
                )
                made += created
                if kind == "on_site_repair" and raise_day > year_start:
                    _row, created = FeeSchedule.objects.get_or_create(
                        category=category,
                        service_kind=kind,
                        center_level=level,
                        valid_from=raise_day,
                        defaults={"fee_amount": fee + Decimal("10.00")},
                    )
                    made += created
    for level in LEVEL_EXTRA:
        for km_from, km_to, fee in TRAVEL_BANDS:
            _row, created = TravelFee.objects.get_or_create(
                center_level=level,
                km_from=km_from,
                valid_from=year_start,
                defaults={"km_to": km_to, "fee_amount": fee},
            )
            made += created
    return made


BANKS = ["中国工商银行", "中国建设银行", "招商银行", "中国银行", "交通银行"]


def _bank(code: str, name: str) -> dict:
    """A stable, made-up settlement account per centre (the statement prints it)."""
    digest = int(hashlib.sha256(code.encode()).hexdigest(), 16)
    bank = BANKS[digest % len(BANKS)]
    city = name[:2]
    return {
        "bank_name": f"{bank}{city}分行",
        "bank_account_name": f"{name}有限公司" if not name.endswith("公司") else name,
        "bank_account": f"6222{digest % 10**15:015d}",
    }


def seed_settlements(*, now) -> int:
    """Drafts for the last two complete months, the older one confirmed when nothing stops it (idempotent:
    a confirmed settlement is left alone and a draft is refreshed)."""
    from django.contrib.auth import get_user_model
    from django.core.exceptions import ValidationError

    from .settlement import previous_month, settlement_confirm, settlements_compute_month

    last = previous_month(now)
    before = (last - dt.timedelta(days=1)).replace(day=1)
    manager = get_user_model().objects.filter(username="manager").first()
    _settlement_inputs(now=now, manager=manager, month=last)
    made = 0
    for month in (before, last):
        for _center, settlement, _problems in settlements_compute_month(month=month, now=now):
            if settlement is None:
                continue
            made += 1
            if month == before and manager is not None and settlement.status == "draft":
                # A warning (an order without a fee row) leaves it a draft for the manager to see.
                with contextlib.suppress(ValidationError):
                    settlement_confirm(settlement=settlement, acting_user=manager, now=now)
    if manager is not None:
        _settlement_follow_up(now=now, manager=manager, month=last, before=before)
    return made


def _settlement_inputs(*, now, manager, month) -> None:
    """What the statements are made of beyond fees: distances recorded at closing (on-site work), the cheap
    electrical parts centres buy locally and are reimbursed for at cost, and one deposit top-up a centre
    asked to have deducted from its settlement."""
    from django.db import connection

    from inventory import services as stock
    from inventory.models import DepositEntry, Part

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE repairs_workorder SET travel_km = 2 + (id * 37) % 58 "
            "WHERE mode = 'on_site' AND guided_at IS NULL AND travel_km IS NULL "
            "AND status IN ('completed', 'closed')"
        )
    Part.objects.filter(code__in=["AC-CAP", "RF-PTC", "AC-SNS"]).update(reimbursed_at_cost=True)
    center = ServiceCenter.objects.filter(code="GD-SZ-01").first()
    if manager is None or center is None or DepositEntry.objects.filter(reference="YJ-DEMO-SETTLE").exists():
        return
    stock.deposit_pay(
        center=center,
        amount="2000.00",
        reference="YJ-DEMO-SETTLE",
        note="追加保证金，从结算款中扣除",
        via_settlement=True,
        acting_user=manager,
        now=timezone.make_aware(dt.datetime.combine(month.replace(day=12), dt.time(10, 0))),
    )


def _settlement_follow_up(*, now, manager, month, before) -> None:
    """On last month's drafts: the head office's supervisor disputes two lines — one still open, one the
    manager rejected — and a correction of the month before (confirmed) refers to its statement."""
    from .models import Settlement
    from .settlement import adjustment_add, dispute_raise, dispute_resolve

    draft = (
        Settlement.objects.filter(month=month, status="draft", center__code="GD-GZ-01")
        .select_related("center")
        .first()
    )
    earlier = (
        Settlement.objects.filter(month=before, center__code="GD-GZ-01").select_related("center").first()
    )
    if draft is None or draft.disputes.exists():
        return
    supervisor = draft.center.supervisors.order_by("pk").first()
    lines = list(draft.lines.filter(kind="service_fee").order_by("closed_on", "pk")[:2])
    if supervisor is None or len(lines) < 2:
        return
    rejected = dispute_raise(
        settlement=draft,
        line=lines[0],
        reason="用户家住 9 楼无电梯，应加收搬运费",
        claimed_amount=lines[0].amount + Decimal("30.00"),
        acting_user=supervisor,
        now=now,
    )
    dispute_resolve(
        dispute=rejected,
        accept=False,
        answer="收费标准不含搬运费，请按远程费区间申报",
        acting_user=manager,
        now=now,
    )
    dispute_raise(
        settlement=draft,
        line=lines[1],
        reason="同一用户两台空调，只结算了一台",
        claimed_amount=lines[1].amount * 2,
        acting_user=supervisor,
        now=now,
    )
    if earlier is not None and earlier.status != "draft":
        adjustment_add(
            settlement=draft,
            kind="correction",
            reason="上月一单安装费按旧标准结算，补差额",
            reference=earlier.number,
            amount="20.00",
            acting_user=manager,
        )
