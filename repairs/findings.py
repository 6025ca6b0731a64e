"""What the technician finds changes the 三包 decision: the faulty part named after diagnosis (a phone's
battery has its own, shorter period; an air conditioner's compressor a longer one), and the exclusions seen
on site (liquid damage, a home-made repair, unstable voltage…), each shown by a photo.

The decision is taken again on the unit's facts with the latest faulty part and every exclusion found on the
order, stored as a new WarrantyDecision beside the intake decision (that one stays on the call), and the
change is kept as a DecisionChange: before and after, who and why. The call's service type follows the new
decision — a free (C) order found to be outside 三包 becomes paid (A) — and the settlement pays by it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from warranty.rules import FactsError
from warranty.services import unit_facts, warranty_decision_record

from .choices import (
    DecisionChangeKind,
    ServiceType,
    SiteFindingKind,
    WorkOrderStatus,
)
from .models import Component, DecisionChange, RepairCall, SiteFinding, SiteFindingPhoto, WorkOrder

# Where the technician can still say what is faulty or what was found: at the unit, before it is finished.
FINDING_STATUSES = frozenset(
    {WorkOrderStatus.ON_SITE, WorkOrderStatus.IN_REPAIR, WorkOrderStatus.WAITING_FOR_PARTS}
)
MAIN_UNIT = "main_unit"


def category_component(*, category, code: str | None) -> Component:
    """The component of the category by its code (empty: the whole unit). ValidationError names the choices."""
    code = (code or "").strip() or MAIN_UNIT
    component = Component.objects.filter(category=category, code=code).first()
    if component is None:
        names = "、".join(Component.objects.filter(category=category).values_list("name", flat=True))
        raise ValidationError(
            {
                "component": _("%(category)s has no part “%(code)s”: choose one of %(names)s.")
                % {"category": category.local_name, "code": code[:40], "names": names}
            },
            code="unknown_component",
        )
    return component


def category_components(category_id) -> list[Component]:
    """A category's parts as the dispatcher picks them: the whole unit first, then main components, then
    accessories."""
    rank = {"main_unit": 0, "main_component": 1}
    return sorted(
        Component.objects.filter(category_id=category_id), key=lambda c: (rank.get(c.kind, 2), c.name)
    )


def order_exclusions(order: WorkOrder) -> tuple[str, ...]:
    """The exclusion codes found on the order so far (the 三包 engine's codes)."""
    return tuple(sorted(set(SiteFinding.objects.filter(work_order=order).values_list("kind", flat=True))))


def current_component(order: WorkOrder) -> Component | None:
    change = (
        DecisionChange.objects.filter(work_order=order, component__isnull=False)
        .select_related("component")
        .order_by("-at", "-pk")
        .first()
    )
    return change.component if change else order.call.component


def _type_after(before: str, suggested: str) -> str:
    """The service type a new decision gives: outside 三包 is paid (A); inside it free (C), or contract (B)
    when an extended warranty pays. A contract (B) or administrative (D) call chosen by the office for its
    own reasons stays so unless the unit is found outside 三包."""
    if before in (ServiceType.CONTRACT, ServiceType.ADMIN) and suggested != ServiceType.PAID:
        return before
    return suggested


def _redecide(*, order: WorkOrder, component: Component, exclusions: tuple[str, ...], acting_user, now):
    # repairs.services imports this module (the faulty part at intake): a module-level import would be a circle.
    from .services import unit_repair_history

    call = order.call
    facts = unit_facts(
        unit=call.unit,
        report_date=timezone.localdate(call.logged_at),
        component=component.code,
        exclusions=exclusions,
        repairs=unit_repair_history(unit=call.unit, symptom=call.symptom, exclude_order=order),
    )
    return warranty_decision_record(unit=call.unit, facts=facts, acting_user=acting_user, now=now)


def _apply(
    *, order: WorkOrder, kind: str, component: Component, exclusions, reason: str, acting_user, now
) -> DecisionChange:
    # repairs.services imports this module (the faulty part at intake): a module-level import would be a circle.
    from .services import _event, service_type_suggest

    call = RepairCall.objects.select_for_update().get(pk=order.call_id)
    try:
        decision = _redecide(
            order=order, component=component, exclusions=exclusions, acting_user=acting_user, now=now
        )
    except FactsError as exc:
        raise ValidationError(
            {"component": "；".join(m for msgs in exc.errors.values() for m in msgs)}
        ) from exc
    before = call.service_type
    suggested = service_type_suggest(decision=decision.result).service_type
    after = _type_after(before, suggested)
    change = DecisionChange.objects.create(
        work_order=order,
        kind=kind,
        decision=decision,
        component=component,
        service_type_before=before,
        service_type_after=after,
        reason=reason[:300],
        by=acting_user,
        at=now,
    )
    if (after, suggested) != (call.service_type, call.suggested_service_type):
        # The new decision's suggestion replaces the intake's (that one stays in the intake decision and in
        # this change's "before"); a type kept against it keeps a reason.
        call.service_type, call.suggested_service_type = after, suggested
        if after != suggested and not call.service_type_reason:
            call.service_type_reason = reason[:200]
        call.save(update_fields=["service_type", "suggested_service_type", "service_type_reason"])
        order.call = call
    note = _("%(what)s: %(reason)s — 三包: %(verdict)s; service type %(before)s → %(after)s") % {
        "what": DecisionChangeKind(kind).label,
        "reason": reason,
        "verdict": decision.get_verdict_display(),
        "before": before,
        "after": after,
    }
    _event(order, order.status, order.status, acting_user, now, note[:500])
    return change


def _lock_open(work_order: WorkOrder) -> WorkOrder:
    # repairs.services imports this module (the faulty part at intake): a module-level import would be a circle.
    from .services import _lock

    order = _lock(work_order)
    if order.status not in FINDING_STATUSES:
        raise ValidationError(
            {
                "status": _(
                    "Work order %(number)s is “%(status)s”: the faulty part and findings are recorded at the "
                    "unit, between arrival and completion."
                )
                % {"number": order.number, "status": WorkOrderStatus(order.status).label}
            },
            code="not_at_unit",
        )
    return order


def work_order_component_change(
    *, work_order: WorkOrder, component_code: str, reason: str, acting_user, now: dt.datetime | None = None
) -> DecisionChange:
    """The technician names another faulty part after diagnosis: the decision is taken again for it."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    with transaction.atomic():
        order = _lock_open(work_order)
        component = category_component(category=order.call.unit.model.category, code=component_code)
        errors = {}
        if not reason:
            errors["reason"] = _("Say what the diagnosis found, so the office can see why the part changed.")
        current = current_component(order)
        if (
            current is not None
            and current.pk == component.pk
            or current is None
            and component.code == MAIN_UNIT
        ):
            errors["component"] = _("%(part)s is already the faulty part of this order.") % {
                "part": component.name
            }
        if errors:
            raise ValidationError(errors)
        return _apply(
            order=order,
            kind=DecisionChangeKind.COMPONENT,
            component=component,
            exclusions=order_exclusions(order),
            reason=reason,
            acting_user=acting_user,
            now=now,
        )


@dataclasses.dataclass(frozen=True)
class FindingInput:
    kind: str
    note: str = ""
    photos: Sequence = ()  # uploaded files


def _check_photo(upload, errors: list[str]) -> None:
    # repairs.services imports this module (the faulty part at intake): a module-level import would be a circle.
    from .closing import _is_image

    name = getattr(upload, "name", "") or "?"
    if upload.size > settings.WORK_ORDER_PHOTO_MAX_BYTES:
        errors.append(
            _("%(name)s is larger than %(mb)s MB.")
            % {"name": name, "mb": settings.WORK_ORDER_PHOTO_MAX_BYTES // (1024 * 1024)}
        )
    elif not _is_image(upload):
        errors.append(_("%(name)s is not a photo (JPEG, PNG…).") % {"name": name})


def work_order_findings_record(
    *, work_order: WorkOrder, findings: Sequence[FindingInput], acting_user, now: dt.datetime | None = None
) -> DecisionChange:
    """Exclusions found on site, each with at least one photo: the decision is taken again with them."""
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    if not findings:
        errors["findings"] = [_("Tick what you found on site.")]
    for finding in findings:
        field = f"photos_{finding.kind}"
        if finding.kind not in SiteFindingKind.values:
            errors.setdefault("findings", []).append(_("Choose the finding from the list."))
            continue
        if not finding.photos:
            errors.setdefault(field, []).append(
                _("%(finding)s: take at least one photo that shows it.")
                % {"finding": SiteFindingKind(finding.kind).label}
            )
        if len(finding.photos) > settings.WORK_ORDER_PHOTOS_MAX:
            errors.setdefault(field, []).append(
                _("At most %(n)s photos.") % {"n": settings.WORK_ORDER_PHOTOS_MAX}
            )
        for photo in finding.photos:
            problems: list[str] = []
            _check_photo(photo, problems)
            if problems:
                errors.setdefault(field, []).extend(problems)
    if len({f.kind for f in findings}) != len(findings):
        errors.setdefault("findings", []).append(_("Each finding once."))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        order = _lock_open(work_order)
        component = current_component(order) or category_component(
            category=order.call.unit.model.category, code=MAIN_UNIT
        )
        rows = []
        for finding in findings:
            row = SiteFinding.objects.create(
                work_order=order, kind=finding.kind, note=finding.note.strip()[:300], by=acting_user, at=now
            )
            for photo in finding.photos:
                image = SiteFindingPhoto(finding=row)
                image.image.save("finding.jpg", photo, save=False)
                image.save()
            rows.append(row)
        reason = "、".join(SiteFindingKind(r.kind).label + (f"（{r.note}）" if r.note else "") for r in rows)
        change = _apply(
            order=order,
            kind=DecisionChangeKind.FINDING,
            component=component,
            exclusions=order_exclusions(order),
            reason=reason,
            acting_user=acting_user,
            now=now,
        )
        SiteFinding.objects.filter(pk__in=[r.pk for r in rows]).update(change=change)
    return change


def customer_reasons(change: DecisionChange | None) -> list[str]:
    """The decision's reasons in plain Chinese (what the tablet shows the customer)."""
    if change is None or change.decision is None:
        return []
    return [r["zh"] for r in change.decision.result.get("reasons", [])]
