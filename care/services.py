"""Customer care's writes: what follows a work order's change (deadlines, callbacks), the callback queue's
actions, the complaint register, and the SLA scan with its escalations and notifications.

Every function opens its own transaction (or runs in its caller's), reads the clock once (`now`), and
schedules email only after commit."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.numbering import next_number
from aftersales.roles import Role
from network.models import Region, ServiceCenter
from repairs.choices import WorkOrderStatus
from repairs.services import PHONE_GUIDANCE_CALLBACK, work_order_note, work_order_redo, work_order_transition

from .calendar import CHINA
from .choices import (
    CallbackOutcome,
    CallbackReason,
    CallbackReview,
    CallbackStatus,
    ComplaintCategory,
    ComplaintStatus,
    EscalationLevel,
    Stage,
)
from .deadlines import (
    complaint_deadline_stop,
    complaint_deadlines_create,
    hours_for,
    policy_for,
    work_order_deadlines_sync,
)
from .models import Callback, CallbackAttempt, Complaint, Deadline, Escalation, Notification, RegionalManager

COMPLAINT_PREFIX = "TS"  # 投诉


# What follows a work order's change ---------------------------------------------------------------------


def work_order_changed(*, order, previous: str, now: dt.datetime) -> None:
    """Listens to WORK_ORDER_CHANGED (aftersales.events), every event of a work order, in its transaction: the deadlines
    follow the order, and the callbacks it is owed are scheduled (once: a unique constraint per reason)."""

    work_order_deadlines_sync(order=order, now=now)
    if previous == order.status:
        return
    if order.status == WorkOrderStatus.PHONE_GUIDED:
        _callback_schedule(
            order=order, reason=CallbackReason.PHONE_GUIDANCE, due=now + PHONE_GUIDANCE_CALLBACK
        )
    elif order.status == WorkOrderStatus.COMPLETED:
        _callback_schedule(
            order=order,
            reason=CallbackReason.WORK_ORDER_CLOSED,
            due=callback_due_after_closing(order=order, now=now),
        )
        if order.redo_of_id:  # the redo is done: the first order's payment is no longer held
            type(order).objects.filter(pk=order.redo_of_id).update(payment_held=False)


def callback_due_after_closing(*, order, now: dt.datetime) -> dt.datetime:
    """The next working day of the centre (CARE_CALLBACK_AFTER_DAYS later, default 1), an hour after it opens."""
    hours = hours_for(order.center_id)
    day = timezone.localtime(now, CHINA).date() + dt.timedelta(days=settings.CARE_CALLBACK_AFTER_DAYS)
    for _i in range(60):
        if hours.is_working_day(day):
            break
        day += dt.timedelta(days=1)
    opens = dt.datetime.combine(day, hours.opens, tzinfo=CHINA)
    return opens + dt.timedelta(minutes=settings.CARE_CALLBACK_AFTER_OPENING_MINUTES)


def _callback_schedule(*, order, reason: str, due: dt.datetime, complaint=None) -> Callback | None:
    if complaint is not None:
        if Callback.objects.filter(complaint=complaint).exists():
            return None
    elif Callback.objects.filter(work_order=order, reason=reason, complaint__isnull=True).exists():
        return None
    return Callback.objects.create(
        call_id=order.call_id,
        work_order=order,
        complaint=complaint,
        center_id=order.center_id,
        technician_id=order.technician_id,
        reason=reason,
        due_at=due,
    )


# Callbacks ---------------------------------------------------------------------------------------------


def _lock_callback(callback: Callback) -> Callback:
    return (
        Callback.objects.select_for_update(of=("self",))
        .select_related("work_order", "call")
        .get(pk=callback.pk)
    )


def callback_record_attempt(
    *,
    callback: Callback,
    outcome: str,
    acting_user,
    satisfaction: int | None = None,
    solved: bool | None = None,
    words: str = "",
    now: dt.datetime | None = None,
) -> Callback:
    """One call to the customer. Reached: satisfaction 1–5, solved or not, the customer's words; the
    callback then waits for its review. No answer: tried again later, at most CARE_CALLBACK_MAX_ATTEMPTS
    times, then closed as unreachable. Wrong number: closed as unreachable at once."""
    now = now or timezone.now()
    if outcome not in CallbackOutcome.values:
        raise ValidationError({"outcome": _("Choose how the call went.")})
    errors = {}
    if outcome == CallbackOutcome.REACHED:
        if satisfaction is None or not 1 <= satisfaction <= 5:
            errors["satisfaction"] = _("Satisfaction is a score from 1 to 5.")
        if solved is None:
            errors["solved"] = _("Say whether the problem is solved.")
    if len(words) > 500:
        errors["customer_words"] = _("At most 500 characters.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        row = _lock_callback(callback)
        if row.status != CallbackStatus.PENDING:
            raise ValidationError(
                {"status": _("This callback is “%(status)s” already.") % {"status": row.get_status_display()}}
            )
        CallbackAttempt.objects.create(
            callback=row, at=now, by=acting_user, outcome=outcome, note=words.strip()
        )
        row.attempts += 1
        if outcome == CallbackOutcome.REACHED:
            row.status = CallbackStatus.REACHED
            row.satisfaction, row.solved, row.customer_words, row.reached_at = (
                satisfaction,
                solved,
                words.strip(),
                now,
            )
        elif outcome == CallbackOutcome.WRONG_NUMBER or row.attempts >= settings.CARE_CALLBACK_MAX_ATTEMPTS:
            row.status, row.done_at, row.done_by = CallbackStatus.UNREACHABLE, now, acting_user
        else:
            row.due_at = now + dt.timedelta(minutes=settings.CARE_CALLBACK_RETRY_MINUTES)
        row.save()
    return row


def callback_review(
    *, callback: Callback, review: str, acting_user, note: str = "", now: dt.datetime | None = None
) -> Callback:
    """Ends a reached callback: close the work order (only when the customer says it is solved), send it
    back to the centre to correct its record (退回重填), or to be redone (退回重办: a new work order of the
    same call, the first one's payment held in the settlement until the redo is completed)."""

    now = now or timezone.now()
    if review not in CallbackReview.values:
        raise ValidationError({"review": _("Choose how the callback ends.")})
    if review != CallbackReview.CLOSE and not note.strip():
        raise ValidationError({"review_note": _("Say what the centre is to correct or redo.")})
    with transaction.atomic():
        row = _lock_callback(callback)
        if row.status != CallbackStatus.REACHED:
            raise ValidationError({"status": _("Only a callback that reached the customer is reviewed.")})
        order = row.work_order
        if review == CallbackReview.CLOSE:
            if row.solved is False:
                raise ValidationError(
                    {"review": _("The customer says the problem is not solved: send it back to be redone.")}
                )
            if order is not None and order.status in (
                WorkOrderStatus.COMPLETED,
                WorkOrderStatus.PHONE_GUIDED,
            ):
                work_order_transition(
                    work_order=order,
                    to_status=WorkOrderStatus.CLOSED,
                    acting_user=acting_user,
                    note=_("Closed after the callback"),
                    now=now,
                )
        elif order is None:
            raise ValidationError({"review": _("This callback has no work order to send back.")})
        elif review == CallbackReview.CORRECT:
            work_order_note(
                work_order=order,
                acting_user=acting_user,
                note=_("Send back to correct the record: %(note)s") % {"note": note.strip()},
                now=now,
            )
            _notify_center(
                order=order,
                title=_("%(number)s sent back to correct the record") % {"number": order.number},
                body=note.strip(),
                now=now,
            )
        else:
            redo = work_order_redo(work_order=order, acting_user=acting_user, note=note.strip(), now=now)
            row.redo_order = redo
            _notify_center(
                order=order,
                title=_("%(number)s sent back to be redone") % {"number": order.number},
                body=note.strip(),
                now=now,
            )
        row.review, row.review_note = review, note.strip()[:300]
        row.status, row.done_at, row.done_by = CallbackStatus.DONE, now, acting_user
        row.save()
    return row


def _notify_center(*, order, title: str, body: str, now: dt.datetime) -> None:
    users = list(get_user_model().objects.filter(supervised_centers=order.center_id, is_active=True))
    url = reverse("repairs:call_detail", args=[order.call_id])
    notes = Notification.objects.bulk_create(
        [
            Notification(user=u, kind="callback", title=title[:200], body=body[:500], url=url, created_at=now)
            for u in users
        ]
    )
    _email_after_commit([n.pk for n in notes])


# Complaints --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ComplaintInput:
    call: object
    category: str
    description: str
    work_order: object | None = None
    technician: object | None = None


def complaint_register(*, data: ComplaintInput, acting_user, now: dt.datetime | None = None) -> Complaint:
    """Logs a complaint with its reply (24 hours) and resolution (30 days) deadlines from the call's policy."""
    now = now or timezone.now()
    errors = {}
    if data.category not in ComplaintCategory.values:
        errors["category"] = _("Choose what the complaint is about.")
    if not data.description.strip():
        errors["description"] = _("Write down what the customer says.")
    elif len(data.description) > 1000:
        errors["description"] = _("At most 1000 characters.")
    if data.work_order is not None and data.work_order.call_id != data.call.pk:
        errors["work_order"] = _("The work order belongs to another call.")
    center_id = data.work_order.center_id if data.work_order is not None else None
    if data.technician is not None and center_id and data.technician.center_id != center_id:
        errors["technician"] = _("The staff member works for another centre than the work order's.")
    if errors:
        raise ValidationError(errors)
    policy = policy_for(data.call)
    with transaction.atomic():
        complaint = Complaint.objects.create(
            number=next_number(COMPLAINT_PREFIX, day=timezone.localdate(now)),
            call=data.call,
            work_order=data.work_order,
            center_id=center_id or (data.technician.center_id if data.technician else None),
            technician=data.technician,
            category=data.category,
            description=data.description.strip(),
            received_at=now,
            received_by=acting_user,
            reply_due_at=now + dt.timedelta(hours=policy.complaint_reply_hours),
            resolve_due_at=now + dt.timedelta(days=policy.complaint_resolve_days),
        )
        complaint_deadlines_create(complaint=complaint, policy=policy)
    return complaint


def _lock_complaint(complaint: Complaint) -> Complaint:
    return Complaint.objects.select_for_update().get(pk=complaint.pk)


def complaint_reply(
    *, complaint: Complaint, reply: str, acting_user, now: dt.datetime | None = None
) -> Complaint:
    now = now or timezone.now()
    if not reply.strip():
        raise ValidationError({"reply": _("Write the reply given to the customer.")})
    with transaction.atomic():
        row = _lock_complaint(complaint)
        if row.status != ComplaintStatus.OPEN:
            raise ValidationError({"status": _("The complaint was replied to already.")})
        row.status, row.replied_at, row.reply, row.handled_by = (
            ComplaintStatus.REPLIED,
            now,
            reply.strip()[:1000],
            acting_user,
        )
        row.save()
        complaint_deadline_stop(complaint=row, stage=Stage.COMPLAINT_REPLY, at=now)
    return row


def complaint_resolve(
    *, complaint: Complaint, resolution: str, upheld: bool | None, acting_user, now: dt.datetime | None = None
) -> Complaint:
    """Resolves the complaint: upheld or not (an upheld one counts against the staff member and the centre);
    the customer is called back after it."""
    now = now or timezone.now()
    errors = {}
    if not resolution.strip():
        errors["resolution"] = _("Say how the complaint was resolved.")
    if upheld is None:
        errors["upheld"] = _("Say whether the complaint is upheld.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        row = _lock_complaint(complaint)
        if row.status == ComplaintStatus.RESOLVED:
            raise ValidationError({"status": _("The complaint is resolved already.")})
        if row.replied_at is None:
            row.replied_at, row.reply = now, resolution.strip()[:1000]
            complaint_deadline_stop(complaint=row, stage=Stage.COMPLAINT_REPLY, at=now)
        row.status, row.resolved_at, row.resolution, row.upheld = (
            ComplaintStatus.RESOLVED,
            now,
            resolution.strip()[:1000],
            upheld,
        )
        row.handled_by = acting_user
        row.save()
        complaint_deadline_stop(complaint=row, stage=Stage.COMPLAINT_RESOLVE, at=now)
        order = row.work_order or row.call.work_orders.order_by("-created_at").first()
        if order is not None:
            _callback_schedule(
                order=order,
                reason=CallbackReason.COMPLAINT_RESOLVED,
                due=now + dt.timedelta(days=settings.CARE_CALLBACK_AFTER_DAYS),
                complaint=row,
            )
    return row


# The SLA scan ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _People:
    """Who is told what, read once per scan: the managers (by region, and all of them), the dispatchers,
    each centre's supervisors and region, each region's parent."""

    all_managers: list[int]
    managers_by_region: dict[int, list[int]]
    dispatchers: list[int]
    supervisors: dict[int, list[int]]
    center_region: dict[int, int]
    region_parent: dict[int, int | None]

    @classmethod
    def load(cls) -> _People:

        User = get_user_model()
        managers_by_region: dict[int, list[int]] = {}
        for region_id, user_id in RegionalManager.objects.values_list("region_id", "user_id"):
            managers_by_region.setdefault(region_id, []).append(user_id)
        supervisors: dict[int, list[int]] = {}
        for center_id, user_id in ServiceCenter.supervisors.through.objects.values_list(
            "servicecenter_id", "user_id"
        ).order_by("user_id"):
            supervisors.setdefault(center_id, []).append(user_id)
        return cls(
            all_managers=list(
                User.objects.filter(groups__name=Role.MANAGER, is_active=True).values_list("pk", flat=True)
            ),
            managers_by_region=managers_by_region,
            dispatchers=list(
                User.objects.filter(groups__name=Role.DISPATCHER, is_active=True).values_list("pk", flat=True)
            ),
            supervisors=supervisors,
            center_region=dict(ServiceCenter.objects.values_list("pk", "region_id")),
            region_parent=dict(Region.objects.values_list("pk", "parent_id")),
        )


def _recipients(deadline: Deadline, level: int, people: _People) -> list[int]:
    """User ids told at one level: the technician (or, without one, whoever took the complaint, else the
    supervisors), the centre's supervisors, the regional managers (every manager when none is set)."""
    all_managers = people.all_managers
    supervisors = people.supervisors.get(deadline.center_id, []) if deadline.center_id else []
    if level == EscalationLevel.TECHNICIAN:
        if deadline.technician_id and deadline.technician.user_id:
            return [deadline.technician.user_id]
        if deadline.complaint_id:
            return [deadline.complaint.received_by_id]
        return supervisors or all_managers
    if level == EscalationLevel.SUPERVISOR:
        return supervisors or all_managers
    region_ids = []
    region = people.center_region.get(deadline.center_id) if deadline.center_id else None
    while region is not None:
        region_ids.append(region)
        region = people.region_parent.get(region)
    chosen = sorted({u for r in region_ids for u in people.managers_by_region.get(r, ())})
    return chosen or all_managers


def _subject_words(deadline: Deadline) -> tuple[str, str]:
    if deadline.work_order_id:
        order = deadline.work_order
        return order.number, reverse("repairs:call_detail", args=[order.call_id])
    return deadline.complaint.number, reverse("care:complaint_detail", args=[deadline.complaint_id])


def _batch(queryset, size: int) -> list[Deadline]:
    return list(
        queryset.select_for_update(skip_locked=True, of=("self",)).select_related(
            "policy", "technician", "work_order", "complaint"
        )[:size]
    )


def sla_scan(*, now: dt.datetime | None = None, batch: int = 500) -> dict:
    """One pass: deadlines newly due (inside their warning window) warn the first level once; deadlines
    newly breached create their first escalation; breached ones whose next level's delay has passed
    escalate to it. Each batch is one transaction; rows another scan holds are skipped (SKIP LOCKED), and
    (deadline, level) is unique, so two scans at once or a retried one create nothing twice. Emails go
    after commit. Returns {"due": n, "breached": n, "escalations_created": n}."""
    now = now or timezone.now()
    counts = {"due": 0, "breached": 0, "escalations_created": 0}
    people = _People.load()

    # 1. Newly due: tell the first level once, before the deadline passes.
    while True:
        with transaction.atomic():
            rows = _batch(
                Deadline.objects.filter(
                    stopped_at__isnull=True, paused_at__isnull=True, warned_at__isnull=True, warn_at__lte=now
                ).order_by("warn_at"),
                batch,
            )
            if not rows:
                break
            notes = []
            for d in rows:
                d.warned_at = now
                if d.due_at <= now:
                    continue  # already past: the breach step tells them
                number, url = _subject_words(d)
                minutes = max(int((d.due_at - now).total_seconds() // 60), 0)
                for user_id in _recipients(d, EscalationLevel.TECHNICIAN, people):
                    notes.append(
                        Notification(
                            user_id=user_id,
                            deadline=d,
                            kind="warning",
                            title=_("%(number)s: “%(stage)s” due in %(minutes)s minutes")
                            % {"number": number, "stage": Stage(d.stage).label, "minutes": minutes},
                            url=url,
                            created_at=now,
                        )
                    )
                counts["due"] += 1
            Deadline.objects.filter(pk__in=[d.pk for d in rows]).update(warned_at=now)
            Notification.objects.bulk_create(notes, ignore_conflicts=True)
        if len(rows) < batch:
            break

    # 2. Newly breached: the first escalation. 3. Breached and waiting: the next level.
    for step in ("breach", "escalate"):
        while True:
            with transaction.atomic():
                if step == "breach":
                    queryset = Deadline.objects.filter(
                        stopped_at__isnull=True,
                        paused_at__isnull=True,
                        breached_at__isnull=True,
                        due_at__lte=now,
                    ).order_by("due_at")
                else:
                    queryset = Deadline.objects.filter(
                        stopped_at__isnull=True, next_escalation_at__isnull=False, next_escalation_at__lte=now
                    ).order_by("next_escalation_at")
                rows = _batch(queryset, batch)
                if not rows:
                    break
                created = _escalate(rows, now=now, people=people)
                counts["escalations_created"] += created
                if step == "breach":
                    counts["breached"] += len(rows)
            if len(rows) < batch:
                break
    return counts


def _escalate(rows: list[Deadline], *, now: dt.datetime, people: _People) -> int:
    """Every level whose delay after the breach has passed, and that was not told yet, is told now: a scan
    that comes late (the system was down) catches up the whole chain at once."""
    escalations = []
    for d in rows:
        if d.breached_at is None:
            d.breached_at = d.due_at
        thresholds = {
            EscalationLevel.TECHNICIAN: d.due_at,
            EscalationLevel.SUPERVISOR: d.due_at + dt.timedelta(minutes=d.policy.escalate_supervisor_minutes),
            EscalationLevel.MANAGER: d.due_at + dt.timedelta(minutes=d.policy.escalate_manager_minutes),
        }
        for level, when in thresholds.items():
            if level > d.escalation_level and when <= now:
                escalations.append(Escalation(deadline=d, level=level, created_at=now))
                d.escalation_level = level
        later = [when for level, when in thresholds.items() if level > d.escalation_level]
        d.next_escalation_at = min(later) if later else None
    # One UPDATE from arrays: bulk_update's CASE WHEN per row and field took most of the scan's time.
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Deadline._meta.db_table} AS d SET breached_at = v.breached_at,"
            " escalation_level = v.escalation_level, next_escalation_at = v.next_escalation_at"
            " FROM unnest(%s::bigint[], %s::timestamptz[], %s::smallint[], %s::timestamptz[])"
            " AS v(id, breached_at, escalation_level, next_escalation_at) WHERE d.id = v.id",
            [
                [d.pk for d in rows],
                [d.breached_at for d in rows],
                [d.escalation_level for d in rows],
                [d.next_escalation_at for d in rows],
            ],
        )
    # The rows are locked and their state moved on in this transaction, so none of these exists yet; the
    # unique (deadline, level) stands behind that.
    Escalation.objects.bulk_create(escalations, ignore_conflicts=True)
    saved = list(
        Escalation.objects.filter(deadline__in=rows, created_at=now).order_by("deadline_id", "level")
    )
    by_pk = {d.pk: d for d in rows}
    notes = []
    for escalation in saved:
        d = by_pk[escalation.deadline_id]
        number, url = _subject_words(d)
        title = _("%(number)s: “%(stage)s” overdue by %(minutes)s minutes (%(level)s)") % {
            "number": number,
            "stage": Stage(d.stage).label,
            "minutes": int((now - d.due_at).total_seconds() // 60),
            "level": EscalationLevel(escalation.level).label,
        }
        users = set(_recipients(d, escalation.level, people))
        body = ""
        if d.stage == Stage.CARRY_IN_30 and escalation.level == EscalationLevel.TECHNICIAN:
            # 三包: a repair not finished 30 days after it was taken in lets the customer exchange.
            users |= set(people.dispatchers)
            body = _("Carry-in repair over 30 days: under 三包 the customer may ask for an exchange.")
        notes += [
            Notification(
                user_id=u,
                escalation=escalation,
                deadline=d,
                kind="breach",
                title=title[:200],
                body=body,
                url=url,
                created_at=now,
            )
            for u in sorted(users)
        ]
    Notification.objects.bulk_create(notes, ignore_conflicts=True)
    ids = Notification.objects.filter(escalation__in=saved, emailed_at__isnull=True).values_list(
        "pk", flat=True
    )
    _email_after_commit(list(ids))
    return len(saved)


def _email_after_commit(ids: list[int]) -> None:
    if not ids:
        return
    # The task shares this function's name, and care.tasks imports this module.
    from .tasks import notifications_email

    transaction.on_commit(partial(notifications_email.delay, ids))


def notifications_email(*, ids: list[int], now: dt.datetime | None = None) -> int:
    """Emails notifications not emailed yet to users with an address. Each one is claimed (SKIP LOCKED),
    sent and marked in its own transaction: a failure leaves the ones already sent marked, so the retried
    task sends only what is left and nothing twice."""

    now = now or timezone.now()
    sent = 0
    for pk in sorted(ids):
        with transaction.atomic():
            n = (
                Notification.objects.filter(pk=pk, emailed_at__isnull=True)
                .select_for_update(skip_locked=True, of=("self",))
                .select_related("user")
                .first()
            )
            if n is None:
                continue
            if n.user.email:
                send_mail(
                    subject=f"[售后服务] {n.title}",
                    message=f"{n.title}\n{n.body}\n{settings.SITE_URL.rstrip('/')}{n.url}".strip(),
                    from_email=None,
                    recipient_list=[n.user.email],
                )
                sent += 1
            Notification.objects.filter(pk=n.pk).update(emailed_at=now)
    return sent


def notifications_read(*, user, ids: list[int] | None = None, now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    queryset = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        queryset = queryset.filter(pk__in=ids)
    return queryset.update(read_at=now)
