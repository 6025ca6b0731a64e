import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone
from stdnum import luhn

from aftersales.models import DailySequence
from aftersales.numbering import next_number
from aftersales.validators import validate_imei, validate_phone
from demo.models import PlantedClaim
from demo.portal import RECENT_CALLS as PORTAL_RECENT_CALLS
from demo.screening import DEMO_CENTERS, PLAN
from network.models import (
    Adjustment,
    Dealer,
    Dispute,
    Region,
    ServiceCenter,
    Settlement,
    SettlementLine,
    Technician,
)
from repairs.choices import OPEN_STATUSES, WorkOrderStatus
from repairs.models import (
    CarryIn,
    Component,
    Consent,
    Customer,
    CustomerAddress,
    CustomerPhone,
    DecisionChange,
    FaultSymptom,
    LabourRate,
    LoanerLoan,
    LoanerUnit,
    ProductCategory,
    ProductModel,
    ProductUnit,
    Quote,
    RepairCall,
    SiteFinding,
    SiteFindingPhoto,
    WorkOrder,
    WorkOrderClosing,
    WorkOrderEvent,
)
from screening.choices import FlagStatus
from screening.models import ClaimFlag
from warranty.models import ExtendedWarranty, WarrantyDecision

pytestmark = pytest.mark.django_db

MODELS = [
    Settlement,
    SettlementLine,
    Adjustment,
    Dispute,
    Region,
    ServiceCenter,
    Technician,
    Dealer,
    ProductCategory,
    Component,
    ProductModel,
    Customer,
    CustomerPhone,
    CustomerAddress,
    ProductUnit,
    ExtendedWarranty,
    WarrantyDecision,
    FaultSymptom,
    LabourRate,
    LoanerUnit,
    LoanerLoan,
    RepairCall,
    WorkOrder,
    WorkOrderEvent,
    CarryIn,
    Quote,
    Consent,
    DailySequence,
    DecisionChange,
    SiteFinding,
    PlantedClaim,
]


def _counts():
    return {m.__name__: m.objects.count() for m in MODELS}


def test_seed_demo_builds_a_realistic_network_and_twice_creates_nothing_twice(capsys):
    now = timezone.now()
    call_command("seed_demo")
    first = _counts()
    output = capsys.readouterr().out
    call_command("seed_demo")
    assert _counts() == first

    assert Region.objects.filter(level="province").count() >= 3
    assert first["ServiceCenter"] >= 12
    assert set(ServiceCenter.objects.values_list("level", flat=True)) == {"diamond", "gold", "a", "general"}
    assert first["Technician"] >= 30
    assert set(ProductCategory.objects.values_list("code", flat=True)) >= {
        "air_conditioner",
        "refrigerator",
        "washing_machine",
        "mobile_phone",
    }
    for category in ProductCategory.objects.all():
        assert category.components.filter(kind="main_unit").exists()
    assert first["ProductModel"] >= 40 and ProductModel.objects.values("brand").distinct().count() >= 8
    assert first["Customer"] >= 500 and first["ProductUnit"] >= 500

    phones = ProductUnit.objects.filter(model__category__code="mobile_phone")
    assert phones.exists()
    for imei in phones.values_list("imei", flat=True):
        validate_imei(imei)
        assert luhn.is_valid(imei)
    for number in CustomerPhone.objects.values_list("number", flat=True)[:200]:
        validate_phone(number)
    without_invoice = ProductUnit.objects.filter(invoice_date__isnull=True).count()
    assert 0 < without_invoice < first["ProductUnit"] / 2
    for unit in ProductUnit.objects.select_related("model__category")[:100]:
        unit.full_clean()

    assert first["ExtendedWarranty"] > 10 and first["WarrantyDecision"] > 10
    assert WarrantyDecision.objects.values("verdict").distinct().count() >= 2

    for username in ("manager", "dispatcher", "supervisor", "tech", "dealer"):
        assert username in output

    # One full seed is slow enough (every call goes through the services): the register's checks run on it.
    _assert_three_months_of_repair_calls(now)
    _assert_settlements(now)
    _assert_found_at_the_unit()
    _assert_planted_claims_held()


