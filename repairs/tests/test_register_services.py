"""The register's writes as a dispatcher, a technician and a supervisor live them: logging a call with its
三包 decision, the duplicate guard, dispatch, the work-order statuses, phone guidance, paid service with
quotes and consent, carry-in and loaners. Everything goes through repairs.services."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from demo.repairs import signature_png
from network.factories import (
    DealerFactory,
    DistrictFactory,
    ServiceCenterFactory,
    TechnicianFactory,
    UserFactory,
    authorise,
)
from repairs import services
from repairs.choices import ConsentMethod, LoanerStatus, QuoteLineKind, ServiceMode, ServiceType
from repairs.choices import WorkOrderStatus as S
from repairs.factories import CustomerFactory, ProductUnitFactory, WorkOrderFactory, close_with_record
from repairs.models import (
    CarryIn,
    FaultSymptom,
    LoanerLoan,
    LoanerUnit,
    ProductCategory,
    RepairCall,
    WorkOrder,
)
from repairs.services import DuplicateCall, QuoteLineInput
from warranty.models import ExtendedWarranty, WarrantyDecision

pytestmark = pytest.mark.django_db


@pytest.fixture
def dispatcher():
    return UserFactory(username="disp_wang", first_name="王调度", roles=["dispatcher"])


@pytest.fixture
def centre():
    """A centre covering its district, open 9:00–18:00, with an engineer certified for air conditioners."""
    district = DistrictFactory()
    center = ServiceCenterFactory(region=district, opens_at=dt.time(9, 0), closes_at=dt.time(18, 0))
    center.coverage.add(district)
    supervisor = UserFactory(roles=["supervisor"])
    center.supervisors.add(supervisor)
    return center


def certified(center, category="air_conditioner"):
    technician = TechnicianFactory(center=center)
    authorise(technician, ProductCategory.objects.get(code=category))
    return technician


def symptom(code="no_cooling", category="air_conditioner"):
    return FaultSymptom.objects.get(category__code=category, code=code)


def unit_sold(days_ago: int, **fields):
    sold = timezone.localdate() - dt.timedelta(days=days_ago)
    return ProductUnitFactory(
        sale_date=sold, invoice_date=sold, factory_date=sold - dt.timedelta(days=30), **fields
    )


def log_call(unit, user, **changes):
    kwargs = {
        "customer": unit.owner,
        "unit": unit,
        "caller_name": "张三",
        "caller_phone": "138 1234 5678",
        "service_region": DistrictFactory(),
        "service_address": "中山路 100 号",
        "symptom": symptom(),
        "acting_user": user,
    }
    return services.repair_call_register(**{**kwargs, **changes})


def at(days_from_today: int, hour: int, minute: int = 0) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days_from_today)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def dispatch(order, center, user, technician=None, **changes):
    """Dispatch within the centre's agreement (its coverage includes the call's district and category)."""
    center.coverage.add(order.call.service_region)
    center.categories.add(order.call.unit.model.category)
    kwargs = {
        "work_order": order,
        "center": center,
        "technician": technician,
        "appointment_start": at(1, 10),
        "appointment_end": at(1, 12),
        "acting_user": user,
    }
    return services.work_order_dispatch(**{**kwargs, **changes})


def move(order, to_status, user, note="", now=None):
    """The way the register moves an order: guidance by phone has its own service, completion is a closing
    record (signed by the customer), the rest the generic transition."""
    if to_status == S.COMPLETED:
        return close_with_record(order, user, now=now).work_order
    if to_status == S.PHONE_GUIDED:
        return services.work_order_guide_by_phone(
            work_order=order, acting_user=user, note=note or "指导客户重新设置遥控器", now=now
        )
    return services.work_order_transition(
        work_order=order, to_status=to_status, acting_user=user, note=note, now=now
    )


def order_in(status, **fields):
    """A work order already in `status` (dispatched ones have a centre), on a free-service call."""
    if status not in (S.NEW, S.CANCELLED, S.PHONE_GUIDED):
        fields.setdefault("center", ServiceCenterFactory())
    if status == S.PHONE_GUIDED:
        fields.setdefault("guided_at", timezone.now())
    return WorkOrderFactory(status=status, **fields)


def errors_of(info) -> dict:
    return info.value.message_dict


def today() -> str:
    return f"{timezone.localdate():%Y%m%d}"


# Logging a call -------------------------------------------------------------------------------------


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


# The duplicate guard ----------------------------------------------------------------------------------


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


# Work-order statuses ----------------------------------------------------------------------------------

# What the register lets follow what (the maker's service procedure); new → dispatched goes through dispatch (below).
ALLOWED = [
    (S.NEW, S.PHONE_GUIDED),
    (S.NEW, S.CANCELLED),
    (S.DISPATCHED, S.ACCEPTED),
    (S.DISPATCHED, S.PHONE_GUIDED),
    (S.DISPATCHED, S.CANCELLED),
    (S.ACCEPTED, S.EN_ROUTE),
    (S.ACCEPTED, S.IN_REPAIR),
    (S.ACCEPTED, S.PHONE_GUIDED),
    (S.ACCEPTED, S.CANCELLED),
    (S.EN_ROUTE, S.ON_SITE),
    (S.EN_ROUTE, S.CANCELLED),
    (S.ON_SITE, S.IN_REPAIR),
    (S.ON_SITE, S.CANCELLED),
    (S.IN_REPAIR, S.WAITING_FOR_PARTS),
    (S.WAITING_FOR_PARTS, S.IN_REPAIR),
    (S.COMPLETED, S.CLOSED),
    (S.PHONE_GUIDED, S.CLOSED),
    (S.TO_RESCHEDULE, S.CANCELLED),
]
TIMESTAMP = {
    S.ACCEPTED: "accepted_at",
    S.EN_ROUTE: "en_route_at",
    S.ON_SITE: "arrived_at",
    S.IN_REPAIR: "repair_started_at",
    S.COMPLETED: "completed_at",
    S.CLOSED: "closed_at",
    S.CANCELLED: "cancelled_at",
    S.PHONE_GUIDED: "guided_at",
}
# Completed is reached only with a closing record (repairs.closing), never through the generic transition;
# "to be rescheduled" only by recording a visit where nobody was at home (repairs.field, its own tests).
REFUSED = [
    (a, b)
    for a in S.values
    for b in S.values
    if a != b and b not in (S.DISPATCHED, S.COMPLETED, S.TO_RESCHEDULE) and (a, b) not in ALLOWED
]


@pytest.mark.parametrize(
    ("from_status", "to_status"),
    [pytest.param(a, b, id=f"{a}->{b}") for a, b in ALLOWED],
)
def test_every_allowed_transition_moves_the_order_and_writes_one_event(dispatcher, from_status, to_status):
    order = order_in(from_status)
    now = timezone.now()

    move(order, to_status, dispatcher, note="按流程处理", now=now)

    order.refresh_from_db()
    assert order.status == to_status
    assert order.status_changed_at == now
    if to_status in TIMESTAMP:
        assert getattr(order, TIMESTAMP[to_status]) == now
    event = order.events.get()
    assert (event.from_status, event.to_status, event.actor, event.at) == (
        from_status,
        to_status,
        dispatcher,
        now,
    )
    assert event.note


@pytest.mark.parametrize(("from_status", "to_status"), REFUSED, ids=[f"{a}->{b}" for a, b in REFUSED])
def test_a_refused_transition_names_both_statuses_and_changes_nothing(dispatcher, from_status, to_status):
    order = order_in(from_status)
    before = order.status_changed_at

    with pytest.raises(ValidationError) as info:
        move(order, to_status, dispatcher, note="试图跳过")

    message = errors_of(info)["status"][0]
    assert order.number in message
    assert str(S(from_status).label) in message
    assert str(S(to_status).label) in message
    order.refresh_from_db()
    assert (order.status, order.status_changed_at) == (from_status, before)
    assert not order.events.exists()
    if to_status in TIMESTAMP:
        assert getattr(order, TIMESTAMP[to_status]) is None
    assert order.call.callback_due_at is None


@pytest.mark.parametrize("from_status", [v for v in S.values if v != S.COMPLETED])
def test_no_status_becomes_completed_through_the_transition_only_through_a_closing_record(
    dispatcher, from_status
):
    order = order_in(from_status)
    before = order.status_changed_at

    with pytest.raises(ValidationError) as info:
        services.work_order_transition(
            work_order=order, to_status=S.COMPLETED, acting_user=dispatcher, note="直接完工"
        )

    assert info.value.error_dict["status"][0].code == "closing_required"
    message = errors_of(info)["status"][0]
    assert order.number in message and "完工记录" in message
    order.refresh_from_db()
    assert (order.status, order.status_changed_at, order.completed_at) == (from_status, before, None)
    assert not order.events.exists()


def test_an_order_guided_by_phone_after_dispatch_is_closed(dispatcher, centre):
    order = log_call(unit_sold(60), dispatcher).work_orders.get()
    dispatch(order, centre, dispatcher, certified(centre))
    move(order, S.PHONE_GUIDED, dispatcher)

    move(order, S.CLOSED, dispatcher)

    order.refresh_from_db()
    assert order.status == S.CLOSED
    assert order.closed_at is not None


def test_dispatching_through_the_generic_transition_is_a_programming_error(dispatcher):
    order = order_in(S.NEW)

    with pytest.raises(ValueError):
        services.work_order_transition(work_order=order, to_status=S.DISPATCHED, acting_user=dispatcher)


def test_cancelling_needs_a_reason(dispatcher):
    order = order_in(S.DISPATCHED)

    with pytest.raises(ValidationError) as info:
        move(order, S.CANCELLED, dispatcher, note="  ")

    assert set(errors_of(info)) == {"note"}
    order.refresh_from_db()
    assert order.status == S.DISPATCHED
    assert order.cancelled_at is None
    assert not order.events.exists()


def test_a_whole_on_site_visit_leaves_its_trail(dispatcher, centre):
    technician = certified(centre)
    order = log_call(unit_sold(60), dispatcher).work_orders.get()
    dispatch(order, centre, dispatcher, technician)
    path = [
        S.ACCEPTED,
        S.EN_ROUTE,
        S.ON_SITE,
        S.IN_REPAIR,
        S.WAITING_FOR_PARTS,
        S.IN_REPAIR,
        S.COMPLETED,
        S.CLOSED,
    ]

    for status in path:
        move(order, status, technician.user)

    order.refresh_from_db()
    assert order.status == S.CLOSED
    trail = list(order.events.values_list("from_status", "to_status"))
    assert trail == [("", S.NEW), (S.NEW, S.DISPATCHED)] + list(
        zip([S.DISPATCHED, *path[:-1]], path, strict=True)
    )


def test_resuming_after_waiting_for_parts_keeps_when_the_repair_started(dispatcher):
    """The 三包 clock counts days in repair from the day the repair started, not from the parts' arrival."""
    order = order_in(S.ACCEPTED)
    started = timezone.now() - dt.timedelta(days=3)
    move(order, S.IN_REPAIR, dispatcher, now=started)
    move(order, S.WAITING_FOR_PARTS, dispatcher, now=started + dt.timedelta(hours=1))

    move(order, S.IN_REPAIR, dispatcher)

    order.refresh_from_db()
    assert order.repair_started_at == started
    assert order.events.count() == 3


