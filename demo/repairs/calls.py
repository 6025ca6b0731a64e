"""Three months of repair calls, each played through the register's services at the instant it happened."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from aftersales.demo.names import mobile_number, person_name
from demo import repairs_paid as demo_paid
from demo.repairs_field import field_units_reserve, seed_field_exceptions
from repairs.choices import (
    CallChannel,
    CallCustomerRequest,
    ConsentMethod,
    Priority,
    QuoteLineKind,
    ServiceMode,
    ServiceType,
    WorkOrderStatus,
)
from repairs.closing import closing_proof_clear
from repairs.models import (
    RepairCall,
    WorkOrderClosing,
)
from repairs.services import (
    QuoteLineInput,
    carry_in_inspect,
    carry_in_receive,
    carry_in_record_repair,
    carry_in_return,
    repair_call_register,
    work_order_contact_record,
    work_order_dispatch,
    work_order_guide_by_phone,
)

from .steps import (
    _FORCED,
    CLEARED_AFTER,
    _appointment,
    _close,
    _consent,
    _fault_codes,
    _finish_loan,
    _guidance_called_back,
    _lend,
    _quote,
    _quote_lines,
    _return_loaner,
    _to,
    signature_png,
)
from .world import (
    CANCEL_NOTES,
    CLOSE_NOTES,
    CONDITION_NOTES,
    DEMO_CALLS,
    DEMO_CUSTOMER_NUMBER,
    FOREVER,
    GUIDANCE_NOTES,
    HISTORY_DAYS,
    LATE_ARRIVALS,
    MISUSE_DETAILS,
    PARTS,
    STALL_DAYS,
    SYMPTOM_DETAILS,
    _faulty_part,
    _in_hours,
    _local,
    _minutes,
    _slots,
    _Spec,
    _Story,
    _Unit,
    _World,
)


def demo_calls_exist() -> bool:
    return RepairCall.objects.filter(customer__number__regex=DEMO_CUSTOMER_NUMBER).exists()


def seed_repair_calls(*, rng: random.Random, now: dt.datetime, network, count: int = DEMO_CALLS) -> int:
    """About `count` repair calls over the last HISTORY_DAYS days on the demo customers' units, each played
    through the register's services at the instants it happened (now=…), so numbers, events, 三包 decisions
    and timestamps agree. Returns how many calls were logged; none when demo calls exist already (a second
    run, or a database where the demo calls were logged before)."""
    if demo_calls_exist():
        return 0
    world = _World.load(rng=rng, now=now, network=network)
    field_units = field_units_reserve(world)  # the field's stories' own appliances (demo.repairs_field)
    if not world.units:
        return 0
    specs = _specs(world, count, network)
    _FORCED.clear()
    _FORCED["now"] = now
    demo_paid.start(network=network, now=now)
    logged = 0
    for spec in sorted(specs, key=lambda s: s.at):
        if spec.paid:
            # A generator of its own, so the rest of the demo stays as it was.
            shared, world.rng = world.rng, random.Random(f"paid-home:{spec.at:%Y%m%d}")
            try:
                unit = world.pick_unit(spec.at, districts=spec.districts, paid=True)
                if unit is not None:
                    unit.free_after = _play(world, spec, unit)
                    logged += 1
            finally:
                world.rng = shared
            continue
        unit = world.pick_unit(spec.at, districts=spec.districts)
        if unit is None:
            continue
        unit.free_after = _play(world, spec, unit)
        logged += 1

    logged += seed_field_exceptions(
        world=world, network=network, now=now, forever=FOREVER, reserved=field_units
    )
    _clear_old_proof_exceptions(now)
    demo_paid.finish(now=now, network=network, dispatcher=world.dispatcher)
    return logged


def _clear_old_proof_exceptions(now: dt.datetime) -> None:
    """The manager has cleared the closings without the customer's proof older than CLEARED_AFTER (a few
    days after each); the recent ones wait on the manager's list, held out of the settlement."""

    manager = get_user_model().objects.filter(groups__name="manager", is_active=True).order_by("pk").first()
    if manager is None:
        return
    for closing in (
        WorkOrderClosing.objects.proof_pending()
        .filter(closed_at__lt=now - CLEARED_AFTER)
        .select_related("work_order")
        .order_by("closed_at")
    ):
        rng = random.Random(f"clear:{closing.work_order.number}")
        closing_proof_clear(
            closing=closing,
            acting_user=manager,
            note="已电话回访客户确认维修完成，同意结算",
            now=min(closing.closed_at + dt.timedelta(days=rng.randint(2, 8)), now),
        )


