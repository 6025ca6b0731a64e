"""The demo's customer for the customer's own pages (/my/): a household registered by the hotline under one
mobile number, whose four products show every state of the home and the warranty card —

- a phone bought 10 days ago: past the 7-day return, inside the 15-day exchange window; a technician is booked
  for tomorrow afternoon (dispatched, with its window);
- an air conditioner installed about three months ago (its acceptance record, with the card's QR code), in its
  repair period, with an inspection due in a few days (when the demo's inspection policy covers its model);
- a refrigerator in its repair period: a repair 100 days ago closed after the callback, and one the day
  before yesterday (completed, not yet rated) — repaired twice, a third fault would be exchanged;
- a washing machine bought 14 months ago, out of warranty (its motor still covered), repaired while it was.

Everything goes through the services, as the hotline and the technicians would write it. Idempotent: nothing
is added once the number is registered; deterministic: fixed names, dates from `now`."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone

from aftersales.validators import imei_with_check_digit
from care.models import Callback
from care.services import callback_record_attempt, callback_review
from demo.repairs import signature_png
from inspections.models import InspectionPolicy
from inspections.services import inspection_schedule, policy_plans_sync
from network.models import Dealer, ServiceCenter
from portal.signin import DEMO_CODE, account_for_number
from repairs.choices import CallCustomerRequest, FaultCodeKind, Resolution, ServiceMode
from repairs.closing import AcceptanceInput, ClosingInput, work_order_close
from repairs.models import AcceptanceDocument, CustomerPhone, FaultCode, ProductModel
from repairs.selectors import dispatch_suggestions
from repairs.services import (
    customer_register,
    repair_call_register,
    unit_register,
    work_order_dispatch,
    work_order_transition,
)

# The demo customer's mobile number: their sign-in on /my/ (the code is shown on the DEBUG page).
DEMO_PHONE = "13700137000"
DEMO_NAME = "林晓雯"
CATEGORIES = ("mobile_phone", "air_conditioner", "refrigerator", "washing_machine")
# The calls it logs within the last three months (the refrigerator's second repair, the phone's, the inspection):
# the demo register's bound in its test counts them.
RECENT_CALLS = 3


def _local(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _district(network):
    """The first demo district (by code) with a service centre for each of the household's categories."""
    for code in sorted(network.districts):
        district = network.districts[code]
        covered = (
            ServiceCenter.objects.filter(coverage=district, categories__code__in=CATEGORIES)
            .values("categories__code")
            .distinct()
            .count()
        )
        if covered == len(CATEGORIES):
            return district
    return None


def _model(category: str) -> ProductModel | None:
    if category == "air_conditioner":
        # The model the demo's free-inspection policy covers: the unit then has an inspection plan.
        policy = InspectionPolicy.objects.filter(active=True, model__category__code=category).first()
        if policy is not None:
            return policy.model
    return ProductModel.objects.filter(category__code=category, active=True).order_by("pk").first()


