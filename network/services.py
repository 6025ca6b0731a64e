"""The network's writes that are not the settlement's: administrative time (D) recorded and cancelled.

Administrative work (一般行政工作, D) of the maker's service standard — checks of finished work, parts
management, equipment and tool maintenance, short on-the-job training — is recorded as time by the technician
for themself, or by a supervisor for a technician of their own centre. Entries are append-only: a mistake is
cancelled with a reason and recorded again (the database refuses any other change)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.parsing import parse_day, parse_int
from aftersales.roles import Role, user_roles

from .choices import AdminWorkKind
from .models import ADMIN_DAY_MAX_MINUTES, AdminTimeEntry, Technician

# How far back an entry may be dated: the year's monthly reports, and no typed year that nobody meant.
ADMIN_TIME_DAYS_BACK = 366
NOTE_MAX = 200


def may_record_for(*, user, technician: Technician) -> bool:
    """The technician for themself; a supervisor for the technicians of the centres they run."""
    roles = user_roles(user)
    if Role.TECHNICIAN in roles and technician.user_id == user.pk:
        return True
    return Role.SUPERVISOR in roles and technician.center.supervisors.filter(pk=user.pk).exists()


def may_cancel(*, user, entry: AdminTimeEntry) -> bool:
    """A supervisor any entry of their centres' technicians; a technician the entries they recorded themself
    (one a supervisor recorded for them is the supervisor's to cancel)."""
    roles = user_roles(user)
    if Role.SUPERVISOR in roles and entry.technician.center.supervisors.filter(pk=user.pk).exists():
        return True
    return (
        Role.TECHNICIAN in roles and entry.technician.user_id == user.pk and entry.recorded_by_id == user.pk
    )


def admin_time_record(
    *,
    technician: Technician | None,
    work_date: dt.date | None,
    kind: str,
    minutes,
    note: str = "",
    acting_user,
    now: dt.datetime | None = None,
) -> AdminTimeEntry:
    """Records one entry of administrative time. Every problem is reported at once, by field: no technician,
    one the user may not record for (another centre's) or one no longer active; no date, a date to come or
    more than a year back; a kind not in the list; minutes that are not a whole number from 1 to the
    longest working day, or that take the technician's administrative time of that day past it."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    errors: dict[str, list[str]] = {}

    def add(field, message):
        errors.setdefault(field, []).append(message)

    if technician is None:
        add("technician", _("Choose the technician who did the work."))
    elif not may_record_for(user=acting_user, technician=technician):
        add(
            "technician",
            _("You may record administrative time only for yourself or a technician of your own centre."),
        )
    elif not technician.active:
        add(
            "technician",
            _("%(name)s is no longer an active technician: no time can be recorded for them.")
            % {"name": technician.name},
        )
    if work_date is None:
        add("work_date", _("Enter the date the work was done, as YYYY-MM-DD."))
    elif work_date > today:
        add("work_date", _("The date cannot be in the future: record the work once it is done."))
    elif work_date < today - dt.timedelta(days=ADMIN_TIME_DAYS_BACK):
        add("work_date", _("Administrative time can be recorded for the past year only."))
    if kind not in AdminWorkKind.values:
        add("kind", _("Choose what kind of administrative work it was."))
    value = parse_int(minutes)
    if value is None:
        add("minutes", _("Enter the time as a whole number of minutes."))
    elif not 1 <= value <= ADMIN_DAY_MAX_MINUTES:
        add(
            "minutes",
            _("The time must be between 1 and %(most)s minutes (the longest working day).")
            % {"most": ADMIN_DAY_MAX_MINUTES},
        )
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        add("note", _("The note may be at most %(most)s characters.") % {"most": NOTE_MAX})
    if errors:
        raise ValidationError(errors)

    with transaction.atomic():
        # The technician's row is the lock: two entries for the same day never both pass the day's limit.
        Technician.objects.select_for_update().filter(pk=technician.pk).first()
        already = (
            AdminTimeEntry.objects.active()
            .filter(technician=technician, work_date=work_date)
            .aggregate(total=Sum("minutes"))["total"]
            or 0
        )
        if already + value > ADMIN_DAY_MAX_MINUTES:
            raise ValidationError(
                {
                    "minutes": _(
                        "%(name)s already has %(already)s minutes of administrative time on %(day)s: at most "
                        "%(left)s more can be recorded for that day (%(most)s minutes in all)."
                    )
                    % {
                        "name": technician.name,
                        "already": already,
                        "day": f"{work_date:%Y-%m-%d}",
                        "left": max(ADMIN_DAY_MAX_MINUTES - already, 0),
                        "most": ADMIN_DAY_MAX_MINUTES,
                    }
                }
            )
        return AdminTimeEntry.objects.create(
            technician=technician,
            work_date=work_date,
            kind=kind,
            minutes=value,
            note=note,
            recorded_by=acting_user,
            recorded_at=now,
        )


def admin_time_record_posted(*, technician: Technician | None, post, acting_user) -> AdminTimeEntry:
    """admin_time_record from a form as the browser posts it (the tablet's and the supervisor's alike)."""
    return admin_time_record(
        technician=technician,
        work_date=parse_day(post.get("work_date")),
        kind=post.get("kind", ""),
        minutes=post.get("minutes"),
        note=post.get("note", ""),
        acting_user=acting_user,
    )


def admin_time_cancel(
    *, entry: AdminTimeEntry, reason: str, acting_user, now: dt.datetime | None = None
) -> AdminTimeEntry:
    """Cancels an entry, with the reason; the entry stays, marked cancelled, and no longer counts."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the entry is cancelled.")})
    if len(reason) > NOTE_MAX:
        raise ValidationError(
            {"reason": _("The reason may be at most %(most)s characters.") % {"most": NOTE_MAX}}
        )
    with transaction.atomic():
        locked = AdminTimeEntry.objects.select_for_update().select_related("technician").get(pk=entry.pk)
        if not may_cancel(user=acting_user, entry=locked):
            raise ValidationError(
                _(
                    "Only a supervisor of the technician's centre, or whoever recorded it, may cancel this entry."
                )
            )
        if locked.cancelled_at is not None:
            raise ValidationError(_("This entry was already cancelled."))
        locked.cancelled_at, locked.cancelled_by, locked.cancel_reason = now, acting_user, reason
        locked.save(update_fields=["cancelled_at", "cancelled_by", "cancel_reason"])
    return locked
