"""Demo installation acceptances (安装验收): air conditioners and washing machines installed at the
customers' homes after their sale, each installation order closed on the technician's tablet with its
acceptance — configuration, trial run, the documents handed over, the customer's signature. One misses the
common-problem guide, one fails its trial run (its unit goes to the out-of-box check), and one installation
is booked for today, still to be done. Idempotent: nothing is added once an acceptance exists."""

from __future__ import annotations

import datetime as dt
import uuid

from django.contrib.auth import get_user_model
from django.utils import timezone

from demo.repairs import signature_png
from network.models import Technician
from repairs.choices import CallCustomerRequest, FaultCodeKind, Resolution, ServiceMode
from repairs.closing import AcceptanceInput, ClosingInput, work_order_close
from repairs.models import AcceptanceDocument, FaultCode, InstallationAcceptance, ProductUnit
from repairs.services import repair_call_register, work_order_dispatch, work_order_transition

# (category, days before now, outcome, accessories, trial-run note)
INSTALLATIONS = [
    ("air_conditioner", 24, "passed", "连接管3米、挂墙支架、排水管2米", "制冷正常，出风温度12℃，外机无异响"),
    ("washing_machine", 17, "passed", "进水管、排水管、底座", "进水、洗涤、脱水各程序运行正常"),
    ("air_conditioner", 9, "missing_guide", "连接管5米（加长）、落地支架", "制冷制热正常"),
    ("air_conditioner", 4, "failed", "连接管3米、挂墙支架", "开机外机不启动，压缩机无反应，疑为开箱损"),
    ("washing_machine", 0, "open", "", ""),
]


def _candidates(category_code: str, used: set[int], sold_by: dt.date):
    """Demo customers' units of the category sold by the day, the most recent first, never called about."""
    return (
        ProductUnit.objects.filter(
            owner__number__startswith="KH",
            model__category__code=category_code,
            repair_calls__isnull=True,
            sale_date__lte=sold_by,
        )
        .exclude(pk__in=used)
        .select_related("owner", "model__category")
        .order_by("-sale_date", "pk")[:100]
    )


def _placed(unit):
    """The unit's home and a technician who installs its category there, or None."""
    address = unit.owner.addresses.select_related("region").order_by("-is_primary", "pk").first()
    phone = unit.owner.phones.order_by("-is_primary", "pk").first()
    if address is None or phone is None:
        return None
    technician = (
        Technician.objects.filter(
            active=True,
            user__isnull=False,
            categories=unit.model.category,
            center__coverage=address.region,
        )
        .select_related("center", "user")
        .order_by("pk")
        .first()
    )
    return None if technician is None else (address, phone, technician)


def seed_acceptances(*, now: dt.datetime, network) -> str:
    """Seeds this part once (idempotent); returns one line saying what it made, or "" when nothing."""
    if InstallationAcceptance.objects.exists():
        return ""
    dispatcher = get_user_model().objects.filter(username="dispatcher").first()
    if dispatcher is None:
        return ""
    used: set[int] = set()
    closed = failed = booked = 0
    for category_code, days_ago, outcome, accessories, note in INSTALLATIONS:
        visit = timezone.localtime(now - dt.timedelta(days=days_ago)).replace(
            hour=14 if outcome == "open" else 9, minute=0, second=0, microsecond=0
        )
        if outcome != "open" and visit + dt.timedelta(hours=2) > now:
            visit -= dt.timedelta(days=1)
        logged = min(visit - dt.timedelta(hours=20), now - dt.timedelta(minutes=30))
        found = None
        # Sold by the day the call is logged (a call before the sale is refused).
        for unit in _candidates(category_code, used, timezone.localdate(logged)):
            placed = _placed(unit)
            if placed is not None:
                found = (unit, *placed)
                break
        if found is None:
            continue
        unit, address, phone, technician = found
        used.add(unit.pk)
        call = repair_call_register(
            customer=unit.owner,
            unit=unit,
            caller_name=unit.owner.name,
            caller_phone=phone.number,
            service_region=address.region,
            service_address=address.detail,
            symptom=None,
            symptom_text="新机送货到家，预约上门安装",
            customer_request=CallCustomerRequest.INSTALLATION,
            performance_fault=False,
            acting_user=dispatcher,
            now=logged,
        )
        order = work_order_dispatch(
            work_order=call.work_orders.get(),
            center=technician.center,
            technician=technician,
            appointment_start=visit,
            appointment_end=visit + dt.timedelta(hours=2),
            mode=ServiceMode.ON_SITE,
            acting_user=dispatcher,
            now=logged + dt.timedelta(minutes=15),
            notify_customer=False,
        )
        if outcome == "open":
            booked += 1
            continue
        tech = technician.user
        for to_status, at in (
            ("accepted", logged + dt.timedelta(minutes=40)),
            ("en_route", visit - dt.timedelta(minutes=30)),
            ("on_site", visit),
            ("in_repair", visit + dt.timedelta(minutes=10)),
        ):
            order = work_order_transition(work_order=order, to_status=to_status, acting_user=tech, now=at)
        category = unit.model.category
        codes = FaultCode.objects.filter(category=category).order_by("sort_order", "pk")
        passed = outcome != "failed"
        if passed:  # nothing wrong with the new unit
            fault = codes.filter(kind=FaultCodeKind.FAULT, code__endswith="-E0").first()
        else:
            fault = codes.filter(kind=FaultCodeKind.FAULT).first()
        cause = codes.filter(kind=FaultCodeKind.CAUSE).first()
        documents = AcceptanceDocument.objects.filter(category=category)
        if outcome == "missing_guide":
            documents = documents.exclude(name="常见问题指南")
        work_order_close(
            work_order=order,
            data=ClosingInput(
                client_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"demo/installation/{order.number}")),
                fault_code=fault,
                cause=cause,
                resolution=Resolution.NO_FAULT if passed else Resolution.NOT_FIXED,
                resolution_note="新机安装调试" if passed else "新机试机不启动，转开箱损鉴定",
                labour_minutes=90 if category_code == "air_conditioner" else 45,
                signature_png=signature_png(),
                travel_km=8,
                acceptance=AcceptanceInput(
                    trial_run_passed=passed,
                    model_installed=f"{unit.model.brand} {unit.model.model_number}",
                    serial_number=unit.serial_number or unit.imei or "",
                    accessories=accessories,
                    trial_run_note=note,
                    documents_handed_over=frozenset(documents.values_list("pk", flat=True)),
                ),
            ),
            acting_user=tech,
            now=visit + dt.timedelta(minutes=100),
        )
        closed += 1
        failed += not passed
    if not closed and not booked:
        return ""
    return (
        f"{closed} installations closed with their acceptance on the tablet ({failed} failed the trial run: out-of-box check), "
        f"{booked} booked for today"
    )