def _assert_planted_claims_held():
    """The claim screening's planted suspicious claims (every pattern, in each demo centre) are there and
    held by the screening of their month, numbered like any other order."""
    planted = dict(PlantedClaim.objects.values_list("work_order_id", "pattern"))
    patterns = [p for p in PLAN if p]
    assert len(planted) == len(patterns) * len(DEMO_CENTERS)
    assert set(planted.values()) == set(patterns)
    held = ClaimFlag.objects.filter(work_order_id__in=planted, status=FlagStatus.HELD)
    assert set(held.values_list("work_order_id", flat=True)) == set(planted)
    for order in WorkOrder.objects.filter(pk__in=planted).select_related("call"):
        day = timezone.localdate(order.call.logged_at)
        assert order.number == f"PG{day:%Y%m%d}-{order.number[-5:]}"
        assert order.call.number == f"BX{day:%Y%m%d}-{order.call.number[-5:]}"


def _assert_found_at_the_unit():
    """An open order where the technician found an exclusion (photo kept, free turned paid) and one where
    the diagnosis named another faulty part: the tablet's and the call page's decision changes."""
    finding = SiteFinding.objects.select_related("change", "work_order").get()
    assert SiteFindingPhoto.objects.filter(finding=finding).exists()
    assert finding.work_order.status in OPEN_STATUSES
    assert (finding.change.service_type_before, finding.change.service_type_after) == ("C", "A")
    assert finding.work_order.call.service_type == "A"
    part = DecisionChange.objects.select_related("component", "work_order").get(kind="component")
    assert part.component.code in {"compressor", "motor", "main_unit"} and part.decision_id is not None
    assert part.work_order.status in OPEN_STATUSES and part.work_order_id != finding.work_order_id


def _assert_settlements(now):
    """Last month's drafts and the month before's confirmed statements, with every kind of line and
    adjustment the manager's page shows, and a dispute to answer."""
    from settlement.services import previous_month

    last = previous_month(now)
    before = (last - dt.timedelta(days=1)).replace(day=1)
    active = ServiceCenter.objects.filter(active=True).count()
    assert Settlement.objects.filter(month=last, status="draft").count() >= active - 1
    assert Settlement.objects.filter(month=before, status="confirmed").exists()
    kinds = set(SettlementLine.objects.filter(settlement__month=last).values_list("kind", flat=True))
    assert {"service_fee", "travel_fee"} <= kinds
    assert SettlementLine.objects.filter(kind__in=["parts_cost", "parts_charged"]).exists()
    adjustments = set(Adjustment.objects.filter(settlement__month=last).values_list("kind", flat=True))
    assert {"base_subsidy", "deposit", "correction"} <= adjustments
    assert Dispute.objects.filter(status="open").count() == 1
    assert Dispute.objects.filter(status="rejected").count() == 1
    assert all(s.center.bank_account for s in Settlement.objects.select_related("center"))