def _specs(world: _World, count: int, network) -> list[_Spec]:
    rng, now = world.rng, world.now
    today = timezone.localdate(now)
    yesterday = today - dt.timedelta(days=1)
    home = network.centers[0]  # the demo technician's and the supervisor's centre
    home_districts = {d.pk for d in home.coverage.all()}
    home_techs = [t for t, _ in world.technicians.get(home.pk, [])]
    tech = next((t for t in home_techs if t.user.username == "tech"), home_techs[0] if home_techs else None)
    others = [t for t in home_techs if t != tech] or [tech]
    specs = []
    # The demo technician and his centre: appointments today and tomorrow, dispatched yesterday.
    slots_today, slots_tomorrow = _slots(home, today), _slots(home, today + dt.timedelta(days=1))
    # Today: the first window (done by now, unless it is early) and the next ones still to come.
    later = [s for s in slots_today[1:] if s[0] > now] or slots_today[-2:]
    forced = [
        (tech, slots_today[0], None),
        (tech, later[0], None),
        (tech, later[min(2, len(later) - 1)], None),
        (tech, slots_tomorrow[1], None),
        (tech, slots_tomorrow[-2], "dispatched"),
        (others[0], slots_today[2], None),
        (others[-1], slots_tomorrow[0], None),
        (None, slots_tomorrow[3], "dispatched"),
    ]
    # Yesterday's visits not finished, as a centre always has some: one waiting for its part, one whose
    # repair goes on (the register's and the supervisor's late work, the technician's overdue tab).
    slots_yesterday = _slots(home, yesterday)
    unfinished = [(others[0], slots_yesterday[1], "parts"), (tech, slots_yesterday[-2], "in_repair")]
    for n, (technician, slot, stop) in enumerate(forced + unfinished):
        day = yesterday if n < len(forced) else yesterday - dt.timedelta(days=1)
        logged = _local(day, dt.time(9, 0)) + _minutes(rng, 0, 8 * 60)
        specs.append(
            _Spec(
                at=logged,
                center=home,
                technician=technician,
                appointment=slot,
                stop_after=stop,
                districts=home_districts,
            )
        )
    # A paid repair of the home centre last week, so its supervisor always has a receivable on the list
    # however few paid calls a small demo draws (demo.repairs_paid keeps the first one owed).
    last_week = today - dt.timedelta(days=7)
    specs.append(
        _Spec(
            at=_local(last_week - dt.timedelta(days=1), dt.time(10, 17)),
            center=home,
            technician=others[0],
            appointment=_slots(home, last_week)[1],
            districts=home_districts,
            paid=True,
        )
    )
    # Calls from today that nobody has dispatched yet, and phone guidance waiting for its callback.
    today_start = _local(today, dt.time(0, 0))
    span = max(dt.timedelta(minutes=10), min(now - today_start, dt.timedelta(hours=4)))
    for _ in range(4):
        specs.append(_Spec(at=now - span * rng.uniform(0.05, 1.0), kind="new"))
    for _ in range(2):
        specs.append(_Spec(at=now - _minutes(rng, 35, 180), kind="guided_pending"))
    # Yesterday's and this morning's calls across the network: their visits are today and in the coming
    # days, the register's and the tablets' work ahead.
    for _ in range(count // 10):
        at = _local(today, dt.time(8, 0)) + _minutes(rng, 0, 12 * 60 + 30)
        if at > now - dt.timedelta(hours=1):
            at -= dt.timedelta(days=1)
        specs.append(_Spec(at=at))
    # The rest over the last three months, in the hotline's hours.
    while len(specs) < count:
        day = today - dt.timedelta(days=rng.randint(0, HISTORY_DAYS))
        at = _local(day, dt.time(8, 0)) + _minutes(rng, 0, 12 * 60 + 30)
        if at > now - dt.timedelta(minutes=30):
            at -= dt.timedelta(days=1)
        specs.append(_Spec(at=at))
    return specs


def _play(world: _World, spec: _Spec, entry: _Unit) -> dt.datetime:
    """Logs the call and plays its work order's story; returns when the unit is free again."""
    rng, now, dispatcher = world.rng, world.now, world.dispatcher
    unit = entry.unit
    category = unit.model.category
    symptoms = world.symptoms.get(category.pk, [])
    misuse = rng.random() < 0.06
    roll = rng.random()
    if spec.kind == "guided_pending" or (spec.kind == "normal" and spec.center is None and roll < 0.06):
        kind = "guided"
    elif spec.kind == "normal" and spec.center is None and roll < 0.11:
        kind = "cancel"
    else:
        kind = spec.kind if spec.kind == "new" else "visit"
    carry_in = category.requires_imei and rng.random() < 0.75 and spec.center is None
    stall_roll = rng.random()
    # Where a story stops although time has moved on: a visit that did not happen (overdue), a repair
    # left unfinished, parts that never came, an order nobody closed after the callback.
    stall = spec.stop_after
    if stall is None and spec.center is None and spec.at >= now - dt.timedelta(days=STALL_DAYS):
        for name, share in (
            ("dispatched", 0.01),
            ("accepted", 0.01),
            ("in_repair", 0.01),
            ("parts", 0.015),
            ("completed", 0.03),
        ):
            if stall_roll < share:
                stall = name
                break
            stall_roll -= share
    needs_parts = stall == "parts" or rng.random() < 0.25
    if stall == "in_repair":
        needs_parts = False  # its repair goes on: a part to wait for would leave it waiting instead

    channel, dealer, logged_by = CallChannel.HOTLINE, None, dispatcher
    channel_roll = rng.random()
    if unit.dealer_id and unit.dealer_id == world.dealer_pk and world.dealer_user and channel_roll < 0.5:
        channel, dealer, logged_by = CallChannel.DEALER, unit.dealer, world.dealer_user
    elif carry_in and channel_roll < 0.3:
        channel = CallChannel.WALK_IN
    elif channel_roll > 0.9:
        channel = CallChannel.WEB
    family = rng.random() < 0.15
    caller_name = unit.owner.name[:1] + person_name(rng)[1:] if family else unit.owner.name
    caller_phone = mobile_number(rng) if family else entry.phone
    override = rng.random() < 0.03
    text = MISUSE_DETAILS[category.code] if misuse else rng.choice(SYMPTOM_DETAILS.get(category.code, [""]))
    symptom = rng.choice(symptoms) if symptoms and rng.random() < 0.93 else None
    priority = rng.choices(list(Priority), weights=(85, 12, 3))[0]

    call = repair_call_register(
        customer=unit.owner,
        unit=unit,
        caller_name=caller_name,
        caller_phone=caller_phone,
        service_region=entry.region,
        service_address=entry.address,
        symptom=symptom,
        symptom_text=text or ("" if symptom else "客户描述不清，需上门检测"),
        customer_request=CallCustomerRequest.CONSULTATION if kind == "guided" else CallCustomerRequest.REPAIR,
        service_type=ServiceType.FREE if override else None,
        service_type_reason="客户投诉升级，经主任批准免费维修" if override else "",
        priority=priority,
        channel=channel,
        exclusions=("misuse",) if misuse else (),
        component=_faulty_part(spec, category),
        dealer=dealer,
        acting_user=logged_by,
        now=spec.at,
    )
    state = {"order": call.work_orders.get()}
    story = _Story()
    t = spec.at
    if kind == "new":
        return story.play(now)
    if spec.kind == "guided_pending":
        # The hotline guided the customer just now; the callback two hours later is still to come.
        story.add(
            t + _minutes(rng, 5, 30),
            lambda at: work_order_guide_by_phone(
                work_order=state["order"], acting_user=dispatcher, note=GUIDANCE_NOTES[category.code], now=at
            ),
        )
        return story.play(now)

    center = spec.center or world.center_for(entry)
    technician = spec.technician if spec.center is not None else world.technician_for(center, entry)
    worker = technician.user if technician else world.supervisors.get(center.pk, dispatcher)
    supervisor = world.supervisors.get(center.pk)
    t = _in_hours(rng, t + _minutes(rng, 5, 120), center)
    if spec.center is not None:
        t = min(t, spec.appointment[0] - dt.timedelta(hours=3))
        t = max(t, spec.at + dt.timedelta(minutes=5))
    start, end = spec.appointment or _appointment(rng, center, t)
    mode = ServiceMode.CARRY_IN if carry_in else ServiceMode.ON_SITE

    def dispatch(at):
        state["order"] = work_order_dispatch(
            work_order=state["order"],
            center=center,
            technician=technician,
            appointment_start=start,
            appointment_end=end,
            mode=mode,
            acting_user=dispatcher,
            now=at,
            # The demo writes history: nobody is texted a confirmation code for it.
            notify_customer=False,
        )

    t = story.add(t, dispatch)
    if kind == "guided":
        # The centre phones the customer before the visit and the fault is solved by guidance; the
        # hotline's callback then closes the order. (The hotline's own guidance, straight from "new",
        # is the pending case above.)
        t = story.add(
            min(start - dt.timedelta(minutes=10), t + _minutes(rng, 10, 120)),
            lambda at: work_order_guide_by_phone(
                work_order=state["order"], acting_user=worker, note=GUIDANCE_NOTES[category.code], now=at
            ),
        )
        story.add(
            t + _minutes(rng, 120, 26 * 60),
            lambda at: _guidance_called_back(state, dispatcher, at),
            terminal=True,
        )
        return story.play(now)
    if kind == "cancel":
        story.add(
            min(start - dt.timedelta(minutes=10), t + _minutes(rng, 30, 24 * 60)),
            lambda at: _to(state, WorkOrderStatus.CANCELLED, dispatcher, at, rng.choice(CANCEL_NOTES)),
            terminal=True,
        )
        return story.play(now)
    if stall == "dispatched":
        return story.play(now)
    # Accepted, and the customer phoned, half an hour before the window at the latest: time to get there.
    t = story.add(
        min(t + _minutes(rng, 5, 90), start - dt.timedelta(minutes=30)),
        lambda at: _to(state, WorkOrderStatus.ACCEPTED, worker, at),
    )
    # Most technicians phone the customer to confirm soon after accepting (the SLA's first contact); a
    # generator of its own, so the rest of the demo stays as it was.
    contact_rng = random.Random(f"contact:{call.number}")
    if contact_rng.random() < 0.85:
        t = story.add(
            max(t, min(t + _minutes(contact_rng, 5, 150), start - dt.timedelta(minutes=30))),
            lambda at: work_order_contact_record(work_order=state["order"], acting_user=worker, now=at),
        )
    if stall == "accepted":
        return story.play(now)
    paid = call.service_type == ServiceType.PAID
    parts = PARTS.get(category.code) or [("配件", "50.00")]
    part, part_price = rng.choice(parts)
    rates = world.rates.get(category.pk, {})
    loan = {}
    if carry_in:
        t = story.add(
            start + _minutes(rng, 0, 90),
            lambda at: state.update(
                carry_in=carry_in_receive(
                    work_order=state["order"],
                    acting_user=worker,
                    condition_note=rng.choice(CONDITION_NOTES),
                    now=at,
                )
            ),
        )
        if rng.random() < 0.5:
            loan["lent"] = t = story.add(t + _minutes(rng, 3, 10), lambda at: _lend(state, worker, at))
    else:
        gap, ahead, trip, late = (_minutes(rng, *span) for span in ((5, 30), (10, 45), (10, 40), (16, 96)))
        # Technicians plan to ring the bell at the start of the window (a little before, a little after)
        # and set off the longer of two estimates of the trip ahead of it (a few minutes after the call to
        # the customer at the soonest); about one visit in ten is late past the grace time (traffic, the
        # job before took longer). A generator of its own, so the rest of the demo stays as it was.
        arrival_rng = random.Random(f"arrival:{call.number}")
        if arrival_rng.random() < LATE_ARRIVALS:
            target = start + late
        else:
            target = start + dt.timedelta(minutes=arrival_rng.randint(-20, 10))
        t = story.add(
            max(t + gap / 5, target - max(ahead, trip)),
            lambda at: _to(state, WorkOrderStatus.EN_ROUTE, worker, at),
        )
        t = story.add(
            max(t + min(ahead, trip), target),
            lambda at: _to(state, WorkOrderStatus.ON_SITE, worker, at),
        )
    if paid:
        lines = _quote_lines(rates, part, part_price, carry_in=carry_in, major=rng.random() < 0.3)
        t = story.add(
            t + _minutes(rng, 10, 25 if not carry_in else 120), lambda at: _quote(state, lines, worker, at)
        )
        if not carry_in and rng.random() < 0.1:
            # The customer declines the quote: closed as declined, the call-out fee paid.
            story.add(
                t + _minutes(rng, 5, 20),
                lambda at: demo_paid.decline(
                    state, worker, dispatcher, at, signature_png=signature_png, fault_codes=_fault_codes
                ),
                terminal=True,
            )
            return story.play(now)
        method = ConsentMethod.PHONE if carry_in else ConsentMethod.SIGNATURE
        t = story.add(
            t + _minutes(rng, 2, 10 if not carry_in else 180),
            lambda at: _consent(state, caller_name, method, worker, at),
        )
    t = story.add(
        _in_hours(rng, t + _minutes(rng, 5, 30 if not carry_in else 240), center),
        lambda at: _to(state, WorkOrderStatus.IN_REPAIR, worker, at),
    )
    if needs_parts:
        t = story.add(
            t + _minutes(rng, 20, 60),
            lambda at: _to(state, WorkOrderStatus.WAITING_FOR_PARTS, worker, at, f"等待配件：{part}"),
        )
        if not carry_in and category.code == "refrigerator" and rng.random() < 0.7:
            loan["lent"] = t = story.add(t + _minutes(rng, 30, 180), lambda at: _lend(state, worker, at))
        if stall == "parts":
            return _finish_loan(world, story, state, loan, center, category, now)
        # The central warehouse ships the next working day: the part is there in one to four days.
        arrival = timezone.localdate(t) + dt.timedelta(days=rng.randint(1, 4))
        t = story.add(
            _local(arrival, center.opens_at) + _minutes(rng, 30, 6 * 60),
            lambda at: _to(state, WorkOrderStatus.IN_REPAIR, worker, at, f"配件已到：{part}"),
        )
        if paid and rng.random() < 0.3:
            extra = [QuoteLineInput(QuoteLineKind.PART, "追加：密封件", 1, Decimal("30.00"))]
            t = story.add(t + _minutes(rng, 5, 20), lambda at: _quote(state, extra, worker, at, "追加维修"))
            t = story.add(
                t + _minutes(rng, 5, 60),
                lambda at: _consent(state, caller_name, ConsentMethod.PHONE, worker, at),
            )
    if stall == "in_repair":
        return _finish_loan(world, story, state, loan, center, category, now)
    minutes = rng.randint(30, 150)
    if carry_in:
        # The workshop's queue: the repair card is filled in when the repair is done, hours or days later.
        t = story.add(
            _in_hours(rng, t + dt.timedelta(minutes=minutes) + _minutes(rng, 0, 2 * 24 * 60), center),
            lambda at: state.update(
                carry_in=carry_in_record_repair(
                    carry_in=state["carry_in"], minutes=minutes, parts=part, acting_user=worker, now=at
                )
            ),
        )
    t = story.add(
        t + _minutes(rng, 1, 10),
        lambda at: _close(
            state, worker, supervisor, at, minutes=minutes, carry_in=carry_in, part=needs_parts
        ),
    )
    if loan and not carry_in:
        loan["returned"] = t = story.add(
            t + _minutes(rng, 10, 60), lambda at: _return_loaner(state, worker, at)
        )
    if stall == "completed":
        return _finish_loan(world, story, state, loan, center, category, now)
    if carry_in:
        inspector = supervisor or dispatcher
        t = story.add(
            _in_hours(rng, t + _minutes(rng, 10, 240), center),
            lambda at: state.update(
                carry_in=carry_in_inspect(
                    carry_in=state["carry_in"], acting_user=inspector, note="外观及功能检验合格", now=at
                )
            ),
        )
        t = story.add(
            _in_hours(rng, t + _minutes(rng, 60, 3 * 24 * 60), center),
            lambda at: carry_in_return(
                carry_in=state["carry_in"], returned_to=caller_name, acting_user=worker, now=at
            ),
        )
        if loan:
            loan["returned"] = t = story.add(
                t + _minutes(rng, 1, 5), lambda at: _return_loaner(state, worker, at)
            )
        close_at = t + _minutes(rng, 5, 30)
    else:
        close_at = t + _minutes(rng, 4 * 60, 3 * 24 * 60)
    story.add(
        close_at,
        lambda at: _to(state, WorkOrderStatus.CLOSED, dispatcher, at, rng.choice(CLOSE_NOTES)),
        terminal=True,
    )
    return _finish_loan(world, story, state, loan, center, category, now)