class _Household:
    def __init__(self, *, customer, district, dispatcher, now):
        self.customer, self.district, self.dispatcher, self.now = customer, district, dispatcher, now
        self.today = timezone.localdate(now)

    def unit(self, category: str, *, days_ago: int, number: int, dealer=None):
        model = _model(category)
        sold = self.today - dt.timedelta(days=days_ago)
        identity = (
            {"imei": imei_with_check_digit(f"8613700{number:07d}")}
            if category == "mobile_phone"
            else {"serial_number": f"DEMO{category[:2].upper()}{number:06d}"}
        )
        return unit_register(
            owner=self.customer,
            dealer=dealer,
            model=model,
            sale_date=sold,
            invoice_number=f"4400{number:06d}",
            invoice_date=sold,
            invoice_amount=model.list_price_amount or Decimal("1999.00"),
            factory_date=sold - dt.timedelta(days=40),
            warranty_card_number=f"BK{sold:%Y%m%d}{number:04d}",
            **identity,
        )

    def call(self, unit, *, at: dt.datetime, text: str, request=CallCustomerRequest.REPAIR):
        # The symptom as the customer said it (the register's free text), no symptom from the list.
        call = repair_call_register(
            customer=self.customer,
            unit=unit,
            caller_name=self.customer.name,
            caller_phone=DEMO_PHONE,
            service_region=self.district,
            service_address=self.customer.addresses.get().detail,
            symptom=None,
            symptom_text=text,
            customer_request=request,
            performance_fault=request == CallCustomerRequest.REPAIR,
            acting_user=self.dispatcher,
            now=at,
        )
        return call.work_orders.get()

    def dispatch(self, order, *, start: dt.datetime, at: dt.datetime):
        """To the first centre and technician the dispatch rules suggest for the day; None when none is."""
        for suggestion in dispatch_suggestions(unit=order.call.unit, region=self.district, day=start.date()):
            for technician in suggestion["technicians"][:1]:
                return work_order_dispatch(
                    work_order=order,
                    center=suggestion["center"],
                    technician=technician,
                    appointment_start=start,
                    appointment_end=start + dt.timedelta(hours=2),
                    mode=ServiceMode.ON_SITE,
                    acting_user=self.dispatcher,
                    now=at,
                    notify_customer=False,
                )
        return None

    def repair(self, order, *, start: dt.datetime, note: str, acceptance: AcceptanceInput | None = None):
        """The visit: accepted, on the way, on site, in repair, completed with the customer's signature."""
        tech = order.technician.user
        for status, at in (
            ("accepted", start - dt.timedelta(hours=3)),
            ("en_route", start - dt.timedelta(minutes=30)),
            ("on_site", start),
            ("in_repair", start + dt.timedelta(minutes=10)),
        ):
            order = work_order_transition(work_order=order, to_status=status, acting_user=tech, now=at)
        codes = FaultCode.objects.filter(category=order.call.unit.model.category).order_by("sort_order", "pk")
        fault = (codes.filter(code__endswith="-E0") if acceptance else codes).filter(kind=FaultCodeKind.FAULT)
        closing, _replayed = work_order_close(
            work_order=order,
            data=ClosingInput(
                client_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"demo/portal/{order.number}")),
                fault_code=fault.first() or codes.filter(kind=FaultCodeKind.FAULT).first(),
                cause=codes.filter(kind=FaultCodeKind.CAUSE).first(),
                resolution=Resolution.NO_FAULT if acceptance else Resolution.PART_REPLACED,
                resolution_note=note,
                labour_minutes=60,
                signature_png=signature_png(),
                travel_km=6,
                acceptance=acceptance,
            ),
            acting_user=tech,
            now=start + dt.timedelta(minutes=80),
        )
        return closing.work_order

    def called_back(self, order, *, at: dt.datetime) -> None:
        """The hotline's callback reaches the customer, satisfied; its review closes the order."""
        callback = Callback.objects.filter(work_order=order).order_by("pk").first()
        if callback is None:
            return
        callback_record_attempt(
            callback=callback,
            outcome="reached",
            satisfaction=5,
            solved=True,
            words="师傅很专业，已经好了",
            acting_user=self.dispatcher,
            now=at,
        )
        callback_review(
            callback=callback, review="close", acting_user=self.dispatcher, now=at + dt.timedelta(minutes=3)
        )


