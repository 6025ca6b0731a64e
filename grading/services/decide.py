"""The manager's decision on a proposal, and the levels taking effect."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.roles import Role, has_role
from network.choices import CenterEventKind, CenterLevel
from network.models import CenterEvent, ServiceCenter

from ..choices import AssessmentStatus
from ..models import Assessment, LevelDecision
from ..selectors import center_level_in_force, month_add


def effective_month(*, assessment_month: dt.date, now: dt.datetime) -> dt.date:
    """A confirmed level applies from the month after the assessed one, never to a month already begun
    before the decision: at the earliest the month the decision is taken in."""
    this_month = timezone.localdate(now).replace(day=1)
    return max(month_add(assessment_month), this_month)


def center_closed(center: ServiceCenter, today: dt.date) -> bool:
    return (
        not center.active
        or center.standby
        or (center.agreement_end is not None and center.agreement_end < today)
    )


def assessment_decide(
    *,
    assessment: Assessment,
    level: str | None,
    reason: str = "",
    acting_user,
    now: dt.datetime | None = None,
) -> LevelDecision:
    """Confirms the proposed level (level None or equal to it) or overrides it (another level, with a
    reason). The level is in force from `effective_month` on and is recorded in the history and as a
    CenterEvent; the centre's current level changes at once when that month has begun, else by
    `levels_apply` on the month's first day. Refused, nothing changed: not a manager, no reason for an
    override, a level that is not one of the four, a centre that is closed (inactive, standby or its
    agreement ended), an assessment decided already, a level already decided for the same month."""
    now = now or timezone.now()
    if not has_role(acting_user, Role.MANAGER):
        raise PermissionDenied(_("Only a manager decides a centre's level."))
    reason = (reason or "").strip()
    with transaction.atomic():
        assessment = Assessment.objects.select_for_update().select_related("center").get(pk=assessment.pk)
        center = ServiceCenter.objects.select_for_update(no_key=True).get(pk=assessment.center_id)
        level = level or assessment.proposed_level
        errors: dict[str, list[str]] = {}
        if level not in CenterLevel.values:
            errors.setdefault("level", []).append(_("Choose one of the four centre levels."))
        elif level != assessment.proposed_level and not reason:
            errors.setdefault("reason", []).append(_("A level other than the proposed one needs a reason."))
        if len(reason) > 300:
            errors.setdefault("reason", []).append(_("The reason is at most 300 characters."))
        if center_closed(center, timezone.localdate(now)):
            errors.setdefault("level", []).append(
                _("%(center)s is closed (inactive or its agreement has ended): its level cannot be set.")
                % {"center": center.name}
            )
        if assessment.status == AssessmentStatus.CONFIRMED:
            errors.setdefault("level", []).append(
                _("The level of %(center)s for %(month)s has been decided already.")
                % {"center": center.name, "month": f"{assessment.month:%Y-%m}"}
            )
        effective = effective_month(assessment_month=assessment.month, now=now)
        taken = LevelDecision.objects.filter(center=center, effective_from__gte=effective).first()
        if taken is not None and not errors:
            errors.setdefault("level", []).append(
                _("%(center)s already has a level decided from %(month)s on (%(level)s).")
                % {
                    "center": center.name,
                    "month": f"{taken.effective_from:%Y-%m}",
                    "level": taken.get_level_display(),
                }
            )
        if errors:
            raise ValidationError(errors)
        previous = center_level_in_force(center=center, month=effective)
        decision = LevelDecision.objects.create(
            center=center,
            level=level,
            previous_level=previous,
            proposed_level=assessment.proposed_level,
            effective_from=effective,
            assessment=assessment,
            decided_by=acting_user,
            decided_at=now,
            reason=reason,
        )
        assessment.status = AssessmentStatus.CONFIRMED
        assessment.save(update_fields=["status"])
        CenterEvent.objects.create(
            center=center,
            kind=CenterEventKind.LEVEL_CONFIRMED,
            at=now,
            actor=acting_user,
            note=reason,
            data={
                "assessment": assessment.pk,
                "month": f"{assessment.month:%Y-%m}",
                "score": None if assessment.score is None else str(assessment.score),
                "proposed": assessment.proposed_level,
                "from": previous,
                "to": level,
                "effective_from": f"{effective:%Y-%m}",
            },
        )
        if effective <= timezone.localdate(now).replace(day=1) and center.level != level:
            center.level = level
            center.save(update_fields=["level"])
    return decision


LEVELS_APPLY_SQL = """
UPDATE network_servicecenter s SET level = d.level
FROM (
    SELECT DISTINCT ON (center_id) center_id, level
    FROM grading_leveldecision
    WHERE effective_from <= %(month)s
    ORDER BY center_id, effective_from DESC
) d
WHERE s.id = d.center_id AND s.level <> d.level
"""


def levels_apply(*, now: dt.datetime | None = None) -> int:
    """Each centre's current level (ServiceCenter.level) set to the decision in force this month: the
    monthly job, on the 1st. One statement; returns how many centres changed."""
    now = now or timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(LEVELS_APPLY_SQL, {"month": timezone.localdate(now).replace(day=1)})
        return cursor.rowcount
