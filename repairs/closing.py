"""The technician's side of a work order: the confirmation code sent to the customer, asking for parts, and
the closing (完工) — fault, cause, resolution, labour, parts consumed from the centre's stock, photos,
payment, the customer's signature or code — in one transaction with the status change.

Kept apart from services.py because it draws on the inventory (parts are consumed through its ledger):
inventory depends on repairs' models, and this module on both.
"""

from __future__ import annotations

import datetime as dt
import io
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales import sms
from aftersales.money import money
from aftersales.roles import Role, has_role
from inventory.models import Part
from inventory.services import InsufficientStock, part_issue, part_request_submit

from .choices import (
    FaultCodeKind,
    PaymentMethod,
    PhotoKind,
    Resolution,
    Satisfaction,
    ServiceMode,
    ServiceType,
    WorkOrderStatus,
)
from .models import FaultCode, WorkOrder, WorkOrderClosing, WorkOrderPhoto
from .services import _lock, work_order_transition

CONFIRMATION_CODE_DIGITS = 6
CONFIRMATION_MAX_FAILURES = 5
CLOSABLE_STATUSES = frozenset({WorkOrderStatus.IN_REPAIR, WorkOrderStatus.WAITING_FOR_PARTS})
MAX_PART_LINES = 20


def _is_mobile(number: str) -> bool:
    return len(number) == 11 and number.startswith("1") and number.isdigit()


def confirmation_code_send(*, work_order: WorkOrder, now: dt.datetime | None = None) -> bool:
    """Makes a new confirmation code for the visit, keeps its hash and texts it to the caller's mobile.
    A code sent earlier stops working. Returns False (nothing sent) when the caller gave no mobile number
    or the order is no longer open."""
    now = now or timezone.now()
    code = "".join(secrets.choice("0123456789") for _i in range(CONFIRMATION_CODE_DIGITS))
    with transaction.atomic():
        order = WorkOrder.objects.select_for_update(of=("self",)).select_related("call").get(pk=work_order.pk)
        phone = order.call.caller_phone
        if not order.is_open or not _is_mobile(phone):
            return False
        order.confirmation_code_hash = make_password(code)
        order.confirmation_sent_at = now
        order.confirmation_failures = 0
        order.save(update_fields=["confirmation_code_hash", "confirmation_sent_at", "confirmation_failures"])
    # Sent after the commit: a code the database does not hold must never reach the customer.
    sms.send_sms(
        phone,
        _(
            "[After-sales service] Your work order %(number)s: the technician will ask for this "
            "confirmation code when the job is done: %(code)s. Give it only to the technician at your door."
        )
        % {"number": order.number, "code": code},
    )
    return True


def _code_matches(order: WorkOrder, code: str) -> None:
    """Checks the typed code; a wrong one counts (committed even though the closing is refused)."""
    code = code.strip()
    if not order.confirmation_code_hash:
        raise ValidationError(
            {"confirmation_code": _("No confirmation code was sent for this work order: send one first.")}
        )
    if order.confirmation_failures >= CONFIRMATION_MAX_FAILURES:
        raise ValidationError(
            {
                "confirmation_code": _(
                    "Too many wrong codes: send the customer a new code, or get their signature."
                )
            }
        )
    if (
        len(code) == CONFIRMATION_CODE_DIGITS
        and code.isdigit()
        and check_password(code, order.confirmation_code_hash)
    ):
        return
    with transaction.atomic():
        WorkOrder.objects.filter(pk=order.pk).update(confirmation_failures=F("confirmation_failures") + 1)
    left = CONFIRMATION_MAX_FAILURES - order.confirmation_failures - 1
    raise ValidationError(
        {
            "confirmation_code": _("That is not the customer's code (%(left)s tries left).")
            % {"left": max(left, 0)}
        }
    )


@dataclass(frozen=True)
class PartUse:
    """A part used on the job: from the centre's stock; serials where the part has them; a reason when
    the part is not listed for the product's model."""

    part: Part
    quantity: int
    serial_number: str = ""
    old_serial: str = ""
    reason: str = ""


@dataclass(frozen=True)
class PhotoUpload:
    kind: str
    file: object  # an UploadedFile


