"""Helpers of the stock_pages tests."""

from django.utils.translation import gettext, override

from inventory.models import (
    CreditEntry,
    DepositAccount,
    DepositEntry,
    StockLevel,
    StockMovement,
)


def zh(message: str) -> str:
    """A service's message as the page shows it (Chinese first)."""
    with override("zh-hans"):
        return gettext(message)


def _ledger_snapshot():
    return (
        StockMovement.objects.count(),
        list(StockLevel.objects.order_by("pk").values_list("quantity", "value_amount")),
        list(
            DepositAccount.objects.order_by("pk").values_list(
                "deposit_amount", "leverage_ratio", "credit_used_amount"
            )
        ),
        DepositEntry.objects.count(),
        CreditEntry.objects.count(),
    )
