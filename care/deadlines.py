"""SLA deadlines: computed when a work order or complaint is created or changes, stored on indexed columns,
never recomputed by a scan.

`work_order_deadlines_sync` is called by repairs.services each time a work order's event trail grows
(dispatch, every transition, carry-in in and out, first contact), inside that transaction and under the
work order's row lock. It derives each stage's state from the order itself — the stamps of its statuses —
so calling it twice changes nothing, and a stage met long ago stays met at the instant it was met.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from network.models import Region
from repairs.choices import ServiceMode, WorkOrderStatus

from .calendar import WorkingHours, add_working_time, subtract_working_time, working_seconds_between
from .choices import Clock, Stage, StopReason
from .defaults import defaults_sync
from .models import Deadline, SlaPolicy, WorkCalendar

# The stages whose clock stops in the policy's pause statuses. The appointment (an agreed instant) and the
# statutory 30 days of a carry-in repair run on.
PAUSABLE = {Stage.ACCEPT, Stage.FIRST_CONTACT, Stage.COMPLETION}


def policy_for(call) -> SlaPolicy:
    """The most specific active policy for a call: a district's before its city's before its province's
    before one for everywhere; then one for the call's priority; then one for its service type."""
    region_ids, node = [], Region.objects.filter(pk=call.service_region_id).values("pk", "parent_id").first()
    while node:
        region_ids.append(node["pk"])
        node = (
            Region.objects.filter(pk=node["parent_id"]).values("pk", "parent_id").first()
            if node["parent_id"]
            else None
        )
    candidates = SlaPolicy.objects.filter(
        Q(active=True),
        Q(service_type="") | Q(service_type=call.service_type),
        Q(priority="") | Q(priority=call.priority),
        Q(region__isnull=True) | Q(region_id__in=region_ids),
    )

    def specificity(policy: SlaPolicy):
        depth = len(region_ids) - region_ids.index(policy.region_id) if policy.region_id else 0
        return (depth, bool(policy.priority), bool(policy.service_type), -policy.pk)

    best = max(candidates, key=specificity, default=None)
    if best is None:  # every general policy was switched off or deleted: the defaults apply again
        defaults_sync(WorkCalendar, SlaPolicy)
        return policy_for(call)
    return best


def hours_for(center_id: int | None) -> WorkingHours:
    """The centre's working calendar, or the default one (the calendar without a centre)."""
    calendars = list(WorkCalendar.objects.filter(Q(center_id=center_id) | Q(center__isnull=True)))
    own = [c for c in calendars if c.center_id is not None]
    chosen = own[0] if own else (calendars[0] if calendars else None)
    return chosen.hours() if chosen else WorkingHours()


def _due(start: dt.datetime, minutes: int, hours: WorkingHours | None) -> dt.datetime:
    return add_working_time(start, minutes * 60, hours)


def _warn_at(due: dt.datetime, policy: SlaPolicy, hours: WorkingHours | None) -> dt.datetime:
    """When the first level is warned: the policy's minutes before the deadline, in the same time the
    deadline is counted in (a deadline at 9:00 on Monday warns on Friday before closing, not on Sunday)."""
    return subtract_working_time(due, policy.warn_before_minutes * 60, hours)


def _first(*instants):
    present = [i for i in instants if i is not None]
    return min(present) if present else None


def _wanted(order, policy: SlaPolicy, hours: WorkingHours | None, existing: set[str]) -> dict[str, dict]:
    """What each stage of this order should be: when its clock started, when it is due, on which clock
    (`hours`: the centre's working hours, None around the clock), and when (if at all) it was met or
    stopped applying. Stages the order has not reached are left out."""

    start = order.dispatched_at
    if start is None:
        return {}
    carry_in = getattr(order, "carry_in", None)
    received = carry_in.received_at if carry_in else None
    off = order.cancelled_at if order.status == WorkOrderStatus.CANCELLED else None
    stages: dict[str, dict] = {}

    def clock(stage) -> WorkingHours | None:
        """The stage's clock: the policy says which (working hours or around the clock) for the stages
        counted in minutes; the visit and the carry-in's days run in calendar time."""
        return hours if policy.clock_for(stage) == Clock.WORKING else None

    def put(stage, due, met, *, started=start, cancelled=None):
        stages[stage] = {
            "started_at": started,
            "due_at": due,
            "met": met,
            "cancelled": None if met else _first(cancelled, off),
            "hours": clock(stage),
        }

    later = (
        order.en_route_at,
        order.arrived_at,
        order.repair_started_at,
        order.completed_at,
        order.guided_at,
    )
    put(
        Stage.ACCEPT,
        _due(start, policy.accept_minutes, clock(Stage.ACCEPT)),
        _first(order.accepted_at, *later),
    )
    put(
        Stage.FIRST_CONTACT,
        _due(start, policy.first_contact_minutes, clock(Stage.FIRST_CONTACT)),
        _first(order.first_contact_at, *later, received),
    )
    if order.appointment_start and (
        order.mode == ServiceMode.ON_SITE or order.arrived_at or Stage.ON_SITE in existing
    ):
        # Guided by phone, or taken in, before anyone went: no visit is owed any more. An on-site repair
        # started (or finished) without "arrived" being tapped had the technician there by then.
        no_visit = _first(order.guided_at, received if order.mode == ServiceMode.CARRY_IN else None)
        on_site = order.mode == ServiceMode.ON_SITE
        # A move on the service side keeps the centre answering for the earlier appointment
        # (accountable_start); one the customer asked for lets the promise follow the new window.
        put(
            Stage.ON_SITE,
            (order.accountable_start or order.appointment_start)
            + dt.timedelta(minutes=policy.on_site_grace_minutes),
            _first(
                order.arrived_at,
                order.repair_started_at if on_site else None,
                order.completed_at if on_site else None,
            ),
            cancelled=no_visit,
        )
    # The time the customer's own moves of the appointment added waits on the completion clock too.
    put(
        Stage.COMPLETION,
        _due(start, policy.completion_minutes, clock(Stage.COMPLETION))
        + dt.timedelta(seconds=order.customer_wait_seconds or 0),
        _first(order.completed_at, order.guided_at),
    )
    if carry_in is not None:
        put(
            Stage.CARRY_IN_30,
            received + dt.timedelta(days=policy.carry_in_days),
            _first(order.completed_at, carry_in.returned_at),
            started=received,
        )
    return stages


