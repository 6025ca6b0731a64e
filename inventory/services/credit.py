"""Parts credit: each centre's deposit account and what its open part requests commit of it."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import F, Sum
from django.utils.translation import gettext as _

from ..choices import (
    CreditEntryKind,
    PartRequestStatus,
    WarehouseKind,
)
from ..models import (
    ZERO,
    CreditEntry,
    DepositAccount,
    PartRequest,
    Warehouse,
)
from .common import _ratio_text

# --------------------------------------------------------------------------------------------------------
# Credit
# --------------------------------------------------------------------------------------------------------


def _account(center, *, lock: bool = True) -> DepositAccount:
    """The centre's (a ServiceCenter, or its primary key) deposit account, made when it has none; locked
    unless `lock` is false."""
    center_id = center if isinstance(center, int) else center.pk
    qs = DepositAccount.objects.select_for_update(no_key=True) if lock else DepositAccount.objects
    try:
        return qs.get(center_id=center_id)
    except DepositAccount.DoesNotExist:
        DepositAccount.objects.get_or_create(center_id=center_id)
        return qs.get(center_id=center_id)


def _accounts(*centers) -> dict[int, DepositAccount]:
    """Locks several centres' accounts in primary-key order (two transfers in opposite directions between
    two centres must not take them in opposite orders)."""
    for center in centers:
        DepositAccount.objects.get_or_create(center=center)
    return {
        account.center_id: account
        for account in DepositAccount.objects.select_for_update(no_key=True)
        .filter(center__in=[c.pk for c in centers])
        .order_by("pk")
    }


def _credit(
    account: DepositAccount,
    kind: str,
    amount: Decimal,
    *,
    acting_user,
    now,
    part_request=None,
    work_order=None,
    reference: str = "",
) -> CreditEntry | None:
    """Moves the (locked) account's credit used and appends the entry."""
    if not amount:
        return None
    account.credit_used_amount += amount
    account.updated_at = now
    DepositAccount.objects.filter(pk=account.pk).update(
        credit_used_amount=F("credit_used_amount") + amount, updated_at=now
    )
    return CreditEntry.objects.create(
        account=account,
        kind=kind,
        amount=amount,
        used_after=account.credit_used_amount,
        part_request=part_request,
        work_order=work_order,
        reference=reference,
        created_by=acting_user,
        created_at=now,
    )


def _freeable(account: DepositAccount, value: Decimal) -> Decimal:
    """How much of `value` leaving a centre frees credit: never more than is in use. Parts the centre held
    before it drew on credit (its own initial count) free nothing, so credit used never goes below zero
    and a centre cannot buy itself credit beyond what its deposit backs."""
    return min(value, max(account.credit_used_amount, ZERO))


def _committed_requests_amount(center, *, exclude: PartRequest | None = None) -> Decimal:
    """Requests approved (or awaiting approval) but not yet shipped: credit they will use."""
    qs = PartRequest.objects.filter(
        center=center, status__in=[PartRequestStatus.PENDING, PartRequestStatus.APPROVED]
    )
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs.aggregate(total=Sum("amount"))["total"] or ZERO


def credit_position(*, center, extra: Decimal = ZERO, exclude: PartRequest | None = None) -> dict:
    """The numbers a credit decision rests on (and that its message shows)."""
    account = _account(center, lock=False)
    committed = _committed_requests_amount(center, exclude=exclude)
    after = account.credit_used_amount + committed + extra
    return {
        "account": account,
        "deposit": account.deposit_amount,
        "ratio": account.leverage_ratio,
        "limit": account.credit_limit,
        "used": account.credit_used_amount,
        "committed": committed,
        "requested": extra,
        "after": after,
        "over": after > account.credit_limit,
    }


def _credit_message(position: dict) -> str:
    return _(
        "Parts credit exceeded: limit %(limit)s yuan (deposit %(deposit)s × %(ratio)s), used %(used)s, "
        "awaiting shipment %(committed)s, this request %(requested)s — %(after)s in all, %(over)s over."
    ) % {
        "limit": position["limit"],
        "deposit": position["deposit"],
        "ratio": _ratio_text(position["ratio"]),
        "used": position["used"],
        "committed": position["committed"],
        "requested": position["requested"],
        "after": position["after"],
        "over": position["after"] - position["limit"],
    }


def _transfer_credit(source: Warehouse, destination: Warehouse, value: Decimal, **kwargs) -> None:
    """Parts moving into a centre use its credit; parts leaving a centre for another warehouse free it."""
    centers = [w.center for w in (source, destination) if w.kind == WarehouseKind.CENTER]
    if not value or not centers:
        return
    accounts = _accounts(*centers)
    if source.kind == WarehouseKind.CENTER:
        account = accounts[source.center_id]
        _credit(account, CreditEntryKind.RETURNED, -_freeable(account, value), **kwargs)
    if destination.kind == WarehouseKind.CENTER:
        _credit(accounts[destination.center_id], CreditEntryKind.SHIPPED, value, **kwargs)
