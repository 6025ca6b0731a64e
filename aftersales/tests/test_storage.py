"""Where files are kept (aftersales.storage) and how a photo is kept (aftersales.images): the S3 settings an
environment gives, the local export storage, and a photo re-encoded without its metadata."""

import io
import os

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, StorageHandler, storages
from django.utils import translation
from PIL import Image, PngImagePlugin
from storages.backends.s3 import S3Storage

from aftersales.images import photo_normalise
from aftersales.storage import ExportStorage, storages_from_env

S3_ENV = {
    "STORAGE_BACKEND": "s3",
    "AWS_STORAGE_BUCKET_NAME": "aftersales-files",
    "AWS_S3_ENDPOINT_URL": "https://oss-cn-hangzhou.example.test",
    "AWS_S3_REGION_NAME": "cn-hangzhou",
    "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "secret-example",
}


def test_the_s3_environment_puts_photos_and_exports_in_a_private_bucket():
    handler = StorageHandler(storages_from_env(S3_ENV))
    photos, exports = handler["default"], handler["exports"]
    assert isinstance(photos, S3Storage) and isinstance(exports, S3Storage)
    for storage in (photos, exports):
        assert (storage.bucket_name, storage.endpoint_url, storage.region_name) == (
            "aftersales-files",
            "https://oss-cn-hangzhou.example.test",
            "cn-hangzhou",
        )
        assert storage.default_acl == "private" and storage.querystring_auth is True
    assert (photos.location, photos.file_overwrite) == ("media", False)
    assert (exports.location, exports.file_overwrite) == ("exports", True)
    # A link to a file is signed and expires within minutes (computed locally: no request is sent).
    url = photos.url("work_orders/1/after.jpg")
    assert url.startswith(
        "https://oss-cn-hangzhou.example.test/aftersales-files/media/work_orders/1/after.jpg?"
    )
    assert "X-Amz-Signature=" in url and "X-Amz-Expires=300" in url
    # A bucket name alone is enough; the local disk stays the default; a bucket is required for s3.
    assert storages_from_env({"AWS_STORAGE_BUCKET_NAME": "b"})["default"]["BACKEND"].endswith("S3Storage")
    local = StorageHandler(storages_from_env({}))
    assert type(local["default"]) is FileSystemStorage and isinstance(local["exports"], ExportStorage)
    with pytest.raises(ImproperlyConfigured):
        storages_from_env({"STORAGE_BACKEND": "s3"})


def test_exports_are_kept_beside_the_media_folder_and_replaced_whole(tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    storage = storages["exports"]
    assert storage.location == str(tmp_path / "exports")
    name = storage.save("settlements-2026-10-abc.zip", ContentFile(b"first"))
    again = storage.save("settlements-2026-10-abc.zip", ContentFile(b"second build"))
    assert name == again == "settlements-2026-10-abc.zip"  # the same export, not a copy beside it
    assert storage.open(name).read() == b"second build"
    assert os.listdir(tmp_path / "exports") == [name]  # no temporary file left behind


def _photo(size, image_format="JPEG", **save) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA" if image_format == "PNG" else "RGB", size, (10, 120, 200, 255)).save(
        buffer, image_format, **save
    )
    return buffer.getvalue()


def test_a_png_stays_a_png_without_its_text_and_a_non_image_is_refused_in_chinese(settings):
    settings.PHOTO_MAX_SIDE = 800
    text = PngImagePlugin.PngInfo()
    text.add_text("Location", "32.0603 N, 118.7969 E")
    photo = photo_normalise(ContentFile(_photo((2000, 500), "PNG", pnginfo=text)))
    image = Image.open(photo)
    assert (photo.name, image.format, image.size, image.mode) == ("photo.png", "PNG", (800, 200), "RGBA")
    assert "Location" not in image.info and not image.getexif()
    small = photo_normalise(ContentFile(_photo((300, 200))))  # never enlarged
    assert Image.open(small).size == (300, 200)
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        photo_normalise(ContentFile(b"%PDF-1.4 not a photo"))
    assert refused.value.messages == ["请上传有效图片。您上传的该文件不是图片或者图片已经损坏。"]
