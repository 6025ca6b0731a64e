"""The quality contact's actions on an alert: acknowledge it (seen, being looked into) and close it with a
note (what was found, what was done). Each is recorded in the alert's trail."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..choices import AlertAction, AlertStatus
from ..models import Alert, AlertEvent, may_watch_quality


def _locked(alert: Alert, acting_user) -> Alert:
    if not may_watch_quality(acting_user):
        raise PermissionDenied(_("Only a manager or a quality contact acts on quality alerts."))
    return Alert.objects.select_for_update().get(pk=alert.pk)


def alert_acknowledge(*, alert: Alert, acting_user, note: str = "", now: dt.datetime | None = None) -> Alert:
    """An open alert becomes acknowledged. Refused: an alert acknowledged or closed already."""
    now = now or timezone.now()
    note = (note or "").strip()
    with transaction.atomic():
        alert = _locked(alert, acting_user)
        if alert.status != AlertStatus.OPEN:
            raise ValidationError(
                {"note": _("This alert is %(status)s already.") % {"status": alert.get_status_display()}}
            )
        if len(note) > 1000:
            raise ValidationError({"note": _("The note is at most 1000 characters.")})
        alert.status, alert.acknowledged_at, alert.acknowledged_by = (
            AlertStatus.ACKNOWLEDGED,
            now,
            acting_user,
        )
        alert.save(update_fields=["status", "acknowledged_at", "acknowledged_by"])
        AlertEvent.objects.create(
            alert=alert, action=AlertAction.ACKNOWLEDGED, actor=acting_user, at=now, note=note
        )
    return alert


def alert_close(*, alert: Alert, acting_user, note: str, now: dt.datetime | None = None) -> Alert:
    """An open or acknowledged alert is closed with a note. Refused: no note, an alert closed already."""
    now = now or timezone.now()
    note = (note or "").strip()
    with transaction.atomic():
        alert = _locked(alert, acting_user)
        errors = []
        if alert.status == AlertStatus.CLOSED:
            errors.append(_("This alert is closed already."))
        if not note:
            errors.append(_("Write what was found and done before closing the alert."))
        elif len(note) > 1000:
            errors.append(_("The note is at most 1000 characters."))
        if errors:
            raise ValidationError({"note": errors})
        alert.status, alert.closed_at, alert.closed_by, alert.close_note = (
            AlertStatus.CLOSED,
            now,
            acting_user,
            note,
        )
        alert.save(update_fields=["status", "closed_at", "closed_by", "close_note"])
        AlertEvent.objects.create(
            alert=alert, action=AlertAction.CLOSED, actor=acting_user, at=now, note=note
        )
    return alert