def seed_portal(*, now: dt.datetime, network) -> str:
    """Seeds this part once (idempotent); returns one line saying what it made, or "" when nothing."""
    if CustomerPhone.objects.filter(number=DEMO_PHONE).exists():
        return ""
    dispatcher = get_user_model().objects.filter(username="dispatcher").first()
    district = _district(network)
    if dispatcher is None or district is None or any(_model(c) is None for c in CATEGORIES):
        return ""
    today = timezone.localdate(now)
    customer = customer_register(
        name=DEMO_NAME,
        phone=DEMO_PHONE,
        region=district,
        address_detail="滨江花园 5 栋 1802 室",
        acting_user=dispatcher,
        now=now - dt.timedelta(days=430),
    )
    home = _Household(customer=customer, district=district, dispatcher=dispatcher, now=now)
    dealers = list(Dealer.objects.order_by("code")[:2]) or [None]
    phone = home.unit("mobile_phone", days_ago=10, number=1, dealer=dealers[0])
    air = home.unit("air_conditioner", days_ago=95, number=2, dealer=dealers[-1])
    fridge = home.unit("refrigerator", days_ago=200, number=3, dealer=dealers[-1])
    washer = home.unit("washing_machine", days_ago=425, number=4, dealer=dealers[0])
    made = []
    try:
        # The washing machine, repaired in its first year; the refrigerator 100 days ago: closed after the
        # callback (the history of their cards).
        for unit, days_ago, text, note in (
            (washer, 150, "脱水时噪音大，机身抖动", "更换减震器，脱水平稳"),
            (fridge, 100, "冷藏室不够冷", "更换温控器，冷藏温度恢复 4℃"),
        ):
            start = _local(today - dt.timedelta(days=days_ago), 9)
            order = home.dispatch(
                home.call(unit, at=start - dt.timedelta(days=1), text=text),
                start=start,
                at=start - dt.timedelta(hours=20),
            )
            if order is not None:
                order = home.repair(order, start=start, note=note)
                home.called_back(order, at=start + dt.timedelta(days=1, hours=2))
                made.append("closed")
        # The air conditioner: installed, with its acceptance.
        installed = _local(air.sale_date + dt.timedelta(days=2), 9)
        order = home.call(
            air,
            at=installed - dt.timedelta(days=1),
            text="新机送货到家，预约上门安装",
            request=CallCustomerRequest.INSTALLATION,
        )
        order = home.dispatch(order, start=installed, at=installed - dt.timedelta(hours=20))
        if order is not None:
            documents = AcceptanceDocument.objects.filter(category=air.model.category).values_list(
                "pk", flat=True
            )
            order = home.repair(
                order,
                start=installed,
                note="新机安装调试",
                acceptance=AcceptanceInput(
                    trial_run_passed=True,
                    model_installed=str(air.model),
                    serial_number=air.serial_number,
                    accessories="连接管3米、挂墙支架、排水管2米",
                    trial_run_note="制冷正常，出风温度12℃，外机无异响",
                    documents_handed_over=frozenset(documents),
                ),
            )
            home.called_back(order, at=installed + dt.timedelta(days=1, hours=2))
            made.append("installed")
        start = _local(today - dt.timedelta(days=2), 14)
        order = home.dispatch(
            home.call(fridge, at=start - dt.timedelta(hours=26), text="冷冻室结霜严重，门封不严"),
            start=start,
            at=start - dt.timedelta(hours=25),
        )
        if order is not None:
            # The refrigerator again, the day before yesterday: completed, not yet rated.
            home.repair(order, start=start, note="更换冷冻室门封条，化霜后运行正常")
            made.append("completed")
        # The phone: a technician booked for tomorrow afternoon.
        start = _local(today + dt.timedelta(days=1), 14)
        booked = home.dispatch(
            home.call(phone, at=now - dt.timedelta(hours=3), text="通话时屏幕偶尔不亮"),
            start=start,
            at=now - dt.timedelta(hours=2),
        )
        made.append("dispatched" if booked is not None else "new")
        # The air conditioner's next free inspection, made now by the inspection job's rules.
        policy_plans_sync(now=now - dt.timedelta(days=30))
        try:
            inspection_schedule(
                unit=air, due_on=today + dt.timedelta(days=4), now=now - dt.timedelta(hours=1)
            )
            made.append("inspection")
        except ValidationError:
            pass
    except ValidationError:
        # A demo network without a centre or technician for one of the steps: the household stays as far as
        # it got (its units are registered, the pages still show them).
        pass
    # The household has signed in before: its account exists (the walk of every page signs in as it).
    account_for_number(DEMO_PHONE, now - dt.timedelta(days=2))
    return f"customer's own pages: {DEMO_NAME}, 4 units, orders {', '.join(made) or 'none'}"


def print_portal_login(write=print) -> None:
    """The demo customer's sign-in, when the demo has them."""
    if CustomerPhone.objects.filter(number=DEMO_PHONE).exists():
        write(f"客户自助 /my/ ：手机号 {DEMO_PHONE}，验证码 {DEMO_CODE}（DEBUG 演示环境，页面上也有显示）")
