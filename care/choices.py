from django.db import models
from django.utils.translation import gettext_lazy as _


class Stage(models.TextChoices):
    """The promises a deadline stands for (the appliance service standards)."""

    ACCEPT = "accept", _("Accepted by the centre")
    FIRST_CONTACT = "first_contact", _("First contact with the customer")
    ON_SITE = "on_site", _("On site by the appointment")
    COMPLETION = "completion", _("Completion")
    CARRY_IN_30 = "carry_in_30", _("Carry-in repair within 30 days")
    COMPLAINT_REPLY = "complaint_reply", _("Complaint replied")
    COMPLAINT_RESOLVE = "complaint_resolve", _("Complaint resolved")
    REMEDY_APPROVAL = "remedy_approval", _("Remedy request approved or rejected")
    INSPECTION = "inspection", _("Inspection made by its due day")


WORK_ORDER_STAGES = (Stage.ACCEPT, Stage.FIRST_CONTACT, Stage.ON_SITE, Stage.COMPLETION, Stage.CARRY_IN_30)
COMPLAINT_STAGES = (Stage.COMPLAINT_REPLY, Stage.COMPLAINT_RESOLVE)
# The stages the dashboard reports compliance for.
COMPLIANCE_STAGES = (Stage.FIRST_CONTACT, Stage.ON_SITE, Stage.COMPLETION)


class Clock(models.TextChoices):
    """Which clock a deadline runs on: the centre's working calendar, or every hour of every day."""

    WORKING = "working", _("The centre's working hours")
    ALWAYS = "always", _("Around the clock (24 hours a day)")


class StopReason(models.TextChoices):
    MET = "met", _("Met")
    CANCELLED = "cancelled", _("No longer applies")


class EscalationLevel(models.IntegerChoices):
    """The chain: the technician first, the centre's supervisor next, the regional manager last."""

    TECHNICIAN = 1, _("Technician")
    SUPERVISOR = 2, _("Service-centre supervisor")
    MANAGER = 3, _("Regional manager")


class CallbackReason(models.TextChoices):
    PHONE_GUIDANCE = "phone_guidance", _("After phone guidance")
    WORK_ORDER_CLOSED = "work_order_closed", _("After the repair")
    COMPLAINT_RESOLVED = "complaint_resolved", _("After the complaint was resolved")


class CallbackStatus(models.TextChoices):
    PENDING = "pending", _("To call")
    REACHED = "reached", _("Reached, to review")
    DONE = "done", _("Done")
    UNREACHABLE = "unreachable", _("Unreachable")


class CallbackOutcome(models.TextChoices):
    REACHED = "reached", _("Reached")
    NO_ANSWER = "no_answer", _("No answer")
    WRONG_NUMBER = "wrong_number", _("Wrong number")


class CallbackReview(models.TextChoices):
    """How a callback ends: the work order closed, sent back to correct its record (退回重填), or to be
    redone (退回重办: the work reopens and its payment is held in the settlement until it is done)."""

    CLOSE = "close", _("Close the work order")
    CORRECT = "correct", _("Send back to correct the record (退回重填)")
    REDO = "redo", _("Send back to be redone (退回重办)")


class ComplaintCategory(models.TextChoices):
    """What a complaint is about: the staff member's own conduct (CONDUCT_CATEGORIES, what the three steps
    count), or the product, the repair's result, the wait for parts, something else."""

    ATTITUDE = "attitude", _("Service attitude")
    LATE = "late", _("Late or missed appointment")
    BROKEN_PROMISE = "promise", _("Broken promise")
    CHARGES = "charges", _("Improper charging")
    PRODUCT = "product", _("Product quality")
    QUALITY = "quality", _("Repair quality")
    PARTS = "parts", _("Parts or waiting time")
    OTHER = "other", _("Other")


# Staff complaints (the maker's service standard for staff, its three steps): the three steps count upheld complaints about the staff member's own
# conduct — attitude, lateness, a broken promise, improper charging — not about the product.
CONDUCT_CATEGORIES = frozenset(
    {
        ComplaintCategory.ATTITUDE,
        ComplaintCategory.LATE,
        ComplaintCategory.BROKEN_PROMISE,
        ComplaintCategory.CHARGES,
    }
)


class ComplaintStatus(models.TextChoices):
    OPEN = "open", _("Open")
    REPLIED = "replied", _("Replied")
    RESOLVED = "resolved", _("Resolved")


class DisciplineStep(models.IntegerChoices):
    """Staff complaints (the appliance service standard, 标准 15): first a warning, second a penalty, third dismissal."""

    WARNING = 1, _("Warning")
    PENALTY = 2, _("Penalty")
    DISMISSAL = 3, _("Dismissal")
