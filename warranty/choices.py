from django.db import models
from django.utils.translation import gettext_lazy as _


class PeriodUnit(models.TextChoices):
    DAYS = "days", _("days")
    MONTHS = "months", _("months")


class Remedy(models.TextChoices):
    RETURN = "return", _("Return")
    EXCHANGE = "exchange", _("Exchange")
    FREE_REPAIR = "free_repair", _("Free repair")
    PAID_REPAIR = "paid_repair", _("Paid repair")


class Liable(models.TextChoices):
    SELLER = "seller", _("Seller")
    MAKER = "maker", _("Maker")
    REPAIRER = "repairer", _("Repairer")
    CUSTOMER = "customer", _("Customer")