# Dispatch -------------------------------------------------------------------------------------------


def test_dispatch_gives_the_order_to_the_centre_and_engineer_and_records_who(dispatcher, centre):
    technician = certified(centre)
    order = log_call(unit_sold(60), dispatcher).work_orders.get()
    now = timezone.now()

    dispatch(order, centre, dispatcher, technician, now=now)

    order.refresh_from_db()
    assert order.status == S.DISPATCHED
    assert (order.center, order.technician) == (centre, technician)
    assert (order.appointment_start, order.appointment_end) == (at(1, 10), at(1, 12))
    assert (order.dispatched_by, order.dispatched_at, order.status_changed_at) == (dispatcher, now, now)
    event = order.events.get(to_status=S.DISPATCHED)
    assert (event.from_status, event.actor, event.at) == (S.NEW, dispatcher, now)
    assert centre.name in event.note and technician.name in event.note


def test_an_appointment_filling_the_service_hours_exactly_is_accepted(dispatcher, centre):
    order = order_in(S.NEW)

    dispatch(
        order, centre, dispatcher, certified(centre), appointment_start=at(1, 9), appointment_end=at(1, 18)
    )

    order.refresh_from_db()
    assert order.status == S.DISPATCHED


def _past(center):
    return {"appointment_start": at(-1, 10), "appointment_end": at(-1, 12)}


