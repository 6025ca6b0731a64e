"""Demo master data of the service network: regions, service centres, technicians, dealers, logins."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from aftersales.demo.names import landline_number, mobile_number, person_name, street_address
from aftersales.roles import Role
from network.choices import CenterLevel, CertificateKind, RegionLevel
from network.models import (
    Certificate,
    Dealer,
    Region,
    ServiceCenter,
    Technician,
)
from repairs.models import ProductCategory

from .money import _bank

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

# (code, name, level, city code, districts covered (codes), agreement years ago, active). Every district a
# demo customer lives in is covered by an active centre for every category: 杭州西湖 took over 萧山 when the
# 萧山 station's agreement ended, 苏州姑苏 serves 无锡 (no station there yet), 深圳福田 the appliances of
# 宝安 and 龙岗 beside the phone repair point there.
CENTERS = [
    ("GD-GZ-01", "广州天河服务中心", CenterLevel.DIAMOND, "440100", ["440106", "440111", "440105"], 4, True),
    ("GD-GZ-02", "广州越秀家电维修站", CenterLevel.A, "440100", ["440104", "440103", "440113"], 2, True),
    (
        "GD-SZ-01",
        "深圳福田服务中心",
        CenterLevel.GOLD,
        "440300",
        ["440304", "440303", "440305", "440306", "440307"],
        3,
        True,
    ),
    ("GD-SZ-02", "深圳宝安快修网点", CenterLevel.GENERAL, "440300", ["440306", "440307"], 1, True),
    ("GD-FS-01", "佛山顺德服务站", CenterLevel.A, "440600", ["440606", "440605", "440604"], 2, True),
    (
        "ZJ-HZ-01",
        "杭州西湖服务中心",
        CenterLevel.DIAMOND,
        "330100",
        ["330106", "330102", "330105", "330108", "330109"],
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
        ["320508", "320505", "320506", "320507", "320211", "320213", "320214"],
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

# Service hours: most centres 08:00–20:00; the phone repair points (手机快修) keep shop hours, and all their
# technicians are certified for mobile phones.
HOURS = (dt.time(8, 0), dt.time(20, 0))
PHONE_CENTERS = {"GD-SZ-02": (dt.time(9, 0), dt.time(18, 0)), "SC-CD-01": (dt.time(9, 0), dt.time(18, 0))}
# The product categories an agreement authorises, where it is not every category: the 宝安 repair point
# takes phones only; the 萧山 station (agreement ended) did phones and washing machines.
AGREED_CATEGORIES = {"GD-SZ-02": ("mobile_phone",), "ZJ-HZ-02": ("mobile_phone", "washing_machine")}

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


# 上岗证: two years from the authorised training, issued months before the demo's history (90 days) begins, so
# every visit of it was made by a certified technician (demo/certificates.py later lets a few run out).
CERTIFICATE_YEARS_DAYS = 730
# Who trains and certifies: the maker's regional training centre, by province (district codes' first two digits).
CERTIFICATE_ISSUERS = {"44": "厂家售后服务部 华南培训中心", "51": "厂家售后服务部 西南培训中心"}
CERTIFICATE_ISSUER = "厂家售后服务部 华东培训中心"


def _certify(technician: Technician, categories, *, today: dt.date) -> None:
    """A certificate in force today for each category the technician is skilled in, unless one exists. Dates
    come from a generator of each technician's own, so the network's generator is not shifted."""
    held = set(
        Certificate.objects.filter(holder_id=technician.user_id, kind=CertificateKind.TECHNICIAN).values_list(
            "category_id", flat=True
        )
    )
    rng = random.Random(f"certificates:{technician.employee_no}")
    for category in categories:
        if category.pk in held:
            continue
        issued = today - dt.timedelta(days=rng.randint(120, 600))
        Certificate.objects.create(
            number=f"SG{issued:%Y}-{technician.employee_no}-{category.pk:02d}",
            holder_id=technician.user_id,
            kind=CertificateKind.TECHNICIAN,
            category=category,
            issued_on=issued,
            expires_on=issued + dt.timedelta(days=CERTIFICATE_YEARS_DAYS),
            issued_by=CERTIFICATE_ISSUERS.get(technician.center.region.code[:2], CERTIFICATE_ISSUER),
        )


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
        agreed = [c for c in categories if c.code in AGREED_CATEGORIES.get(code, (c.code,))]
        center.categories.set(agreed)
        demo.centers.append(center)
        certifications = []
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
            # Certified within the agreement only.
            certifications.append((technician, [c for c in certified if c in agreed]))
        # Each category of the agreement has a certified technician: one missing goes to whoever holds
        # the fewest certificates.
        for category in agreed:
            if not any(category in certified for _tech, certified in certifications):
                min(certifications, key=lambda tc: len(tc[1]))[1].append(category)
        for technician, certified in certifications:
            technician.categories.set(certified)
            _certify(technician, certified, today=today)
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
