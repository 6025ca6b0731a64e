"""The network's units sold, kept counted (per month of sale and model) so that no page counts the units
table: repairs.units_sold keeps these rows and reads them with the units registered since."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .catalogue import ProductModel


class UnitsSold(models.Model):
    """Units of one model whose sale fell in one month, sold new or received in a 三包 exchange: counted up to
    the unit key in UnitsSoldMark. Units without a sale date are kept under no month."""

    month = models.DateField(_("month of sale"), null=True, blank=True)  # its first day
    model = models.ForeignKey(
        ProductModel, verbose_name=_("model"), on_delete=models.CASCADE, related_name="+"
    )
    # Received in a 三包 exchange (the unit replaces another): a unit in the network, not a sale.
    replacement = models.BooleanField(_("received in an exchange"))
    units = models.PositiveIntegerField(_("units"))

    class Meta:
        verbose_name = _("units sold in a month")
        verbose_name_plural = _("units sold per month")
        constraints = [
            # One row per month, model and kind; the units without a sale date share one row too (the fold's
            # upsert finds it), hence NULLS NOT DISTINCT.
            models.UniqueConstraint(
                fields=["month", "model", "replacement"], nulls_distinct=False, name="units_sold_once"
            ),
        ]

    def __str__(self):
        return f"{self.month or '-'} · {self.model_id} · {self.units}"


class UnitsSoldMark(models.Model):
    """How far UnitsSold has counted (one row): every unit with a key up to `through_unit_id` is in it, the
    units after it are counted on each read."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    through_unit_id = models.BigIntegerField(_("counted through unit"))
    folded_at = models.DateTimeField(_("last units added"))
    recounted_at = models.DateTimeField(_("last recounted"))

    class Meta:
        verbose_name = _("units sold: how far counted")
        constraints = [models.CheckConstraint(condition=Q(id=1), name="units_sold_mark_one_row")]

    def __str__(self):
        return f"≤ {self.through_unit_id} · {self.recounted_at:%Y-%m-%d %H:%M}"
