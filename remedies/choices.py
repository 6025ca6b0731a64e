from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class RemedyKind(models.TextChoices):
    EXCHANGE = "exchange", _("Exchange")
    RETURN = "return", _("Return")


class ChecklistKind(models.TextChoices):
    """Which remedy a document checklist item belongs to."""

    EXCHANGE = "exchange", _("Exchange")
    RETURN = "return", _("Return")
    DOA = "doa", _("Out-of-box failure")


class Basis(models.TextChoices):
    """The rule a remedy rests on (the decision's reason), or goodwill when the rules do not grant it."""

    WINDOW_RETURN = "window.return", _("Performance fault within the return period")
    WINDOW_EXCHANGE = "window.exchange", _("Performance fault within the exchange period")
    TWO_REPAIRS = "two_repairs", _("Repaired twice and still failing")
    DELAY_REPAIRER = "delay.repairer", _("Repair too long for the repairer's own reasons")
    DELAY_PARTS = "delay.parts_supply", _("Repair too long: the maker supplied no parts")
    DOA = "doa", _("Out-of-box failure")
    GOODWILL = "goodwill", _("Goodwill (not granted by the rules)")


# Granted by a sale window: approved at once when the customer asks for what the window gives.
WINDOW_BASES = (Basis.WINDOW_RETURN, Basis.WINDOW_EXCHANGE, Basis.DOA)


class RemedyStatus(models.TextChoices):
    AWAITING_APPROVAL = "awaiting_approval", _("Awaiting the manager's approval")
    APPROVED = "approved", _("Approved, to be carried out")
    WAITING_STOCK = "waiting_stock", _("Waiting for a replacement unit")
    DONE = "done", pgettext_lazy("remedy", "Done")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATUSES = (RemedyStatus.AWAITING_APPROVAL, RemedyStatus.APPROVED, RemedyStatus.WAITING_STOCK)

REMEDY_TRANSITIONS = {
    RemedyStatus.AWAITING_APPROVAL: {RemedyStatus.APPROVED, RemedyStatus.REJECTED, RemedyStatus.CANCELLED},
    RemedyStatus.APPROVED: {RemedyStatus.WAITING_STOCK, RemedyStatus.DONE, RemedyStatus.CANCELLED},
    RemedyStatus.WAITING_STOCK: {RemedyStatus.DONE, RemedyStatus.CANCELLED},
    RemedyStatus.DONE: set(),
    RemedyStatus.REJECTED: set(),
    RemedyStatus.CANCELLED: set(),
}


class Payer(models.TextChoices):
    SELLER = "seller", _("Seller")
    MAKER = "maker", _("Maker")
    REPAIRER = "repairer", _("Repairer")


class RefundMethod(models.TextChoices):
    ORIGINAL = "original", _("Back the way it was paid")
    CASH = "cash", _("Cash")
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    WECHAT = "wechat", _("WeChat Pay")
    ALIPAY = "alipay", _("Alipay")


class DoaStatus(models.TextChoices):
    APPROVED = "approved", _("Approved: exchange at the dealer")
    REJECTED = "rejected", _("Not an out-of-box failure")


class RefurbStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    INSPECTED = "inspected", _("Inspected")
    REPAIRED = "repaired", _("Repaired")
    TESTED = "tested", _("Tested")
    RESTOCKED = "restocked", _("Restocked as refurbished")
    SCRAPPED = "scrapped", _("Scrapped")


REFURB_OPEN = (RefurbStatus.RECEIVED, RefurbStatus.INSPECTED, RefurbStatus.REPAIRED, RefurbStatus.TESTED)


class Grade(models.TextChoices):
    A = "A", _("A: as new")
    B = "B", _("B: light wear")
    C = "C", _("C: visible wear")
    SCRAP = "scrap", _("Scrap")
