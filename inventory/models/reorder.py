"""Reorder suggestions for the central warehouse."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..choices import (
    WarehouseKind,
)
from .stock import Part, Warehouse


class ReorderSuggestion(models.Model):
    """What the daily reorder job advises for a warehouse × part: order from the supplier (central warehouse)
    or ask for a transfer (service centre)."""

    computed_on = models.DateField(_("computed on"))
    warehouse = models.ForeignKey(
        Warehouse, verbose_name=_("warehouse"), on_delete=models.CASCADE, related_name="reorder_suggestions"
    )
    part = models.ForeignKey(Part, verbose_name=_("part"), on_delete=models.CASCADE, related_name="+")
    daily_usage = models.DecimalField(_("daily usage (30 days)"), max_digits=10, decimal_places=3)
    lead_time_days = models.PositiveSmallIntegerField(_("lead time (days)"))
    safety_stock = models.PositiveIntegerField(_("safety stock"))
    reorder_point = models.PositiveIntegerField(_("reorder point"))
    on_hand = models.IntegerField(_("on hand"))
    inbound = models.IntegerField(_("on the way"))
    suggested_quantity = models.PositiveIntegerField(_("suggested quantity"))

    class Meta:
        verbose_name = _("reorder suggestion")
        verbose_name_plural = _("reorder suggestions")
        ordering = ["-computed_on", "warehouse", "part"]
        constraints = [
            models.UniqueConstraint(
                fields=["computed_on", "warehouse", "part"], name="reorder_suggestion_unique"
            ),
            models.CheckConstraint(condition=Q(suggested_quantity__gt=0), name="reorder_suggestion_positive"),
        ]

    def __str__(self):
        return f"{self.warehouse_id} · {self.part_id}: {self.suggested_quantity}"

    @property
    def from_supplier(self) -> bool:
        return self.warehouse.kind == WarehouseKind.CENTRAL