# The columns work_order_deadlines_sync keeps in line with the order.
_KEPT = (
    "center_id",
    "technician_id",
    "due_at",
    "warn_at",
    "warned_at",
    "breached_at",
    "paused_at",
    "remaining_seconds",
    "stopped_at",
    "stop_reason",
    "next_escalation_at",
)


def _kept(row: Deadline) -> tuple:
    return tuple(getattr(row, name) for name in _KEPT)


def work_order_deadlines_sync(*, order, now: dt.datetime) -> None:
    """Brings the order's deadlines in line with the order. Runs under the caller's lock on the order."""

    existing = {d.stage: d for d in Deadline.objects.filter(work_order=order).select_related("policy")}
    if not existing and order.dispatched_at is None:
        return
    loaded = {row.pk: _kept(row) for row in existing.values()}
    policy = next(iter(existing.values())).policy if existing else policy_for(order.call)
    # The centre's calendar, when a stage to come or one stored runs on working hours.
    working = Clock.WORKING in {policy.accept_clock, policy.first_contact_clock, policy.completion_clock}
    hours = hours_for(order.center_id) if working or any(d.working_time for d in existing.values()) else None
    wanted = _wanted(order, policy, hours, set(existing))
    paused = order.status in set(policy.pause_statuses)
    creates, updates = [], []
    for stage, want in wanted.items():
        row = existing.get(stage)
        if row is None:
            row = Deadline(
                stage=stage,
                work_order=order,
                policy=policy,
                center_id=order.center_id,
                technician_id=order.technician_id,
                started_at=want["started_at"],
                due_at=want["due_at"],
                warn_at=_warn_at(want["due_at"], policy, want["hours"]),
                working_time=want["hours"] is not None,
            )
            creates.append(row)
        elif row.stopped_at is not None:
            continue
        else:
            updates.append(row)
            row.center_id, row.technician_id = order.center_id, order.technician_id
            if stage == Stage.ON_SITE and row.due_at != want["due_at"]:
                row.due_at = want["due_at"]  # the appointment was moved
                row.warn_at = _warn_at(row.due_at, policy, None)
                if row.breached_at is None:
                    row.warned_at = None  # warn again before the new time
            elif stage == Stage.COMPLETION and row.paused_at is None and row.due_at < want["due_at"]:
                # The customer moved the appointment: the deadline waits as long. Only ever later, so that
                # the time a pause added (its due instant set when the clock went on) is never taken back.
                row.due_at = want["due_at"]
                row.warn_at = _warn_at(row.due_at, policy, hours if row.working_time else None)
                if row.breached_at is None:
                    row.warned_at = None
        if want.get("met") is not None:
            row.stopped_at, row.stop_reason = want["met"], StopReason.MET
        elif want.get("cancelled") is not None:
            row.stopped_at, row.stop_reason = want["cancelled"], StopReason.CANCELLED
        if row.stopped_at is not None:
            row.paused_at = row.remaining_seconds = row.next_escalation_at = None
            continue
        row_hours = hours if row.working_time else None
        if paused and stage in PAUSABLE and row.paused_at is None and row.breached_at is None:
            row.paused_at = now
            row.remaining_seconds = max(working_seconds_between(now, row.due_at, row_hours), 0)
        elif not paused and row.paused_at is not None:
            row.due_at = add_working_time(now, row.remaining_seconds or 0, row_hours)
            row.warn_at = _warn_at(row.due_at, policy, row_hours)
            row.paused_at = row.remaining_seconds = None
    if order.status == WorkOrderStatus.CANCELLED:
        for stage, row in existing.items():
            if row.stopped_at is None and stage not in wanted:
                row.stopped_at, row.stop_reason = order.cancelled_at or now, StopReason.CANCELLED
                row.next_escalation_at = None
                updates.append(row)
    if creates:
        Deadline.objects.bulk_create(creates)
    # Only the rows and columns this event changed are written (most events move one stage, if any): the
    # same rows as writing them all, without a CASE per column and row for every event.
    updates = [row for row in updates if _kept(row) != loaded[row.pk]]
    if updates:
        Deadline.objects.bulk_update(
            updates,
            [
                name
                for i, name in enumerate(_KEPT)
                if any(_kept(row)[i] != loaded[row.pk][i] for row in updates)
            ],
        )


