"""Defective-part returns (旧件返还): shipped back, received, inspected, scrapped on approval."""

from __future__ import annotations

from collections.abc import Sequence

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.roles import Role, may_act_for_center

from ..choices import (
    DefectiveReturnStatus,
    InspectionOutcome,
    MovementKind,
)
from ..models import (
    ZERO,
    DefectiveReturn,
    DefectiveReturnPhoto,
)
from .common import _require, _text
from .ledger import Move, _post, defective_warehouse

# --------------------------------------------------------------------------------------------------------
# Defective-part returns (旧件返还)
# --------------------------------------------------------------------------------------------------------


def _lock_tag(tag: DefectiveReturn) -> DefectiveReturn:
    # Only the tag's row: FOR UPDATE on the joined part would hold up every stock movement of that part.
    return (
        DefectiveReturn.objects.select_for_update(no_key=True, of=("self",))
        .select_related("center", "part")
        .get(pk=tag.pk)
    )


def _tag_state(tag: DefectiveReturn, *allowed: str) -> None:
    if tag.status not in allowed:
        raise ValidationError(
            _("Tag %(number)s is %(status)s.") % {"number": tag.number, "status": tag.get_status_display()},
            code="invalid_transition",
        )


_own_center = may_act_for_center


def _is_image(photo) -> bool:
    """Whether Pillow reads the upload as an image (the name and the declared type prove nothing)."""
    try:
        forms.ImageField().to_python(photo)
    except ValidationError:
        return False
    return True


def defective_return_ship(
    *, tag: DefectiveReturn, courier: str, tracking_number: str, acting_user, now=None
) -> DefectiveReturn:
    now = now or timezone.now()
    tracking_number = _text(
        tracking_number, "tracking_number", 40, required_message=_("Enter the courier's tracking number.")
    )
    courier = _text(courier, "courier", 40)
    with transaction.atomic():
        tag = _lock_tag(tag)
        if not _own_center(acting_user, tag.center):
            raise ValidationError(_("You are not allowed to do this."), code="forbidden")
        _tag_state(tag, DefectiveReturnStatus.OPEN)
        tag.status = DefectiveReturnStatus.SHIPPED
        tag.courier = courier
        tag.tracking_number = tracking_number
        tag.shipped_at = now
        tag.save(update_fields=["status", "courier", "tracking_number", "shipped_at"])
        return tag


def defective_return_request_scrap(
    *, tag: DefectiveReturn, reason: str, photos: Sequence, acting_user, now=None
) -> DefectiveReturn:
    """Asks to scrap the part on site (就地报废): a reason and at least one photo; a manager decides."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    errors = {}
    if not reason:
        errors["scrap_reason"] = _("Say why the part cannot be sent back.")
    elif len(reason) > 300:
        errors["scrap_reason"] = _("At most %(most)s characters (this has %(length)s).") % {
            "most": 300,
            "length": len(reason),
        }
    if not photos:
        errors["photos"] = _("Add at least one photo of the part.")
    else:
        not_images = [getattr(photo, "name", "") or "?" for photo in photos if not _is_image(photo)]
        if not_images:
            errors["photos"] = _("Not a photo (JPEG, PNG…): %(names)s.") % {"names": "、".join(not_images)}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        tag = _lock_tag(tag)
        if not _own_center(acting_user, tag.center):
            raise ValidationError(_("You are not allowed to do this."), code="forbidden")
        _tag_state(tag, DefectiveReturnStatus.OPEN)
        for photo in photos:
            DefectiveReturnPhoto.objects.create(
                defective_return=tag, image=photo, uploaded_by=acting_user, uploaded_at=now
            )
        tag.status = DefectiveReturnStatus.SCRAP_REQUESTED
        tag.scrap_reason = reason
        tag.scrap_requested_at = now
        tag.save(update_fields=["status", "scrap_reason", "scrap_requested_at"])
        return tag


def defective_return_decide_scrap(
    *, tag: DefectiveReturn, approve: bool, acting_user, note: str = "", now=None
) -> DefectiveReturn:
    """A manager approves scrapping on site, or refuses it (the part must then be sent back)."""
    now = now or timezone.now()
    _require(acting_user, Role.MANAGER)
    note = _text(note, "note", 300)
    with transaction.atomic():
        tag = _lock_tag(tag)
        _tag_state(tag, DefectiveReturnStatus.SCRAP_REQUESTED)
        if approve:
            tag.status = DefectiveReturnStatus.SCRAPPED
            tag.scrap_approved_by = acting_user
            tag.scrapped_at = now
        else:
            tag.status = DefectiveReturnStatus.OPEN
            tag.inspection_note = note
        tag.save(update_fields=["status", "scrap_approved_by", "scrapped_at", "inspection_note"])
        return tag


def defective_return_receive(*, tag: DefectiveReturn, acting_user, now=None) -> DefectiveReturn:
    """The central warehouse receives the old part: one piece into the defective-parts store, worth 0."""
    now = now or timezone.now()
    _require(acting_user, Role.MANAGER)
    with transaction.atomic():
        tag = _lock_tag(tag)
        _tag_state(tag, DefectiveReturnStatus.OPEN, DefectiveReturnStatus.SHIPPED)
        (movement,) = _post(
            [Move(defective_warehouse(), tag.part, 1, value=ZERO, serial_number=tag.old_serial)],
            kind=MovementKind.DEFECTIVE_IN,
            acting_user=acting_user,
            now=now,
            reference=tag.number,
        )
        tag.status = DefectiveReturnStatus.RECEIVED
        tag.received_by = acting_user
        tag.received_at = now
        tag.receipt_movement = movement
        tag.save(update_fields=["status", "received_by", "received_at", "receipt_movement"])
        return tag


def defective_return_inspect(
    *, tag: DefectiveReturn, outcome: str, acting_user, note: str = "", now=None
) -> DefectiveReturn:
    now = now or timezone.now()
    _require(acting_user, Role.MANAGER)
    if outcome not in InspectionOutcome.values:
        raise ValidationError({"outcome": _("Choose what the inspection found.")})
    note = _text(note, "inspection_note", 300)
    if outcome != InspectionOutcome.FAULTY and not note:
        raise ValidationError({"inspection_note": _("Describe what was found.")})
    with transaction.atomic():
        tag = _lock_tag(tag)
        _tag_state(tag, DefectiveReturnStatus.RECEIVED)
        tag.status = DefectiveReturnStatus.INSPECTED
        tag.outcome = outcome
        tag.inspection_note = note
        tag.inspected_by = acting_user
        tag.inspected_at = now
        tag.save(update_fields=["status", "outcome", "inspection_note", "inspected_by", "inspected_at"])
        return tag
