"""One inspection made now, outside the daily job (the customer asked for it, the demo): the same visit row,
call and dispatch as the job's."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Inspection
from .job import JobResult, _batch
from .plans import running_plan


def inspection_schedule(*, unit, due_on: dt.date, now: dt.datetime | None = None) -> Inspection:
    """The visit of `unit`'s plan due on `due_on` (made once: a second call returns the first)."""
    now = now or timezone.now()
    plan = running_plan(unit=unit, day=due_on)
    if plan is None:
        raise ValidationError(
            {
                "unit": _(
                    "%(unit)s is not under an inspection plan on %(day)s: no inspection is made for it."
                )
                % {"unit": unit, "day": due_on}
            },
            code="no_plan",
        )
    _batch([(plan.pk, due_on)], now=now, today=timezone.localdate(now), result=JobResult())
    return Inspection.objects.select_related("work_order").get(plan=plan, due_on=due_on)
