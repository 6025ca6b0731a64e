"""Domain events: how a lower app lets the apps above it react to its changes without importing them.

The app that owns a change publishes a named event with keyword arguments; every app that cares registers
a listener in its `AppConfig.ready`. The publisher does not know who listens, so a new listener never means
editing the publisher, and imports keep running one way (down).

Listeners run in the publisher's transaction, in the order they were registered, so what they write (an
order's SLA deadlines, the callbacks it is owed, a webhook delivery row) commits or rolls back with the
change itself. Anything that reaches outside the database (a Celery task, an e-mail, an HTTP call) is sent
by the listener through `transaction.on_commit`, so it only happens once the change is committed.

    events.subscribe(events.WORK_ORDER_CHANGED, work_order_changed)   # in CareConfig.ready
    events.publish(events.WORK_ORDER_CHANGED, order=order, previous="new", now=now)

`listeners()` lists who listens to what (also shown by `manage.py domain_events`)."""

from __future__ import annotations

from collections.abc import Callable

# A work order was created or its status changed, or something on it was recorded that moves its clocks
# (an appointment, a contact, a reschedule): order=<WorkOrder>, previous=<status before, "" when new>,
# now=<the instant of the change>.
WORK_ORDER_CHANGED = "work_order.changed"

# A 三包 remedy request was opened or changed status: request=<RemedyRequest>, previous=<status before, ""
# when new>, now=<the instant of the change>.
REMEDY_REQUEST_CHANGED = "remedy_request.changed"

# A maintenance contract (保养合同) was created or changed status (activated, expired, cancelled) or its units
# changed: contract=<MaintenanceContract>, previous=<status before, "" when new>, now=<the instant>.
MAINTENANCE_CONTRACT_CHANGED = "maintenance_contract.changed"

# The daily inspection job made a batch of inspection work orders at once (set-based, for 100 k plans):
# visits=[(<WorkOrder>, <due day>), …], now=<the instant>. Their later changes publish WORK_ORDER_CHANGED as usual.
INSPECTION_ORDERS_PLANNED = "inspection_orders.planned"

KNOWN = (WORK_ORDER_CHANGED, REMEDY_REQUEST_CHANGED, MAINTENANCE_CONTRACT_CHANGED, INSPECTION_ORDERS_PLANNED)

_listeners: dict[str, list[Callable[..., object]]] = {name: [] for name in KNOWN}


def subscribe(name: str, listener: Callable[..., object]) -> None:
    """Registers `listener` for the event `name` (once: a second registration of the same function is
    ignored, so a reloaded AppConfig does not double it)."""
    if name not in _listeners:
        raise ValueError(f"unknown domain event {name!r}; known: {', '.join(KNOWN)}")
    if listener not in _listeners[name]:
        _listeners[name].append(listener)


def publish(name: str, **payload) -> None:
    """Calls every listener of `name` with the payload, in registration order, in the caller's transaction.
    A listener's exception propagates: the change and what follows from it stand or fall together."""
    if name not in _listeners:
        raise ValueError(f"unknown domain event {name!r}; known: {', '.join(KNOWN)}")
    for listener in tuple(_listeners[name]):
        listener(**payload)


def listeners() -> dict[str, list[str]]:
    """Who listens to what, as dotted names: {event: ["care.services.work_order_changed", …]}."""
    return {
        name: [f"{fn.__module__}.{getattr(fn, '__qualname__', fn)}" for fn in fns]
        for name, fns in _listeners.items()
    }
