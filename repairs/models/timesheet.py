"""Each technician's labour of a day by service type, kept rather than counted on every request.

The supervisor's board and the time report show each technician's time of a month (repairs.timesheet).
Counted from the closings on every view, that reads every order the technicians completed in the month —
thousands for a busy centre by the month's end. The days before today are therefore counted once, at night
(`repairs.timesheet.time_rollup`), into one row per technician, day and service type; a month's split adds
those rows to the closings of the days not counted yet (today, and any day the nightly job has not reached)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from network.models import Technician


class TechnicianDayTime(models.Model):
    """A technician's labour minutes and completed orders of one day (China's calendar, by the order's
    completion) under one service type, as the month's split counts them (repairs.timesheet)."""

    technician = models.ForeignKey(
        Technician, verbose_name=_("technician"), on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField(_("day"))
    service_type = models.CharField(_("service type"), max_length=1)
    minutes = models.PositiveIntegerField(_("labour (minutes)"))
    orders = models.PositiveIntegerField(_("orders"))

    class Meta:
        verbose_name = _("technician's day of labour")
        verbose_name_plural = _("technicians' days of labour")
        constraints = [
            models.UniqueConstraint(
                fields=["technician", "day", "service_type"], name="technician_day_time_unique"
            )
        ]

    def __str__(self):
        return f"{self.technician_id} {self.day} {self.service_type}: {self.minutes} min"


class TechnicianTimeDay(models.Model):
    """A day whose labour is counted for every technician: its TechnicianDayTime rows are complete."""

    day = models.DateField(_("day"), primary_key=True)
    counted_at = models.DateTimeField(_("counted"))

    class Meta:
        verbose_name = _("day of labour counted")
        verbose_name_plural = _("days of labour counted")

    def __str__(self):
        return str(self.day)
