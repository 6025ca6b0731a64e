"""The manager's decision on a flag (clear: paid; reject: not paid, the centre told why), the centre's
dispute of a rejection, a customer's denial of a visit, and the thresholds' edits."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.roles import Role, has_role
from care.models import Notification
from network.models import ServiceCenter
from repairs.models import WorkOrder

from ..choices import OPEN, FlagAction, FlagStatus
from ..models import ClaimFlag, FlagEvent, ScreeningSettings, VisitDenial
from .screen import month_screen, settings_in_force

DECISIONS = {"clear": FlagStatus.CLEARED, "reject": FlagStatus.REJECTED}


def _flag_url(flag: ClaimFlag, code: str) -> str:
    return f"{reverse('screening:center', args=[code])}?month={flag.month:%Y-%m}#flag-{flag.pk}"


def flag_decide(
    *, flag: ClaimFlag, decision: str, reason: str, acting_user, now: dt.datetime | None = None
) -> ClaimFlag:
    """Clears a held (or disputed) flag — the order is paid in the next computation of its month's draft, or
    of the next month's when that one is confirmed — or rejects it: not paid, the centre's supervisors told
    why. Refused, nothing changed: not a manager, a manager who supervises the flag's centre, no reason, a
    decision other than clear or reject, a flag already decided."""
    now = now or timezone.now()
    if not has_role(acting_user, Role.MANAGER):
        raise PermissionDenied(_("Only a manager decides on a flagged order."))
    reason = (reason or "").strip()
    with transaction.atomic():
        flag = ClaimFlag.objects.select_for_update().select_related("work_order").get(pk=flag.pk)
        center = ServiceCenter.objects.get(pk=flag.center_id)
        errors: dict[str, list[str]] = {}
        if center.supervisors.filter(pk=acting_user.pk).exists():
            errors.setdefault("decision", []).append(
                _("You supervise %(center)s: a flag on its own order is decided by another manager.")
                % {"center": center.name}
            )
        if decision not in DECISIONS:
            errors.setdefault("decision", []).append(_("Choose to clear or to reject the order."))
        if not reason:
            errors.setdefault("reason", []).append(_("Say why: the reason is kept and shown to the centre."))
        if flag.status not in OPEN:
            errors.setdefault("decision", []).append(
                _("Order %(number)s is already decided (%(status)s).")
                % {"number": flag.work_order.number, "status": flag.get_status_display()}
            )
        if errors:
            raise ValidationError(errors)
        flag.status = DECISIONS[decision]
        flag.decided_by = acting_user
        flag.decided_at = now
        flag.reason = reason[:500]
        flag.save(update_fields=["status", "decided_by", "decided_at", "reason"])
        action = FlagAction.CLEARED if decision == "clear" else FlagAction.REJECTED
        FlagEvent.objects.create(flag=flag, action=action, actor=acting_user, at=now, note=flag.reason)
        if decision == "reject":
            title = _("Order %(number)s will not be paid") % {"number": flag.work_order.number}
            Notification.objects.bulk_create(
                Notification(
                    user=user,
                    kind="screening",
                    title=title[:200],
                    body=flag.reason[:500],
                    url=_flag_url(flag, center.code),
                    created_at=now,
                )
                for user in center.supervisors.all()
            )
    return flag


def flag_dispute(*, flag: ClaimFlag, reason: str, acting_user, now: dt.datetime | None = None) -> ClaimFlag:
    """The centre's supervisor disputes a rejection with its reason: the flag goes back to the managers
    (held again until decided). Refused: not a supervisor of the flag's centre, no reason, a flag that is
    not rejected."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    with transaction.atomic():
        flag = ClaimFlag.objects.select_for_update().select_related("work_order").get(pk=flag.pk)
        center = ServiceCenter.objects.get(pk=flag.center_id)
        if not (
            has_role(acting_user, Role.SUPERVISOR) and center.supervisors.filter(pk=acting_user.pk).exists()
        ):
            raise PermissionDenied(_("Only the centre's supervisor disputes its rejected orders."))
        errors: dict[str, list[str]] = {}
        if not reason:
            errors.setdefault("reason", []).append(_("Say why the order should be paid."))
        if flag.status != FlagStatus.REJECTED:
            errors.setdefault("decision", []).append(_("Only a rejected order can be disputed."))
        if errors:
            raise ValidationError(errors)
        flag.status = FlagStatus.DISPUTED
        flag.dispute_reason = reason[:500]
        flag.disputed_at = now
        flag.save(update_fields=["status", "dispute_reason", "disputed_at"])
        FlagEvent.objects.create(
            flag=flag, action=FlagAction.DISPUTED, actor=acting_user, at=now, note=reason[:500]
        )
        if flag.decided_by_id:
            Notification.objects.create(
                user_id=flag.decided_by_id,
                kind="screening",
                title=(
                    _("%(center)s disputes the rejection of %(number)s")
                    % {"center": center.name, "number": flag.work_order.number}
                )[:200],
                body=flag.dispute_reason,
                url=_flag_url(flag, center.code),
                created_at=now,
            )
    return flag


