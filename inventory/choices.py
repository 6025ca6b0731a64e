from django.db import models
from django.utils.translation import gettext_lazy as _


class WarehouseKind(models.TextChoices):
    CENTRAL = "central", _("Central warehouse")
    CENTER = "center", _("Service-centre warehouse")
    # Where returned defective parts (旧件) are received and inspected; their stock is worth nothing.
    DEFECTIVE = "defective", _("Defective-parts store")
    # A dealer's stock of whole units (the out-of-box exchange is made from it).
    DEALER = "dealer", _("Dealer's stock")
    # Units taken back from customers (returns, exchanges, out-of-box failures), awaiting refurbishment;
    # like defective parts, worth nothing until refurbished.
    RETURNED = "returned", _("Returned-goods store")


# The kinds that exist once (the rest: one per centre or dealer).
SINGLE_WAREHOUSE_KINDS = (WarehouseKind.CENTRAL, WarehouseKind.DEFECTIVE, WarehouseKind.RETURNED)


class MovementKind(models.TextChoices):
    RECEIPT = "receipt", _("Receipt from supplier")
    TRANSFER_OUT = "transfer_out", _("Transfer out")
    TRANSFER_IN = "transfer_in", _("Transfer in")
    ISSUE = "issue", _("Issue to work order")
    RETURN = "return", _("Return from work order")
    DEFECTIVE_IN = "defective_in", _("Defective part received back")
    ADJUSTMENT = "adjustment", _("Count adjustment")
    # Whole units (a 三包 exchange or return) and their refurbishment.
    UNIT_OUT = "unit_out", _("Replacement unit handed over")
    UNIT_BACK = "unit_back", _("Unit taken back from a customer")
    REFURB_ISSUE = "refurb_issue", _("Issued to refurbishment")
    REFURB_IN = "refurb_in", _("Refurbished unit restocked")
    SCRAP = "scrap", _("Scrapped")


# The sign each kind's quantity must have (an adjustment may go either way).
INBOUND_KINDS = {
    MovementKind.RECEIPT,
    MovementKind.TRANSFER_IN,
    MovementKind.RETURN,
    MovementKind.DEFECTIVE_IN,
    MovementKind.UNIT_BACK,
    MovementKind.REFURB_IN,
}
OUTBOUND_KINDS = {
    MovementKind.TRANSFER_OUT,
    MovementKind.ISSUE,
    MovementKind.UNIT_OUT,
    MovementKind.REFURB_ISSUE,
    MovementKind.SCRAP,
}


class UnitSerialStatus(models.TextChoices):
    IN_STOCK = "in_stock", _("In stock")
    OUT = "out", _("Handed over")
    SCRAPPED = "scrapped", _("Scrapped")


class PartRequestStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting a manager")
    APPROVED = "approved", _("Approved")
    SHIPPED = "shipped", _("Shipped")
    RECEIVED = "received", _("Received")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")


PART_REQUEST_TRANSITIONS = {
    PartRequestStatus.PENDING: {
        PartRequestStatus.APPROVED,
        PartRequestStatus.REJECTED,
        PartRequestStatus.CANCELLED,
    },
    PartRequestStatus.APPROVED: {
        PartRequestStatus.SHIPPED,
        PartRequestStatus.REJECTED,
        PartRequestStatus.CANCELLED,
    },
    PartRequestStatus.SHIPPED: {PartRequestStatus.RECEIVED},
    PartRequestStatus.RECEIVED: set(),
    PartRequestStatus.REJECTED: set(),
    PartRequestStatus.CANCELLED: set(),
}


class OverCreditPolicy(models.TextChoices):
    REFUSE = "refuse", _("Refuse the request")
    MANAGER = "manager", _("Send it to a manager")


class DepositEntryKind(models.TextChoices):
    PAYMENT = "payment", _("Deposit payment")
    REFUND = "refund", _("Deposit refund")


class CreditEntryKind(models.TextChoices):
    """What moves a centre's credit used: parts shipped to it raise it; parts consumed on in-warranty work,
    sent back, or paid for lower it."""

    SHIPPED = "shipped", _("Parts shipped to the centre")
    CONSUMED = "consumed", _("Consumed on in-warranty work")
    RETURNED = "returned", _("Parts returned to the central warehouse")
    PAID = "paid", _("Parts paid for")
    UNCONSUMED = "unconsumed", _("Issue reversed (part back from the work order)")


class DefectiveReturnStatus(models.TextChoices):
    OPEN = "open", _("Awaiting return")
    SHIPPED = "shipped", _("Shipped")
    SCRAP_REQUESTED = "scrap_requested", _("Scrapping on site requested")
    SCRAPPED = "scrapped", _("Scrapped on site")
    RECEIVED = "received", _("Received")
    INSPECTED = "inspected", _("Inspected")
    CANCELLED = "cancelled", _("Cancelled")


# Tags still owed by the centre: past their due date they are deducted in the settlement.
OWED_RETURN_STATUSES = {DefectiveReturnStatus.OPEN, DefectiveReturnStatus.SCRAP_REQUESTED}
OPEN_RETURN_STATUSES = OWED_RETURN_STATUSES | {DefectiveReturnStatus.SHIPPED, DefectiveReturnStatus.RECEIVED}


class InspectionOutcome(models.TextChoices):
    FAULTY = "faulty", _("Confirmed faulty")
    NOT_FAULTY = "not_faulty", _("Not faulty")
    WRONG_PART = "wrong_part", _("Wrong part")
