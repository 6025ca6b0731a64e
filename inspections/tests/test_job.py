import datetime as dt
import io
import json
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from aftersales import events
from care.choices import Stage, StopReason
from care.models import Deadline
from inspections.models import Inspection, InspectionPlan, InspectionPolicy
from inspections.services import contract_plans_sync, inspection_schedule, inspections_plan, per_year_check
from repairs.choices import CallCustomerRequest, ServiceType, WorkOrderStatus
from repairs.models import WorkOrder
from warranty.choices import ContractStatus, VisitMode
from warranty.models import MaintenanceContract, MaintenanceContractUnit

from .helpers import NOW, TODAY, world

pytestmark = pytest.mark.django_db


def _policy(category, per_year=12):
    return InspectionPolicy.objects.create(category=category, per_year=per_year, visit_mode=VisitMode.PHONE)


def test_the_job_makes_the_visit_due_in_the_window_dispatched_by_the_normal_rules():
    w = world(installed_on=dt.date(2026, 10, 25))  # monthly from 25 Nov
    _policy(w["category"])
    result = inspections_plan(now=NOW)
    assert result.as_dict() == {"created": 1, "already_planned": 0}
    visit = Inspection.objects.get()
    assert visit.due_on == dt.date(2026, 11, 25)
    order = visit.work_order
    assert order.status == WorkOrderStatus.DISPATCHED
    assert (order.center, order.technician) == (w["center"], w["technician"])
    assert order.call.customer_request == CallCustomerRequest.INSPECTION
    assert order.call.service_type == ServiceType.FREE
    assert order.events.count() == 2
    # An inspection's one promise on the SLA board: made by the end of its due day, and nothing else.
    deadline = Deadline.objects.get(work_order=order)
    assert deadline.stage == Stage.INSPECTION
    assert timezone.localtime(deadline.due_at).isoformat() == "2026-11-26T00:00:00+08:00"
    assert deadline.center == w["center"]

    again = inspections_plan(now=NOW)
    assert again.as_dict() == {"created": 0, "already_planned": 1}
    assert WorkOrder.objects.count() == 1


def test_no_centre_qualifies_the_order_waits_new_for_the_dispatcher():
    w = world(installed_on=dt.date(2026, 10, 25))
    w["center"].coverage.clear()
    _policy(w["category"])
    assert inspections_plan(now=NOW).created == 1
    assert Inspection.objects.get().work_order.status == WorkOrderStatus.NEW


def test_plan_inspections_prints_one_json_line(settings):
    w = world(installed_on=dt.date(2026, 10, 25))
    _policy(w["category"])
    settings.INSPECTIONS_DAYS_AHEAD = 3650  # the command runs on today's date: a wide window finds the visits
    out = io.StringIO()
    call_command("plan_inspections", stdout=out)
    first = json.loads(out.getvalue().strip())
    assert set(first) == {"created", "already_planned"} and first["created"] >= 1
    out = io.StringIO()
    call_command("plan_inspections", stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 1
    assert json.loads(lines[0]) == {
        "created": 0,
        "already_planned": first["created"] + first["already_planned"],
    }


def _contract(w, *, per_year=12, status=ContractStatus.DRAFT):
    contract = MaintenanceContract.objects.create(
        number="BY2026-0001",
        customer=w["unit"].owner,
        starts_on=dt.date(2026, 11, 1),
        ends_on=dt.date(2027, 10, 31),
        price_amount=Decimal("1200.00"),
        inspections_per_year=per_year,
        first_inspection_on=dt.date(2026, 11, 28),
        visit_mode=VisitMode.ON_SITE,
        center=w["center"],
        sold_by_center=w["center"],
        status=status,
    )
    MaintenanceContractUnit.objects.create(contract=contract, unit=w["unit"])
    return contract


def _set_status(contract, status):
    previous, contract.status = contract.status, status
    contract.save()
    events.publish(events.MAINTENANCE_CONTRACT_CHANGED, contract=contract, previous=previous, now=NOW)


def test_an_active_contract_plans_b_visits_and_a_cancelled_one_drops_them():
    w = world()
    _policy(w["category"])
    contract = _contract(w)
    _set_status(contract, ContractStatus.ACTIVE)
    plan = InspectionPlan.objects.get(contract=contract)
    assert (plan.service_type, plan.per_year, plan.center) == (ServiceType.CONTRACT, 12, w["center"])

    result = inspections_plan(now=NOW)
    # Under the contract only: the class policy's plan waits while the contract's runs.
    assert result.created == 1
    visit = Inspection.objects.get()
    assert (visit.plan, visit.due_on, visit.work_order.call.service_type) == (
        plan,
        dt.date(2026, 11, 28),
        "B",
    )

    _set_status(contract, ContractStatus.CANCELLED)
    visit.work_order.refresh_from_db()
    assert visit.work_order.status == WorkOrderStatus.CANCELLED
    assert Deadline.objects.get(work_order=visit.work_order).stop_reason == StopReason.CANCELLED
    plan.refresh_from_db()
    assert plan.ended_on == TODAY
    later = NOW + dt.timedelta(days=30)
    assert not Inspection.objects.filter(plan=plan, due_on__gt=dt.date(2026, 11, 28)).exists()
    inspections_plan(now=later)
    assert not Inspection.objects.filter(plan=plan).exclude(pk=visit.pk).exists()


def test_a_plan_without_visits_is_refused_in_chinese_and_nothing_changes():
    w = world()
    contract = _contract(w)
    contract.inspections_per_year = 0  # the contract's own constraint refuses it too; the plan checks again
    contract.status = ContractStatus.ACTIVE
    with pytest.raises(ValidationError) as refused:
        contract_plans_sync(contract=contract, now=NOW)
    assert "巡检" in " ".join(refused.value.messages)
    assert not InspectionPlan.objects.exists()
    with pytest.raises(ValidationError):
        per_year_check("abc")


def test_an_inspection_for_a_unit_not_under_a_plan_is_refused():
    w = world()
    with pytest.raises(ValidationError) as refused:
        inspection_schedule(unit=w["unit"], due_on=TODAY, now=NOW)
    assert "巡检计划" in " ".join(refused.value.messages)
    assert not Inspection.objects.exists() and not WorkOrder.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data")
def test_two_jobs_at_once_make_each_visit_once():
    from inspections.defaults import default_checklists_sync  # noqa: F401 - reference data for the flush

    w = world(installed_on=dt.date(2026, 10, 25))
    _policy(w["category"])
    results, errors = [], []

    def run():
        try:
            results.append(inspections_plan(now=NOW).as_dict())
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(r["created"] for r in results) == [0, 1]
    assert sorted(r["already_planned"] for r in results) == [0, 1]
    assert Inspection.objects.count() == 1 and WorkOrder.objects.count() == 1
