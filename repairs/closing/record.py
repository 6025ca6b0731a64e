"""The closing record of a work order: parts used, the customer's proof, payment; validated and
written at once (idempotent on the tablet's client id)."""

from __future__ import annotations

import datetime as dt
import io
import uuid
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageChops, UnidentifiedImageError

from aftersales.parsing import parse_int
from aftersales.roles import may_act_for_center
from inventory.models import Part
from inventory.services import InsufficientStock, part_issue

from .. import paid
from ..acceptance.record import (
    AcceptanceInput,
    acceptance_errors,
    acceptance_required,
    installation_acceptance_record,
)
from ..choices import (
    ClosingChannel,
    FaultCodeKind,
    PhotoKind,
    Resolution,
    Satisfaction,
    ServiceMode,
    WorkOrderStatus,
)
from ..models import FaultCode, WorkOrder, WorkOrderClosing, WorkOrderPhoto
from ..services import _lock, _move
from .codes import CLOSABLE_STATUSES, MAX_PART_LINES, _code_check


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
    # Paid service: a WeChat or Alipay payment's transaction number; what is not collected on the spot is paid
    # later (the customer asked for the invoice) and kept as a receivable, with a note on the arrangement.
    payment_reference: str = ""
    pay_later: bool = False
    receivable_note: str = ""
    signature_png: bytes | None = None
    confirmation_code: str = ""
    satisfaction: str = ""
    travel_km: object = None  # one way, on-site work only; the settlement's travel-fee band
    # Neither signature nor code: the supervisor's (or a manager's) reason, recorded as an exception that
    # holds the work out of the settlement until a manager clears it.
    proof_exception_reason: str = ""
    channel: str = ClosingChannel.TABLET
    # An installation order: the acceptance it closes with (the maker's service standard).
    acceptance: AcceptanceInput | None = None


def _signature_drawn(data: bytes) -> bool:
    """Whether the PNG holds ink: something neither transparent nor white."""

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            # The size from the header, before a pixel is decoded: a small file may claim a huge image.
            if image.width < 20 or image.height < 20 or image.width > 4000 or image.height > 4000:
                return False
            image.load()
    except (
        UnidentifiedImageError,
        OSError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ):
        return False
    rgba = image.convert("RGBA")
    alpha_box = rgba.getchannel("A").getbbox()
    if alpha_box is None:
        return False
    # Ink is a pixel that is opaque and not white: invert the grey of opaque pixels and look for any.
    grey = rgba.convert("L").point(lambda v: 255 - v)
    opaque = rgba.getchannel("A").point(lambda a: 255 if a > 32 else 0)

    return ImageChops.multiply(grey, opaque).point(lambda v: 255 if v > 40 else 0).getbbox() is not None


def _is_image(upload) -> bool:

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
    km = parse_int(raw)
    if km is None:
        add("travel_km", _("The distance must be a whole number of kilometres."))
        return None
    if not 0 <= km <= 1000:
        add("travel_km", _("The distance must be between 0 and 1000 km."))
        return None
    return km


def _validate(order: WorkOrder, data: ClosingInput, acting_user) -> tuple[dict, int | None, paid.Payment]:
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
    minutes = parse_int(data.labour_minutes)
    if minutes is None:
        add("labour_minutes", _("Labour must be a whole number of minutes."))
    elif not 1 <= minutes <= 1440:
        add("labour_minutes", _("Labour must be between 1 and 1440 minutes (one day)."))
        minutes = None
    _travel_km(order, data, add)
    if data.satisfaction and data.satisfaction not in Satisfaction.values:
        add("satisfaction", _("Choose one of the satisfaction answers."))

    if data.resolution == Resolution.DECLINED:
        for field, messages in paid.decline_errors(order, parts=len(data.parts)).items():
            for message in messages:
                add(field, message)
    elif (
        data.resolution in Resolution.values
        and paid.is_paid(order)
        and order.quotes.exists()
        and not paid.consented_quotes(order)
    ):
        add(
            "resolution",
            _(
                "The customer agreed to no quote: close the order as declined by the customer, or quote again."
            ),
        )
    payment = paid.payment_check(
        order=order,
        resolution=data.resolution,
        collected_amount=data.collected_amount,
        payment_method=data.payment_method,
        payment_reference=data.payment_reference,
        pay_later=bool(data.pay_later),
        note=data.receivable_note,
        add=add,
    )

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
    reason = data.proof_exception_reason.strip()
    if not has_signature and not data.confirmation_code.strip():
        if not reason:
            add(
                "signature",
                _(
                    "Get the customer's signature on the screen, or type in the confirmation code they received by SMS."
                ),
            )
        elif not may_record_proof_exception(acting_user, order):
            add(
                "proof_exception_reason",
                _(
                    "Only the centre's supervisor or a manager closes a work order without the customer's "
                    "signature or code."
                ),
            )
        elif len(reason) < 4 or len(reason) > 500:
            add(
                "proof_exception_reason",
                _("Say in 4 to 500 characters why the customer could neither sign nor give the code."),
            )
    if data.channel not in ClosingChannel.values:
        add("channel", _("Unknown closing channel."))
    if acceptance_required(order, data.resolution):
        for field, messages in acceptance_errors(order, data.acceptance, signed=has_signature).items():
            for message in messages:
                add(field, message)
    return errors, minutes, payment


