from django.db import models
from django.utils.translation import pgettext_lazy


class AlertStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("quality alert", "Open")
    ACKNOWLEDGED = "acknowledged", pgettext_lazy("quality alert", "Acknowledged")
    CLOSED = "closed", pgettext_lazy("quality alert", "Closed")


class AlertAction(models.TextChoices):
    RAISED = "raised", pgettext_lazy("quality alert event", "Raised")
    ACKNOWLEDGED = "acknowledged", pgettext_lazy("quality alert event", "Acknowledged")
    CLOSED = "closed", pgettext_lazy("quality alert event", "Closed")


# Still in the quality contact's hands: refreshed by every run of the early warning.
NOT_CLOSED = (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED)
# The chart's months in service (the first year).
CHART_MONTHS = 12
