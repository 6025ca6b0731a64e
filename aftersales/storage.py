"""Where files are kept. Two storages, both private (nothing serves them without a view that checks who asks):

- "default": photos and signatures (the models' ImageFields);
- "exports": the settlement PDFs and zips a worker builds (settlement.exports).

On the local disk by default (MEDIA_ROOT, and var/exports beside it); in an S3-compatible object store when
STORAGE_BACKEND=s3 or AWS_STORAGE_BUCKET_NAME is set, one bucket with the prefixes media/ and exports/,
objects private, read back only through presigned URLs of a few minutes (querystring auth)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from contextlib import suppress

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import FileSystemStorage
from django.utils.functional import cached_property

S3_BACKEND = "storages.backends.s3.S3Storage"
EXPORTS_FOLDER = "exports"


def storages_from_env(environ: Mapping[str, str]) -> dict:
    """STORAGES' "default" and "exports" entries for this environment (settings.py adds "staticfiles")."""
    backend = environ.get("STORAGE_BACKEND", "").strip().lower()
    bucket = environ.get("AWS_STORAGE_BUCKET_NAME", "").strip()
    if backend not in ("", "local", "s3"):
        raise ImproperlyConfigured(f"STORAGE_BACKEND is 'local' or 's3', not {backend!r}.")
    if backend == "local" or (backend == "" and not bucket):
        return {
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "exports": {"BACKEND": "aftersales.storage.ExportStorage"},
        }
    if not bucket:
        raise ImproperlyConfigured("STORAGE_BACKEND=s3 needs AWS_STORAGE_BUCKET_NAME.")
    options = {
        "bucket_name": bucket,
        "endpoint_url": environ.get("AWS_S3_ENDPOINT_URL") or None,
        "region_name": environ.get("AWS_S3_REGION_NAME") or None,
        "querystring_auth": True,
        "querystring_expire": int(environ.get("AWS_QUERYSTRING_EXPIRE") or 300),
        "default_acl": "private",
        "file_overwrite": False,
    }
    # Without keys boto3 finds its credentials itself (an instance role, ~/.aws).
    for key, name in (("access_key", "AWS_ACCESS_KEY_ID"), ("secret_key", "AWS_SECRET_ACCESS_KEY")):
        if environ.get(name):
            options[key] = environ[name]
    if environ.get("AWS_S3_ADDRESSING_STYLE"):  # "path" for most self-hosted stores (MinIO)
        options["addressing_style"] = environ["AWS_S3_ADDRESSING_STYLE"]
    return {
        "default": {"BACKEND": S3_BACKEND, "OPTIONS": {**options, "location": "media"}},
        # An export's name carries the fingerprint of what it shows: a second build writes the same bytes.
        "exports": {
            "BACKEND": S3_BACKEND,
            "OPTIONS": {**options, "location": EXPORTS_FOLDER, "file_overwrite": True},
        },
    }


class ExportStorage(FileSystemStorage):
    """The exports on the local disk: var/exports beside MEDIA_ROOT (it follows MEDIA_ROOT when that
    changes). A file is written beside its name and renamed into place, so that a reader never sees half of
    it; saving a name again replaces it (an export's name says what it holds)."""

    def __init__(self, location=None, **options):
        options.setdefault("allow_overwrite", True)
        super().__init__(location=location, **options)

    @cached_property
    def base_location(self):
        return self._value_or_setting(
            self._location,
            os.path.join(os.path.dirname(os.path.abspath(settings.MEDIA_ROOT)), EXPORTS_FOLDER),
        )

    def _save(self, name, content):
        full_path = self.path(name)
        directory = os.path.dirname(full_path)
        os.makedirs(directory, exist_ok=True)
        fd, partial = tempfile.mkstemp(dir=directory, prefix=".", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in content.chunks():
                    out.write(chunk)
            if self.file_permissions_mode is not None:
                os.chmod(partial, self.file_permissions_mode)
            os.replace(partial, full_path)
        except BaseException:
            with suppress(FileNotFoundError):
                os.unlink(partial)
            raise
        return name
