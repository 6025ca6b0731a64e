"""Logging a call: its number, its 三包 decision and suggested service type, the duplicate guard."""

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from network.factories import (
    DealerFactory,
)
from repairs.choices import ServiceType
from repairs.choices import WorkOrderStatus as S
from repairs.factories import CustomerFactory
from repairs.models import (
    RepairCall,
    WorkOrder,
)
from repairs.services import DuplicateCall
from warranty.models import ExtendedWarranty, WarrantyDecision

from .helpers import errors_of, log_call, move, symptom, today, unit_sold

pytestmark = pytest.mark.django_db


def test_a_logged_call_gets_todays_number_and_a_new_work_order(dispatcher):
    unit = unit_sold(60)

    call = log_call(unit, dispatcher)

    assert call.number == f"BX{today()}-00001"
    assert re.fullmatch(r"BX\d{8}-\d{5}", call.number)
    order = call.work_orders.get()
    assert order.number == f"PG{today()}-00001"
    assert order.status == S.NEW
    assert call.caller_phone == "13812345678"
    assert call.logged_by == dispatcher
    event = order.events.get()
    assert (event.from_status, event.to_status, event.actor) == ("", S.NEW, dispatcher)


def test_calls_of_one_day_are_numbered_one_after_the_other(dispatcher):
    first = log_call(unit_sold(60), dispatcher)
    second = log_call(unit_sold(60), dispatcher)

    assert (first.number, second.number) == (f"BX{today()}-00001", f"BX{today()}-00002")


def test_an_in_warranty_call_stores_its_decision_and_suggests_free_service(dispatcher):
    unit = unit_sold(60)

    call = log_call(unit, dispatcher)

    decision = call.warranty_decision
    assert decision is not None
    assert decision.unit == unit
    assert decision.verdict == "free_repair"
    assert (call.suggested_service_type, call.service_type) == (ServiceType.FREE, ServiceType.FREE)
    assert call.service_type_reason == ""


def test_a_call_two_years_after_the_sale_suggests_paid_service(dispatcher):
    unit = unit_sold(730)

    call = log_call(unit, dispatcher)

    assert call.warranty_decision.verdict == "paid_repair"
    assert (call.suggested_service_type, call.service_type) == (ServiceType.PAID, ServiceType.PAID)


def test_a_free_repair_from_an_extended_warranty_suggests_contract_service(dispatcher):
    unit = unit_sold(730)
    ExtendedWarranty.objects.create(
        number="YB-0001",
        unit=unit,
        starts_on=unit.sale_date + dt.timedelta(days=365),
        ends_on=timezone.localdate() + dt.timedelta(days=365),
        sold_by_dealer=DealerFactory(),
    )

    call = log_call(unit, dispatcher)

    assert call.warranty_decision.verdict == "free_repair"
    assert any(r["rule"] == "extended_warranty" for r in call.warranty_decision.result["reasons"])
    assert call.service_type == ServiceType.CONTRACT


def test_a_cancelled_extended_warranty_no_longer_makes_the_repair_free(dispatcher):
    unit = unit_sold(730)
    ExtendedWarranty.objects.create(
        number="YB-0002",
        unit=unit,
        starts_on=unit.sale_date + dt.timedelta(days=365),
        ends_on=timezone.localdate() + dt.timedelta(days=365),
        sold_by_dealer=DealerFactory(),
        cancelled_at=timezone.now(),
    )

    call = log_call(unit, dispatcher)

    assert call.service_type == ServiceType.PAID


def test_overriding_the_suggested_service_type_without_a_reason_is_refused(dispatcher):
    unit = unit_sold(60)

    with pytest.raises(ValidationError) as info:
        log_call(unit, dispatcher, service_type=ServiceType.PAID, service_type_reason="  ")

    assert set(errors_of(info)) == {"service_type_reason"}
    assert not RepairCall.objects.exists()
    assert not WorkOrder.objects.exists()
    assert not WarrantyDecision.objects.exists()


def test_overriding_the_suggested_service_type_with_a_reason_keeps_both(dispatcher):
    unit = unit_sold(60)

    call = log_call(
        unit, dispatcher, service_type=ServiceType.PAID, service_type_reason="客户人为损坏（摔落）"
    )

    call.refresh_from_db()
    assert call.service_type == ServiceType.PAID
    assert call.suggested_service_type == ServiceType.FREE
    assert call.service_type_reason == "客户人为损坏（摔落）"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        pytest.param(
            lambda: {"symptom": symptom("frost", "refrigerator")}, "symptom", id="symptom-of-a-fridge"
        ),
        pytest.param(
            lambda: {"customer": CustomerFactory(name="李四")}, "unit", id="unit-of-another-customer"
        ),
        pytest.param(lambda: {"symptom": None, "symptom_text": "   "}, "symptom_text", id="no-fault-at-all"),
    ],
)
def test_a_call_that_does_not_hold_together_is_refused(dispatcher, changes, field):
    unit = unit_sold(60)

    with pytest.raises(ValidationError) as info:
        log_call(unit, dispatcher, **changes())

    assert field in errors_of(info)
    assert not RepairCall.objects.exists()
    assert not WorkOrder.objects.exists()


def test_a_call_described_in_words_only_is_logged(dispatcher):
    call = log_call(unit_sold(60), dispatcher, symptom=None, symptom_text="  外机有异响  ")

    assert call.symptom is None
    assert call.symptom_text == "外机有异响"


def test_a_second_call_on_a_unit_with_an_open_work_order_names_the_open_call(dispatcher):
    unit = unit_sold(60)
    first = log_call(unit, dispatcher)

    with pytest.raises(DuplicateCall) as info:
        log_call(unit, dispatcher, symptom=symptom("noise"))

    assert info.value.open_calls == [first]
    assert first.number in errors_of(info)["duplicate_of"][0]
    assert RepairCall.objects.count() == 1


def test_the_dispatcher_confirms_a_new_fault_past_the_open_call(dispatcher):
    unit = unit_sold(60)
    first = log_call(unit, dispatcher)

    second = log_call(unit, dispatcher, symptom=symptom("noise"), confirm_duplicate_of=first)

    assert second.duplicate_of == first
    assert second.work_orders.get().status == S.NEW
    assert RepairCall.objects.filter(unit=unit).count() == 2


def test_confirming_past_a_call_that_is_not_the_open_one_does_not_let_it_through(dispatcher):
    unit = unit_sold(60)
    log_call(unit, dispatcher)
    unrelated = log_call(unit_sold(60), dispatcher)

    with pytest.raises(DuplicateCall):
        log_call(unit, dispatcher, confirm_duplicate_of=unrelated)

    assert RepairCall.objects.filter(unit=unit).count() == 1


@pytest.mark.parametrize("ending", ["cancelled", "closed", "phone_guided"])
def test_once_the_first_order_is_finished_a_new_call_needs_no_confirmation(dispatcher, ending):
    unit = unit_sold(60)
    first = log_call(unit, dispatcher)
    order = first.work_orders.get()
    if ending == "cancelled":
        move(order, S.CANCELLED, dispatcher, note="客户自行修好")
    else:
        move(order, S.PHONE_GUIDED, dispatcher)
        if ending == "closed":
            move(order, S.CLOSED, dispatcher)

    second = log_call(unit, dispatcher)

    assert second.duplicate_of is None
    assert RepairCall.objects.filter(unit=unit).count() == 2
