"""The customer's actions on their own work order, over the services of the apps below: move the appointment
(改约, the customer's own request), cancel before dispatch, ask for the confirmation code again, confirm the
service done, rate the visit.

Each takes the signed-in account and an order read through portal.access.orders_of (the view answers 404 for
any other), opens a transaction, locks the order and checks again under the lock what the page offered, then
calls the lower app's service, which checks its own guards under its own lock. Refusals are ValidationErrors
with a code and a message the customer reads (Chinese through the catalogue); nothing changes on a refusal."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from care.choices import CallbackOutcome, CallbackReason, CallbackStatus, ComplaintCategory
from care.models import Callback
from care.services import ComplaintInput, callback_record_attempt, complaint_register
from repairs.choices import RescheduleReason, WorkOrderStatus
from repairs.closing import confirmation_code_resend_request, work_order_customer_confirm
from repairs.field import work_order_reschedule
from repairs.models import Reschedule, WorkOrder
from repairs.services import work_order_note, work_order_transition

from .access import account_of, orders_of
from .models import PortalAccount
from .models_visits import COMMENT_MAX, VisitConfirmation, VisitRating

S = WorkOrderStatus
# The technician is at the product: the code he will ask for can be sent again.
AT_WORK = frozenset({S.ON_SITE, S.IN_REPAIR})
DONE = frozenset({S.COMPLETED, S.CLOSED})
# A visit is rated once its work is done, or after guidance by phone (its callback asks the same).
RATABLE = DONE | {S.PHONE_GUIDED}
# The callbacks a rating answers: after the repair, after phone guidance (not a complaint's own callback).
RATED_CALLBACKS = (CallbackReason.WORK_ORDER_CLOSED, CallbackReason.PHONE_GUIDANCE)
del S

# Appointment windows offered: two hours each, on the hour, inside the centre's service hours, at least an
# hour ahead (as the dispatcher's form starts), over the coming week.
WINDOW_HOURS = 2
WINDOW_DAYS = 7
LEAD = dt.timedelta(hours=1)

CANCEL_REASONS = (
    ("not_needed", gettext_lazy("I no longer need the service")),
    ("fixed", gettext_lazy("It works again")),
    ("duplicate", gettext_lazy("I reported it twice")),
    ("other", gettext_lazy("Another reason")),
)
CANCEL_NOTE_MAX = 200


def call_us() -> str:
    """Where only the office can act. The project keeps no hotline number setting: the customer is told to
    call the service hotline (the number on their warranty card and in every text they received)."""
    return _("Please call the service hotline.")


def acts_as_customer(*, user, order) -> bool:
    """aftersales.extensions.WORK_ORDER_CUSTOMER: the user signed in with the number of one of the customers
    the order's call is registered to."""
    account = account_of(user)
    return account is not None and orders_of(account).filter(pk=order.pk).exists()


def _lock(order: WorkOrder) -> WorkOrder:
    return WorkOrder.objects.select_for_update(of=("self",)).select_related("call").get(pk=order.pk)


def _refuse(message: str, code: str) -> ValidationError:
    return ValidationError(message, code=code)


# Appointment windows ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    start: dt.datetime
    end: dt.datetime

    @property
    def slot(self) -> str:
        return f"{timezone.localtime(self.start):%H:%M}"

    @property
    def label(self) -> str:
        return f"{timezone.localtime(self.start):%H:%M}–{timezone.localtime(self.end):%H:%M}"


@dataclass(frozen=True)
class Day:
    day: dt.date
    label: str
    windows: tuple[Window, ...]


def _slot_starts(center) -> list[dt.time]:
    """The windows' start times in the centre's service hours: from the first full hour it is open."""
    opens = center.opens_at
    hour = opens.hour + (1 if (opens.minute or opens.second) else 0)
    starts = []
    while hour + WINDOW_HOURS < 24 and dt.time(hour + WINDOW_HOURS) <= center.closes_at:
        starts.append(dt.time(hour))
        hour += WINDOW_HOURS
    return starts


def reschedule_windows(center, *, now: dt.datetime) -> list[Day]:
    """The windows the customer may move to: the days of the coming week that still have one."""
    today = timezone.localdate(now)
    starts = _slot_starts(center)
    days = []
    for offset in range(WINDOW_DAYS):
        day = today + dt.timedelta(days=offset)
        windows = []
        for start in starts:
            begin = timezone.make_aware(dt.datetime.combine(day, start))
            if begin >= now + LEAD:
                windows.append(Window(begin, begin + dt.timedelta(hours=WINDOW_HOURS)))
        if windows:
            days.append(Day(day, _day_label(day, today), tuple(windows)))
    return days


