"""Demo periodic inspections (巡检): the plans of the active maintenance contracts (made by their activation) and
a free-inspection policy for one air-conditioner model; inspections done with their checklists (one finding
opened a repair call), visits due in the next two weeks, and one overdue — the SLA board shows it."""

from __future__ import annotations

import datetime as dt
import io
import uuid

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models.functions import Coalesce
from PIL import Image, ImageDraw

from inspections.choices import ItemResult
from inspections.models import Inspection, InspectionPlan, InspectionPolicy
from inspections.services import (
    FindingInput,
    InspectionInput,
    checklist,
    inspection_complete,
    inspection_schedule,
    inspections_plan,
    policy_plans_sync,
)
from repairs.models import ProductUnit
from warranty.choices import VisitMode


def _signature() -> bytes:
    image = Image.new("RGBA", (240, 90), (255, 255, 255, 0))
    ImageDraw.Draw(image).line([(10, 70), (80, 15), (150, 60), (230, 20)], fill=(20, 20, 60, 255), width=4)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _answers(inspection, attention: str = "") -> dict:
    typical = {"MPa": "0.85", "°C": "12", "%": "91", "dB": "38"}
    answers = {}
    for item in checklist(inspection):
        reading = "-18" if item.unit == "°C" and item.max_value <= 0 else typical.get(item.unit, "")
        answers[item.pk] = (ItemResult.ATTENTION if item.code == attention else ItemResult.OK, reading)
    return answers


def seed_inspections(*, now: dt.datetime, network) -> str:
    """Seeds this part once (idempotent); returns one line saying what it made, or "" when nothing."""
    if Inspection.objects.exists():
        return ""
    unit = (
        ProductUnit.objects.filter(model__category__code="air_conditioner", replaces__isnull=True)
        .annotate(installed=Coalesce("accepted_on", "sale_date"))
        .filter(installed__isnull=False, owner__addresses__isnull=False, owner__phones__isnull=False)
        .order_by("pk")
        .first()
    )
    if unit is not None:
        InspectionPolicy.objects.get_or_create(
            category=unit.model.category,
            model=unit.model,
            defaults={"per_year": 12, "visit_mode": VisitMode.PHONE},
        )
    policy_plans_sync(now=now - dt.timedelta(days=45))
    # Plans running since before last month's visits (a visit before its plan began is not one of its own).
    plans = list(
        InspectionPlan.objects.running()
        .filter(starts_on__lte=now.date() - dt.timedelta(days=31))
        .select_related("unit__model")
        .order_by("contract_id", "pk")[:4]
    )
    if not plans:
        return ""
    manager = get_user_model().objects.filter(username="manager").first()
    done = finding_calls = 0
    today = now.date()
    # Two visits done last month (one found low refrigerant pressure: a repair call was opened on the spot).
    for index, plan in enumerate(plans[:2]):
        when = now - dt.timedelta(days=30 - index)
        try:
            visit = inspection_schedule(unit=plan.unit, due_on=when.date(), now=when - dt.timedelta(hours=2))
            if visit.work_order is None or manager is None:
                continue
            user = visit.work_order.technician.user if visit.work_order.technician_id else manager
            findings = ()
            if index == 0:
                findings = (FindingInput("冷媒压力偏低，疑似连接管接头渗漏，已开报修单", open_call=True),)
            inspection_complete(
                inspection=visit,
                data=InspectionInput(
                    client_id=str(uuid.uuid4()),
                    results=_answers(visit, attention="refrigerant_pressure" if index == 0 else ""),
                    findings=findings,
                    labour_minutes=30,
                    summary="已按检查表逐项检查，告知用户定期清洗过滤网。",
                    signature_png=_signature(),
                ),
                acting_user=user,
                now=when,
            )
            done += 1
            finding_calls += len(findings)
        except ValidationError:
            continue
    # One overdue: due three days ago, dispatched a week before, not made.
    overdue = 0
    if len(plans) > 2:
        try:
            inspection_schedule(
                unit=plans[2].unit, due_on=today - dt.timedelta(days=3), now=now - dt.timedelta(days=10)
            )
            overdue = 1
        except ValidationError:
            pass
    due = inspections_plan(now=now).created
    return (
        f"inspections: {InspectionPlan.objects.running().count()} plans, {done} done "
        f"({finding_calls} finding opened a repair call), {due} due in the next days, {overdue} overdue"
    )