def may_record_proof_exception(user, order: WorkOrder) -> bool:
    """A closing without the customer's proof is a supervisor's exception (of the order's centre), or a
    manager's — never the technician's."""
    return may_act_for_center(user, order.center if order.center_id else None)


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
    by_code = not data.signature_png and bool(data.confirmation_code.strip())
    if by_code:
        if acceptance_required(work_order, data.resolution):
            # Refused before the code is checked: a closing that cannot go through does not use up a try.
            early = acceptance_errors(work_order, data.acceptance, signed=False)
            if early:
                raise ValidationError(early)
        _code_check(work_order, data.confirmation_code)

    saved_files: list = []
    try:
        with transaction.atomic():
            order = _lock(work_order)
            existing = WorkOrderClosing.objects.filter(client_id=client_id).first()
            if existing is not None:  # the same submission, committed while we waited for the lock
                return _replay(existing, work_order)
            declined = data.resolution == Resolution.DECLINED
            if order.status not in (paid.DECLINABLE_STATUSES if declined else CLOSABLE_STATUSES) or (
                declined and order.status == WorkOrderStatus.ACCEPTED and not hasattr(order, "carry_in")
            ):
                raise ValidationError(
                    {
                        "status": _("Work order %(number)s is “%(status)s”: it cannot be closed now.")
                        % {"number": order.number, "status": order.get_status_display()}
                    },
                    code="not_closable",
                )
            errors, minutes, payment = _validate(order, data, acting_user)
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
            exception = "" if (data.signature_png or by_code) else data.proof_exception_reason.strip()
            where = (
                _("Closed in the office: %(fault)s")
                if data.channel == ClosingChannel.OFFICE
                else _("Closed on the tablet: %(fault)s")
            ) % {"fault": data.fault_code}
            if exception:
                where += " · " + _("without the customer's proof: %(reason)s") % {"reason": exception}
            money_words = paid.payment_summary(payment, data.resolution)
            if money_words:
                where += " · " + money_words
            installation = acceptance_required(order, data.resolution)
            if installation:
                where += " · " + (
                    _("installation accepted")
                    if data.acceptance.trial_run_passed
                    else _("trial run failed: not accepted")
                )
            if declined:
                paid.quotes_decline_open(order=order, acting_user=acting_user, now=now)
            # The one way into "completed": with the closing record written below, in this transaction.
            _move(
                work_order=order,
                to_status=WorkOrderStatus.COMPLETED,
                acting_user=acting_user,
                note=where[:500],
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
                collected_amount=payment.collected,
                payment_method=payment.method,
                payment_reference=payment.reference,
                outstanding_amount=payment.outstanding,
                confirmed_by_code=by_code,
                proof_exception_reason=exception,
                channel=data.channel,
                satisfaction=data.satisfaction,
                closed_by=acting_user,
                closed_at=now,
            )
            if data.signature_png:
                closing.signature.save("signature.png", ContentFile(data.signature_png), save=False)
                saved_files.append(closing.signature)
            closing.save()
            paid.receivable_record(order=order, payment=payment, acting_user=acting_user, now=now)
            if installation:
                installation_acceptance_record(
                    order=order,
                    data=data.acceptance,
                    signature_png=data.signature_png,
                    acting_user=acting_user,
                    now=now,
                    saved_files=saved_files,
                )
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
