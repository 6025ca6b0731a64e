"""Numbers typed by people or sent in query strings, read one way everywhere.

`"²".isdigit()` is true but `int("²")` fails, `int("１２")` reads full-width digits, `int("1e9")` fails and
`int("9" * 30)` overflows the database's bigint: every id, page number and quantity taken from a request goes
through these functions, which answer `default` (None unless given) for anything that is not a plain whole
number in range — never an exception, never a 500."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

MAX_ID = 2**63 - 1  # PostgreSQL's bigint
_INTEGER = re.compile(r"[+-]?[0-9]{1,19}")
# Full-width digits (a Chinese input method's) are digits: read as ASCII.
_FULL_WIDTH = str.maketrans("０１２３４５６７８９＋－", "0123456789+-")


def parse_int(value, *, default=None, low: int | None = None, high: int | None = None):
    """A whole number from `value` (str or int), or `default` when it is none, or outside [low, high]."""
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        number = value
    else:
        if value is None:
            return default
        text = str(value).strip().translate(_FULL_WIDTH)
        if not _INTEGER.fullmatch(text):
            return default
        number = int(text)
    if low is not None and number < low:
        return default
    if high is not None and number > high:
        return default
    return number


def parse_id(value, default=None):
    """A primary key: a whole number from 1 to the largest bigint; anything else is `default`."""
    return parse_int(value, default=default, low=1, high=MAX_ID)


def parse_ids(values) -> list[int]:
    """The valid primary keys of a list (e.g. request.GET.getlist("part")), others dropped."""
    return [i for i in (parse_id(v) for v in values) if i is not None]


_DECIMAL = re.compile(r"[+-]?(?:[0-9]{1,12}(?:\.[0-9]{0,6})?|\.[0-9]{1,6})")


def parse_amount(value, *, default=None):
    """A sum of money as typed (¥1,280.50, 1280.5, １２８０): a Decimal as written — at most 12 digits before
    the point and 6 after, so that a service can still say "at most two decimal places" — or `default` for
    anything else (1e999999, NaN, Infinity, words)."""

    if value is None or isinstance(value, bool | float):
        return default
    if isinstance(value, Decimal):
        return value if value.is_finite() and abs(value) < Decimal(10) ** 12 else default
    text = (
        str(value)
        .strip()
        .translate(_FULL_WIDTH)
        .replace("．", ".")
        .replace(",", "")
        .replace("，", "")
        .removeprefix("¥")
        .removeprefix("￥")
        .strip()
    )
    if not _DECIMAL.fullmatch(text):
        return default
    return Decimal(text)


# Calendar values a person may mean: sales, repairs and settlements of this network fall in these years. A
# year like 9999 is not a date anyone meant, and its next day or month does not exist.
FIRST_DAY = dt.date(1990, 1, 1)
LAST_DAY = dt.date(2100, 12, 31)


def parse_day(value, default=None):
    """A calendar day written YYYY-MM-DD between FIRST_DAY and LAST_DAY, or `default`."""
    text = str(value or "").strip().translate(_FULL_WIDTH)
    if not re.fullmatch(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}", text):
        return default
    try:
        day = dt.date(*(int(part) for part in text.split("-")))
    except ValueError:
        return default
    return day if FIRST_DAY <= day <= LAST_DAY else default


def parse_month(value, default=None):
    """A month written YYYY-MM (its first day) between FIRST_DAY and LAST_DAY, or `default`."""
    text = str(value or "").strip().translate(_FULL_WIDTH)
    if not re.fullmatch(r"[0-9]{4}-[0-9]{1,2}", text):
        return default
    return parse_day(f"{text}-01", default)
