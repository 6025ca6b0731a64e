"""Demo data of the network's coverage: sales in two new districts of 成都 beyond the centres' agreements.

- 新都区: customers with air conditioners and washing machines and no centre covering them (open gaps on the
  manager's dashboard, found nine days ago), and a standby provider there with its agreement prepared,
  ready to be activated from the coverage report.
- 双流区: a gap of air conditioners found 40 days ago and covered 12 days later by a standby provider
  activated for it (with its audit event), so the report's time from gap found to covered has a figure.

Each part is made once (looked up by its codes and numbers): a second run, or one after the standby
provider was activated in the demo, changes nothing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.utils import timezone

from demo.network.money import _bank
from demo.repairs import seed_loaners
from inventory.choices import WarehouseKind
from inventory.models import Warehouse
from inventory.services import deposit_pay
from network.choices import CenterEventKind, CenterLevel, RegionLevel
from network.models import CenterEvent, CoverageGap, Region, ServiceCenter
from office.coverage import coverage_gaps_refresh
from repairs.models import Customer, CustomerAddress, ProductCategory, ProductModel, ProductUnit

CITY = "510100"  # 成都市
GAP_DISTRICT = ("510114", "新都区")
COVERED_DISTRICT = ("510116", "双流区")
STANDBY = ("SC-CD-S1", "成都新都备选服务站")
ACTIVATED = ("SC-CD-02", "成都双流服务站")
# (customer number, name, district code, street, [(category code, units)])
CUSTOMERS = [
    (
        "KHCV0001",
        "邓丽华",
        "510114",
        "新都大道 88 号 2 栋 301 室",
        [("air_conditioner", 2), ("washing_machine", 1)],
    ),
    ("KHCV0002", "罗建国", "510114", "桂湖中路 16 号 5 栋 1102 室", [("air_conditioner", 1)]),
    (
        "KHCV0003",
        "蒋晓燕",
        "510114",
        "蜀龙大道 201 号 1 栋 602 室",
        [("air_conditioner", 2), ("washing_machine", 1)],
    ),
    ("KHCV0004", "唐志强", "510116", "东升街道 棠湖北路 9 号 3 栋 201 室", [("air_conditioner", 2)]),
    (
        "KHCV0005",
        "曾美玲",
        "510116",
        "华阳大道 66 号 7 栋 1801 室",
        [("air_conditioner", 1), ("refrigerator", 1)],
    ),
]
SERIAL_PREFIX = {"air_conditioner": "CVAC", "refrigerator": "CVRF", "washing_machine": "CVWM"}
GAP_FOUND_DAYS_AGO = 9
COVERED_FOUND_DAYS_AGO, DAYS_TO_COVER = 40, 12


def _district(code: str, name: str) -> Region:
    region, _ = Region.objects.get_or_create(
        code=code,
        defaults={"name": name, "level": RegionLevel.DISTRICT, "parent": Region.objects.get(code=CITY)},
    )
    return region


def _customers(today: dt.date) -> int:
    """The customers and their units; returns how many units were made."""
    models = {}
    for m in ProductModel.objects.filter(category__code__in=SERIAL_PREFIX).order_by("brand", "model_number"):
        models.setdefault(m.category.code, m)
    made = 0
    for number, name, district, street, units in CUSTOMERS:
        customer, created = Customer.objects.get_or_create(number=number, defaults={"name": name})
        if created:
            CustomerAddress.objects.create(
                customer=customer, region=Region.objects.get(code=district), detail=street, is_primary=True
            )
        for code, count in units:
            for i in range(count):
                sale = today - dt.timedelta(days=60 + 30 * i)
                _, new = ProductUnit.objects.get_or_create(
                    model=models[code],
                    serial_number=f"{SERIAL_PREFIX[code]}{number[-4:]}{i:04d}",
                    defaults={
                        "owner": customer,
                        "sale_date": sale,
                        "factory_date": sale - dt.timedelta(days=45),
                        "invoice_number": f"5101{number[-4:]}{i:02d}",
                        "invoice_date": sale,
                        "invoice_amount": models[code].list_price_amount or Decimal("2999.00"),
                    },
                )
                made += new
    return made


def seed_coverage(*, now: dt.datetime, network) -> str:
    """Seeds this part once (idempotent); returns one line saying what it made, or "" when nothing."""
    today = timezone.localdate(now)
    gap_district = _district(*GAP_DISTRICT)
    covered_district = _district(*COVERED_DISTRICT)
    units = _customers(today)
    categories = {c.code: c for c in ProductCategory.objects.all()}
    made = []

    # The standby provider of 新都: agreement signed, categories authorised, no district yet.
    standby, created = ServiceCenter.objects.get_or_create(
        code=STANDBY[0],
        defaults={
            "name": STANDBY[1],
            "level": CenterLevel.GENERAL,
            "region": gap_district,
            "address": "新都大道 120 号",
            "phone": "02883961234",
            "agreement_start": today - dt.timedelta(days=7),
            "agreement_end": dt.date(today.year + 3, 12, 31),
            "active": False,
            "standby": True,
            **_bank(STANDBY[0], STANDBY[1]),
        },
    )
    if created:
        standby.categories.set([categories["air_conditioner"], categories["washing_machine"]])
        made.append(f"standby provider {STANDBY[0]}")

    # 双流: the gap found 40 days ago, covered 12 days later by a standby provider activated for it.
    if not ServiceCenter.objects.filter(code=ACTIVATED[0]).exists():
        found = now - dt.timedelta(days=COVERED_FOUND_DAYS_AGO)
        covered = found + dt.timedelta(days=DAYS_TO_COVER)
        center = ServiceCenter.objects.create(
            code=ACTIVATED[0],
            name=ACTIVATED[1],
            level=CenterLevel.GENERAL,
            region=covered_district,
            address="棠湖北路 32 号",
            phone="02885801234",
            agreement_start=timezone.localdate(found) - dt.timedelta(days=20),
            agreement_end=dt.date(today.year + 3, 12, 31),
            active=True,
            standby=False,
            **_bank(ACTIVATED[0], ACTIVATED[1]),
        )
        center.coverage.set([covered_district])
        center.categories.set([categories[c] for c in SERIAL_PREFIX])
        # Equipped as every active centre of the network: a deposit paid when it took up its agreement, loaner
        # phones, a spare-parts warehouse of its own.
        manager = get_user_model().objects.filter(username="manager").first()
        if manager is not None:
            deposit_pay(
                center=center,
                amount=Decimal("10000.00"),
                acting_user=manager,
                reference=f"YJ-{center.code}",
                note="合作押金",
                now=covered,
            )
        seed_loaners(network=SimpleNamespace(centers=[center]))
        Warehouse.objects.get_or_create(
            center=center,
            defaults={
                "code": f"WH-{center.code}",
                "name": f"{center.name}备件库",
                "kind": WarehouseKind.CENTER,
                "replenish_days": 3,
            },
        )
        gap = CoverageGap.objects.create(
            region=covered_district,
            category=categories["air_conditioner"],
            units=3,
            found_at=found,
            covered_at=covered,
            covered_by=center,
        )
        CenterEvent.objects.create(
            center=center,
            kind=CenterEventKind.STANDBY_ACTIVATED,
            at=covered,
            actor=get_user_model().objects.filter(username="manager").first(),
            note="双流区空调销量上来，启用备选服务商，按协议覆盖双流区。",
            data={
                "region_id": covered_district.pk,
                "region": covered_district.code,
                "category_id": gap.category_id,
                "category": "air_conditioner",
                "category_added": False,
                "gaps_covered": [gap.pk],
                "agreement_start": center.agreement_start.isoformat(),
                "agreement_end": center.agreement_end.isoformat(),
            },
        )
        made.append(f"{ACTIVATED[0]} activated {DAYS_TO_COVER} days after its gap was found")

    # 新都's gaps, dated as found nine days ago (the daily check's first run), then counted by the refresh.
    if not CoverageGap.objects.filter(region=gap_district).exists():
        for code in ("air_conditioner", "washing_machine"):
            CoverageGap.objects.create(
                region=gap_district,
                category=categories[code],
                units=0,
                found_at=now - dt.timedelta(days=GAP_FOUND_DAYS_AGO),
            )
    refreshed = coverage_gaps_refresh(now=now)
    if units:
        made.append(f"{units} units in 新都 and 双流")
    if not made:
        return ""
    open_gaps = CoverageGap.objects.open().count()
    return f"Coverage: {', '.join(made)}; {open_gaps} open coverage gaps ({refreshed})"
