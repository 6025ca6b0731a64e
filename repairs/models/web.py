"""What a customer sends with a call reported on their own pages: photos of the fault."""

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.images import PhotoField

from .calls import RepairCall


def _call_photo_path(instance, filename):
    return f"calls/photos/{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}.jpg"


class RepairCallPhoto(models.Model):
    """A photo of the fault sent with the call (resized, its metadata dropped by PhotoField), shown to the
    customer and the office only through scoped views."""

    call = models.ForeignKey(
        RepairCall, verbose_name=_("repair call"), on_delete=models.PROTECT, related_name="photos"
    )
    image = PhotoField(_("photo"), upload_to=_call_photo_path)
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        verbose_name = _("repair call photo")
        verbose_name_plural = _("repair call photos")
        ordering = ["call", "pk"]

    def __str__(self):
        return f"{self.call} #{self.pk}"
