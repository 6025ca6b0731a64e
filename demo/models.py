"""What the demo itself has to remember: the suspicious claims it planted for the claim screening (the ground
truth of its precision and recall, and how a second run knows they are there)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PlantedClaim(models.Model):
    """A work order the demo (or the screening benchmark) wrote as a suspicious claim, with the pattern it
    carries ("repeat", "parts", "overlap", "phone", "travel_km", "no_proof", "denied"). The order itself is
    numbered and written like any other; only this row says it was planted."""

    work_order = models.OneToOneField(
        "repairs.WorkOrder", verbose_name=_("work order"), on_delete=models.CASCADE, related_name="+"
    )
    pattern = models.CharField(_("pattern"), max_length=20)
    planted_at = models.DateTimeField(_("planted"), default=timezone.now)

    class Meta:
        verbose_name = _("planted suspicious claim")
        verbose_name_plural = _("planted suspicious claims")
        ordering = ["work_order"]

    def __str__(self) -> str:
        return f"{self.work_order_id}: {self.pattern}"
