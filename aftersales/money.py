"""Money is CNY as Decimal with 2 places. Rounding: 四舍五入 (ROUND_HALF_UP), applied per line and to
totals, never to intermediate rates."""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def money(value) -> Decimal:
    """Quantise to fen. Accepts Decimal, int or a decimal string; refuses floats."""
    if isinstance(value, float):
        raise TypeError("money() refuses float: pass a Decimal or a string")
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
