"""Deposits: a centre's payments and refunds, its credit ratio, parts paid for and charged in the settlement."""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.money import money
from aftersales.roles import Role

from ..choices import (
    CreditEntryKind,
    DepositEntryKind,
)
from ..models import (
    ZERO,
    CreditEntry,
    DepositAccount,
    DepositEntry,
)
from .common import MAX_RATIO, _amount, _ratio_text, _require, _text
from .credit import _account, _credit, _freeable

# --------------------------------------------------------------------------------------------------------
# Deposits
# --------------------------------------------------------------------------------------------------------


def deposit_pay(
    *,
    center,
    amount,
    acting_user,
    reference: str = "",
    note: str = "",
    via_settlement: bool = False,
    now=None,
) -> DepositEntry:
    now = now or timezone.now()
    _require(acting_user, Role.MANAGER)
    amount = _amount(amount)
    reference, note = _text(reference, "reference", 60), _text(note, "note", 200)
    with transaction.atomic():
        account = _account(center)
        account.deposit_amount += amount
        account.updated_at = now
        account.save(update_fields=["deposit_amount", "updated_at"])
        return DepositEntry.objects.create(
            account=account,
            kind=DepositEntryKind.PAYMENT,
            amount=amount,
            balance_after=account.deposit_amount,
            reference=reference,
            note=note,
            via_settlement=via_settlement,
            created_by=acting_user,
            created_at=now,
        )


def deposit_refund(
    *,
    center,
    amount,
    acting_user,
    reference: str = "",
    note: str = "",
    via_settlement: bool = False,
    now=None,
) -> DepositEntry:
    """Pays deposit back; never more than was paid, and never so much that the credit left is below the
    credit already used."""
    now = now or timezone.now()
    _require(acting_user, Role.MANAGER)
    amount = _amount(amount)
    reference, note = _text(reference, "reference", 60), _text(note, "note", 200)
    with transaction.atomic():
        account = _account(center)
        if amount > account.deposit_amount:
            raise ValidationError(
                {
                    "amount": _("The refund of %(amount)s yuan is more than the deposit of %(deposit)s yuan.")
                    % {"amount": amount, "deposit": account.deposit_amount}
                }
            )
        remaining = account.deposit_amount - amount
        limit_after = money(remaining * account.leverage_ratio)
        if limit_after < account.credit_used_amount:
            raise ValidationError(
                {
                    "amount": _(
                        "After this refund the parts credit would be %(limit)s yuan (%(deposit)s × %(ratio)s) "
                        "but %(used)s yuan of credit is in use: refund at most %(most)s yuan."
                    )
                    % {
                        "limit": limit_after,
                        "deposit": remaining,
                        "ratio": _ratio_text(account.leverage_ratio),
                        "used": account.credit_used_amount,
                        "most": max(
                            ZERO,
                            account.deposit_amount
                            - (account.credit_used_amount / account.leverage_ratio).quantize(
                                Decimal("0.01"), rounding=ROUND_CEILING
                            ),
                        ),
                    }
                }
            )
        account.deposit_amount = remaining
        account.updated_at = now
        account.save(update_fields=["deposit_amount", "updated_at"])
        return DepositEntry.objects.create(
            account=account,
            kind=DepositEntryKind.REFUND,
            amount=-amount,
            balance_after=account.deposit_amount,
            reference=reference,
            note=note,
            via_settlement=via_settlement,
            created_by=acting_user,
            created_at=now,
        )


def deposit_set_ratio(*, center, ratio, acting_user, now=None) -> DepositAccount:
    now = now or timezone.now()
    _require(acting_user, Role.MANAGER)
    try:
        ratio = Decimal(str(ratio).strip()).quantize(Decimal("0.01"))
        if not ratio.is_finite():
            raise ArithmeticError
    except (ArithmeticError, ValueError):
        raise ValidationError({"leverage_ratio": _("Enter a number such as 3 or 2.5.")}) from None
    if ratio <= 0:
        raise ValidationError({"leverage_ratio": _("The leverage ratio must be greater than zero.")})
    if ratio > MAX_RATIO:
        raise ValidationError(
            {"leverage_ratio": _("The leverage ratio cannot be more than %(most)s.") % {"most": MAX_RATIO}}
        )
    with transaction.atomic():
        account = _account(center)
        account.leverage_ratio = ratio
        account.updated_at = now
        account.save(update_fields=["leverage_ratio", "updated_at"])
        return account


def parts_payment_record(*, center, amount, acting_user, reference: str = "", now=None) -> CreditEntry:
    """The centre paid for parts it used on paid work: the credit they held is freed."""
    now = now or timezone.now()
    _require(acting_user, Role.MANAGER)
    amount = _amount(amount)
    reference = _text(reference, "reference", 60)
    with transaction.atomic():
        account = _account(center)
        if amount > account.credit_used_amount:
            raise ValidationError(
                {
                    "amount": _(
                        "The payment of %(amount)s yuan is more than the %(used)s yuan of credit in use."
                    )
                    % {"amount": amount, "used": account.credit_used_amount}
                }
            )
        return _credit(
            account, CreditEntryKind.PAID, -amount, acting_user=acting_user, now=now, reference=reference
        )


def parts_charged_in_settlement(
    *, center, amount: Decimal, reference: str, acting_user, now=None
) -> CreditEntry | None:
    """A confirmed settlement charged the centre `amount` for parts it used on paid work: that is the
    centre paying for them, so the credit they held is freed (never more than is in use). Called inside the
    confirmation's transaction."""
    now = now or timezone.now()
    account = _account(center)
    return _credit(
        account,
        CreditEntryKind.PAID,
        -_freeable(account, money(amount)),
        acting_user=acting_user,
        now=now,
        reference=reference[:60],
    )
