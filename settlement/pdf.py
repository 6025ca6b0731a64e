"""The settlement statement (月度结算单) as PDF, rendered by WeasyPrint in Chinese whatever the reader's UI
language: the paying company by its legal name, the centre and its full address, the month, a summary, every
paid work order (the table's header repeats on every page), the adjustments, the total in figures and in
capital numerals, and the signature and stamp boxes — kept on the total's page. A draft carries a 草稿
watermark on every page: only a confirmed statement is one to sign and pay."""

from __future__ import annotations

from decimal import Decimal

import weasyprint
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from aftersales.money import amount_in_words
from network.choices import SettlementLineKind, SettlementStatus
from network.models import ServiceCenter, Settlement
from settlement.selectors import contract_summary
from settlement.services import STATEMENT_LANGUAGE

MAKER = "售后服务总部"
# Names in a region chain that are no part of a postal address: the "city" level of a municipality
# (北京市 › 市辖区 › 东城区) in GB/T 2260.
_NOT_IN_ADDRESS = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}


def postal_address(center: ServiceCenter) -> str:
    """The centre's address as a letter carries it: province, city and district from its region, then the
    street address (江苏省南京市鼓楼区中山北路 101 号); what the street address already starts with (a
    city, a district) is not repeated."""
    names = []
    node = center.region
    while node is not None:
        names.append(node.name)
        node = node.parent
    parts: list[str] = []
    for name in reversed(names):
        if name not in _NOT_IN_ADDRESS and (not parts or parts[-1] != name):
            parts.append(name)
    street = center.address.strip()
    for start in range(len(parts)):
        if street.startswith("".join(parts[start:])):
            return "".join(parts[:start]) + street
    return "".join(parts) + street


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
        "contracts": contract_summary(settlement),
        "total_in_words": amount_in_words(settlement.total_amount),
        "maker": MAKER,
        "payer": settings.PAYER_LEGAL_NAME,
        "center_address": postal_address(settlement.center),
        "is_draft": settlement.status == SettlementStatus.DRAFT,
        "printed_at": timezone.localtime(now or timezone.now()),
    }


def statement_pdf(settlement: Settlement, *, now=None) -> bytes:
    with translation.override(STATEMENT_LANGUAGE):
        html = render_to_string("network/pdf/statement.html", statement_context(settlement, now=now))
    base_url = (settings.BASE_DIR / "static").as_uri() + "/"
    return weasyprint.HTML(string=html, base_url=base_url).write_pdf()
