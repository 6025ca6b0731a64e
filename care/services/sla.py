"""The SLA scan: deadlines breached, escalated to whom, and the notifications e-mailed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.roles import Role
from network.models import Region, ServiceCenter

from ..choices import (
    EscalationLevel,
    Stage,
)
from ..models import Deadline, Escalation, Notification, RegionalManager

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
    if deadline.complaint_id:
        return deadline.complaint.number, reverse("care:complaint_detail", args=[deadline.complaint_id])
    return deadline.remedy_request.number, reverse("remedies:detail", args=[deadline.remedy_request_id])


def _batch(queryset, size: int) -> list[Deadline]:
    return list(
        queryset.select_for_update(skip_locked=True, of=("self",)).select_related(
            "policy", "technician", "work_order", "complaint", "remedy_request"
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
    from ..tasks import notifications_email

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
