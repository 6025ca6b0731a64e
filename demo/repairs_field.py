"""Demo: the field's everyday exceptions at the home centre, relative to the day the demo runs — an
appointment the customer moved, one moved twice (the next move is the supervisor's), an order given to another
technician, one waiting for a new appointment after nobody was at home, and one where nobody was at home twice
(the supervisor decides). Every step happened yesterday or before, through the services at its own instant,
so the demo reads the same whatever the hour it is seeded; nobody is texted for it."""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from care.models import Deadline
from repairs.choices import CallCustomerRequest, RescheduleReason, WorkOrderStatus
from repairs.field import work_order_not_home, work_order_redispatch, work_order_reschedule
from repairs.services import (
    repair_call_register,
    work_order_contact_record,
    work_order_dispatch,
    work_order_transition,
)


class _Again(Exception):
    """A story to be taken back and played a day earlier."""


NOT_HOME_NOTES = (
    "敲门五分钟无人应答，电话未接，已在门上留下联系卡",
    "小区门禁进不去，客户电话关机，已留言",
    "家中无人，邻居称客户出差，已留联系卡",
)


def seed_field_exceptions(*, world, network, now: dt.datetime, forever, reserved: list) -> int:
    """Five calls of the home centre's customers, each played through the field's services. Returns how many
    were logged (none when the centre has fewer than two technicians certified for a category)."""
    # demo.repairs imports this module: a module-level import would be a circle.
    from demo.repairs import _local, _slots

    rng = random.Random("field-exceptions")
    home = network.centers[0]
    staff = world.technicians.get(home.pk, [])
    tech = next((t for t, _cats in staff if t.user.username == "tech"), None)
    if tech is None:
        return 0
    dispatcher = world.dispatcher
    supervisor = world.supervisors.get(home.pk) or dispatcher
    today = timezone.localdate(now)

    def day(offset: int) -> dt.date:
        return today + dt.timedelta(days=offset)

    def at(offset: int, hour: int, minute: int = 0) -> dt.datetime:
        return _local(day(offset), dt.time(hour, minute))

    def slot(offset: int, index: int) -> tuple[dt.datetime, dt.datetime]:
        slots = _slots(home, day(offset))
        return slots[min(index, len(slots) - 1)]

    def mate_of(technician, category_id):
        return _mate(staff, technician, category_id)

    def call(logged_at: dt.datetime, technician, window, *, needs_mate=False):
        """A call on one of the appliances kept for these stories, of a category the technician (and a
        colleague, when asked) is certified for, dispatched to him for `window`."""
        own = next(cats for t, cats in staff if t == technician)
        entry = next(
            (
                u
                for u in reserved
                if u.unit.model.category_id in own
                and (not needs_mate or mate_of(technician, u.unit.model.category_id))
            ),
            None,
        )
        if entry is None:
            return None
        reserved.remove(entry)
        entry.free_after = forever  # its call stays open
        unit = entry.unit
        symptoms = world.symptoms.get(unit.model.category_id, [])
        logged = repair_call_register(
            customer=unit.owner,
            unit=unit,
            caller_name=unit.owner.name,
            caller_phone=entry.phone,
            service_region=entry.region,
            service_address=entry.address,
            symptom=rng.choice(symptoms) if symptoms else None,
            symptom_text="" if symptoms else "客户描述不清，需上门检测",
            customer_request=CallCustomerRequest.REPAIR,
            acting_user=dispatcher,
            now=logged_at,
        )
        order = work_order_dispatch(
            work_order=logged.work_orders.get(),
            center=home,
            technician=technician,
            appointment_start=window[0],
            appointment_end=window[1],
            acting_user=dispatcher,
            now=logged_at + dt.timedelta(minutes=20),
            notify_customer=False,
        )
        return order, unit.model.category_id

    def step(order, status, actor, when, note=""):
        return work_order_transition(
            work_order=order, to_status=status, acting_user=actor, note=note, now=when
        )

    def accept(order, actor, when):
        order = step(order, WorkOrderStatus.ACCEPTED, actor, when)
        return work_order_contact_record(
            work_order=order, acting_user=actor, now=when + dt.timedelta(minutes=10)
        )

    def nobody_home(order, actor, window, note):
        arrived = window[0] + dt.timedelta(minutes=rng.randint(-8, 6))
        order = step(
            order, WorkOrderStatus.EN_ROUTE, actor, arrived - dt.timedelta(minutes=rng.randint(20, 40))
        )
        work_order_not_home(
            work_order=order,
            arrived_at=arrived,
            calls_made=rng.randint(2, 4),
            travel_km=rng.randint(6, 38),
            note=note,
            acting_user=actor,
            now=arrived + dt.timedelta(minutes=12),
            notify_customer=False,
        )

    def move(order, window, reason, actor, when, note=""):
        work_order_reschedule(
            work_order=order,
            appointment_start=window[0],
            appointment_end=window[1],
            reason=reason,
            note=note,
            acting_user=actor,
            now=when,
            notify_customer=False,
        )

    def played(story) -> bool:
        """Plays a story (given how many days earlier than planned it happens) in a savepoint, and takes it
        back to play it a day earlier while one of its deadlines would be warned about right now: the demo's
        SLA scan then finds it met, breached or still ahead, whatever the hour the demo is seeded."""
        kept = list(reserved)
        for earlier in range(8):
            reserved[:] = kept
            try:
                with transaction.atomic():
                    order = story(earlier)
                    if order is None:
                        return False
                    if Deadline.objects.filter(
                        work_order=order,
                        stopped_at__isnull=True,
                        paused_at__isnull=True,
                        warned_at__isnull=True,
                        warn_at__lte=now,
                        due_at__gt=now,
                    ).exists():
                        raise _Again
                    return True
            except _Again:
                continue
        return False

    def moved_by_customer(earlier):
        # The customer asked for another day: moved yesterday afternoon to tomorrow.
        made = call(at(-1 - earlier, 9, 20), tech, slot(-earlier, 2))
        if made is None:
            return None
        order = accept(made[0], tech.user, at(-1 - earlier, 11))
        move(
            order,
            slot(1, 1),
            RescheduleReason.CUSTOMER,
            dispatcher,
            at(-1 - earlier, 16, 5),
            "客户周末才在家，改约明天",
        )
        return order

    def moved_twice(earlier):
        # The technician's previous job ran late, then the customer asked for tomorrow: the next move is the
        # supervisor's.
        made = call(at(-1 - earlier, 8, 30), tech, slot(-earlier, 1))
        if made is None:
            return None
        order = accept(made[0], tech.user, at(-1 - earlier, 9, 30))
        move(
            order,
            slot(-earlier, 3),
            RescheduleReason.TECHNICIAN_DELAYED,
            tech.user,
            at(-1 - earlier, 10),
            "上一单维修超时",
        )
        move(
            order,
            slot(1, 3),
            RescheduleReason.CUSTOMER,
            dispatcher,
            at(-1 - earlier, 15),
            "客户临时加班，改约明天",
        )
        return order

    def given_to_a_colleague(earlier):
        # The technician fell ill after accepting it.
        made = call(at(-1 - earlier, 10, 40), tech, slot(1, 2), needs_mate=True)
        if made is None:
            return None
        order, category_id = made
        order = accept(order, tech.user, at(-1 - earlier, 13))
        work_order_redispatch(
            work_order=order,
            center=home,
            technician=mate_of(tech, category_id),
            reason="原工程师病假，改派同网点工程师",
            acting_user=supervisor,
            now=at(-1 - earlier, 17, 30),
        )
        return order

    def nobody_home_once(earlier):
        # Nobody at home yesterday: waiting for a new appointment.
        window = slot(-1 - earlier, 1)
        made = call(at(-2 - earlier, 14), tech, window)
        if made is None:
            return None
        order = accept(made[0], tech.user, at(-2 - earlier, 16))
        nobody_home(order, tech.user, window, NOT_HOME_NOTES[0])
        return order

    def nobody_home_twice(earlier):
        # Nobody at home twice, the second time yesterday afternoon: the supervisor decides.
        first, second = slot(-3 - earlier, 2), slot(-1 - earlier, 3)
        made = call(at(-4 - earlier, 11), tech, first)
        if made is None:
            return None
        order = accept(made[0], tech.user, at(-4 - earlier, 15))
        nobody_home(order, tech.user, first, NOT_HOME_NOTES[1])
        move(order, second, RescheduleReason.NOT_HOME, dispatcher, at(-3 - earlier, 17), "客户回电，另约时间")
        order = accept(type(order).objects.get(pk=order.pk), tech.user, at(-2 - earlier, 9))
        nobody_home(order, tech.user, second, NOT_HOME_NOTES[2])
        return order

    stories = (moved_by_customer, moved_twice, given_to_a_colleague, nobody_home_once, nobody_home_twice)
    logged = sum(played(story) for story in stories)
    return logged


