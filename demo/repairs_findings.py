"""Demo: what technicians found at the unit in the last days — a phone with liquid damage or an appliance
on unstable mains (its free repair became paid, with the photo that shows it) and an appliance whose
compressor or motor was named as the faulty part after diagnosis — played through repairs.findings on open
orders of the demo, at instants after the repair started. Idempotent: nothing is added when the demo has findings already."""

from __future__ import annotations

import datetime as dt
import io
import random

from django.core.files.uploadedfile import SimpleUploadedFile

from repairs.choices import ConsentMethod, DecisionChangeKind, ServiceType, WorkOrderStatus
from repairs.findings import (
    FindingInput,
    current_component,
    work_order_component_change,
    work_order_findings_record,
)
from repairs.models import DecisionChange, WorkOrder


def _photo(rng: random.Random, name: str) -> SimpleUploadedFile:
    """A small photo stand-in: a dark phone on a bench with a water stain."""
    # demo.repairs imports this module: a module-level import would be a circle.
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (320, 240), (205, 190, 160))
    draw = ImageDraw.Draw(image)
    x, y = rng.randint(60, 110), rng.randint(30, 60)
    draw.rounded_rectangle(
        [x, y, x + 110, y + 180], radius=14, fill=(40, 42, 48), outline=(10, 10, 10), width=3
    )
    draw.ellipse([x + 25, y + 70, x + 85, y + 120], fill=(90, 120, 150))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=70)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def _at_unit(service_types=(ServiceType.FREE, ServiceType.PAID)):
    """Open orders whose repair has started (the technician is at the unit), oldest repair first."""
    return (
        WorkOrder.objects.filter(
            status__in=(WorkOrderStatus.IN_REPAIR, WorkOrderStatus.WAITING_FOR_PARTS),
            call__service_type__in=service_types,
            technician__isnull=False,
            repair_started_at__isnull=False,
        )
        .select_related("technician__user", "call__unit__model__category")
        .order_by("repair_started_at", "pk")
    )


# What a technician finds, by category: a phone's liquid damage, an appliance on unstable mains.
FINDINGS = {
    "mobile_phone": ("man_made_damage", "主板有进水腐蚀痕迹，防水标签变红"),
}
APPLIANCE_FINDING = ("voltage", "实测电压 175V 且波动大，插座未接地，电脑板电源部分烧毁")
# The part named after diagnosis, by category.
DIAGNOSED = {
    "air_conditioner": ("compressor", "检测：压缩机不启动，启动电容正常，判定压缩机故障"),
    "refrigerator": ("compressor", "检测：压缩机不启动，启动继电器正常，判定压缩机故障"),
    "washing_machine": ("motor", "检测：电机绕组断路，判定电机故障"),
}


def _quoted_and_signed(order: WorkOrder, *, now: dt.datetime) -> None:
    """The repair now paid, the technician quotes it from the fee schedule (the call-out fee, the cheapest
    labour line) and the customer signs on the tablet before the work goes on."""
    # demo.repairs imports this module: a module-level import would be a circle.
    from demo.repairs import signature_png
    from repairs.paid import labour_rates, quote_lines_from_schedule
    from repairs.services import consent_record, quote_create

    rates = labour_rates(category_id=order.call.unit.model.category_id)[:1]
    lines = quote_lines_from_schedule(order=order, rates=[(rate, 1) for rate in rates], parts=[])
    if not lines:
        return
    at = min(now, order.repair_started_at + dt.timedelta(minutes=30))
    quote = quote_create(work_order=order, lines=lines, acting_user=order.technician.user, now=at)
    consent_record(
        quote=quote,
        given_by=order.call.caller_name or "客户",
        method=ConsentMethod.SIGNATURE,
        signature_png=signature_png(),
        acting_user=order.technician.user,
        now=min(now, at + dt.timedelta(minutes=5)),
    )


def seed_findings(*, now: dt.datetime) -> int:
    """A finding on the first free order at the unit (a phone's when there is one) and a faulty part named
    on another order at the unit, whatever the demo's hour left there."""
    if DecisionChange.objects.filter(
        kind__in=(DecisionChangeKind.COMPONENT, DecisionChangeKind.FINDING)
    ).exists():
        return 0
    rng = random.Random(2026_8)
    made = 0
    free = list(_at_unit((ServiceType.FREE,)))
    found = next((o for o in free if o.call.unit.model.category.code in FINDINGS), None) or next(
        iter(free), None
    )
    if found is not None:
        kind, note = FINDINGS.get(found.call.unit.model.category.code, APPLIANCE_FINDING)
        work_order_findings_record(
            work_order=found,
            findings=[FindingInput(kind=kind, note=note, photos=[_photo(rng, "finding.jpg")])],
            acting_user=found.technician.user,
            now=min(now, found.repair_started_at + dt.timedelta(minutes=20)),
        )
        _quoted_and_signed(found, now=now)
        made += 1
    diagnosed = next(
        (
            o
            for o in _at_unit()
            if o.call.unit.model.category.code in DIAGNOSED and (found is None or o.pk != found.pk)
        ),
        None,
    )
    if diagnosed is not None:
        code, reason = DIAGNOSED[diagnosed.call.unit.model.category.code]
        if getattr(current_component(diagnosed), "code", "") == code:
            # The caller named that part already: the diagnosis finds it sound, the fault elsewhere.
            code, reason = "main_unit", "检测：该部件正常，故障在电脑板，按整机判定"
        work_order_component_change(
            work_order=diagnosed,
            component_code=code,
            reason=reason,
            acting_user=diagnosed.technician.user,
            now=min(now, diagnosed.repair_started_at + dt.timedelta(minutes=25)),
        )
        made += 1
    return made
