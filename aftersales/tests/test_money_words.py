"""大写金额: the reference table of the statements and cheques, and a property test against an independent
reading of the words back into an amount."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aftersales.money import amount_in_words

REFERENCE = [
    ("0.00", "零元整"),
    ("0.05", "伍分"),
    ("0.10", "壹角整"),
    ("0.15", "壹角伍分"),
    ("1.00", "壹元整"),
    ("10.00", "壹拾元整"),
    ("10.05", "壹拾元零伍分"),
    ("15.50", "壹拾伍元伍角整"),
    ("100.00", "壹佰元整"),
    ("101.00", "壹佰零壹元整"),
    ("110.00", "壹佰壹拾元整"),
    ("1004.05", "壹仟零肆元零伍分"),
    ("1010.00", "壹仟零壹拾元整"),
    ("1234.50", "壹仟贰佰叁拾肆元伍角整"),
    ("1234.56", "壹仟贰佰叁拾肆元伍角陆分"),
    ("10000.00", "壹万元整"),
    ("10001.00", "壹万零壹元整"),
    ("10100.00", "壹万零壹佰元整"),
    ("100000.01", "壹拾万元零壹分"),
    ("1000000.00", "壹佰万元整"),
    ("10100000.00", "壹仟零壹拾万元整"),
    ("100010000.00", "壹亿零壹万元整"),
    ("100000000.00", "壹亿元整"),
    ("-25.30", "负贰拾伍元叁角整"),
]


@pytest.mark.parametrize("amount, words", REFERENCE)
def test_the_reference_table(amount, words):
    assert amount_in_words(Decimal(amount)) == words


def test_fen_are_rounded_half_up_first():
    assert amount_in_words(Decimal("0.045")) == "伍分"
    with pytest.raises(TypeError):
        amount_in_words(0.05)


NUMERALS = {c: i for i, c in enumerate("零壹贰叁肆伍陆柒捌玖")}
SMALL = {"拾": 10, "佰": 100, "仟": 1000}
BIG = {"万": 10**4, "亿": 10**8}


def read_back(words: str) -> Decimal:
    """An independent reading: digits multiply the small unit after them; 万 and 亿 scale what came since
    the last larger section; 元, 角 and 分 place the integer and the fraction; 零 and 整 carry no value."""
    sign = -1 if words.startswith("负") else 1
    words = words.removeprefix("负")
    total = section = digit = 0
    fraction = Decimal(0)
    for ch in words:
        if ch in NUMERALS:
            digit = NUMERALS[ch]
        elif ch in SMALL:
            section += digit * SMALL[ch]
            digit = 0
        elif ch in BIG:
            section += digit
            if BIG[ch] == 10**8:
                total = (total + section) * BIG[ch]
            else:
                total += section * BIG[ch]
            section = digit = 0
        elif ch == "元":
            total += section + digit
            section = digit = 0
        elif ch == "角":
            fraction += Decimal(digit) / 10
            digit = 0
        elif ch == "分":
            fraction += Decimal(digit) / 100
            digit = 0
    return sign * (Decimal(total) + fraction).quantize(Decimal("0.01"))


@given(st.integers(min_value=0, max_value=10**12 - 1))
def test_the_words_read_back_as_the_amount(fen):
    amount = Decimal(fen) / 100
    words = amount_in_words(amount)
    assert read_back(words) == amount.quantize(Decimal("0.01")), words
    assert "零零" not in words and not words.startswith("零") or words == "零元整"
    assert words.endswith("整") != words.endswith("分")