def visit_denial_record(
    *, number: str, customer_words: str, acting_user, now: dt.datetime | None = None
) -> VisitDenial:
    """Records that the customer denied the visit of work order `number` (no one came, no work done), and
    screens that order again when it is closed. Refused: not a manager, an unknown order, no words, a
    denial already recorded."""
    now = now or timezone.now()
    if not has_role(acting_user, Role.MANAGER):
        raise PermissionDenied(_("Only a manager records a denied visit."))
    number = (number or "").strip().upper()
    words = (customer_words or "").strip()
    errors: dict[str, list[str]] = {}
    if not words:
        errors.setdefault("customer_words", []).append(_("Write down what the customer said."))
    with transaction.atomic():
        # The order's row locked: a second click waits, then finds the denial (never a duplicate-key error).
        order = (
            WorkOrder.objects.select_for_update(no_key=True).filter(number=number).first() if number else None
        )
        if order is None:
            errors.setdefault("number", []).append(_("No work order has this number."))
        elif VisitDenial.objects.filter(work_order=order).exists():
            errors.setdefault("number", []).append(_("A denial is already recorded for this order."))
        if errors:
            raise ValidationError(errors)
        denial = VisitDenial.objects.create(
            work_order=order, customer_words=words[:500], recorded_by=acting_user, recorded_at=now
        )
        if order.closed_at is not None:  # screened again with the denial, in the same transaction
            month_screen(month=timezone.localdate(order.closed_at).replace(day=1), now=now, only=[order.pk])
    return denial


def thresholds_update(*, values: dict, acting_user, now: dt.datetime | None = None) -> ScreeningSettings:
    """Sets the thresholds (whole numbers, or decimals where the field has places). Refused, nothing
    changed: not a manager, a value missing, not a number, zero or negative."""
    now = now or timezone.now()
    if not has_role(acting_user, Role.MANAGER):
        raise PermissionDenied(_("Only a manager changes the screening thresholds."))
    with transaction.atomic():
        row = ScreeningSettings.objects.select_for_update().filter(pk=settings_in_force().pk).get()
        errors: dict[str, list[str]] = {}
        for name in ScreeningSettings.THRESHOLDS:
            field = ScreeningSettings._meta.get_field(name)
            text = str(values.get(name, "")).strip()
            try:
                value = Decimal(text) if getattr(field, "decimal_places", None) else int(text)
                if isinstance(value, Decimal) and not value.is_finite():
                    raise InvalidOperation
            except (InvalidOperation, ValueError):
                errors.setdefault(name, []).append(_("Enter a number."))
                continue
            if value <= 0:
                errors.setdefault(name, []).append(_("A threshold must be greater than zero."))
                continue
            if isinstance(value, Decimal):
                limit = Decimal(10) ** (field.max_digits - field.decimal_places)
                if value >= limit or value.as_tuple().exponent < -field.decimal_places:
                    errors.setdefault(name, []).append(
                        _("At most %(places)s decimal places, below %(limit)s.")
                        % {"places": field.decimal_places, "limit": limit}
                    )
                    continue
            elif value > 100_000:
                errors.setdefault(name, []).append(_("At most 100000."))
                continue
            setattr(row, name, value)
        if errors:
            raise ValidationError(errors)
        row.updated_at = now
        row.updated_by = acting_user
        row.save()
    return row