def _assert_three_months_of_repair_calls(now):
    today = timezone.localdate(now)

    # Service hours: most centres 08:00–20:00, the phone repair points 09:00–18:00; loaners at every active one.
    hours = list(ServiceCenter.objects.values_list("opens_at", "closes_at"))
    assert hours.count((dt.time(8), dt.time(20))) > len(hours) / 2
    assert (dt.time(9), dt.time(18)) in hours
    for center in ServiceCenter.objects.filter(active=True):
        assert center.loaners.count() >= 3
    assert FaultSymptom.objects.exists() and LabourRate.objects.exists()

    calls = RepairCall.objects.all()
    since = today - dt.timedelta(days=91)
    recent = calls.filter(logged_at__date__gte=since)
    # The register's last three months: the demo's intake (300–400 calls) plus the suspicious claims the
    # claim screening plants among them (one call each, PLAN's orders in each demo centre) — the upper bound
    # is raised by exactly those, and by the calls of the customer's own pages' demo household.
    assert 300 <= recent.count() <= 400 + len(PLAN) * len(DEMO_CENTERS) + PORTAL_RECENT_CALLS
    assert calls.filter(logged_at__date__gte=today - dt.timedelta(days=7)).exists()
    # Before those three months lies only history (the quality early warning's production batch and its
    # first year of repairs): every call there has its work order, all closed.
    history = calls.filter(logged_at__date__lt=since)
    assert history.exists()
    assert not history.filter(work_orders__isnull=True).exists()
    assert not WorkOrder.objects.filter(call__in=history).exclude(status=WorkOrderStatus.CLOSED).exists()
    # Numbers carry the day the call was logged, as next_number gives them — old ones too.
    assert not calls.exclude(number__regex=r"^BX[0-9]{8}-[0-9]{5}$").exists()
    assert not WorkOrder.objects.exclude(number__regex=r"^PG[0-9]{8}-[0-9]{5}$").exists()
    for call in [*recent.order_by("?")[:50], *history.order_by("?")[:50]]:
        assert call.number == f"BX{timezone.localdate(call.logged_at):%Y%m%d}-{call.number[-5:]}"
        sequence = DailySequence.objects.get(prefix="BX", day=timezone.localdate(call.logged_at))
        assert sequence.last >= int(call.number[-5:])
    # A fault reported is decided under 三包 at intake; a planned inspection is no report: its service type
    # comes from its plan (a contract's B, a policy's free C).
    for call in recent.order_by("?")[:50]:
        assert (call.warranty_decision_id is not None) != (call.customer_request == "inspection")
    # The calls written in bulk — the quality history, the screening's planted claims — carry the decision
    # intake takes, every one of them.
    bulk = calls.filter(
        Q(logged_at__date__lt=today - dt.timedelta(days=91))
        | Q(work_orders__in=PlantedClaim.objects.values("work_order"))
    )
    assert bulk.exists() and not bulk.filter(warranty_decision__isnull=True).exists()
    sequence = DailySequence.objects.get(prefix="BX", day=timezone.localdate(calls.first().logged_at))
    assert sequence.last >= int(calls.first().number[-5:])

    statuses = dict(WorkOrder.objects.values_list("status").annotate(n=Count("pk")))
    assert statuses[WorkOrderStatus.CLOSED] > sum(statuses.values()) / 2
    # Each repair completed through its closing record: signed by the customer, a few closed by the
    # supervisor without it — some cleared by the manager, some still held out of the settlement.
    done = WorkOrder.objects.filter(
        status__in=[WorkOrderStatus.COMPLETED, WorkOrderStatus.CLOSED], guided_at__isnull=True
    )
    assert not done.filter(closing__isnull=True).exists()
    assert done.exclude(closing__signature="").count() > done.count() * 0.9
    exceptions = WorkOrderClosing.objects.exclude(proof_exception_reason="")
    assert exceptions.filter(proof_cleared_at__isnull=True).exists()
    assert exceptions.filter(proof_cleared_at__isnull=False).exists()
    assert WorkOrderClosing.objects.filter(channel="office").exists()
    for status in (
        WorkOrderStatus.COMPLETED,
        WorkOrderStatus.IN_REPAIR,
        WorkOrderStatus.WAITING_FOR_PARTS,
        WorkOrderStatus.ACCEPTED,
        WorkOrderStatus.NEW,
        WorkOrderStatus.PHONE_GUIDED,
        WorkOrderStatus.CANCELLED,
    ):
        assert statuses.get(status, 0) > 0, status
    assert WorkOrder.objects.overdue(now).exists()
    assert calls.filter(
        callback_due_at__isnull=False, work_orders__status=WorkOrderStatus.PHONE_GUIDED
    ).exists()
    service_types = dict(calls.values_list("service_type").annotate(n=Count("pk")))
    assert service_types["C"] > service_types.get("A", 0) > 0 and service_types.get("B", 0) > 0

    # Every status change is an event; nothing happened after now; no event before its call.
    assert WorkOrderEvent.objects.filter(at__gt=timezone.now()).count() == 0
    # A call's first work order starts when the call is logged; a redo (退回重办 after a callback) when the
    # callback sent the first one back.
    redos = list(WorkOrder.objects.filter(redo_of__isnull=False).values_list("pk", flat=True))
    sample = list(WorkOrder.objects.order_by("?").values_list("pk", flat=True)[:40])
    for order in WorkOrder.objects.select_related("call", "redo_of").filter(pk__in=sample + redos):
        events = list(order.events.order_by("at", "pk"))
        started = (
            order.redo_of.events.filter(note__contains=order.number).get().at
            if order.redo_of
            else order.call.logged_at
        )
        assert events[0].to_status == WorkOrderStatus.NEW and events[0].at == started
        assert events[-1].to_status == order.status
        assert [e.at for e in events] == sorted(e.at for e in events)

    # Paid service went through a quote and the customer's consent before the repair.
    for order in WorkOrder.objects.filter(call__service_type="A", repair_started_at__isnull=False):
        assert order.quotes.exists() and all(hasattr(q, "consent") for q in order.quotes.all())
    assert Consent.objects.exists()
    carry_ins = CarryIn.objects.all()
    assert carry_ins.filter(returned_at__isnull=False).exists()
    assert carry_ins.filter(returned_at__isnull=True).exists()
    assert carry_ins.filter(inspected_at__isnull=False, repair_minutes__gt=0).exists()
    assert LoanerLoan.objects.exists()

    # The demo technician and the supervisor's centre have work today and tomorrow.
    tech = get_user_model().objects.get(username="tech")
    supervisor = get_user_model().objects.get(username="supervisor")
    for day in (today, today + dt.timedelta(days=1)):
        mine = WorkOrder.objects.for_user(tech).filter(appointment_start__date=day)
        assert mine.exists(), day
        at_centre = WorkOrder.objects.for_user(supervisor).filter(appointment_start__date=day)
        assert at_centre.count() > mine.count()
    upcoming = WorkOrder.objects.for_user(tech).filter(
        status__in=OPEN_STATUSES, appointment_start__date__gte=today
    )
    assert upcoming.exists()


