"""Each centre's deposit account and its two append-only journals: deposits and parts credit."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.money import money
from aftersales.roles import Role, user_roles

from ..choices import (
    CreditEntryKind,
    DepositEntryKind,
)
from .requests import PartRequest
from .stock import _ALL, _money_field


class DepositAccountQuerySet(models.QuerySet):
    def for_user(self, user):
        roles = user_roles(user)
        if roles & _ALL:
            return self
        if Role.SUPERVISOR in roles:
            return self.filter(center__supervisors=user)
        return self.none()


class DepositAccount(models.Model):
    """A centre's deposit (押金) and the parts credit it backs: credit = deposit × leverage ratio (放大比例).
    Both balances are cached sums of their ledgers (DepositEntry, CreditEntry), changed under a row lock."""

    center = models.OneToOneField(
        "network.ServiceCenter",
        verbose_name=_("service centre"),
        on_delete=models.PROTECT,
        related_name="deposit_account",
    )
    deposit_amount = _money_field(_("deposit (CNY)"))
    leverage_ratio = models.DecimalField(
        _("leverage ratio"), max_digits=5, decimal_places=2, default=Decimal("3")
    )
    credit_used_amount = _money_field(_("credit used (CNY)"))
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    objects = DepositAccountQuerySet.as_manager()

    class Meta:
        verbose_name = _("deposit account")
        verbose_name_plural = _("deposit accounts")
        ordering = ["center__code"]
        constraints = [
            models.CheckConstraint(condition=Q(deposit_amount__gte=0), name="deposit_not_negative"),
            models.CheckConstraint(condition=Q(leverage_ratio__gt=0), name="deposit_ratio_positive"),
            models.CheckConstraint(
                condition=Q(credit_used_amount__gte=0), name="deposit_credit_used_not_negative"
            ),
        ]

    def __str__(self):
        return str(self.center)

    @property
    def credit_limit(self) -> Decimal:
        return money(self.deposit_amount * self.leverage_ratio)

    @property
    def credit_available(self) -> Decimal:
        return self.credit_limit - self.credit_used_amount


class _AppendOnlyEntry:
    """The ORM side of the ledgers' append-only trigger: an entry is written once, never changed or deleted."""

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ValidationError(_("Ledger entries are never changed: record a correcting entry."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("Ledger entries are never deleted: record a correcting entry."))


class DepositEntry(_AppendOnlyEntry, models.Model):
    """The deposit ledger: payments and refunds, append-only."""

    account = models.ForeignKey(
        DepositAccount, verbose_name=_("deposit account"), on_delete=models.PROTECT, related_name="entries"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=DepositEntryKind.choices)
    amount = _money_field(_("amount (CNY)"))
    balance_after = _money_field(_("deposit after (CNY)"))
    reference = models.CharField(_("reference"), max_length=60, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    # Paid or refunded through the monthly settlement (deducted from it, or added to it) rather than by a
    # separate bank transfer: the settlement of the entry's month carries it as an adjustment.
    via_settlement = models.BooleanField(_("through the monthly settlement"), default=False, db_default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("deposit entry")
        verbose_name_plural = _("deposit entries")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=DepositEntryKind.values), name="deposit_entry_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind=DepositEntryKind.PAYMENT, amount__gt=0)
                | Q(kind=DepositEntryKind.REFUND, amount__lt=0),
                name="deposit_entry_sign_by_kind",
            ),
            models.CheckConstraint(
                condition=Q(balance_after__gte=0), name="deposit_entry_balance_not_negative"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount}"


class CreditEntry(_AppendOnlyEntry, models.Model):
    """The parts-credit ledger: what raised or lowered a centre's credit used, append-only."""

    account = models.ForeignKey(
        DepositAccount,
        verbose_name=_("deposit account"),
        on_delete=models.PROTECT,
        related_name="credit_entries",
    )
    kind = models.CharField(_("kind"), max_length=12, choices=CreditEntryKind.choices)
    amount = _money_field(_("amount (CNY)"))
    used_after = _money_field(_("credit used after (CNY)"))
    part_request = models.ForeignKey(
        PartRequest,
        verbose_name=_("part request"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    work_order = models.ForeignKey(
        "repairs.WorkOrder",
        verbose_name=_("work order"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reference = models.CharField(_("reference"), max_length=60, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("credit entry")
        verbose_name_plural = _("credit entries")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=CreditEntryKind.values), name="credit_entry_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=[CreditEntryKind.SHIPPED, CreditEntryKind.UNCONSUMED], amount__gte=0)
                | (~Q(kind__in=[CreditEntryKind.SHIPPED, CreditEntryKind.UNCONSUMED]) & Q(amount__lte=0)),
                name="credit_entry_sign_by_kind",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount}"
