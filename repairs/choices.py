from django.db import models
from django.utils.translation import gettext_lazy as _


class ComponentKind(models.TextChoices):
    """How a component stands in the 三包 rules: the whole unit, a main component with its own longer
    period, or an accessory with a shorter one."""

    MAIN_UNIT = "main_unit", _("Whole unit")
    MAIN_COMPONENT = "main_component", _("Main component")
    ACCESSORY = "accessory", _("Accessory")


class PhoneLabel(models.TextChoices):
    MOBILE = "mobile", _("Mobile")
    HOME = "home", _("Home")
    WORK = "work", _("Work")
