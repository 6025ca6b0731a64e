"""What a centre's month is measured by (the maker's service-network assessment, 网点考核) and where an
assessment stands."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Metric(models.TextChoices):
    FIRST_TIME_FIX = "first_time_fix", _("First-time fix rate")
    RESPONSE_ON_TIME = "response_on_time", _("Response on time")
    ARRIVAL_ON_TIME = "arrival_on_time", _("Arrival on time")
    REPAIR_HOURS = "repair_hours", _("Average repair time")
    SATISFACTION = "satisfaction", _("Satisfaction")
    COMPLAINTS = "complaints", _("Upheld complaints per 100 orders")
    REPEATS = "repeats", _("Repeat repairs within 30 days")
    RETURNS_ON_TIME = "returns_on_time", _("Defective parts returned on time")


# How each metric is shown: a percentage, hours, a 1–5 score, a count per 100 orders.
UNITS = {
    Metric.FIRST_TIME_FIX: "%",
    Metric.RESPONSE_ON_TIME: "%",
    Metric.ARRIVAL_ON_TIME: "%",
    Metric.REPAIR_HOURS: "h",
    Metric.SATISFACTION: "/5",
    Metric.COMPLAINTS: "/100",
    Metric.REPEATS: "%",
    Metric.RETURNS_ON_TIME: "%",
}


class AssessmentStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    CONFIRMED = "confirmed", _("Confirmed")
