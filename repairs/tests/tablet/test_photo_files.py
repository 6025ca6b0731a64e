"""A photo taken on the job, end to end on the local storage: uploaded from the tablet as the phone took it
(4000×3000, turned by its EXIF orientation, with the GPS position), kept upright at most 1600 px with no
metadata, and shown only to those who may see the work order — never from a /media/ address."""

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import ExifTags, Image, PngImagePlugin

from inventory.models import DefectiveReturn, DefectiveReturnPhoto

from .helpers import closing_post, order_for

pytestmark = pytest.mark.django_db


def phone_photo() -> bytes:
    """As a phone stores it: landscape pixels with a blue band along the top, EXIF saying "turn 90° clockwise
    to show", where it was taken and a comment."""
    image = Image.new("RGB", (4000, 3000), (200, 30, 30))
    image.paste((30, 30, 200), (0, 0, 4000, 500))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "HUAWEI"
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (32.0, 3.0, 37.0),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (118.0, 47.0, 49.0),
    }
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif.tobytes(), comment=b"Nanjing", quality=90)
    return buffer.getvalue()


def test_a_phone_photo_is_kept_small_upright_without_gps_and_served_only_in_scope(client, world):
    order = order_for(world["tech"])
    client.force_login(world["technician"])
    upload = SimpleUploadedFile("IMG_0001.JPG", phone_photo(), content_type="image/jpeg")
    refused = client.post(
        reverse("repairs:tablet_close", args=[order.pk]),
        closing_post(
            order, photos_after=SimpleUploadedFile("fault.jpg", b"%PDF-1.4", content_type="image/jpeg")
        ),
        HTTP_ACCEPT="application/json",
    )
    assert refused.status_code == 400 and "不是照片" in " ".join(refused.json()["errors"]["photos"])

    closed = client.post(
        reverse("repairs:tablet_close", args=[order.pk]),
        closing_post(order, photos_after=upload),
        HTTP_ACCEPT="application/json",
    )

    assert closed.status_code == 200 and closed.json()["ok"] is True
    photo = order.photos.get()
    stored = Path(settings.MEDIA_ROOT) / photo.image.name  # the local default storage
    assert stored.is_file() and stored.stat().st_size < 100_000
    url = reverse("repairs:work_order_photo", args=[photo.pk])
    assert url in client.get(reverse("repairs:tablet_order", args=[order.pk])).content.decode()
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    image = Image.open(io.BytesIO(b"".join(response.streaming_content)))
    assert image.format == "JPEG" and image.size == (1200, 1600)  # portrait, as the phone showed it
    assert image.getpixel((1190, 10))[2] > 150 and image.getpixel((10, 10))[0] > 150  # the band on the right
    assert not image.getexif() and not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert not {"exif", "xmp", "comment"} & set(image.info)

    client.force_login(world["other_supervisor"])  # another centre's
    assert client.get(url).status_code == 404
    client.force_login(world["manager"])
    assert client.get(url).status_code == 200
    client.logout()
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))
    for who in (None, world["manager"]):  # no public address for the file, signed in or not
        if who:
            client.force_login(who)
        assert client.get(f"{settings.MEDIA_URL}{photo.image.name}").status_code == 404


def test_a_photo_given_to_a_new_row_is_normalised_too(client, world):
    """A service that creates the row with the upload (the scrapping photos) cannot store it untouched."""
    order = order_for(world["tech"])
    client.force_login(world["technician"])
    one_part = {"part": [world["compressor"].pk], "part_quantity": ["1"], "serial_number": ["YSJ-N-1"]}
    data = closing_post(order, **one_part, old_serial=["YSJ-O-1"], part_reason=[""])
    client.post(reverse("repairs:tablet_close", args=[order.pk]), data, HTTP_ACCEPT="application/json")
    tag = DefectiveReturn.objects.get(work_order=order)  # the old compressor is owed
    text = PngImagePlugin.PngInfo()
    text.add_text("GPS", "32.06,118.79")
    buffer = io.BytesIO()
    Image.new("RGBA", (3200, 800), (0, 0, 0, 0)).save(buffer, "PNG", pnginfo=text)

    row = DefectiveReturnPhoto.objects.create(
        defective_return=tag,
        image=SimpleUploadedFile("part.jpeg", buffer.getvalue(), content_type="image/png"),
        uploaded_by=world["technician"],
    )

    assert row.image.name.endswith(".png")  # named as what it is
    with row.image.open("rb") as stored:
        image = Image.open(io.BytesIO(stored.read()))
    assert (image.format, image.size) == ("PNG", (1600, 400)) and "GPS" not in image.info
