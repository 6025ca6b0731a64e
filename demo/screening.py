"""Demo: claim screening (索赔审核). The distance table from each centre to the districts it serves, a known
set of suspicious claims injected among the demo's normal work orders — a unit claimed twice in three weeks,
padded parts, a technician in two places at once, one phone behind many units, an inflated distance, a
closing without the customer's proof, a visit the customer denied — and the screening of the demo's months,
so the page shows flags and the settlement drafts (seeded after this) leave the held orders out.

`inject_patterns` is the ground truth: it writes the suspicious orders into any database that has a centre,
a product model with fault codes and a part, records each in `demo.PlantedClaim` and returns {work order id:
pattern}; the benchmark reuses it. Everything it writes is numbered as the system numbers it: calls BX and
work orders PG + the day logged + the day's sequence (`next_number`), customers KH + their day + sequence (as
customer_create gives them), units with a category serial, an invoice and a warranty card like the demo's
catalogue, the technician T + four digits like the demo network's. Nothing in a number tells a planted claim.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from aftersales.months import month_bounds, previous_month
from aftersales.numbering import next_number
from demo.models import PlantedClaim
from demo.repairs.catalogue import SERIAL_PREFIX
from demo.repairs.steps import signature_png
from demo.warranty import decisions_attach
from grading.selectors import month_add
from inventory.models import Part, Warehouse
from inventory.services import part_issue, stock_receive
from network.models import ServiceCenter, Technician
from repairs.models import (
    Customer,
    FaultCode,
    ProductModel,
    ProductUnit,
    RepairCall,
    WorkOrder,
    WorkOrderClosing,
    WorkOrderEvent,
)
from repairs.services import CALL_PREFIX, WORK_ORDER_PREFIX
from screening.models import DistrictDistance, VisitDenial
from screening.services import month_screen

CUSTOMER_PREFIX = "KH"  # as repairs.services.customer_create numbers a customer registered that day
DEMO_CENTERS = ("GD-GZ-01", "ZJ-HZ-01")
PHONE_UNITS = 7  # the orders logged from one phone


def district_distances(*, centers) -> int:
    """Each centre's distance by road to its own district and the districts it covers (km). The demo's
    normal orders claim 2–35 km whatever the district (its generator does not model distance), so the
    table puts every covered district 28–35 km away and the centre's own district 25 km: a normal claim is
    never beyond it. Returns how many rows were added."""
    added = 0
    for center in centers:
        districts = {center.region_id, *center.coverage.values_list("pk", flat=True)}
        for district_id in sorted(districts):
            km = 25 if district_id == center.region_id else 28 + (district_id * 7 + center.pk * 13) % 8
            _row, created = DistrictDistance.objects.get_or_create(
                center=center, district_id=district_id, defaults={"km": km}
            )
            added += created
    return added


class _Injector:
    """Writes closed free-service (C) orders of one centre in one month, each a normal order (a call, a
    dispatched technician, arrival, completion, the customer's confirmation code, the distance to the
    district) but for the pattern it carries."""

    def __init__(self, *, month: dt.date, center: ServiceCenter, acting_user):
        self.month, self.center, self.user = month, center, acting_user
        self.tz = timezone.get_current_timezone()
        self.seq = 0
        self.units = 0
        self.model = (
            ProductModel.objects.filter(
                category__fault_codes__kind="fault", category__parts__product_model__isnull=True
            )
            .order_by("pk")
            .first()
        )
        category = self.model.category
        self.fault = (
            FaultCode.objects.filter(category=category, kind="fault").order_by("sort_order", "pk").first()
        )
        self.cause = (
            FaultCode.objects.filter(category=category, kind="cause").order_by("sort_order", "pk").first()
        )
        self.cause = self.cause or self.fault
        self.part = (
            Part.objects.filter(category=category, product_model__isnull=True, serialized=False)
            .order_by("pk")
            .first()
        )
        districts = [center.region_id, *center.coverage.order_by("pk").values_list("pk", flat=True)]
        self.districts = list(dict.fromkeys(d for d in districts if d))
        self.km = dict(DistrictDistance.objects.filter(center=center).values_list("district_id", "km"))
        tag = f"{month:%y%m}{center.pk:03d}"
        self.tag = tag
        self.rng = random.Random(f"screening:{tag}")
        self.technician = self._technician()

    def _technician(self) -> Technician:
        """A technician of the centre of his own (so his day holds only the planted visits), numbered after
        the network's last T-number like the demo's technicians."""
        numbers = Technician.objects.filter(employee_no__regex=r"^T[0-9]{4}$").values_list(
            "employee_no", flat=True
        )
        n = max((int(no[1:]) for no in numbers), default=0) + 1
        users = get_user_model().objects
        username = f"tech{n:02d}"
        while users.filter(username=username).exists():
            n += 1
            username = f"tech{n:02d}"
        login = users.create_user(username=username, first_name="周建国")
        return Technician.objects.create(
            user=login,
            center=self.center,
            employee_no=f"T{n:04d}",
            name="周建国",
            phone=f"139{self.rng.randint(0, 10**8 - 1):08d}",
        )

    def at(self, day: int, hour: int, minute: int = 0) -> dt.datetime:
        return dt.datetime.combine(self.month.replace(day=day), dt.time(hour, minute), tzinfo=self.tz)

    def unit(self) -> ProductUnit:
        """A customer registered when the unit was sold, 200 days before the month, with its invoice and
        warranty card (the catalogue's formats)."""
        self.units += 1
        rng = self.rng
        sold = self.month - dt.timedelta(days=200)
        owner = Customer.objects.create(
            number=next_number(CUSTOMER_PREFIX, day=sold),
            name=f"{'王李张刘陈杨黄赵'[self.units % 8]}先生",
            created_at=dt.datetime.combine(sold, dt.time(10), tzinfo=self.tz),
        )
        serial = f"{SERIAL_PREFIX.get(self.model.category.code, 'SN')}{rng.randint(0, 10**12 - 1):012d}"
        while ProductUnit.objects.filter(serial_number=serial).exists():
            serial = f"{SERIAL_PREFIX.get(self.model.category.code, 'SN')}{rng.randint(0, 10**12 - 1):012d}"
        return ProductUnit.objects.create(
            model=self.model,
            serial_number=serial,
            owner=owner,
            sale_date=sold,
            factory_date=sold - dt.timedelta(days=rng.randint(20, 150)),
            invoice_number=f"{rng.randint(10**7, 10**8 - 1)}",
            invoice_date=sold,
            invoice_amount=self.model.list_price_amount,
            warranty_card_number=f"WK{rng.randint(10**9, 10**10 - 1)}",
        )

    def order(
        self,
        *,
        unit: ProductUnit,
        day: int,
        hour: int = 10,
        minutes: int = 60,
        district: int = 0,
        phone: str = "",
        travel_km: int | None = None,
        parts: int = 0,
        proof_exception: str = "",
    ) -> WorkOrder:
        self.seq += 1
        region = self.districts[district % len(self.districts)]
        arrived = self.at(day, hour)
        completed = arrived + dt.timedelta(minutes=minutes)
        logged = arrived - dt.timedelta(days=1)
        day = timezone.localdate(logged)
        call = RepairCall.objects.create(
            number=next_number(CALL_PREFIX, day=day),
            channel="hotline",
            caller_name=unit.owner.name,
            caller_phone=phone or f"139{self.rng.randint(0, 10**8 - 1):08d}",
            customer=unit.owner,
            unit=unit,
            service_region_id=region,
            service_address=f"建设路{self.seq}号",
            symptom_text="不制冷",
            customer_request="repair",
            service_type="C",
            suggested_service_type="C",
            logged_at=logged,
        )
        decisions_attach([call])  # the 三包 decision intake takes, as the register shows it
        order = WorkOrder.objects.create(
            number=next_number(WORK_ORDER_PREFIX, day=day),
            call=call,
            center=self.center,
            technician=self.technician,
            mode="on_site",
            status="in_repair",
            created_at=call.logged_at,
            dispatched_at=call.logged_at + dt.timedelta(hours=1),
            accepted_at=call.logged_at + dt.timedelta(hours=2),
            en_route_at=arrived - dt.timedelta(minutes=40),
            arrived_at=arrived,
            repair_started_at=arrived + dt.timedelta(minutes=5),
            travel_km=self.km.get(region, 10) if travel_km is None else travel_km,
        )
        if parts and self.part is not None:
            warehouse, _ = Warehouse.objects.get_or_create(
                center=self.center,
                defaults={
                    "code": f"WH-{self.center.code}"[:20],
                    "name": f"{self.center.name}仓库",
                    "kind": "center",
                },
            )
            stock_receive(
                warehouse=warehouse,
                lines=[(self.part, parts, self.part.unit_cost_amount)],
                reference=order.number,
                acting_user=self.user,
                now=arrived,
            )
            part_issue(
                work_order=order,
                part=self.part,
                quantity=parts,
                acting_user=self.user,
                reason="更换",
                now=order.repair_started_at + dt.timedelta(minutes=10),  # taken once the repair began
            )
        closed = completed + dt.timedelta(minutes=10)
        steps = [
            ("", "new", order.created_at),
            ("new", "dispatched", order.dispatched_at),
            ("dispatched", "accepted", order.accepted_at),
            ("accepted", "en_route", order.en_route_at),
            ("en_route", "on_site", order.arrived_at),
            ("on_site", "in_repair", order.repair_started_at),
            ("in_repair", "completed", completed),
            ("completed", "closed", closed),
        ]
        WorkOrderEvent.objects.bulk_create(
            WorkOrderEvent(work_order=order, from_status=a, to_status=b, actor=self.user, at=when)
            for a, b, when in steps
        )
        WorkOrderClosing.objects.create(
            work_order=order,
            client_id=uuid.uuid4(),
            # The customer's signature on the tablet (the demo's scribble); none with a recorded exception.
            signature=ContentFile(signature_png(), name="signature.png") if not proof_exception else "",
            fault_code=self.fault,
            cause=self.cause,
            resolution="repaired",
            labour_minutes=minutes,
            confirmed_by_code=False,
            proof_exception_reason=proof_exception,
            proof_cleared_by=self.user if proof_exception else None,
            proof_cleared_at=completed + dt.timedelta(hours=2) if proof_exception else None,
            proof_cleared_note="主管已核实" if proof_exception else "",
            closed_by=self.user,
            closed_at=completed,
        )
        WorkOrder.objects.filter(pk=order.pk).update(
            status="closed", completed_at=completed, closed_at=closed, status_changed_at=closed
        )
        order.refresh_from_db()
        return order


# What is injected, in this order (the n-th order written carries PLAN[n - 1]'s pattern; None: a normal
# companion order).
PLAN = (
    None,  # a unit repaired on the 3rd …
    "repeat",  # … and claimed again on the 24th, three weeks later
    "parts",  # four pieces of a part where such a repair takes none or one
    "overlap",  # the technician in one district from 14:00 to 15:30 …
    "overlap",  # … and in another district from 14:00 to 15:00 the same day
    *["phone"] * PHONE_UNITS,  # seven units of seven customers claimed from one caller's phone
    "travel_km",  # about three times the distance to the district claimed
    "no_proof",  # closed without signature or code, a supervisor's exception cleared
    "denied",  # the customer says no one came (recorded on the callback)
)


def inject_patterns(*, month: dt.date, center: ServiceCenter, acting_user) -> dict[int, str]:
    """Writes the suspicious claims into `center`'s month and records each in `demo.PlantedClaim`
    (idempotent: nothing when the centre's month already holds planted claims) and returns {work order id:
    pattern} of the orders a reviewer should hold. The companion order (the first claim of the repeated
    unit) is normal and not in the answer."""
    month = month.replace(day=1)
    start, end = month_bounds(month)
    planted = PlantedClaim.objects.filter(
        work_order__center=center, work_order__closed_at__gte=start, work_order__closed_at__lt=end
    )
    if not planted.exists():
        with transaction.atomic():
            orders = _write(_Injector(month=month, center=center, acting_user=acting_user))
            PlantedClaim.objects.bulk_create(
                PlantedClaim(work_order=order, pattern=pattern)
                for order, pattern in zip(orders, PLAN, strict=True)
                if pattern
            )
    return dict(planted.values_list("work_order_id", "pattern"))


def _write(inj: _Injector) -> list[WorkOrder]:
    """The orders of PLAN, in its order."""
    orders = []
    unit = inj.unit()
    orders.append(inj.order(unit=unit, day=3))
    orders.append(inj.order(unit=unit, day=24, hour=15))
    orders.append(inj.order(unit=inj.unit(), day=5, parts=4))
    orders.append(inj.order(unit=inj.unit(), day=7, hour=14, minutes=90, district=0))
    orders.append(inj.order(unit=inj.unit(), day=7, hour=14, minutes=60, district=1))
    phone = f"137{inj.center.pk:04d}{int(inj.tag[:4]):04d}"[:11]
    for k in range(PHONE_UNITS):
        orders.append(inj.order(unit=inj.unit(), day=9 + k, hour=9, phone=phone))
    far = inj.districts[-1]
    orders.append(
        inj.order(
            unit=inj.unit(),
            day=17,
            district=len(inj.districts) - 1,
            travel_km=3 * inj.km.get(far, 10) + 12,
        )
    )
    orders.append(inj.order(unit=inj.unit(), day=19, proof_exception="客户不在家，邻居代签收"))
    denied = inj.order(unit=inj.unit(), day=21)
    orders.append(denied)
    VisitDenial.objects.create(
        work_order=denied,
        customer_words="那天没有人上门，机器一直没修",
        recorded_by=inj.user,
        recorded_at=denied.closed_at + dt.timedelta(days=2),
    )
    return orders


def seed_screening(*, now: dt.datetime, network) -> str:
    """Seeds this part once (idempotent): the distance table, the suspicious claims in the last month of two
    centres, and the screening of the demo's three complete months. Returns one line, or "" when nothing."""
    added = district_distances(centers=ServiceCenter.objects.order_by("pk"))
    last = previous_month(timezone.localtime(now))
    manager = get_user_model().objects.get(username="manager")
    injected: dict[int, str] = {}
    for code in DEMO_CENTERS:
        center = ServiceCenter.objects.filter(code=code).first()
        if center is not None:
            injected.update(inject_patterns(month=last, center=center, acting_user=manager))
    if not added:
        return ""  # screened when first seeded (the monthly job and the page screen again)
    flagged = 0
    for month in (month_add(last, -2), month_add(last, -1), last):
        flagged += month_screen(month=month, now=now).flagged
    return f"claim screening: {len(injected)} suspicious claims injected, {flagged} orders flagged in three months"
