from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionLevel(models.TextChoices):
    PROVINCE = "province", _("Province")
    CITY = "city", _("City")
    DISTRICT = "district", _("District / county")


class CenterLevel(models.TextChoices):
    """Service-centre levels (seed 003): capability decides fees and subsidies."""

    DIAMOND = "diamond", _("Diamond")
    GOLD = "gold", _("Gold")
    A = "a", _("Grade A")
    GENERAL = "general", _("General")
