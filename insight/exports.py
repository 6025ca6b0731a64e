"""The month's budget against actual cost as an Excel workbook: per head (month and year to date), per
category, and the twelve months' trend. Amounts are written as numbers (Decimal, never float) shown
grouped (#,##0.00); texts go through aftersales.spreadsheets against formula injection."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from aftersales.spreadsheets import row as safe_row

MONEY_FORMAT = "#,##0.00"


def _sheet(book, title, header, rows, money_columns):
    sheet = book.create_sheet(title)
    sheet.append(safe_row(header))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for values in rows:
        sheet.append(safe_row(values))
    for column in money_columns:
        for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
            cell.number_format = MONEY_FORMAT
    for column_cells in sheet.columns:
        sheet.column_dimensions[column_cells[0].column_letter].width = 18
    return sheet


def budget_xlsx(report: dict, categories: list[dict], *, filters: dict) -> bytes:
    book = Workbook()
    book.remove(book.active)
    scope = " · ".join(
        part
        for part in (
            f"{report['month']:%Y-%m}",
            filters["category"].name if filters["category"] else _("All categories"),
            filters["region"].name if filters["region"] else _("Whole country"),
            _("drafts included") if filters["drafts"] else _("confirmed settlements only"),
        )
    )
    heads = _sheet(
        book,
        _("By head"),
        [
            _("Head"),
            _("Planned"),
            _("Gross cost"),
            _("Recovered"),
            _("Actual"),
            _("Variance"),
            _("Planned, year to date"),
            _("Actual, year to date"),
        ],
        [
            [
                str(row["label"]),
                row["planned"],
                row["gross"],
                row["recovered"],
                row["actual"],
                row["variance"],
                row["ytd"]["planned"],
                row["ytd"]["actual"],
            ]
            for row in report["heads"]
        ]
        + [
            [
                _("Total"),
                report["summary"]["planned"],
                None,
                None,
                report["summary"]["actual"],
                report["summary"]["variance"],
                report["ytd"]["planned"],
                report["ytd"]["actual"],
            ]
        ],
        money_columns=range(2, 9),
    )
    heads.insert_rows(1)
    heads["A1"] = scope
    heads["A1"].font = Font(bold=True)
    _sheet(
        book,
        _("By category"),
        [
            _("Category"),
            _("Factory value of units sold"),
            _("Units sold (count)"),
            _("Units without a factory price"),
            _("Planned"),
            _("Actual"),
            _("Planned rate (%)"),
            _("Actual rate (%)"),
        ],
        [
            [
                row["category"].name,
                row["sales_value"],
                row["sales_units"],
                row["unpriced_units"],
                row["planned"],
                row["actual"],
                row["planned_rate"],
                row["actual_rate"],
            ]
            for row in categories
        ],
        money_columns=(2, 5, 6),
    )
    _sheet(
        book,
        _("Trend"),
        [_("Month"), _("Factory value of units sold"), _("Planned"), _("Actual"), _("Actual rate (%)")],
        [
            [f"{row['month']:%Y-%m}", row["sales_value"], row["planned"], row["actual"], row["actual_rate"]]
            for row in report["trend"]
        ],
        money_columns=(2, 3, 4),
    )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
