from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


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


class ContractStatus(models.TextChoices):
    """A maintenance contract (保养合同, service type B): draft → active → expired / cancelled."""

    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    EXPIRED = "expired", _("Expired")
    CANCELLED = "cancelled", _("Cancelled")


CONTRACT_TRANSITIONS: dict[str, frozenset[str]] = {
    ContractStatus.DRAFT: frozenset({ContractStatus.ACTIVE, ContractStatus.CANCELLED}),
    ContractStatus.ACTIVE: frozenset({ContractStatus.EXPIRED, ContractStatus.CANCELLED}),
    ContractStatus.EXPIRED: frozenset(),
    ContractStatus.CANCELLED: frozenset(),
}


class PaymentSchedule(models.TextChoices):
    ONCE = "once", _("Once")
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")


class ContractCover(models.TextChoices):
    """What the contract pays for; the rest is quoted as paid work."""

    LABOUR = "labour", pgettext_lazy("contract cover", "Labour")
    PARTS = "parts", pgettext_lazy("contract cover", "Parts")
    BOTH = "both", pgettext_lazy("contract cover", "Labour and parts")


class VisitMode(models.TextChoices):
    """How an inspection (巡检) is made: mainly remote or by phone, on site where needed."""

    ON_SITE = "on_site", _("On site")
    PHONE = "phone", _("By phone")
    REMOTE = "remote", _("Remote")


class ContractPaymentKind(models.TextChoices):
    INSTALMENT = "instalment", _("Instalment")
    REFUND = "refund", _("Refund of the unused part")
