"""The remedies demo's ground: who acts, its clock (the steps of three months run in time order), the
dealers' sales (a new buyer and a unit with its invoice, as a dealer registers them) and the whole units
received into stock, each through the services that write them."""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
import random
from collections import Counter
from collections.abc import Callable
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from aftersales.demo.names import mobile_number, person_name, street_address
from aftersales.money import money
from aftersales.validators import imei_with_check_digit
from demo.repairs import SERIAL_PREFIX
from inventory import services as stock
from inventory.models import UnitSerial
from remedies import services
from repairs.models import ProductModel, ProductUnit
from repairs.services import customer_register, unit_register

from .plan import UNIT_COST_SHARE, Sale


class World:
    """The people, the clock and what the stories made so far (requests by story key)."""

    def __init__(self, *, now: dt.datetime, network):
        self.now = now
        self.today = timezone.localdate(now)
        self.rng = random.Random("demo:remedies")
        User = get_user_model()
        self.centers = {c.code: c for c in network.centers}
        self.dealers = {d.code: d for d in network.dealers}
        self.people = {
            "manager": User.objects.get(username="manager"),
            "dispatcher": User.objects.get(username="dispatcher"),
            "supervisor": User.objects.get(username="supervisor"),
            "dealer": User.objects.get(username="dealer"),
        }
        # The supervisors of the centres near the dealers in the stories.
        for key, code in (
            ("supervisor_sz", "GD-SZ-01"),
            ("supervisor_nb", "ZJ-NB-01"),
            ("supervisor_cd", "SC-CD-01"),
        ):
            center = self.centers.get(code)
            self.people[key] = network.supervisors.get(center.pk) if center else None
            self.people[key] = self.people[key] or self.people["supervisor"]
        self.models = {m.model_number: m for m in ProductModel.objects.select_related("category")}
        self.units: dict[str, ProductUnit] = {}
        self.requests: dict = {}
        self.made: Counter = Counter()
        self._queue: list = []
        self._counter = itertools.count()
        self._clock = None

    # The clock -------------------------------------------------------------------------------------------

    def day(self, days_ago: int, hour: int, minute: int = 0) -> dt.datetime:
        return timezone.make_aware(
            dt.datetime.combine(self.today - dt.timedelta(days=days_ago), dt.time(hour, minute))
        )

    def next_working(self, at: dt.datetime, hour: int = 10, minute: int = 15) -> dt.datetime:
        """The next working day at hour:minute — or, when that is still to come, a little before now."""
        then = services.add_working_days(at, 1).replace(hour=hour, minute=minute)
        return min(then, max(at + dt.timedelta(hours=1), self.now - dt.timedelta(minutes=20)))

    def at(self, when: dt.datetime, step: Callable[[dt.datetime], None]) -> None:
        """Schedules `step(when)` (never before the step running now); what would happen after now is not
        played."""
        if self._clock is not None and when < self._clock:
            when = self._clock
        if when <= self.now:
            heapq.heappush(self._queue, (when, next(self._counter), step))

    def play(self) -> None:
        while self._queue:
            when, _n, step = heapq.heappop(self._queue)
            self._clock = when
            step(when)
        self._clock = None

    def who(self, key: str):
        return self.people[key]

    # Serials, sales, stock ---------------------------------------------------------------------------

    def serial(self, model: ProductModel) -> tuple[str, str]:
        """A serial number (and a phone's IMEI) of the demo's format that no unit and no stock item has."""
        while True:
            serial = f"{SERIAL_PREFIX[model.category.code]}{self.rng.randint(0, 10**12 - 1):012d}"
            imei = imei_with_check_digit(f"86{self.rng.randint(0, 10**12 - 1):012d}")
            imei = imei if model.category.requires_imei else ""
            taken = (
                ProductUnit.objects.filter(
                    Q(model=model, serial_number=serial) | (Q(imei=imei) if imei else Q(pk__in=[]))
                ).exists()
                or UnitSerial.objects.filter(serial_number__in=[serial, imei or serial]).exists()
            )
            if not taken:
                return serial, imei

    def sell(self, sale: Sale) -> ProductUnit:
        """The dealer registers the sale: its buyer (a new customer of the dealer's district) and the unit."""
        model, dealer = self.models[sale.model], self.dealers[sale.dealer]
        day = self.today - dt.timedelta(days=sale.sold)
        at = timezone.make_aware(
            dt.datetime.combine(day, dt.time(self.rng.randint(10, 19), self.rng.randint(0, 59)))
        )
        buyer = customer_register(
            name=person_name(self.rng),
            phone=mobile_number(self.rng),
            region=dealer.region,
            address_detail=street_address(self.rng),
            acting_user=self.people["dealer"],
            now=at,
        )
        serial, imei = self.serial(model)
        unit = unit_register(
            owner=buyer,
            dealer=dealer,
            model=model,
            serial_number=serial,
            imei=imei or None,
            sale_date=day,
            invoice_number=f"{self.rng.randint(10**7, 10**8 - 1)}",
            invoice_date=day,
            invoice_amount=money(model.list_price_amount * Decimal(sale.price)),
            factory_date=day - dt.timedelta(days=self.rng.randint(20, 90)),
            warranty_card_number=f"WK{self.rng.randint(10**9, 10**10 - 1)}",
            created_at=at,
        )
        self.units[sale.key] = unit
        self.made["sales"] += 1
        return unit

    def receive(self, warehouse, model_number: str, count: int, at: dt.datetime, reference: str) -> None:
        """Whole units of a model received into `warehouse` (new, with their serials and IMEIs)."""
        model = self.models[model_number]
        serials = []
        for _i in range(count):
            serial, imei = self.serial(model)
            serials.append((serial, imei))
        stock.units_receive(
            warehouse=warehouse,
            product_model=model,
            serials=serials,
            unit_cost=money(model.list_price_amount * Decimal(UNIT_COST_SHARE)),
            acting_user=self.people["manager"],
            reference=reference,
            now=at,
        )
        self.made["units_received"] += count