def _before_opening(center):
    return {"appointment_start": at(1, 8), "appointment_end": at(1, 10)}


def _after_closing(center):
    return {"appointment_start": at(1, 17), "appointment_end": at(1, 19)}


def _end_before_start(center):
    return {"appointment_start": at(1, 12), "appointment_end": at(1, 10)}


def _technician_of_another_centre(center):
    return {"technician": certified(ServiceCenterFactory())}


def _technician_not_certified(center):
    return {"technician": certified(center, category="refrigerator")}


def _agreement_ended(center):
    center.agreement_end = timezone.localdate()  # the appointment is tomorrow
    center.save()
    return {}


def _centre_inactive(center):
    center.active = False
    center.save()
    return {}


@pytest.mark.parametrize(
    ("case", "field"),
    [
        (_past, "appointment_start"),
        (_before_opening, "appointment_start"),
        (_after_closing, "appointment_start"),
        (_end_before_start, "appointment_end"),
        (_technician_of_another_centre, "technician"),
        (_technician_not_certified, "technician"),
        (_agreement_ended, "center"),
        (_centre_inactive, "center"),
    ],
    ids=lambda v: v.__name__.strip("_") if callable(v) else v,
)
def test_a_dispatch_that_cannot_be_kept_is_refused_and_changes_nothing(dispatcher, centre, case, field):
    order = log_call(unit_sold(60), dispatcher).work_orders.get()
    changes = {"technician": certified(centre), **case(centre)}

    with pytest.raises(ValidationError) as info:
        dispatch(order, centre, dispatcher, **changes)

    assert field in errors_of(info)
    order.refresh_from_db()
    assert order.status == S.NEW
    assert (order.center, order.technician, order.appointment_start, order.dispatched_by) == (
        None,
        None,
        None,
        None,
    )
    assert order.events.count() == 1


