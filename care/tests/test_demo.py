"""The demo shows this app's rules with its own data: the three steps counting conduct and not the product,
the hotline's answer on the 24-hour clock, and an on-site repair that waited 35 days for the maker's part
whose customer's next call is offered the exchange."""

import pytest

from care.choices import CONDUCT_CATEGORIES, DisciplineStep, Stage
from care.models import Complaint, Deadline
from care.selectors import discipline_step, staff_three_steps
from conftest import demo_seeded_once
from network.factories import UserFactory
from repairs.choices import CallCustomerRequest, ServiceMode, WorkOrderStatus
from repairs.models import RepairCall, WorkOrderEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, tmp_path_factory):
    with demo_seeded_once(django_db_blocker, tmp_path_factory.mktemp("media"), customers=200):
        yield


def test_upheld_complaints_of_both_kinds_and_the_staff_page_counts_conduct_only(seeded):
    upheld = Complaint.objects.filter(upheld=True)
    assert upheld.filter(category__in=CONDUCT_CATEGORIES).exists()
    assert upheld.exclude(category__in=CONDUCT_CATEGORIES).exists()
    rows = staff_three_steps(user=UserFactory(username="demo_mgr", roles=["manager"]))
    # Three upheld about the product: no step. Three about conduct: the third.
    assert any(r["other"] >= 3 and r["conduct"] == 0 and r["step"] is None for r in rows)
    assert any(r["conduct"] >= 3 and r["step"] == DisciplineStep.DISMISSAL for r in rows)
    assert all(r["step"] == discipline_step(r["conduct"]) for r in rows)


def test_the_hotlines_answer_runs_around_the_clock_and_the_rest_in_working_hours(seeded):
    stored = Deadline.objects.filter(work_order__isnull=False)
    assert stored.filter(stage=Stage.FIRST_CONTACT).exists()
    assert not stored.filter(stage=Stage.FIRST_CONTACT, working_time=True).exists()
    assert stored.filter(stage__in=[Stage.ACCEPT, Stage.COMPLETION], working_time=True).exists()


def test_an_on_site_wait_of_35_days_for_a_part_gives_the_next_call_an_exchange(seeded):
    call = RepairCall.objects.get(
        customer_request=CallCustomerRequest.EXCHANGE, warranty_decision__verdict="exchange"
    )
    reasons = {r["rule"]: r["zh"] for r in call.warranty_decision.result["reasons"]}
    assert "超过 30 日未修好（35 日）" in reasons["delay.parts_supply"]
    assert "修理占用的 35 日" in reasons["period.repair_days"]
    earlier = call.unit.repair_calls.exclude(pk=call.pk).get().work_orders.get()
    assert earlier.mode == ServiceMode.ON_SITE and earlier.status == WorkOrderStatus.COMPLETED
    assert WorkOrderEvent.objects.filter(
        work_order=earlier, to_status=WorkOrderStatus.WAITING_FOR_PARTS
    ).exists()