def _mate(staff, technician, category_id):
    return next((t for t, cats in staff if t != technician and category_id in cats), None)


FIELD_SERIAL_MARK = "9F"  # after the category's prefix: the appliances kept for these stories


def seed_field_units(*, network, today: dt.date) -> None:
    """Five appliances bought some months ago by demo customers living in the home centre's districts, kept
    for the field's stories (demo.repairs.seed_repair_calls takes them out of the random calls' pool). Made
    with the customers, before the warranty demo reads the units, and found again on a second run (the same
    serial numbers), so that a second run changes nothing."""
    # demo.repairs imports this module: a module-level import would be a circle.
    from decimal import Decimal

    # demo.repairs imports this module: a module-level import would be a circle.
    from aftersales.money import money
    from demo.repairs import DEMO_CUSTOMER_NUMBER, SERIAL_PREFIX
    from repairs.models import Customer, ProductModel, ProductUnit

    rng = random.Random("field-units")
    home = network.centers[0]
    owners = list(
        Customer.objects.filter(
            number__regex=DEMO_CUSTOMER_NUMBER,
            addresses__is_primary=True,
            addresses__region__in=home.coverage.all(),
            phones__is_primary=True,
        )
        .distinct()
        .order_by("number")
    )
    models = list(
        ProductModel.objects.filter(
            active=True, category__requires_imei=False, category__in=home.categories.all()
        )
        .select_related("category")
        .order_by("category__code", "brand", "model_number")
    )
    if not owners or not models:
        return
    for n in range(5):
        model, owner = rng.choice(models), rng.choice(owners)
        sale = today - dt.timedelta(days=rng.randint(60, 250))
        serial = (
            f"{SERIAL_PREFIX[model.category.code]}{FIELD_SERIAL_MARK}{n:02d}{rng.randint(0, 10**8 - 1):08d}"
        )
        ProductUnit.objects.get_or_create(
            model=model,
            serial_number=serial,
            defaults={
                "owner": owner,
                "sale_date": sale,
                "factory_date": sale - dt.timedelta(days=rng.randint(20, 90)),
                "invoice_number": f"{rng.randint(10**7, 10**8 - 1)}",
                "invoice_date": sale,
                "invoice_amount": money(model.list_price_amount * Decimal("0.95")),
            },
        )


def field_units_reserve(world) -> list:
    """Takes the field stories' appliances out of the random calls' pool; returns them."""
    # demo.repairs imports this module: a module-level import would be a circle.
    from demo.repairs import SERIAL_PREFIX

    marks = tuple(prefix + FIELD_SERIAL_MARK for prefix in SERIAL_PREFIX.values())
    kept = [u for u in world.units if (u.unit.serial_number or "").startswith(marks)]
    world.units[:] = [u for u in world.units if u not in kept]
    return kept