def test_the_opening_hours_message_names_the_centres_hours(dispatcher, centre):
    order = order_in(S.NEW)

    with pytest.raises(ValidationError) as info:
        dispatch(order, centre, dispatcher, appointment_start=at(1, 18), appointment_end=at(1, 19))

    message = errors_of(info)["appointment_start"][0]
    assert "09:00" in message and "18:00" in message


def test_an_order_already_past_dispatch_cannot_be_dispatched_again(dispatcher, centre):
    order = order_in(S.ACCEPTED, center=centre)

    with pytest.raises(ValidationError) as info:
        dispatch(order, centre, dispatcher)

    assert "status" in errors_of(info)
    order.refresh_from_db()
    assert order.status == S.ACCEPTED


# Guidance by phone ------------------------------------------------------------------------------------


def test_guidance_by_phone_sets_the_callback_two_hours_later(dispatcher):
    order = log_call(unit_sold(60), dispatcher).work_orders.get()
    now = timezone.now()

    services.work_order_guide_by_phone(
        work_order=order, acting_user=dispatcher, note="指导客户清洗滤网后恢复制冷", now=now
    )

    order.refresh_from_db()
    assert order.status == S.PHONE_GUIDED
    assert order.guided_at == now
    assert order.call.callback_due_at == now + dt.timedelta(hours=2)
    event = order.events.get(to_status=S.PHONE_GUIDED)
    assert event.note == "指导客户清洗滤网后恢复制冷"


def test_guidance_by_phone_needs_a_note(dispatcher):
    order = log_call(unit_sold(60), dispatcher).work_orders.get()

    with pytest.raises(ValidationError) as info:
        services.work_order_guide_by_phone(work_order=order, acting_user=dispatcher, note=" ")

    assert set(errors_of(info)) == {"note"}
    order.refresh_from_db()
    assert order.status == S.NEW
    assert order.call.callback_due_at is None


# Paid service: quotes and consent ---------------------------------------------------------------------


@pytest.fixture
def paid_order(dispatcher, centre):
    """An out-of-warranty call, dispatched and accepted by the engineer."""
    call = log_call(unit_sold(730), dispatcher)
    assert call.service_type == ServiceType.PAID
    order = call.work_orders.get()
    technician = certified(centre)
    dispatch(order, centre, dispatcher, technician)
    move(order, S.ACCEPTED, technician.user)
    return order


def quote(order, user, *lines):
    lines = lines or (QuoteLineInput(QuoteLineKind.LABOUR, "小修工时费", 1, Decimal("80.00")),)
    return services.quote_create(work_order=order, lines=list(lines), acting_user=user)


