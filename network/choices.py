from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


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


class ServiceKind(models.TextChoices):
    """What a centre is paid for, per work order (the fee schedule's second axis)."""

    INSTALLATION = "installation", _("Installation")
    ON_SITE_REPAIR = "on_site_repair", _("On-site repair")
    CARRY_IN_REPAIR = "carry_in_repair", _("Carry-in repair")
    INSPECTION = "inspection", _("Inspection")
    PHONE_GUIDANCE = "phone_guidance", _("Phone guidance")


class SettlementStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    CONFIRMED = "confirmed", _("Confirmed")
    PAID = "paid", _("Paid")


class SettlementLineKind(models.TextChoices):
    SERVICE_FEE = "service_fee", _("Service fee")
    TRAVEL_FEE = "travel_fee", _("Travel fee")
    # Parts the policy reimburses at cost (Part.reimbursed_at_cost: materials the centre buys itself).
    PARTS_COST = "parts_cost", _("Parts reimbursed at cost")
    # Parts consumed on paid (A) work: the centre sold them to the customer, so it pays their cost.
    PARTS_CHARGED = "parts_charged", _("Parts used on paid work (charged)")


class DisputeStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("dispute", "Open")
    ACCEPTED = "accepted", pgettext_lazy("dispute", "Accepted")
    REJECTED = "rejected", pgettext_lazy("dispute", "Rejected")


class AdjustmentKind(models.TextChoices):
    BASE_SUBSIDY = "base_subsidy", _("Monthly base subsidy")
    VOLUME_BONUS = "volume_bonus", _("Volume bonus")
    SLA_PENALTY = "sla_penalty", _("SLA breach penalty")
    COMPLAINT_PENALTY = "complaint_penalty", _("Upheld complaint penalty")
    DEFECTIVE_NOT_RETURNED = "defective_not_returned", _("Defective part not returned")
    DEPOSIT = "deposit", _("Deposit movement")
    CORRECTION = "correction", _("Correction of an earlier month")
