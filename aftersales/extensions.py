"""Read hooks: how a lower app asks the apps above it for what they know, without importing them.

Domain events (aftersales.events) carry news up; these carry questions up. The lower app names the question
and the shape of the answer here; an app above provides the answer in its `AppConfig.ready`:

    extensions.provide(extensions.REPAIR_CALL_PAGE, call_care, key="care")        # care/apps.py
    context.update(extensions.gather(extensions.REPAIR_CALL_PAGE, call=call, user=user))   # repairs/views/calls.py

`providers()` lists who answers what."""

from __future__ import annotations

from collections.abc import Callable

# The repair call's page shows what other apps hold about the call: fn(*, call, user) -> dict, shown under
# the provider's key (care: its complaints, callbacks and the deadlines of the call's work orders).
REPAIR_CALL_PAGE = "repair_call.page"
# A carry-in's repair that ran past its deadline, and whose delay it was: fn(*, order_ids) ->
# {order id: "repairer" | "parts_supply"}; one provider (care, which keeps the deadlines).
CARRY_IN_DELAYS = "carry_in.delays"
# Whether a signed-in user is a work order's own customer, acting for themselves: fn(*, user, order) -> bool;
# one provider (portal, which keeps the customers' accounts). Repairs' guards ask it where the customer may act
# (moving their own appointment, confirming the service done).
WORK_ORDER_CUSTOMER = "work_order.customer"
# The QR code printed on a unit's papers (installation acceptance record, exchange certificate) that opens the
# unit's electronic warranty card: fn(*, unit_id) -> {"url": str, "svg": inline SVG}; one provider (portal).
UNIT_CARD_QR = "unit.card_qr"

KNOWN = (REPAIR_CALL_PAGE, CARRY_IN_DELAYS, WORK_ORDER_CUSTOMER, UNIT_CARD_QR)

_providers: dict[str, list[tuple[str, Callable[..., object]]]] = {name: [] for name in KNOWN}


def _known(name: str) -> list[tuple[str, Callable[..., object]]]:
    if name not in _providers:
        raise ValueError(f"unknown read hook {name!r}; known: {', '.join(KNOWN)}")
    return _providers[name]


def provide(name: str, provider: Callable[..., object], *, key: str = "") -> None:
    """Registers `provider` for the question `name` (once; `key` names its part of a gathered answer)."""
    entries = _known(name)
    if all(fn is not provider for _key, fn in entries):
        entries.append((key or provider.__module__.split(".")[0], provider))


def gather(name: str, **question) -> dict:
    """Every provider's answer, by its key."""
    return {key: provider(**question) for key, provider in _known(name)}


def ask(name: str, default, **question):
    """The answer of the one provider of `name`, or `default` when no app provides it."""
    entries = _known(name)
    if len(entries) > 1:
        raise RuntimeError(f"{name!r} has {len(entries)} providers; ask() expects one")
    return entries[0][1](**question) if entries else default


def providers() -> dict[str, list[str]]:
    """Who answers what, as dotted names."""
    return {
        name: [f"{fn.__module__}.{getattr(fn, '__qualname__', fn)}" for _key, fn in entries]
        for name, entries in _providers.items()
    }
