"""Demo 三包 remedies carried out, three months of them, played in time order through remedies.services and
inventory's whole-unit stock — so the data is what the system itself writes:

- whole units received into the central warehouse and the stock of three dealers (D001–D003), with
  serials and valid IMEIs no registered unit has; one model arrives late (a request waited for it);
- the dealers' sales the stories are about (a new buyer each, the unit with its invoice), and units of the
  demo repaired twice (their stored repairs) or, in a small demo, two repairs on record;
- requests in every state: exchanges and returns granted by the sale windows and carried out at once
  (the exchange certificate; the refund, the dealer credited), the manager's queue (two repairs, a
  repairer's delay charged to the home centre, goodwill, missing documents accepted — one past its three
  working days, on the SLA breaches page), one waiting for stock, one approved and not yet refunded, one
  rejected, one cancelled; a repairer's delay exchanged last month, deducted on that centre's draft;
- out-of-box checks approved (exchanged from the dealer's stock, the dealer credited) and rejected;
- refurbishment of every unit taken back, in each step: some restocked as refurbished in the central
  warehouse, some scrapped.

Texts to customers the services send are dropped (`texts_unsent`): the demo's history notifies nobody.
Idempotent: nothing is added when the first whole-unit receipt (FIRST_RECEIPT) is there."""

from __future__ import annotations

import contextlib
import datetime as dt

from django.test import override_settings

from aftersales.sms.backends.base import BaseSmsBackend
from care import services as care
from inventory import services as stock
from inventory.choices import WarehouseKind
from inventory.models import StockMovement, Warehouse
from remedies.models import DoaCheck, Refurbishment, RemedyRequest

from .late_repairs import plan_late_repairs
from .plan import CENTRAL_STOCK, DEALER_STOCK, FIRST_RECEIPT, LATE_DELIVERY, STOCK_DAYS
from .stories import plan
from .world import World


class UnsentSms(BaseSmsBackend):
    """The demo writes history: what the services would text a customer for it goes nowhere."""

    def send_messages(self, messages) -> int:
        return 0


@contextlib.contextmanager
def texts_unsent():
    """Around the remedies' transaction and its commit (the services text customers after commit)."""
    with override_settings(SMS_BACKEND=f"{__name__}.UnsentSms"):
        yield


def remedies_seeded() -> bool:
    return StockMovement.objects.filter(reference=FIRST_RECEIPT).exists()


def seed_remedies(*, now: dt.datetime, network) -> dict:
    """Plays the remedies demo once; returns what it made (nothing on a second run)."""
    if remedies_seeded():
        return {}
    if not network.dealers or not Warehouse.objects.filter(kind=WarehouseKind.CENTRAL).exists():
        return {}
    w = World(now=now, network=network)
    extra = plan(w)
    plan_late_repairs(w)
    central = stock.central_warehouse()
    received = w.day(STOCK_DAYS, 9, 30)
    models = dict(CENTRAL_STOCK)
    for number in extra:
        models.setdefault(number, 1)

    def first_stock(at):
        for number, count in models.items():
            reference = FIRST_RECEIPT if number == next(iter(models)) else f"{FIRST_RECEIPT}-{number}"
            w.receive(central, number, count, at, reference[:40])
        for code, lines in DEALER_STOCK.items():
            dealer = w.dealers.get(code)
            if dealer is None:
                continue
            for number, count in lines:
                w.receive(stock.dealer_warehouse(dealer), number, count, at, f"RK-DEMO-{code}-{number}"[:40])

    w.at(received, first_stock)
    number, count, days = LATE_DELIVERY
    w.at(w.day(days, 10, 30), lambda at: w.receive(central, number, count, at, f"RK-DEMO-ZJ-{number}"[:40]))
    w.play()
    # As of now: the approval left waiting past its three working days is breached and escalated.
    care.sla_scan(now=now)
    return {
        "requests": RemedyRequest.objects.count(),
        "doa_checks": DoaCheck.objects.count(),
        "refurbishments": Refurbishment.objects.count(),
        **{key: w.made[key] for key in ("done", "restocked", "scrapped", "sales", "units_received")},
    }
