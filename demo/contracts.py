"""Demo maintenance contracts (保养合同, service type B) in each state: active ones (one ending within 30 days,
so its centre has a renewal task and its customer an SMS), a draft, one expired and renewed, one cancelled
with the unused part refunded — written through the contracts' services, dated over the last year."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Count

from demo.repairs.world import DEMO_CUSTOMER_NUMBER
from repairs.models import Customer, FaultSymptom
from repairs.services import open_calls_on_unit, repair_call_register
from warranty import contracts as services
from warranty.choices import ContractCover, PaymentSchedule, VisitMode
from warranty.models import MaintenanceContract


def _at(now: dt.datetime, days_ago: int) -> dt.datetime:
    return now - dt.timedelta(days=days_ago)


def seed_contracts(*, now: dt.datetime, network) -> str:
    if MaintenanceContract.objects.exists() or not network.centers:
        return ""
    today = now.date()
    # The customers with the most units first; each contract takes the next one who had a unit by its start.
    pool = list(
        Customer.objects.filter(number__regex=DEMO_CUSTOMER_NUMBER)
        .annotate(n=Count("units"))
        .filter(n__gte=1)
        .order_by("-n", "number")[:80]
    )
    taken: set[int] = set()
    centers = network.centers
    dealer = network.dealers[0] if network.dealers else None

    def units_of(customer, starts):
        # The units the customer had by the contract's start (a unit is covered from its sale on).
        return list(customer.units.filter(replaces__isnull=True, sale_date__lte=starts).order_by("pk")[:4])

    def make(*, days_ago, term_days, price, center, **kwargs):
        made_at = _at(now, days_ago)
        starts = made_at.date() + dt.timedelta(days=1)
        customer, units = next(
            ((c, u) for c in pool if c.pk not in taken and (u := units_of(c, starts))), (None, [])
        )
        if customer is None:
            raise LookupError("no demo customer had a unit by then")
        taken.add(customer.pk)
        by_center = kwargs.pop("by_center", True)
        seller = {"sold_by_center": center} if by_center or dealer is None else {"sold_by_dealer": dealer}
        return services.contract_create(
            customer=customer,
            units=units,
            starts_on=starts,
            ends_on=starts + dt.timedelta(days=term_days),
            price_amount=Decimal(price),
            center=center,
            now=made_at,
            **seller,
            **kwargs,
        )

    def pay(contract, until: dt.date, at: dt.datetime):
        for payment in contract.payments.filter(due_on__lte=until, paid_at__isnull=True).order_by("due_on"):
            services.contract_payment_record(payment=payment, method="微信支付", reference="WX-DEMO", now=at)

    office = None
    try:
        # An office's air conditioners, a year's contract paid quarterly, two quarters paid.
        office = make(
            days_ago=200,
            term_days=364,
            price="4800.00",
            center=centers[0],
            payment_schedule=PaymentSchedule.QUARTERLY,
            covers=ContractCover.BOTH,
            annual_cap_amount=Decimal("3000.00"),
        )
        services.contract_activate(contract=office, now=_at(now, 199))
        pay(office, today - dt.timedelta(days=20), _at(now, 20))
        # Labour only, paid once, sold by the dealer; ends within 30 days: a renewal task and an SMS.
        ending = make(
            days_ago=345,
            term_days=364,
            price="680.00",
            center=centers[1 % len(centers)],
            covers=ContractCover.LABOUR,
            inspections_per_year=4,
            visit_mode=VisitMode.PHONE,
            by_center=False,
        )
        services.contract_activate(contract=ending, now=_at(now, 344))
        pay(ending, today, _at(now, 344))
        # Monthly, parts and labour, six months in.
        monthly = make(
            days_ago=180,
            term_days=729,
            price="2400.00",
            center=centers[0],
            payment_schedule=PaymentSchedule.MONTHLY,
            visit_mode=VisitMode.REMOTE,
            inspections_per_year=12,
        )
        services.contract_activate(contract=monthly, now=_at(now, 179))
        pay(monthly, today, _at(now, 3))
        # A draft the customer has not signed yet.
        make(days_ago=2, term_days=364, price="1200.00", center=centers[-1], inspections_per_year=2)
        # Last year's contract, expired, and its renewal active since.
        old = make(days_ago=420, term_days=364, price="900.00", center=centers[0])
        services.contract_activate(contract=old, now=_at(now, 419))
        pay(old, today, _at(now, 419))
        renewal = services.contract_renew(contract=old, now=_at(now, 60))
        services.contract_activate(contract=renewal, now=_at(now, 56))
        pay(renewal, today, _at(now, 56))
        services.contracts_expire(now=_at(now, 50))
        # Cancelled after four months: the unused part refunded.
        cancelled = make(days_ago=130, term_days=364, price="1500.00", center=centers[1 % len(centers)])
        services.contract_activate(contract=cancelled, now=_at(now, 129))
        pay(cancelled, today, _at(now, 129))
        services.contract_cancel(
            contract=cancelled, reason="客户搬家，设备转卖", method="原路退回", now=_at(now, 10)
        )
    except LookupError:  # a small demo (few customers) makes the contracts it can
        pass
    tasks = services.contract_renewal_tasks(now=now)
    calls = _contract_call(office, now - dt.timedelta(hours=20)) if office else 0
    return (
        f"{MaintenanceContract.objects.count()} maintenance contracts (draft, active, expired and renewed, "
        f"cancelled with a refund), {tasks} renewal task(s), {calls} contract-service call(s)"
    )


def _contract_call(contract, at: dt.datetime) -> int:
    """A call on a covered unit, logged yesterday and waiting for dispatch: the register shows it as contract
    service (B), its decision naming the contract."""
    dispatcher = get_user_model().objects.filter(username="dispatcher").first()
    for unit in contract.units.select_related("model__category", "owner").order_by("pk"):
        address = unit.owner.addresses.order_by("pk").first()
        phone = unit.owner.phones.order_by("-is_primary", "pk").first()
        symptom = FaultSymptom.objects.filter(category=unit.model.category).order_by("pk").first()
        if address is None or phone is None or symptom is None or open_calls_on_unit(unit=unit):
            continue
        repair_call_register(
            customer=unit.owner,
            unit=unit,
            caller_name=unit.owner.name,
            caller_phone=phone.number,
            service_region=address.region,
            service_address=address.detail,
            symptom=symptom,
            symptom_text="合同客户报修：" + symptom.name,
            acting_user=dispatcher,
            now=at,
        )
        return 1
    return 0
