"""Calls the customers report on their own pages (channel web): the photos they send with a call or a unit's
invoice, an address they add, and the dispatcher's confirmation of the call by phone.

A web call is "to confirm" until a dispatcher has checked its details with the customer by phone (the
maker's procedure: doubtful facts are checked before the visit); it may be dispatched before that all the
same. Photo files are written inside the caller's transaction and listed in `saved_files`: a caller that rolls
back deletes them (the rows go with the rollback, so must their files)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from ..choices import CallChannel
from ..models import Customer, CustomerAddress, ProductUnit, RepairCall, RepairCallPhoto
from .register import _event

CALL_PHOTOS_MAX = 6
CALL_PHOTO_MAX_BYTES = 10 * 1024 * 1024


def photo_problems(photos: Sequence, *, most: int = CALL_PHOTOS_MAX) -> list[str]:
    """What is wrong with the uploads, one message per refused file, naming it: more than `most` files, a
    file over CALL_PHOTO_MAX_BYTES, a file Pillow cannot verify as an image. Empty: all may be stored."""
    problems = []
    if len(photos) > most:
        problems.append(_("At most %(n)s photos.") % {"n": most})
    for upload in photos:
        name = getattr(upload, "name", "") or "?"
        if upload.size > CALL_PHOTO_MAX_BYTES:
            problems.append(
                _("%(name)s is larger than %(mb)s MB.")
                % {"name": name, "mb": CALL_PHOTO_MAX_BYTES // (1024 * 1024)}
            )
        elif not _is_image(upload):
            problems.append(_("%(name)s is not a photo (JPEG, PNG…).") % {"name": name})
    return problems


PHOTO_MAX_PIXELS = 60_000_000


def _is_image(upload) -> bool:
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            # A photo's pixels are decoded whole to resize it: a phone's 50-megapixel picture passes, a
            # crafted image of hundreds of megapixels (a few hundred MB of memory each) does not.
            if image.width * image.height > PHOTO_MAX_PIXELS:
                return False
            image.verify()
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return False
    finally:
        upload.seek(0)
    return True


def repair_call_photos_attach(
    *, call: RepairCall, photos: Sequence, saved_files: list, now: dt.datetime | None = None
) -> list[RepairCallPhoto]:
    """Stores the photos of a call (checked first: ValidationError({"photos": …}) and nothing written). Call
    it inside the transaction that logs the call; every stored file is appended to `saved_files`."""
    now = now or timezone.now()
    problems = photo_problems(photos, most=CALL_PHOTOS_MAX - call.photos.count())
    if problems:
        raise ValidationError({"photos": problems})
    rows = []
    for upload in photos:
        row = RepairCallPhoto(call=call, uploaded_at=now)
        row.image.save("photo.jpg", upload, save=False)
        saved_files.append(row.image)
        row.save()
        rows.append(row)
    return rows


def unit_invoice_photo_attach(*, unit: ProductUnit, photo, saved_files: list) -> ProductUnit:
    """Stores the photo of the unit's invoice (checked first), in the caller's transaction."""
    problems = photo_problems([photo], most=1)
    if problems:
        raise ValidationError({"invoice_photo": problems})
    unit.invoice_photo.save("invoice.jpg", photo, save=False)
    saved_files.append(unit.invoice_photo)
    ProductUnit.objects.filter(pk=unit.pk).update(invoice_photo=unit.invoice_photo.name)
    return unit


def customer_address_add(*, customer: Customer, region, detail: str) -> CustomerAddress:
    """An address the customer typed for a call: kept with their others (the same one is not added twice)."""
    detail = (detail or "").strip()
    errors = {}
    if region is None:
        errors["region"] = _("Choose the district of the address.")
    if not detail:
        errors["address_detail"] = _("Enter the street address.")
    elif len(detail) > CustomerAddress._meta.get_field("detail").max_length:
        errors["address_detail"] = _("At most %(n)s characters.") % {
            "n": CustomerAddress._meta.get_field("detail").max_length
        }
    if errors:
        raise ValidationError(errors)
    existing = CustomerAddress.objects.filter(customer=customer, region=region, detail=detail).first()
    if existing:
        return existing
    return CustomerAddress.objects.create(
        customer=customer, region=region, detail=detail, is_primary=not customer.addresses.exists()
    )


def repair_call_confirm(
    *, call: RepairCall, acting_user, note: str = "", now: dt.datetime | None = None
) -> RepairCall:
    """A dispatcher checked a web call's details with the customer by phone: the call is no longer "to
    confirm", and the check is a line in the trail of its work orders."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = RepairCall.objects.select_for_update().get(pk=call.pk)
        if locked.channel != CallChannel.WEB:
            raise ValidationError(
                {
                    "call": _(
                        "Only calls the customer reported online are confirmed: this one was logged by us."
                    )
                }
            )
        if locked.confirmed_at is not None:
            who = locked.confirmed_by.get_full_name() or locked.confirmed_by.get_username()
            raise ValidationError(
                {
                    "call": _("Call %(number)s was already confirmed by %(who)s.")
                    % {"number": locked.number, "who": who}
                },
                code="already_confirmed",
            )
        locked.confirmed_at = now
        locked.confirmed_by = acting_user
        locked.save(update_fields=["confirmed_at", "confirmed_by"])
        text = _("Details confirmed with the customer by phone")
        if note.strip():
            text = f"{text}：{note.strip()}"
        for order in locked.work_orders.select_for_update().order_by("pk"):
            _event(order, order.status, order.status, acting_user, now, text[:500])
    call.confirmed_at, call.confirmed_by = locked.confirmed_at, locked.confirmed_by
    return call
