# The module also makes Django send this app's post_migrate signal, after which the role groups are
# synchronised (see apps.py).
from django.db import models
from django.utils.translation import gettext_lazy as _


class DailySequence(models.Model):
    """The last number handed out per prefix and day (BX20261122-00042). See aftersales.numbering."""

    prefix = models.CharField(_("prefix"), max_length=8)
    day = models.DateField(_("day"))
    last = models.PositiveIntegerField(_("last number"))

    class Meta:
        verbose_name = _("daily sequence")
        verbose_name_plural = _("daily sequences")
        constraints = [models.UniqueConstraint(fields=["prefix", "day"], name="daily_sequence_unique")]

    def __str__(self):
        return f"{self.prefix}{self.day:%Y%m%d}: {self.last}"
