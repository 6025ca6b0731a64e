from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class RegionLevel(models.TextChoices):
    PROVINCE = "province", _("Province")
    CITY = "city", _("City")
    DISTRICT = "district", _("District / county")


class CenterLevel(models.TextChoices):
    """Service-centre levels (as the phone makers grade their networks): capability decides fees and subsidies."""

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
    # A visit where nobody was at home: the trip is paid once, by its distance band, to the centre that made it.
    WASTED_VISIT = "wasted_visit", _("Travel fee of a visit nobody was at home")
    # A 三包 exchange or refund caused by the centre's own delay (the repairer's 30-day rule): its cost is
    # deducted, with the remedy request as evidence; disputable like any line.
    REMEDY_CHARGE = "remedy_charge", _("Exchange or refund at the repairer's cost")


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


class AdminWorkKind(models.TextChoices):
    """What administrative work (D, 一般行政工作) of the maker's service standard is: internal work tied to
    service and done without a customer's call."""

    WORK_CHECK = "work_check", _("Checking finished work")
    PARTS = "parts", _("Parts management")
    EQUIPMENT = "equipment", _("Equipment and tool maintenance")
    TRAINING = "training", _("On-the-job training")
    OTHER = "other", _("Other administrative work")


class CertificateKind(models.TextChoices):
    """上岗证: a technician is certified per product category; a hotline representative for the brand, its
    products, the 三包 rules and consumer protection law (the makers' training rules)."""

    TECHNICIAN = "technician", _("Technician (product category)")
    HOTLINE = "hotline", _("Hotline representative")


class CenterTaskKind(models.TextChoices):
    """Work the system hands a centre to do by a date (shown on the supervisor's home page)."""

    CONTRACT_RENEWAL = "contract_renewal", _("Maintenance contract to renew")
    CERTIFICATE_EXPIRY = "certificate_expiry", _("Certificate about to expire")
    OTHER = "other", _("Other task")


class CenterEventKind(models.TextChoices):
    """The audit trail of the network's organisation."""

    STANDBY_ACTIVATED = "standby_activated", _("Standby provider activated for a region")
    LEVEL_CONFIRMED = "level_confirmed", _("Centre level confirmed")
