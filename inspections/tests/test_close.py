import datetime as dt
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from care.choices import Stage, StopReason
from care.models import Deadline
from inspections.choices import ItemResult
from inspections.models import InspectionPolicy
from inspections.services import (
    FindingInput,
    InspectionInput,
    checklist,
    inspection_complete,
    inspection_schedule,
    policy_plans_sync,
)
from network.factories import TechnicianFactory, UserFactory
from repairs.choices import CallCustomerRequest, WorkOrderStatus
from repairs.models import RepairCall
from warranty.choices import VisitMode

from .helpers import NOW, installed_unit, signature_png, world

pytestmark = pytest.mark.django_db


@pytest.fixture
def visit():
    w = world(installed_on=dt.date(2026, 10, 25))
    InspectionPolicy.objects.create(category=w["category"], per_year=12, visit_mode=VisitMode.PHONE)
    policy_plans_sync(now=NOW)
    inspection = inspection_schedule(unit=w["unit"], due_on=dt.date(2026, 11, 25), now=NOW)
    return w, inspection


def _answers(inspection, **readings):
    results = {}
    for item in checklist(inspection):
        results[item.pk] = (ItemResult.OK, readings.get(item.code, "0.8" if item.unit == "MPa" else "12"))
    return results


def _input(inspection, findings=(), **readings):
    return InspectionInput(
        client_id=str(uuid.uuid4()),
        results=_answers(inspection, **readings),
        findings=findings,
        labour_minutes=25,
        signature_png=signature_png(),
    )


def test_closing_records_the_checklist_and_completes_the_order_meeting_the_deadline(visit):
    w, inspection = visit
    user = w["technician"].user
    done = inspection_complete(
        inspection=inspection,
        data=_input(inspection, findings=(FindingInput("排水管有轻微积水，已清理"),)),
        acting_user=user,
        now=NOW + dt.timedelta(hours=3),
    )
    order = done.work_order
    order.refresh_from_db()
    assert order.status == WorkOrderStatus.COMPLETED
    assert done.results.count() == 5 and done.findings.count() == 1
    assert str(done.results.get(item__code="refrigerant_pressure").reading) == "0.80"
    deadline = Deadline.objects.get(work_order=order, stage=Stage.INSPECTION)
    assert deadline.stop_reason == StopReason.MET


def test_a_finding_opens_a_repair_call_linked_to_the_inspection(visit):
    w, inspection = visit
    done = inspection_complete(
        inspection=inspection,
        data=_input(inspection, findings=(FindingInput("冷媒压力偏低，疑似泄漏", open_call=True),)),
        acting_user=w["technician"].user,
        now=NOW + dt.timedelta(hours=3),
    )
    finding = done.findings.get()
    call = finding.repair_call
    assert call.customer_request == CallCustomerRequest.REPAIR
    assert call.unit == w["unit"] and "冷媒压力偏低" in call.symptom_text
    assert call.work_orders.get().status == WorkOrderStatus.NEW


@pytest.mark.parametrize("raw", ["abc", "9.5", "1e999999", ""])
def test_a_reading_out_of_range_or_not_a_number_is_refused_and_nothing_changes(visit, raw):
    w, inspection = visit
    with pytest.raises(ValidationError) as refused:
        inspection_complete(
            inspection=inspection,
            data=_input(inspection, findings=(FindingInput("x", open_call=True),), refrigerant_pressure=raw),
            acting_user=w["technician"].user,
            now=NOW,
        )
    message = " ".join(refused.value.messages)
    assert "冷媒压力" in message and ("数字" in message or "超出" in message)
    inspection.refresh_from_db()
    assert inspection.done_at is None and not inspection.results.exists()
    assert inspection.work_order.status == WorkOrderStatus.DISPATCHED
    assert RepairCall.objects.count() == 1


def test_the_form_three_parties(client, visit):
    w, inspection = visit
    url = reverse("inspections:form", args=[inspection.work_order_id])
    other = TechnicianFactory(user=UserFactory(roles=["technician"]))
    client.force_login(other.user)
    assert client.get(url).status_code == 404
    assert client.post(url, {"client_id": str(uuid.uuid4())}).status_code == 404
    client.force_login(UserFactory(roles=["dealer"]))
    assert client.get(url).status_code == 403
    client.force_login(w["technician"].user)
    page = client.get(url)
    assert page.status_code == 200 and "冷媒压力" in page.content.decode()
    # A bad reading through the page: refused in Chinese, what was typed kept.
    post = {"client_id": str(uuid.uuid4()), "labour_minutes": "20", "summary": "正常"}
    for item in checklist(inspection):
        post[f"result_{item.pk}"] = "ok"
        post[f"reading_{item.pk}"] = "abc"
    page = client.post(url, post)
    assert page.status_code == 200 and "数字" in page.content.decode()
    inspection.refresh_from_db()
    assert inspection.done_at is None
    # The tablet's order page links to the form.
    assert (
        url in client.get(reverse("repairs:tablet_order", args=[inspection.work_order_id])).content.decode()
    )


HOSTILE = ["²", "abc", "-1", "1e999999", "%00", "9999-12-31"]


def test_board_is_scoped_bounded_and_survives_hostile_values(client, visit, django_assert_max_num_queries):
    w, inspection = visit
    url = reverse("inspections:board")
    client.force_login(w["supervisor"])
    with django_assert_max_num_queries(12):
        page = client.get(url, {"since": "2026-11-01", "until": "2026-11-30"})
    assert page.status_code == 200 and w["center"].name in page.content.decode()
    for value in HOSTILE:
        for key in ("since", "until", "center"):
            assert client.get(url, {key: value}).status_code == 200
    other = world()
    client.force_login(other["supervisor"])
    assert w["center"].name not in client.get(url, {"since": "2026-11-01"}).content.decode()
    client.force_login(w["technician"].user)
    assert client.get(url).status_code == 403


def test_demo_seeds_done_due_and_overdue_once():
    from demo.inspections import seed_inspections

    w = world(installed_on=dt.date(2026, 6, 1))
    for _i in range(2):
        unit = w["unit"]
        w["unit"] = installed_unit(
            category=w["category"], district=w["district"], installed_on=dt.date(2026, 6, 1)
        )
        w["unit"].model = unit.model
        w["unit"].save()
    UserFactory(username="manager", roles=["manager"])
    line = seed_inspections(now=NOW, network=None)
    assert "2 done (1 finding opened a repair call)" in line and "1 overdue" in line
    assert (
        Deadline.objects.filter(stage=Stage.INSPECTION, stopped_at__isnull=True, due_at__lt=NOW).count() == 1
    )
    assert seed_inspections(now=NOW, network=None) == ""