def complaint_deadlines_create(*, complaint, policy: SlaPolicy) -> None:
    """The complaint's two promises, in calendar time: a reply within 24 hours, a resolution within 30 days."""
    for stage, due in (
        (Stage.COMPLAINT_REPLY, complaint.reply_due_at),
        (Stage.COMPLAINT_RESOLVE, complaint.resolve_due_at),
    ):
        Deadline.objects.create(
            stage=stage,
            complaint=complaint,
            policy=policy,
            center_id=complaint.center_id,
            technician_id=complaint.technician_id,
            started_at=complaint.received_at,
            due_at=due,
            warn_at=_warn_at(due, policy, None),
            working_time=False,
        )


def complaint_deadline_stop(*, complaint, stage: str, at: dt.datetime) -> None:
    Deadline.objects.filter(complaint=complaint, stage=stage, stopped_at__isnull=True).update(
        stopped_at=at, stop_reason=StopReason.MET, paused_at=None, next_escalation_at=None
    )


def remedy_request_changed(*, request, previous: str, now: dt.datetime) -> None:
    """A remedy request waiting for the manager is a deadline on the SLA board (due at its approval date, in
    calendar time); approved or rejected, it is met; cancelled, it no longer applies."""
    if request.status == "awaiting_approval" and request.approval_due_at is not None:
        policy = SlaPolicy.objects.filter(active=True).order_by("pk").first()
        if policy is None:
            return
        Deadline.objects.get_or_create(
            remedy_request=request,
            stage=Stage.REMEDY_APPROVAL,
            defaults={
                "policy": policy,
                "center_id": request.charged_center_id,
                "started_at": request.opened_at,
                "due_at": request.approval_due_at,
                "warn_at": _warn_at(request.approval_due_at, policy, None),
                "working_time": False,
            },
        )
    elif previous == "awaiting_approval":
        reason = StopReason.CANCELLED if request.status == "cancelled" else StopReason.MET
        Deadline.objects.filter(
            remedy_request=request, stage=Stage.REMEDY_APPROVAL, stopped_at__isnull=True
        ).update(stopped_at=now, stop_reason=reason, paused_at=None, next_escalation_at=None)


def inspection_deadline_sync(*, order, due_on: dt.date, now: dt.datetime) -> None:
    """A periodic inspection's one promise: made by the end of its due day (calendar time). Its order's other
    stages do not apply — the visit is booked days ahead on purpose. Met when the order completes; no longer
    applicable when it is cancelled."""
    due = _end_of(due_on)
    row = Deadline.objects.filter(work_order=order, stage=Stage.INSPECTION).first()
    if row is None:
        policy = SlaPolicy.objects.filter(active=True).order_by("pk").first()
        if policy is None:
            return
        row = Deadline(
            stage=Stage.INSPECTION,
            work_order=order,
            policy=policy,
            started_at=order.created_at,
            due_at=due,
            warn_at=_warn_at(due, policy, None),
            working_time=False,
        )
    elif row.stopped_at is not None:
        return
    row.center_id, row.technician_id = order.center_id, order.technician_id
    if order.completed_at is not None:
        row.stopped_at, row.stop_reason = order.completed_at, StopReason.MET
    elif order.status == WorkOrderStatus.CANCELLED:
        row.stopped_at, row.stop_reason = order.cancelled_at or now, StopReason.CANCELLED
    if row.stopped_at is not None:
        row.paused_at = row.remaining_seconds = row.next_escalation_at = None
    row.save()


def _end_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def inspection_orders_planned(*, visits, now: dt.datetime) -> None:
    """Listens to INSPECTION_ORDERS_PLANNED: the batch's inspection deadlines in one insert."""
    policy = SlaPolicy.objects.filter(active=True).order_by("pk").first()
    if policy is None or not visits:
        return
    Deadline.objects.bulk_create(
        [
            Deadline(
                stage=Stage.INSPECTION,
                work_order=order,
                policy=policy,
                center_id=order.center_id,
                technician_id=order.technician_id,
                started_at=order.created_at,
                due_at=_end_of(due_on),
                warn_at=_warn_at(_end_of(due_on), policy, None),
                working_time=False,
            )
            for order, due_on in visits
        ],
        ignore_conflicts=True,
    )