def _day_label(day: dt.date, today: dt.date) -> str:
    label = f"{date_format(day, 'MONTH_DAY_FORMAT')} {date_format(day, 'l')}"
    if day == today:
        return _("Today, %(day)s") % {"day": label}
    if day == today + dt.timedelta(days=1):
        return _("Tomorrow, %(day)s") % {"day": label}
    return label


# Move, cancel --------------------------------------------------------------------------------------------


def visit_reschedule(
    *,
    account: PortalAccount,
    work_order: WorkOrder,
    start: dt.datetime,
    end: dt.datetime,
    seen_reschedules: int | None,
    now: dt.datetime | None = None,
) -> Reschedule:
    """改约 at the customer's request (repairs.field.work_order_reschedule, reason "customer's request"): the
    SLA follows the new window; the third move of one order needs the centre's supervisor, so the customer is
    told to call."""
    now = now or timezone.now()
    try:
        return work_order_reschedule(
            work_order=work_order,
            appointment_start=start,
            appointment_end=end,
            reason=RescheduleReason.CUSTOMER,
            acting_user=account.user,
            seen_reschedules=seen_reschedules,
            now=now,
        )
    except ValidationError as exc:
        raise _reschedule_refusal(exc, work_order) from None


def _reschedule_refusal(exc: ValidationError, order: WorkOrder) -> ValidationError:
    """The service's refusals, said to the customer: where only the office can act, with the hotline."""
    codes = {error.code for errors in getattr(exc, "error_dict", {}).values() for error in errors}
    if "supervisor_required" in codes:
        return _refuse(
            _("The appointment cannot be moved again here: the service centre decides.") + " " + call_us(),
            "supervisor_required",
        )
    if "not_reschedulable" in codes or "not_allowed" in codes:
        return _refuse(
            _("The appointment can no longer be moved here.") + " " + call_us(), "not_reschedulable"
        )
    if "already_rescheduled" in codes:
        return _refuse(
            _("The appointment changed meanwhile: look at the new time before moving it again."),
            "already_rescheduled",
        )
    return _refuse(" ".join(exc.messages), "invalid_window")


def visit_cancel(
    *,
    account: PortalAccount,
    work_order: WorkOrder,
    reason: str,
    note: str = "",
    now: dt.datetime | None = None,
) -> WorkOrder:
    """Cancels the order while it waits to be dispatched (new); once dispatched, only the office cancels."""
    now = now or timezone.now()
    labels = dict(CANCEL_REASONS)
    if reason not in labels:
        raise _refuse(_("Choose why you cancel."), "reason_missing")
    note = (note or "").strip()
    if len(note) > CANCEL_NOTE_MAX:
        raise _refuse(_("At most %(n)s characters.") % {"n": CANCEL_NOTE_MAX}, "note_too_long")
    with transaction.atomic():
        order = _lock(work_order)
        if order.status != WorkOrderStatus.NEW:
            raise _refuse(
                _("A technician is already assigned: the order can no longer be cancelled here.")
                + " "
                + call_us(),
                "already_dispatched",
            )
        words = _("Cancelled by the customer on their own pages: %(reason)s") % {"reason": labels[reason]}
        if note:
            words += f" · {note}"
        return work_order_transition(
            work_order=order,
            to_status=WorkOrderStatus.CANCELLED,
            acting_user=account.user,
            note=words[:500],
            now=now,
        )


# The confirmation code, the confirmation ----------------------------------------------------------------


def visit_code_resend(
    *, account: PortalAccount, work_order: WorkOrder, now: dt.datetime | None = None
) -> str:
    """Sends the confirmation code again to the mobile given with the call, while the technician is at the
    product (the tablet's resend and its hourly limit). Returns the number it goes to, masked."""
    now = now or timezone.now()
    with transaction.atomic():
        order = _lock(work_order)
        if order.status not in AT_WORK:
            raise _refuse(_("The code is sent again only while the technician is with you."), "not_at_work")
        try:
            sent = confirmation_code_resend_request(work_order=order, acting_user=account.user, now=now)
        except ValidationError as exc:
            codes = {e.code for errors in exc.error_dict.values() for e in errors}
            if "resend_limit" in codes:
                raise _refuse(
                    _("A new code was sent several times in the last hour: please wait a little."),
                    "resend_limit",
                ) from None
            raise _refuse(
                _("No new code can be sent for this order: sign on the technician's tablet instead."),
                "confirmation_locked",
            ) from None
        if not sent:
            raise _refuse(
                _("The call has no mobile number to send the code to.") + " " + call_us(), "no_mobile"
            )
        phone = order.call.caller_phone
    return f"{phone[:3]}****{phone[-4:]}"


