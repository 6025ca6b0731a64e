"""Photos as they are kept: every photo taken on a job (before/after, a finding, the door of a customer not at
home, a part to be scrapped) is re-encoded on save — turned upright as the camera meant it, its longest side
capped at settings.PHOTO_MAX_SIDE, and every piece of metadata dropped (EXIF with its GPS position and the
phone's serial, XMP, comments, PNG text): the Personal Information Protection Law (个人信息保护法) asks that no
more personal information be kept than the purpose needs, and a photo of a customer's door needs no
coordinates. JPEG stays JPEG at quality 85, PNG stays PNG, anything else Pillow reads becomes a JPEG.

`PhotoField` does it in the model field, so no form, service or API call can store a photo untouched."""

from __future__ import annotations

import io
import mimetypes
from pathlib import PurePosixPath

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import models
from django.db.models.fields.files import ImageFieldFile
from django.http import FileResponse, Http404
from PIL import Image, ImageOps, UnidentifiedImageError

JPEG_QUALITY = 85
# Modes a PNG is written in as they are; any other (16-bit grey, CMYK…) is converted to RGB(A) first.
PNG_MODES = {"1", "L", "LA", "RGB", "RGBA"}


def _invalid() -> ValidationError:
    return ValidationError(forms.ImageField.default_error_messages["invalid_image"], code="invalid_image")


def _without_alpha(image: Image.Image) -> Image.Image:
    """A JPEG has no transparency: a transparent photo is laid on white."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, "white")
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image if image.mode in ("RGB", "L") else image.convert("RGB")


def photo_normalise(upload, *, max_side: int | None = None) -> ContentFile:
    """The photo as it is kept: upright, at most `max_side` (settings.PHOTO_MAX_SIDE) pixels on its longest
    side, no metadata. Named photo.jpg or photo.png. Not an image Pillow reads: ValidationError."""
    limit = max_side or settings.PHOTO_MAX_SIDE
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read()
    try:
        image = Image.open(io.BytesIO(data))
        source_format, source_mode = image.format, image.mode
        icc_profile = image.info.get("icc_profile")
        longest = max(image.size)
        if source_format == "JPEG" and longest > limit:
            # Decode at 1/2, 1/4 or 1/8 of the size when that still covers the limit: a 50-megapixel
            # photo never sits in memory at full size.
            image.draft("RGB", (image.width * limit // longest, image.height * limit // longest))
        image = ImageOps.exif_transpose(image)  # upright as shot; loads the pixels
        if image.mode == "P":
            image = image.convert("RGBA" if "transparency" in image.info else "RGB")
        keep_png = source_format == "PNG"
        if keep_png and image.mode not in PNG_MODES:
            image = image.convert("RGBA" if "A" in image.mode else "RGB")
        if not keep_png:
            image = _without_alpha(image)
        image.thumbnail((limit, limit), Image.Resampling.LANCZOS)  # only ever shrinks
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise _invalid() from exc
    image.info = {}  # EXIF (GPS), XMP, comments, PNG text: none goes into the file written below
    options = {}
    if icc_profile and image.mode == source_mode:  # the colours as shot; no location in a colour profile
        options["icc_profile"] = icc_profile
    out = io.BytesIO()
    if keep_png:
        image.save(out, "PNG", **options)
        return ContentFile(out.getvalue(), name="photo.png")
    image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, **options)
    return ContentFile(out.getvalue(), name="photo.jpg")


class PhotoFieldFile(ImageFieldFile):
    def save(self, name, content, save=True):
        photo = photo_normalise(content)
        # The stored name ends as the file now is (.jpg or .png), whatever the upload was called.
        name = str(PurePosixPath(name or "photo").with_suffix(PurePosixPath(photo.name).suffix))
        super().save(name, photo, save)


class PhotoField(models.ImageField):
    """An ImageField whose files are normalised on save (see photo_normalise): whether a service calls
    `field.save(…)` or a model is created with the upload, the stored file is the re-encoded one."""

    attr_class = PhotoFieldFile

    def generate_filename(self, instance, filename):
        name = super().generate_filename(instance, filename)
        # upload_to may fix an extension (…/door.jpg): the one of the re-encoded file wins.
        suffix = PurePosixPath(filename).suffix
        return str(PurePosixPath(name).with_suffix(suffix)) if suffix else name


def private_image_response(field) -> FileResponse:
    """A stored photo or signature, streamed from its storage (the disk or the object store) to a caller the
    view has already checked: private to the browser, never sniffed as anything but an image."""
    try:
        handle = field.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    content_type, _encoding = mimetypes.guess_type(field.name)
    if not (content_type or "").startswith("image/"):
        content_type = "application/octet-stream"
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'"
    return response
