"""D time: a technician's administrative time (training, meetings, stock counts), append-only."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aftersales.roles import Role, user_roles

from ..choices import (
    AdminWorkKind,
)
from .organisation import Technician

# The longest working day China's Labour Law allows: 8 hours (art. 36) and at most 3 hours' overtime a day
# (art. 41). One technician's administrative time of one day never exceeds it, alone or added up.
ADMIN_DAY_MAX_MINUTES = 11 * 60


class AdminTimeEntryQuerySet(models.QuerySet):
    def for_user(self, user):
        """A technician their own entries, a supervisor their centres' technicians', a manager all."""
        roles = user_roles(user)
        if Role.MANAGER in roles:
            return self
        scope = Q(pk__in=[])
        if Role.SUPERVISOR in roles:
            scope |= Q(technician__in=Technician.objects.filter(center__supervisors=user).values("pk"))
        if Role.TECHNICIAN in roles:
            scope |= Q(technician__user=user)
        return self.filter(scope)

    def active(self):
        return self.filter(cancelled_at__isnull=True)


class AdminTimeEntry(models.Model):
    """Administrative work (D) of the maker's service standard — checks of finished work, parts management,
    equipment and tool maintenance, short on-the-job training — recorded as time by or for a technician,
    without a customer's call.

    Append-only: an entry is never edited. A mistake is cancelled, with who, when and why, and the right
    time recorded as a new entry; the database refuses any other change and any deletion (migration 0014),
    so a month's figures once read can always be traced to the entries behind them."""

    technician = models.ForeignKey(
        Technician,
        verbose_name=_("technician"),
        on_delete=models.PROTECT,
        related_name="admin_time_entries",
    )
    work_date = models.DateField(_("date worked"))
    kind = models.CharField(_("kind of work"), max_length=20, choices=AdminWorkKind.choices)
    minutes = models.PositiveSmallIntegerField(_("minutes"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"))
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("cancelled by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    cancel_reason = models.CharField(_("why it was cancelled"), max_length=200, blank=True)

    objects = AdminTimeEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("administrative time entry")
        verbose_name_plural = _("administrative time entries")
        ordering = ["-work_date", "-recorded_at", "-pk"]
        indexes = [
            # A technician's day (the day's total under the lock) and month (the time split).
            models.Index(fields=["technician", "work_date"], name="admin_time_technician_day"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=AdminWorkKind.values), name="admin_time_kind_valid"),
            models.CheckConstraint(
                condition=Q(minutes__gte=1, minutes__lte=ADMIN_DAY_MAX_MINUTES),
                name="admin_time_minutes_range",
            ),
            # A cancellation says who, when and why — all three, or none.
            models.CheckConstraint(
                condition=Q(cancelled_at__isnull=True, cancelled_by__isnull=True, cancel_reason="")
                | (Q(cancelled_at__isnull=False, cancelled_by__isnull=False) & ~Q(cancel_reason="")),
                name="admin_time_cancellation_complete",
            ),
        ]

    def __str__(self):
        return f"{self.technician} · {self.work_date} · {self.get_kind_display()} · {self.minutes}"

    @property
    def cancelled(self) -> bool:
        return self.cancelled_at is not None
