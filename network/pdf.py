"""The settlement statement (月度结算单) as PDF, rendered by WeasyPrint in Chinese whatever the reader's UI
language: the centre, the month, a summary, every paid work order (the table's header repeats on every
page), the adjustments, the total in figures and in capital numerals, and the signature and stamp boxes."""

from __future__ import annotations

from decimal import Decimal

import weasyprint
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from aftersales.money import amount_in_words

from .choices import SettlementLineKind
from .models import Settlement
from .settlement import STATEMENT_LANGUAGE

MAKER = "售后服务总部"


def statement_context(settlement: Settlement, *, now=None) -> dict:
    lines = list(
        settlement.lines.select_related(
            "work_order__call__service_region__parent",
            "work_order__call__unit__model__category",
        ).order_by("closed_on", "work_order__number", "kind")
    )
    summary: dict[str, list] = {}
    for line in lines:
        row = summary.setdefault(line.kind, [line.get_kind_display(), 0, Decimal("0.00")])
        row[1] += 1
        row[2] += line.amount
    return {
        "line_summary": [tuple(summary[kind]) for kind in SettlementLineKind.values if kind in summary],
        "settlement": settlement,
        "center": settlement.center,
        "lines": lines,
        "adjustments": list(settlement.adjustments.order_by("kind", "pk")),
        "total_in_words": amount_in_words(settlement.total_amount),
        "maker": MAKER,
        "printed_at": timezone.localtime(now or timezone.now()),
    }


def statement_pdf(settlement: Settlement, *, now=None) -> bytes:
    with translation.override(STATEMENT_LANGUAGE):
        html = render_to_string("network/pdf/statement.html", statement_context(settlement, now=now))
    base_url = (settings.BASE_DIR / "static").as_uri() + "/"
    return weasyprint.HTML(string=html, base_url=base_url).write_pdf()