@dataclass(frozen=True)
class ClosingInput:
    client_id: str
    fault_code: FaultCode | None
    cause: FaultCode | None
    resolution: str
    labour_minutes: object
    resolution_note: str = ""
    parts: Sequence[PartUse] = ()
    photos: Sequence[PhotoUpload] = ()
    collected_amount: object = None
    payment_method: str = ""
    signature_png: bytes | None = None
    confirmation_code: str = ""
    satisfaction: str = ""
    travel_km: object = None  # one way, on-site work only; the settlement's travel-fee band


def _signature_drawn(data: bytes) -> bool:
    """Whether the PNG holds ink: something neither transparent nor white."""
    from PIL import Image, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, ValueError):
        return False
    if image.width < 20 or image.height < 20 or image.width > 4000 or image.height > 4000:
        return False
    rgba = image.convert("RGBA")
    alpha_box = rgba.getchannel("A").getbbox()
    if alpha_box is None:
        return False
    # Ink is a pixel that is opaque and not white: invert the grey of opaque pixels and look for any.
    grey = rgba.convert("L").point(lambda v: 255 - v)
    opaque = rgba.getchannel("A").point(lambda a: 255 if a > 32 else 0)
    from PIL import ImageChops

    return ImageChops.multiply(grey, opaque).point(lambda v: 255 if v > 40 else 0).getbbox() is not None


def _is_image(upload) -> bool:
    from django import forms

    try:
        forms.ImageField().to_python(upload)
    except ValidationError:
        return False
    finally:
        if hasattr(upload, "seek"):
            upload.seek(0)
    return True


def _travel_km(order: WorkOrder, data: ClosingInput, add) -> int | None:
    raw = "" if data.travel_km is None else str(data.travel_km).strip()
    if not raw:
        return None
    if order.mode != ServiceMode.ON_SITE:
        add("travel_km", _("Only on-site work has a travel distance."))
        return None
    try:
        km = int(raw)
    except ValueError:
        add("travel_km", _("The distance must be a whole number of kilometres."))
        return None
    if not 0 <= km <= 1000:
        add("travel_km", _("The distance must be between 0 and 1000 km."))
        return None
    return km