def consent(q, user):
    return services.consent_record(
        quote=q,
        given_by="张三",
        method=ConsentMethod.SIGNATURE,
        signature_png=signature_png(),
        acting_user=user,
    )


def test_paid_repair_does_not_start_without_a_quote(paid_order, dispatcher):
    with pytest.raises(ValidationError) as info:
        move(paid_order, S.IN_REPAIR, dispatcher)

    assert set(errors_of(info)) == {"quote"}
    paid_order.refresh_from_db()
    assert paid_order.status == S.ACCEPTED
    assert paid_order.repair_started_at is None


def test_paid_repair_does_not_start_on_a_quote_the_customer_has_not_agreed_to(paid_order, dispatcher):
    quote(paid_order, dispatcher)

    with pytest.raises(ValidationError) as info:
        move(paid_order, S.IN_REPAIR, dispatcher)

    assert "#1" in errors_of(info)["consent"][0]
    paid_order.refresh_from_db()
    assert paid_order.status == S.ACCEPTED


def test_paid_repair_starts_once_the_customer_agreed(paid_order, dispatcher):
    consent(quote(paid_order, dispatcher), dispatcher)

    move(paid_order, S.IN_REPAIR, dispatcher)

    paid_order.refresh_from_db()
    assert paid_order.status == S.IN_REPAIR


def test_an_additional_quote_without_consent_blocks_completion(paid_order, dispatcher):
    consent(quote(paid_order, dispatcher), dispatcher)
    move(paid_order, S.IN_REPAIR, dispatcher)
    extra = quote(
        paid_order, dispatcher, QuoteLineInput(QuoteLineKind.PART, "压缩机电容", 1, Decimal("45.00"))
    )
    assert (extra.sequence, extra.is_additional) == (2, True)

    with pytest.raises(ValidationError) as info:
        move(paid_order, S.COMPLETED, dispatcher)

    message = errors_of(info)["consent"][0]
    assert "#2" in message and "#1" not in message
    paid_order.refresh_from_db()
    assert paid_order.status == S.IN_REPAIR

    consent(extra, dispatcher)
    move(paid_order, S.COMPLETED, dispatcher)
    paid_order.refresh_from_db()
    assert paid_order.status == S.COMPLETED


def test_quote_lines_and_total_add_up_to_the_fen(paid_order, dispatcher):
    q = quote(
        paid_order,
        dispatcher,
        QuoteLineInput(QuoteLineKind.LABOUR, "小修工时费", 1, Decimal("80.00")),
        QuoteLineInput(QuoteLineKind.PART, "电容", 3, Decimal("33.34")),
        QuoteLineInput(QuoteLineKind.PART, "垫片", 1, Decimal("0.5")),
    )

    q.refresh_from_db()
    amounts = list(q.lines.values_list("amount", flat=True))
    assert amounts == [Decimal("80.00"), Decimal("100.02"), Decimal("0.50")]
    assert q.total_amount == Decimal("180.52")
    for value in [*amounts, q.total_amount]:
        assert isinstance(value, Decimal)
        assert value.as_tuple().exponent == -2


def test_a_price_below_the_fen_is_refused_and_no_quote_is_written(paid_order, dispatcher):
    with pytest.raises(ValidationError) as info:
        quote(paid_order, dispatcher, QuoteLineInput(QuoteLineKind.PART, "电容", 3, Decimal("33.335")))

    assert "lines[0].unit_amount" in info.value.message_dict
    assert not paid_order.quotes.exists()


def test_a_price_given_as_a_float_is_refused(paid_order, dispatcher):
    with pytest.raises(ValidationError) as info:
        quote(paid_order, dispatcher, QuoteLineInput(QuoteLineKind.PART, "电容", 1, 33.3))

    assert "lines[0].unit_amount" in errors_of(info)
    assert not paid_order.quotes.exists()


def test_free_service_is_not_quoted(dispatcher):
    order = order_in(S.ACCEPTED)

    with pytest.raises(ValidationError) as info:
        quote(order, dispatcher)

    assert "quote" in errors_of(info)
    assert not order.quotes.exists()


def test_a_quote_is_agreed_to_once(paid_order, dispatcher):
    q = quote(paid_order, dispatcher)
    consent(q, dispatcher)

    with pytest.raises(ValidationError) as info:
        consent(q, dispatcher)

    assert "consent" in errors_of(info)


# Carry-in ---------------------------------------------------------------------------------------------


