from django.db import models
from django.utils.translation import gettext_lazy as _


class Rule(models.TextChoices):
    """What makes a payable work order suspicious (each explained with its evidence on the page)."""

    REPEAT_30 = "repeat_30", _("Same unit claimed again within the window")
    REPEAT_YEAR = "repeat_year", _("Same unit claimed too often in a year")
    PARTS = "parts", _("Parts far above the norm")
    COST = "cost", _("Parts cost far above the norm")
    NO_PROOF = "no_proof", _("Closed without the customer's proof")
    UNREACHABLE = "unreachable", _("Customer unreachable on the callback")
    DENIED = "denied", _("Customer denied the visit")
    OVERLAP = "overlap", _("Technician in two places at once")
    TOO_FAR = "too_far", _("Visits too far apart to travel between")
    PHONE = "phone", _("One phone behind many units or customers")
    TRAVEL_KM = "travel_km", _("Travel distance beyond the district's")


class FlagStatus(models.TextChoices):
    HELD = "held", _("Held for review")
    CLEARED = "cleared", _("Cleared: paid")
    REJECTED = "rejected", _("Rejected: not paid")
    DISPUTED = "disputed", _("Disputed by the centre")
    WITHDRAWN = "withdrawn", _("No longer flagged")


# Statuses that keep an order out of the settlement's payable lines.
UNPAID = (FlagStatus.HELD, FlagStatus.REJECTED, FlagStatus.DISPUTED)
OPEN = (FlagStatus.HELD, FlagStatus.DISPUTED)  # a manager still has to decide


class FlagAction(models.TextChoices):
    FLAGGED = "flagged", _("Flag raised")
    CLEARED = "cleared", _("Cleared for payment")
    REJECTED = "rejected", _("Payment rejected")
    DISPUTED = "disputed", _("Rejection disputed")
    WITHDRAWN = "withdrawn", _("No longer flagged")
