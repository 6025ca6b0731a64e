"""The demo's fee schedules, settlements with their follow-up, and D time."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from aftersales.money import money
from inventory import services as stock
from inventory.models import DepositEntry, Part
from network.models import (
    AdminTimeEntry,
    FeeSchedule,
    ServiceCenter,
    Settlement,
    Technician,
    TravelFee,
)
from network.services import admin_time_cancel, admin_time_record
from repairs.models import ProductCategory
from settlement.services import (
    adjustment_add,
    dispute_raise,
    dispute_resolve,
    previous_month,
    settlement_confirm,
    settlements_compute_month,
)

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


# Administrative work (D) of the service standard, as the centres' technicians record it: (kind, minutes it
# usually takes, notes they write).
ADMIN_WORK = [
    (
        "work_check",
        (20, 30, 45, 60),
        ("复查昨日完工的空调安装（3 单）", "抽查本周上门维修单的旧件与记录", "复检送修机修护卡", ""),
    ),
    ("parts", (30, 45, 60, 90), ("备件盘点，核对系统库存", "整理旧件、贴返还标签", "领料入库、上架", "")),
    ("equipment", (20, 30, 45), ("保养真空泵、校验压力表", "检查维修工具箱，补齐耗材", "电动工具维护、充电")),
    (
        "training",
        (30, 60, 90, 120),
        ("新机型培训（变频空调故障代码）", "安全作业培训（高空作业）", "带教新员工上门流程"),
    ),
    ("other", (15, 30, 60), ("网点周例会", "服务凭证整理归档")),
]
ADMIN_WORK_WEIGHTS = (35, 25, 20, 15, 5)
ADMIN_DAYS = 92  # the last three months


def seed_admin_time(*, now) -> int:
    """Administrative time (D) over the last three months, relative to the day it runs: on about a third of
    each technician's working days (Monday to Saturday) an entry of checks, parts, tools, training or the
    centre's meeting, mostly recorded by the technician, now and then by their supervisor; today's for the
    home centre's technicians, so the supervisor's board shows D this month from the first day; and one
    mistake of the home centre's first technician cancelled and recorded again. Each technician's day is
    decided by a generator of its own, and a day that has entries is left alone: a second run on the same
    day creates nothing, a run on a later day adds the days since."""

    today = timezone.localdate(now)
    first_day = today - dt.timedelta(days=ADMIN_DAYS)
    technicians = list(
        Technician.objects.filter(active=True, center__agreement_start__lte=today)
        .select_related("center", "user")
        .order_by("employee_no")
    )
    home = ServiceCenter.objects.order_by("code").values_list("pk", flat=True).first()
    supervisors = {}
    for center_id, user_id in ServiceCenter.supervisors.through.objects.order_by("pk").values_list(
        "servicecenter_id", "user_id"
    ):
        supervisors.setdefault(center_id, user_id)
    taken = set(
        AdminTimeEntry.objects.filter(work_date__gte=first_day).values_list("technician_id", "work_date")
    )
    rows = []
    for technician in technicians:
        last_day = min(today, technician.center.agreement_end or today)
        day = max(first_day, technician.center.agreement_start)
        while day <= last_day:
            rng = random.Random(f"admin-time:{technician.employee_no}:{day:%Y-%m-%d}")
            wanted = day == today and technician.center_id == home or (day < today and rng.random() < 0.33)
            if wanted and (day.weekday() < 6 or day == today) and (technician.pk, day) not in taken:
                kind, durations, notes = rng.choices(ADMIN_WORK, weights=ADMIN_WORK_WEIGHTS)[0]
                by = supervisors.get(technician.center_id) if rng.random() < 0.2 else None
                evening = timezone.make_aware(dt.datetime.combine(day, dt.time(17, rng.randrange(0, 60))))
                rows.append(
                    AdminTimeEntry(
                        technician=technician,
                        work_date=day,
                        kind=kind,
                        minutes=rng.choice(durations),
                        note=rng.choice(notes),
                        recorded_by_id=by or technician.user_id,
                        recorded_at=min(evening, now),
                    )
                )
            day += dt.timedelta(days=1)
    AdminTimeEntry.objects.bulk_create(rows)
    made = len(rows)
    # A mistake put right: 120 minutes typed for a one-hour stocktake, cancelled and recorded again.
    first = next((t for t in technicians if t.center_id == home), None)
    if (
        first is not None
        and not AdminTimeEntry.objects.filter(technician=first, cancelled_at__isnull=False).exists()
    ):
        day = today - dt.timedelta(days=3)
        wrong = admin_time_record(
            technician=first,
            work_date=day,
            kind="parts",
            minutes=120,
            note="季度备件盘点",
            acting_user=first.user,
            now=now,
        )
        admin_time_cancel(entry=wrong, reason="多录了 1 小时，重新录入", acting_user=first.user, now=now)
        admin_time_record(
            technician=first,
            work_date=day,
            kind="parts",
            minutes=60,
            note="季度备件盘点",
            acting_user=first.user,
            now=now,
        )
        made += 2
    return made