def _validate(order: WorkOrder, data: ClosingInput) -> tuple[dict, int | None, Decimal]:
    errors: dict[str, list[str]] = {}

    def add(field, message):
        errors.setdefault(field, []).append(message)

    category_id = order.call.unit.model.category_id
    if data.fault_code is None:
        add("fault_code", _("Choose the fault code."))
    elif data.fault_code.kind != FaultCodeKind.FAULT or data.fault_code.category_id != category_id:
        add("fault_code", _("That fault code is not one of this product's."))
    if data.cause is None:
        add("cause", _("Choose the cause."))
    elif data.cause.kind != FaultCodeKind.CAUSE or data.cause.category_id != category_id:
        add("cause", _("That cause is not one of this product's."))
    if data.resolution not in Resolution.values:
        add("resolution", _("Choose what was done."))
    if len(data.resolution_note) > 500:
        add("resolution_note", _("At most 500 characters."))
    minutes = None
    try:
        minutes = int(str(data.labour_minutes).strip())
    except (TypeError, ValueError):
        add("labour_minutes", _("Labour must be a whole number of minutes."))
    else:
        if not 1 <= minutes <= 1440:
            add("labour_minutes", _("Labour must be between 1 and 1440 minutes (one day)."))
    _travel_km(order, data, add)
    if data.satisfaction and data.satisfaction not in Satisfaction.values:
        add("satisfaction", _("Choose one of the satisfaction answers."))

    amount = Decimal("0.00")
    raw_amount = "" if data.collected_amount is None else str(data.collected_amount).strip()
    if order.call.service_type == ServiceType.PAID:
        try:
            amount = money(Decimal(raw_amount))
            if not amount.is_finite():
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            add("collected_amount", _("Paid service: enter the amount collected, e.g. 180.00."))
        else:
            if amount <= 0 or amount > Decimal("999999.99"):
                add("collected_amount", _("Paid service: the amount collected must be more than 0."))
        if data.payment_method not in PaymentMethod.values:
            add("payment_method", _("Choose how the customer paid."))
    elif raw_amount not in ("", "0", "0.0", "0.00"):
        add("collected_amount", _("Nothing is collected on a job that is not paid service (A)."))

    if len(data.parts) > MAX_PART_LINES:
        add("parts", _("At most %(n)s part lines.") % {"n": MAX_PART_LINES})
    for use in data.parts:
        if not isinstance(use.quantity, int) or not 1 <= use.quantity <= 1000:
            add(
                "parts",
                _("%(part)s: the quantity must be a whole number from 1 to 1000.") % {"part": use.part},
            )
        if use.part.serialized and not use.serial_number.strip():
            add("parts", _("%(part)s: enter the serial number of the new part.") % {"part": use.part})
        if use.part.serialized and use.quantity != 1:
            add("parts", _("%(part)s has serial numbers: enter one line per piece.") % {"part": use.part})

    if len(data.photos) > settings.WORK_ORDER_PHOTOS_MAX:
        add("photos", _("At most %(n)s photos.") % {"n": settings.WORK_ORDER_PHOTOS_MAX})
    for photo in data.photos:
        name = getattr(photo.file, "name", "") or "?"
        if photo.kind not in PhotoKind.values:
            add("photos", _("%(name)s: say whether it is a before or an after photo.") % {"name": name})
        elif photo.file.size > settings.WORK_ORDER_PHOTO_MAX_BYTES:
            add(
                "photos",
                _("%(name)s is larger than %(limit)s MB.")
                % {"name": name, "limit": settings.WORK_ORDER_PHOTO_MAX_BYTES // 1024 // 1024},
            )
        elif not _is_image(photo.file):
            add("photos", _("%(name)s is not a photo (JPEG, PNG…).") % {"name": name})

    has_signature = bool(data.signature_png)
    if has_signature and (
        len(data.signature_png) > 2 * 1024 * 1024 or not _signature_drawn(data.signature_png)
    ):
        add("signature", _("The signature is empty or unreadable: ask the customer to sign again."))
    if not has_signature and not data.confirmation_code.strip():
        add(
            "signature",
            _(
                "Get the customer's signature on the screen, or type in the confirmation code they received by SMS."
            ),
        )
    return errors, minutes, amount


def work_order_close(
    *, work_order: WorkOrder, data: ClosingInput, acting_user, now: dt.datetime | None = None
) -> tuple[WorkOrderClosing, bool]:
    """Completes the work order with its closing record, consuming the parts used from the centre's stock,
    all in one transaction: nothing is half-done. Returns (closing, replayed): a second submission with
    the same client id returns the first closing and changes nothing."""
    now = now or timezone.now()
    try:
        client_id = uuid.UUID(str(data.client_id))
    except ValueError:
        raise ValidationError(
            {"client_id": _("The form is missing its submission id: reload the page.")}
        ) from None

    existing = WorkOrderClosing.objects.filter(client_id=client_id).first()
    if existing is not None:
        return _replay(existing, work_order)
    if not data.signature_png and data.confirmation_code.strip():
        order = WorkOrder.objects.get(pk=work_order.pk)
        _code_matches(order, data.confirmation_code)

    saved_files: list = []
    try:
        with transaction.atomic():
            order = _lock(work_order)
            existing = WorkOrderClosing.objects.filter(client_id=client_id).first()
            if existing is not None:  # the same submission, committed while we waited for the lock
                return _replay(existing, work_order)
            if order.status not in CLOSABLE_STATUSES:
                raise ValidationError(
                    {
                        "status": _("Work order %(number)s is “%(status)s”: it cannot be closed now.")
                        % {"number": order.number, "status": order.get_status_display()}
                    },
                    code="not_closable",
                )
            errors, minutes, amount = _validate(order, data)
            if errors:
                raise ValidationError(errors)
            km = _travel_km(order, data, lambda *_a: None)
            if km is not None:
                order.travel_km = km
                order.save(update_fields=["travel_km"])
            for index, use in enumerate(data.parts):
                try:
                    part_issue(
                        work_order=order,
                        part=use.part,
                        quantity=use.quantity,
                        acting_user=acting_user,
                        serial_number=use.serial_number.strip(),
                        old_serial=use.old_serial.strip(),
                        reason=use.reason.strip(),
                        now=now,
                        idempotency_key=f"close:{client_id}:{index}",
                    )
                except InsufficientStock as exc:
                    raise ValidationError(
                        {
                            "parts": [
                                _(
                                    "%(part)s: %(wanted)s needed, %(on_hand)s in your centre's stock. "
                                    "Ask for it with a part request."
                                )
                                % {"part": part, "wanted": wanted, "on_hand": on_hand}
                                for _w, part, wanted, on_hand in exc.shortages
                            ]
                        },
                        code="insufficient_stock",
                    ) from None
                except ValidationError as exc:
                    raise ValidationError(
                        {"parts": [f"{use.part.code}：{m}" for m in exc.messages]}
                    ) from None
            work_order_transition(
                work_order=order,
                to_status=WorkOrderStatus.COMPLETED,
                acting_user=acting_user,
                note=_("Closed on the tablet: %(fault)s") % {"fault": data.fault_code},
                now=now,
            )
            closing = WorkOrderClosing(
                work_order=order,
                client_id=client_id,
                fault_code=data.fault_code,
                cause=data.cause,
                resolution=data.resolution,
                resolution_note=data.resolution_note.strip(),
                labour_minutes=minutes,
                collected_amount=amount,
                payment_method=data.payment_method if amount > 0 else "",
                confirmed_by_code=not data.signature_png,
                satisfaction=data.satisfaction,
                closed_by=acting_user,
                closed_at=now,
            )
            if data.signature_png:
                closing.signature.save("signature.png", ContentFile(data.signature_png), save=False)
                saved_files.append(closing.signature)
            closing.save()
            for photo in data.photos:
                row = WorkOrderPhoto(
                    work_order=order, kind=photo.kind, uploaded_by=acting_user, uploaded_at=now
                )
                row.image.save("photo.jpg", photo.file, save=False)
                saved_files.append(row.image)
                row.save()
    except BaseException:
        for field in saved_files:  # the rows are gone with the rollback: so go their files
            field.storage.delete(field.name)
        raise
    return closing, False


def _replay(existing: WorkOrderClosing, work_order: WorkOrder) -> tuple[WorkOrderClosing, bool]:
    if existing.work_order_id != work_order.pk:
        raise ValidationError(
            {"client_id": _("This submission belongs to another work order: reload the page.")}
        )
    return existing, True


def work_order_need_parts(
    *, work_order: WorkOrder, lines: Sequence[tuple[Part, int]], acting_user, note: str = "", now=None
):
    """需要备件: a part request for the work order from the centre, and the order waits for the parts (when
    the repair had started). One transaction: no request without the status, nor the reverse."""
    now = now or timezone.now()
    with transaction.atomic():
        order = _lock(work_order)
        if order.status not in (
            WorkOrderStatus.ON_SITE,
            WorkOrderStatus.IN_REPAIR,
            WorkOrderStatus.WAITING_FOR_PARTS,
        ):
            raise ValidationError(
                _("Work order %(number)s is “%(status)s”: parts are asked for once on site.")
                % {"number": order.number, "status": order.get_status_display()}
            )
        request = part_request_submit(
            center=order.center, lines=lines, acting_user=acting_user, work_order=order, note=note, now=now
        )
        if order.status == WorkOrderStatus.ON_SITE:
            order = work_order_transition(
                work_order=order, to_status=WorkOrderStatus.IN_REPAIR, acting_user=acting_user, now=now
            )
        if order.status != WorkOrderStatus.WAITING_FOR_PARTS:
            work_order_transition(
                work_order=order,
                to_status=WorkOrderStatus.WAITING_FOR_PARTS,
                acting_user=acting_user,
                note=_("Part request %(number)s") % {"number": request.number},
                now=now,
            )
    return request


def technician_may_act(user, order: WorkOrder) -> bool:
    """The tablet's actions: the order's own technician, or a supervisor of its centre (managers too)."""
    if has_role(user, Role.MANAGER):
        return True
    if order.technician_id and getattr(getattr(user, "technician", None), "pk", None) == order.technician_id:
        return True
    return bool(order.center_id) and order.center.supervisors.filter(pk=user.pk).exists()
