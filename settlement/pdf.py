"""The settlement statement (月度结算单) as PDF, rendered by WeasyPrint in Chinese whatever the reader's UI
language: the paying company by its legal name, the centre and its full address, the month, a summary, every
paid work order (the table's header repeats on every page), the adjustments, the total in figures and in
capital numerals, and the signature and stamp boxes — kept on the total's page. A draft carries a 草稿
watermark on every page: only a confirmed statement is one to sign and pay.

A statement runs to thousands of lines (a large centre's month: 3,000), so its renderer spares WeasyPrint
two costs that grow with them (bench/settlement_bench.py measures it): the styles of pseudo-elements the
statement never has, and the cyclic garbage collector walking the document's boxes again and again."""

from __future__ import annotations

import gc
import re
import threading
from contextlib import contextmanager
from decimal import Decimal
from functools import cache

import weasyprint
import weasyprint.html
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from weasyprint.css.counters import CounterStyle

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
    # Only the columns the statement (and its CSV and Excel, settlement.exports) print: a line loads a work
    # order, its call, unit, model, category and two regions, whose other columns would be most of the
    # memory a long statement takes.
    lines = list(
        settlement.lines.select_related(
            "work_order__call__service_region__parent",
            "work_order__call__unit__model__category",
        )
        .only(
            "settlement",  # the related manager sets each line's settlement: read, not loaded again
            "closed_on",
            "kind",
            "service_kind",
            "note",
            "amount",
            "work_order__number",
            "work_order__call__service_region__name",
            "work_order__call__service_region__parent__name",
            "work_order__call__unit__model__model_number",
            "work_order__call__unit__model__category__name",
        )
        .order_by("closed_on", "work_order__number", "kind")
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
    return statement_pdf_from_html(html)


def statement_pdf_from_html(html: str) -> bytes:
    """The statement template's HTML as PDF (the benchmark renders a cut of a statement through it too)."""
    base_url = (settings.BASE_DIR / "static").as_uri() + "/"
    with _collector_paused():
        return _StatementHTML(string=html, base_url=base_url).write_pdf()


# WeasyPrint's stylesheet for HTML styles six pseudo-elements of every element (its ::marker and the
# ::footnote-… and ::note-… of paged-media notes), whether or not any box is ever made of them: for a
# statement of 2,000 lines that is 84,000 styles computed and kept — a third of the render's time and half
# its memory. A statement has no list and no note: its renderer leaves those rules out.
_EVERY_ELEMENTS_PSEUDO_ELEMENTS = re.compile(r"^::[a-z-]+ \{[^}]*\}$\n?", re.MULTILINE)


@cache
def _user_agent_stylesheet() -> weasyprint.CSS | None:
    """WeasyPrint's HTML stylesheet less its rules for every element's pseudo-elements (built on first use:
    parsing it is no part of starting a process); None, WeasyPrint's own, if its source is not found."""
    source = getattr(weasyprint.html, "UA", None)
    if not isinstance(source, str):
        return None
    lean, removed = _EVERY_ELEMENTS_PSEUDO_ELEMENTS.subn("", source)
    if not removed:
        return None
    # Its @counter-style rules define the same counters as WeasyPrint's own (a render uses a copy of
    # those), into a fresh set: defining disc and decimal twice is refused with a warning.
    return weasyprint.CSS(string=lean, counter_style=CounterStyle())


class _StatementHTML(weasyprint.HTML):
    """WeasyPrint's HTML document with the lean stylesheet. `_ua_stylesheets` is WeasyPrint's own hook for
    its stylesheets (not a documented one): should it go, the default stylesheet applies and only the speed
    is lost (bench/settlement_bench.py shows it)."""

    def _ua_stylesheets(self, forms=False):
        stylesheet = _user_agent_stylesheet()
        if forms or stylesheet is None:
            return super()._ua_stylesheets(forms)
        return [stylesheet]


# Laying out a long statement allocates millions of objects, few of them garbage; each allocation burst
# starts a collection of the young generations and every few a full one over the whole heap (40 % of the
# render's time). The collector waits while any statement renders and runs as usual afterwards; the
# render's own cycles are left to it then (a few MB). A count, not a flag: renders in two threads overlap.
_pause_lock = threading.Lock()
_pause = {"renders": 0, "was_enabled": True}


@contextmanager
def _collector_paused():
    with _pause_lock:
        if _pause["renders"] == 0:
            _pause["was_enabled"] = gc.isenabled()
            gc.disable()
        _pause["renders"] += 1
    try:
        yield
    finally:
        with _pause_lock:
            _pause["renders"] -= 1
            if _pause["renders"] == 0 and _pause["was_enabled"]:
                gc.enable()
