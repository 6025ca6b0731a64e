"""The read behind the customer's order page (/my/orders/<id>/): where the order is — received, a technician
assigned (the centre, the technician as customers are told of him, the appointment window), on the way, done —
with the time of each step from the order's trail; its special states in plain words; the 三包 decision in force
with its reasons; and what the customer may do on it now.

A fixed handful of queries whatever the order's history: the order with everything it shows (one joined row),
its trail, the decision taken again at the unit, and (when its appointment can move) the visits where nobody
was at home."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from repairs.choices import RESCHEDULABLE, ServiceMode, WorkOrderStatus
from repairs.closing import _is_mobile
from repairs.field import NOT_HOME_VISITS_BEFORE_SUPERVISOR, supervisor_decides
from repairs.models import WorkOrder
from warranty.choices import Remedy

from .access import orders_of
from .models import PortalAccount
from .visits import AT_WORK, DONE, RATABLE, Day, call_us, reschedule_windows

S = WorkOrderStatus
# Chinese compound surnames: the technician is named to the customer by surname (王师傅), as on the phone.
COMPOUND_SURNAMES = frozenset(
    [
        "欧阳",
        "司马",
        "上官",
        "诸葛",
        "东方",
        "皇甫",
        "尉迟",
        "公孙",
        "慕容",
        "令狐",
        "司徒",
        "夏侯",
        "轩辕",
        "端木",
        "独孤",
        "南宫",
        "长孙",
        "宇文",
        "申屠",
        "钟离",
    ]
)
REACHED_STEP = {
    S.NEW: 0,
    S.DISPATCHED: 1,
    S.ACCEPTED: 1,
    S.TO_RESCHEDULE: 1,
    S.EN_ROUTE: 2,
    S.ON_SITE: 2,
    S.IN_REPAIR: 2,
    S.WAITING_FOR_PARTS: 2,
    S.COMPLETED: 3,
    S.CLOSED: 3,
}


@dataclass
class Step:
    key: str
    label: str
    state: str = "todo"  # done, current, todo; or stop (cancelled)
    at: dt.datetime | None = None
    lines: list[str] = field(default_factory=list)


@dataclass
class DecisionShown:
    verdict: str
    label: str
    reasons: list[str]
    on_site: bool  # taken again at the unit after intake


@dataclass
class OrderProgress:
    order: WorkOrder
    steps: list[Step]
    headline: str
    tone: str  # "", ok, warn, bad
    notice: str
    technician: str
    window: str
    decision: DecisionShown | None
    can_cancel: bool = False
    can_reschedule: bool = False
    reschedule_blocked: str = ""
    windows: list[Day] = field(default_factory=list)
    can_resend_code: bool = False
    can_confirm: bool = False
    can_rate: bool = False
    confirmation: object = None  # portal.models_visits.VisitConfirmation
    rating: object = None  # portal.models_visits.VisitRating


def technician_shown(technician) -> str:
    """The technician as the customer is told of him: by surname, as a master (王师傅)."""
    if technician is None:
        return ""
    name = technician.name.strip()
    surname = name[:2] if name[:2] in COMPOUND_SURNAMES else name[:1]
    return _("Master %(surname)s") % {"surname": surname} if surname else ""


def day_shown(instant: dt.datetime) -> str:
    local = timezone.localtime(instant)
    return f"{date_format(local, 'MONTH_DAY_FORMAT')} {date_format(local, 'l')}"


def window_shown(start: dt.datetime | None, end: dt.datetime | None) -> str:
    if start is None or end is None:
        return ""
    return f"{day_shown(start)} {timezone.localtime(start):%H:%M}–{timezone.localtime(end):%H:%M}"


def order_progress(*, account: PortalAccount, pk: int, now: dt.datetime | None = None) -> OrderProgress:
    """The page's read; WorkOrder.DoesNotExist for an order outside the account's customers."""
    now = now or timezone.now()
    order = (
        orders_of(account)
        .select_related(
            "call__unit__model__category",
            "call__warranty_decision",
            "center",
            "technician",
            "portal_confirmation",
            "portal_rating",
        )
        .get(pk=pk)
    )
    trail = list(order.events.values_list("from_status", "to_status", "at").order_by("at", "pk"))
    firsts: dict[str, dt.datetime] = {}
    lasts: dict[str, dt.datetime] = {}
    for before, after, at in trail:
        if before != after:
            firsts.setdefault(after, at)
            lasts[after] = at
    technician = technician_shown(order.technician)
    window = window_shown(order.appointment_start, order.appointment_end)
    headline, tone, notice = _state(order, lasts)
    page = OrderProgress(
        order=order,
        steps=_steps(order, firsts, lasts, technician, window),
        headline=headline,
        tone=tone,
        notice=notice,
        technician=technician,
        window=window,
        decision=_decision(order),
    )
    _actions(page, order, now)
    return page


def _steps(order, firsts, lasts, technician: str, window: str) -> list[Step]:
    status = order.status
    received = Step("received", _("Request received"), "done", order.created_at)
    dispatched = Step(
        "dispatched", _("Technician assigned"), at=firsts.get(S.DISPATCHED) or order.dispatched_at
    )
    if order.center_id:
        dispatched.lines.append(order.center.name)
    if technician:
        dispatched.lines.append(technician)
    if window and status not in (S.CANCELLED, S.PHONE_GUIDED):
        dispatched.lines.append(_("Appointment: %(window)s") % {"window": window})
    at_work = status in (S.ON_SITE, S.IN_REPAIR, S.WAITING_FOR_PARTS)
    if order.mode == ServiceMode.CARRY_IN:
        on_way = Step("on_way", _("Repair at the service centre"), at=lasts.get(S.IN_REPAIR))
    elif at_work and S.ON_SITE in lasts:
        on_way = Step("on_way", _("Technician at your home"), at=lasts[S.ON_SITE])
    else:
        on_way = Step("on_way", _("Technician on the way"), at=lasts.get(S.EN_ROUTE))
    done = Step("done", _("Service completed"), at=firsts.get(S.COMPLETED) or order.completed_at)
    steps = [received, dispatched, on_way, done]
    if status in REACHED_STEP:
        # The steps reached are done, the last of them the current one (until the work is done), the rest
        # to come. Times of steps not reached (an earlier visit's, before a new appointment) are not shown.
        reached = REACHED_STEP[status]
        for index, step in enumerate(steps):
            if index < reached or (index == reached and status in DONE):
                step.state = "done"
            elif index == reached:
                step.state = "current"
            else:
                step.at = None
        return steps
    # Guided by phone or cancelled: the steps taken, then how it ended.
    taken = [received] + ([dispatched] if S.DISPATCHED in firsts else [])
    if S.EN_ROUTE in firsts:
        taken.append(on_way)
    for step in taken:
        step.state = "done"
    if status == S.PHONE_GUIDED:
        end = Step(
            "guided", _("Solved by phone guidance"), "done", lasts.get(S.PHONE_GUIDED) or order.guided_at
        )
    else:
        end = Step("cancelled", _("Cancelled"), "stop", lasts.get(S.CANCELLED) or order.cancelled_at)
    return [*taken, end]


def _state(order, lasts) -> tuple[str, str, str]:
    """The headline, its tone and, for the special states, what it means for the customer."""
    status = order.status
    if status == S.NEW:
        return _("Received: a technician is being assigned"), "", ""
    if status == S.DISPATCHED:
        return _("A technician is assigned"), "", _("The technician will call you to confirm the time.")
    if status == S.ACCEPTED:
        return _("The technician confirmed your appointment"), "", ""
    if status == S.EN_ROUTE:
        return _("The technician is on the way"), "", ""
    if status == S.ON_SITE:
        return _("The technician has arrived"), "", ""
    if status == S.IN_REPAIR:
        return _("Being repaired"), "", ""
    if status == S.WAITING_FOR_PARTS:
        return (
            _("Waiting for a spare part"),
            "warn",
            _("The repair goes on once the part arrives: the technician will call you to agree a time."),
        )
    if status in DONE:
        return _("Service done"), "ok", ""
    if status == S.PHONE_GUIDED:
        return (
            _("Solved by phone guidance"),
            "ok",
            _("A technician guided you by phone, no visit was needed. If the fault comes back:")
            + " "
            + call_us(),
        )
    if status == S.TO_RESCHEDULE:
        when = lasts.get(S.TO_RESCHEDULE)
        text = (
            _("The technician came on %(when)s and found nobody at home. Choose a new time below.")
            % {"when": f"{day_shown(when)} {timezone.localtime(when):%H:%M}"}
            if when
            else _("The technician found nobody at home. Choose a new time below.")
        )
        return _("To be rescheduled: nobody was at home"), "warn", text
    return (
        _("Cancelled"),
        "bad",
        _("This order is cancelled. If you still need the service, report the fault again.")
        + " "
        + call_us(),
    )


def _decision(order) -> DecisionShown | None:
    """The 三包 decision in force: the one taken again at the unit (another faulty part, an exclusion found on
    site), else the intake's — its verdict and the reasons the 三包 rules gave, in the reader's language."""
    change = (
        order.decision_changes.filter(decision__isnull=False)
        .select_related("decision")
        .order_by("-at", "-pk")
        .first()
    )
    decision = change.decision if change else order.call.warranty_decision
    if decision is None:
        return None
    key = "en" if (get_language() or "").startswith("en") else "zh"
    reasons = [r.get(key, "") for r in decision.result.get("reasons", ())]
    return DecisionShown(
        verdict=decision.verdict,
        label=str(Remedy(decision.verdict).label),
        reasons=[r for r in reasons if r],
        on_site=change is not None,
    )


def _actions(page: OrderProgress, order, now: dt.datetime) -> None:
    status = order.status
    page.can_cancel = status == S.NEW
    if status in RESCHEDULABLE and order.center_id:
        visits = order.not_home_visits.count()
        if supervisor_decides(order, not_home_visits=visits):
            page.reschedule_blocked = (
                (
                    _("Nobody was at home on %(n)s visits: the service centre decides on another visit.")
                    % {"n": visits}
                    if visits >= NOT_HOME_VISITS_BEFORE_SUPERVISOR
                    else _(
                        "The appointment was moved %(n)s times already: the service centre decides on another move."
                    )
                    % {"n": order.reschedule_count}
                )
                + " "
                + call_us()
            )
        else:
            page.can_reschedule = True
            page.windows = reschedule_windows(order.center, now=now)
    page.can_resend_code = status in AT_WORK and _is_mobile(order.call.caller_phone)
    page.confirmation = _related(order, "portal_confirmation")
    page.rating = _related(order, "portal_rating")
    page.can_confirm = status in DONE and page.confirmation is None
    page.can_rate = status in RATABLE and page.rating is None


def _related(order, name: str):
    """A reverse one-to-one read with the order (select_related): the row, or None."""
    try:
        return getattr(order, name)
    except WorkOrder._meta.get_field(name).related_model.DoesNotExist:
        return None
