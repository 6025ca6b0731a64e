"""Refurbishment of the units the demo's exchanges and returns took back: inspected and graded by the
manager, repaired with spare parts from the central warehouse (through the ledger), tested — a failed test
sends the unit back to repair — then restocked as refurbished in the central warehouse or scrapped."""

from __future__ import annotations

import datetime as dt

from inventory import services as stock
from inventory.models import Part, StockLevel
from remedies import services
from remedies.models import Refurbishment

from .plan import REFURBISHMENT


def refurbish(w, key: str, request, at: dt.datetime) -> None:
    """Schedules the steps of the unit the request `key` took back at `at` (received then by the service)."""
    w.made["done"] += 1
    steps = REFURBISHMENT.get(key, [])
    item = Refurbishment.objects.filter(request=request).order_by("pk").first()
    if item is None:
        return
    for index, (what, days, detail) in enumerate(steps):
        when = at + dt.timedelta(days=days, minutes=30 * index)
        w.at(when, lambda t, what=what, detail=detail: _step(w, item, what, detail, t))


def _step(w, item: Refurbishment, what: str, detail, at: dt.datetime) -> None:
    manager = w.who("manager")
    if what == "inspect":
        grade, note = detail
        services.refurbishment_inspect(item=item, grade=grade, note=note, acting_user=manager, now=at)
    elif what == "repair":
        codes, labour = detail
        services.refurbishment_repair(
            item=item, parts=_parts(item, codes), labour_amount=labour, acting_user=manager, now=at
        )
    elif what == "test":
        passed, note = detail
        services.refurbishment_test(item=item, passed=passed, note=note, acting_user=manager, now=at)
    elif what == "restock":
        services.refurbishment_restock(item=item, acting_user=manager, now=at)
        w.made["restocked"] += 1
    elif what == "scrap":
        services.refurbishment_scrap(item=item, reason=detail, acting_user=manager, now=at)
        w.made["scrapped"] += 1


def _parts(item: Refurbishment, codes: list[str]) -> list[tuple[Part, int]]:
    """The spare parts named, where they are of the unit's category and the central warehouse has them."""
    unit = Refurbishment.objects.select_related("unit__model").get(pk=item.pk).unit
    central = stock.central_warehouse()
    parts = Part.objects.spare().filter(code__in=codes, category_id=unit.model.category_id)
    held = set(
        StockLevel.objects.filter(warehouse=central, part__in=parts, quantity__gte=1).values_list(
            "part_id", flat=True
        )
    )
    return [(part, 1) for part in parts.order_by("code") if part.pk in held]
