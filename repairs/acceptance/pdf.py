"""The installation acceptance record (安装验收单) as PDF, handed to the customer with the installed unit: the
configuration installed, the trial run, the documents handed over, the customer's signature, and the QR code of
the unit's electronic warranty card (asked of the app that keeps the customers' pages: the read hook
UNIT_CARD_QR; without it the record prints without a code). In Chinese whatever the reader's UI language: the
labels are written in the template, and it is rendered under zh-hans."""

from __future__ import annotations

import base64

import weasyprint
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from aftersales import extensions

from ..models import InstallationAcceptance

LANGUAGE = "zh-hans"


def _signature_uri(acceptance: InstallationAcceptance) -> str:
    if not acceptance.signature:
        return ""
    try:
        with acceptance.signature.open("rb") as handle:
            return "data:image/png;base64," + base64.b64encode(handle.read()).decode()
    except FileNotFoundError:
        return ""


def acceptance_context(acceptance: InstallationAcceptance, *, now=None) -> dict:
    order = acceptance.work_order
    return {
        "acceptance": acceptance,
        "order": order,
        "call": order.call,
        "unit": acceptance.unit,
        "documents": list(acceptance.documents.all()),
        "signature_uri": _signature_uri(acceptance),
        "card_qr": extensions.ask(extensions.UNIT_CARD_QR, None, unit_id=acceptance.unit_id),
        "maker": settings.PAYER_LEGAL_NAME,
        "printed_at": timezone.localtime(now or timezone.now()),
    }


def acceptance_pdf(acceptance: InstallationAcceptance, *, now=None) -> bytes:
    with translation.override(LANGUAGE):
        html = render_to_string("repairs/pdf/acceptance.html", acceptance_context(acceptance, now=now))
    # Relative URLs resolve to files under static/, never to an HTTP request.
    base_url = (settings.BASE_DIR / "static").as_uri() + "/"
    return weasyprint.HTML(string=html, base_url=base_url).write_pdf()
