"""Cells written to CSV and Excel files that people open in a spreadsheet: a text starting with =, +, -, @,
a tab or a carriage return would run as a formula (=HYPERLINK(…), @SUM(…)) — it is written with a leading
apostrophe instead, which the spreadsheet shows as text (OWASP's CSV injection advice). Numbers, dates and
Decimals are left as they are."""

from __future__ import annotations

import csv

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value):
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def row(values) -> list:
    return [cell(value) for value in values]


class SafeWriter:
    """csv.writer whose every text cell goes through cell()."""

    def __init__(self, out, **kwargs):
        self._writer = csv.writer(out, **kwargs)

    def writerow(self, values):
        return self._writer.writerow(row(values))

    def writerows(self, rows):
        for values in rows:
            self.writerow(values)