def visit_confirm(
    *, account: PortalAccount, work_order: WorkOrder, now: dt.datetime | None = None
) -> tuple[VisitConfirmation, bool]:
    """确认服务已完成: once the work is done, recorded here and in the order's trail; where the closing lacks
    the customer's proof (no signature, no code, not yet cleared), this confirmation is that proof
    (repairs.closing.work_order_customer_confirm). Returns (confirmation, created): a second confirmation
    changes nothing and returns the first."""
    now = now or timezone.now()
    with transaction.atomic():
        order = _lock(work_order)
        existing = VisitConfirmation.objects.filter(work_order=order).select_related("by").first()
        if existing is not None:
            return existing, False
        if order.status not in DONE:
            raise _refuse(_("The service is confirmed once the technician has finished."), "not_done")
        cleared = work_order_customer_confirm(work_order=order, acting_user=account.user, now=now)
        row = VisitConfirmation.objects.create(
            work_order=order, by=account.user, at=now, proof_for_closing=cleared is not None
        )
    return row, True


# The rating --------------------------------------------------------------------------------------------


def visit_rate(
    *,
    account: PortalAccount,
    work_order: WorkOrder,
    stars: int | None,
    solved: bool | None,
    comment: str = "",
    now: dt.datetime | None = None,
) -> VisitRating:
    """The customer's rating, once per order, after the work (or the guidance by phone).

    While the order's callback is still to be made (care: pending, after the repair or the guidance), the
    rating is its answer: the callback is recorded as reached with the score, solved or not and the comment,
    by the customer, and waits for the office's review like any reached callback (a "not solved" one cannot be
    closed there: it is sent back to be redone). After that window a low rating (≤ 2 stars, or not solved) is
    registered as a complaint about the repair (care: its reply and resolution deadlines run), so that a
    person looks into it. Every rating is written in the order's trail."""
    now = now or timezone.now()
    comment = (comment or "").strip()
    errors = {}
    if stars is None or not 1 <= stars <= 5:
        errors["stars"] = [_("Choose from 1 to 5 stars.")]
    if solved is None:
        errors["solved"] = [_("Say whether the problem is solved.")]
    if len(comment) > COMMENT_MAX:
        errors["comment"] = [_("At most %(n)s characters.") % {"n": COMMENT_MAX}]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        order = _lock(work_order)
        if order.status not in RATABLE:
            raise _refuse(_("The visit is rated once the service is done."), "not_done")
        if VisitRating.objects.filter(work_order=order).exists():
            raise _refuse(_("You have rated this service already: thank you."), "already_rated")
        rating = VisitRating(
            work_order=order, by=account.user, at=now, stars=stars, solved=solved, comment=comment
        )
        callback = (
            Callback.objects.select_for_update(of=("self",))
            .filter(
                work_order=order,
                reason__in=RATED_CALLBACKS,
                complaint__isnull=True,
                status=CallbackStatus.PENDING,
            )
            .order_by("due_at", "pk")
            .first()
        )
        if callback is not None:
            rating.callback = callback_record_attempt(
                callback=callback,
                outcome=CallbackOutcome.REACHED,
                satisfaction=stars,
                solved=solved,
                words=comment,
                acting_user=account.user,
                now=now,
            )
        elif rating.low:
            rating.complaint = complaint_register(
                data=ComplaintInput(
                    call=order.call,
                    category=ComplaintCategory.OTHER if solved else ComplaintCategory.QUALITY,
                    description=_complaint_words(rating),
                    work_order=order,
                ),
                acting_user=account.user,
                now=now,
            )
        rating.save()
        work_order_note(work_order=order, acting_user=account.user, note=_trail_words(rating), now=now)
    return rating


def _solved_words(solved: bool) -> str:
    return _("solved") if solved else _("not solved")


def _trail_words(rating: VisitRating) -> str:
    words = _("The customer rated the service %(stars)s/5 on their own pages (%(solved)s)") % {
        "stars": rating.stars,
        "solved": _solved_words(rating.solved),
    }
    if rating.comment:
        words += f"：{rating.comment}"
    return words[:500]


def _complaint_words(rating: VisitRating) -> str:
    words = _("Rated %(stars)s/5 by the customer on their own pages after the callback (%(solved)s).") % {
        "stars": rating.stars,
        "solved": _solved_words(rating.solved),
    }
    if rating.comment:
        words += " " + _("The customer's words: %(comment)s") % {"comment": rating.comment}
    return words[:1000]