@pytest.fixture
def taken_in(dispatcher, centre):
    """An accepted on-site order whose product the engineer takes to the workshop."""
    technician = certified(centre)
    order = log_call(unit_sold(60), dispatcher).work_orders.get()
    dispatch(order, centre, dispatcher, technician)
    move(order, S.ACCEPTED, technician.user)
    carry_in = services.carry_in_receive(
        work_order=order, acting_user=technician.user, condition_note="外壳有划痕"
    )
    return {
        "order": order,
        "carry_in": carry_in,
        "technician": technician.user,
        "supervisor": centre.supervisors.get(),
    }


def repaired(carry_in, user):
    return services.carry_in_record_repair(carry_in=carry_in, minutes=90, parts="四通阀", acting_user=user)


def test_taking_the_product_in_gives_a_carry_in_receipt(taken_in):
    order, carry_in = taken_in["order"], taken_in["carry_in"]

    assert carry_in.receipt_number == f"SJ{today()}-00001"
    assert carry_in.received_by == taken_in["technician"]
    order.refresh_from_db()
    assert order.mode == ServiceMode.CARRY_IN
    assert order.status == S.ACCEPTED
    assert carry_in.receipt_number in order.events.last().note


def test_a_product_is_taken_in_once(taken_in):
    with pytest.raises(ValidationError) as info:
        services.carry_in_receive(work_order=taken_in["order"], acting_user=taken_in["technician"])

    assert "carry_in" in errors_of(info)
    assert CarryIn.objects.count() == 1


def test_the_product_does_not_go_back_before_the_supervisors_inspection(taken_in):
    carry_in = repaired(taken_in["carry_in"], taken_in["technician"])

    with pytest.raises(ValidationError) as info:
        services.carry_in_return(carry_in=carry_in, returned_to="张三", acting_user=taken_in["technician"])

    assert "inspected_by" in errors_of(info)
    carry_in.refresh_from_db()
    assert (carry_in.returned_at, carry_in.receipt_voided_at) == (None, None)


@pytest.mark.parametrize("who", ["technician", "supervisor of another centre"])
def test_only_the_centres_supervisor_inspects(taken_in, who):
    if who == "technician":
        user = taken_in["technician"]
    else:
        user = UserFactory(roles=["supervisor"])
        ServiceCenterFactory().supervisors.add(user)
    carry_in = repaired(taken_in["carry_in"], taken_in["technician"])

    with pytest.raises(ValidationError) as info:
        services.carry_in_inspect(carry_in=carry_in, acting_user=user)

    assert "inspected_by" in errors_of(info)
    carry_in.refresh_from_db()
    assert (carry_in.inspected_at, carry_in.inspected_by) == (None, None)


def test_a_manager_may_inspect_too(taken_in):
    manager = UserFactory(roles=["manager"])
    carry_in = repaired(taken_in["carry_in"], taken_in["technician"])

    carry_in = services.carry_in_inspect(carry_in=carry_in, acting_user=manager)

    carry_in.refresh_from_db()
    assert carry_in.inspected_by == manager
    assert carry_in.inspected_at is not None


def test_the_inspection_needs_the_repair_card(taken_in):
    with pytest.raises(ValidationError) as info:
        services.carry_in_inspect(carry_in=taken_in["carry_in"], acting_user=taken_in["supervisor"])

    assert "repair_minutes" in errors_of(info)


def test_handing_the_product_back_voids_the_receipt(taken_in):
    carry_in = repaired(taken_in["carry_in"], taken_in["technician"])
    carry_in = services.carry_in_inspect(
        carry_in=carry_in, acting_user=taken_in["supervisor"], note="试机正常"
    )
    assert carry_in.inspected_by == taken_in["supervisor"]
    now = timezone.now()

    services.carry_in_return(
        carry_in=carry_in, returned_to=" 张三 ", acting_user=taken_in["technician"], now=now
    )

    carry_in.refresh_from_db()
    assert (carry_in.returned_at, carry_in.receipt_voided_at, carry_in.returned_to) == (now, now, "张三")
    assert carry_in.receipt_number in taken_in["order"].events.last().note


