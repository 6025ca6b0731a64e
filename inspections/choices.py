from django.db import models
from django.utils.translation import gettext_lazy as _


class ReadingUnit(models.TextChoices):
    """What a checklist item measures, when it measures something."""

    NONE = "", _("No reading")
    MPA = "MPa", "MPa"
    CELSIUS = "°C", "°C"
    PERCENT = "%", "%"
    DECIBEL = "dB", "dB"


class ItemResult(models.TextChoices):
    OK = "ok", _("In order")
    ATTENTION = "attention", _("Needs attention")
    NOT_CHECKED = "not_checked", _("Could not be checked")


# The service promise: never less than one inspection every half year.
MIN_PER_YEAR = 2
MAX_PER_YEAR = 52