def _schema(tables):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename, indexdef FROM pg_indexes WHERE tablename = ANY(%s)"
            " UNION ALL SELECT conrelid::regclass::text, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid::regclass::text = ANY(%s) ORDER BY 1, 2",
            [list(tables), list(tables)],
        )
        return cursor.fetchall()


def test_seed_demo_scale_adds_customers_with_units_calls_and_work_orders_once():
    tables = ("repairs_customer", "repairs_productunit", "repairs_repaircall", "repairs_workorder")
    schema = _schema(tables)
    call_command("seed_demo", customers=20, scale=300)
    # 300 rows into tables of 20: loaded without their indexes and keys, which are back exactly as they were.
    assert _schema(tables) == schema
    assert Customer.objects.filter(number__startswith="SC").count() == 300
    scale_units = ProductUnit.objects.filter(owner__number__startswith="SC")
    assert scale_units.count() == 300
    scale_calls = RepairCall.objects.filter(customer__number__startswith="SC")
    assert scale_calls.count() == 300
    assert WorkOrder.objects.filter(call__in=scale_calls).count() == 300
    before = _counts()
    call_command("seed_demo", customers=20, scale=300)
    assert _counts() == before
    call_command("seed_demo", customers=20, scale=350)
    assert scale_units.count() == 350
    assert scale_calls.count() == 350 and set(scale_calls.values_list("unit_id", flat=True)) == set(
        scale_units.values_list("pk", flat=True)
    )
    for imei in scale_units.exclude(imei=None).values_list("imei", flat=True):
        validate_imei(imei)

    # Calls: the real number format, the day they were logged, before today, after the sale; the caller is
    # the customer on their mobile; the work order is numbered on the same day.
    today = timezone.localdate()
    mobiles = dict(CustomerPhone.objects.filter(is_primary=True).values_list("customer_id", "number"))
    orders = WorkOrder.objects.filter(call__in=scale_calls).select_related(
        "call__unit", "center", "technician"
    )
    for order in orders:
        call = order.call
        day = timezone.localdate(call.logged_at)
        assert re.fullmatch(rf"BX{day:%Y%m%d}-\d{{5}}", call.number)
        assert order.number == f"PG{day:%Y%m%d}-{order.number[-5:]}" and order.created_at == call.logged_at
        assert call.unit.sale_date <= day < today
        assert call.caller_phone == mobiles[call.customer_id]
        assert order.center is not None and order.appointment_end > order.appointment_start
        assert order.technician is None or order.technician.center_id == order.center_id
        stamp = WorkOrder.STATUS_TIMESTAMP.get(order.status)
        assert stamp is None or getattr(order, stamp) == order.status_changed_at
        assert order.status_changed_at <= timezone.now()
    assert orders.filter(status=WorkOrderStatus.CLOSED).count() > 350 / 2
    assert orders.values("status").distinct().count() >= 3
    # Every completed or closed repair has its closing record (the customer's code), as the rule wants.
    done = orders.filter(
        status__in=[WorkOrderStatus.COMPLETED, WorkOrderStatus.CLOSED], guided_at__isnull=True
    )
    assert done.exists() and not done.filter(closing__isnull=True).exists()
    assert not done.filter(closing__confirmed_by_code=False).exists()
    assert scale_calls.values("service_type").distinct().count() >= 2
    # next_number() on a day with generated calls continues after them.
    call = scale_calls.order_by("-number").first()
    day = timezone.localdate(call.logged_at)
    last_of_day = scale_calls.filter(number__startswith=call.number[:10]).order_by("-number").first().number
    with transaction.atomic():
        assert next_number("BX", day=day) > last_of_day
        assert (
            next_number("PG", day=day)
            > orders.filter(number__startswith=f"PG{day:%Y%m%d}").latest("number").number
        )

    # Ids handed out to COPY were taken from the sequences: ordinary inserts afterwards do not collide.
    unit = scale_units.order_by("-pk").first()
    later = ProductUnit.objects.create(model=unit.model, serial_number="AFTER-SCALE", owner=unit.owner)
    assert later.pk > unit.pk
    assert CustomerPhone.objects.create(customer=unit.owner, number="13900000000").pk
