"""What the customer says about a visit on their own pages: that the service was done (确认服务已完成), and how
it went (1–5 stars, solved or not, a comment). One of each per work order; both kept with who and when."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

COMMENT_MAX = 500


class VisitConfirmation(models.Model):
    """The customer's confirmation that the service was done. Where the closing was recorded without the
    customer's signature or code, it is that proof (repairs.closing.work_order_customer_confirm)."""

    work_order = models.OneToOneField(
        "repairs.WorkOrder",
        verbose_name=_("work order"),
        on_delete=models.PROTECT,
        related_name="portal_confirmation",
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("confirmed by"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("confirmed at"))
    # Whether it stood in for the proof a closing without signature or code lacked.
    proof_for_closing = models.BooleanField(_("proof of the closing"), default=False)

    class Meta:
        verbose_name = _("service confirmed by the customer")
        verbose_name_plural = _("services confirmed by the customer")

    def __str__(self):
        return f"{self.work_order_id} {self.at:%Y-%m-%d %H:%M}"


class VisitRating(models.Model):
    """The customer's rating of a visit. Given while the order's callback is still to be made, it is that
    callback's answer (care: the callback reached, waiting for the office's review); a low one given after
    (≤ LOW_STARS, or not solved) is registered as a complaint, for the office to look into."""

    LOW_STARS = 2

    work_order = models.OneToOneField(
        "repairs.WorkOrder",
        verbose_name=_("work order"),
        on_delete=models.PROTECT,
        related_name="portal_rating",
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("rated by"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("rated at"))
    stars = models.PositiveSmallIntegerField(_("stars (1–5)"))
    solved = models.BooleanField(_("problem solved"))
    comment = models.CharField(_("comment"), max_length=COMMENT_MAX, blank=True)
    callback = models.ForeignKey(
        "care.Callback",
        verbose_name=_("callback answered"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    complaint = models.ForeignKey(
        "care.Complaint",
        verbose_name=_("complaint registered"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("visit rated by the customer")
        verbose_name_plural = _("visits rated by the customer")
        constraints = [
            models.CheckConstraint(condition=Q(stars__gte=1, stars__lte=5), name="portal_rating_stars_1_5"),
        ]

    def __str__(self):
        return f"{self.work_order_id} {self.stars}★"

    @property
    def low(self) -> bool:
        return self.stars <= self.LOW_STARS or not self.solved
