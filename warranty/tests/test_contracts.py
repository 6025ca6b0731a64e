"""Maintenance contracts (保养合同, service type B): terms refused with a clear message, overlap, the life of a
contract, the pro-rata refund, renewal tasks and SMS, and calls on covered units becoming contract service."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from aftersales import sms
from network.choices import CenterTaskKind
from network.factories import DealerFactory, ServiceCenterFactory
from network.models import CenterTask
from repairs.choices import ServiceType
from repairs.factories import CustomerPhoneFactory, ProductUnitFactory
from repairs.tests.register.helpers import log_call
from warranty import contracts as services
from warranty.choices import ContractCover, ContractPaymentKind, ContractStatus, PaymentSchedule
from warranty.models import ContractEvent, ContractPayment, MaintenanceContract

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 12, 4)
NOW = timezone.make_aware(dt.datetime(2026, 12, 4, 10, 0))


def _units(n=1, **fields):
    first = ProductUnitFactory(**fields)
    return [first] + [ProductUnitFactory(owner=first.owner, **fields) for _ in range(n - 1)]


def _create(units=None, **changes):
    units = units or _units()
    center = changes.pop("center", None) or ServiceCenterFactory()
    kwargs = {
        "customer": units[0].owner,
        "units": units,
        "starts_on": TODAY,
        "ends_on": TODAY + dt.timedelta(days=364),
        "price_amount": Decimal("1200.00"),
        "center": center,
        "sold_by_center": center,
        "now": NOW,
    }
    return services.contract_create(**{**kwargs, **changes})


def test_a_contract_covers_many_units_with_its_instalments_and_is_a_draft_until_activated():
    units = _units(3)
    contract = _create(units, payment_schedule=PaymentSchedule.QUARTERLY, price_amount=Decimal("1000.00"))
    assert contract.status == ContractStatus.DRAFT and contract.number.startswith("BY20261204-")
    assert set(contract.units.values_list("pk", flat=True)) == {u.pk for u in units}
    payments = list(contract.payments.order_by("due_on"))
    # Quarterly over a year: four instalments from the start day, adding up to the price exactly.
    assert [p.due_on for p in payments] == [
        dt.date(2026, 12, 4),
        dt.date(2027, 3, 4),
        dt.date(2027, 6, 4),
        dt.date(2027, 9, 4),
    ]
    assert [p.amount for p in payments] == [Decimal("250.00")] * 4
    assert sum(p.amount for p in payments) == Decimal("1000.00")
    services.contract_activate(contract=contract, now=NOW)
    contract.refresh_from_db()
    assert contract.status == ContractStatus.ACTIVE
    assert [(e.from_status, e.to_status) for e in ContractEvent.objects.filter(contract=contract)] == [
        ("", "draft"),
        ("draft", "active"),
    ]


def test_monthly_instalments_split_the_price_to_the_cent_and_follow_the_month_end():
    assert services.split_amount(Decimal("100.00"), 3) == [
        Decimal("33.33"),
        Decimal("33.33"),
        Decimal("33.34"),
    ]
    days = services.instalment_days(
        starts_on=dt.date(2027, 1, 31), ends_on=dt.date(2027, 4, 30), schedule=PaymentSchedule.MONTHLY
    )
    # No 31 February or April: the month's last day (Civil Code).
    assert days == [dt.date(2027, 1, 31), dt.date(2027, 2, 28), dt.date(2027, 3, 31), dt.date(2027, 4, 30)]


@pytest.mark.parametrize(
    "changes, field, words",
    [
        ({"ends_on": TODAY - dt.timedelta(days=1)}, "ends_on", "合同的结束日期不能早于开始日期"),
        ({"price_amount": Decimal("-1.00")}, "price_amount", "价格"),
        ({"price_amount": Decimal("1.005")}, "price_amount", "两位小数"),
        ({"inspections_per_year": 0}, "inspections_per_year", "巡检"),
        ({"first_inspection_on": TODAY + dt.timedelta(days=400)}, "first_inspection_on", "首次巡检"),
        ({"starts_on": dt.date(2026, 5, 1), "ends_on": dt.date(2027, 4, 30)}, "units", "在合同开始后才售出"),
    ],
)
def test_bad_terms_are_refused_with_a_chinese_message_and_nothing_is_written(changes, field, words):
    units = _units()
    with pytest.raises(ValidationError) as caught:
        _create(units, **changes)
    assert field in caught.value.message_dict
    assert words in " ".join(caught.value.message_dict[field])
    assert not MaintenanceContract.objects.exists() and not ContractPayment.objects.exists()


def test_a_unit_of_another_customer_and_two_sellers_are_refused():
    unit, stranger = ProductUnitFactory(), ProductUnitFactory()
    center = ServiceCenterFactory()
    with pytest.raises(ValidationError) as caught:
        _create([unit, stranger], center=center, sold_by_dealer=DealerFactory())
    assert "units" in caught.value.message_dict and "sold_by" in caught.value.message_dict
    assert not MaintenanceContract.objects.exists()


def test_overlapping_contracts_on_the_same_unit_are_refused_naming_the_other():
    units = _units(2)
    first = _create(units)
    with pytest.raises(ValidationError) as caught:
        _create([units[1]], starts_on=TODAY + dt.timedelta(days=100), ends_on=TODAY + dt.timedelta(days=500))
    assert first.number in caught.value.message_dict["units"][0]
    assert MaintenanceContract.objects.count() == 1
    # After its end, or once the first is cancelled, the unit may take another.
    _create(
        [units[1]],
        starts_on=first.ends_on + dt.timedelta(days=1),
        ends_on=first.ends_on + dt.timedelta(days=200),
    )
    services.contract_cancel(contract=first, reason="客户未签约", now=NOW)
    _create([units[0]], starts_on=TODAY + dt.timedelta(days=10), ends_on=TODAY + dt.timedelta(days=100))
    assert MaintenanceContract.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_two_clerks_making_contracts_for_the_same_unit_at_once_make_one(reference_data):
    unit = ProductUnitFactory()
    center = ServiceCenterFactory()
    barrier, results = threading.Barrier(2), []

    def clerk():
        try:
            barrier.wait()
            _create([unit], center=center)
            results.append("made")
        except ValidationError:
            results.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=clerk) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["made", "refused"]
    assert MaintenanceContract.objects.count() == 1


def test_cancelling_an_active_contract_refunds_the_unused_part_pro_rata():
    contract = _create(price_amount=Decimal("365.00"), ends_on=TODAY + dt.timedelta(days=364))
    services.contract_activate(contract=contract, now=NOW)
    services.contract_payment_record(payment=contract.payments.get(), method="现金", now=NOW)
    # Cancelled on the 100th day of a 365-day term: 100 days used, 265 left.
    on = NOW + dt.timedelta(days=99)
    services.contract_cancel(contract=contract, reason="客户搬家", method="原路退回", now=on)
    contract.refresh_from_db()
    assert contract.status == ContractStatus.CANCELLED and contract.cancel_reason == "客户搬家"
    refund = contract.payments.get(kind=ContractPaymentKind.REFUND)
    assert refund.amount == Decimal("265.00") and refund.due_on == on.date()
    assert "265/365" in contract.events.last().note


def test_cancelling_needs_a_reason_and_unpaid_instalments_are_no_longer_due():
    contract = _create(payment_schedule=PaymentSchedule.MONTHLY, price_amount=Decimal("1200.00"))
    services.contract_activate(contract=contract, now=NOW)
    with pytest.raises(ValidationError) as caught:
        services.contract_cancel(contract=contract, reason="  ", now=NOW)
    assert "原因" in caught.value.message_dict["reason"][0]
    contract.refresh_from_db()
    assert contract.status == ContractStatus.ACTIVE and contract.payments.count() == 12
    services.contract_payment_record(payment=contract.payments.order_by("due_on").first(), now=NOW)
    services.contract_cancel(contract=contract, reason="不再需要", now=NOW + dt.timedelta(days=20))
    # Paid 100.00 for the first month, 21 days of 365 used (69.04): 30.96 back; nothing more is due.
    rows = [(p.kind, p.amount, p.paid_at is None) for p in contract.payments.order_by("kind")]
    assert rows == [("instalment", Decimal("100.00"), False), ("refund", Decimal("30.96"), True)]
    with pytest.raises(ValidationError):
        services.contract_activate(contract=contract, now=NOW)


def test_expiry_and_renewal_keep_the_link_to_the_previous_contract():
    contract = _create(ends_on=TODAY + dt.timedelta(days=30))
    services.contract_activate(contract=contract, now=NOW)
    assert services.contracts_expire(now=NOW + dt.timedelta(days=30)) == 0  # the last day still counts
    renewal = services.contract_renew(contract=contract, now=NOW + dt.timedelta(days=5))
    assert renewal.renews == contract and renewal.status == ContractStatus.DRAFT
    assert renewal.starts_on == contract.ends_on + dt.timedelta(days=1)
    assert list(renewal.units.all()) == list(contract.units.all())
    with pytest.raises(ValidationError):
        services.contract_renew(contract=contract, now=NOW)
    assert services.contracts_expire(now=NOW + dt.timedelta(days=31)) == 1
    contract.refresh_from_db()
    assert contract.status == ContractStatus.EXPIRED


def test_thirty_days_before_the_end_the_centre_gets_a_renewal_task_and_the_customer_a_text_once(
    settings, django_capture_on_commit_callbacks
):
    settings.SMS_BACKEND = "aftersales.sms.backends.locmem.SmsBackend"
    sms.outbox.clear()
    units = _units()
    CustomerPhoneFactory(customer=units[0].owner, number="13812345678")
    contract = _create(units, ends_on=TODAY + dt.timedelta(days=45))
    services.contract_activate(contract=contract, now=NOW)
    assert services.contract_renewal_tasks(now=NOW) == 0  # 45 days ahead: not yet
    later = NOW + dt.timedelta(days=15)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.contract_renewal_tasks(now=later) == 1
        assert services.contract_renewal_tasks(now=later) == 0
    task = CenterTask.objects.get()
    assert task.kind == CenterTaskKind.CONTRACT_RENEWAL and task.center == contract.center
    assert task.due_on == contract.ends_on and contract.number in task.title
    assert len(sms.outbox) == 1 and sms.outbox[0].to == "13812345678"
    assert contract.number in sms.outbox[0].body and "到期" in sms.outbox[0].body


def test_a_call_on_a_covered_unit_is_contract_service_and_the_decision_shows_what_the_contract_pays(
    reference_data, users
):
    # Sold three years ago: past every 三包 period.
    sold = TODAY - dt.timedelta(days=3 * 365)
    unit = ProductUnitFactory(
        model__category__code="air_conditioner", sale_date=sold, invoice_date=sold, factory_date=sold
    )
    unit.model.category = type(unit.model.category).objects.get(code="air_conditioner")
    unit.model.save()
    plain = log_call(unit, users["dispatcher"])
    assert plain.service_type == ServiceType.PAID
    plain.work_orders.update(status="cancelled")
    today = timezone.localdate()
    contract = _create(
        [unit],
        starts_on=today - dt.timedelta(days=10),
        ends_on=today + dt.timedelta(days=300),
        covers=ContractCover.LABOUR,
    )
    services.contract_activate(contract=contract)
    call = log_call(unit, users["dispatcher"])
    assert call.service_type == ServiceType.CONTRACT
    reasons = {r["rule"]: r["zh"] for r in call.warranty_decision.result["reasons"]}
    assert contract.number in reasons["maintenance_contract"] and "人工" in reasons["maintenance_contract"]
    # Labour only: the parts are quoted as paid work.
    assert call.warranty_decision.verdict == "paid_repair"
    call.work_orders.update(status="cancelled")
    MaintenanceContract.objects.filter(pk=contract.pk).update(covers=ContractCover.BOTH)
    both = log_call(unit, users["dispatcher"])
    assert both.service_type == ServiceType.CONTRACT and both.warranty_decision.verdict == "free_repair"


def test_what_a_labour_only_contract_leaves_is_quoted_as_paid_work_before_the_repair(reference_data, users):
    from repairs import services as repairs_services
    from repairs.choices import QuoteLineKind, WorkOrderStatus
    from repairs.services import QuoteLineInput

    sold = TODAY - dt.timedelta(days=3 * 365)
    unit = ProductUnitFactory(sale_date=sold, invoice_date=sold, factory_date=sold)
    unit.model.category = type(unit.model.category).objects.get(code="air_conditioner")
    unit.model.save()
    today = timezone.localdate()
    contract = _create(
        [unit],
        starts_on=today - dt.timedelta(days=10),
        ends_on=today + dt.timedelta(days=300),
        covers=ContractCover.LABOUR,
    )
    services.contract_activate(contract=contract)
    order = log_call(unit, users["dispatcher"]).work_orders.get()
    type(order).objects.filter(pk=order.pk).update(
        status=WorkOrderStatus.ON_SITE,
        center=users["center"],
        technician=users["technician"].technician,
        arrived_at=timezone.now(),
    )
    order.refresh_from_db()
    assert order.contract_pays == "labour" and order.quoted_as_paid
    # The contract pays the labour: a labour line is refused, naming it; nothing is quoted.
    with pytest.raises(ValidationError) as caught:
        repairs_services.quote_create(
            work_order=order,
            lines=[QuoteLineInput(QuoteLineKind.LABOUR, "工时费", 1, Decimal("80.00"))],
            acting_user=users["dispatcher"],
        )
    assert "保养合同已支付" in caught.value.message_dict["lines"][0] and not order.quotes.exists()
    # No repair starts before the customer agrees to the parts' quote.
    with pytest.raises(ValidationError):
        repairs_services.work_order_transition(
            work_order=order, to_status=WorkOrderStatus.IN_REPAIR, acting_user=users["dispatcher"]
        )
    quote = repairs_services.quote_create(
        work_order=order,
        lines=[QuoteLineInput(QuoteLineKind.PART, "压缩机电容", 1, Decimal("45.00"))],
        acting_user=users["dispatcher"],
    )
    assert quote.total_amount == Decimal("45.00")