def test_a_carry_in_order_is_not_closed_while_the_product_is_in_the_workshop(taken_in):
    order, tech = taken_in["order"], taken_in["technician"]
    move(order, S.IN_REPAIR, tech)
    carry_in = repaired(taken_in["carry_in"], tech)
    move(order, S.COMPLETED, tech)

    with pytest.raises(ValidationError) as info:
        move(order, S.CLOSED, tech)

    assert "status" in errors_of(info)
    order.refresh_from_db()
    assert order.status == S.COMPLETED

    carry_in = services.carry_in_inspect(carry_in=carry_in, acting_user=taken_in["supervisor"])
    services.carry_in_return(carry_in=carry_in, returned_to="张三", acting_user=tech)
    move(order, S.CLOSED, tech)
    order.refresh_from_db()
    assert order.status == S.CLOSED


# Loaners ----------------------------------------------------------------------------------------------


@pytest.fixture
def loaner(centre):
    return LoanerUnit.objects.create(
        center=centre,
        category=ProductCategory.objects.get(code="air_conditioner"),
        description="周转空调 1.5 匹",
        serial_number="ln-0001",
    )


def test_lending_a_loaner_marks_it_lent(dispatcher, centre, loaner):
    order = order_in(S.ACCEPTED, center=centre)

    loan = services.loaner_lend(work_order=order, loaner=loaner, acting_user=dispatcher)

    loaner.refresh_from_db()
    assert loaner.status == LoanerStatus.LENT
    assert (loan.work_order, loan.lent_by, loan.returned_at) == (order, dispatcher, None)


def test_a_lent_loaner_cannot_be_lent_again(dispatcher, centre, loaner):
    services.loaner_lend(
        work_order=order_in(S.ACCEPTED, center=centre), loaner=loaner, acting_user=dispatcher
    )
    other = order_in(S.ACCEPTED, center=centre)

    with pytest.raises(ValidationError) as info:
        services.loaner_lend(work_order=other, loaner=loaner, acting_user=dispatcher)

    assert "loaner" in errors_of(info)
    assert LoanerLoan.objects.count() == 1
    assert not other.loaner_loans.exists()


def test_a_loaner_of_another_centre_is_not_lent(dispatcher, loaner):
    order = order_in(S.ACCEPTED)

    with pytest.raises(ValidationError) as info:
        services.loaner_lend(work_order=order, loaner=loaner, acting_user=dispatcher)

    assert "loaner" in errors_of(info)
    loaner.refresh_from_db()
    assert loaner.status == LoanerStatus.AVAILABLE


def test_a_returned_loaner_is_available_again(dispatcher, centre, loaner):
    loan = services.loaner_lend(
        work_order=order_in(S.ACCEPTED, center=centre), loaner=loaner, acting_user=dispatcher
    )

    services.loaner_return(loan=loan, acting_user=dispatcher)

    loaner.refresh_from_db()
    loan.refresh_from_db()
    assert loaner.status == LoanerStatus.AVAILABLE
    assert loan.returned_at is not None and loan.received_by == dispatcher
    again = services.loaner_lend(
        work_order=order_in(S.ACCEPTED, center=centre), loaner=loaner, acting_user=dispatcher
    )
    assert again.pk != loan.pk
    with pytest.raises(ValidationError):
        services.loaner_return(loan=loan, acting_user=dispatcher)


def test_a_finished_order_gets_no_loaner(dispatcher, centre, loaner):
    order = order_in(S.CLOSED, center=centre)

    with pytest.raises(ValidationError) as info:
        services.loaner_lend(work_order=order, loaner=loaner, acting_user=dispatcher)

    assert "loaner" in errors_of(info)
    loaner.refresh_from_db()
    assert loaner.status == LoanerStatus.AVAILABLE and not LoanerLoan.objects.exists()


def test_an_order_is_not_cancelled_while_the_product_is_in_the_workshop(taken_in):
    order = taken_in["order"]

    with pytest.raises(ValidationError) as info:
        move(order, S.CANCELLED, taken_in["technician"], note="客户不修了")

    assert "status" in errors_of(info)
    order.refresh_from_db()
    assert order.status == S.ACCEPTED


def test_phone_guidance_without_a_note_is_refused_on_every_path(dispatcher):
    order = order_in(S.NEW)

    with pytest.raises(ValidationError) as info:
        move(order, S.PHONE_GUIDED, dispatcher, note="  ")

    assert "note" in errors_of(info)
    order.refresh_from_db()
    assert order.status == S.NEW and order.call.callback_due_at is None
