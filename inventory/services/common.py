"""The spare-parts services' shared ground: bounds of what the columns hold, the errors, and the parsing of
quantities, amounts and texts every write uses."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils.translation import gettext as _

from aftersales.money import money
from aftersales.roles import has_role

from ..models import (
    Part,
    Warehouse,
)

# Bounds of what the columns hold: quantities are 32-bit integers, money has 12 digits before the point.
MAX_QUANTITY = 1_000_000
MAX_AMOUNT = Decimal("999999999999.99")
MAX_RATIO = Decimal("999.99")
IDEMPOTENCY_KEY_MAX = 56  # the column holds 64, a multi-line post adds ":<line>"


class InsufficientStock(ValidationError):
    """Raised with every short line at once: [(warehouse, part, wanted, on_hand)]."""

    def __init__(self, shortages: list[tuple[Warehouse, Part, int, int]]):
        self.shortages = shortages
        super().__init__(
            [
                _("Not enough %(part)s in %(warehouse)s: %(wanted)s wanted, %(on_hand)s on hand.")
                % {"part": part, "warehouse": warehouse, "wanted": wanted, "on_hand": on_hand}
                for warehouse, part, wanted, on_hand in shortages
            ],
            code="insufficient_stock",
        )


class CreditLimitExceeded(ValidationError):
    pass


def _require(user, *roles: str) -> None:
    if not has_role(user, *roles):
        raise ValidationError(_("You are not allowed to do this."), code="forbidden")


def _whole(value, field: str = "quantity") -> int:
    """A whole number of pieces (either sign) within what the ledger holds."""
    try:
        number = int(value)
        if isinstance(value, Decimal | float) and number != value:
            raise ValueError
    except (TypeError, ValueError, OverflowError, ArithmeticError):
        raise ValidationError({field: _("The quantity must be a whole number.")}) from None
    if abs(number) > MAX_QUANTITY:
        raise ValidationError(
            {field: _("The quantity cannot be more than %(most)s.") % {"most": f"{MAX_QUANTITY:,}"}}
        )
    return number


def _quantity(value, field: str = "quantity") -> int:
    """A whole, positive quantity, or a ValidationError in the user's language."""
    number = _whole(value, field)
    if number <= 0:
        raise ValidationError({field: _("The quantity must be greater than zero.")})
    return number


def _amount(value, field: str = "amount") -> Decimal:
    if isinstance(value, float):
        raise TypeError("amounts are Decimal or str, never float")
    try:
        amount = money(value)
        if not amount.is_finite():
            raise ArithmeticError
    except (TypeError, ValueError, ArithmeticError):
        raise ValidationError({field: _("Enter an amount in yuan, e.g. 1200.00.")}) from None
    if amount <= 0:
        raise ValidationError({field: _("The amount must be greater than zero.")})
    if amount > MAX_AMOUNT:
        raise ValidationError({field: _("The amount is too large.")})
    return amount


def _text(value, field: str, max_length: int, *, required_message: str | None = None) -> str:
    """Stripped free text that fits its column; required when `required_message` is given."""
    text = (value or "").strip()
    if required_message and not text:
        raise ValidationError({field: required_message})
    if len(text) > max_length:
        raise ValidationError(
            {
                field: _("At most %(most)s characters (this has %(length)s).")
                % {"most": max_length, "length": len(text)}
            }
        )
    return text


def _ratio_text(ratio: Decimal) -> str:
    """3.00 → "3", 2.50 → "2.5", 10.00 → "10" (never "1E+1")."""
    return format(ratio.normalize(), "f")


def _lock_key(idempotency_key: str | None) -> None:
    """Serialises callers retrying with the same key until the first one commits or rolls back, so the
    replay check below it is decided under a lock (the unique column is only the backstop)."""
    if not idempotency_key:
        return
    if len(idempotency_key) > IDEMPOTENCY_KEY_MAX:
        raise ValueError(f"idempotency keys are at most {IDEMPOTENCY_KEY_MAX} characters")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"inventory:{idempotency_key}"]
        )
