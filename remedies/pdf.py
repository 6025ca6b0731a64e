"""The exchange certificate (换货证明) as PDF, in Chinese whatever the reader's UI language: the customer, the
old unit and the new one, the exchange date from which the new unit's repair period runs, the rule it rests
on, and the signature boxes of the customer and the dealer or centre."""

from __future__ import annotations

import weasyprint
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from aftersales import extensions
from warranty.services import unit_facts, warranty_evaluate

from .models import RemedyRequest

LANGUAGE = "zh-hans"


def certificate_context(row: RemedyRequest, *, now=None) -> dict:
    new = row.replacement
    decision, _policy = warranty_evaluate(facts=unit_facts(unit=new, report_date=new.exchanged_on))
    return {
        "row": row,
        "old": row.unit,
        "new": new,
        "customer": row.unit.owner,
        "repair_until": decision.repair_until,
        "payer": settings.PAYER_LEGAL_NAME,
        "printed_at": timezone.localtime(now or timezone.now()),
        # The QR code of the new unit's electronic warranty card (when the customers' pages answer for it).
        "card_qr": extensions.ask(extensions.UNIT_CARD_QR, None, unit_id=new.pk),
    }


def certificate_pdf(row: RemedyRequest, *, now=None) -> bytes:
    with translation.override(LANGUAGE):
        html = render_to_string("remedies/pdf/certificate.html", certificate_context(row, now=now))
    base_url = (settings.BASE_DIR / "static").as_uri() + "/"
    return weasyprint.HTML(string=html, base_url=base_url).write_pdf()
