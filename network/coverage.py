"""Standby providers (备选服务商) activated for a region where the network has a gap.

The makers open service centres along the sales plan; a region with registered units and no active centre
authorised for their product category gets a standby provider within a month. A standby provider is a
centre whose agreement is prepared (dates, authorised categories) and that takes no work
(`standby=True, active=False`). Activating it for a district is one step: the centre becomes active, the
district joins its coverage (and the gap's category its categories when the agreement lacks it), the open
coverage gaps it now covers are closed, and the organisation's audit trail records who did it and why —
all in one transaction, the centre's row and the gaps' rows locked.

Finding the gaps needs the registered units (the `repairs` app, above this one): that is `office.coverage`.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.roles import Role, has_role

from .choices import CenterEventKind, RegionLevel
from .models import CenterEvent, CoverageGap, Region, ServiceCenter

NOTE_MAX = 500


@dataclass(frozen=True)
class Activation:
    center: ServiceCenter
    event: CenterEvent
    gaps: list[CoverageGap]  # the open gaps it closed, with their covered_at / covered_by set
    category_added: bool


def standby_activate(
    *, center: ServiceCenter, region: Region, category, actor, note: str = "", now=None
) -> Activation:
    """Activates the standby provider `center` for the district `region` and the product category
    `category` (a repairs.ProductCategory). Refused with a ValidationError (nothing changed) for a user who
    is not a manager, a centre that is not a standby provider (or was activated already), a region that is
    not a district, or an agreement that is not in force today."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    note = (note or "").replace("\x00", "").strip()
    if not has_role(actor, Role.MANAGER):
        raise ValidationError(_("Only a manager activates a standby provider."), code="forbidden")
    if len(note) > NOTE_MAX:
        raise ValidationError(
            {"note": _("The note is at most %(n)d characters long.") % {"n": NOTE_MAX}}, code="note"
        )
    if region.level != RegionLevel.DISTRICT:
        raise ValidationError(
            _("A standby provider is activated for a district; %(region)s is not a district.")
            % {"region": region.full_name},
            code="not_district",
        )
    with transaction.atomic():
        locked = ServiceCenter.objects.select_for_update().get(pk=center.pk)
        if locked.active and not locked.standby:
            raise ValidationError(
                _("%(center)s is already active: a standby provider is activated once.") % {"center": locked},
                code="already_active",
            )
        if not locked.standby:
            raise ValidationError(
                _("%(center)s is not a standby provider.") % {"center": locked}, code="not_standby"
            )
        if locked.agreement_start > today:
            raise ValidationError(
                _("The agreement of %(center)s starts on %(day)s: it can be activated from then.")
                % {"center": locked, "day": locked.agreement_start.isoformat()},
                code="agreement_not_started",
            )
        if locked.agreement_end is not None and locked.agreement_end < today:
            raise ValidationError(
                _("The agreement of %(center)s ended on %(day)s: prepare a new agreement first.")
                % {"center": locked, "day": locked.agreement_end.isoformat()},
                code="agreement_ended",
            )
        locked.standby = False
        locked.active = True
        locked.save(update_fields=["standby", "active"])
        locked.coverage.add(region)
        category_added = not locked.categories.filter(pk=category.pk).exists()
        if category_added:
            locked.categories.add(category)
        # Every open gap of the district in a category the agreement authorises is covered now, not only
        # the one the manager clicked. Locked in a fixed order, as the daily refresh updates them too.
        gaps = list(
            CoverageGap.objects.open()
            .select_for_update()
            .filter(region=region, category__in=locked.categories.all())
            .order_by("pk")
        )
        CoverageGap.objects.filter(pk__in=[g.pk for g in gaps]).update(
            covered_at=Greatest(F("found_at"), Value(now)), covered_by=locked
        )
        for gap in gaps:
            gap.covered_at, gap.covered_by = max(gap.found_at, now), locked
        event = CenterEvent.objects.create(
            center=locked,
            kind=CenterEventKind.STANDBY_ACTIVATED,
            at=now,
            actor=actor,
            note=note,
            data={
                "region_id": region.pk,
                "region": region.code,
                "category_id": category.pk,
                "category": category.code,
                "category_added": category_added,
                "gaps_covered": [g.pk for g in gaps],
                "agreement_start": locked.agreement_start.isoformat(),
                "agreement_end": locked.agreement_end.isoformat() if locked.agreement_end else None,
            },
        )
    return Activation(center=locked, event=event, gaps=gaps, category_added=category_added)
