"""Shared ground of the remedies' tests: units sold on a given day, a stored decision, whole units in stock."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from inventory import services as stock
from inventory.factories import WarehouseFactory
from repairs.factories import CustomerPhoneFactory, ProductUnitFactory
from warranty.rules import RepairRecord
from warranty.services import unit_facts, warranty_decision_record

NOW = timezone.make_aware(dt.datetime(2026, 11, 20, 10, 0))  # a Friday
TODAY = NOW.date()
PHONE_DOCS = [
    "warranty_card",
    "invoice_model_imei",
    "dates_agree",
    "seller_stamp",
    "owner_matches",
    "imei_sticker",
    "network_label",
    "no_wear",
    "accessories_box",
]
APPLIANCE_DOCS = ["invoice_or_card", "model_matches", "repair_records", "fault_confirmed"]
DOA_PHONE = ["no_wear", "imei_sticker", "warranty_card", "accessories_box", "fault_confirmed"]


def sold_unit(*, days_ago: int, phone: bool = False, price="2999.00", dealer=None, base=TODAY, **kwargs):
    """A unit sold (and invoiced) `days_ago` days before `base` (the tests' fixed day; pages that read
    today's date pass `base=timezone.localdate()`)."""
    day = base - dt.timedelta(days=days_ago)
    unit = ProductUnitFactory(
        phone=phone,
        sale_date=day,
        invoice_date=day,
        factory_date=day - dt.timedelta(days=30),
        invoice_amount=Decimal(price),
        dealer=dealer,
        **kwargs,
    )
    CustomerPhoneFactory(customer=unit.owner, number="13900001111")
    return unit


def decided(unit, *, repairs: tuple[RepairRecord, ...] = (), by=None, on=TODAY):
    return warranty_decision_record(
        unit=unit,
        facts=unit_facts(unit=unit, report_date=on, repairs=repairs),
        acting_user=by,
        now=NOW if on == TODAY else timezone.now(),
    )


TWO_REPAIRS = (
    RepairRecord(
        sent_on=TODAY - dt.timedelta(days=60), returned_on=TODAY - dt.timedelta(days=55), fixed=False
    ),
    RepairRecord(
        sent_on=TODAY - dt.timedelta(days=30), returned_on=TODAY - dt.timedelta(days=25), fixed=False
    ),
)


def central():
    return WarehouseFactory(central=True)


def in_stock(model, *serials, warehouse=None, cost="2100.00", user, imei=False):
    warehouse = warehouse or central()
    return stock.units_receive(
        warehouse=warehouse,
        product_model=model,
        serials=[(s, s if imei else "") for s in serials],
        unit_cost=Decimal(cost),
        acting_user=user,
        reference="入库",
        now=NOW,
    )
