"""The QR code of a unit's electronic warranty card: the card's absolute address (SITE_URL, where the links of
the notifications start too) drawn as inline SVG by `segno` — vector, so it prints sharp on the PDFs and
weighs about 2 KB on the phone page. The printed papers below this app (the installation's acceptance record,
the exchange certificate) ask for it through the read hook aftersales.extensions.UNIT_CARD_QR."""

from __future__ import annotations

import segno
from django.conf import settings
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe


def card_url(unit_id: int) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{reverse('portal:unit_card', args=[unit_id])}"


def qr_svg(data: str, *, title: str = "") -> SafeString:
    """`data` as a QR code in an <svg> element sized by its viewBox (CSS gives it its size): error correction
    M (a creased or smudged paper still scans), the standard quiet zone of 4 modules."""
    code = segno.make_qr(data, error="m")
    svg = code.svg_inline(
        scale=1, border=4, omitsize=True, svgclass="qr", lineclass=None, title=title or None
    )
    # segno writes the element from the data's modules and escapes the title itself.
    return mark_safe(svg.replace("<svg ", '<svg role="img" ', 1))


def unit_card_qr(*, unit_id: int) -> dict:
    """The answer to UNIT_CARD_QR: {"url": the card's address, "svg": its QR code as inline SVG}."""
    url = card_url(unit_id)
    return {"url": url, "svg": qr_svg(url, title=url)}
