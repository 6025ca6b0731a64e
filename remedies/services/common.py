"""The remedies' shared ground: roles, working days, the audit row, the customer's SMS, the request's lock."""

from __future__ import annotations

import datetime as dt
from functools import partial

import chinese_calendar
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales import events, sms
from aftersales.roles import has_role

from ..choices import REMEDY_TRANSITIONS, ChecklistKind
from ..models import ChecklistItem, RemedyEvent, RemedyRequest

APPROVAL_WORKING_DAYS = 3  # the manager answers a remedy request within 3 working days


def require(user, *roles: str) -> None:
    if not has_role(user, *roles):
        raise ValidationError(_("Your role does not allow this."), code="forbidden")


def add_working_days(start: dt.datetime, days: int) -> dt.datetime:
    """The same local time `days` working days later (weekends and statutory holidays skipped, the State
    Council's adjusted working days counted)."""
    local = timezone.localtime(start)
    day, left = local.date(), days
    while left:
        day += dt.timedelta(days=1)
        if _is_working_day(day):
            left -= 1
    return local.replace(year=day.year, month=day.month, day=day.day)


def _is_working_day(day: dt.date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:  # a year whose schedule is not published yet: Monday to Friday
        return day.weekday() < 5


def checklist(category_id: int, kind: str) -> list[ChecklistItem]:
    return list(
        ChecklistItem.objects.filter(category_id=category_id, kind=ChecklistKind(kind), active=True).order_by(
            "sort_order", "code"
        )
    )


def check_documents(items: list[ChecklistItem], given) -> tuple[list[str], list[ChecklistItem]]:
    """The codes ticked (known ones only) and the items missing; an unknown code is refused."""
    codes = [str(c).strip() for c in (given or []) if str(c).strip()]
    known = {i.code for i in items}
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise ValidationError(
            {"documents": [_("Unknown checklist item: %(codes)s.") % {"codes": "、".join(unknown)}]}
        )
    ticked = set(codes)
    return [i.code for i in items if i.code in ticked], [i for i in items if i.code not in ticked]


def lock(request: RemedyRequest) -> RemedyRequest:
    return (
        RemedyRequest.objects.select_for_update(of=("self",))
        .select_related(
            "unit__model__category", "unit__owner", "unit__dealer", "work_order__center", "decision"
        )
        .get(pk=request.pk)
    )


def move(row: RemedyRequest, new: str, *, actor, now, note: str = "") -> None:
    """Sets the status (checked against the transitions), appends the audit row, publishes the change."""
    old = row.status
    if new not in REMEDY_TRANSITIONS[old]:
        raise ValidationError(
            _("Remedy request %(number)s is %(status)s: it cannot be changed so.")
            % {"number": row.number, "status": row.get_status_display()},
            code="state",
        )
    row.status = new
    event(row, old, new, actor=actor, now=now, note=note)
    events.publish(events.REMEDY_REQUEST_CHANGED, request=row, previous=old, now=now)


def event(row: RemedyRequest, old: str, new: str, *, actor, now, note: str = "") -> None:
    RemedyEvent.objects.create(
        request=row, from_status=old, to_status=new, actor=actor, at=now, note=note[:300]
    )


def tell_customer(unit, body: str) -> None:
    """An SMS to the unit's owner after commit (a failed send never undoes the change)."""
    phone = (
        unit.owner.phones.order_by("-is_primary", "pk").values_list("number", flat=True).first()
        if unit.owner_id
        else None
    )
    if phone:
        transaction.on_commit(partial(sms.send_sms, phone, body), robust=True)


def refuse_taken_back(unit) -> None:
    """A unit already exchanged or returned under 三包 is no longer the customer's: no new remedy on it."""
    if (
        type(unit).objects.filter(replaces=unit).exists()
        or unit.remedy_requests.filter(status="done", remedy="return").exists()
    ):
        raise ValidationError(
            {
                "unit": [
                    _(
                        "This unit was already exchanged or returned: a remedy is asked on the unit the customer has now."
                    )
                ]
            }
        )
