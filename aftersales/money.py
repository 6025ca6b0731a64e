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


# A negative amount is written with the minus sign (U+2212) before the yuan sign, −¥35.00, on screen and in
# print: a hyphen after the sign (¥-35.00) reads as a dash, and accountants' parentheses are not how the
# centres read a statement. Spreadsheets keep numbers and their own format.
MINUS_SIGN = "\u2212"


def yuan(value, *, symbol: bool = True) -> str:
    """An amount as people read money: ¥19,853.36, −¥35.00; with symbol=False for a column headed in yuan
    (19,853.36, −35.00). Quantised to fen first (四舍五入); refuses floats, as money() does."""
    amount = money(value)
    sign = MINUS_SIGN if amount < 0 else ""
    return f"{sign}{'¥' if symbol else ''}{abs(amount):,.2f}"


DIGITS = "零壹贰叁肆伍陆柒捌玖"
_UNITS = ("仟", "佰", "拾", "")
_SECTIONS = ("", "万", "亿", "万亿")


def _four(n: int) -> str:
    """0 < n < 10000 in capital numerals: zeros inside become one 零, trailing zeros nothing."""
    out, pending = [], False
    for digit, unit in zip(f"{n:04d}", _UNITS, strict=True):
        if digit == "0":
            pending = bool(out)
        else:
            if pending:
                out.append("零")
                pending = False
            out.append(DIGITS[int(digit)] + unit)
    return "".join(out)


def amount_in_words(value) -> str:
    """大写金额 as cheques and statements write it (《正确填写票据和结算凭证的基本规定》): 壹仟贰佰叁拾肆元伍角整,
    壹拾万元零壹分, 伍分, 零元整. Whole yuan and whole jiao end in 整; a fen ends without it. Amounts are
    quantised to fen first (四舍五入)."""
    amount = money(value)
    if amount < 0:
        return "负" + amount_in_words(-amount)
    fen_total = int(amount * 100)
    yuan, jiao, fen = fen_total // 100, fen_total // 10 % 10, fen_total % 10
    if yuan >= 10**16:
        raise ValueError("amount too large for 大写")
    groups = []
    rest = yuan
    while rest:
        groups.append(rest % 10000)
        rest //= 10000
    words, started, gap = [], False, False
    for index in reversed(range(len(groups))):
        group = groups[index]
        if group == 0:
            gap = gap or started
            continue
        if started and (gap or group < 1000):
            words.append("零")
        words.append(_four(group) + _SECTIONS[index])
        started, gap = True, False
    integer = "".join(words)
    if not jiao and not fen:
        return (integer or "零") + "元整"
    head = integer + "元" if integer else ""
    if jiao and not fen:
        return f"{head}{DIGITS[jiao]}角整"
    if jiao:
        return f"{head}{DIGITS[jiao]}角{DIGITS[fen]}分"
    return f"{head}零{DIGITS[fen]}分" if head else f"{DIGITS[fen]}分"
